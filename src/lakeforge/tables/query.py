"""SQL over the workspace: three-level names in a SELECT resolve to Delta snapshots.

Callers may pin one-part names to relations of their own (a snapshot at an older version, an
Arrow table computed before): those names resolve to them before any catalog lookup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lakeforge.engines.engine import Engine
from lakeforge.errors import InvalidNameError, NotFoundError, SqlError
from lakeforge.names import ObjectName
from lakeforge.tables import reader

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads

    from lakeforge.tables.table_store import TableStore


class _Resolver:
    """Maps table references to snapshots, remembering one-part names it could not place."""

    def __init__(self, tables: TableStore, pinned: Mapping[str, Any] | None = None) -> None:
        self.tables = tables
        self.pinned = {k.lower(): v for k, v in (pinned or {}).items()}
        self.unresolved: list[ObjectName] = []

    def _name(self, catalog: str, schema: str, name: str) -> ObjectName:
        # Parts as the parser split them: a quoted "a.b" is one (invalid) part, never a path.
        parts = [p for p in (catalog, schema, name) if p]
        settings = self.tables.settings
        padded = [settings.current_catalog, settings.current_schema][: 3 - len(parts)] + parts
        return ObjectName(*padded)

    def __call__(self, catalog: str, schema: str, name: str) -> pads.Dataset | pa.Table | None:
        if not catalog and not schema and name.lower() in self.pinned:
            return self.pinned[name.lower()]
        try:
            obj = self._name(catalog, schema, name)
        except InvalidNameError:
            if catalog or schema:
                raise
            return None  # e.g. a quoted file path for DuckDB's readers
        try:
            snapshot = self.tables.snapshot(obj)
        except NotFoundError:
            if catalog or schema:
                raise
            self.unresolved.append(obj)  # maybe a DuckDB-side name
            return None
        return reader.engine_dataset(snapshot)

    def explain(self, error: SqlError) -> Exception:
        """Turn "table does not exist" from the engine into a lakeforge not-found error."""
        if "does not exist" not in error.message:
            return error
        for obj in self.unresolved:
            if re.search(rf"(?<!\w){re.escape(obj.name)}(?!\w)", error.message, re.I):
                try:
                    self.tables.snapshot(obj)
                except NotFoundError as exc:
                    return exc
        return error


def run_sql(
    tables: TableStore,
    engine: Engine,
    sql: str,
    *,
    pinned: Mapping[str, pads.Dataset | pa.Table] | None = None,
    hugeint_as_bigint: bool = False,
) -> pa.Table:
    """Run one SELECT over workspace tables (and ``pinned`` relations) and return Arrow."""
    resolver = _Resolver(tables, pinned)
    try:
        return engine.query(sql, resolver, hugeint_as_bigint=hugeint_as_bigint)
    except SqlError as exc:
        raise resolver.explain(exc) from exc


def run_sql_batches(
    tables: TableStore,
    engine: Engine,
    sql: str,
    batch_size: int = 65536,
    *,
    pinned: Mapping[str, pads.Dataset | pa.Table] | None = None,
    hugeint_as_bigint: bool = False,
) -> pa.RecordBatchReader:
    """Run one SELECT and stream the result in record batches."""
    resolver = _Resolver(tables, pinned)
    try:
        return engine.query_batches(sql, resolver, batch_size, hugeint_as_bigint=hugeint_as_bigint)
    except SqlError as exc:
        raise resolver.explain(exc) from exc
