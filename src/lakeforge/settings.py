"""One immutable :class:`Settings`, resolved in one place.

Precedence for every value: explicit argument → ``LAKEFORGE_*`` environment variable →
workspace config file (``<workspace>/lakeforge.toml``) → default. The workspace itself is found
as: ``--workspace``/argument → ``LAKEFORGE_HOME`` → ``./.lakeforge``. This is the only module that
reads ``os.environ``.

MLflow finds a workspace's stores through ``lakeforge:`` URIs (:func:`workspace_mlflow_uri`):
``lakeforge:///<absolute workspace path>``, or ``lakeforge://`` for the workspace found as
above. lakeforge points ``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI`` at the current workspace
and records the URI it set in ``LAKEFORGE_MLFLOW_URI``, so its own setting is never mistaken for
the user's (a later workspace in the same process rebinds) while a URI the user chose stays.
"""

from __future__ import annotations

import getpass
import math
import os
import re
import tomllib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from lakeforge.errors import ConfigurationError

CONFIG_FILE = "lakeforge.toml"
DEFAULT_WORKSPACE = ".lakeforge"
ENV_PREFIX = "LAKEFORGE_"
MLFLOW_SCHEME = "lakeforge"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
REGISTRY_URI_ENV = "MLFLOW_REGISTRY_URI"
# The URI lakeforge itself put into MLFLOW_TRACKING_URI/MLFLOW_REGISTRY_URI (not the user's choice).
MLFLOW_BINDING_ENV = ENV_PREFIX + "MLFLOW_URI"
# The reference platform's URIs, which ported code keeps: here they mean the workspace's stores.
REFERENCE_TRACKING_URI = "databricks"
REFERENCE_REGISTRY_URI = "databricks-uc"
_REFERENCE_URIS = {
    TRACKING_URI_ENV: REFERENCE_TRACKING_URI,
    REGISTRY_URI_ENV: REFERENCE_REGISTRY_URI,
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved configuration of one workspace.

    Attributes:
        workspace: Absolute path of the workspace directory.
        metadata_url: SQLAlchemy URL of the catalog store (SQLite file by default).
        current_catalog: Catalog used for one-part names.
        current_schema: Schema used for one-part names.
        commit_timeout_s: How long a Delta write retries commit conflicts before giving up.
        user: Principal recorded as owner/creator of new objects.
        mlflow_tracking_uri: Tracking URI the user chose, or None for the workspace store.
        mlflow_registry_uri: Registry URI the user chose, or None for the tracking store.
        mlflow_telemetry: Whether MLflow may send telemetry (``LAKEFORGE_MLFLOW_TELEMETRY``).
        notebook_pip: What a notebook's ``%pip`` does with a pin that conflicts with a package
            lakeforge runs on: ``"overlay"`` keeps the running version and warns, ``"strict"``
            fails the task.
    """

    workspace: Path
    metadata_url: str
    current_catalog: str = "main"
    current_schema: str = "default"
    commit_timeout_s: float = 60.0
    user: str = "lakeforge"
    mlflow_tracking_uri: str | None = None
    mlflow_registry_uri: str | None = None
    mlflow_telemetry: bool = False
    notebook_pip: str = "overlay"

    @property
    def tracking_uri(self) -> str:
        """MLflow tracking URI: the user's ``MLFLOW_TRACKING_URI`` or the workspace's
        ``lakeforge:`` URI."""
        return self.mlflow_tracking_uri or workspace_mlflow_uri(self.workspace)

    @property
    def registry_uri(self) -> str:
        """MLflow registry URI: the user's ``MLFLOW_REGISTRY_URI`` or the tracking URI."""
        return self.mlflow_registry_uri or self.tracking_uri

    @property
    def config_file(self) -> Path:
        """The workspace config file."""
        return self.workspace / CONFIG_FILE

    @property
    def warehouse(self) -> Path:
        """Root directory of the Delta tables."""
        return self.workspace / "warehouse"

    @property
    def catalog_db(self) -> Path:
        """Default SQLite metadata store."""
        return self.workspace / "catalog.db"

    @property
    def mlflow_db(self) -> Path:
        """Default MLflow tracking/registry store."""
        return self.workspace / "mlflow.db"

    @property
    def mlartifacts(self) -> Path:
        """Default MLflow artifact root."""
        return self.workspace / "mlartifacts"

    @property
    def online_db(self) -> Path:
        """Embedded online feature store."""
        return self.workspace / "online.db"

    @property
    def runs_dir(self) -> Path:
        """Job run logs."""
        return self.workspace / "runs"

    @property
    def volumes_root(self) -> Path:
        """Files of managed volumes: ``volumes/<catalog>/<schema>/<volume>/``."""
        return self.workspace / "volumes"

    @property
    def dbfs_root(self) -> Path:
        """The workspace's DBFS: what ``dbfs:/<path>`` (and ``/dbfs/<path>``) names."""
        return self.workspace / "dbfs"

    @property
    def secrets_dir(self) -> Path:
        """Secret values (owner-only permissions; the catalog holds only their names)."""
        return self.workspace / "secrets"


# name -> (env var suffix, config-file key)
_FIELDS: dict[str, tuple[str, str]] = {
    "metadata_url": ("METADATA_URL", "metadata_url"),
    "current_catalog": ("CURRENT_CATALOG", "current_catalog"),
    "current_schema": ("CURRENT_SCHEMA", "current_schema"),
    "commit_timeout_s": ("COMMIT_TIMEOUT_S", "commit_timeout_s"),
    "user": ("USER", "user"),
    "notebook_pip": ("NOTEBOOK_PIP", "notebook_pip"),
}
NOTEBOOK_PIP_MODES = ("overlay", "strict")


def find_workspace(
    workspace: str | Path | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """Return the absolute workspace path: argument → ``LAKEFORGE_HOME`` → ``./.lakeforge``."""
    environ = os.environ if env is None else env
    if workspace is not None and str(workspace) != "":
        return Path(workspace).expanduser().resolve()
    home = environ.get(ENV_PREFIX + "HOME")
    if home:
        return Path(home).expanduser().resolve()
    return (Path.cwd() / DEFAULT_WORKSPACE).resolve()


# The name-part rules of lakeforge.names (a sibling layer, so not importable from here).
_BAD_NAME_CHAR = re.compile(r"[./\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    if not path.is_file():
        raise ConfigurationError(
            str(path), "<not a file>", "is not a regular file", "remove it or make it a TOML file"
        )
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            str(path), "<file>", f"cannot be read as TOML ({exc})", "fix or delete the file"
        ) from exc
    unknown = sorted(set(data) - {key for _, key in _FIELDS.values()})
    if unknown:
        raise ConfigurationError(
            str(path),
            unknown,
            "unknown keys",
            f"allowed keys are {sorted(key for _, key in _FIELDS.values())}",
        )
    return data


def _coerce(name: str, raw: Any, source: str) -> Any:
    if name == "commit_timeout_s":
        try:
            # bool is an int subclass: `commit_timeout_s = true` must not mean one second.
            value = -1.0 if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError, OverflowError):
            value = -1.0
        if not (value > 0 and math.isfinite(value)):
            raise ConfigurationError(
                source, raw, "must be a positive, finite number of seconds", "set e.g. 60"
            )
        return value
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigurationError(source, raw, "must be a non-empty string", "set a text value")
    text = raw.strip()
    if name == "notebook_pip":
        if text.lower() not in NOTEBOOK_PIP_MODES:
            raise ConfigurationError(
                source,
                raw,
                f"must be one of {', '.join(NOTEBOOK_PIP_MODES)}",
                'set "overlay" (keep the running version, warn) or "strict" (fail the task)',
            )
        return text.lower()
    if name in {"current_catalog", "current_schema"}:
        text = text.lower()
        bad = _BAD_NAME_CHAR.search(text)
        if bad or len(text) > 255:
            problem = f"contains the character {bad.group()!r}" if bad else "is over 255 characters"
            raise ConfigurationError(
                source,
                raw,
                f"{problem}; it must be one name part",
                "use a plain identifier such as 'main' or 'default'",
            )
    return text


def _default_user(environ: Mapping[str, str]) -> str:
    try:
        return environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "lakeforge"


def resolve_settings(
    workspace: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Resolve :class:`Settings` for a workspace.

    Args:
        workspace: Workspace directory; see :func:`find_workspace`.
        env: Environment mapping to read instead of ``os.environ`` (tests).
        **overrides: Explicit values that win over everything else.
    """
    environ = os.environ if env is None else env
    allowed = {f.name for f in fields(Settings)} - {
        "workspace",
        "mlflow_tracking_uri",
        "mlflow_registry_uri",
        "mlflow_telemetry",
    }
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise TypeError(f"unknown settings {unknown}; allowed: {sorted(allowed)}")
    root = find_workspace(workspace, environ)
    config = _read_config_file(root / CONFIG_FILE)
    values: dict[str, Any] = {}
    for name, (env_suffix, key) in _FIELDS.items():
        if overrides.get(name) is not None:
            values[name] = _coerce(name, overrides[name], name)
        elif environ.get(ENV_PREFIX + env_suffix):
            values[name] = _coerce(name, environ[ENV_PREFIX + env_suffix], ENV_PREFIX + env_suffix)
        elif key in config:
            values[name] = _coerce(name, config[key], f"{CONFIG_FILE}:{key}")
    values.setdefault("metadata_url", f"sqlite:///{root / 'catalog.db'}")
    values.setdefault("user", _default_user(environ))
    return Settings(
        workspace=root,
        mlflow_tracking_uri=_user_mlflow_uri(environ, TRACKING_URI_ENV),
        mlflow_registry_uri=_user_mlflow_uri(environ, REGISTRY_URI_ENV),
        mlflow_telemetry=_telemetry_allowed(environ),
        **values,
    )


def _telemetry_allowed(environ: Mapping[str, str]) -> bool:
    return environ.get(ENV_PREFIX + "MLFLOW_TELEMETRY", "").lower() in {"1", "true", "yes"}


def _user_mlflow_uri(environ: Mapping[str, str], name: str) -> str | None:
    """The URI in variable ``name`` if the user chose it: not the one lakeforge set (MLflow's
    ``set_tracking_uri`` exports what it is given) nor the reference platform's own name."""
    value = environ.get(name) or None
    if value in (None, environ.get(MLFLOW_BINDING_ENV), _REFERENCE_URIS[name]):
        return None
    return value


def bound_mlflow_uri(env: Mapping[str, str] | None = None) -> str | None:
    """The ``lakeforge:`` URI lakeforge bound MLflow to in this process (or its parent, for a
    job task), or None where no lakeforge workspace is in effect."""
    environ = os.environ if env is None else env
    return environ.get(MLFLOW_BINDING_ENV) or None


def workspace_mlflow_uri(workspace: Path) -> str:
    """The MLflow URI of a workspace's stores: ``lakeforge:///<absolute path>``.

    MLflow's ``lakeforge`` plugin opens ``<workspace>/mlflow.db`` for tracking and registry,
    with ``<workspace>/mlartifacts/`` as the default artifact root.
    """
    return f"{MLFLOW_SCHEME}://{quote(str(Path(workspace).resolve()))}"


def workspace_from_mlflow_uri(uri: str, env: Mapping[str, str] | None = None) -> Path:
    """The workspace a ``lakeforge:`` URI names; an empty path means :func:`find_workspace`.

    Raises:
        ConfigurationError: Another scheme, a host, query or fragment, or a relative path.
    """
    parts = urlsplit(uri)
    fix = "use lakeforge:///<absolute workspace path>, or lakeforge:// for the default workspace"
    if parts.scheme != MLFLOW_SCHEME:
        raise ConfigurationError("MLflow URI", uri, f"is not a {MLFLOW_SCHEME}: URI", fix)
    if parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            "MLflow URI", uri, "names a host, query or fragment; a workspace is a directory", fix
        )
    path = unquote(parts.path)
    if not path:
        return find_workspace(None, env)
    if not path.startswith("/"):
        raise ConfigurationError("MLflow URI", uri, "has a relative path", fix)
    return Path(path).resolve()


def mlflow_environment(
    workspace: Path, env: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """The variables that point MLflow at ``workspace``'s stores (None: remove the variable).

    A URI the user chose stays. When the user chose the tracking URI, MLflow derives the
    registry from it, so a registry URI that lakeforge set earlier is removed. Telemetry is
    turned off unless ``LAKEFORGE_MLFLOW_TELEMETRY`` allows it.
    """
    environ = os.environ if env is None else env
    changes: dict[str, str | None] = {}
    if not _telemetry_allowed(environ):
        changes.update(
            {n: "true" for n in ("MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK") if n not in environ}
        )
    own_registry = _user_mlflow_uri(environ, REGISTRY_URI_ENV)
    if _user_mlflow_uri(environ, TRACKING_URI_ENV) is not None:
        registry = environ.get(REGISTRY_URI_ENV)
        if registry and registry == environ.get(MLFLOW_BINDING_ENV):
            changes[REGISTRY_URI_ENV] = None
        return changes
    uri = workspace_mlflow_uri(workspace)
    changes[TRACKING_URI_ENV] = uri
    if own_registry is None:
        changes[REGISTRY_URI_ENV] = uri
    changes[MLFLOW_BINDING_ENV] = uri
    return changes


def _apply(target: MutableMapping[str, str], changes: Mapping[str, str | None]) -> None:
    for name, value in changes.items():
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value


def apply_environment(changes: Mapping[str, str | None]) -> None:
    """Apply :func:`mlflow_environment` changes to this process's environment."""
    _apply(os.environ, changes)


BUNDLE_VAR_PREFIX = "BUNDLE_VAR_"
TASK_CONTEXT_ENV = "LAKEFORGE_TASK_CONTEXT"
# What a notebook's %pip kept at the running version, for the task's MLflow run tags.
PIP_CONFLICTS_ENV = ENV_PREFIX + "PIP_CONFLICTS"


def bundle_variable_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Bundle variable values set as ``BUNDLE_VAR_<name>`` environment variables."""
    environ = os.environ if env is None else env
    return {
        key[len(BUNDLE_VAR_PREFIX) :]: value
        for key, value in environ.items()
        if key.startswith(BUNDLE_VAR_PREFIX) and len(key) > len(BUNDLE_VAR_PREFIX)
    }


def task_environment(settings: Settings, extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of a job task process: this one's, pointed at the same workspace (MLflow
    too, unless the user chose its URIs), plus ``extra`` (``PYTHONPATH`` entries in ``extra``
    go first, the inherited path after)."""
    environ = dict(os.environ)
    environ.pop(PIP_CONFLICTS_ENV, None)  # a child task has its own %pip cells
    environ[ENV_PREFIX + "HOME"] = str(settings.workspace)
    _apply(environ, mlflow_environment(settings.workspace, environ))
    for key, value in extra.items():
        if key == "PYTHONPATH" and environ.get("PYTHONPATH"):
            value = os.pathsep.join([value, environ["PYTHONPATH"]])
        environ[key] = value
    return environ


def task_context_file(env: Mapping[str, str] | None = None) -> Path | None:
    """The job task context file a task process was started with, if any."""
    environ = os.environ if env is None else env
    value = environ.get(TASK_CONTEXT_ENV)
    return Path(value) if value else None


def pip_conflicts(env: Mapping[str, str] | None = None) -> str | None:
    """The ``%pip`` pins this task process kept at the running version (``; ``-separated),
    as recorded by :func:`record_pip_conflicts`; None when there were none."""
    environ = os.environ if env is None else env
    return environ.get(PIP_CONFLICTS_ENV) or None


def record_pip_conflicts(text: str) -> None:
    """Record this task's ``%pip`` conflicts where the MLflow run-context provider reads them."""
    os.environ[PIP_CONFLICTS_ENV] = text
