"""The legacy FeatureStoreClient: legacy signatures and names on FeatureEngineeringClient."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lakeforge.errors import (
    InvalidNameError,
    SchemaNotFoundError,
    TableNotFoundError,
    ValidationError,
)
from lakeforge.feature_engineering import FeatureEngineeringClient
from lakeforge.feature_store import FeatureLookup, FeatureStoreClient
from lakeforge.feature_store import client as legacy
from lakeforge.tables.workspace import Workspace

T0 = datetime(2024, 1, 1)


def trips() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zip": [10001, 10001, 10002],
            "ts": [T0, T0 + timedelta(hours=1), T0],
            "mean_fare": [12.5, 14.0, 9.0],
        }
    )


@pytest.fixture
def fs(ws: Workspace, ws_path: Path) -> FeatureStoreClient:
    ws.schemas.create("main", "taxi_db")
    return FeatureStoreClient(workspace=ws_path)


def test_two_level_names_are_databases_of_the_current_catalog(
    fs: FeatureStoreClient, ws: Workspace, ws_path: Path
) -> None:
    table = fs.create_table(
        name="taxi_db.pickup", primary_keys=["zip"], timestamp_keys=["ts"], df=trips()
    )
    assert table.name == "main.taxi_db.pickup"
    assert table.primary_keys == ["zip", "ts"]  # legacy keys + timestamp keys
    assert table.timestamp_keys == ["ts"]
    fe = FeatureEngineeringClient(workspace=ws_path)
    assert fe.get_table(name="main.taxi_db.pickup").table_id == table.table_id
    assert fs.get_table("main.taxi_db.pickup").table_id == table.table_id  # three parts as given
    ws.catalogs.create("dev")
    ws.schemas.create("dev", "taxi_db")
    fs.workspace.use(catalog="dev")
    other = fs.create_table("taxi_db.pickup", "zip", trips(), timestamp_keys="ts")
    assert other.name == "dev.taxi_db.pickup"


def test_missing_database_and_bad_names_name_the_fix(fs: FeatureStoreClient) -> None:
    with pytest.raises(SchemaNotFoundError, match="nope_db") as raised:
        fs.create_table("nope_db.t", primary_keys="zip", df=trips())
    assert "schemas create" in str(raised.value)
    with pytest.raises(InvalidNameError):
        fs.get_table("hive_metastore.taxi_db.pickup")
    with pytest.raises(TableNotFoundError, match=r"taxi_db\.missing"):
        fs.get_table("taxi_db.missing")
    with pytest.raises(ValidationError, match="at most one"):
        fs.create_table("taxi_db.t", "zip", trips(), timestamp_keys=["ts", "mean_fare"])
    with pytest.raises(ValidationError, match="remote feature store"):
        FeatureStoreClient(feature_store_uri="databricks://other-workspace")


def test_legacy_positional_signatures(fs: FeatureStoreClient) -> None:
    fs.create_table("taxi_db.pickup", ["zip"], trips(), timestamp_keys=["ts"])
    more = pd.DataFrame({"zip": [10003], "ts": [T0], "mean_fare": [20.0]})
    fs.write_table("taxi_db.pickup", more, "merge")
    assert len(fs.read_table("taxi_db.pickup")) == 4
    with pytest.raises(ValidationError, match="merge"):
        fs.write_table("taxi_db.pickup", more, mode="append")
    spine = pd.DataFrame(
        {"zip": [10001, 10003], "event_ts": [T0 + timedelta(hours=2), T0], "fare": [13.0, 21.0]}
    )
    lookup = FeatureLookup(
        table_name="taxi_db.pickup",
        feature_names=["mean_fare"],
        lookup_key=["zip"],
        timestamp_lookup_key=["event_ts"],
    )
    training_set = fs.create_training_set(spine, [lookup], "fare", exclude_columns=["event_ts"])
    frame = training_set.load_df()
    assert list(frame.columns) == ["zip", "mean_fare", "fare"]
    assert frame["mean_fare"].tolist() == [14.0, 20.0]


def test_tags_take_table_name(fs: FeatureStoreClient) -> None:
    fs.create_table("taxi_db.pickup", "zip", trips().drop(columns="ts").drop_duplicates("zip"))
    fs.set_feature_table_tag(table_name="taxi_db.pickup", key="team", value="pricing")
    assert fs.get_table("taxi_db.pickup").tags == {"team": "pricing"}
    fs.delete_feature_table_tag(name="taxi_db.pickup", key="team")
    assert fs.get_table("taxi_db.pickup").tags == {}
    with pytest.raises(TypeError, match="exactly once"):
        fs.set_feature_table_tag(key="a", value="b")


def test_create_feature_table_is_the_deprecated_alias(
    fs: FeatureStoreClient, caplog: pytest.LogCaptureFixture
) -> None:
    legacy._noticed.clear()
    with caplog.at_level(logging.WARNING, logger="lakeforge.feature_store"):
        table = fs.create_feature_table(
            name="taxi_db.dropoff", keys="zip", features_df=trips(), timestamp_keys="ts"
        )
        fs.create_feature_table(name="taxi_db.dropoff", keys="zip", features_df=trips())
    assert table.primary_keys == ["zip", "ts"]
    notices = [r.getMessage() for r in caplog.records if "create_feature_table" in r.getMessage()]
    assert len(notices) == 1


def test_publish_table_maps_legacy_modes(fs: FeatureStoreClient) -> None:
    fs.create_table("taxi_db.pickup", ["zip"], trips(), timestamp_keys=["ts"])
    first = fs.publish_table("taxi_db.pickup")
    assert first.source_table == "main.taxi_db.pickup"
    full = fs.publish_table("taxi_db.pickup", mode="overwrite")
    assert full.full
    with pytest.raises(ValidationError, match="'upsert'"):
        fs.publish_table("taxi_db.pickup", mode="upsert")
    with pytest.raises(ValidationError, match="online_store"):
        fs.publish_table("taxi_db.pickup", object())
    looked_up = fs.engineering_client.online_store().lookup(first.online_table, {"zip": [10001]})
    assert looked_up.column("mean_fare").to_pylist() == [14.0]


def test_one_deprecation_notice_per_process(
    ws: Workspace, ws_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    legacy._noticed.clear()
    with caplog.at_level(logging.WARNING, logger="lakeforge.feature_store"):
        FeatureStoreClient(workspace=ws_path)
        FeatureStoreClient(workspace=ws_path)
    notices = [r for r in caplog.records if r.getMessage() == legacy.DEPRECATION]
    assert len(notices) == 1
    assert "FeatureEngineeringClient" in legacy.DEPRECATION


_LEGACY_SCRIPT = """
import json
from datetime import datetime, timedelta

