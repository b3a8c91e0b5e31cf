"""`lakeforge bundle deploy -t dev && lakeforge bundle run ...` in a fresh empty directory.

The project is shaped like the reference MLOps template: resource files with YAML anchors under
custom top-level keys, merge keys in jobs and tasks, cluster settings, permissions and grants;
the job's task writes a feature table with the legacy client into the schema the deploy created
and logs a run in the experiment the deploy created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, mlflow_rows, run_cli, write_files

_ROOT = """
bundle:
  name: taxi
  uuid: 0b7c6c62-3f1e-4d8a-9a51-6d2b1f0e9c11
variables:
  experiment_name:
    description: Experiment for the training runs.
    default: /Users/${workspace.current_user.userName}/${bundle.target}-taxi-experiment
  catalog_name:
    description: Catalog of the project.
include:
  - ./resources/*.yml
targets:
  dev:
    mode: development
    default: true
    variables:
      catalog_name: main
    workspace:
      host:
"""

_ARTIFACTS = """
common_permissions: &permissions
  permissions:
    - level: CAN_READ
      group_name: users

grants: &grants
  grants:
    - privileges:
        - EXECUTE
      principal: account users

resources:
  schemas:
    taxi:
      catalog_name: ${var.catalog_name}
      name: taxi
      comment: Taxi project (${bundle.target})
  registered_models:
    model:
      name: fare_model
      catalog_name: ${var.catalog_name}
      schema_name: taxi
      comment: Registered model for ${bundle.target}
      <<: *grants
  experiments:
    experiment:
      name: ${var.experiment_name}
      <<: *permissions
      description: MLflow Experiment used to track runs for the taxi project.
"""

_JOBS = """
new_cluster: &new_cluster
  new_cluster:
    num_workers: 3
    spark_version: 15.3.x-cpu-ml-scala2.12
    data_security_mode: "SINGLE_USER"

common_permissions: &permissions
  permissions:
    - level: CAN_VIEW
      group_name: users

resources:
  jobs:
    write_feature_table_job:
      name: ${bundle.target}-taxi-write-feature-table-job
      job_clusters:
        - job_cluster_key: write_feature_table_job_cluster
          <<: *new_cluster
      tasks:
        - task_key: PickupFeatures
          job_cluster_key: write_feature_table_job_cluster
          spark_python_task:
            python_file: ../features/write_features.py
            parameters:
              - --table
              - taxi.trip_pickup_features
              - --experiment
              - ${var.experiment_name}
      schedule:
        quartz_cron_expression: "0 0 7 * * ?"
        timezone_id: UTC
      <<: *permissions
"""

_TASK = """
import argparse
from datetime import datetime

import mlflow
import pandas as pd
from lakeforge.feature_store import FeatureStoreClient

parser = argparse.ArgumentParser()
parser.add_argument("--table")
parser.add_argument("--experiment")
args = parser.parse_args()

features = pd.DataFrame(
    {"zip": [10001, 10002], "ts": [datetime(2024, 1, 1)] * 2, "mean_fare": [12.5, 9.0]}
)
fs = FeatureStoreClient()
fs.create_table(name=args.table, primary_keys=["zip"], timestamp_keys=["ts"], df=features)
fs.write_table(name=args.table, df=features, mode="merge")
mlflow.set_experiment(args.experiment)
with mlflow.start_run():
    mlflow.log_metric("rows", len(fs.read_table(args.table)))
"""


def _lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


@pytest.mark.slow
def test_deploy_then_run_in_a_fresh_directory(tmp_path: Path) -> None:
    folder = tmp_path / "taxi"
    write_files(
        folder,
        {
            "databricks.yml": _ROOT,
            "resources/ml-artifacts-resource.yml": _ARTIFACTS,
            "resources/feature-engineering-workflow-resource.yml": _JOBS,
            "features/write_features.py": _TASK,
        },
    )
    validated = run_cli(folder, "bundle", "validate", "-t", "dev", "--json")
    assert validated.returncode == 0, validated.stderr
    warnings = json.loads(validated.stdout)["warnings"]
    assert {w["path"] for w in warnings if w["kind"] == "unknown_field"} == {
        "common_permissions",
        "grants",
        "new_cluster",
    }
    assert len(_lines(validated.stderr, "Note: cluster settings")) == 1

    deployed = run_cli(folder, "bundle", "deploy", "-t", "dev")
    assert deployed.returncode == 0, deployed.stderr
    assert "schemas.taxi (main.taxi): created" in deployed.stdout
    assert "registered_models.model (main.taxi.fare_model): created" in deployed.stdout
    assert "jobs.write_feature_table_job ([dev" in deployed.stdout
    assert len(_lines(deployed.stderr, "Warning: ")) == 4  # each unknown key once
    again = run_cli(folder, "bundle", "deploy", "-t", "dev", "--json")
    assert again.returncode == 0, again.stderr
    assert {r["outcome"] for r in json.loads(again.stdout)["resources"]} == {"unchanged"}

    ran = run_cli(folder, "bundle", "run", "write_feature_table_job", "-t", "dev")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "SUCCESS" in ran.stdout
    rows = mlflow_rows(
        folder,
        "SELECT m.value FROM metrics m JOIN runs r ON r.run_uuid = m.run_uuid "
        "JOIN experiments e ON e.experiment_id = r.experiment_id WHERE e.name LIKE ?",
        "/Users/%/dev-taxi-experiment",
    )
    assert rows == [(2.0,)]

    summary = json.loads(run_cli(folder, "bundle", "summary", "--json").stdout)
    assert summary["deployment"]["resources"][0]["name"] == "main.taxi"
    refused = run_cli(folder, "bundle", "destroy", "-t", "dev")
    assert refused.returncode == 5 and "--auto-approve" in refused.stderr
    destroyed = run_cli(folder, "bundle", "destroy", "-t", "dev", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stderr
    assert "schemas.taxi (main.taxi): kept" in destroyed.stdout  # the job's table is in it
    assert "registered_models.model (main.taxi.fare_model): deleted" in destroyed.stdout
    kept = run_cli(folder, "bundle", "destroy", "-t", "dev", "--auto-approve", "--json")
    assert [r["key"] for r in json.loads(kept.stdout)["resources"]] == ["taxi"]  # still kept
    assert_nothing_outside(folder)
