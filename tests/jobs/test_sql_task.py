"""Bundle ``sql_task`` with a ``file:`` source: runs the file through the lakeforge.sql path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakeforge.errors import BundleError
from lakeforge.jobs.bundle import load_bundle
from lakeforge.jobs.runner import RunOptions, run_job
from lakeforge.tables.workspace import Workspace

SQL = """
-- a SQL file task, as a warehouse would run it
CREATE SCHEMA IF NOT EXISTS main.gold;
CREATE OR REPLACE TABLE main.gold.big AS
  SELECT * FROM VALUES (1, 10.0), (2, 20.0), (3, 30.0) AS v(id, amount) WHERE amount >= :min;
SELECT count(*) AS n, :label AS label FROM main.gold.big;
"""


def bundle(root: Path, task: dict[str, Any], **job: Any) -> Path:
    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "queries" / "gold.sql").write_text(SQL)
    (root / "queries" / "broken.sql").write_text("INSERT INTO main.gold.nope VALUES (1)")
    spec = {"bundle": {"name": "b"}, "resources": {"jobs": {"j": {"tasks": [task], **job}}}}
    (root / "databricks.yml").write_text(yaml.safe_dump(spec))
    return root


def sql_task(path: str, **parameters: str) -> dict[str, Any]:
    return {
        "task_key": "gold",
        "sql_task": {"file": {"path": path}, "warehouse_id": "abc123", "parameters": parameters},
    }


def test_sql_file_task_runs_with_parameters(ws: Workspace, tmp_path: Path) -> None:
    root = bundle(
        tmp_path / "b",
        sql_task("queries/gold.sql", min="15", label="{{job.parameters.label}}"),
        parameters=[{"name": "label", "default": "nightly"}],
    )
    record = run_job(ws.settings, load_bundle(root), "j", options=RunOptions(grace_s=1.0))
    task = record.final_tasks()["gold"]
    assert task.result_state == "SUCCESS", task.state_message
    assert json.loads(str(task.output)) == [{"n": 2, "label": "nightly"}]
    assert sorted(ws.tables.read("main.gold.big").column("id").to_pylist()) == [2, 3]
    log = Path(str(task.log_path)).read_text()
    assert "[2] CREATE TABLE: create or replace table as select main.gold.big" in log


def test_a_failing_statement_fails_the_task(ws: Workspace, tmp_path: Path) -> None:
    root = bundle(tmp_path / "b", sql_task("queries/broken.sql"))
    record = run_job(ws.settings, load_bundle(root), "j", options=RunOptions(grace_s=1.0))
    task = record.final_tasks()["gold"]
    assert task.result_state == "FAILED"
    assert "SchemaNotFoundError" in str(task.state_message)


def test_a_missing_file_is_a_validation_error(ws: Workspace, tmp_path: Path) -> None:
    root = bundle(tmp_path / "b", sql_task("queries/none.sql"))
    with pytest.raises(BundleError, match=r"none\.sql' does not exist"):
        run_job(ws.settings, load_bundle(root), "j", options=RunOptions(grace_s=1.0))


def test_the_path_is_relative_to_the_yaml_file_that_names_it(ws: Workspace, tmp_path: Path) -> None:
    root = tmp_path / "b"
    (root / "resources" / "sql").mkdir(parents=True)
    (root / "resources" / "sql" / "count.sql").write_text("SELECT 7 AS n")
    job = {"tasks": [sql_task("sql/count.sql")]}
    (root / "resources" / "jobs.yml").write_text(
        yaml.safe_dump({"resources": {"jobs": {"j": job}}})
    )
    spec = {"bundle": {"name": "b"}, "include": ["resources/*.yml"]}
    (root / "databricks.yml").write_text(yaml.safe_dump(spec))
    record = run_job(ws.settings, load_bundle(root), "j", options=RunOptions(grace_s=1.0))
    task = record.final_tasks()["gold"]
    assert task.result_state == "SUCCESS", task.state_message
    assert json.loads(str(task.output)) == [{"n": 7}]


def test_only_file_sql_tasks_are_accepted(tmp_path: Path) -> None:
    task = {"task_key": "q", "sql_task": {"query": {"query_id": "x"}, "warehouse_id": "w"}}
    root = bundle(tmp_path / "b", task)
    with pytest.raises(BundleError, match="sql_task runs SQL files only"):
        load_bundle(root)
