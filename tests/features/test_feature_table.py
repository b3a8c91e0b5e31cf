"""Feature tables: names, create, FeatureTable entity, merge-only writes, reads, drop, tags,
NaN/Inf/null reporting (api-compat §1.4-1.8, guardrails rows 6 and 11)."""

from __future__ import annotations

import logging
import math
import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from lakeforge.errors import (
    CatalogNotFoundError,
    DuplicateKeyError,
    InvalidNameError,
    SchemaMismatchError,
    SchemaNotFoundError,
    TableNotFoundError,
    ValidationError,
    VersionNotFoundError,
)
from lakeforge.features.feature_table import (
    FEATURE_TABLE_PROPERTY,
    NULL_KEYS_PROPERTY,
    FeatureTable,
    FeatureTableWarning,
    create_feature_table,
    delete_feature_table_tag,
    drop_feature_table,
    get_feature_table,
    read_feature_table,
    resolve_feature_table_name,
    set_feature_table_tag,
    write_feature_table,
)
from lakeforge.features.quality import ColumnQuality, WriteQuality
from lakeforge.tables.workspace import Workspace, init_workspace

KINDS = ["pandas", "polars", "arrow"]
T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 1, 2, tzinfo=UTC)


def frame(kind: str, data: dict[str, list[Any]]) -> Any:
    """The same columns as a pandas, polars or pyarrow frame (int gaps → nullable Int64)."""
    if kind == "pandas":
        return pd.DataFrame(
            {
                name: pd.array(values, dtype="Int64")
                if None in values and all(isinstance(v, int) for v in values if v is not None)
                else values
                for name, values in data.items()
            }
        )
    if kind == "polars":
        return pl.DataFrame(data)
    return pa.table(data)


def rows(ws: Workspace, name: str, *keys: str) -> list[dict[str, Any]]:
    table = read_feature_table(ws, name)
    result: list[dict[str, Any]] = table.sort_by(
        [(k, "ascending") for k in keys or ("id",)]
    ).to_pylist()
    return result


def simple(ws: Workspace, name: str = "f", **kwargs: Any) -> FeatureTable:
    df = pa.table({"id": [1, 2], "x": [1.0, 2.0], "s": ["a", "b"]})
    return create_feature_table(ws, name, "id", df=df, **kwargs)


def timeseries(ws: Workspace, name: str = "ts") -> FeatureTable:
    df = pa.table({"id": [1, 1], "ts": [T0, T1], "v": [1.0, 2.0]})
    return create_feature_table(ws, name, ["id", "ts"], df=df, timeseries_column="ts")


# -- name resolution (§1.4) -----------------------------------------------------------------


def test_one_part_name_takes_the_current_catalog_and_schema(ws: Workspace) -> None:
    assert resolve_feature_table_name(ws, "Users").full == "main.default.users"
    assert simple(ws, "Users").name == "main.default.users"


def test_three_part_name_is_used_as_is(ws: Workspace) -> None:
    ws.schemas.create("main", "gold")
    table = simple(ws, "main.gold.f")
    assert table.name == "main.gold.f"
    assert get_feature_table(ws, "MAIN.GOLD.F").table_id == table.table_id


def test_two_part_name_is_refused_with_the_three_part_form(ws: Workspace) -> None:
    with pytest.raises(InvalidNameError, match=r"two parts.*main\.default\.f"):
        resolve_feature_table_name(ws, "default.f")
    with pytest.raises(InvalidNameError, match="two parts"):
        simple(ws, "default.f")


def test_legacy_catalogs_are_refused(ws: Workspace) -> None:
    for name in ("hive_metastore.default.f", "SPARK_CATALOG.default.f"):
        with pytest.raises(InvalidNameError, match="legacy Hive metastore") as info:
            resolve_feature_table_name(ws, name)
        assert "main.default.f" in str(info.value)


def test_two_parts_parse_under_a_legacy_current_catalog_but_stay_refused(tmp_path: Path) -> None:
    legacy = init_workspace(tmp_path / "legacy", current_catalog="hive_metastore")
    try:
        for name in ("default.f", "f"):
            with pytest.raises(InvalidNameError, match=r"'hive_metastore' \(catalog\) is a legacy"):
                resolve_feature_table_name(legacy, name)
        assert resolve_feature_table_name(legacy, "main.default.f").full == "main.default.f"
    finally:
        legacy.close()


