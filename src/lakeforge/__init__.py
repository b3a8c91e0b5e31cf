"""lakeforge: the lakehouse ML lifecycle on one machine, with Databricks-compatible shapes.

Quick use::

    import lakeforge
    lakeforge.init("./.lakeforge")
    lakeforge.sql("SELECT * FROM main.gold.orders LIMIT 5")     # pandas by default
    lakeforge.table("main.gold.orders", kind="polars")
    lakeforge.read_delta("/Volumes/main/raw/landing/trips")   # a Delta table by path

Heavy libraries (deltalake, duckdb, pyarrow, mlflow) are imported only when first needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from lakeforge.errors import (
    AlreadyExistsError,
    CommitConflictError,
    InvalidNameError,
    LakeforgeError,
    NotFoundError,
    TableNotFoundError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from lakeforge.frames import FrameKind
    from lakeforge.names import ObjectName, parse_name
    from lakeforge.settings import Settings, resolve_settings
    from lakeforge.tables.path_tables import read_delta, read_files, write_delta
    from lakeforge.tables.workspace import Workspace

__version__ = "0.1.0"

__all__ = [
    "AlreadyExistsError",
    "CommitConflictError",
    "InvalidNameError",
    "LakeforgeError",
    "NotFoundError",
    "ObjectName",
    "Settings",
    "TableNotFoundError",
    "ValidationError",
    "Workspace",
    "__version__",
    "init",
    "parse_name",
    "read_delta",
    "read_files",
    "resolve_settings",
    "sql",
    "table",
    "write_delta",
]

_LAZY = {
    "ObjectName": "lakeforge.names",
    "parse_name": "lakeforge.names",
    "Settings": "lakeforge.settings",
    "resolve_settings": "lakeforge.settings",
    "Workspace": "lakeforge.tables.workspace",
    "read_delta": "lakeforge.tables.path_tables",
    "read_files": "lakeforge.tables.path_tables",
    "write_delta": "lakeforge.tables.path_tables",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lakeforge' has no attribute {name!r}")


def init(workspace: str | Path | None = None, **settings: Any) -> Workspace:
    """Create (or complete) a workspace and return it; see ``lakeforge init``."""
    from lakeforge.tables.workspace import init_workspace

    return init_workspace(workspace, **settings)


def sql(
    query: str,
    args: Mapping[str, Any] | None = None,
    *,
    kind: FrameKind = "pandas",
    workspace: str | Path | None = None,
) -> Any:
    """Run SQL in the reference dialect (Databricks SQL) on the workspace, like ``spark.sql``.

    Queries run in DuckDB over Delta snapshots (``catalog.schema.table`` names, time travel with
    ``VERSION AS OF``); DDL and DML (``CREATE``, ``INSERT``, ``MERGE INTO``, ``UPDATE``,
    ``DELETE``, ``ALTER``, ``DESCRIBE``, ``SHOW``, ``USE``, ...) go through the table layer. Several
    statements separated by ``;`` run in order; the last one's result is returned. See
    ``docs/sql.md``.

    Args:
        query: One or more statements.
        args: Values of named parameter markers, as ``spark.sql``: ``WHERE id = :id``.
        kind: Result kind: ``"pandas"`` (default), ``"polars"`` or ``"arrow"``.
        workspace: Workspace directory (default: ``LAKEFORGE_HOME`` or ``./.lakeforge``).
    """
    from lakeforge.frames import check_kind, from_arrow
    from lakeforge.statements.runner import execute
    from lakeforge.tables.workspace import default_workspace

    wanted = check_kind(kind)
    results = execute(default_workspace(workspace), query, args=args)
    return from_arrow(results[-1].table, wanted)


def table(
    name: str,
    *,
    kind: FrameKind = "pandas",
    workspace: str | Path | None = None,
    **read_options: Any,
) -> Any:
    """Return a table as a DataFrame (``version=``/``timestamp=``/``columns=`` optional)."""
    from lakeforge.tables.workspace import default_workspace

    return default_workspace(workspace).table(name, kind=kind, **read_options)
