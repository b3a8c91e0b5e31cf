"""Row changes (update, delete, insert) computed on a snapshot and applied as one Delta commit.

SQL ``UPDATE``, ``DELETE ... WHERE`` and ``MERGE`` decide row by row what happens; that is
computed by the caller (on the engine) against one snapshot and handed over as
:class:`RowChanges`. The snapshot is the one the commit is made from, so a concurrent writer
makes the commit conflict and the whole computation runs again on the new snapshot
(:func:`~lakeforge.tables.commit.with_commit_retry`).

Delta rows have no stable id (delta-rs writes no row tracking), so a changed row is named by
all its old values: the changes become a deltalake merge whose predicate is null-safe equality
on every column (``IS NOT DISTINCT FROM``: NULL matches NULL, NaN matches NaN, as the engine
compares them). Rows with identical values necessarily get the same outcome, so each distinct
old row is listed once and the merge applies it to every copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from lakeforge.tables.commit import with_commit_retry
from lakeforge.tables.types import Cast
from lakeforge.tables.writer import (
    Operation,
    WriteResult,
    commit_properties,
    partition_terms,
    prepare,
    quote,
    table_schema,
)

_OP = "__lf_op"
_OLD = "__lf_old_"


@dataclass(frozen=True, slots=True)
class RowChanges:
    """What one statement does to a table, computed on one snapshot.

    Attributes:
        updated_old: Old values of the rows to update (one row per distinct old row).
        updated_new: Their new values, row for row.
        deleted: Old values of the rows to delete (one row per distinct old row).
        inserted: New rows.
        casts: Type changes made to the new values.
    """

    updated_old: pa.Table
    updated_new: pa.Table
    deleted: pa.Table
    inserted: pa.Table
    casts: tuple[Cast, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing changes (no commit is made)."""
        return not (self.updated_old.num_rows or self.deleted.num_rows or self.inserted.num_rows)


ChangeFunction = Callable[[DeltaTable], RowChanges]


def _nullable(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])


def _part(op: str, old: pa.Table | None, new: pa.Table | None, schema: pa.Schema) -> pa.Table:
    given = old if old is not None else new
    assert given is not None
    rows = given.num_rows
    arrays: list[pa.ChunkedArray | pa.Array] = [pa.array([op] * rows, pa.string())]
    fields = [pa.field(_OP, pa.string())]
    for i, field in enumerate(schema):
        arrays.append(old.column(i) if old is not None else pa.nulls(rows, field.type))
        fields.append(pa.field(f"{_OLD}{i}", field.type))
    for i, field in enumerate(schema):
        arrays.append(new.column(i) if new is not None else pa.nulls(rows, field.type))
        fields.append(pa.field(field.name, field.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _checked(data: pa.Table, schema: pa.Schema, name: str, d2f: bool) -> pa.Table:
    """New values checked against the table (types, NOT NULL), in the table's column order."""
    prepared = prepare(data, schema, table=name, decimal_to_float=d2f, allow_new_columns=False)
    return prepared.data.select(schema.names).cast(_nullable(schema))


def merge_source(changes: RowChanges, schema: pa.Schema, name: str, d2f: bool) -> pa.Table:
    """One table holding every change: an op code, the old values and the new values."""
    loose = _nullable(schema)
    parts = []
    if changes.updated_old.num_rows:
        old = changes.updated_old.select(schema.names).cast(loose)
        parts.append(_part("U", old, _checked(changes.updated_new, schema, name, d2f), schema))
    if changes.deleted.num_rows:
        parts.append(_part("D", changes.deleted.select(schema.names).cast(loose), None, schema))
    if changes.inserted.num_rows:
        parts.append(_part("I", None, _checked(changes.inserted, schema, name, d2f), schema))
    return pa.concat_tables(parts)


def _identity(schema: pa.Schema, source: pa.Table, partitions: Sequence[str]) -> str:
    # parentheses matter: DataFusion binds IS NOT DISTINCT FROM looser than AND
    same = [f"(t.{quote(f.name)} IS NOT DISTINCT FROM s.`{_OLD}{i}`)" for i, f in enumerate(schema)]
    old = source.filter(pc.not_equal(source.column(_OP), "I"))
    renamed = old.select([f"{_OLD}{i}" for i in range(len(schema))]).rename_columns(schema.names)
    return " AND ".join([f"s.`{_OP}` <> 'I'", *same, *partition_terms(renamed, partitions)])


def _execute(
    table: DeltaTable,
    source: pa.Table,
    predicate: str,
    commit_info: Mapping[str, str] | None,
) -> dict[str, Any]:
    columns = {quote(c): f"s.{quote(c)}" for c in table_schema(table).names}
    ops = set(source.column(_OP).to_pylist())
    merger = table.merge(
        source,
        predicate=predicate,
        source_alias="s",
        target_alias="t",
        commit_properties=commit_properties(commit_info=commit_info),
    )
    if "U" in ops:
        merger = merger.when_matched_update(updates=columns, predicate=f"s.`{_OP}` = 'U'")
    if "D" in ops:
        merger = merger.when_matched_delete(predicate=f"s.`{_OP}` = 'D'")
    if "I" in ops:
        merger = merger.when_not_matched_insert(updates=columns, predicate=f"s.`{_OP}` = 'I'")
    return dict(merger.execute())


def apply(
    path: Path,
    name: str,
    compute: ChangeFunction,
    *,
    operation: Operation,
    partitions: Sequence[str],
    timeout_s: float,
    commit_info: Mapping[str, str] | None = None,
    decimal_to_float: bool = False,
) -> WriteResult:
    """Compute the changes on the latest snapshot and commit them; re-run both on conflicts.

    Nothing is committed when nothing changes (the result then has the current version).
    Errors raised by ``compute`` or by the checks of the new values leave the table as it was.
    """

    def run() -> tuple[int, dict[str, Any], RowChanges]:
        table = DeltaTable(str(path))
        changes = compute(table)
        if changes.empty:
            return table.version(), {}, changes
        schema = table_schema(table)
        source = merge_source(changes, schema, name, decimal_to_float)
        metrics = _execute(table, source, _identity(schema, source, partitions), commit_info)
        return table.version(), metrics, changes

    version, metrics, changes = with_commit_retry(
        run, table=name, name=operation.lower(), timeout_s=timeout_s
    )
    return WriteResult(
        name,
        operation,
        version,
        rows_inserted=int(metrics.get("num_target_rows_inserted", 0)),
        rows_updated=int(metrics.get("num_target_rows_updated", 0)),
        rows_deleted=int(metrics.get("num_target_rows_deleted", 0)),
        casts=changes.casts,
    )