@pytest.mark.parametrize("name", ["a b", "a/b", "main.default.a\x07", "a.b.c.d"])
def test_invalid_name_parts_are_refused(ws: Workspace, name: str) -> None:
    with pytest.raises(InvalidNameError):
        resolve_feature_table_name(ws, name)


def test_missing_catalog_schema_and_table_are_named(ws: Workspace) -> None:
    with pytest.raises(CatalogNotFoundError, match="'nocat'"):
        simple(ws, "nocat.default.f")
    with pytest.raises(SchemaNotFoundError, match="nosch"):
        simple(ws, "main.nosch.f")
    with pytest.raises(TableNotFoundError, match=r"'main\.default\.nope'"):
        get_feature_table(ws, "nope")


# -- create (§1.5) and the FeatureTable entity (§1.6) ------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_create_returns_the_reference_entity(ws: Workspace, kind: str) -> None:
    before = int(time.time() * 1000)
    df = frame(kind, {"id": [1, 2], "region": ["eu", "us"], "x": [0.5, 1.5]})
    table = create_feature_table(
        ws, "f", "id", df=df, partition_columns="region", description="d", tags={"team": "ml"}
    )
    assert table.name == "main.default.f"
    assert table.primary_keys == table.keys == ["id"]
    assert table.partition_columns == ["region"]
    assert table.features == ["id", "region", "x"]
    assert table.description == "d"
    assert table.tags == {"team": "ml"}
    assert table.timestamp_keys == []
    assert table.online_stores == table.notebook_producers == table.job_producers == []
    assert table.table_data_sources == table.path_data_sources == table.custom_data_sources == []
    assert table.table_id and table.creation_timestamp is not None
    assert before - 1000 <= table.creation_timestamp <= int(time.time() * 1000) + 1000
    assert table.delta_version == 0
    assert rows(ws, "f") == [
        {"id": 1, "region": "eu", "x": 0.5},
        {"id": 2, "region": "us", "x": 1.5},
    ]
    info = ws.tables.get("f")
    assert info.properties[FEATURE_TABLE_PROPERTY] is True
    assert [c.nullable for c in info.columns] == [False, True, True]


def test_timeseries_key_is_part_of_primary_keys(ws: Workspace) -> None:
    table = timeseries(ws)
    assert table.primary_keys == ["id", "ts"]
    assert table.timestamp_keys == ["ts"]
    assert get_feature_table(ws, "ts") == table


def test_timeseries_column_must_be_a_primary_key(ws: Workspace) -> None:
    df = pa.table({"id": [1], "ts": [T0]})
    with pytest.raises(ValidationError, match=r"'ts' is not one of the primary keys \['id'\]") as e:
        create_feature_table(ws, "f", "id", df=df, timeseries_column="ts")
    assert "primary_keys=['id', 'ts']" in str(e.value)


@pytest.mark.parametrize("legacy", ["timestamp_keys", "timeseries_columns"])
def test_legacy_timeseries_kwargs_are_unwrapped(ws: Workspace, legacy: str) -> None:
    df = pa.table({"id": [1], "ts": [T0], "v": [1.0]})
    legacy_kwargs: dict[str, Any] = {legacy: ["ts"]}
    table = create_feature_table(ws, "f", ["id", "ts"], df=df, **legacy_kwargs)
    assert table.timestamp_keys == ["ts"]


def test_legacy_timeseries_kwargs_take_one_column(ws: Workspace) -> None:
    df = pa.table({"id": [1], "ts": [T0], "t2": [T1]})
    with pytest.raises(
        ValidationError, match=r"names 2 timeseries columns.*timeseries_column='ts'"
    ):
        create_feature_table(ws, "f", ["id", "ts", "t2"], df=df, timestamp_keys=["ts", "t2"])
    with pytest.raises(ValidationError, match="disagree"):
        create_feature_table(
            ws, "f", ["id", "ts", "t2"], df=df, timeseries_column="ts", timeseries_columns=["t2"]
        )


