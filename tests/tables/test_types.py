"""Column types: Spark SQL names <-> Arrow, normalization of incoming data, widening rules."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from lakeforge.errors import ValidationError
from lakeforge.tables import writer
from lakeforge.tables.table_store import DECIMAL_TO_FLOAT, ORIGINAL_TYPE
from lakeforge.tables.types import (
    is_widening,
    normalize,
    null_columns,
    parse_schema,
    parse_type,
    type_name,
)
from lakeforge.tables.workspace import Workspace

KINDS = ["pandas", "polars", "arrow"]


def delta_schema_json(ws: Workspace, name: str) -> dict[str, Any]:
    fields = json.loads(ws.tables.snapshot(name).schema().to_json())["fields"]
    return {f["name"]: f for f in fields}


# -- DDL parsing ----------------------------------------------------------------------------


def test_parse_schema_reads_the_documented_example() -> None:
    schema = parse_schema("id bigint not null, amount decimal(10,2), ts timestamp")
    assert schema.names == ["id", "amount", "ts"]
    assert schema.types == [pa.int64(), pa.decimal128(10, 2), pa.timestamp("us", tz="UTC")]
    assert [f.nullable for f in schema] == [False, True, True]


@pytest.mark.parametrize(
    ("ddl", "expected"),
    [
        ("tinyint", pa.int8()),
        ("SMALLINT", pa.int16()),
        ("int", pa.int32()),
        ("integer", pa.int32()),
        ("long", pa.int64()),
        ("float", pa.float32()),
        ("double", pa.float64()),
        ("string", pa.string()),
        ("varchar(20)", pa.string()),
        ("char(3)", pa.string()),
        ("binary", pa.binary()),
        ("boolean", pa.bool_()),
        ("date", pa.date32()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("timestamp_ntz", pa.timestamp("us")),
        ("decimal", pa.decimal128(10, 0)),
        ("DECIMAL( 18 , 4 )", pa.decimal128(18, 4)),
        ("array<int>", pa.list_(pa.int32())),
        ("map<string,array<double>>", pa.map_(pa.string(), pa.list_(pa.float64()))),
        ("struct<a:int,b:string>", pa.struct([("a", pa.int32()), ("b", pa.string())])),
        ("STRUCT<Mixed INT>", pa.struct([("Mixed", pa.int32())])),
    ],
)
def test_parse_type(ddl: str, expected: pa.DataType) -> None:
    assert parse_type(ddl) == expected


@pytest.mark.parametrize("ddl", ["number", "map<string>", "decimal(a,b)", "array<>"])
def test_parse_type_rejects_unknown_types_with_the_list_of_known_ones(ddl: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_type(ddl)
    assert ddl in str(info.value) or "map<K,V>" in str(info.value)


def test_parse_schema_handles_backquoted_names_and_nested_types() -> None:
    schema = parse_schema(
        "`my col` string, `a``b` int NOT NULL, s struct<x:int, y:array<string>>, m map<string, int>"
    )
    assert schema.names == ["my col", "a`b", "s", "m"]
    assert not schema.field("a`b").nullable
    assert schema.field("s").type == pa.struct([("x", pa.int32()), ("y", pa.list_(pa.string()))])


@pytest.mark.parametrize(
    ("ddl", "message"),
    [
        ("", "empty"),
        ("id", "cannot read column definition"),
        ("id bigint, ID string", "duplicate column names"),
        ("id bignum", "unknown column type"),
    ],
)
def test_parse_schema_errors(ddl: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_schema(ddl)


@pytest.mark.parametrize(
    "ddl",
    [
        "tinyint",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "string",
        "binary",
        "boolean",
        "date",
        "timestamp",
        "timestamp_ntz",
        "decimal(10,2)",
        "array<bigint>",
        "map<string,double>",
        "struct<a:int,b:array<string>>",
    ],
)
def test_type_name_round_trips_with_parse_type(ddl: str) -> None:
    assert type_name(parse_type(ddl)) == ddl


# -- widening -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (pa.int8(), pa.int64()),
        (pa.int16(), pa.int32()),
        (pa.int32(), pa.int64()),
        (pa.int32(), pa.float64()),
        (pa.float32(), pa.float64()),
        (pa.null(), pa.string()),
        (pa.large_string(), pa.string()),
        (pa.large_binary(), pa.binary()),
        (pa.large_list(pa.int64()), pa.list_(pa.int64())),
        (pa.decimal128(3, 2), pa.decimal128(10, 2)),
        (pa.decimal128(5, 1), pa.decimal128(10, 3)),
        (pa.timestamp("us", tz="Europe/Paris"), pa.timestamp("us", tz="UTC")),
    ],
)
def test_lossless_changes_are_widening(source: pa.DataType, target: pa.DataType) -> None:
    assert is_widening(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (pa.int64(), pa.int32()),
        (pa.int64(), pa.float64()),
        (pa.float64(), pa.float32()),
        (pa.int32(), pa.float32()),
        (pa.string(), pa.int64()),
        (pa.float64(), pa.decimal128(10, 2)),
        (pa.decimal128(10, 2), pa.decimal128(10, 3)),
        (pa.decimal128(12, 2), pa.decimal128(10, 2)),
        (pa.timestamp("us"), pa.timestamp("us", tz="UTC")),
    ],
)
def test_lossy_changes_are_not_widening(source: pa.DataType, target: pa.DataType) -> None:
    assert not is_widening(source, target)


# -- normalization (unit level) -------------------------------------------------------------


def test_normalize_reports_each_change_with_row_counts() -> None:
    table = pa.table(
        {
            "u8": pa.array([1, 2, None], pa.uint8()),
            "u32": pa.array([1, 2, 3], pa.uint32()),
            "u64": pa.array([1, None, None], pa.uint64()),
            "f16": pa.array([np.float16(1.5), None, np.float16(2)], pa.float16()),
            "ns": pa.array([1_000, 2_000, 3_000], pa.timestamp("ns")),
            "ms": pa.array([1, 2, 3], pa.timestamp("ms", tz="UTC")),
            "dict": pa.array(["a", "b", "a"]).dictionary_encode(),
            "view": pa.array(["x", "y", None], pa.string_view()),
            "ok": pa.array([1, 2, 3], pa.int64()),
        }
    )
    normalized, casts = normalize(table)
    assert normalized.schema.types == [
        pa.int16(),
        pa.int64(),
        pa.int64(),
        pa.float32(),
        pa.timestamp("us"),
        pa.timestamp("us", tz="UTC"),
        pa.string(),
        pa.string(),
        pa.int64(),
    ]
    summary = {c.column: (c.from_type, c.to_type, c.rows) for c in casts}
    assert summary == {
        "u8": ("uint8", "smallint", 2),
        "u32": ("uint32", "bigint", 3),
        "u64": ("uint64", "bigint", 1),
        "f16": ("halffloat", "float", 2),
        "ns": ("timestamp_ntz(ns)", "timestamp_ntz(us)", 3),
        "ms": ("timestamp(ms)", "timestamp(us)", 3),
        "dict": ("dictionary<values=string, indices=int32, ordered=0>", "string", 3),
        "view": ("string_view", "string", 2),
    }
    assert normalized.column("ns").to_pylist()[0] == datetime(1970, 1, 1, 0, 0, 0, 1)


def test_normalize_leaves_delta_types_alone() -> None:
    table = pa.table({"a": [1], "b": ["x"], "c": [1.5]})
    normalized, casts = normalize(table)
    assert casts == []
    assert normalized.equals(table)


def test_uint64_beyond_int64_is_a_validation_error_naming_the_column() -> None:
    table = pa.table({"big": pa.array([2**63 + 1], pa.uint64())})
    with pytest.raises(ValidationError, match="'big'"):
        normalize(table)


def test_decimal_to_float_only_on_request() -> None:
    table = pa.table({"d": pa.array([Decimal("1.25"), None], pa.decimal128(5, 2))})
    assert normalize(table)[1] == []
    normalized, casts = normalize(table, decimal_to_float=True)
    assert normalized.column("d").to_pylist() == [1.25, None]
    assert [(c.from_type, c.to_type, c.rows, c.reason) for c in casts] == [
        ("decimal(5,2)", "double", 1, "decimal_to_float")
    ]


def test_null_columns_lists_untyped_columns() -> None:
    schema = pa.schema([("a", pa.null()), ("b", pa.int64()), ("c", pa.null())])
    assert null_columns(schema) == ["a", "c"]


# -- normalization through the table API ----------------------------------------------------


def _unsigned(kind: str) -> Any:
    if kind == "pandas":
        return pd.DataFrame({"id": np.array([1, 2], np.uint8), "n": np.array([7, 8], np.uint32)})
    if kind == "polars":
        return pl.DataFrame({"id": [1, 2], "n": [7, 8]}, schema={"id": pl.UInt8, "n": pl.UInt32})
    return pa.table({"id": pa.array([1, 2], pa.uint8()), "n": pa.array([7, 8], pa.uint32())})


@pytest.mark.parametrize("kind", KINDS)
def test_unsigned_integers_are_stored_signed_and_reported(ws: Workspace, kind: str) -> None:
    info = ws.tables.create("t", data=_unsigned(kind))
    assert [c.data_type for c in info.columns] == ["smallint", "bigint"]
    assert info.properties["lakeforge.create_casts"] == [
        "id: uint8 -> smallint (2 rows, Delta has no unsigned integers)",
        "n: uint32 -> bigint (2 rows, Delta has no unsigned integers)",
    ]
    result = ws.tables.append("t", _unsigned(kind))
    assert [(c.column, c.from_type, c.to_type, c.rows) for c in result.casts] == [
        ("id", "uint8", "smallint", 2),
        ("n", "uint32", "bigint", 2),
    ]
    assert ws.tables.read("t").column("n").to_pylist() == [7, 8, 7, 8]


def _half_floats(kind: str) -> Any:
    values = np.array([1.5, 2.25], np.float16)
    if kind == "pandas":
        return pd.DataFrame({"f": values})
    return pa.table({"f": pa.array(values, pa.float16())})


@pytest.mark.parametrize("kind", ["pandas", "arrow"])  # polars has no float16
def test_half_floats_are_stored_as_float_and_reported(ws: Workspace, kind: str) -> None:
    info = ws.tables.create("t", data=_half_floats(kind))
    assert info.columns[0].data_type == "float"
    result = ws.tables.append("t", _half_floats(kind))
    assert [(c.from_type, c.to_type, c.rows) for c in result.casts] == [("halffloat", "float", 2)]
    assert ws.tables.read("t").column("f").to_pylist() == [1.5, 2.25, 1.5, 2.25]


def _nanosecond_times(kind: str) -> Any:
    stamps = [datetime(2024, 1, 1, 12), datetime(2024, 1, 2, 12)]
    if kind == "pandas":
        return pd.DataFrame({"ts": pd.Series(stamps, dtype="datetime64[ns]")})
    if kind == "polars":
        return pl.DataFrame({"ts": stamps}, schema={"ts": pl.Datetime("ns")})
    return pa.table({"ts": pa.array(stamps, pa.timestamp("ns"))})


@pytest.mark.parametrize("kind", KINDS)
def test_nanosecond_timestamps_are_stored_as_microseconds_and_reported(
    ws: Workspace, kind: str
) -> None:
    info = ws.tables.create("t", data=_nanosecond_times(kind))
    assert info.columns[0].data_type == "timestamp_ntz"
    assert info.properties["lakeforge.create_casts"] == [
        "ts: timestamp_ntz(ns) -> timestamp_ntz(us) (2 rows, Delta stores microseconds)"
    ]
    result = ws.tables.append("t", _nanosecond_times(kind))
    assert [(c.column, c.rows, c.reason) for c in result.casts] == [
        ("ts", 2, "Delta stores microseconds")
    ]
    table = ws.tables.read("t")
    assert table.schema.field("ts").type == pa.timestamp("us")
    assert table.column("ts").to_pylist()[0] == datetime(2024, 1, 1, 12)


def _decimals(kind: str, column: str = "amount") -> Any:
    values = [Decimal("1.10"), Decimal("2.25"), None]
    ids = [1, 2, 3]
    if kind == "pandas":
        return pd.DataFrame({"id": ids, column: values})
    if kind == "polars":
        return pl.DataFrame(
            {"id": ids, column: values}, schema={"id": pl.Int64, column: pl.Decimal(10, 2)}
        )
    return pa.table({"id": ids, column: pa.array(values, pa.decimal128(10, 2))})


@pytest.mark.parametrize("kind", KINDS)
def test_decimal_to_float_is_recorded_in_schema_and_properties(ws: Workspace, kind: str) -> None:
    info = ws.tables.create("t", data=_decimals(kind), decimal_to_float=True)
    amount = next(c for c in info.columns if c.name == "amount")
    assert amount.data_type == "double"
    assert info.properties[DECIMAL_TO_FLOAT] is True
    (created,) = info.properties["lakeforge.create_casts"]
    assert (
        created.startswith("amount: decimal(") and "-> double (2 rows, decimal_to_float)" in created
    )
    fields = delta_schema_json(ws, "t")
    assert fields["amount"]["type"] == "double"
    assert fields["amount"]["metadata"][ORIGINAL_TYPE].startswith("decimal(")
    assert ws.tables.read("t").sort_by("id").column("amount").to_pylist() == [1.1, 2.25, None]


@pytest.mark.parametrize("kind", KINDS)
def test_decimal_to_float_applies_to_later_writes_and_new_columns(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", schema="id bigint, amount decimal(10,2)", decimal_to_float=True)
    fields = delta_schema_json(ws, "t")
    assert fields["amount"]["metadata"][ORIGINAL_TYPE] == "decimal(10,2)"
    result = ws.tables.append("t", _decimals(kind))
    assert [(c.column, c.to_type, c.rows, c.reason) for c in result.casts] == [
        ("amount", "double", 2, "decimal_to_float")
    ]
    added = ws.tables.append("t", _decimals(kind, column="fee"))
    assert added.added_columns == ("fee",)
    assert ("fee", 2) in [(c.column, c.rows) for c in added.casts]
    fields = delta_schema_json(ws, "t")
    assert fields["fee"]["type"] == "double"
    assert fields["fee"]["metadata"][ORIGINAL_TYPE].startswith("decimal(")
    assert fields["amount"]["metadata"][ORIGINAL_TYPE] == "decimal(10,2)"
    assert [c.data_type for c in ws.tables.get("t").columns] == ["bigint", "double", "double"]


@pytest.mark.parametrize("kind", KINDS)
def test_decimal_to_float_with_declared_schema_and_data(ws: Workspace, kind: str) -> None:
    info = ws.tables.create(
        "t", schema="id bigint, amount decimal(10,2)", data=_decimals(kind), decimal_to_float=True
    )
    assert [c.data_type for c in info.columns] == ["bigint", "double"]
    assert delta_schema_json(ws, "t")["amount"]["metadata"][ORIGINAL_TYPE].startswith("decimal(")


def test_decimal_to_float_metadata_survives_merge(ws: Workspace) -> None:
    ws.tables.create("t", data=_decimals("arrow"), primary_keys=["id"], decimal_to_float=True)
    result = ws.tables.merge("t", _decimals("arrow"))
    assert [c.reason for c in result.casts] == ["decimal_to_float"]
    assert delta_schema_json(ws, "t")["amount"]["metadata"][ORIGINAL_TYPE] == "decimal(10,2)"


def test_decimals_stay_decimals_without_the_option(ws: Workspace) -> None:
    info = ws.tables.create("t", data=_decimals("arrow"))
    assert info.columns[1].data_type == "decimal(10,2)"
    assert info.properties[DECIMAL_TO_FLOAT] is False
    assert ORIGINAL_TYPE not in delta_schema_json(ws, "t")["amount"]["metadata"]
    with pytest.raises(Exception, match="'amount' is double in the data but decimal"):
        ws.tables.append("t", pa.table({"id": [4], "amount": [1.5]}))


def test_dictionary_columns_are_decoded(ws: Workspace) -> None:
    data = pl.DataFrame({"c": ["a", "b", "a"]}, schema={"c": pl.Categorical})
    info = ws.tables.create("t", data=data)
    assert info.columns[0].data_type == "string"
    assert ws.tables.read("t").column("c").to_pylist() == ["a", "b", "a"]
    assert writer.table_schema(ws.tables.snapshot("t")).field("c").type in (
        pa.string(),
        pa.large_string(),
        pa.string_view(),
    )


# -- store assignment (SQL writes) ----------------------------------------------------------


def test_store_assign_constants_and_computed_values() -> None:
    from lakeforge.errors import SchemaMismatchError
    from lakeforge.tables.types import store_assign

    same, none = store_assign(pa.array([1]), pa.int64(), table="t", name="c", constant=False)
    assert none is None and same.type == pa.int64()
    wide, none = store_assign(
        pa.array([1], pa.int32()), pa.int64(), table="t", name="c", constant=False
    )
    assert none is None and wide.type == pa.int32()  # the table layer widens and reports it
    narrowed, cast = store_assign(pa.array([1, 2]), pa.int8(), table="t", name="c", constant=False)
    assert narrowed.type == pa.int8() and cast is not None and cast.reason == "store assignment"
    stamp, none = store_assign(
        pa.array(["2024-01-01", "2024-01-01T02:00:00+02:00"]),
        pa.timestamp("us", tz="UTC"),
        table="t",
        name="c",
        constant=True,
    )
    assert none is None
    assert [str(v) for v in stamp.to_pylist()] == ["2024-01-01 00:00:00+00:00"] * 2
    with pytest.raises(SchemaMismatchError, match="date but the statement gives string"):
        store_assign(pa.array(["2024-01-01"]), pa.date32(), table="t", name="c", constant=False)
