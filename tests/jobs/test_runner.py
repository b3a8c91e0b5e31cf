"""Running jobs locally: DAG order and parallelism, retries, timeouts, run_if, conditions,
task values, widgets, environments, concurrency limits and run records (real processes)."""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakeforge.errors import ValidationError
from lakeforge.jobs.bundle import load_bundle
from lakeforge.jobs.records import JobRun, RunStore
from lakeforge.jobs.runner import JobRunner, RunOptions, run_job
from lakeforge.tables.workspace import Workspace


def make_bundle(
    root: Path, tasks: list[dict[str, Any]], scripts: dict[str, str], **job: Any
) -> Path:
    """A bundle with one job ``j`` whose tasks run the given scripts (in ``src/``)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in scripts.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    spec = {"bundle": {"name": "t"}, "resources": {"jobs": {"j": {"tasks": tasks, **job}}}}
    (root / "databricks.yml").write_text(yaml.safe_dump(spec))
    return root


def py(key: str, script: str, **extra: Any) -> dict[str, Any]:
    return {"task_key": key, "spark_python_task": {"python_file": f"src/{script}"}, **extra}


def run(ws: Workspace, root: Path, **kwargs: Any) -> JobRun:
    options = kwargs.pop("options", RunOptions(max_parallel=4, grace_s=1.0))
    return run_job(ws.settings, load_bundle(root), "j", options=options, **kwargs)


def states(record: JobRun) -> dict[str, str | None]:
    return {k: t.result_state for k, t in record.final_tasks().items()}


STAMP = """
    import sys, time, pathlib
    out = pathlib.Path(sys.argv[1])
    out.write_text(f"{time.time()}\\n")
    time.sleep(float(sys.argv[2]))
    out.write_text(out.read_text() + f"{time.time()}\\n")
"""


def test_dag_order_and_parallel_tasks(ws: Workspace, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()

    def stamp(key: str, after: list[str]) -> dict[str, Any]:
        return py(
            key,
            "stamp.py",
            depends_on=[{"task_key": k} for k in after],
            spark_python_task={
                "python_file": "src/stamp.py",
                "parameters": [str(marks / key), "1"],
            },
        )

    root = make_bundle(
        tmp_path / "b",
        [stamp("a", []), stamp("b", []), stamp("c", ["a", "b"])],
        {"stamp.py": STAMP},
    )
    record = run(ws, root)
    assert record.result_state == "SUCCESS", record
    times = {k: [float(x) for x in (marks / k).read_text().split()] for k in "abc"}
    assert times["a"][0] < times["b"][1] and times["b"][0] < times["a"][1]  # a and b overlapped
    assert times["c"][0] >= max(times["a"][1], times["b"][1])  # c after both
    assert RunStore(ws.settings.runs_dir).get(record.run_id).result_state == "SUCCESS"


FLAKY = """
    import pathlib, sys
    counter = pathlib.Path(sys.argv[1])
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    if n < int(sys.argv[2]):
        raise RuntimeError(f"flaky failure {n}")
"""


def test_retries_are_separate_attempts_and_stop_at_max_retries(
    ws: Workspace, tmp_path: Path
) -> None:
    def flaky(key: str, failures: int, retries: int) -> dict[str, Any]:
        params = [str(tmp_path / f"{key}.count"), str(failures)]
        return py(
            key,
            "flaky.py",
            spark_python_task={"python_file": "src/flaky.py", "parameters": params},
            max_retries=retries,
            min_retry_interval_millis=100,
        )

    root = make_bundle(tmp_path / "b", [flaky("ok", 1, 2), flaky("bad", 5, 1)], {"flaky.py": FLAKY})
    record = run(ws, root)
    attempts = {
        k: [t.attempt_number for t in record.tasks if t.task_key == k] for k in ("ok", "bad")
    }
    assert attempts == {"ok": [0, 1], "bad": [0, 1]}
    assert states(record) == {"ok": "SUCCESS", "bad": "FAILED"}
    assert record.final_tasks()["bad"].state_message == "RuntimeError: flaky failure 1"
    assert record.result_state == "FAILED"


SLEEPER = """
    import os, pathlib, signal, subprocess, sys, time
    if sys.argv[2] == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    pathlib.Path(sys.argv[1]).write_text(str(child.pid))
    time.sleep(60)
