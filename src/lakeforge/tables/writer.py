"""Writing Delta tables: append, overwrite, merge on keys, delete where.

Incoming data is checked against the table before anything is written: types normalized and
widened only where lossless (each change reported as a :class:`Cast`), new columns added
(schema evolution), key columns present, non-null and (for merges) unique. Every commit runs
under :func:`~lakeforge.tables.commit.with_commit_retry` on a fresh snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

from lakeforge.errors import DuplicateKeyError, SchemaMismatchError, ValidationError
from lakeforge.tables.commit import with_commit_retry
from lakeforge.tables.types import Cast, is_widening, normalize, null_columns, type_name

Operation = Literal["CREATE", "APPEND", "OVERWRITE", "MERGE", "UPDATE", "DELETE"]
_PARTITION_LITERAL_LIMIT = 100


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one write did."""

    table: str
    operation: Operation
    version: int
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    casts: tuple[Cast, ...] = ()
    added_columns: tuple[str, ...] = field(default=())
    already_applied: bool = False


@dataclass(frozen=True, slots=True)
class Prepared:
    """Source data ready to write, with the changes made to get there."""

    data: pa.Table
    casts: tuple[Cast, ...]
    added_columns: tuple[str, ...]


def table_schema(table: DeltaTable) -> pa.Schema:
    """The Arrow schema of a Delta snapshot."""
    return pa.schema(table.schema().to_arrow())


def _align_column(
    data: pa.Table, name: str, source: pa.Field, target: pa.Field, table: str
) -> tuple[pa.Table, Cast | None]:
    if source.type == target.type:
        return data, None
    if not is_widening(source.type, target.type):
        raise SchemaMismatchError(
            table,
            f"column {source.name!r} is {type_name(source.type)} in the data but "
            f"{type_name(target.type)} in the table",
            f"cast {source.name!r} to {type_name(target.type)} before writing",
        )
    index = data.schema.get_field_index(source.name)
    column = data.column(index)
    rows = len(column) - column.null_count
    data = data.set_column(
        index, pa.field(target.name, target.type, source.nullable), column.cast(target.type)
    )
    if pa.types.is_null(source.type) or type_name(source.type) == type_name(target.type):
        return data, None  # same SQL type, another Arrow layout (large_string -> string)
    return data, Cast(name, type_name(source.type), type_name(target.type), rows, "widened")


def _adopt_field(data: pa.Table, target: pa.Field, table: str) -> pa.Table:
    """Give a source column the table's nullability and column metadata (never relax NOT NULL)."""
    index = data.schema.get_field_index(target.name)
    column = data.column(index)
    if not target.nullable and column.null_count:
        raise SchemaMismatchError(
            table,
            f"column {target.name!r} is NOT NULL but the data has {column.null_count} null(s)",
            f"fill or filter the nulls in {target.name!r}",
        )
    return data.set_column(index, target, column)


def prepare(
    data: pa.Table,
    existing: pa.Schema | None,
    *,
    table: str,
    keys: Sequence[str] = (),
    decimal_to_float: bool = False,
    allow_new_columns: bool = True,
) -> Prepared:
    """Check and normalize ``data`` for writing into a table with schema ``existing``.

    Raises:
        SchemaMismatchError: Columns or types that cannot fit.
        ValidationError: Key columns missing or holding nulls.
    """
    data, casts = normalize(data, decimal_to_float=decimal_to_float)
    lower = [c.lower() for c in data.column_names]
    dupes = sorted({c for c in data.column_names if lower.count(c.lower()) > 1})
    if dupes:
        raise SchemaMismatchError(table, f"columns {dupes} differ only in case", "rename them")
    added: list[str] = []
    if existing is not None:
        by_lower = {f.name.lower(): f for f in existing}
        for source in list(data.schema):
            target = by_lower.get(source.name.lower())
            if target is None:
                added.append(source.name)
                continue
            if target.name != source.name:
                raise SchemaMismatchError(
                    table,
                    f"column {source.name!r} differs only in case from table column "
                    f"{target.name!r}",
                    f"rename it to {target.name!r}",
                )
            data, cast = _align_column(data, source.name, source, target, table)
            casts.extend([cast] if cast else [])
            data = _adopt_field(data, target, table)
        missing_required = [
            f.name for f in existing if not f.nullable and f.name not in data.column_names
        ]
        if missing_required:
            raise SchemaMismatchError(
                table, f"non-nullable columns {missing_required} are missing", "add them"
            )
    untyped = [c for c in null_columns(data.schema) if existing is None or c in added]
    if untyped:
        raise SchemaMismatchError(
            table,
            f"columns {untyped} hold only nulls, so their type is unknown",
            "cast them to a type (e.g. pa.array(..., type=pa.float64()) or df[c].astype(float))",
        )
    if added and not allow_new_columns:
        raise SchemaMismatchError(
            table, f"columns {added} are not in the table", "drop them or allow schema evolution"
        )
    check_keys(data, keys, table)
    return Prepared(data, tuple(casts), tuple(added))


