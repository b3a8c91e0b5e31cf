"""A bundle job as the reference templates write it, run with `lakeforge bundle run`.

The project is written into a fresh empty directory; the job's notebook reads its parameters
with ``dbutils.widgets`` and reports with ``dbutils.notebook.exit("SUCCESS")`` or
``dbutils.notebook.exit(f"FAILED: {e}")``; plain MLflow code in the notebook lands in the
workspace, tagged with the job run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_cli, run_script, write_files

_BUNDLE = """
bundle:
  name: churn_checks

variables:
  catalog:
    default: main

resources:
  jobs:
    validate_job:
      name: validate-${bundle.target}
      parameters:
        - name: min_rows
          default: "1"
      tasks:
        - task_key: Ingest
          spark_python_task:
            python_file: ./src/ingest.py
            parameters: ["--table", "${var.catalog}.checks.orders"]
        - task_key: Validate
          depends_on: [{task_key: Ingest}]
          notebook_task:
            notebook_path: ./notebooks/Validate
            base_parameters:
              input_table: ${var.catalog}.checks.orders
              experiment_name: /Shared/churn-checks

targets:
  dev:
    default: true
    mode: development
"""

_INGEST = """
import argparse

import lakeforge
import pandas as pd
from lakeforge.feature_engineering import FeatureEngineeringClient

from common.naming import schema_of

parser = argparse.ArgumentParser()
parser.add_argument("--table", required=True)
table = parser.parse_args().table

lakeforge.sql(f"CREATE SCHEMA IF NOT EXISTS main.{schema_of(table)}")
fe = FeatureEngineeringClient()
orders = pd.DataFrame({"order_id": [1, 2, 3], "amount": [9.5, 3.0, 12.25]})
fe.create_table(name=table, primary_keys=["order_id"], df=orders)
"""

_NAMING = """
def schema_of(table_name: str) -> str:
    return table_name.split(".")[1]
"""

_NOTEBOOK = """
# Databricks notebook source
dbutils.widgets.text("input_table", "", label="Input table")
dbutils.widgets.text("min_rows", "1", label="Minimum rows")
dbutils.widgets.text("experiment_name", "", label="Experiment")

# COMMAND ----------

import mlflow
from lakeforge.feature_engineering import FeatureEngineeringClient

input_table = dbutils.widgets.get("input_table")
min_rows = int(dbutils.widgets.get("min_rows"))
mlflow.set_experiment(dbutils.widgets.get("experiment_name"))

# COMMAND ----------

try:
    fe = FeatureEngineeringClient()
    rows = len(fe.read_table(name=input_table))
    with mlflow.start_run(run_name="validate"):
        mlflow.log_metric("rows", rows)
    if rows < min_rows:
        raise ValueError(f"{input_table} has {rows} rows, fewer than {min_rows}")
except Exception as e:
    dbutils.notebook.exit(f"FAILED: {e}")

dbutils.notebook.exit("SUCCESS")
"""

_CHECK_RUNS = """
from mlflow import MlflowClient
from lakeforge.feature_engineering import FeatureEngineeringClient

FeatureEngineeringClient()  # binds MLflow to ./.lakeforge
client = MlflowClient()
experiment = client.get_experiment_by_name("/Shared/churn-checks")
assert experiment is not None, "the notebook's experiment is not in the workspace"
assert ".lakeforge/mlartifacts" in experiment.artifact_location, experiment.artifact_location
for run in client.search_runs([experiment.experiment_id], order_by=["attribute.start_time"]):
    tags = run.data.tags
    print("RUN", int(run.data.metrics["rows"]), tags.get("mlflow.source.type"),
          tags.get("lakeforge.task_key"))
"""


def _task(record: dict[str, object], key: str) -> dict[str, object]:
    tasks = record["tasks"]
    assert isinstance(tasks, list)
    return next(t for t in tasks if t["task_key"] == key)


@pytest.mark.slow
def test_bundle_notebook_reads_widgets_and_exits_success_or_failed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_files(
        project,
        {
            "databricks.yml": _BUNDLE,
            "src/ingest.py": _INGEST,
            "common/__init__.py": "",
            "common/naming.py": _NAMING,
            "notebooks/Validate.py": _NOTEBOOK,
        },
    )
    ok = run_cli(project, "bundle", "run", "validate_job", "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    record = json.loads(ok.stdout)
    assert record["result_state"] == "SUCCESS"
    assert _task(record, "Validate")["output"] == "SUCCESS"

    failed = run_cli(project, "bundle", "run", "validate_job", "--params", "min_rows=10", "--json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    record = json.loads(failed.stdout)
    assert record["result_state"] == "FAILED"
    validate = _task(record, "Validate")
    assert validate["result_state"] == "FAILED"
    message = "FAILED: main.checks.orders has 3 rows, fewer than 10"
    assert validate["state_message"] == message

    runs = run_script(
        tmp_path / "check", _CHECK_RUNS, env={"LAKEFORGE_HOME": str(project / ".lakeforge")}
    )
    lines = [line for line in runs.stdout.splitlines() if line.startswith("RUN")]
    assert lines == ["RUN 3 JOB Validate", "RUN 3 JOB Validate"], runs.stdout
    assert_nothing_outside(project)
