"""Arrow columns to SQLite values and back, for the online store.

SQLite keeps integers, floats, text, blobs and NULL. Arrow types map onto them losslessly:
timestamps as integer microseconds (their unit and zone kept in the table's Arrow schema),
dates as integer days, booleans as 0/1, decimals as text, lists/maps/structs as JSON text.
Reading back rebuilds each column with the stored Arrow type.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa


def _nested(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_struct(kind)
        or pa.types.is_map(kind)
    )


def to_sqlite(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """Python values SQLite can store, one per row."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        return list(column.cast(pa.timestamp("us", tz=kind.tz)).cast(pa.int64()).to_pylist())
    if pa.types.is_date32(kind) or pa.types.is_date64(kind):
        return list(column.cast(pa.date32()).cast(pa.int32()).to_pylist())
    if pa.types.is_boolean(kind):
        return [None if v is None else int(v) for v in column.to_pylist()]
    if pa.types.is_decimal(kind):
        return [None if v is None else str(v) for v in column.to_pylist()]
    if _nested(kind):
        return [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()]
    if pa.types.is_string_view(kind) or pa.types.is_large_string(kind):
        return list(column.cast(pa.string()).to_pylist())
    return list(column.to_pylist())


def from_sqlite(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """An Arrow array of ``kind`` from stored values."""
    if pa.types.is_timestamp(kind):
        return pa.array(values, pa.int64()).cast(pa.timestamp("us", tz=kind.tz)).cast(kind)
    if pa.types.is_date32(kind) or pa.types.is_date64(kind):
        return pa.array(values, pa.int32()).cast(pa.date32()).cast(kind)
    if pa.types.is_boolean(kind):
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    if pa.types.is_decimal(kind):
        from decimal import Decimal

        return pa.array([None if v is None else Decimal(v) for v in values], kind)
    if _nested(kind):
        return pa.array([None if v is None else json.loads(v) for v in values], kind)
    return pa.array(values, kind)


def sqlite_type(kind: pa.DataType) -> str:
    """The SQLite column affinity for an Arrow type."""
    if pa.types.is_floating(kind):
        return "REAL"
    if (
        pa.types.is_integer(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_date(kind)
        or pa.types.is_boolean(kind)
    ):
        return "INTEGER"
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "BLOB"
    return "TEXT"


__all__ = ["from_sqlite", "sqlite_type", "to_sqlite"]