def check_keys(data: pa.Table, keys: Sequence[str], table: str) -> None:
    """Key columns must be present and hold no nulls."""
    missing = [k for k in keys if k not in data.column_names]
    if missing:
        raise ValidationError(
            f"write to {table!r}: key columns {missing} are missing from the data "
            f"(columns: {data.column_names})",
            "include every key column",
        )
    for key in keys:
        nulls = data.column(key).null_count
        if nulls:
            raise ValidationError(
                f"write to {table!r}: key column {key!r} has {nulls} null value(s)",
                "fill or filter the rows with null keys before writing",
            )


def check_unique(data: pa.Table, keys: Sequence[str], table: str) -> None:
    """Raise :class:`DuplicateKeyError` when ``keys`` repeat in ``data``."""
    if not keys or data.num_rows == 0:
        return
    counts = data.select(list(keys)).group_by(list(keys)).aggregate([([], "count_all")])
    repeated = counts.filter(pc.greater(counts.column("count_all"), 1))
    if repeated.num_rows:
        example = {k: repeated.column(k)[0].as_py() for k in keys}
        raise DuplicateKeyError(table, keys, example, repeated.num_rows)


def quote(column: str) -> str:
    """A column name backtick-quoted, as deltalake's SQL predicates and the reference dialect
    both read it."""
    return "`" + column.replace("`", "``") + "`"


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def partition_terms(data: pa.Table, partitions: Sequence[str], alias: str = "t") -> list[str]:
    """``t.p IN (...)`` for each partition column whose values in ``data`` are few and not null:
    a merge whose predicate names its partitions literally does not conflict with merges into
    other partitions."""
    terms = []
    for column in partitions:
        if column not in data.column_names or data.num_rows == 0:
            continue
        values = pc.unique(data.column(column)).to_pylist()
        if None in values or len(values) > _PARTITION_LITERAL_LIMIT:
            continue
        literals = ", ".join(_literal(v) for v in values)
        terms.append(f"{alias}.{quote(column)} IN ({literals})")
    return terms


def merge_predicate(data: pa.Table, keys: Sequence[str], partitions: Sequence[str]) -> str:
    """Key equality plus literal partition values, so merges into other partitions don't
    conflict."""
    terms = [f"t.{quote(k)} = s.{quote(k)}" for k in keys]
    return " AND ".join(terms + partition_terms(data, partitions))


def commit_properties(
    transaction: tuple[str, int] | None = None, commit_info: Mapping[str, str] | None = None
) -> CommitProperties:
    """Properties of one lakeforge commit: no deltalake-internal retries (the caller retries
    with backoff), an optional transaction id and extra commit-info fields (e.g. the SQL
    statement a commit came from, shown by history)."""
    transactions = [Transaction(*transaction)] if transaction is not None else None
    return CommitProperties(
        max_commit_retries=0,
        app_transactions=transactions,
        custom_metadata=dict(commit_info) if commit_info else None,
    )


