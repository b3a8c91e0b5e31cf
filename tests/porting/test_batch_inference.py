"""The reference batch-inference notebook: find the model version, score keys only, save.

A training script registers a feature model; the inference script then finds the version the
way the reference templates do (the latest version by search, and the ``champion`` alias),
scores a table that holds only the lookup keys with ``fe.score_batch`` and saves the result
with the model's identity columns.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_script

_TRAIN = """
import lakeforge
import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.linear_model import LinearRegression

from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

lakeforge.sql("CREATE SCHEMA IF NOT EXISTS main.fs")
lakeforge.sql("CREATE SCHEMA IF NOT EXISTS main.ml")
rng = np.random.default_rng(7)
customers = pd.DataFrame({
    "customer_id": np.arange(50, dtype="int64"),
    "tenure": rng.uniform(0, 10, 50),
    "spend": rng.uniform(0, 100, 50),
})
fe = FeatureEngineeringClient()
fe.create_table(name="main.fs.customers", primary_keys=["customer_id"], df=customers)
labels = pd.DataFrame({
    "customer_id": customers["customer_id"],
    "ltv": 3.0 * customers["tenure"] + 0.5 * customers["spend"],
})
mlflow.set_experiment("/Shared/ltv")
with mlflow.start_run():
    training_set = fe.create_training_set(
        df=labels,
        feature_lookups=[FeatureLookup(table_name="main.fs.customers", lookup_key="customer_id")],
        label="ltv",
        exclude_columns=["customer_id"],
    )
    train = training_set.load_df()
    model = LinearRegression().fit(train.drop(columns=["ltv"]), train["ltv"])
    fe.log_model(
        model=model,
        artifact_path="model_packaged",
        flavor=mlflow.sklearn,
        training_set=training_set,
        registered_model_name="main.ml.ltv",
    )
client = MlflowClient()
client.set_registered_model_alias("main.ml.ltv", "champion", 1)
lakeforge.sql(
    "CREATE TABLE main.fs.to_score AS SELECT customer_id FROM main.fs.customers "
    "WHERE customer_id < 20"
)
"""

_INFERENCE = """
from datetime import datetime

import lakeforge
import mlflow
from mlflow import MlflowClient

from lakeforge.feature_engineering import FeatureEngineeringClient

input_table_name = "main.fs.to_score"
output_table_name = "main.ml.ltv_predictions"
model_name = "main.ml.ltv"

mlflow.set_registry_uri("databricks-uc")  # the reference lines stay as they are
client = MlflowClient(registry_uri="databricks-uc")
latest = max(int(v.version) for v in client.search_model_versions(f"name='{model_name}'"))
model_uri = f"models:/{model_name}/{latest}"
champion = client.get_model_version_by_alias(model_name, "champion").version
assert int(champion) == latest, (champion, latest)

ts = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
table = lakeforge.table(input_table_name)
fe = FeatureEngineeringClient()
prediction_df = fe.score_batch(model_uri=model_uri, df=table, output_table=output_table_name)
output_df = prediction_df.assign(model_id=latest, timestamp=ts)
print("COLUMNS", list(output_df.columns))

saved = lakeforge.sql(
    f"SELECT model_name, model_version, count(*) AS n FROM {output_table_name} "
    "GROUP BY ALL"
)
print("SAVED", saved.to_dict("records"))
check = lakeforge.sql(
    f"SELECT max(abs(p.prediction - (3.0 * c.tenure + 0.5 * c.spend))) AS err "
    f"FROM {output_table_name} p JOIN main.fs.customers c USING (customer_id)"
)
print("ERR", float(check["err"][0]) < 1e-6)
"""


@pytest.mark.slow
def test_batch_inference_scores_keys_only_and_saves(tmp_path: Path) -> None:
    folder = tmp_path / "train"
    run_script(folder, _TRAIN)
    home = {"LAKEFORGE_HOME": str(folder / ".lakeforge")}
    done = run_script(tmp_path / "inference", _INFERENCE, env=home)
    assert (
        "COLUMNS ['customer_id', 'tenure', 'spend', 'prediction', 'model_id', 'timestamp']"
        in done.stdout
    )
    assert "SAVED [{'model_name': 'main.ml.ltv', 'model_version': '1', 'n': 20}]" in done.stdout
    assert "ERR True" in done.stdout
    assert_nothing_outside(folder)
    assert_nothing_outside(tmp_path / "inference")