"""


@pytest.mark.parametrize("mode", ["polite", "ignore-term"])
def test_timeout_stops_the_task_and_its_children(ws: Workspace, tmp_path: Path, mode: str) -> None:
    pid_file = tmp_path / "child.pid"
    task = py(
        "slow",
        "sleeper.py",
        spark_python_task={"python_file": "src/sleeper.py", "parameters": [str(pid_file), mode]},
        timeout_seconds=2,
        max_retries=1,  # timeouts are not retried without retry_on_timeout
    )
    root = make_bundle(tmp_path / "b", [task], {"sleeper.py": SLEEPER})
    start = time.monotonic()
    record = run(ws, root, options=RunOptions(grace_s=0.5))
    assert time.monotonic() - start < 20
    assert states(record) == {"slow": "TIMEDOUT"}
    assert len(record.tasks) == 1
    assert record.result_state == "TIMEDOUT"
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the task's child process survived the timeout")


OK = "print('ok')\n"
FAIL = "raise ValueError('boom')\n"


def test_run_if_variants_and_job_results(ws: Workspace, tmp_path: Path) -> None:
    def after(key: str, run_if: str, deps: list[str], script: str = "ok.py") -> dict[str, Any]:
        return py(key, script, depends_on=[{"task_key": d} for d in deps], run_if=run_if)

    tasks = [
        py("good", "ok.py"),
        py("bad", "fail.py"),
        after("all_success", "ALL_SUCCESS", ["good", "bad"]),
        after("all_done", "ALL_DONE", ["good", "bad"]),
        after("none_failed", "NONE_FAILED", ["good", "bad"]),
        after("one_success", "AT_LEAST_ONE_SUCCESS", ["good", "bad"]),
        after("all_failed", "ALL_FAILED", ["bad"]),
        after("one_failed", "AT_LEAST_ONE_FAILED", ["good", "bad"]),
        after("all_failed_no", "ALL_FAILED", ["good", "bad"]),
        after("downstream", "ALL_SUCCESS", ["all_success"]),
    ]
    root = make_bundle(tmp_path / "b", tasks, {"ok.py": OK, "fail.py": FAIL})
    record = run(ws, root)
    assert states(record) == {
        "good": "SUCCESS",
        "bad": "FAILED",
        "all_success": "UPSTREAM_FAILED",
        "all_done": "SUCCESS",
        "none_failed": "UPSTREAM_FAILED",
        "one_success": "SUCCESS",
        "all_failed": "SUCCESS",
        "one_failed": "SUCCESS",
        "all_failed_no": "EXCLUDED",
        "downstream": "UPSTREAM_FAILED",
    }
    assert record.result_state == "FAILED"
    assert record.final_tasks()["bad"].state_message == "ValueError: boom"
    # only a non-leaf task failed and the leaf ran anyway: SUCCESS_WITH_FAILURES
    root = make_bundle(
        tmp_path / "c",
        [py("bad", "fail.py"), after("leaf", "ALL_DONE", ["bad"])],
        {"ok.py": OK, "fail.py": FAIL},
    )
    assert run(ws, root).result_state == "SUCCESS_WITH_FAILURES"


PRODUCER = """
    dbutils.jobs.taskValues.set("ok", "true")
    dbutils.jobs.taskValues.set("rows", 5)
    dbutils.notebook.exit(f"{dbutils.widgets.get('table')}|{dbutils.widgets.get('env')}")
"""
CONSUMER = """
    import sys
    from lakeforge.runtime import dbutils
    rows = dbutils.jobs.taskValues.get("produce", "rows")
    missing = dbutils.jobs.taskValues.get("produce", "nope", default="fallback")
    print("args", sys.argv[1:])
    dbutils.notebook.exit(f"{rows}|{missing}|{sys.argv[1]}")
