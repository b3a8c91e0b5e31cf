"""MLflow's SQL model-registry store with the catalog registry's rules, for every caller.

The ``lakeforge:`` registry store is this class, so plain MLflow code (``mlflow.register_model``,
``MlflowClient().create_model_version``, ``log_model(registered_model_name=...)``) meets the same
rules as lakeforge's :class:`~lakeforge.models.registry.Registry` for three-level names
(``catalog.schema.model``): parts are valid lowercase identifiers, a version needs a signature
with inputs and outputs (guardrail 4), aliases follow the alias rules, and the stage APIs are
refused with a pointer to aliases. Other names keep MLflow's own (workspace registry) behaviour.
"""

# MLflow's store classes and helpers have no type hints; calling them is the point here.
# mypy: disallow-untyped-calls=False

from __future__ import annotations

from typing import Any

from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

from lakeforge.errors import InvalidNameError, StagesUnsupportedError, ValidationError
from lakeforge.models.alias import parse_model_uri, validate_alias
from lakeforge.models.registry_rules import check_registry_name, check_signature, mlflow_message
from lakeforge.names import parse_name

_MODELS = "models:/"


def is_catalog_name(name: object) -> bool:
    """Whether ``name`` is a three-level ``catalog.schema.model`` name."""
    return isinstance(name, str) and name.count(".") == 2 and all(name.split("."))


def check_catalog_name(name: str) -> None:
    """A three-level model name must be valid, lowercase and fit ``models:/`` URIs.

    Raises:
        InvalidNameError: Naming the part and the problem.
    """
    parsed = parse_name(name)
    check_registry_name(parsed, name)
    if parsed.full != name:
        raise InvalidNameError(
            name,
            next(p for p, q in zip(name.split("."), parsed.parts, strict=True) if p != q),
            "has upper-case letters; catalog model names are stored in lowercase",
            f"register it as {parsed.full!r}",
        )


class WorkspaceRegistryStore(SqlAlchemyStore):
    """The workspace's registry store (``<workspace>/mlflow.db``).

    Args:
        db_uri: SQLAlchemy URI of the workspace's ``mlflow.db``.
        tracking_uri: Tracking URI of the calling client, to find logged models by id.
    """

    def __init__(self, db_uri: str, tracking_uri: str | None = None) -> None:
        super().__init__(db_uri)
        self._tracking_uri = tracking_uri

    def create_registered_model(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Create a registered model (three-level names are checked first)."""
        if is_catalog_name(name):
            check_catalog_name(name)
        return super().create_registered_model(name, *args, **kwargs)

    def rename_registered_model(self, name: str, new_name: str) -> Any:
        """Rename a registered model (a three-level new name is checked first)."""
        if is_catalog_name(new_name):
            check_catalog_name(new_name)
        return super().rename_registered_model(name, new_name)

    def create_model_version(self, name: str, source: str, *args: Any, **kwargs: Any) -> Any:
        """Create a version; for three-level names only with a signature with inputs and outputs.

        Raises:
            SignatureRequiredError: The model at ``source`` lacks one (nothing is created).
        """
        if is_catalog_name(name):
            check_signature(source, self._signature(source))
        return super().create_model_version(name, source, *args, **kwargs)

    def transition_model_version_stage(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Refused for three-level names: the catalog registry has no stages."""
        if is_catalog_name(name):
            raise StagesUnsupportedError(f"transition_model_version_stage on model {name!r}")
        return super().transition_model_version_stage(name, *args, **kwargs)

    def get_latest_versions(self, name: str, stages: Any = None) -> Any:
        """Refused for three-level names: "latest per stage" does not exist there."""
        if is_catalog_name(name):
            raise StagesUnsupportedError(f"get_latest_versions on model {name!r}")
        return super().get_latest_versions(name, stages)

    def set_registered_model_alias(self, name: str, alias: str, version: Any) -> None:
        """Point an alias at a version; for three-level names the alias rules apply first."""
        if is_catalog_name(name):
            validate_alias(alias)
        super().set_registered_model_alias(name, alias, version)

    def _signature(self, source: str) -> Any:
        """The signature in the ``MLmodel`` of the model a version is created from."""
        from mlflow.exceptions import MlflowException
        from mlflow.models import Model
        from mlflow.utils.file_utils import local_file_uri_to_path

        try:
            # Model.load takes local paths and remote URIs, but not file: URIs
            return Model.load(local_file_uri_to_path(self._location(source))).signature
        except (MlflowException, OSError) as exc:
            raise ValidationError(
                f"cannot read the model at {source!r} to check its signature: "
                f"{mlflow_message(exc)}",
                "register a logged model: runs:/<run_id>/<artifact_path>, models:/<model_id> "
                "or models:/catalog.schema.model/<version>",
            ) from exc

    def _location(self, source: str) -> str:
        """Where the model files of ``source`` are (``models:/`` sources resolved here)."""
        if not source.startswith(_MODELS):
            return source
        ref = source[len(_MODELS) :]
        if "/" not in ref and "@" not in ref:  # models:/<model_id>: a logged model
            from mlflow import MlflowClient

            return str(MlflowClient(self._tracking_uri).get_logged_model(ref).artifact_location)
        parsed = parse_model_uri(source)
        version = parsed.version
        if version is None:
            version = self.get_model_version_by_alias(parsed.name, parsed.alias).version
        return str(self.get_model_version_download_uri(parsed.name, str(version)))
