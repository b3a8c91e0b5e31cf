"""SQL over the workspace: three-level names in a SELECT resolve to Delta snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakeforge.engines.engine import Engine
from lakeforge.errors import InvalidNameError, NotFoundError, SqlError
from lakeforge.tables import reader

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads

    from lakeforge.tables.table_store import TableStore


class _Resolver:
    """Maps table references to snapshots, remembering one-part names it could not place."""

    def __init__(self, tables: TableStore) -> None:
        self.tables = tables
        self.unresolved: list[str] = []

    def __call__(self, catalog: str, schema: str, name: str) -> pads.Dataset | None:
        written = ".".join(p for p in (catalog, schema, name) if p)
        try:
            obj = self.tables.resolve(written)
        except InvalidNameError:
            if catalog or schema:
                raise
            self.unresolved.append(name)  # e.g. a quoted file path for DuckDB's readers
            return None
        try:
            snapshot = self.tables.snapshot(obj)
        except NotFoundError:
            if catalog or schema:
                raise
            self.unresolved.append(name)  # maybe a CTE or a DuckDB-side name
            return None
        return reader.engine_dataset(snapshot)

    def explain(self, error: SqlError) -> Exception:
        """Turn "table does not exist" from the engine into a lakeforge not-found error."""
        if "does not exist" not in error.message:
            return error
        for name in self.unresolved:
            if name.lower() in error.message.lower():
                try:
                    self.tables.snapshot(name)
                except NotFoundError as exc:
                    return exc
        return error


def run_sql(tables: TableStore, engine: Engine, sql: str) -> pa.Table:
    """Run one SELECT over workspace tables and return Arrow."""
    resolver = _Resolver(tables)
    try:
        return engine.query(sql, resolver)
    except SqlError as exc:
        raise resolver.explain(exc) from exc


def run_sql_batches(
    tables: TableStore, engine: Engine, sql: str, batch_size: int = 65536
) -> pa.RecordBatchReader:
    """Run one SELECT and stream the result in record batches."""
    resolver = _Resolver(tables)
    try:
        return engine.query_batches(sql, resolver, batch_size)
    except SqlError as exc:
        raise resolver.explain(exc) from exc

