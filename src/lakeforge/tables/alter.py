"""Changing a table's definition: columns, nullability, comments, properties, primary key, and
replacing the whole table (``CREATE OR REPLACE TABLE``) while keeping its history.

Each change to the Delta table is one commit under the table's writers lock, retried on
conflicts; catalog metadata follows the data (data first, then metadata).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import DeltaTable, Schema, write_deltalake

from lakeforge.catalog.records import TableInfo
from lakeforge.errors import SchemaMismatchError, ValidationError
from lakeforge.frames import to_arrow
from lakeforge.names import ObjectName
from lakeforge.tables import writer
from lakeforge.tables.commit import with_commit_retry
from lakeforge.tables.definition import (
    COMMENT_KEY,
    DECIMAL_TO_FLOAT,
    check_roles,
    columns_of,
    target_schema,
)
from lakeforge.tables.locks import name_lock, writer_lock

if TYPE_CHECKING:
    from lakeforge.tables.table_store import TableStore

PRIMARY_KEY_NAME = "lakeforge.primary_key_name"
CLUSTERING_COLUMNS = "lakeforge.clustering_columns"
TABLE_PROPERTIES = "lakeforge.table_properties"


def split_properties(properties: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``delta.*`` keys (Delta table configuration) apart from the others (kept in the catalog:
    deltalake accepts only the Delta keys it knows)."""
    delta = {k: v for k, v in properties.items() if k.lower().startswith("delta.")}
    other = {k: v for k, v in properties.items() if k not in delta}
    return delta, other


def _commit(
    tables: TableStore,
    info: TableInfo,
    operation: str,
    change: Any,
) -> None:
    path = str(tables.path(info))

    def run() -> None:
        change(DeltaTable(path))

    with writer_lock(tables.settings.warehouse, info.name):
        with_commit_retry(
            run, table=info.name.full, name=operation, timeout_s=tables.settings.commit_timeout_s
        )


def add_columns(
    tables: TableStore,
    name: str | ObjectName,
    fields: Sequence[pa.Field],
    commit_info: Mapping[str, str] | None = None,
) -> TableInfo:
    """Add nullable columns at the end of the table.

    Raises:
        SchemaMismatchError: A column exists already (names compare case-insensitively) or is
            declared NOT NULL (existing rows would hold nulls).
    """
    info = tables.metadata.tables.get(tables.resolve(name))
    existing = {c.lower() for c in info.column_names}
    for field in fields:
        if field.name.lower() in existing:
            raise SchemaMismatchError(
                info.name.full, f"column {field.name!r} already exists", "choose another name"
            )
        if not field.nullable:
            raise SchemaMismatchError(
                info.name.full,
                f"new column {field.name!r} cannot be NOT NULL: existing rows have no value",
                "add it as nullable, fill it, then ALTER COLUMN ... SET NOT NULL",
            )
    props = writer.commit_properties(commit_info=commit_info)
    delta_fields = Schema.from_arrow(pa.schema(fields)).fields
    _commit(
        tables,
        info,
        "add columns",
        lambda t: t.alter.add_columns(delta_fields, commit_properties=props),
    )
    return tables.get(info.name)


def _column(info: TableInfo, column: str) -> str:
    by_lower = {c.lower(): c for c in info.column_names}
    if column.lower() not in by_lower:
        raise SchemaMismatchError(
            info.name.full, f"column {column!r} does not exist", f"choose from {info.column_names}"
        )
    return by_lower[column.lower()]


def set_nullable(
    tables: TableStore,
    name: str | ObjectName,
    column: str,
    nullable: bool,
    commit_info: Mapping[str, str] | None = None,
) -> TableInfo:
    """``ALTER COLUMN ... DROP NOT NULL`` / ``SET NOT NULL``; setting it checks the column holds
    no nulls and rewrites the table with the stricter schema (deltalake has no cheaper way).

    Raises:
        SchemaMismatchError: SET NOT NULL on a column that holds nulls.
    """
    info = tables.metadata.tables.get(tables.resolve(name))
    column = _column(info, column)
    props = writer.commit_properties(commit_info=commit_info)
    if nullable:
        _commit(
            tables,
            info,
            "drop not null",
            lambda t: t.alter.drop_column_not_null(column, commit_properties=props),
        )
        return tables.get(info.name)

    def tighten(table: DeltaTable) -> None:
        data = table.to_pyarrow_table()
        nulls = data.column(column).null_count
        if nulls:
            raise SchemaMismatchError(
                info.name.full,
                f"column {column!r} holds {nulls} null value(s), so it cannot be NOT NULL",
                f"fill or delete those rows first (UPDATE ... SET {column} = ... WHERE "
                f"{column} IS NULL)",
            )
        schema = writer.table_schema(table)
        index = schema.get_field_index(column)
        schema = schema.set(index, schema.field(index).with_nullable(False))
        write_deltalake(
            table,
            data.cast(schema),
            mode="overwrite",
            schema_mode="overwrite",
            partition_by=list(table.metadata().partition_columns) or None,
            commit_properties=props,
        )

    _commit(tables, info, "set not null", tighten)
    return tables.get(info.name)


def set_column_comment(
    tables: TableStore,
    name: str | ObjectName,
    column: str,
    comment: str,
    commit_info: Mapping[str, str] | None = None,
) -> TableInfo:
    """Store a column comment in the column's Delta metadata."""
    info = tables.metadata.tables.get(tables.resolve(name))
    column = _column(info, column)
    props = writer.commit_properties(commit_info=commit_info)
    metadata = {COMMENT_KEY.decode(): comment}
    _commit(
        tables,
        info,
        "set column comment",
        lambda t: t.alter.set_column_metadata(column, metadata, commit_properties=props),
    )
    return tables.get(info.name)