def append(
    path: Path,
    name: str,
    prepared: Prepared,
    timeout_s: float,
    transaction: tuple[str, int] | None = None,
    commit_info: Mapping[str, str] | None = None,
) -> WriteResult:
    """Append rows; with ``transaction`` (app id, version) at most once per pair.

    The pair is recorded in the same commit as the rows (a Delta transaction id), so a replay of
    an append that committed — after a crash, or a rerun — finds it and writes nothing.
    """

    def run() -> int | None:
        table = DeltaTable(str(path))  # after the write: this commit's version, not a later one
        if transaction is not None:
            done = table.transaction_version(transaction[0])
            if done is not None and done >= transaction[1]:
                return None
        write_deltalake(
            table,
            prepared.data,
            mode="append",
            schema_mode="merge",
            commit_properties=commit_properties(transaction, commit_info),
        )
        return table.version()

    version = with_commit_retry(run, table=name, name="append", timeout_s=timeout_s)
    if version is None:
        current = DeltaTable(str(path)).version()
        return WriteResult(name, "APPEND", current, rows_inserted=0, already_applied=True)
    return WriteResult(
        name,
        "APPEND",
        version,
        rows_inserted=prepared.data.num_rows,
        casts=prepared.casts,
        added_columns=prepared.added_columns,
    )


def overwrite(
    path: Path,
    name: str,
    prepared: Prepared,
    timeout_s: float,
    commit_info: Mapping[str, str] | None = None,
) -> WriteResult:
    """Replace all rows (the schema keeps its columns and gains new ones)."""

    def run() -> tuple[int, int]:
        table = DeltaTable(str(path))
        # deltalake returns an arro3 table: read it through the Arrow C stream interface
        actions = pa.table(table.get_add_actions(flatten=True))
        before = int(pc.sum(actions.column("num_records")).as_py() or 0)
        write_deltalake(
            table,
            prepared.data,
            mode="overwrite",
            schema_mode="merge",
            commit_properties=commit_properties(commit_info=commit_info),
        )
        return table.version(), before

    version, before = with_commit_retry(run, table=name, name="overwrite", timeout_s=timeout_s)
    return WriteResult(
        name,
        "OVERWRITE",
        version,
        rows_inserted=prepared.data.num_rows,
        rows_deleted=before,
        casts=prepared.casts,
        added_columns=prepared.added_columns,
    )


def merge(
    path: Path,
    name: str,
    prepared: Prepared,
    keys: Sequence[str],
    partitions: Sequence[str],
    timeout_s: float,
) -> WriteResult:
    """Upsert on ``keys``: matched rows get the given columns overwritten, others are inserted."""
    check_unique(prepared.data, keys, name)
    predicate = merge_predicate(prepared.data, keys, partitions)
    columns = {quote(c): f"s.{quote(c)}" for c in prepared.data.column_names}
    updates = {k: v for k, v in columns.items() if k.strip("`") not in keys}

    def run() -> tuple[int, dict[str, Any]]:
        table = DeltaTable(str(path))
        merger = table.merge(
            prepared.data,
            predicate=predicate,
            source_alias="s",
            target_alias="t",
            merge_schema=True,
            commit_properties=commit_properties(),
        )
        if updates:
            merger = merger.when_matched_update(updates=updates)
        metrics = merger.when_not_matched_insert(updates=columns).execute()
        return table.version(), metrics

    version, metrics = with_commit_retry(run, table=name, name="merge", timeout_s=timeout_s)
    return WriteResult(
        name,
        "MERGE",
        version,
        rows_inserted=int(metrics.get("num_target_rows_inserted", 0)),
        rows_updated=int(metrics.get("num_target_rows_updated", 0)),
        casts=prepared.casts,
        added_columns=prepared.added_columns,
    )


def delete(
    path: Path,
    name: str,
    where: str | None,
    timeout_s: float,
    commit_info: Mapping[str, str] | None = None,
) -> WriteResult:
    """Delete the rows matching a SQL predicate (all rows when ``where`` is None)."""

    def run() -> tuple[int, dict[str, Any]]:
        table = DeltaTable(str(path))
        metrics = table.delete(where, commit_properties=commit_properties(commit_info=commit_info))
        return table.version(), metrics

    try:
        version, metrics = with_commit_retry(run, table=name, name="delete", timeout_s=timeout_s)
    except Exception as exc:
        from deltalake.exceptions import DeltaError

        if isinstance(exc, DeltaError | ValueError):
            raise ValidationError(
                f"delete from {name!r} with predicate {where!r} failed: {exc}",
                'check that the predicate is SQL over the table\'s columns (e.g. "amount < 0") '
                "and that the table accepts deletes (not append-only)",
            ) from exc
        raise
    deleted = int(metrics.get("num_deleted_rows", 0))
    return WriteResult(name, "DELETE", version, rows_deleted=deleted)
