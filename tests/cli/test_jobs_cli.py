"""``lakeforge bundle`` and ``lakeforge jobs`` as users run them: real processes, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lakeforge.tables.workspace import Workspace

BUNDLE = """
    bundle: {name: cli}
    variables:
      greeting: {default: hello}
    targets:
      dev: {default: true, mode: development}
      prod: {mode: production}
    resources:
      jobs:
        hello:
          parameters: [{name: who, default: world}]
          schedule: {quartz_cron_expression: "* * * * * ?", timezone_id: UTC}
          max_concurrent_runs: 5
          tasks:
            - task_key: say
              notebook_task:
                notebook_path: ./say.py
                base_parameters: {greeting: "${var.greeting}"}
        broken:
          tasks:
            - task_key: fail
              spark_python_task: {python_file: ./fail.py}
"""


def lakeforge(
    ws: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lakeforge.cli.app", "--workspace", str(ws), *args]
    environ = {**os.environ, "COLUMNS": "250", **(env or {})}  # no wrapped error lines
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=environ, timeout=120
    )


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    root.mkdir()
    (root / "databricks.yml").write_text(textwrap.dedent(BUNDLE))
    (root / "say.py").write_text(
        "w = dbutils.widgets\ndbutils.notebook.exit(w.get('greeting') + ' ' + w.get('who'))\n"
    )
    (root / "fail.py").write_text("raise RuntimeError('no data for today')\n")
    return root


def test_validate_run_and_inspect_runs(ws: Workspace, ws_path: Path, bundle_dir: Path) -> None:
    checked = lakeforge(ws_path, bundle_dir, "bundle", "validate", "--json")
    assert checked.returncode == 0, checked.stderr
    summary = json.loads(checked.stdout)
    assert summary["target"] == "dev" and set(summary["jobs"]) == {"hello", "broken"}
    assert summary["jobs"]["hello"]["schedule"].endswith("PAUSED")  # development mode
    ran = lakeforge(
        ws_path,
        bundle_dir,
        "bundle",
        "run",
        "hello",
        "--var",
        "greeting=hi",
        "--params",
        "who=ada",
        env={"BUNDLE_VAR_greeting": "ignored: the flag wins"},
    )
    assert ran.returncode == 0, ran.stderr
    assert "SUCCESS" in ran.stdout and "say" in ran.stderr  # progress on stderr, table on stdout
    listed = json.loads(lakeforge(ws_path, bundle_dir, "jobs", "runs", "list", "--json").stdout)
    assert [r["job_key"] for r in listed] == ["hello"]
    assert listed[0]["tasks"][-1]["output"] == "hi ada"
    from_env = lakeforge(
        ws_path, bundle_dir, "bundle", "run", "hello", "--json", env={"BUNDLE_VAR_greeting": "hey"}
    )
    assert json.loads(from_env.stdout)["tasks"][-1]["output"] == "hey world"
    got = lakeforge(ws_path, bundle_dir, "jobs", "runs", "get", str(listed[0]["run_id"]), "--logs")
    assert got.returncode == 0 and "SUCCESS" in got.stdout


def test_failed_runs_exit_non_zero_with_the_reason(
    ws: Workspace, ws_path: Path, bundle_dir: Path
) -> None:
    ran = lakeforge(ws_path, bundle_dir, "bundle", "run", "broken")
    assert ran.returncode == 1
    assert "RuntimeError: no data for today" in ran.stderr
    run_id = json.loads(lakeforge(ws_path, bundle_dir, "jobs", "runs", "list", "--json").stdout)[0][
        "run_id"
    ]
    got = lakeforge(ws_path, bundle_dir, "jobs", "runs", "get", str(run_id))
    assert got.returncode == 1 and "FAILED" in got.stdout
    missing = lakeforge(ws_path, bundle_dir, "jobs", "runs", "get", "999")
    assert missing.returncode == 3 and "'999'" in missing.stderr


def test_validation_errors_exit_5_with_the_yaml_path(
    ws: Workspace, ws_path: Path, bundle_dir: Path
) -> None:
    path = bundle_dir / "databricks.yml"
    good = path.read_text()
    path.write_text(good.replace("max_concurrent_runs: 5", "max_concurrent_runs: many"))
    checked = lakeforge(ws_path, bundle_dir, "bundle", "validate")
    assert checked.returncode == 5
    assert "resources.jobs.hello.max_concurrent_runs" in checked.stderr
    path.write_text(good)
    unknown = lakeforge(ws_path, bundle_dir, "bundle", "validate", "--var", "nope=1")
    assert unknown.returncode == 5 and "'nope'" in unknown.stderr


def test_scheduler_starts_periodic_runs(ws: Workspace, ws_path: Path, bundle_dir: Path) -> None:
    paused = lakeforge(ws_path, bundle_dir, "jobs", "scheduler", "--max-runs", "1")
    assert paused.returncode == 5 and "no unpaused job schedule" in paused.stderr
    ran = lakeforge(ws_path, bundle_dir, "jobs", "scheduler", "-t", "prod", "--max-runs", "2")
    assert ran.returncode == 0, ran.stderr
    runs = json.loads(lakeforge(ws_path, bundle_dir, "jobs", "runs", "list", "--json").stdout)
    assert [r["trigger"] for r in runs] == ["PERIODIC", "PERIODIC"]
    assert all(r["result_state"] == "SUCCESS" for r in runs)
    starts = sorted(r["start_time"] for r in runs)
    assert starts[0] != starts[1]


def test_table_cells_are_data_not_markup(ws: Workspace, ws_path: Path, bundle_dir: Path) -> None:
    checked = lakeforge(ws_path, bundle_dir, "bundle", "validate")
    assert checked.returncode == 0, checked.stderr
    assert "[dev " in checked.stdout  # development-mode job names keep their [dev user] prefix
