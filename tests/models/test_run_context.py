"""Runs started inside a job task carry the job, run and task they belong to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lakeforge.errors import ConfigurationError
from lakeforge.jobs.task_context import TaskContext
from lakeforge.models import tracking
from lakeforge.models.run_context import JobRunContext
from lakeforge.tables.workspace import Workspace

pytestmark = pytest.mark.usefixtures("fresh_mlflow")


def _context(tmp_path: Path) -> Path:
    # Written by the job runner's own model, so both sides agree on the fields.
    return TaskContext(
        run_id=7,
        job_key="nightly",
        task_key="train",
        attempt=1,
        kind="notebook",
        runs_dir=str(tmp_path / "runs"),
        output_file=str(tmp_path / "out"),
        error_file=str(tmp_path / "err"),
    ).write(tmp_path / "context.json")


def test_outside_a_task_there_are_no_job_tags() -> None:
    assert JobRunContext().in_context() is False


def test_plain_mlflow_runs_in_a_task_are_tagged(
    ws: Workspace, mlflow_db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    shutil.copyfile(mlflow_db_template, ws.settings.mlflow_db)
    monkeypatch.setenv("LAKEFORGE_TASK_CONTEXT", str(_context(tmp_path)))
    tracking.bind(ws.settings.workspace)
    with mlflow.start_run() as run:
        pass
    tags = mlflow.get_run(run.info.run_id).data.tags
    assert {k: v for k, v in tags.items() if "databricks" in k or k.startswith("lakeforge.")} == {
        "mlflow.databricks.jobID": "nightly",
        "mlflow.databricks.jobRunID": "7",
        "mlflow.databricks.jobType": "notebook",
        "lakeforge.task_key": "train",
        "lakeforge.task_attempt": "1",
    }
    assert tags["mlflow.source.type"] == "JOB"
    assert tags["mlflow.source.name"] == "jobs/nightly/run/7"


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "cannot be read"), ("{", "cannot be read"), ("[]", "JSON object"), ("{}", "lacks")],
)
def test_a_broken_task_context_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, problem: str
) -> None:
    path = tmp_path / "context.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("LAKEFORGE_TASK_CONTEXT", str(path))
    provider = JobRunContext()
    assert provider.in_context()
    with pytest.raises(ConfigurationError, match=problem) as caught:
        provider.tags()
    assert "LAKEFORGE_TASK_CONTEXT" in str(caught.value)
