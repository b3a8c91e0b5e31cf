"""A feature table made by SQL (a PRIMARY KEY constraint) works with FeatureEngineeringClient
like one made by fe.create_table, including a TIMESERIES key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


@pytest.fixture
def fe(ws: Workspace, ws_path: Path, sql: Sql) -> FeatureEngineeringClient:
    sql(
        "CREATE SCHEMA main.fs;"
        " CREATE TABLE main.fs.cust (id BIGINT NOT NULL, ts TIMESTAMP NOT NULL,"
        " spend DOUBLE COMMENT 'total spend', visits INT,"
        " CONSTRAINT cust_pk PRIMARY KEY (id, ts TIMESERIES)) COMMENT 'customer features';"
        " INSERT INTO main.fs.cust VALUES (1, '2024-01-01', 10.0, 1), (1, '2024-02-01', 20.0, 2),"
        " (2, '2024-01-15', 5.0, 1);"
        " CREATE TABLE main.fs.static (id BIGINT NOT NULL PRIMARY KEY, segment STRING);"
        " INSERT INTO main.fs.static VALUES (1, 'gold'), (2, 'silver')"
    )
    return FeatureEngineeringClient(workspace=ws_path)


def test_get_table(fe: FeatureEngineeringClient) -> None:
    table = fe.get_table(name="main.fs.cust")
    assert table.primary_keys == ["id", "ts"]
    assert table.timestamp_keys == ["ts"]
    assert table.features == ["id", "ts", "spend", "visits"]
    assert table.description == "customer features"


def test_training_set_point_in_time(fe: FeatureEngineeringClient) -> None:
    labels = pd.DataFrame(
        {
            "id": [1, 1, 2],
            "ts": pd.to_datetime(["2024-01-20", "2024-03-01", "2024-01-10"], utc=True),
            "y": [0, 1, 0],
        }
    )
    training = fe.create_training_set(
        df=labels,
        feature_lookups=[
            FeatureLookup(table_name="main.fs.cust", lookup_key="id", timestamp_lookup_key="ts"),
            FeatureLookup(table_name="main.fs.static", lookup_key="id"),
        ],
        label="y",
    )
    frame = training.load_df().sort_values(["id", "ts"]).reset_index(drop=True)
    assert frame["spend"].tolist()[:2] == [10.0, 20.0]
    assert pd.isna(frame["spend"].iloc[2])  # 2024-01-10 is before customer 2's first row
    assert frame["segment"].tolist() == ["gold", "gold", "silver"]


def test_write_table_merges_on_the_keys(fe: FeatureEngineeringClient, sql: Sql) -> None:
    update = pd.DataFrame(
        {
            "id": [1, 3],
            "ts": pd.to_datetime(["2024-02-01", "2024-01-01"], utc=True),
            "spend": [25.0, 1.0],
            "visits": pd.array([3, 1], dtype="int32"),
        }
    )
    fe.write_table(name="main.fs.cust", df=update, mode="merge")
    rows = sql("SELECT id, spend FROM main.fs.cust ORDER BY id, ts").to_pylist()
    assert rows == [
        {"id": 1, "spend": 10.0},
        {"id": 1, "spend": 25.0},
        {"id": 2, "spend": 5.0},
        {"id": 3, "spend": 1.0},
    ]
    assert fe.read_table(name="main.fs.cust").shape == (4, 4)