import lakeforge
import mlflow
import mlflow.sklearn
import pandas as pd
from sklearn.linear_model import LinearRegression

from lakeforge.feature_store import FeatureLookup, FeatureStoreClient

# Feature engineering notebook (legacy branch): database, feature table, merge.
T0 = datetime(2024, 1, 1)
lakeforge.sql("CREATE DATABASE IF NOT EXISTS feature_store_taxi_example")
table = "feature_store_taxi_example.trip_pickup_features"
features = pd.DataFrame({
    "zip": [10001, 10002, 10003, 10001],
    "ts": [T0, T0, T0, T0 + timedelta(hours=1)],
    "mean_fare_window_1h_pickup_zip": [10.0, 20.0, 30.0, 12.0],
    "count_trips_window_1h_pickup_zip": [3, 4, 5, 6],
})
fs = FeatureStoreClient()
fs.create_table(name=table, primary_keys=["zip"], timestamp_keys=["ts"], df=features)
fs.write_table(name=table, df=features, mode="merge")

# Training notebook (legacy branch): lookups, positional training set, log_model.
taxi = pd.DataFrame({
    "pickup_zip": [10001, 10002, 10003, 10001] * 5,
    "rounded_pickup_datetime": [T0 + timedelta(minutes=30)] * 3 * 5 + [T0 + timedelta(hours=2)] * 5,
    "trip_distance": [1.0, 2.0, 3.0, 4.0] * 5,
    "fare_amount": [11.0, 22.0, 33.0, 13.0] * 5,
})
lookups = [
    FeatureLookup(
        table_name=table,
        feature_names=["mean_fare_window_1h_pickup_zip", "count_trips_window_1h_pickup_zip"],
        lookup_key=["pickup_zip"],
        timestamp_lookup_key=["rounded_pickup_datetime"],
    )
]
mlflow.set_experiment("/dev-taxi-experiment")
mlflow.end_run()
mlflow.start_run()
training_set = fs.create_training_set(
    taxi, feature_lookups=lookups, label="fare_amount", exclude_columns=["rounded_pickup_datetime"]
)
training_df = training_set.load_df()
x, y = training_df.drop(columns=["fare_amount"]), training_df["fare_amount"]
model = LinearRegression().fit(x, y)
info = fs.log_model(
    model=model,
    artifact_path="model_packaged",
    flavor=mlflow.sklearn,
    training_set=training_set,
    registered_model_name="dev-taxi-model",
)
mlflow.end_run()

# Validation notebook: a second client scores the registered version, positionally.
model_uri = f"models:/main.default.dev-taxi-model/{info.registered_model_version}"
scored = FeatureStoreClient().score_batch(model_uri, taxi.drop(columns=["fare_amount"]))
print(json.dumps({"table": fs.get_table(table).name, "columns": list(scored.columns),
                  "rows": len(scored), "version": info.registered_model_version}))
"""


@pytest.mark.slow
def test_legacy_notebook_flow_in_a_fresh_process(tmp_path: Path) -> None:
    import json

    from _script import assert_nothing_outside, run_script

    folder = tmp_path / "project"
    done = run_script(folder, _LEGACY_SCRIPT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["table"] == "main.feature_store_taxi_example.trip_pickup_features"
    assert result["columns"][-3:] == [
        "mean_fare_window_1h_pickup_zip",
        "count_trips_window_1h_pickup_zip",
        "prediction",
    ]
    assert result["rows"] == 20 and result["version"] == 1
    assert done.stderr.count("is the legacy client") == 1  # one notice, two clients
    assert_nothing_outside(folder)
