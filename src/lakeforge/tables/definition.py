"""A table's definition: the Delta schema made from data and/or a declared schema, and the
rules its keys and partitions follow (used by create and replace)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from lakeforge.catalog.records import ColumnInfo
from lakeforge.errors import SchemaMismatchError, ValidationError
from lakeforge.tables import writer
from lakeforge.tables.types import Cast, normalize, parse_schema, type_name

DECIMAL_TO_FLOAT = "lakeforge.decimal_to_float"
ORIGINAL_TYPE = "lakeforge.original_type"
COMMENT_KEY = b"comment"


def column_comment(field: pa.Field) -> str | None:
    """A column's comment, kept in its Delta field metadata under ``comment`` (as Spark does)."""
    value = (field.metadata or {}).get(COMMENT_KEY)
    return value.decode() if value is not None else None


def columns_of(schema: pa.Schema) -> tuple[ColumnInfo, ...]:
    return tuple(
        ColumnInfo(f.name, type_name(f.type), f.nullable, column_comment(f)) for f in schema
    )


def check_roles(
    schema: pa.Schema, keys: Sequence[str], timeseries: str | None, partitions: Sequence[str]
) -> None:
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if list(keys).count(k) > 1})
        raise ValidationError(f"primary keys repeat {dup}", "list each key column once")
    if timeseries is not None and timeseries not in keys:
        raise ValidationError(
            f"timeseries key {timeseries!r} is not one of the primary keys {list(keys)}",
            f"add {timeseries!r} to primary_keys",
        )
    for role, cols in (("primary key", keys), ("partition", partitions)):
        missing = [c for c in cols if c not in schema.names]
        if missing:
            raise ValidationError(
                f"{role} column(s) {missing} are not in the schema {schema.names}",
                "fix the column names or add the columns",
            )


def record_original_types(schema: pa.Schema, casts: Sequence[Cast]) -> pa.Schema:
    for cast in casts:
        if cast.reason != "decimal_to_float":
            continue
        index = schema.get_field_index(cast.column)
        field = schema.field(index)
        meta = dict(field.metadata or {})
        meta[ORIGINAL_TYPE.encode()] = cast.from_type.encode()
        schema = schema.set(index, field.with_metadata(meta))
    return schema


def target_schema(
    data: pa.Table | None,
    schema: pa.Schema | str | None,
    keys: Sequence[str],
    d2f: bool,
    table: str = "<new table>",
) -> tuple[pa.Schema, pa.Table | None, list[Cast]]:
    declared = parse_schema(schema) if isinstance(schema, str) else schema
    casts: list[Cast] = []
    if data is not None:
        if declared is not None and set(declared.names) != set(data.column_names):
            raise SchemaMismatchError(
                table,
                f"schema columns {declared.names} differ from data columns {data.column_names}",
                "pass matching df and schema, or only one of them",
            )
        if declared is not None:
            data = data.select(declared.names)
            # the declared types go through the same normalization as the data (decimal_to_float)
            declared = normalize(declared.empty_table(), decimal_to_float=d2f)[0].schema
        prepared = writer.prepare(data, declared, table=table, decimal_to_float=d2f)
        data, casts = prepared.data, list(prepared.casts)
        base = data.schema
    elif declared is not None:
        normalized, casts = normalize(declared.empty_table(), decimal_to_float=d2f)
        base = normalized.schema
    else:
        raise ValidationError("neither data nor schema was given", "pass data=... or schema=...")
    fields = [f.with_nullable(False) if f.name in keys else f for f in base]
    target = record_original_types(pa.schema(fields), casts)
    return target, (data.cast(target) if data is not None else None), casts
