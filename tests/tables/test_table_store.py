"""Tables by three-level name: create, append, overwrite, merge, delete, schema evolution."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    DuplicateKeyError,
    SchemaMismatchError,
    SchemaNotFoundError,
    TableNotFoundError,
    ValidationError,
)
from lakeforge.tables import writer
from lakeforge.tables.workspace import Workspace

KINDS = ["pandas", "polars", "arrow"]


def frame(kind: str, data: dict[str, list[Any]]) -> Any:
    """The same columns as a pandas, polars or pyarrow frame."""
    if kind == "pandas":
        # integer columns with gaps become nullable Int64 instead of float64
        return pd.DataFrame(
            {
                name: pd.array(values, dtype="Int64")
                if None in values
                and any(v is not None for v in values)
                and all(isinstance(v, int) for v in values if v is not None)
                else values
                for name, values in data.items()
            }
        )
    if kind == "polars":
        return pl.DataFrame(data)
    return pa.table(data)


def rows(ws: Workspace, name: str, key: str = "id") -> list[dict[str, Any]]:
    return ws.tables.read(name).sort_by(key).to_pylist()


def delta_fields(ws: Workspace, name: str) -> dict[str, pa.Field]:
    schema = writer.table_schema(ws.tables.snapshot(name))
    return {f.name: f for f in schema}


# -- create ---------------------------------------------------------------------------------


def test_create_from_ddl_string_maps_spark_types_and_not_null(ws: Workspace) -> None:
    info = ws.tables.create(
        "orders", schema="id bigint not null, amount decimal(10,2), ts timestamp"
    )
    assert info.name.full == "main.default.orders"
    assert [(c.name, c.data_type, c.nullable) for c in info.columns] == [
        ("id", "bigint", False),
        ("amount", "decimal(10,2)", True),
        ("ts", "timestamp", True),
    ]
    fields = delta_fields(ws, "orders")
    assert fields["amount"].type == pa.decimal128(10, 2)
    assert fields["ts"].type == pa.timestamp("us", tz="UTC")
    assert not fields["id"].nullable
    assert ws.tables.read("orders").num_rows == 0


def test_create_from_arrow_schema(ws: Workspace) -> None:
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("s", pa.string())])
    info = ws.tables.create("main.default.t", schema=schema)
    assert [(c.name, c.data_type, c.nullable) for c in info.columns] == [
        ("id", "bigint", False),
        ("s", "string", True),
    ]
    assert ws.tables.history("t")[0].operation == "CREATE TABLE"


@pytest.mark.parametrize("kind", KINDS)
def test_create_from_data_infers_schema_and_writes_rows(ws: Workspace, kind: str) -> None:
    data = frame(kind, {"id": [1, 2, 3], "v": [1.5, 2.5, 3.5], "name": ["a", "b", "c"]})
    info = ws.tables.create("t", data=data, primary_keys=["id"])
    assert [(c.name, c.data_type, c.nullable) for c in info.columns] == [
        ("id", "bigint", False),
        ("v", "double", True),
        ("name", "string", True),
    ]
    assert info.primary_keys == ("id",)
    assert rows(ws, "t") == [
        {"id": 1, "v": 1.5, "name": "a"},
        {"id": 2, "v": 2.5, "name": "b"},
        {"id": 3, "v": 3.5, "name": "c"},
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_create_from_schema_and_matching_data_takes_declared_types(
    ws: Workspace, kind: str
) -> None:
    data = frame(kind, {"id": [1, 2], "x": ["a", "b"]})
    info = ws.tables.create("t", schema="x string, id bigint not null", data=data)
    assert [(c.name, c.data_type, c.nullable) for c in info.columns] == [
        ("x", "string", True),
        ("id", "bigint", False),
    ]
    assert ws.tables.read("t").column_names == ["x", "id"]


def test_create_from_schema_widens_narrower_data_and_records_the_cast(ws: Workspace) -> None:
    data = pa.table({"id": pa.array([1, 2], pa.int32())})
    info = ws.tables.create("t", schema="id bigint", data=data)
    assert info.columns[0].data_type == "bigint"
    assert info.properties["lakeforge.create_casts"] == ["id: int -> bigint (2 rows, widened)"]


@pytest.mark.parametrize("kind", KINDS)
def test_create_with_schema_and_data_with_other_columns_is_rejected(
    ws: Workspace, kind: str
) -> None:
    with pytest.raises(SchemaMismatchError) as info:
        ws.tables.create("t", schema="id bigint, x string", data=frame(kind, {"id": [1]}))
    assert "main.default.t" in str(info.value)
    assert "['id', 'x']" in str(info.value)
    assert not ws.tables.metadata.tables.exists(ws.tables.resolve("t"))


@pytest.mark.parametrize("kind", KINDS)
def test_create_with_schema_and_data_of_another_type_names_column_and_types(
    ws: Workspace, kind: str
) -> None:
    with pytest.raises(SchemaMismatchError) as info:
        ws.tables.create("t", schema="id bigint, x string", data=frame(kind, {"id": [1], "x": [2]}))
    message = str(info.value)
    assert "'x'" in message and "bigint" in message and "string" in message


def test_create_without_schema_or_data_is_rejected(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="neither data nor schema"):
        ws.tables.create("t")


def test_create_twice_raises_already_exists(ws: Workspace) -> None:
    ws.tables.create("t", schema="id bigint")
    with pytest.raises(AlreadyExistsError, match=r"main\.default\.t"):
        ws.tables.create("t", schema="id bigint")


def test_create_if_not_exists_is_idempotent_and_keeps_the_first_table(ws: Workspace) -> None:
    first = ws.tables.create("t", data=pa.table({"id": [1]}))
    again = ws.tables.create("t", data=pa.table({"other": ["x"]}), if_not_exists=True)
    assert again.table_id == first.table_id
    assert [c.name for c in again.columns] == ["id"]
    assert ws.tables.read("t").to_pylist() == [{"id": 1}]
    assert len(ws.tables.history("t")) == 1


def test_create_in_missing_schema_raises_schema_not_found(ws: Workspace) -> None:
    with pytest.raises(SchemaNotFoundError, match=r"main\.nope"):
        ws.tables.create("main.nope.t", schema="id bigint")
    with pytest.raises(CatalogNotFoundError):
        ws.tables.create("nocat.nope.t", schema="id bigint")


def test_create_in_other_catalog_and_schema_by_three_level_name(ws: Workspace) -> None:
    ws.catalogs.create("dev")
    ws.schemas.create("dev", "gold")
    info = ws.tables.create("DEV.Gold.Orders", data=pa.table({"id": [1]}))
    assert info.name.full == "dev.gold.orders"
    assert [t.name.name for t in ws.tables.list("dev.gold")] == ["orders"]
    assert ws.tables.read("dev.gold.orders").num_rows == 1


def test_unknown_primary_key_column_is_named(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="'nope'"):
        ws.tables.create("t", schema="id bigint", primary_keys=["nope"])
    with pytest.raises(ValidationError, match="'idx'"):
        ws.tables.create("t", data=pa.table({"id": [1]}), primary_keys=["idx"])


def test_unknown_partition_column_is_named(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="'region'"):
        ws.tables.create("t", schema="id bigint", partition_columns=["region"])


def test_timeseries_key_must_be_a_primary_key(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="'ts'") as info:
        ws.tables.create(
            "t", schema="id bigint, ts timestamp", primary_keys=["id"], timeseries_key="ts"
        )
    assert "primary_keys" in str(info.value)
    created = ws.tables.create(
        "t", schema="id bigint, ts timestamp", primary_keys=["id", "ts"], timeseries_key="ts"
    )
    assert created.timeseries_key == "ts"
    assert [c.nullable for c in created.columns] == [False, False]


def test_repeated_primary_key_is_rejected(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="repeat"):
        ws.tables.create("t", schema="id bigint", primary_keys=["id", "id"])


def test_primary_key_columns_become_not_null(ws: Workspace) -> None:
    info = ws.tables.create("t", schema="id bigint, v double", primary_keys=["id"])
    assert [(c.name, c.nullable) for c in info.columns] == [("id", False), ("v", True)]
    assert not delta_fields(ws, "t")["id"].nullable


@pytest.mark.parametrize("kind", KINDS)
def test_null_primary_key_values_are_rejected_at_create(ws: Workspace, kind: str) -> None:
    data = frame(kind, {"id": [1, None], "v": [1.0, 2.0]})
    with pytest.raises(ValidationError, match=r"'id'.*null"):
        ws.tables.create("t", data=data, primary_keys=["id"])
    assert ws.tables.list() == []


@pytest.mark.parametrize("kind", KINDS)
def test_duplicate_primary_key_values_are_rejected_at_create(ws: Workspace, kind: str) -> None:
    data = frame(kind, {"id": [1, 2, 1], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(DuplicateKeyError) as info:
        ws.tables.create("t", data=data, primary_keys=["id"])
    assert info.value.example == {"id": 1}
    assert info.value.keys == ["id"]
    assert ws.tables.list() == []


@pytest.mark.parametrize("kind", KINDS)
def test_all_null_untyped_column_is_a_clear_error(ws: Workspace, kind: str) -> None:
    data = frame(kind, {"id": [1, 2], "empty": [None, None]})
    with pytest.raises(SchemaMismatchError, match=r"\['empty'\].*only nulls"):
        ws.tables.create("t", data=data)


def test_partitioned_table_is_written_by_partition(ws: Workspace) -> None:
    data = pa.table({"id": [1, 2, 3], "region": ["eu", "us", "eu"]})
    info = ws.tables.create("t", data=data, partition_columns=["region"])
    assert info.partition_columns == ("region",)
    assert ws.tables.snapshot("t").metadata().partition_columns == ["region"]
    assert sorted(ws.tables.read("t").column("id").to_pylist()) == [1, 2, 3]


def test_get_of_missing_table_lists_existing_tables(ws: Workspace) -> None:
    ws.tables.create("orders", schema="id bigint")
    with pytest.raises(TableNotFoundError, match=r"main\.default\.orders"):
        ws.tables.get("nope")


def test_drop_removes_metadata_and_data(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1]}))
    path = ws.tables.path(ws.tables.get("t"))
    assert ws.tables.drop("t")
    assert not path.exists()
    assert not ws.tables.drop("t", if_exists=True)
    with pytest.raises(TableNotFoundError):
        ws.tables.drop("t")


# -- append / overwrite -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_append_adds_rows_and_reports_version(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    first = ws.tables.append("t", frame(kind, {"id": [2, 3], "v": [2.0, 3.0]}))
    assert (first.operation, first.version, first.rows_inserted) == ("APPEND", 1, 2)
    assert first.table == "main.default.t"
    assert first.casts == ()
    second = ws.tables.append("t", frame(kind, {"id": [4], "v": [4.0]}))
    assert second.version == 2
    assert [r["id"] for r in rows(ws, "t")] == [1, 2, 3, 4]


@pytest.mark.parametrize("kind", KINDS)
def test_append_with_new_column_evolves_the_schema(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    result = ws.tables.append("t", frame(kind, {"id": [2], "v": [2.0], "note": ["new"]}))
    assert result.added_columns == ("note",)
    columns = ws.tables.get("t").columns
    assert [(c.name, c.data_type) for c in columns] == [
        ("id", "bigint"),
        ("v", "double"),
        ("note", "string"),
    ]
    assert rows(ws, "t") == [
        {"id": 1, "v": 1.0, "note": None},
        {"id": 2, "v": 2.0, "note": "new"},
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_append_omitting_nullable_columns_fills_null(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    ws.tables.append("t", frame(kind, {"id": [2]}))
    assert rows(ws, "t") == [{"id": 1, "v": 1.0}, {"id": 2, "v": None}]


@pytest.mark.parametrize("kind", KINDS)
def test_append_of_incompatible_type_names_column_and_both_types(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    with pytest.raises(SchemaMismatchError) as info:
        ws.tables.append("t", frame(kind, {"id": [2], "v": ["text"]}))
    message = str(info.value)
    assert "'v'" in message and "string in the data" in message and "double in the table" in message
    assert ws.tables.read("t").num_rows == 1


def test_narrowing_write_is_rejected(ws: Workspace) -> None:
    ws.tables.create("t", schema="id int")
    with pytest.raises(SchemaMismatchError, match="'id' is bigint in the data but int"):
        ws.tables.append("t", pa.table({"id": pa.array([1], pa.int64())}))


def test_lossless_widening_is_applied_and_reported_with_row_counts(ws: Workspace) -> None:
    ws.tables.create("t", schema="id bigint, v double, n bigint")
    data = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "v": pa.array([1.5, None, 2.5], pa.float32()),
            "n": pa.array([1, 2, 3], pa.int64()),
        }
    )
    result = ws.tables.append("t", data)
    casts = {c.column: c for c in result.casts}
    assert set(casts) == {"id", "v"}
    assert (casts["id"].from_type, casts["id"].to_type, casts["id"].rows) == ("int", "bigint", 3)
    assert (casts["v"].from_type, casts["v"].to_type, casts["v"].rows) == ("float", "double", 2)
    assert casts["v"].reason == "widened"
    assert str(casts["id"]) == "id: int -> bigint (3 rows, widened)"
    assert ws.tables.read("t").schema.field("id").type == pa.int64()
    assert [c.data_type for c in ws.tables.get("t").columns] == ["bigint", "double", "bigint"]


@pytest.mark.parametrize("kind", KINDS)
def test_same_sql_type_in_another_arrow_layout_is_not_reported(ws: Workspace, kind: str) -> None:
    # pandas and polars hand over large_string / large_list; the table stores string / list
    ws.tables.create("t", data=pa.table({"id": [1], "s": ["a"], "tags": [["x"]]}))
    result = ws.tables.append("t", frame(kind, {"id": [2], "s": ["b"], "tags": [["y", "z"]]}))
    assert result.casts == ()
    assert rows(ws, "t")[1] == {"id": 2, "s": "b", "tags": ["y", "z"]}


def test_python_decimals_fit_a_wider_decimal_column(ws: Workspace) -> None:
    ws.tables.create("t", schema="id bigint, amount decimal(10,2)")
    result = ws.tables.append("t", pd.DataFrame({"id": [1], "amount": [Decimal("2.5")]}))
    assert [(c.from_type, c.to_type) for c in result.casts] == [("decimal(2,1)", "decimal(10,2)")]
    assert ws.tables.read("t").column("amount").to_pylist() == [Decimal("2.50")]
    with pytest.raises(SchemaMismatchError, match="'amount'"):
        ws.tables.append("t", pd.DataFrame({"id": [2], "amount": [Decimal("123456789012.5")]}))


@pytest.mark.parametrize("kind", KINDS)
def test_columns_differing_only_in_case_from_the_table_are_rejected(
    ws: Workspace, kind: str
) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "amount": [1.0]}))
    with pytest.raises(SchemaMismatchError, match=r"'Amount'.*'amount'"):
        ws.tables.append("t", frame(kind, {"id": [2], "Amount": [2.0]}))


def test_columns_differing_only_in_case_within_the_data_are_rejected(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1]}))
    with pytest.raises(SchemaMismatchError, match="differ only in case"):
        ws.tables.append("t", pa.table({"id": [2], "x": [1], "X": [2]}))


@pytest.mark.parametrize("kind", KINDS)
def test_not_null_column_stays_not_null_after_nullable_writes(ws: Workspace, kind: str) -> None:
    ws.tables.create(
        "t", schema="id bigint not null, name string not null, v double", primary_keys=["id"]
    )
    # frames always declare their fields nullable; new columns arrive too
    ws.tables.append("t", frame(kind, {"id": [1, 2], "name": ["a", "b"], "v": [1.0, 2.0]}))
    ws.tables.append("t", frame(kind, {"id": [3], "name": ["c"], "extra": [1]}))
    ws.tables.merge("t", frame(kind, {"id": [1, 4], "name": ["z", "d"], "more": ["m", "n"]}))
    ws.tables.overwrite("t", frame(kind, {"id": [9], "name": ["q"]}))
    fields = delta_fields(ws, "t")
    assert not fields["id"].nullable
    assert not fields["name"].nullable
    assert fields["v"].nullable and fields["extra"].nullable
    columns = {c.name: c.nullable for c in ws.tables.get("t").columns}
    assert columns == {"id": False, "name": False, "v": True, "extra": True, "more": True}


@pytest.mark.parametrize("kind", KINDS)
def test_write_omitting_or_nulling_a_not_null_column_is_rejected(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", schema="id bigint not null, name string not null")
    with pytest.raises(SchemaMismatchError, match=r"non-nullable columns \['name'\]"):
        ws.tables.append("t", frame(kind, {"id": [1]}))
    with pytest.raises(SchemaMismatchError, match=r"'name' is NOT NULL.*1 null"):
        ws.tables.append("t", frame(kind, {"id": [1, 2], "name": ["a", None]}))
    assert not delta_fields(ws, "t")["name"].nullable
    assert ws.tables.read("t").num_rows == 0


@pytest.mark.parametrize("kind", KINDS)
def test_append_with_null_primary_key_is_rejected(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}), primary_keys=["id"])
    with pytest.raises(ValidationError, match="'id'"):
        ws.tables.append("t", frame(kind, {"id": [2, None], "v": [1.0, 2.0]}))
    with pytest.raises(ValidationError, match=r"\['id'\] are missing"):
        ws.tables.append("t", frame(kind, {"v": [1.0]}))


def test_new_all_null_column_on_append_is_a_clear_error(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    with pytest.raises(SchemaMismatchError, match=r"\['new'\].*only nulls"):
        ws.tables.append("t", pa.table({"id": [2], "new": pa.nulls(1)}))
    # an untyped null column that the table already has takes the table's type
    ws.tables.append("t", pa.table({"id": [2], "v": pa.nulls(1)}))
    assert rows(ws, "t")[1] == {"id": 2, "v": None}


@pytest.mark.parametrize("kind", KINDS)
def test_overwrite_replaces_rows_and_counts_them(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0]}))
    result = ws.tables.overwrite("t", frame(kind, {"id": [7], "v": [7.0]}))
    assert (result.operation, result.version) == ("OVERWRITE", 1)
    assert (result.rows_inserted, result.rows_deleted) == (1, 3)
    assert rows(ws, "t") == [{"id": 7, "v": 7.0}]


@pytest.mark.parametrize("kind", KINDS)
def test_overwrite_keeps_columns_it_omits_and_adds_new_ones(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    result = ws.tables.overwrite("t", frame(kind, {"id": [2], "w": ["x"]}))
    assert result.added_columns == ("w",)
    assert rows(ws, "t") == [{"id": 2, "v": None, "w": "x"}]
    assert [c.name for c in ws.tables.get("t").columns] == ["id", "v", "w"]


def test_overwrite_of_empty_table(ws: Workspace) -> None:
    ws.tables.create("t", schema="id bigint")
    result = ws.tables.overwrite("t", pa.table({"id": [1, 2]}))
    assert (result.rows_inserted, result.rows_deleted) == (2, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_overwrite_with_duplicate_primary_keys_is_rejected(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1]}), primary_keys=["id"])
    with pytest.raises(DuplicateKeyError):
        ws.tables.overwrite("t", frame(kind, {"id": [5, 5]}))
    assert ws.tables.read("t").to_pylist() == [{"id": 1}]


# -- merge ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_merge_updates_only_given_columns_and_inserts_with_nulls(ws: Workspace, kind: str) -> None:
    ws.tables.create(
        "t",
        data=pa.table({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0], "name": ["a", "b", "c"]}),
        primary_keys=["id"],
    )
    result = ws.tables.merge("t", frame(kind, {"id": [2, 9], "v": [20.0, 90.0]}))
    assert (result.operation, result.version) == ("MERGE", 1)
    assert (result.rows_updated, result.rows_inserted) == (1, 1)
    assert rows(ws, "t") == [
        {"id": 1, "v": 1.0, "name": "a"},
        {"id": 2, "v": 20.0, "name": "b"},
        {"id": 3, "v": 3.0, "name": "c"},
        {"id": 9, "v": 90.0, "name": None},
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_merge_with_new_column_evolves_the_schema(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1, 2], "v": [1.0, 2.0]}), primary_keys=["id"])
    result = ws.tables.merge("t", frame(kind, {"id": [2, 3], "flag": [True, False]}))
    assert result.added_columns == ("flag",)
    assert [(c.name, c.data_type) for c in ws.tables.get("t").columns] == [
        ("id", "bigint"),
        ("v", "double"),
        ("flag", "boolean"),
    ]
    assert rows(ws, "t") == [
        {"id": 1, "v": 1.0, "flag": None},
        {"id": 2, "v": 2.0, "flag": True},
        {"id": 3, "v": None, "flag": False},
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_merge_on_composite_primary_key(ws: Workspace, kind: str) -> None:
    ws.tables.create(
        "t",
        data=pa.table({"k1": [1, 1], "k2": ["a", "b"], "v": [1, 2]}),
        primary_keys=["k1", "k2"],
    )
    ws.tables.merge("t", frame(kind, {"k1": [1, 2], "k2": ["b", "b"], "v": [20, 30]}))
    assert sorted((r["k1"], r["k2"], r["v"]) for r in ws.tables.read("t").to_pylist()) == [
        (1, "a", 1),
        (1, "b", 20),
        (2, "b", 30),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_merge_with_on_for_table_without_primary_key(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"k": ["x", "y"], "v": [1, 2]}))
    with pytest.raises(ValidationError, match="on="):
        ws.tables.merge("t", frame(kind, {"k": ["x"], "v": [5]}))
    result = ws.tables.merge("t", frame(kind, {"k": ["x", "z"], "v": [5, 6]}), on=["k"])
    assert (result.rows_updated, result.rows_inserted) == (1, 1)
    assert rows(ws, "t", key="k") == [
        {"k": "x", "v": 5},
        {"k": "y", "v": 2},
        {"k": "z", "v": 6},
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_merge_with_duplicate_source_keys_names_keys_and_example(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}), primary_keys=["id"])
    with pytest.raises(DuplicateKeyError) as info:
        ws.tables.merge("t", frame(kind, {"id": [3, 3, 4, 4, 5], "v": [1.0, 2, 3, 4, 5]}))
    error = info.value
    assert error.keys == ["id"]
    assert error.example in ({"id": 3}, {"id": 4})
    assert error.count == 2
    assert "['id']" in str(error) and "main.default.t" in str(error)
    assert len(ws.tables.history("t")) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_merge_with_null_key_is_rejected(ws: Workspace, kind: str) -> None:
    ws.tables.create("t", data=pa.table({"k": ["a"], "v": [1]}))
    with pytest.raises(ValidationError, match=r"'k'.*null"):
        ws.tables.merge("t", frame(kind, {"k": ["b", None], "v": [1, 2]}), on=["k"])


def test_merge_widens_and_reports_casts(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}), primary_keys=["id"])
    data = pa.table({"id": pa.array([1, 2], pa.int32()), "v": pa.array([5.0, 6.0], pa.float32())})
    result = ws.tables.merge("t", data)
    assert {(c.column, c.from_type, c.to_type, c.rows) for c in result.casts} == {
        ("id", "int", "bigint", 2),
        ("v", "float", "double", 2),
    }
    assert rows(ws, "t") == [{"id": 1, "v": 5.0}, {"id": 2, "v": 6.0}]


def test_merge_into_partitioned_table_with_quoted_partition_value(ws: Workspace) -> None:
    data = pa.table({"id": [1, 2, 3], "region": ["eu", "us", "o'b"], "v": [1.0, 2.0, 3.0]})
    ws.tables.create("t", data=data, primary_keys=["id"], partition_columns=["region"])
    result = ws.tables.merge(
        "t", pa.table({"id": [3, 4], "region": ["o'b", "eu"], "v": [30.0, 40.0]})
    )
    assert (result.rows_updated, result.rows_inserted) == (1, 1)
    assert [(r["id"], r["region"], r["v"]) for r in rows(ws, "t")] == [
        (1, "eu", 1.0),
        (2, "us", 2.0),
        (3, "o'b", 30.0),
        (4, "eu", 40.0),
    ]


def test_merge_of_incompatible_type_is_rejected(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}), primary_keys=["id"])
    with pytest.raises(SchemaMismatchError, match="'v' is string in the data but double"):
        ws.tables.merge("t", pa.table({"id": [1], "v": ["x"]}))


# -- delete ---------------------------------------------------------------------------------


def test_delete_where_counts_deleted_rows(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1, 2, 3, 4], "amount": [-1.0, 5.0, -2.0, 3.0]}))
    result = ws.tables.delete("t", "amount < 0")
    assert (result.operation, result.version, result.rows_deleted) == ("DELETE", 1, 2)
    assert [r["id"] for r in rows(ws, "t")] == [2, 4]
    nothing = ws.tables.delete("t", "id > 100")
    assert nothing.rows_deleted == 0
    everything = ws.tables.delete("t")
    assert everything.rows_deleted == 2
    assert ws.tables.read("t").num_rows == 0
    assert ws.tables.history("t")[0].operation == "DELETE"


def test_delete_with_bad_predicate_is_a_validation_error(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1]}))
    with pytest.raises(ValidationError, match="nope"):
        ws.tables.delete("t", "nope > 1")
    assert ws.tables.read("t").num_rows == 1


def test_writes_to_missing_table_raise_table_not_found(ws: Workspace) -> None:
    data = pa.table({"id": [1]})
    for call in (ws.tables.append, ws.tables.overwrite):
        with pytest.raises(TableNotFoundError):
            call("nope", data)
    with pytest.raises(TableNotFoundError):
        ws.tables.merge("nope", data, on=["id"])
    with pytest.raises(TableNotFoundError):
        ws.tables.delete("nope")


def test_write_result_versions_follow_history(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}), primary_keys=["id"])
    versions = [
        ws.tables.append("t", pa.table({"id": [2], "v": [2.0]})).version,
        ws.tables.merge("t", pa.table({"id": [2], "v": [3.0]})).version,
        ws.tables.delete("t", "id = 1").version,
        ws.tables.overwrite("t", pa.table({"id": [5], "v": [5.0]})).version,
    ]
    assert versions == [1, 2, 3, 4]
    assert [h.version for h in ws.tables.history("t")] == [4, 3, 2, 1, 0]