"""


def test_condition_tasks_task_values_widgets_and_outputs(ws: Workspace, tmp_path: Path) -> None:
    tasks = [
        {
            "task_key": "produce",
            "notebook_task": {
                "notebook_path": "src/producer",
                "base_parameters": {"table": "from_base", "env": "from_base"},
            },
        },
        {
            "task_key": "gate",
            "depends_on": [{"task_key": "produce"}],
            "condition_task": {
                "op": "EQUAL_TO",
                "left": "{{tasks.produce.values.ok}}",
                "right": "true",
            },
        },
        {
            "task_key": "big",
            "depends_on": [{"task_key": "produce"}],
            "condition_task": {
                "op": "GREATER_THAN",
                "left": "{{tasks.produce.values.rows}}",
                "right": "10",
            },
        },
        py(
            "yes",
            "consumer.py",
            depends_on=[{"task_key": "gate", "outcome": "true"}],
            spark_python_task={
                "python_file": "src/consumer.py",
                "parameters": ["{{job.parameters.env}}-{{job.run_id}}"],
            },
        ),
        py("no", "consumer.py", depends_on=[{"task_key": "big", "outcome": "true"}]),
    ]
    root = make_bundle(
        tmp_path / "b",
        tasks,
        {"producer.py": PRODUCER, "consumer.py": CONSUMER},
        parameters=[{"name": "env", "default": "dev"}],
    )
    record = run(ws, root, parameters={"env": "prod"})
    final = record.final_tasks()
    assert states(record) == {
        "produce": "SUCCESS",
        "gate": "SUCCESS",
        "big": "SUCCESS",
        "yes": "SUCCESS",
        "no": "EXCLUDED",
    }
    assert final["gate"].outcome == "true" and final["big"].outcome == "false"
    # job parameters override same-named base_parameters; others keep theirs
    assert final["produce"].output == "from_base|prod"
    assert final["yes"].output == f"5|fallback|prod-{record.run_id}"
    assert record.result_state == "SUCCESS"
    with pytest.raises(ValidationError, match="not declared"):
        run(ws, root, parameters={"nope": "x"})


def test_script_exit_states_and_logs(ws: Workspace, tmp_path: Path) -> None:
    scripts = {
        "explicit.py": "import sys\nsys.exit('FAILED: bad input data')\n",
        "code.py": "import sys\nsys.exit(3)\n",
        "clean.py": "import sys\nprint('hello log')\nsys.exit(0)\n",
    }
    root = make_bundle(
        tmp_path / "b",
        [py("explicit", "explicit.py"), py("code", "code.py"), py("clean", "clean.py")],
        scripts,
    )
    record = run(ws, root)
    final = record.final_tasks()
    assert states(record) == {"explicit": "FAILED", "code": "FAILED", "clean": "SUCCESS"}
    assert final["explicit"].state_message == "FAILED: bad input data"
    assert final["code"].exit_code == 3
    assert "hello log" in Path(str(final["clean"].log_path)).read_text()


def test_notebook_exit_failed_fails_the_task(ws: Workspace, tmp_path: Path) -> None:
    """Guardrail 3: the reference templates' `dbutils.notebook.exit(f"FAILED: {e}")` is a
    failure here (the reference records it as success)."""
    scripts = {
        "failed.py": "dbutils.notebook.exit('FAILED: no rows for 2024-01-01')\n",
        "lower.py": "dbutils.notebook.exit('failed')\n",
        "ok.py": "dbutils.notebook.exit('SUCCESS')\n",
        "mentions.py": "dbutils.notebook.exit('rows: 3, FAILED: 0')\n",
        "parent.py": "dbutils.notebook.run('./failed', 60, {})\n",
    }
    root = make_bundle(
        tmp_path / "b",
        [py(k, f"{k}.py") for k in ("failed", "lower", "ok", "mentions", "parent")],
        scripts,
    )
    record = run(ws, root)
    final = record.final_tasks()
    assert states(record) == {
        "failed": "FAILED",
        "lower": "FAILED",
        "ok": "SUCCESS",
        "mentions": "SUCCESS",
        "parent": "FAILED",
    }
    assert final["failed"].state_message == "FAILED: no rows for 2024-01-01"
    assert final["failed"].output == "FAILED: no rows for 2024-01-01"
    assert final["ok"].output == "SUCCESS" and final["ok"].state_message in (None, "")
    assert "FAILED: no rows for 2024-01-01" in str(final["parent"].state_message)
    assert record.result_state == "FAILED"


def test_bundle_root_is_on_the_import_path(ws: Workspace, tmp_path: Path) -> None:
    root = make_bundle(
        tmp_path / "b",
        [py("use", "jobs/use_helper.py")],
        {"jobs/use_helper.py": "from shared.helpers import answer\nassert answer() == 42\n"},
    )
    (root / "shared").mkdir()
    (root / "shared" / "helpers.py").write_text("def answer():\n    return 42\n")
    assert run(ws, root).result_state == "SUCCESS"


def test_environment_dependencies_are_checked(ws: Workspace, tmp_path: Path) -> None:
    envs = [
        {"environment_key": "ok", "spec": {"dependencies": ["pyyaml>=5"]}},
        {"environment_key": "old", "spec": {"dependencies": ["pyyaml==5.1"]}},
        {"environment_key": "missing", "spec": {"dependencies": ["surely-not-installed-pkg==1.0"]}},
    ]
    tasks = [py(k, "ok.py", environment_key=k) for k in ("ok", "old", "missing")]
    root = make_bundle(tmp_path / "b", tasks, {"ok.py": OK}, environments=envs)
    record = run(ws, root)
    assert states(record) == {"ok": "SUCCESS", "old": "SUCCESS", "missing": "FAILED"}
    assert "not installed" in record.final_tasks()["missing"].state_message
    assert any("major.minor differs from 5.1" in line for line in record.environment)
    strict = run(ws, root, options=RunOptions(strict_environment=True))
    assert states(strict)["old"] == "FAILED"


def test_wheel_entry_points_run_by_name(ws: Workspace, tmp_path: Path) -> None:
    tasks = [
        {
            "task_key": "cli",
            "python_wheel_task": {
                "package_name": "lakeforge",
                "entry_point": "lakeforge",
                "parameters": ["--help"],
            },
        },
        {
            "task_key": "nope",
            "python_wheel_task": {"package_name": "lakeforge", "entry_point": "nope"},
        },
    ]
    record = run(ws, make_bundle(tmp_path / "b", tasks, {}))
    assert states(record) == {"cli": "SUCCESS", "nope": "FAILED"}
    assert "no entry point 'nope'" in record.final_tasks()["nope"].state_message


def test_max_concurrent_runs_and_cancel(ws: Workspace, tmp_path: Path) -> None:
    root = make_bundle(
        tmp_path / "b", [py("wait", "wait.py")], {"wait.py": "import time\ntime.sleep(30)\n"}
    )
    bundle = load_bundle(root)
    first = JobRunner(ws.settings, bundle, "j", options=RunOptions(grace_s=0.5))
    results: list[JobRun] = []
    thread = threading.Thread(target=lambda: results.append(first.run()))
    thread.start()
    store = RunStore(ws.settings.runs_dir)
    deadline = time.monotonic() + 20
    while not store.active("t", "j") and time.monotonic() < deadline:
        time.sleep(0.05)
    second = run_job(ws.settings, bundle, "j")
    assert second.result_state == "MAXIMUM_CONCURRENT_RUNS_REACHED"
    assert second.life_cycle_state == "SKIPPED"
    first.cancel_event.set()
    thread.join(timeout=20)
    assert results and results[0].result_state == "CANCELED"
    assert states(results[0]) == {"wait": "CANCELED"}
    listed = store.runs("j")
    assert [r.run_id for r in listed] == [second.run_id, results[0].run_id]
    assert json.loads((store.run_dir(second.run_id) / "run.json").read_text())["job_key"] == "j"


PARENT = """
    value = dbutils.notebook.run("./child", 60, {"n": "20"})
    try:
        dbutils.notebook.run("./child", 60, {"n": "boom"})
    except Exception as exc:
        failed = type(exc).__name__
    dbutils.notebook.exit(f"{value}|{failed}")
