"""A project in the reference MLOps template's shape, deployed and run as a team would.

``reference_project/`` is written here in the shape of the reference template (feature store
and catalog options): source notebooks with ``%cd`` from the notebook context,
``%load_ext autoreload``, ``# MAGIC %pip install -r requirements.txt`` (pinning MLflow 2 and
pandas 1), ``dbutils.library.restartPython()``, widgets and task values; a training notebook
in the reference call order (experiment, ``databricks-uc`` registry, run, training set, LightGBM
autolog, ``fe.log_model``); validation with ``mlflow.evaluate`` and the legacy
``FeatureStoreClient``; deployment by alias through ``MlflowClient(registry_uri="databricks-uc")``;
batch inference on the ``champion`` alias; ``databricks.yml`` plus resource files with anchors,
cluster settings, permissions and grants. It is copied into a fresh directory and driven only
through the CLI and plain scripts: ``lakeforge bundle deploy -t dev``, then every job.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_cli, run_python

PROJECT = Path(__file__).with_name("reference_project")


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-6000:]
    return done.stdout


def _python(folder: Path, *args: str) -> str:
    return _ok(run_python(folder, *args, timeout=300))


def _run_job(folder: Path, job: str) -> dict[str, object]:
    record = json.loads(_ok(run_cli(folder, "bundle", "run", job, "--json", timeout=400)))
    states = {t["task_key"]: t["result_state"] for t in record["tasks"]}
    assert set(states.values()) == {"SUCCESS"}, record
    return record


def _task_log(folder: Path, record: dict[str, object], key: str) -> str:
    tasks = record["tasks"]
    assert isinstance(tasks, list)
    task = next(t for t in tasks if t["task_key"] == key)
    return Path(task["log_path"]).read_text()


@pytest.mark.slow
def test_reference_shaped_project_deploys_and_every_job_runs(tmp_path: Path) -> None:
    project = tmp_path / "taxi"
    shutil.copytree(PROJECT, project)

    deployed = _ok(run_cli(project, "bundle", "deploy", "-t", "dev"))
    for resource in (
        "schemas.taxi",
        "volumes.landing",
        "experiments.experiment",
        "registered_models.model",
        "jobs.model_training_job",
    ):
        assert f"{resource} " in deployed and "created" in deployed, deployed
    again = _ok(run_cli(project, "bundle", "deploy", "-t", "dev"))
    assert "created" not in again and "unchanged" in again, again
    jobs = json.loads(_ok(run_cli(project, "jobs", "list", "--json")))
    assert sorted(j["key"] for j in jobs) == [
        "batch_inference_job",
        "model_training_job",
        "write_feature_table_job",
    ]

    assert "TRIPS 1500" in _python(project, "scripts/load_sample.py")
    features = _run_job(project, "write_feature_table_job")
    log = _task_log(project, features, "PickupFeatures")
    assert "mlflow==2.11.3 conflicts with mlflow" in log  # the %pip pin: kept, logged
    assert "numpy>=1.23.0: already satisfied" in log

    training = _run_job(project, "model_training_job")
    tasks = {t["task_key"]: t for t in training["tasks"]}  # type: ignore[union-attr]
    assert tasks["Train"]["output"] == "models:/main.taxi.taxi-fare-model/1"
    assert "Validation checks passed." in _task_log(project, training, "ModelValidation")

    assert "KEYS 200" in _python(project, "scripts/inference_keys.py")
    _run_job(project, "batch_inference_job")
    scored = json.loads(
        _ok(
            run_cli(
                project,
                "sql",
                "--json",
                "SELECT model_name, model_version, count(*) AS n "
                "FROM main.taxi.predictions GROUP BY ALL",
            )
        )
    )
    assert scored == [{"model_name": "main.taxi.taxi-fare-model", "model_version": "1", "n": 200}]
    model = json.loads(
        _ok(run_cli(project, "models", "describe", "main.taxi.taxi-fare-model", "--json"))
    )
    assert model["aliases"] == {"champion": 1}
    assert model["versions"][0]["description"].startswith("Model Validation Status: SUCCESS")

    with sqlite3.connect(project / ".lakeforge" / "mlflow.db") as db:
        tags = dict(
            db.execute(
                "SELECT t.key, t.value FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid "
                "WHERE t.key IN ('lakeforge.pip_conflicts', 'mlflow.source.type')"
            ).fetchall()
        )
    assert tags.get("mlflow.source.type") == "JOB"
    assert "mlflow" in tags.get("lakeforge.pip_conflicts", "")

    assert "1 passed" in _python(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    assert_nothing_outside(project)
