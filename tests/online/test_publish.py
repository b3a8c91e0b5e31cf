"""Publishing feature tables to the embedded online store and looking keys up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from lakeforge.errors import OnlineTableNotFoundError, ValidationError
from lakeforge.feature_engineering import FeatureEngineeringClient
from lakeforge.online.store import OnlineStore
from lakeforge.tables.workspace import Workspace

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def fe(ws: Workspace, ws_path: Path) -> FeatureEngineeringClient:
    ws.schemas.create("main", "fs")
    return FeatureEngineeringClient(workspace=ws_path)


def profiles(ids: list[int], score: float = 1.0) -> pa.Table:
    n = len(ids)
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.int64()),
            "score": pa.array([score * i for i in ids], pa.float64()),
            "segment": pa.array([f"s{i % 3}" for i in ids]),
            "active": pa.array([i % 2 == 0 for i in ids]),
            "joined": pa.array([date(2020, 1, 1) + timedelta(days=i) for i in ids], pa.date32()),
            "seen_at": pa.array(
                [T0 + timedelta(hours=i) for i in ids], pa.timestamp("us", tz="UTC")
            ),
            "tags": pa.array([[f"t{i}"] * (i % 3) for i in ids], pa.list_(pa.string())),
            "visits": pa.array([None if i == 3 else i for i in ids][:n], pa.int32()),
        }
    )


def test_publish_then_lookup_many_keys_with_types_and_missing_keys(
    fe: FeatureEngineeringClient,
) -> None:
    fe.create_table(name="main.fs.profile", primary_keys="customer_id", df=profiles([1, 2, 3, 4]))
    result = fe.publish_table(source_table_name="main.fs.profile")
    assert (result.online_table, result.full, result.rows_online) == (
        "main.fs.profile_online",
        True,
        4,
    )
    store = fe.online_store()
    found = store.lookup("main.fs.profile_online", {"customer_id": [4, 99, 1, 4]})
    assert found.column_names == [
        "score",
        "segment",
        "active",
        "joined",
        "seen_at",
        "tags",
        "visits",
    ]
    assert found.schema.equals(profiles([1]).drop(["customer_id"]).schema)
    rows = found.to_pylist()
    assert rows[1] == dict.fromkeys(found.column_names)  # unknown key: nulls, row kept
    assert rows[0] == rows[3] and rows[0]["score"] == 4.0 and rows[0]["tags"] == ["t4"]
    assert rows[2]["seen_at"] == T0 + timedelta(hours=1) and rows[2]["joined"] == date(2020, 1, 2)
    only = store.lookup("main.fs.profile_online", pa.table({"customer_id": [3]}), ["visits"])
    assert only.to_pylist() == [{"visits": None}]


def test_triggered_publish_reads_only_new_files(
    fe: FeatureEngineeringClient, ws: Workspace
) -> None:
    fe.create_table(
        name="main.fs.profile", primary_keys="customer_id", df=profiles(list(range(100)))
    )
    first = fe.publish_table(source_table_name="main.fs.profile")
    fe.write_table(name="main.fs.profile", df=profiles([5, 200], score=10.0))
    second = fe.publish_table(source_table_name="main.fs.profile")
    assert not second.full and second.from_version == first.to_version
    # the merge rewrote the file holding key 5: only files added since version 0 are read
    assert second.rows_read <= 101 and second.rows_online == 101
    values = fe.online_store().lookup("main.fs.profile_online", {"customer_id": [5, 6, 200]})
    assert values.column("score").to_pylist() == [50.0, 6.0, 2000.0]
    again = fe.publish_table(source_table_name="main.fs.profile")
    assert again.rows_read == 0 and again.to_version == second.to_version
    ws.tables.delete("main.fs.profile", "customer_id >= 50")  # deletes force a full copy
    third = fe.publish_table(source_table_name="main.fs.profile")
    assert third.full and third.rows_online == 50
    gone = fe.online_store().lookup("main.fs.profile_online", {"customer_id": [60]})
    assert gone.column("score").to_pylist() == [None]


def events(rows: list[tuple[int, int, float]]) -> pa.Table:
    return pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.int64()),
            "ts": pa.array([T0 + timedelta(days=r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
            "spend": pa.array([r[2] for r in rows]),
        }
    )


def test_timeseries_tables_publish_the_latest_row_and_never_go_back_in_time(
    fe: FeatureEngineeringClient,
) -> None:
    fe.create_table(
        name="main.fs.spend",
        primary_keys=["customer_id", "ts"],
        timeseries_column="ts",
        df=events([(1, 1, 10.0), (1, 5, 50.0), (1, 3, 30.0), (2, 2, 20.0)]),
    )
    fe.publish_table(source_table_name="main.fs.spend", online_table_name="main.fs.spend_now")
    store = fe.online_store()

    def spend() -> list[float | None]:
        return (
            store.lookup("main.fs.spend_now", {"customer_id": [1, 2]}).column("spend").to_pylist()
        )

    assert spend() == [50.0, 20.0]
    # a late-arriving older event for customer 1, and a newer one for customer 2
    fe.write_table(name="main.fs.spend", df=events([(1, 4, 40.0), (2, 9, 90.0)]))
    result = fe.publish_table(
        source_table_name="main.fs.spend", online_table_name="main.fs.spend_now"
    )
    assert not result.full
    assert spend() == [50.0, 90.0]
    table = store.get("main.fs.spend_now")
    assert table.primary_keys == ("customer_id",) and table.timeseries_key == "ts"


def test_publish_errors(fe: FeatureEngineeringClient, ws: Workspace) -> None:
    fe.create_table(name="main.fs.profile", primary_keys="customer_id", df=profiles([1]))
    with pytest.raises(ValidationError, match="filter_condition"):
        fe.publish_table(source_table_name="main.fs.profile", filter_condition="x > 1")
    with pytest.raises(ValidationError, match="continuous"):
        fe.publish_table(source_table_name="main.fs.profile", publish_mode="CONTINUOUS")
    with pytest.raises(ValidationError, match="not one of"):
        fe.publish_table(source_table_name="main.fs.profile", publish_mode="NIGHTLY")
    with pytest.raises(ValidationError, match="63 bytes"):
        fe.publish_table(
            source_table_name="main.fs.profile", online_table_name="main.fs." + "x" * 64
        )
    ws.tables.create("main.fs.plain", data=pa.table({"a": [1]}))
    with pytest.raises(ValidationError, match="no primary key"):
        fe.publish_table(source_table_name="main.fs.plain")
    with pytest.raises(OnlineTableNotFoundError, match="publish it first"):
        OnlineStore(ws.settings.online_db).lookup("main.fs.nope", {"customer_id": [1]})
    fe.publish_table(source_table_name="main.fs.profile")
    with pytest.raises(ValidationError, match=r"needs key columns \['customer_id'\]"):
        fe.online_store().lookup("main.fs.profile_online", {"id": [1]})


def test_single_row_lookups_see_new_publishes_from_other_connections(
    fe: FeatureEngineeringClient, ws: Workspace
) -> None:
    fe.create_table(name="main.fs.profile", primary_keys="customer_id", df=profiles([1, 2]))
    fe.publish_table(source_table_name="main.fs.profile")
    reader = OnlineStore(ws.settings.online_db)  # another connection, as a server would hold
    row = reader.lookup_row("main.fs.profile_online", (2,))
    assert row is not None and row["score"] == 2.0 and row["active"] is True
    assert row["seen_at"] == T0 + timedelta(hours=2) and row["tags"] == ["t2", "t2"]
    assert reader.lookup_row("main.fs.profile_online", (7,)) is None
    fe.write_table(name="main.fs.profile", df=profiles([2], score=5.0))
    fe.publish_table(source_table_name="main.fs.profile")
    assert reader.lookup_row("main.fs.profile_online", (2,), ["score"]) == {"score": 10.0}