"""
CHILD = """
    dbutils.widgets.dropdown("mode", "fast", ["fast", "slow"])
    n = int(dbutils.widgets.get("n"))
    dbutils.notebook.exit(str(n + 1) + dbutils.widgets.get("mode"))
"""


def test_notebook_run_returns_the_child_exit_value_and_raises_on_failure(
    ws: Workspace, tmp_path: Path
) -> None:
    task = {"task_key": "parent", "notebook_task": {"notebook_path": "src/parent"}}
    root = make_bundle(tmp_path / "b", [task], {"parent.py": PARENT, "child.py": CHILD})
    record = run(ws, root)
    assert states(record) == {"parent": "SUCCESS"}, record.final_tasks()["parent"].state_message
    assert record.final_tasks()["parent"].output == "21fast|JobRunError"


def test_widgets_and_task_values_outside_a_job() -> None:
    from lakeforge.jobs.dbutils import DBUtils, NotebookExit

    dbutils = DBUtils(None)
    dbutils.widgets.text("date", "2026-01-01")
    dbutils.widgets.multiselect("tags", "a,b", ["a", "b", "c"])
    assert dbutils.widgets.getAll() == {"date": "2026-01-01", "tags": "a,b"}
    with pytest.raises(ValidationError, match="'missing' is not defined"):
        dbutils.widgets.get("missing")
    with pytest.raises(ValidationError, match="not one of"):
        dbutils.widgets.dropdown("mode", "x", ["a"])
    assert dbutils.jobs.taskValues.get("t", "k", debugValue=3) == 3
    with pytest.raises(ValidationError, match="debugValue"):
        dbutils.jobs.taskValues.get("t", "k")
    with pytest.raises(ValidationError, match="48 KiB"):
        dbutils.jobs.taskValues.set("big", "x" * 50_000)
    with pytest.raises(NotebookExit) as done:
        dbutils.notebook.exit("bye")
    assert done.value.value == "bye" and done.value.code == 0
