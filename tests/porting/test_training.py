"""The reference training notebook, as a script: MLflow first, then the feature client.

The order is the reference template's: set the experiment and the ``databricks-uc`` registry
(kept: it means the workspace registry here, see docs/porting.md), start a run,
build the training set inside it, train a LightGBM booster, log it with ``fe.log_model`` under a
three-level name, then find the latest version with ``MlflowClient().search_model_versions``.
Nothing here names a store: the run, its metrics and the version must land in the workspace.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, mlflow_rows, run_script

_TRAIN = """
import json

import lightgbm as lgb
import mlflow
import mlflow.lightgbm
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.model_selection import train_test_split

from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

# The feature table (in the reference, another job writes it).
rng = np.random.default_rng(3)
zips = pd.DataFrame({
    "pickup_zip": np.arange(40, dtype="int64"),
    "mean_fare_1h": rng.uniform(5, 50, 40),
    "trips_1h": rng.integers(1, 30, 40).astype("float64"),
})
FeatureEngineeringClient().create_table(
    name="main.default.pickup_features", primary_keys=["pickup_zip"], df=zips
)

mlflow.set_experiment("/Users/dev/taxi-training")
mlflow.set_registry_uri("databricks-uc")
model_name = "main.default.taxi_fare"

trips = pd.DataFrame({"pickup_zip": rng.integers(0, 40, 400).astype("int64")})
trips["fare_amount"] = zips["mean_fare_1h"].to_numpy()[trips["pickup_zip"]] + rng.normal(0, 1, 400)

mlflow.end_run()
with mlflow.start_run() as run:
    fe = FeatureEngineeringClient()
    training_set = fe.create_training_set(
        df=trips,
        feature_lookups=[
            FeatureLookup(
                table_name="main.default.pickup_features",
                feature_names=["mean_fare_1h", "trips_1h"],
                lookup_key=["pickup_zip"],
            )
        ],
        label="fare_amount",
        exclude_columns=["pickup_zip"],
    )
    data = training_set.load_df()
    train, test = train_test_split(data, random_state=123)
    X_train, y_train = train.drop(["fare_amount"], axis=1), train.fare_amount
    X_test, y_test = test.drop(["fare_amount"], axis=1), test.fare_amount
    params = {"num_leaves": 8, "objective": "regression", "metric": "rmse", "verbose": -1}
    model = lgb.train(params, lgb.Dataset(X_train, label=y_train.values), 20)
    mlflow.log_params(params)
    rmse = float(np.sqrt(np.mean((model.predict(X_test) - y_test.to_numpy()) ** 2)))
    mlflow.log_metric("test_rmse", rmse)
    fe.log_model(
        model=model,
        artifact_path="model_packaged",
        flavor=mlflow.lightgbm,
        training_set=training_set,
        registered_model_name=model_name,
    )

latest = max(int(mv.version) for mv in MlflowClient().search_model_versions(f"name='{model_name}'"))
print("RESULT", json.dumps({"run_id": run.info.run_id, "version": latest, "rmse": rmse}))
"""


@pytest.mark.slow
def test_reference_training_order_lands_in_the_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(folder, _TRAIN)
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["version"] == 1
    ((experiment, location),) = mlflow_rows(
        folder,
        "SELECT e.name, e.artifact_location FROM runs r JOIN experiments e "
        "USING (experiment_id) WHERE r.run_uuid = ?",
        result["run_id"],
    )
    assert experiment == "/Users/dev/taxi-training"
    assert location.startswith((folder / ".lakeforge" / "mlartifacts").as_uri())
    assert mlflow_rows(
        folder,
        "SELECT value FROM metrics WHERE run_uuid = ? AND key = 'test_rmse'",
        result["run_id"],
    ) == [(pytest.approx(result["rmse"]),)]
    assert mlflow_rows(folder, "SELECT name, version, status, run_id FROM model_versions") == [
        ("main.default.taxi_fare", 1, "READY", result["run_id"])
    ]
    inputs = mlflow_rows(  # guardrail 2: the training set built inside the run is its lineage
        folder,
        "SELECT d.name FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id "
        "WHERE i.destination_id = ?",
        result["run_id"],
    )
    assert ("main.default.pickup_features",) in inputs
    assert_nothing_outside(folder)