def test_features_df_is_deprecated_but_works(ws: Workspace) -> None:
    df = pa.table({"id": [1], "x": [1.0]})
    with pytest.warns(FeatureTableWarning, match="features_df is deprecated; pass df"):
        table = create_feature_table(ws, "f", "id", features_df=df)
    assert table.features == ["id", "x"]
    with pytest.raises(ValidationError, match="both df and features_df"):
        create_feature_table(ws, "g", "id", df=df, features_df=df)


def test_path_and_unknown_kwargs_are_refused(ws: Workspace) -> None:
    df = pa.table({"id": [1]})
    with pytest.raises(ValidationError, match=r"path='/tmp/x' is not supported.*leave out path"):
        create_feature_table(ws, "f", "id", df=df, path="/tmp/x")
    with pytest.raises(TypeError, match=r"\['bogus', 'mode'\]"):
        create_feature_table(ws, "f", "id", df=df, mode="x", bogus=1)
    assert not ws.metadata.tables.exists(ws.tables.resolve("f"))


def test_primary_keys_must_be_given_once_each(ws: Workspace) -> None:
    df = pa.table({"id": [1], "x": [1.0]})
    with pytest.raises(ValidationError, match="primary_keys is empty"):
        create_feature_table(ws, "f", [], df=df)
    with pytest.raises(ValidationError, match=r"\['id'\] more than once"):
        create_feature_table(ws, "f", ["id", "x", "id"], df=df)
    with pytest.raises(ValidationError, match="null_keys='skip' is not a policy"):
        create_feature_table(ws, "f", "id", df=df, null_keys="skip")  # type: ignore[arg-type]


def test_df_or_schema_is_required_and_they_must_agree(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="neither df nor schema"):
        create_feature_table(ws, "f", "id")
    df = pa.table({"id": [1], "x": [1.0]})
    with pytest.raises(SchemaMismatchError, match=r"schema columns \['id', 'y'\] differ"):
        create_feature_table(ws, "f", "id", df=df, schema="id bigint, y double")
    table = create_feature_table(ws, "f", "id", df=df, schema="x double, id bigint")
    assert table.features == ["x", "id"]


@pytest.mark.parametrize(
    "schema",
    ["id bigint, ts timestamp, v double", pa.schema([("id", pa.int64()), ("v", pa.float64())])],
)
def test_create_from_schema_only_makes_an_empty_table(ws: Workspace, schema: Any) -> None:
    ts = "ts" if isinstance(schema, str) else None
    keys = ["id", "ts"] if ts else ["id"]
    table = create_feature_table(ws, "f", keys, schema=schema, timeseries_column=ts)
    assert table.quality is None
    assert read_feature_table(ws, "f").num_rows == 0
    assert ws.tables.get("f").properties[FEATURE_TABLE_PROPERTY] is True


@pytest.mark.parametrize(
    ("keys", "ts", "parts", "named"),
    [
        (["nope"], None, None, "'nope' (primary key)"),
        (["id", "when"], "when", None, "'when' (timeseries column)"),
        (["id"], None, ["zone"], "'zone' (partition column)"),
    ],
)
def test_missing_role_columns_are_named_with_their_role(
    ws: Workspace, keys: list[str], ts: str | None, parts: list[str] | None, named: str
) -> None:
    df = pa.table({"id": [1], "x": [1.0]})
    with pytest.raises(SchemaMismatchError, match=r"are not in \['id', 'x'\]") as info:
        create_feature_table(ws, "f", keys, df=df, timeseries_column=ts, partition_columns=parts)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        (pa.array([1], pa.int8()), "tinyint"),
        (pa.array([1], pa.time64("us")), "time64[us]"),
        (pa.array([1], pa.duration("s")), "duration[s]"),
    ],
)
def test_unsupported_types_are_named(ws: Workspace, column: pa.Array, shown: str) -> None:
    df = pa.table({"id": [1], "bad": column})
    with pytest.raises(SchemaMismatchError, match=re.escape(f"'bad' ({shown})")) as info:
        create_feature_table(ws, "f", "id", df=df)
    assert "cast them to a supported type" in str(info.value)


