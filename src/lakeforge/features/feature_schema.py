"""Which columns and types a feature table takes: checks at create and at every write.

Create: every key/partition/timeseries column present (the error names its role), top-level
types from the reference list, the timeseries column a date or timestamp, and a warning for a
DATE/TIMESTAMP primary key that is not the timeseries column. Write: column names that differ
only in case, key/partition/timeseries columns present with exactly the table's type (keys are
never cast implicitly), and all columns for timeseries tables.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pyarrow as pa

from lakeforge.catalog.records import TableInfo
from lakeforge.errors import SchemaMismatchError, ValidationError
from lakeforge.features.quality import FeatureTableWarning
from lakeforge.tables.table_store import DECIMAL_TO_FLOAT
from lakeforge.tables.types import normalize, parse_schema, type_name

_SIMPLE_TYPES = frozenset(
    {
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "string",
        "boolean",
        "date",
        "timestamp",
        "timestamp_ntz",
        "binary",
    }
)


def incoming_schema(data: pa.Table | None, schema: pa.Schema | str | None, table: str) -> pa.Schema:
    """The schema a new table would get from ``df`` and/or ``schema`` (decimals as float64).

    Raises:
        ValidationError: Neither given, or ``schema`` of an unknown kind.
        SchemaMismatchError: ``df`` and ``schema`` name different columns.
    """
    declared = parse_schema(schema) if isinstance(schema, str) else schema
    if declared is not None and not isinstance(declared, pa.Schema):
        raise ValidationError(
            f"schema must be a pyarrow.Schema or a DDL string, got {type(declared).__name__}",
            "pass e.g. schema='id bigint, v double'",
        )
    if data is not None and declared is not None and set(declared.names) != set(data.column_names):
        raise SchemaMismatchError(
            table,
            f"schema columns {declared.names} differ from df columns {data.column_names}",
            "pass matching df and schema, or only one of them",
        )
    base = declared if declared is not None else data.schema if data is not None else None
    if base is None:
        raise ValidationError("neither df nor schema was given", "pass df=... or schema=...")
    return normalize(base.empty_table(), decimal_to_float=True)[0].schema


def check_create_columns(
    schema: pa.Schema, keys: Sequence[str], ts: str | None, parts: Sequence[str], table: str
) -> None:
    """Key, partition and timeseries columns exist; types are supported; ts is a time.

    Raises:
        SchemaMismatchError: Naming the column and its role or type.
    """
    roles = [(c, "timeseries column" if c == ts else "primary key") for c in keys]
    roles += [(c, "partition column") for c in parts]
    missing = [f"{c!r} ({role})" for c, role in roles if c not in schema.names]
    if missing:
        raise SchemaMismatchError(
            table,
            f"column(s) {', '.join(missing)} are not in {schema.names}",
            "fix the column names or add the columns to df/schema",
        )
    bad = [f"{f.name!r} ({type_name(f.type)})" for f in schema if not _allowed(f.type)]
    if bad:
        raise SchemaMismatchError(
            table,
            f"unsupported column type(s): {', '.join(bad)}",
            "cast them to a supported type: smallint, int, bigint, float, double, decimal, "
            "string, boolean, date, timestamp, binary, array, map or struct",
        )
    if ts is not None and not _is_time(schema.field(ts).type):
        raise SchemaMismatchError(
            table,
            f"timeseries column {ts!r} is {type_name(schema.field(ts).type)}",
            f"make {ts!r} a date or timestamp column",
        )


def _allowed(dtype: pa.DataType) -> bool:
    nested = pa.types.is_list(dtype) or pa.types.is_large_list(dtype)
    nested = nested or pa.types.is_map(dtype) or pa.types.is_struct(dtype)
    # all-null columns are left to the table store, whose message says how to type them
    special = nested or pa.types.is_decimal(dtype) or pa.types.is_null(dtype)
    return bool(special) or type_name(dtype) in _SIMPLE_TYPES


def _is_time(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_date32(dtype) or pa.types.is_timestamp(dtype))


def warn_time_keys(schema: pa.Schema, keys: Sequence[str], ts: str | None, table: str) -> None:
    """Warn for each DATE/TIMESTAMP primary key that is not the timeseries column."""
    for key in keys:
        if key != ts and _is_time(schema.field(key).type):
            warnings.warn(
                f"primary key {key!r} of {table!r} is a {type_name(schema.field(key).type)} "
                "column but not the timeseries column: point-in-time lookups will match it "
                f"exactly. Fix: pass timeseries_column={key!r} if it is the event time, or "
                "store it as a string key if exact matching is meant",
                FeatureTableWarning,
                stacklevel=3,
            )


def _describe(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name} {type_name(f.type)}" for f in schema)


def check_write_columns(data: pa.Table, existing: pa.Schema, info: TableInfo) -> None:
    """Check a df against a feature table before a merge (see the module docstring).

    Raises:
        SchemaMismatchError: Case-only name clashes, missing or mis-typed key columns, or
            (timeseries tables) missing columns.
    """
    table = info.name.full
    by_lower = {n.lower(): n for n in existing.names}
    clashes = [
        f"{c!r} vs table {by_lower[c.lower()]!r}"
        for c in data.column_names
        if c not in existing.names and c.lower() in by_lower
    ]
    if clashes:
        raise SchemaMismatchError(
            table,
            f"df column names differ only in case: {', '.join(clashes)}",
            "rename the df columns to the table's spelling",
        )
    _check_write_keys(data, existing, info)
    absent = [c for c in existing.names if c not in data.column_names]
    if info.timeseries_key and absent:
        raise SchemaMismatchError(
            table,
            f"a timeseries feature table is written with all its columns; df lacks {absent}",
            "add the missing columns to df (null where there is no value)",
        )


def _check_write_keys(data: pa.Table, existing: pa.Schema, info: TableInfo) -> None:
    d2f = bool(info.properties.get(DECIMAL_TO_FLOAT))
    incoming = normalize(data.schema.empty_table(), decimal_to_float=d2f)[0].schema
    roles = {k: "primary key" for k in info.primary_keys}
    roles |= {c: "partition column" for c in info.partition_columns if c not in roles}
    if info.timeseries_key:
        roles[info.timeseries_key] = "timeseries key"
    missing = [f"{c!r} ({role})" for c, role in roles.items() if c not in incoming.names]
    wrong = {
        c: (type_name(incoming.field(c).type), type_name(existing.field(c).type))
        for c in roles
        if c in incoming.names
        and not pa.types.is_null(incoming.field(c).type)  # all-null keys: the null-key policy
        and type_name(incoming.field(c).type) != type_name(existing.field(c).type)
    }
    if not missing and not wrong:
        return
    problems = [f"missing key column(s) {', '.join(missing)}"] if missing else []
    if wrong:
        typed = "; ".join(f"{c!r} is {d} in df, {t} in the table" for c, (d, t) in wrong.items())
        problems.append(f"mis-typed key column(s): {typed}")
    casts = ", ".join(f"{c!r} to {t}" for c, (_, t) in wrong.items())
    raise SchemaMismatchError(
        info.name.full,
        f"{'; '.join(problems)} (df schema: {_describe(data.schema)})",
        "include every key column with exactly the table's type; keys are never cast implicitly"
        + (f" (cast {casts})" if casts else ""),
    )
