"""The workspace: one directory holding metadata, Delta tables and (later) models and runs.

``init_workspace`` creates the layout; :class:`Workspace` opens it. Layout::

    <workspace>/
      lakeforge.toml        settings for this workspace (see lakeforge.settings)
      catalog.db            metadata (SQLite; or a PostgreSQL URL in metadata_url)
      warehouse/<catalog>/<schema>/<table>/   Delta tables
      mlflow.db, mlartifacts/                 MLflow tracking and registry
      online.db             online feature store
      runs/                 job run logs

Every entry point that finds the default workspace (``--workspace``, ``LAKEFORGE_HOME``,
``./.lakeforge``) creates it on first use when the directory is missing or empty, with one
notice line on stderr; a non-empty directory that is not a workspace is refused. Creation holds
a lock file inside the new directory and writes ``lakeforge.toml`` last, so a concurrent first
use either waits for the creator or finds a complete workspace.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from threading import Lock
from typing import Any

from lakeforge.catalog.function_repo import FunctionRepository
from lakeforge.catalog.namespace_repo import CatalogRepository, SchemaRepository
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.engines.engine import Engine, load_engine
from lakeforge.errors import WorkspaceError
from lakeforge.frames import FrameKind, check_kind, from_arrow
from lakeforge.names import parse_schema_name
from lakeforge.settings import Settings, resolve_settings
from lakeforge.tables.locks import file_lock
from lakeforge.tables.namespace import drop_catalog, drop_schema
from lakeforge.tables.query import run_sql, run_sql_batches
from lakeforge.tables.secret_store import SecretStore
from lakeforge.tables.table_store import TableStore
from lakeforge.tables.volume_store import VolumeStore

_CONFIG_TEMPLATE = """\
# lakeforge workspace settings. Precedence: argument > LAKEFORGE_* env var > this file > default.
# metadata_url = "postgresql://user@host/db"   # default: sqlite catalog.db in this directory
# current_catalog = "main"
# current_schema = "default"
# commit_timeout_s = 60
"""
# Held inside the workspace directory while it is being created (so nothing lands beside it).
_INIT_LOCK = ".lakeforge-init.lock"


class Workspace:
    """An opened workspace.

    Attributes:
        settings: The resolved settings.
        catalogs: Catalog metadata (create/get/list/drop, comments, tags).
        schemas: Schema metadata.
        functions: Python functions registered in the catalog.
        tables: Delta tables by name (create, read, write, history, maintenance).
        volumes: Volumes (``/Volumes/<catalog>/<schema>/<volume>/`` folders in the workspace).
        secrets: Secret scopes and values (``dbutils.secrets``, ``lakeforge secrets``).
    """

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        if not settings.config_file.is_file():
            raise _not_a_workspace(settings.workspace)
        self.settings = settings
        self.metadata = MetadataStore(settings.metadata_url, where=str(settings.workspace))
        self.tables = TableStore(settings, self.metadata)
        self._engine = engine

    @classmethod
    def open(cls, workspace: str | Path | None = None, **overrides: Any) -> Workspace:
        """Open the workspace found from ``workspace``, ``LAKEFORGE_HOME`` or ``./.lakeforge``,
        creating it first when that directory is missing or empty."""
        settings = resolve_settings(workspace, **overrides)
        if ensure_workspace(settings):
            settings = resolve_settings(workspace, **overrides)
        return cls(settings)

    def use(self, catalog: str | None = None, schema: str | None = None) -> Settings:
        """Switch the current catalog and/or schema (``USE CATALOG`` / ``USE SCHEMA``).

        One-part names resolve against them from now on, in every client sharing this
        workspace object (as in a Spark session). ``schema`` may be ``catalog.schema``; a
        catalog alone makes ``default`` the current schema, as ``USE CATALOG`` does.

        Raises:
            NotFoundError: The catalog or schema does not exist.
        """
        new_catalog = self.settings.current_catalog
        new_schema = self.settings.current_schema
        if catalog is not None:
            new_catalog, new_schema = self.catalogs.get(catalog).name, "default"
        if schema is not None:
            new_catalog, new_schema = parse_schema_name(schema, current_catalog=new_catalog)
            self.schemas.get(new_catalog, new_schema)
        settings = dataclasses.replace(
            self.settings, current_catalog=new_catalog, current_schema=new_schema
        )
        self.settings = settings
        self.tables.settings = settings
        return settings

    @property
    def catalogs(self) -> CatalogRepository:
        """Catalog metadata."""
        return self.metadata.catalogs

    @property
    def schemas(self) -> SchemaRepository:
        """Schema metadata."""
        return self.metadata.schemas

    @property
    def functions(self) -> FunctionRepository:
        """Catalog functions."""
        return self.metadata.functions

    @property
    def volumes(self) -> VolumeStore:
        """Volumes: catalog entries and their folders (follows ``use``)."""
        return VolumeStore(self.settings, self.metadata)

    @property
    def secrets(self) -> SecretStore:
        """Secret scopes and values of this workspace."""
        return SecretStore(self.settings, self.metadata)

    @property
    def engine(self) -> Engine:
        """The compute engine (DuckDB unless another was given)."""
        if self._engine is None:
            self._engine = load_engine("duckdb")
        return self._engine

    def sql(self, query: str, *, kind: FrameKind = "arrow") -> Any:
        """Run a SELECT over workspace tables; result as ``kind`` (arrow, pandas, polars)."""
        return from_arrow(run_sql(self.tables, self.engine, query), check_kind(kind))

    def sql_batches(self, query: str, *, batch_size: int = 65536) -> Any:
        """Run a SELECT and stream the result as an Arrow ``RecordBatchReader``."""
        return run_sql_batches(self.tables, self.engine, query, batch_size)

    def table(self, name: str, *, kind: FrameKind = "arrow", **read_options: Any) -> Any:
        """Read a table (see :meth:`TableStore.read` for options) as ``kind``."""
        return from_arrow(self.tables.read(name, **read_options), check_kind(kind))

    def drop_catalog(self, name: str, *, cascade: bool = False, if_exists: bool = False) -> bool:
        """Drop a catalog; with ``cascade`` also its schemas, tables (data too) and functions."""
        return drop_catalog(self.tables, name, cascade=cascade, if_exists=if_exists)

    def drop_schema(self, name: str, *, cascade: bool = False, if_exists: bool = False) -> bool:
        """Drop ``catalog.schema``; with ``cascade`` also its tables (data too) and functions."""
        return drop_schema(self.tables, name, cascade=cascade, if_exists=if_exists)

    def close(self) -> None:
        """Release the metadata store's connections."""
        self.metadata.close()