def test_supported_nested_and_scalar_types_are_accepted(ws: Workspace) -> None:
    df = pa.table(
        {
            "id": pa.array([1], pa.int16()),
            "arr": [[1.0, 2.0]],
            "m": pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int64())),
            "st": [{"a": 1, "b": "x"}],
            "bin": [b"\x00"],
            "d": [date(2024, 1, 1)],
            "flag": [True],
            "f32": pa.array([1.5], pa.float32()),
        }
    )
    assert create_feature_table(ws, "f", "id", df=df).features == df.column_names


def test_timeseries_column_must_be_a_date_or_timestamp(ws: Workspace) -> None:
    df = pa.table({"id": [1], "t": [5]})
    with pytest.raises(SchemaMismatchError, match="timeseries column 't' is bigint") as info:
        create_feature_table(ws, "f", ["id", "t"], df=df, timeseries_column="t")
    assert "date or timestamp" in str(info.value)


@pytest.mark.parametrize("value", [date(2024, 1, 1), T0, datetime(2024, 1, 1)])
def test_undeclared_date_or_timestamp_key_warns_with_the_fix(ws: Workspace, value: Any) -> None:
    df = pa.table({"id": [1], "day": [value], "v": [1.0]})
    with pytest.warns(FeatureTableWarning, match=r"primary key 'day'.*timeseries_column='day'"):
        create_feature_table(ws, "f", ["id", "day"], df=df)


def test_declared_timeseries_key_does_not_warn(ws: Workspace) -> None:
    timeseries(ws)  # filterwarnings=error: any warning fails the test


