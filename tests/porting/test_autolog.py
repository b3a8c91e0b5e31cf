"""``mlflow.sklearn.autolog()`` in a script whose only lakeforge line is the import.

Autologging starts its own run on ``fit``: the run, its parameters and metrics, and the logged
model's files must land in the workspace (``mlflow.db``, ``mlartifacts/``), not in ``./mlruns``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, mlflow_rows, run_script

_AUTOLOG = """
import json

import mlflow
import numpy as np
from sklearn.linear_model import LogisticRegression

from lakeforge.feature_engineering import FeatureLookup  # noqa: F401

rng = np.random.default_rng(1)
X = rng.normal(size=(200, 3))
y = (X[:, 0] + X[:, 1] > 0).astype(int)

mlflow.set_experiment("/Users/dev/autolog")
mlflow.sklearn.autolog()
LogisticRegression(C=0.5).fit(X, y)
run = mlflow.last_active_run()
print("RESULT", json.dumps({"run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri}))
"""


@pytest.mark.slow  # autologging logs the model, inferring its requirements (seconds)
def test_autolog_runs_and_models_land_in_the_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(folder, _AUTOLOG)
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    artifacts = folder / ".lakeforge" / "mlartifacts"
    assert result["artifact_uri"].startswith(artifacts.as_uri() + "/")
    params = dict(
        mlflow_rows(folder, "SELECT key, value FROM params WHERE run_uuid = ?", result["run_id"])
    )
    assert params["C"] == "0.5"
    metrics = {
        k
        for (k,) in mlflow_rows(
            folder, "SELECT key FROM metrics WHERE run_uuid = ?", result["run_id"]
        )
    }
    assert "training_accuracy_score" in metrics
    ((location,),) = mlflow_rows(
        folder,
        "SELECT artifact_location FROM logged_models WHERE source_run_id = ?",
        result["run_id"],
    )
    assert location.startswith(artifacts.as_uri() + "/")
    assert list(artifacts.rglob("MLmodel"))
    assert_nothing_outside(folder)