def _not_a_workspace(root: Path) -> WorkspaceError:
    return WorkspaceError(
        str(root),
        "is not a lakeforge workspace (no lakeforge.toml, and the directory is not empty)",
        f"run `lakeforge init {root}` to make it one, or pass --workspace / set LAKEFORGE_HOME "
        "to another (missing or empty) directory",
    )


def _creation_lock(root: Path) -> AbstractContextManager[None]:
    """Exclusive lock on ``<root>/.lakeforge-init.lock`` (released by the OS if we die)."""
    return file_lock(root / _INIT_LOCK, f"creation of workspace {root}")


def _write_config(config: Path) -> None:
    """Write the config file whole or not at all (its presence marks a complete workspace)."""
    staging = config.with_name(f".{config.name}.{uuid.uuid4().hex}")
    staging.write_text(_CONFIG_TEMPLATE)
    try:
        os.link(staging, config)  # fails if another creator won; never overwrites a user's file
    except FileExistsError:
        pass
    finally:
        staging.unlink()


def _create(settings: Settings) -> None:
    """Folders, metadata (current catalog and schema), then the config file, in that order."""
    root = settings.workspace
    if root.exists() and not root.is_dir():
        raise WorkspaceError(str(root), "exists and is not a directory", "choose another path")
    with _creation_lock(root):  # before anything else lands in the directory
        for folder in (settings.warehouse, settings.mlartifacts, settings.runs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with MetadataStore(settings.metadata_url, where=str(root)) as metadata:
            metadata.catalogs.create(
                settings.current_catalog, if_not_exists=True, owner=settings.user
            )
            metadata.schemas.create(
                settings.current_catalog,
                settings.current_schema,
                if_not_exists=True,
                owner=settings.user,
            )
        if not settings.config_file.exists():
            _write_config(settings.config_file)


def ensure_workspace(settings: Settings) -> bool:
    """Create the workspace on first use: when its directory is missing or empty.

    Returns whether this call created it (a notice line then went to stderr).

    Raises:
        WorkspaceError: The path is a file, or a non-empty directory without lakeforge.toml.
    """
    root = settings.workspace
    if settings.config_file.is_file():
        return False
    if root.exists() and not root.is_dir():
        raise WorkspaceError(str(root), "exists and is not a directory", "choose another path")
    if root.is_dir() and any(entry.name != _INIT_LOCK for entry in root.iterdir()):
        if (root / _INIT_LOCK).exists():  # another process may be creating it right now
            with _creation_lock(root):
                if settings.config_file.is_file():
                    return False
        raise _not_a_workspace(root)
    with _creation_lock(root):
        if settings.config_file.is_file():
            return False  # a concurrent first use created it while we waited
    _create(settings)
    print(f"lakeforge: created workspace {root} (first use)", file=sys.stderr)
    return True


def init_workspace(workspace: str | Path | None = None, **overrides: Any) -> Workspace:
    """Create (or complete) a workspace and return it opened; safe to run again."""
    settings = resolve_settings(workspace, **overrides)
    _create(settings)
    return Workspace(resolve_settings(workspace, **overrides))


_OPEN: dict[Settings, Workspace] = {}
_OPEN_LOCK = Lock()


def default_workspace(workspace: str | Path | None = None) -> Workspace:
    """The workspace for top-level calls, opened once per distinct settings (and created on
    first use when its directory is missing or empty)."""
    settings = resolve_settings(workspace)
    with _OPEN_LOCK:
        if settings not in _OPEN:
            if ensure_workspace(settings):
                settings = resolve_settings(workspace)
            _OPEN[settings] = Workspace(settings)
        return _OPEN[settings]


def close_default_workspaces() -> None:
    """Close and forget the workspaces top-level calls opened (the next call reopens them)."""
    with _OPEN_LOCK:
        for opened in _OPEN.values():
            opened.close()
        _OPEN.clear()