def test_create_is_idempotent_and_leaves_the_table_alone(
    ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    first = simple(ws)
    caplog.set_level(logging.INFO, "lakeforge.features")
    other = pa.table({"id": [9], "y": ["different schema"]})
    again = create_feature_table(ws, "f", ["y"], df=other, description="ignored")
    assert again == first
    assert again.delta_version == 0
    assert [r["id"] for r in rows(ws, "f")] == [1, 2]
    assert any(
        "already exists" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records
    )


def test_create_over_a_table_without_primary_key_is_an_error(ws: Workspace) -> None:
    ws.tables.create("plain", data=pa.table({"id": [1]}))
    with pytest.raises(ValidationError, match="not a feature table: it has no primary key"):
        create_feature_table(ws, "plain", "id", df=pa.table({"id": [1]}))


def test_decimals_become_float64_and_keep_their_original_type(ws: Workspace) -> None:
    df = pa.table({"id": [1, 2], "price": pa.array([Decimal("1.25"), None], pa.decimal128(10, 2))})
    create_feature_table(ws, "f", "id", df=df)
    field = pa.schema(ws.tables.snapshot("f").schema().to_arrow()).field("price")
    assert field.type == pa.float64()
    assert (field.metadata or {})[b"lakeforge.original_type"] == b"decimal(10,2)"
    assert [r["price"] for r in rows(ws, "f")] == [1.25, None]
    create_feature_table(ws, "g", "id", schema="id bigint, amount decimal(12,4)")
    assert [c.data_type for c in ws.tables.get("g").columns] == ["bigint", "double"]


@pytest.mark.parametrize("kind", KINDS)
def test_null_primary_keys_are_rejected_with_counts(ws: Workspace, kind: str) -> None:
    df = frame(kind, {"id": [1, None, None, 4], "k": ["a", "b", None, "d"], "x": [1.0] * 4})
    with pytest.raises(ValidationError, match=r"2 row\(s\).*\{'id': 2, 'k': 1\}") as info:
        create_feature_table(ws, "f", ["id", "k"], df=df)
    assert "null_keys='drop'" in str(info.value)
    assert not ws.metadata.tables.exists(ws.tables.resolve("f"))


@pytest.mark.parametrize("kind", KINDS)
def test_null_primary_keys_can_be_dropped_and_are_counted(
    ws: Workspace, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "lakeforge.features")
    df = frame(kind, {"id": [1, None, 3], "x": [1.0, 2.0, 3.0]})
    table = create_feature_table(ws, "f", "id", df=df, null_keys="drop")
    assert [r["id"] for r in rows(ws, "f")] == [1, 3]
    assert table.quality is not None
    assert table.quality.dropped_null_key_rows == 1
    assert table.quality.rows == 2
    assert any(
        "dropped 1 row(s) with null primary keys" in r.getMessage() and r.levelname == "WARNING"
        for r in caplog.records
    )


def test_the_null_key_policy_is_declared_with_the_table(ws: Workspace) -> None:
    df = pa.table({"id": [1, None], "x": [1.0, 2.0]})
    create_feature_table(ws, "f", "id", df=df, null_keys="drop")
    assert ws.tables.get("f").properties[NULL_KEYS_PROPERTY] == "drop"
    write_feature_table(ws, "f", pa.table({"id": [None, 3], "x": [9.0, 3.0]}))
    assert [r["id"] for r in rows(ws, "f")] == [1, 3]
    with pytest.raises(ValidationError, match=r"\{'id': 1\}"):
        write_feature_table(ws, "f", pa.table({"id": [None], "x": [1.0]}), null_keys="error")
    simple(ws, "g")
    with pytest.raises(ValidationError, match="null primary key"):
        write_feature_table(ws, "g", pa.table({"id": [None], "x": [1.0]}))


def test_null_timeseries_values_warn_with_the_count(ws: Workspace) -> None:
    df = pa.table({"id": [1, 2, 3], "ts": [T0, None, None]})
    with (
        pytest.warns(FeatureTableWarning, match=r"2 row\(s\).*null timeseries value in 'ts'"),
        pytest.raises(ValidationError, match="null primary key"),
    ):
        create_feature_table(ws, "f", ["id", "ts"], df=df, timeseries_column="ts")


def test_duplicate_keys_at_create_are_refused(ws: Workspace) -> None:
    with pytest.raises(DuplicateKeyError, match=r"\['id'\]"):
        create_feature_table(ws, "f", "id", df=pa.table({"id": [1, 1], "x": [1.0, 2.0]}))


def test_bad_tags_are_refused(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="'n': 1"):
        simple(ws, tags={"n": 1})


# -- get / what is a feature table --------------------------------------------------------


def test_a_table_without_primary_key_is_not_a_feature_table(ws: Workspace) -> None:
    ws.tables.create("plain", data=pa.table({"id": [1], "x": [1.0]}))
    for call in (
        lambda: get_feature_table(ws, "plain"),
        lambda: read_feature_table(ws, "plain"),
        lambda: write_feature_table(ws, "plain", pa.table({"id": [2], "x": [1.0]})),
        lambda: set_feature_table_tag(ws, "plain", "a", "b"),
    ):
        with pytest.raises(ValidationError, match=r"'main\.default\.plain' is not a feature") as e:
            call()
        assert "primary_keys=[...]" in str(e.value)


def test_a_table_with_a_primary_key_made_elsewhere_is_a_feature_table(ws: Workspace) -> None:
    ws.tables.create("keyed", data=pa.table({"id": [1], "x": [1.0]}), primary_keys=["id"])
    assert get_feature_table(ws, "keyed").primary_keys == ["id"]
    assert get_feature_table(ws, "keyed").quality is None


def test_feature_table_entity_is_frozen(ws: Workspace) -> None:
    table = simple(ws)
    with pytest.raises(AttributeError):
        table.name = "other"  # type: ignore[misc]


# -- write (§1.7) --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["merge", " MERGE ", "Merge\n"])
def test_merge_mode_is_compared_loosely(ws: Workspace, mode: str) -> None:
    simple(ws)
    result = write_feature_table(ws, "f", pa.table({"id": [3], "x": [3.0]}), mode=mode)
    assert result.operation == "MERGE"
    assert result.rows_inserted == 1


@pytest.mark.parametrize("mode", ["overwrite", "append", ""])
def test_other_modes_are_refused_with_how_to_overwrite(ws: Workspace, mode: str) -> None:
    simple(ws)
    with pytest.raises(ValidationError, match=f"write mode {mode!r} is not supported") as info:
        write_feature_table(ws, "f", pa.table({"id": [3]}), mode=mode)
    assert "delete the rows" in str(info.value)
    assert "drop_feature_table" in str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_merge_overwrites_given_columns_and_inserts_new_keys(ws: Workspace, kind: str) -> None:
    create_feature_table(
        ws, "f", "id", df=frame(kind, {"id": [1, 2], "x": [1.0, 2.0], "s": ["a", "b"]})
    )
    result = write_feature_table(ws, "f", frame(kind, {"id": [2, 3], "x": [None, 3.0]}))
    assert (result.rows_updated, result.rows_inserted) == (1, 1)
    assert rows(ws, "f") == [
        {"id": 1, "x": 1.0, "s": "a"},  # untouched
        {"id": 2, "x": None, "s": "b"},  # df null overwrites, absent column keeps its value
        {"id": 3, "x": 3.0, "s": None},  # inserted, absent column is null
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_new_columns_are_added(ws: Workspace, kind: str) -> None:
    simple(ws)
    result = write_feature_table(ws, "f", frame(kind, {"id": [1], "extra": [7]}))
    assert result.added_columns == ("extra",)
    assert get_feature_table(ws, "f").features == ["id", "x", "s", "extra"]
    assert [r["extra"] for r in rows(ws, "f")] == [7, None]


def test_duplicate_keys_in_df_name_the_keys(ws: Workspace) -> None:
    timeseries(ws)
    df = pa.table({"id": [1, 1], "ts": [T0, T0], "v": [1.0, 2.0]})
    with pytest.raises(DuplicateKeyError, match=r"\['id', 'ts'\]"):
        write_feature_table(ws, "ts", df)


@pytest.mark.parametrize("kind", KINDS)
def test_missing_key_column_is_listed_with_the_df_schema(ws: Workspace, kind: str) -> None:
    simple(ws, partition_columns=["s"])
    with pytest.raises(
        SchemaMismatchError, match=r"missing key column\(s\) 'id' \(primary key\)"
    ) as e:
        write_feature_table(ws, "f", frame(kind, {"x": [1.0], "s": ["a"]}))
    assert "df schema: x double, s string" in str(e.value)
    with pytest.raises(SchemaMismatchError, match=r"'s' \(partition column\)"):
        write_feature_table(ws, "f", frame(kind, {"id": [1], "x": [1.0]}))


def _int32_ids(kind: str) -> Any:
    if kind == "pandas":
        return pd.DataFrame({"id": pd.array([1], dtype="int32"), "x": [1.0]})
    if kind == "polars":
        return pl.DataFrame({"id": [1], "x": [1.0]}, schema={"id": pl.Int32, "x": pl.Float64})
    return pa.table({"id": pa.array([1], pa.int32()), "x": [1.0]})


@pytest.mark.parametrize("kind", KINDS)
def test_key_types_must_match_exactly(ws: Workspace, kind: str) -> None:
    simple(ws)
    with pytest.raises(SchemaMismatchError, match="'id' is int in df, bigint in the table") as e:
        write_feature_table(ws, "f", _int32_ids(kind))
    message = str(e.value)
    assert "df schema: id int, x double" in message
    assert "cast 'id' to bigint" in message
    assert [r["x"] for r in rows(ws, "f")] == [1.0, 2.0]


def test_timestamp_key_with_another_timezone_kind_is_mistyped(ws: Workspace) -> None:
    timeseries(ws)
    df = pa.table({"id": [1], "ts": [datetime(2024, 1, 3)], "v": [1.0]})
    with pytest.raises(SchemaMismatchError, match="'ts' is timestamp_ntz in df, timestamp in"):
        write_feature_table(ws, "ts", df)


def test_timeseries_tables_need_every_column(ws: Workspace) -> None:
    timeseries(ws)
    with pytest.raises(SchemaMismatchError, match=r"df lacks \['v'\]"):
        write_feature_table(ws, "ts", pa.table({"id": [2], "ts": [T0]}))
    write_feature_table(ws, "ts", pa.table({"id": [2], "ts": [T0], "v": [None], "new": [1]}))
    assert rows(ws, "ts", "id", "ts")[-1] == {"id": 2, "ts": T0, "v": None, "new": 1}


def test_incompatible_types_name_column_and_both_types(ws: Workspace) -> None:
    simple(ws)
    with pytest.raises(SchemaMismatchError, match="'x' is string in the data but double in the"):
        write_feature_table(ws, "f", pa.table({"id": [1], "x": ["oops"]}))


def test_lossless_feature_widening_is_allowed_and_reported(ws: Workspace) -> None:
    simple(ws)
    result = write_feature_table(ws, "f", pa.table({"id": [1], "x": pa.array([5], pa.int32())}))
    assert [str(c) for c in result.casts] == ["x: int -> double (1 rows, widened)"]


def test_case_only_column_differences_are_refused(ws: Workspace) -> None:
    simple(ws)
    with pytest.raises(SchemaMismatchError, match="'X' vs table 'x'"):
        write_feature_table(ws, "f", pa.table({"id": [1], "X": [1.0]}))
    with pytest.raises(SchemaMismatchError, match="'ID' vs table 'id'"):
        write_feature_table(ws, "f", pa.table({"ID": [1], "x": [1.0]}))


def test_null_timeseries_values_on_write_warn_then_follow_the_policy(ws: Workspace) -> None:
    timeseries(ws)
    df = pa.table({"id": [5, 6, 7], "ts": [T0, None, T1], "v": [1.0, 2.0, 3.0]})
    with (
        pytest.warns(FeatureTableWarning, match=r"1 row\(s\).*'ts'; they are rejected"),
        pytest.raises(ValidationError, match=r"\{'ts': 1\}"),
    ):
        write_feature_table(ws, "ts", df)
    with pytest.warns(FeatureTableWarning, match=r"1 row\(s\).*they are dropped"):
        write_feature_table(ws, "ts", df, null_keys="drop")
    assert [r["id"] for r in rows(ws, "ts", "id", "ts")] == [1, 1, 5, 7]
    quality = get_feature_table(ws, "ts").quality
    assert quality is not None
    assert (quality.rows, quality.dropped_null_key_rows) == (2, 1)


def test_write_to_a_missing_table_names_it(ws: Workspace) -> None:
    with pytest.raises(TableNotFoundError, match=r"'main\.default\.ghost'"):
        write_feature_table(ws, "ghost", pa.table({"id": [1]}))


# -- NaN / Inf / null reporting (guardrail 6) ----------------------------------------------

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("kind", ["polars", "arrow"])
def test_quality_counts_are_exact(ws: Workspace, kind: str) -> None:
    df = frame(
        kind,
        {
            "id": [1, 2, 3, 4, 5, 6],
            "x": [NAN, INF, -INF, None, NAN, 1.0],
            "s": ["a", None, None, "b", "c", "d"],
            "n": [1, 2, 3, 4, 5, 6],
        },
    )
    table = create_feature_table(ws, "f", "id", df=df)
    assert table.quality == WriteQuality(
        version=0,
        rows=6,
        columns={
            "x": ColumnQuality(nulls=1, nans=2, pos_infs=1, neg_infs=1),
            "s": ColumnQuality(nulls=2),
            "n": ColumnQuality(),
        },
    )
    df2 = frame(kind, {"id": [7, 8], "x": [-INF, -INF]})
    result = write_feature_table(ws, "f", df2)
    assert get_feature_table(ws, "f").quality == WriteQuality(
        version=result.version, rows=2, columns={"x": ColumnQuality(neg_infs=2)}
    )
    stored = read_feature_table(ws, "f").sort_by("id").column("x").to_pylist()
    assert math.isnan(stored[0])
    assert stored[1:4] == [INF, -INF, None]  # NaN/Inf are reported, never rewritten


def test_pandas_nan_is_counted_as_null(ws: Workspace) -> None:
    df = pd.DataFrame({"id": [1, 2, 3], "x": [NAN, INF, 1.0]})
    table = create_feature_table(ws, "f", "id", df=df)
    assert table.quality is not None
    assert table.quality.columns == {"x": ColumnQuality(nulls=1, pos_infs=1)}


def test_quality_is_logged_once_per_write(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "lakeforge.features")
    simple(ws)
    write_feature_table(ws, "f", pa.table({"id": [3], "x": [NAN]}))
    lines = [r for r in caplog.records if r.name == "lakeforge.features"]
    assert [r.levelname for r in lines] == ["INFO", "WARNING"]
    assert "no NaN/Inf/null values" in lines[0].getMessage()
    assert "x: nan=1 +inf=0 -inf=0 null=0" in lines[1].getMessage()
    assert "main.default.f" in lines[1].getMessage()


def test_quality_survives_reopening_the_workspace(ws: Workspace, ws_path: Path) -> None:
    create_feature_table(ws, "f", "id", df=pa.table({"id": [1, 2], "x": [NAN, None]}))
    reopened = Workspace.open(ws_path)
    try:
        quality = get_feature_table(reopened, "f").quality
    finally:
        reopened.close()
    assert quality is not None
    assert quality.columns == {"x": ColumnQuality(nulls=1, nans=1)}


# -- read (§1.8) ---------------------------------------------------------------------------


def test_read_refuses_unknown_kwargs(ws: Workspace) -> None:
    simple(ws)
    with pytest.raises(TypeError, match=r"\['as_of', 'version'\].*as_of_delta_timestamp"):
        read_feature_table(ws, "f", version=0, as_of="x")


def test_read_as_of_a_delta_timestamp_time_travels(ws: Workspace) -> None:
    simple(ws)
    time.sleep(0.05)  # commit timestamps are milliseconds: keep the two versions apart
    write_feature_table(ws, "f", pa.table({"id": [1, 3], "x": [10.0, 30.0]}))
    first, second = sorted(ws.tables.history("f"), key=lambda h: h.version)
    old = read_feature_table(ws, "f", as_of_delta_timestamp=first.timestamp)
    assert old.sort_by("id").column("x").to_pylist() == [1.0, 2.0]
    iso = second.timestamp.astimezone(UTC).isoformat()
    assert read_feature_table(ws, "f", as_of_delta_timestamp=iso).num_rows == 3
    assert read_feature_table(ws, "f").num_rows == 3
    with pytest.raises(VersionNotFoundError):
        read_feature_table(ws, "f", as_of_delta_timestamp="2000-01-01T00:00:00")


# -- drop and tags (§1.8) ------------------------------------------------------------------


def test_drop_warns_and_removes_the_table(ws: Workspace) -> None:
    simple(ws)
    with pytest.warns(FeatureTableWarning, match=r"'main\.default\.f'.*online tables"):
        drop_feature_table(ws, "f")
    with pytest.raises(TableNotFoundError, match=r"'main\.default\.f'"):
        drop_feature_table(ws, "f")
    simple(ws)  # the name is free again


def test_drop_refuses_plain_tables_and_points_to_the_table_api(ws: Workspace) -> None:
    ws.tables.create("plain", data=pa.table({"id": [1]}))
    with pytest.raises(ValidationError, match=r"not a feature table.*ws\.tables\.drop\('main"):
        drop_feature_table(ws, "plain")
    assert ws.tables.read("plain").num_rows == 1


def test_tags_set_replace_and_delete(ws: Workspace) -> None:
    simple(ws, tags={"team": "ml"})
    set_feature_table_tag(ws, "f", "owner", "ana")
    set_feature_table_tag(ws, "f", "team", "ds")
    assert get_feature_table(ws, "f").tags == {"team": "ds", "owner": "ana"}
    delete_feature_table_tag(ws, "f", "team")
    assert get_feature_table(ws, "f").tags == {"owner": "ana"}
    assert ws.tables.get("f").tags == {"owner": "ana"}  # the same store as table tags


def test_deleting_a_missing_tag_only_warns(ws: Workspace) -> None:
    simple(ws, tags={"team": "ml"})
    with pytest.warns(FeatureTableWarning, match=r"no tag 'nope'.*\['team'\]"):
        delete_feature_table_tag(ws, "f", "nope")
    assert get_feature_table(ws, "f").tags == {"team": "ml"}


def test_tag_values_must_be_strings(ws: Workspace) -> None:
    simple(ws)
    with pytest.raises(ValidationError, match="'k': 3"):
        set_feature_table_tag(ws, "f", "k", 3)  # type: ignore[arg-type]
