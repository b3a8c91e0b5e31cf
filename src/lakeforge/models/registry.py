"""The model registry on the catalog: three-level names, signatures required, aliases, no stages.

Registered models are named ``catalog.schema.model`` (one part takes the current catalog and
schema), stored lowercased, and their catalog and schema must exist in the workspace catalog.
MLflow's registry in the workspace store holds the versions; its store
(:mod:`.registry_store`) enforces the catalog registry's rules for plain MLflow calls too, and
this class adds what needs the catalog or happens before MLflow is called: a model enters only
with a signature that has inputs *and* outputs (checked before anything is registered, so no
empty registered model is left behind), a version is returned only once it is ``READY``, alias
rules are enforced with clear errors, and deleting a version that carries aliases is refused
unless forced (MLflow drops those aliases silently). The registry URI ``"databricks-uc"`` means
this workspace registry.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from lakeforge.catalog.namespace_repo import check_tags
from lakeforge.errors import (
    AliasNotFoundError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    RegistrationError,
    RegistrationTimeoutError,
    UnsafeOperationError,
    ValidationError,
)
from lakeforge.models import tracking
from lakeforge.models.alias import check_version, parse_model_uri, validate_alias
from lakeforge.models.registered_model import (
    AliasChange,
    ModelVersionInfo,
    RegisteredModelInfo,
    model_info,
    version_info,
)
from lakeforge.models.registry_rules import (
    UC_REGISTRY_URI,
    check_registry_name,
    check_signature,
    get_latest_versions,
    mlflow_message,
    registry_settings,
    transition_model_version_stage,
)
from lakeforge.names import parse_name

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from lakeforge.tables.workspace import Workspace

__all__ = [
    "UC_REGISTRY_URI",
    "AliasChange",
    "ModelVersionInfo",
    "RegisteredModelInfo",
    "Registry",
    "check_signature",
    "get_latest_versions",
    "registry_settings",
    "transition_model_version_stage",
]

_READY = "READY"
_FAILED = "FAILED_REGISTRATION"


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "error_code", ""))


def _name_filter(full: str) -> str:
    quote = '"' if "'" in full else "'"
    return f"name = {quote}{full}{quote}"


def _pages(search: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = search(token)
        yield from page
        token = page.token
        if not token:
            return


class Registry:
    """The workspace's model registry (catalog rules on top of MLflow's registry).

    Args:
        workspace: The open workspace; model names are checked against its catalog.
        registry_uri: None or ``"databricks-uc"`` (both mean the workspace registry).
    """

    def __init__(self, workspace: Workspace, *, registry_uri: str | None = None) -> None:
        self._ws = workspace
        self.settings = registry_settings(workspace.settings, registry_uri)
        self._mlflow_client: MlflowClient | None = None
        tracking.bind(self.settings.workspace)  # plain MLflow calls that follow use it too

    # -- plumbing ------------------------------------------------------------------------------

    def _client(self) -> MlflowClient:
        # Re-point mlflow's global URIs each time: fluent APIs (register, get_model_info) use
        # them, and another workspace in the same process may have moved them.
        tracking.mlflow_module(self.settings)
        if self._mlflow_client is None:
            self._mlflow_client = tracking.client(self.settings)
        return self._mlflow_client

    def _name(self, name: str) -> str:
        """Parse, lowercase and check a model name; its catalog and schema must exist."""
        parsed = parse_name(
            name,
            current_catalog=self.settings.current_catalog,
            current_schema=self.settings.current_schema,
        )
        check_registry_name(parsed, str(name))
        self._ws.schemas.get(parsed.catalog, parsed.schema)
        return parsed.full

    def _names_in_schema(self, full: str) -> list[str]:
        catalog, schema, _ = full.split(".")
        return [m.name for m in self.list_models(catalog, schema)]

    def _registered(self, full: str) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return self._client().get_registered_model(full)
        except MlflowException as exc:
            if _error_code(exc) != "RESOURCE_DOES_NOT_EXIST":
                raise
        raise ModelNotFoundError(
            full,
            self._names_in_schema(full),
            "register a version first with register_model(model_uri, name)",
        )

    def _version(self, full: str, version: object) -> Any:
        from mlflow.exceptions import MlflowException

        number = check_version(version)
        self._registered(full)
        try:
            return self._client().get_model_version(full, str(number))
        except MlflowException as exc:
            if _error_code(exc) != "RESOURCE_DOES_NOT_EXIST":
                raise
        existing = [str(v.version) for v in self.list_versions(full)]
        raise ModelVersionNotFoundError(
            f"{full}/{number}",
            existing,
            f"pick an existing version (`lakeforge models versions {full}`)",
        )

    def _require_signature(self, model_uri: str) -> None:
        from mlflow.exceptions import MlflowException

        mlflow = tracking.mlflow_module(self.settings)
        try:
            info = mlflow.models.get_model_info(model_uri)
        except (MlflowException, OSError) as exc:
            raise ValidationError(
                f"cannot read a model at {model_uri!r}: {mlflow_message(exc)}",
                "pass runs:/<run_id>/<artifact_path>, models:/<model_id> or "
                "models:/catalog.schema.model/<version> of a logged model",
            ) from exc
        check_signature(model_uri, info.signature)

    def _await_ready(self, full: str, version: int, timeout: float) -> ModelVersionInfo:
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            mv = self._client().get_model_version(full, str(version))
            status = str(mv.status)
            if status == _READY:
                return version_info(mv)
            if status == _FAILED:
                raise RegistrationError(full, version, mv.status_message)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RegistrationTimeoutError(full, version, timeout, status)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)

    # -- versions ------------------------------------------------------------------------------

    def register_model(
        self,
        model_uri: str,
        name: str,
        *,
        tags: Mapping[str, str] | None = None,
        await_registration_for: float = 300,
    ) -> ModelVersionInfo:
        """Register a logged model as a new version of ``name`` and wait until it is READY.

        Args:
            model_uri: ``runs:/<run_id>/<path>``, ``models:/<model_id>`` or a registry URI.
            name: ``catalog.schema.model`` (or shorter, resolved with the current schema).
            tags: Version tags.
            await_registration_for: Seconds to wait for ``READY``.

        Raises:
            SignatureRequiredError: The model has no signature with inputs and outputs (nothing
                is registered).
            RegistrationError: The version ended in ``FAILED_REGISTRATION``.
            RegistrationTimeoutError: Still pending after ``await_registration_for`` seconds.
        """
        full = self._name(name)
        clean_tags = check_tags(tags or {})
        timeout = _check_timeout(await_registration_for)
        self._require_signature(model_uri)
        mlflow = tracking.mlflow_module(self.settings)
        created = mlflow.register_model(model_uri, full, await_registration_for=0, tags=clean_tags)
        return self._await_ready(full, int(created.version), timeout)

    def copy_model_version(
        self, src_model_uri: str, dst_name: str, *, await_registration_for: float = 300
    ) -> ModelVersionInfo:
        """Copy a version (``models:/name/<v>`` or ``@alias``) to a new version of ``dst_name``.

        Promotes across catalogs (``dev.ml.churn`` → ``prod.ml.churn``); version tags are
        copied and the signature requirement holds for the copy too.
        """
        src_name, src_version = self.resolve_uri(src_model_uri)
        full = self._name(dst_name)
        timeout = _check_timeout(await_registration_for)
        source = f"models:/{src_name}/{src_version}"
        self._require_signature(source)
        created = self._client().copy_model_version(source, full)
        return self._await_ready(full, int(created.version), timeout)

    def get_version(self, name: str, version: int | str) -> ModelVersionInfo:
        """One version of a model."""
        return version_info(self._version(self._name(name), version))

    def list_versions(self, name: str) -> list[ModelVersionInfo]:
        """Every version of a model, oldest first."""
        full = self._name(name)
        by_version: dict[int, list[str]] = {}
        for alias, number in (self._registered(full).aliases or {}).items():
            by_version.setdefault(int(number), []).append(str(alias))
        client = self._client()
        query = _name_filter(full)
        found = _pages(lambda token: client.search_model_versions(query, page_token=token))
        # Searched versions come without their aliases: take them from the model.
        infos = (version_info(v) for v in found)
        return sorted(
            (
                dataclasses.replace(v, aliases=tuple(sorted(by_version.get(v.version, ()))))
                for v in infos
            ),
            key=lambda v: v.version,
        )

    def delete_version(
        self, name: str, version: int | str, *, force: bool = False
    ) -> tuple[str, ...]:
        """Delete a version; returns the aliases removed with it.

        Raises:
            UnsafeOperationError: The version carries aliases and ``force`` is False.
        """
        full = self._name(name)
        mv = self._version(full, version)
        aliases = tuple(sorted(mv.aliases or ()))
        if aliases and not force:
            raise UnsafeOperationError(
                f"version {mv.version} of model {full!r} carries the alias(es) "
                f"{', '.join(aliases)}; deleting it would remove them",
                f"point them at another version first (`lakeforge models alias set {full} "
                f"{aliases[0]} VERSION`) or pass force=True to delete the aliases too",
            )
        self._client().delete_model_version(full, str(mv.version))
        return aliases

    def delete_model(self, name: str, *, force: bool = False) -> tuple[str, ...]:
        """Delete a model with all its versions; returns the aliases removed with it.

        Raises:
            UnsafeOperationError: The model has aliases and ``force`` is False.
        """
        full = self._name(name)
        aliases = tuple(sorted(self._registered(full).aliases or {}))
        if aliases and not force:
            raise UnsafeOperationError(
                f"model {full!r} has the alias(es) {', '.join(aliases)}; deleting it would "
                "remove them and every version",
                f"delete the aliases first (`lakeforge models alias delete {full} ALIAS`) or "
                "pass force=True",
            )
        self._client().delete_registered_model(full)
        return aliases

    # -- models --------------------------------------------------------------------------------

    def list_models(
        self, catalog: str | None = None, schema: str | None = None
    ) -> list[RegisteredModelInfo]:
        """Registered models of the workspace, of one catalog, or of one schema, by name.

        A schema without a catalog is taken from the current catalog.
        """
        prefix = ""
        if schema is not None:
            catalog = catalog or self.settings.current_catalog
            prefix = f"{self._ws.schemas.get(catalog, schema).full_name}."
        elif catalog is not None:
            prefix = f"{self._ws.catalogs.get(catalog).name}."
        client = self._client()
        found = _pages(lambda token: client.search_registered_models(page_token=token))
        infos = [
            model_info(m)
            for m in found
            if m.name.startswith(prefix) and len(m.name.split(".")) == 3
        ]
        return sorted(infos, key=lambda m: m.name)

    def describe_model(self, name: str) -> RegisteredModelInfo:
        """A model with its aliases, tags, latest version and every version."""
        full = self._name(name)
        return model_info(self._registered(full), tuple(self.list_versions(full)))

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        """Set a tag on a registered model."""
        full = self._name(name)
        self._registered(full)
        ((key, value),) = check_tags({key: value}).items()
        self._client().set_registered_model_tag(full, key, value)

    def delete_model_tag(self, name: str, key: str) -> None:
        """Remove a tag from a registered model (no error if it is not set)."""
        full = self._name(name)
        if key in (self._registered(full).tags or {}):
            self._client().delete_registered_model_tag(full, key)

    def set_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        """Set a tag on one version."""
        full = self._name(name)
        mv = self._version(full, version)
        ((key, value),) = check_tags({key: value}).items()
        self._client().set_model_version_tag(full, str(mv.version), key, value)

    def delete_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Remove a tag from one version (no error if it is not set)."""
        full = self._name(name)
        mv = self._version(full, version)
        if key in (mv.tags or {}):
            self._client().delete_model_version_tag(full, str(mv.version), key)

    # -- aliases -------------------------------------------------------------------------------

    def set_alias(self, name: str, alias: str, version: int | str) -> AliasChange:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere).

        Raises:
            InvalidAliasError: The alias breaks the alias rules.
        """
        alias = validate_alias(alias)
        full = self._name(name)
        mv = self._version(full, version)
        previous = self._registered(full).aliases.get(alias)
        self._client().set_registered_model_alias(full, alias, str(mv.version))
        return AliasChange(
            full, alias, int(mv.version), None if previous is None else int(previous)
        )

    def delete_alias(self, name: str, alias: str) -> int:
        """Remove an alias; returns the version it pointed at."""
        full = self._name(name)
        version = self._alias_version(full, alias)
        self._client().delete_registered_model_alias(full, alias)
        return version

    def get_version_by_alias(self, name: str, alias: str) -> ModelVersionInfo:
        """The version an alias points at."""
        full = self._name(name)
        return version_info(self._version(full, self._alias_version(full, alias)))

    def _alias_version(self, full: str, alias: str) -> int:
        aliases = {str(k): int(v) for k, v in (self._registered(full).aliases or {}).items()}
        if alias in aliases:
            return aliases[alias]
        near = [a for a in aliases if a.lower() == str(alias).lower()]
        fix = (
            f"aliases are case-sensitive: did you mean {near[0]!r}?"
            if near
            else f"set it with `lakeforge models alias set {full} {alias} VERSION`"
        )
        raise AliasNotFoundError(f"{full}@{alias}", sorted(aliases), fix)

    def resolve_uri(self, uri: str) -> tuple[str, int]:
        """``models:/c.s.m@alias`` or ``models:/c.s.m/<v>`` → (``c.s.m``, version)."""
        ref = parse_model_uri(uri)
        full = self._name(ref.name)
        if ref.alias is not None:
            return full, self._alias_version(full, ref.alias)
        return full, int(self._version(full, ref.version).version)

    # -- refused stage APIs --------------------------------------------------------------------

    def transition_model_version_stage(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused: the catalog registry has no stages (use :meth:`set_alias`)."""
        transition_model_version_stage(*args, **kwargs)

    def get_latest_versions(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused: the catalog registry has no stages (use :meth:`get_version_by_alias`)."""
        get_latest_versions(*args, **kwargs)


def _check_timeout(seconds: object) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0:
        raise ValidationError(
            f"await_registration_for={seconds!r} is not a number of seconds",
            "pass 0 or more seconds (default 300)",
        )
    return float(seconds)
