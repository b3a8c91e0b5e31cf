"""The MLflow stores behind a ``lakeforge:`` URI: the workspace's ``mlflow.db`` and artifacts.

The workspace is opened like everywhere else (:func:`lakeforge.tables.workspace.
default_workspace`), so a missing or empty workspace directory is created on first use.

The reference platform's own URIs, ``databricks`` (tracking) and ``databricks-uc`` (registry),
which ported code keeps, open the same stores wherever a lakeforge workspace is in effect (this
process, or the job run that started it, bound MLflow to one); elsewhere, and for the
``databricks://<profile>`` forms, MLflow's own Databricks stores are built as if lakeforge were
not installed.
"""

# MLflow's store classes and helpers have no type hints; calling them is the point here.
# mypy: disallow-untyped-calls=False

from __future__ import annotations

from typing import TYPE_CHECKING

from lakeforge.settings import (
    REFERENCE_REGISTRY_URI,
    REFERENCE_TRACKING_URI,
    bound_mlflow_uri,
    workspace_from_mlflow_uri,
)

if TYPE_CHECKING:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from lakeforge.models.registry_store import WorkspaceRegistryStore
    from lakeforge.settings import Settings


def _workspace_settings(store_uri: str) -> Settings:
    from lakeforge.tables.workspace import default_workspace

    return default_workspace(workspace_from_mlflow_uri(store_uri)).settings


def _database_uri(settings: Settings) -> str:
    from mlflow.utils.file_utils import path_to_local_sqlite_uri

    return str(path_to_local_sqlite_uri(str(settings.mlflow_db)))


def open_tracking_store(store_uri: str, artifact_uri: str | None = None) -> SqlAlchemyStore:
    """The tracking store; new experiments get ``<workspace>/mlartifacts/<id>`` unless an MLflow
    server passes its own default artifact root."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    settings = _workspace_settings(store_uri)
    root = artifact_uri or settings.mlartifacts.as_uri()
    return SqlAlchemyStore(_database_uri(settings), root)


def open_registry_store(store_uri: str, tracking_uri: str | None = None) -> WorkspaceRegistryStore:
    """The registry store, with the catalog registry's rules for three-level names."""
    from lakeforge.models.registry_store import WorkspaceRegistryStore

    settings = _workspace_settings(store_uri)
    return WorkspaceRegistryStore(_database_uri(settings), tracking_uri)


def reference_tracking_store(store_uri: str, artifact_uri: str | None = None) -> object:
    """The store for tracking URI ``databricks``: the workspace's where one is in effect."""
    bound = bound_mlflow_uri()
    if store_uri == REFERENCE_TRACKING_URI and bound is not None:
        return open_tracking_store(bound, artifact_uri)
    from mlflow.tracking._tracking_service import utils

    return utils._get_databricks_rest_store(store_uri, artifact_uri=artifact_uri)


def reference_registry_store(store_uri: str, tracking_uri: str | None = None) -> object:
    """The store for registry URI ``databricks-uc``: the workspace's where one is in effect."""
    bound = bound_mlflow_uri()
    if store_uri == REFERENCE_REGISTRY_URI and bound is not None:
        return open_registry_store(bound, tracking_uri)
    from mlflow.tracking._model_registry import utils

    return utils._get_databricks_uc_rest_store(store_uri, tracking_uri)


def models_artifact_repository(
    artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
) -> object:
    """MLflow's ``models:/`` artifact repository, reading ``databricks-uc`` as the workspace's
    registry where one is in effect (MLflow otherwise picks its Unity Catalog download path
    from that name, which needs a Databricks server)."""
    import mlflow
    from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository

    bound = bound_mlflow_uri()
    if bound is not None and (registry_uri or mlflow.get_registry_uri()) == REFERENCE_REGISTRY_URI:
        registry_uri = bound
    return ModelsArtifactRepository(artifact_uri, tracking_uri, registry_uri)
