"""The workspace: one directory holding metadata, Delta tables and (later) models and runs.

``init_workspace`` creates the layout; :class:`Workspace` opens it. Layout::

    <workspace>/
      lakeforge.toml        settings for this workspace (see lakeforge.settings)
      catalog.db            metadata (SQLite; or a PostgreSQL URL in metadata_url)
      warehouse/<catalog>/<schema>/<table>/   Delta tables
      mlflow.db, mlartifacts/                 MLflow tracking and registry
      online.db             online feature store
      runs/                 job run logs
"""

from __future__ import annotations

from pathlib import Path
from threading import Lock
from typing import Any

from lakeforge.catalog.function_repo import FunctionRepository
from lakeforge.catalog.namespace_repo import CatalogRepository, SchemaRepository
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.engines.engine import Engine, load_engine
from lakeforge.errors import WorkspaceError
from lakeforge.frames import FrameKind, check_kind, from_arrow
from lakeforge.settings import CONFIG_FILE, Settings, resolve_settings
from lakeforge.tables.namespace import drop_catalog, drop_schema
from lakeforge.tables.query import run_sql, run_sql_batches
from lakeforge.tables.table_store import TableStore

_CONFIG_TEMPLATE = """\
# lakeforge workspace settings. Precedence: argument > LAKEFORGE_* env var > this file > default.
# metadata_url = "postgresql://user@host/db"   # default: sqlite catalog.db in this directory
# current_catalog = "main"
# current_schema = "default"
# commit_timeout_s = 60
"""


class Workspace:
    """An opened workspace.

    Attributes:
        settings: The resolved settings.
        catalogs: Catalog metadata (create/get/list/drop, comments, tags).
        schemas: Schema metadata.
        functions: Python functions registered in the catalog.
        tables: Delta tables by name (create, read, write, history, maintenance).
    """

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        if not settings.config_file.is_file():
            raise WorkspaceError(
                str(settings.workspace),
                "is not a lakeforge workspace (no lakeforge.toml)",
                f"run `lakeforge init {settings.workspace}` or pass --workspace / set "
                "LAKEFORGE_HOME",
            )
        self.settings = settings
        self.metadata = MetadataStore(settings.metadata_url, where=str(settings.workspace))
        self.tables = TableStore(settings, self.metadata)
        self._engine = engine

    @classmethod
    def open(cls, workspace: str | Path | None = None, **overrides: Any) -> Workspace:
        """Open the workspace found from ``workspace``, ``LAKEFORGE_HOME`` or ``./.lakeforge``."""
        return cls(resolve_settings(workspace, **overrides))

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


def init_workspace(workspace: str | Path | None = None, **overrides: Any) -> Workspace:
    """Create (or complete) a workspace and return it opened; safe to run again."""
    settings = resolve_settings(workspace, **overrides)
    root = settings.workspace
    if root.exists() and not root.is_dir():
        raise WorkspaceError(str(root), "exists and is not a directory", "choose another path")
    for folder in (root, settings.warehouse, settings.mlartifacts, settings.runs_dir):
        folder.mkdir(parents=True, exist_ok=True)
    config = root / CONFIG_FILE
    if not config.exists():
        config.write_text(_CONFIG_TEMPLATE)
    ws = Workspace(settings)
    ws.catalogs.create(settings.current_catalog, if_not_exists=True, owner=settings.user)
    ws.schemas.create(
        settings.current_catalog, settings.current_schema, if_not_exists=True, owner=settings.user
    )
    return ws


_OPEN: dict[Settings, Workspace] = {}
_OPEN_LOCK = Lock()


def default_workspace(workspace: str | Path | None = None) -> Workspace:
    """The workspace for top-level calls, opened once per distinct settings."""
    settings = resolve_settings(workspace)
    with _OPEN_LOCK:
        if settings not in _OPEN:
            _OPEN[settings] = Workspace(settings)
        return _OPEN[settings]
