"""MLflow's entry points into lakeforge: the ``lakeforge:`` stores and the job-run tags.

Declared in ``pyproject.toml`` (``mlflow.tracking_store``, ``mlflow.model_registry_store``,
``mlflow.run_context_provider``) and loaded by MLflow *while mlflow itself is importing*, so this
module imports nothing at load time: each entry point imports its implementation when MLflow
first calls it.

URIs: ``lakeforge:///<absolute workspace path>`` names a workspace; ``lakeforge://`` (empty
path) names the one found as everywhere else (``LAKEFORGE_HOME``, then ``./.lakeforge``). Both
stores live in ``<workspace>/mlflow.db``; new experiments keep their artifacts under
``<workspace>/mlartifacts/``. A missing or empty workspace directory is created on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from lakeforge.models.registry_store import WorkspaceRegistryStore
    from lakeforge.models.run_context import JobRunContext

__all__ = [
    "JobRunContext",
    "databricks_tracking_store",
    "databricks_uc_registry_store",
    "models_artifact_repository",
    "registry_store",
    "tracking_store",
]


def tracking_store(store_uri: str, artifact_uri: str | None = None) -> SqlAlchemyStore:
    """MLflow tracking store of the workspace a ``lakeforge:`` URI names.

    Args:
        store_uri: ``lakeforge:///<workspace>`` or ``lakeforge://``.
        artifact_uri: Default artifact root given by an MLflow server (default:
            ``<workspace>/mlartifacts``).
    """
    from lakeforge.models.workspace_store import open_tracking_store

    return open_tracking_store(store_uri, artifact_uri)


def registry_store(store_uri: str, tracking_uri: str | None = None) -> WorkspaceRegistryStore:
    """MLflow model registry store of the workspace a ``lakeforge:`` URI names, with the
    catalog registry's rules (:class:`~lakeforge.models.registry_store.WorkspaceRegistryStore`)."""
    from lakeforge.models.workspace_store import open_registry_store

    return open_registry_store(store_uri, tracking_uri)


def databricks_tracking_store(store_uri: str, artifact_uri: str | None = None) -> Any:
    """Tracking URI ``databricks``: the workspace's store where a lakeforge workspace is in
    effect, MLflow's Databricks store otherwise (:mod:`.workspace_store`)."""
    from lakeforge.models.workspace_store import reference_tracking_store

    return reference_tracking_store(store_uri, artifact_uri)


def databricks_uc_registry_store(store_uri: str, tracking_uri: str | None = None) -> Any:
    """Registry URI ``databricks-uc``: the workspace's registry where a lakeforge workspace is
    in effect, MLflow's Unity Catalog store otherwise (:mod:`.workspace_store`)."""
    from lakeforge.models.workspace_store import reference_registry_store

    return reference_registry_store(store_uri, tracking_uri)


def models_artifact_repository(
    artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
) -> Any:
    """``models:/`` artifacts: MLflow's repository, with ``databricks-uc`` read as the
    workspace registry where a lakeforge workspace is in effect (:mod:`.workspace_store`)."""
    from lakeforge.models.workspace_store import models_artifact_repository as build

    return build(artifact_uri, tracking_uri, registry_uri)


def __getattr__(name: str) -> Any:
    # MLflow instantiates the provider class itself; importing it needs mlflow's context base.
    if name == "JobRunContext":
        from lakeforge.models.run_context import JobRunContext

        return JobRunContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
