"""Plain MLflow registry code on three-level names: the catalog registry's rules hold.

The only lakeforge line is the import that replaces the reference's: models are logged with
``mlflow.sklearn``, registered with ``mlflow.register_model``, given an alias with
``MlflowClient`` and loaded back by ``models:/name@alias``. A version without a signature and
the stage APIs are refused with errors that say what to do instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, mlflow_rows, run_script

_REGISTRY = """
import json

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.linear_model import LinearRegression

from lakeforge.feature_engineering import FeatureEngineeringClient  # noqa: F401

X = pd.DataFrame({"age": [20.0, 30.0, 40.0, 50.0], "spend": [1.0, 0.0, 2.0, 3.0]})
model = LinearRegression().fit(X, np.array([1.0, 2.0, 3.0, 4.0]))
name = "main.default.churn"
outcome = {}

mlflow.set_experiment("/Users/dev/churn")
with mlflow.start_run() as run:
    # Explicit requirements only save MLflow's seconds of inferring them.
    mlflow.sklearn.log_model(
        model, name="model", signature=infer_signature(X, model.predict(X)),
        pip_requirements=["scikit-learn"],
    )
    mlflow.sklearn.log_model(model, name="unsigned", pip_requirements=["scikit-learn"])

version = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
client = MlflowClient()
client.set_registered_model_alias(name, "champion", version.version)
loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
outcome["predictions"] = [round(float(p), 6) for p in loaded.predict(X)]
outcome["run_id"] = run.info.run_id

refusals = {
    "unsigned": lambda: mlflow.register_model(f"runs:/{run.info.run_id}/unsigned", name),
    "stage": lambda: client.transition_model_version_stage(name, version.version, "Production"),
    "latest": lambda: client.get_latest_versions(name),
}
for case, call in refusals.items():
    try:
        call()
        outcome[case] = "accepted"
    except Exception as exc:
        outcome[case] = f"{type(exc).__name__}: {exc}"
print("RESULT", json.dumps(outcome))
"""


@pytest.mark.slow
def test_plain_registry_calls_follow_the_catalog_rules(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(folder, _REGISTRY)
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    assert outcome["predictions"] == pytest.approx([1.0, 2.0, 3.0, 4.0])
    assert outcome["unsigned"].startswith("SignatureRequiredError: ")
    assert "signature=infer_signature" in outcome["unsigned"]
    for case in ("stage", "latest"):
        assert outcome[case].startswith("StagesUnsupportedError: ")
        assert "models:/catalog.schema.model@champion" in outcome[case]
    assert mlflow_rows(folder, "SELECT name, version, run_id FROM model_versions") == [
        ("main.default.churn", 1, outcome["run_id"])
    ]
    assert mlflow_rows(folder, "SELECT alias, version FROM registered_model_aliases") == [
        ("champion", 1)
    ]
    assert_nothing_outside(folder)
