"""The notebook context chain, inside a job task and run by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_cli, run_script, write_files

from lakeforge.errors import ContextValueError
from lakeforge.jobs.dbutils import DBUtils
from lakeforge.jobs.task_context import TaskContext

CHAIN = "dbutils.notebook.entry_point.getDbutils().notebook().getContext()"


def _task(tmp_path: Path) -> TaskContext:
    notebook = tmp_path / "notebooks" / "Train.py"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("# Databricks notebook source\n")
    return TaskContext(
        run_id=17,
        job_key="model_training_job",
        task_key="Train",
        kind="notebook_task",
        file=str(notebook),
        runs_dir=str(tmp_path / "runs"),
        output_file=str(tmp_path / "out.txt"),
        error_file=str(tmp_path / "err.txt"),
    )


def test_the_chain_inside_a_job_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEFORGE_USER", "ana@example.com")
    task = _task(tmp_path)
    dbutils = DBUtils(task)
    ctx = dbutils.notebook.entry_point.getDbutils().notebook().getContext()
    assert ctx.notebookPath().get() == str(Path(task.file or "").resolve())
    assert ctx.notebookPath().isDefined()
    run = ctx.currentRunId().get()
    assert run == 17 and run.id() == 17 and repr(run) == "RunId(17)"
    assert ctx.rootRunId().get() == 17
    assert ctx.userName().get() == "ana@example.com"
    assert ctx.jobId().get() == "model_training_job"
    tags = ctx.tags()
    assert tags.get("jobId").get() == "model_training_job"
    assert tags.apply("runId") == "17" and tags["taskKey"] == "Train"
    assert tags.get("multitaskParentRunId").get() == "17"
    assert tags.contains("user") and not tags.get("clusterId").isDefined()
    assert tags.get() == {
        "user": "ana@example.com",
        "jobId": "model_training_job",
        "runId": "17",
        "multitaskParentRunId": "17",
        "taskKey": "Train",
    }
    as_json = json.loads(ctx.toJson())
    assert as_json["tags"]["taskKey"] == "Train"
    assert as_json["extraContext"]["notebook_path"] == ctx.notebookPath().get()
    assert as_json["currentRunId"] == {"id": 17}
    short = dbutils.notebook.getContext()
    assert short.notebookPath().get() == ctx.notebookPath().get()
    assert short.currentRunId().get() == 17


def test_the_chain_run_by_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "by_hand.py"
    script.write_text("")
    monkeypatch.setattr(sys, "argv", [str(script)])
    monkeypatch.setenv("LAKEFORGE_USER", "bob")
    ctx = DBUtils(None).notebook.entry_point.getDbutils().notebook().getContext()
    assert ctx.notebookPath().get() == str(script.resolve())
    assert ctx.userName().get() == "bob"
    assert not ctx.currentRunId().isDefined() and ctx.currentRunId().isEmpty()
    assert ctx.currentRunId().getOrElse(None) is None
    assert repr(ctx.currentRunId()) == "None"
    with pytest.raises(ContextValueError) as error:
        ctx.currentRunId().get()
    message = str(error.value)
    assert f"{CHAIN}.currentRunId() has no value" in message
    assert "not running as a job task" in message and ".isDefined()" in message
    assert ctx.tags().get() == {"user": "bob"}
    with pytest.raises(ContextValueError, match="no tag 'jobId'"):
        ctx.tags().get("jobId").get()
    with pytest.raises(ContextValueError, match="REST API"):
        ctx.apiToken().get()
    assert not ctx.apiUrl().isDefined()


_RESOURCES = """
resources:
  jobs:
    probe_job:
      name: probe-${bundle.target}
      tasks:
        - task_key: Probe
          notebook_task:
            notebook_path: ../notebooks/Probe.py
        - task_key: Script
          spark_python_task:
            python_file: ../src/probe.py
"""

_ROOT = """
bundle:
  name: context_probe
include:
  - resources/*.yml
targets:
  dev:
    default: true
"""

# As the reference template's notebooks find their folder.
_NOTEBOOK = """\
# Databricks notebook source
import json
import os

context = dbutils.notebook.entry_point.getDbutils().notebook().getContext()
notebook_path = os.path.dirname(context.notebookPath().get())

# COMMAND ----------

tags = context.tags()
dbutils.jobs.taskValues.set("probe", {
    "folder": notebook_path,
    "run": context.currentRunId().get().id(),
    "job": tags.get("jobId").get(),
    "task": tags.apply("taskKey"),
    "user": context.userName().get(),
    "json": json.loads(context.toJson())["tags"]["runId"],
})
dbutils.notebook.exit("ok")
"""

_SCRIPT = """
from lakeforge.runtime import dbutils

context = dbutils.notebook.getContext()
print("SCRIPT", context.notebookPath().get(), context.currentRunId().get(),
      context.tags().apply("taskKey"))
"""

_CHECK = """
from lakeforge.runtime import dbutils

context = dbutils.notebook.entry_point.getDbutils().notebook().getContext()
print("HAND", context.notebookPath().get(), context.currentRunId().isDefined())
"""


@pytest.mark.slow
def test_a_bundle_notebook_reads_its_context(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_files(
        project,
        {
            "databricks.yml": _ROOT,
            "resources/probe.yml": _RESOURCES,
            "notebooks/Probe.py": _NOTEBOOK,
            "src/probe.py": _SCRIPT,
        },
    )
    done = run_cli(
        project, "bundle", "run", "probe_job", "--json", env={"LAKEFORGE_USER": "ana@example.com"}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(done.stdout)
    values = json.loads(
        (project / ".lakeforge" / "runs" / "1" / "values" / "Probe.json").read_text()
    )
    assert values["probe"] == {
        "folder": str((project / "notebooks").resolve()),
        "run": record["run_id"],
        "job": "probe_job",
        "task": "Probe",
        "user": "ana@example.com",
        "json": str(record["run_id"]),
    }
    log = Path(next(t for t in record["tasks"] if t["task_key"] == "Script")["log_path"])
    line = next(x for x in log.read_text().splitlines() if x.startswith("SCRIPT"))
    assert line == f"SCRIPT {(project / 'src' / 'probe.py').resolve()} RunId(1) Script"
    by_hand = run_script(tmp_path / "hand", _CHECK)
    assert by_hand.stdout.split() == [
        "HAND",
        str((tmp_path / "hand" / "script.py").resolve()),
        "False",
    ]
    assert_nothing_outside(project)
