"""Hyperparameter tuning with nested runs: one parent run, one child run per trial.

A hand-written search loop (the shape hyperopt/optuna integrations produce): each trial is a
``nested=True`` run under the parent, which records the best trial. All runs land in the
workspace's store, the children linked to their parent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, mlflow_rows, run_script

_TUNING = """
import json

import mlflow
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from lakeforge.feature_engineering import FeatureEngineeringClient  # noqa: F401

rng = np.random.default_rng(2)
X = rng.normal(size=(120, 4))
y = (X[:, 0] - X[:, 2] > 0).astype(int)

mlflow.set_experiment("/Users/dev/tuning")
with mlflow.start_run(run_name="search") as parent:
    scores = {}
    for c in (0.01, 0.1, 1.0):
        with mlflow.start_run(run_name=f"C={c}", nested=True):
            mlflow.log_param("C", c)
            scores[c] = float(cross_val_score(LogisticRegression(C=c), X, y, cv=3).mean())
            mlflow.log_metric("val_accuracy", scores[c])
    best = max(scores, key=scores.get)
    mlflow.log_params({"best_C": best})
    mlflow.log_metric("best_val_accuracy", scores[best])
print("RESULT", json.dumps({"parent": parent.info.run_id, "best": scores[best]}))
"""


@pytest.mark.slow  # a fresh MLflow store migrates its tables first (about 2 s)
def test_nested_trial_runs_land_under_their_parent_in_the_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(folder, _TUNING)
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    children = mlflow_rows(
        folder,
        "SELECT r.name, r.experiment_id FROM runs r JOIN tags t ON t.run_uuid = r.run_uuid "
        "WHERE t.key = 'mlflow.parentRunId' AND t.value = ? ORDER BY r.name",
        result["parent"],
    )
    assert [name for name, _ in children] == ["C=0.01", "C=0.1", "C=1.0"]
    ((parent_experiment, experiment),) = mlflow_rows(
        folder,
        "SELECT r.experiment_id, e.name FROM runs r JOIN experiments e USING (experiment_id) "
        "WHERE r.run_uuid = ?",
        result["parent"],
    )
    assert experiment == "/Users/dev/tuning"
    assert {e for _, e in children} == {parent_experiment}
    assert mlflow_rows(
        folder,
        "SELECT value FROM metrics WHERE run_uuid = ? AND key = 'best_val_accuracy'",
        result["parent"],
    ) == [(result["best"],)]
    assert len(mlflow_rows(folder, "SELECT run_uuid FROM runs")) == 4
    assert_nothing_outside(folder)