def set_properties(
    tables: TableStore,
    name: str | ObjectName,
    properties: Mapping[str, str],
    commit_info: Mapping[str, str] | None = None,
) -> TableInfo:
    """Set table properties: ``delta.*`` in the Delta table, the others in the catalog."""
    info = tables.metadata.tables.get(tables.resolve(name))
    delta, other = split_properties(properties)
    if delta:
        props = writer.commit_properties(commit_info=commit_info)
        _commit(
            tables,
            info,
            "set properties",
            lambda t: t.alter.set_table_properties(
                delta, raise_if_not_exists=False, commit_properties=props
            ),
        )
    if other:
        stored = {**dict(info.properties.get(TABLE_PROPERTIES) or {}), **other}
        tables.metadata.tables.update(info.name, properties={TABLE_PROPERTIES: stored})
    return tables.metadata.tables.get(info.name)


def set_primary_key(
    tables: TableStore,
    name: str | ObjectName,
    keys: Sequence[str],
    timeseries_key: str | None,
    constraint: str | None = None,
) -> TableInfo:
    """Declare the table's primary key (catalog metadata; Delta keeps no key constraint).

    Raises:
        ValidationError: The table has a primary key already, or a key column is nullable,
            missing, or listed twice, or the timeseries key is not a key column.
    """
    info = tables.get(name)
    if info.primary_keys:
        raise ValidationError(
            f"table {info.name.full!r} already has a primary key {list(info.primary_keys)}",
            "drop and recreate the table to change its key",
        )
    resolved = [_column(info, k) for k in keys]
    ts = _column(info, timeseries_key) if timeseries_key else None
    nullable = [c.name for c in info.columns if c.name in resolved and c.nullable]
    if nullable:
        raise ValidationError(
            f"cannot add a primary key to {info.name.full!r}: key column(s) {nullable} are "
            "nullable",
            f"first run ALTER TABLE {info.name.full} ALTER COLUMN <col> SET NOT NULL for each",
        )
    schema = pa.schema([pa.field(c.name, pa.int8(), c.nullable) for c in info.columns])
    check_roles(schema, resolved, ts, info.partition_columns)
    tables.metadata.tables.set_roles(
        info.name,
        primary_keys=resolved,
        timeseries_key=ts,
        partition_columns=info.partition_columns,
    )
    pk_name = constraint or f"{info.name.name}_pk"
    return tables.metadata.tables.update(info.name, properties={PRIMARY_KEY_NAME: pk_name})


def _contents(
    obj: ObjectName,
    data: Any,
    schema: pa.Schema | None,
    keys: Sequence[str],
    roles: tuple[str | None, Sequence[str]],
) -> tuple[pa.Schema, pa.Table]:
    """The new schema and rows of a replaced table, checked as a create checks them."""
    timeseries_key, partition_columns = roles
    arrow = to_arrow(data) if data is not None else None
    if arrow is not None:
        writer.check_keys(arrow, keys, obj.full)
    target, arrow, _ = target_schema(arrow, schema, keys, False, obj.full)
    check_roles(target, keys, timeseries_key, partition_columns)
    if arrow is not None and keys:
        writer.check_unique(arrow, keys, obj.full)
    return target, arrow if arrow is not None else target.empty_table()


def replace(
    tables: TableStore,
    name: str | ObjectName,
    *,
    data: Any = None,
    schema: pa.Schema | None = None,
    primary_keys: Sequence[str] = (),
    timeseries_key: str | None = None,
    partition_columns: Sequence[str] = (),
    description: str | None = None,
    configuration: Mapping[str, str] | None = None,
    properties: Mapping[str, Any] | None = None,
    commit_info: Mapping[str, str] | None = None,
) -> tuple[TableInfo, int]:
    """Replace an existing table's schema, rows, keys and partitioning in one commit (history,
    table id, owner and tags are kept); returns the new entry and the number of rows written.

    Delta ``configuration`` given here is set in a second commit (deltalake ignores it on
    overwrite).
    """
    obj = tables.resolve(name)
    keys = list(primary_keys)
    target, contents = _contents(obj, data, schema, keys, (timeseries_key, partition_columns))
    props = writer.commit_properties(commit_info=commit_info)

    def overwrite(table: DeltaTable) -> None:
        write_deltalake(
            table,
            contents,
            mode="overwrite",
            schema_mode="overwrite",
            partition_by=list(partition_columns),  # [] drops the old partitioning
            commit_properties=props,
        )

    def configure(table: DeltaTable) -> None:
        table.alter.set_table_properties(dict(configuration or {}), raise_if_not_exists=False)

    with name_lock(tables.settings.warehouse, obj):
        info = tables.metadata.tables.get(obj)
        _commit(tables, info, "replace", overwrite)
        if configuration:
            _commit(tables, info, "set properties", configure)
        repo = tables.metadata.tables
        # roles first cleared: the old keys need not be columns of the new schema
        repo.set_roles(obj, primary_keys=(), timeseries_key=None, partition_columns=())
        cleared = {DECIMAL_TO_FLOAT: False, PRIMARY_KEY_NAME: None, CLUSTERING_COLUMNS: None}
        stored = {**cleared, TABLE_PROPERTIES: None, **dict(properties or {})}
        repo.update(
            obj, columns=columns_of(target), description=description or "", properties=stored
        )
        info = repo.set_roles(
            obj,
            primary_keys=keys,
            timeseries_key=timeseries_key,
            partition_columns=partition_columns,
        )
    return info, contents.num_rows
