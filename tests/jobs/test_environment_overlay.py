"""Notebook-scoped %pip: requirements decided against the running environment, overlays per
requirement set (cached), conflicts with lakeforge's own packages kept and tagged (or fatal
under notebook_pip = "strict"), restartPython. Offline: wheels built here, PIP_NO_INDEX=1."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import shutil
import sqlite3
import textwrap
import zipfile
from pathlib import Path

import pytest
import yaml

from lakeforge.errors import ConfigurationError, NotebookMagicError
from lakeforge.jobs.bundle import load_bundle
from lakeforge.jobs.environment_requirements import decide, parse_pip, runtime_packages
from lakeforge.jobs.records import JobRun
from lakeforge.jobs.runner import RunOptions, run_job
from lakeforge.jobs.task_context import TaskContext
from lakeforge.models.run_context import JobRunContext
from lakeforge.settings import resolve_settings
from lakeforge.tables.workspace import Workspace

HEADER = "# Databricks notebook source\n"
SEP = "\n# COMMAND ----------\n\n"


def source(*cells: str) -> str:
    return HEADER + SEP.join(textwrap.dedent(c).strip() + "\n" for c in cells)


def make_wheel(
    folder: Path, name: str, version: str, code: str, requires: tuple[str, ...] = ()
) -> Path:
    """A pure-Python wheel, written by hand (no build backend, no network)."""
    dist = f"{name}-{version}.dist-info"
    needs = "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{name}/__init__.py": code,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{needs}",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{path},sha256={encoded},{len(text.encode())}")
    files[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tinypkg 0.1 (needs pyyaml, which is installed) and 0.2, the only index pip may use."""
    folder = tmp_path / "wheels"
    make_wheel(folder, "tinypkg", "0.1", "VALUE = 'one'\n", ("pyyaml>=5",))
    make_wheel(folder, "tinypkg", "0.2", "VALUE = 'two'\n")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    return folder


def run_notebook(
    ws: Workspace, root: Path, text: str, files: dict[str, str] | None = None
) -> JobRun:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "nb.py").write_text(text)
    for name, content in (files or {}).items():
        (root / "src" / name).write_text(content)
    task = {"task_key": "nb", "notebook_task": {"notebook_path": "src/nb"}}
    spec = {"bundle": {"name": "pip"}, "resources": {"jobs": {"j": {"tasks": [task]}}}}
    (root / "databricks.yml").write_text(yaml.safe_dump(spec))
    return run_job(ws.settings, load_bundle(root), "j", options=RunOptions(grace_s=1.0))


def task_log(record: JobRun) -> str:
    return Path(str(record.final_tasks()["nb"].log_path)).read_text()


# -- deciding (no process) --------------------------------------------------------------------


def test_pip_lines_and_requirement_files_are_parsed(tmp_path: Path) -> None:
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "main.txt").write_text(
        "pandas>=1  # a comment\n-r more.txt\n--extra-index-url https://example.invalid/simple\n"
        "tinypkg==0.1 --hash=sha256:abc\nplatform-only==1 ; python_version < '3'\n"
    )
    (tmp_path / "reqs" / "more.txt").write_text("pyyaml\\\n>=5\n-r main.txt\n")
    request = parse_pip("install -U --quiet -r reqs/main.txt ./local.whl", tmp_path)
    assert request.requirements == (
        "pandas>=1",
        "pyyaml >=5",
        "tinypkg==0.1",
        "platform-only==1 ; python_version < '3'",
        str(tmp_path / "local.whl"),
    )
    assert request.options == ("--extra-index-url", "https://example.invalid/simple")
    assert request.upgrade
    for line, named in [
        ("uninstall pandas", "%pip uninstall"),
        ("install --target /tmp/x tinypkg", "--target"),
        ("install -e .", "-e"),
        ("install --force-reinstall pandas", "--force-reinstall"),
        ("install --frobnicate pandas", "--frobnicate"),
        ("install", "names no requirement"),
        ("install -r missing.txt", "missing.txt"),
    ]:
        with pytest.raises(NotebookMagicError, match=named):
            parse_pip(line, tmp_path)


def test_requirements_are_decided_against_what_lakeforge_runs_on() -> None:
    runtime = runtime_packages()
    assert {"lakeforge", "pandas", "pyarrow", "deltalake", "duckdb", "mlflow"} <= runtime
    assert "pytest" not in runtime  # dev tooling is not what lakeforge runs on
    pandas = importlib.metadata.version("pandas")
    assert decide("pandas>=1", runtime).action == "satisfied"
    assert decide("pandas>=1", runtime, upgrade=True).note.startswith(" (-U")
    conflict = decide("pandas==1.5.3", runtime)
    assert (conflict.action, conflict.package, conflict.running) == ("conflict", "pandas", pandas)
    assert f"keeping {pandas}" in conflict.line()
    assert decide("mlflow==2.11.3", runtime).action == "conflict"
    assert decide("surely-not-installed-pkg==1.0", runtime).action == "install"
    assert decide("other==1 ; python_version < '3'", runtime).action == "skip"
    wheel = decide(f"/w/pandas-{pandas}-py3-none-any.whl", runtime)
    assert wheel.action == "satisfied"
    assert decide("/w/pandas-1.0-py3-none-any.whl", runtime).action == "conflict"
    with pytest.raises(NotebookMagicError, match="is not a requirement"):
        decide("not a requirement!", runtime)


def test_notebook_pip_setting(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    assert resolve_settings(root, env={}).notebook_pip == "overlay"
    assert resolve_settings(root, env={"LAKEFORGE_NOTEBOOK_PIP": "Strict"}).notebook_pip == "strict"
    (root / "lakeforge.toml").write_text('notebook_pip = "strict"\n')
    assert resolve_settings(root, env={}).notebook_pip == "strict"
    with pytest.raises(ConfigurationError, match="must be one of overlay, strict"):
        resolve_settings(root, env={"LAKEFORGE_NOTEBOOK_PIP": "loose"})


def test_conflicts_become_a_run_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context = TaskContext(
        run_id=3,
        job_key="j",
        task_key="nb",
        kind="notebook_task",
        runs_dir=str(tmp_path),
        output_file=str(tmp_path / "out"),
        error_file=str(tmp_path / "err"),
    ).write(tmp_path / "context.json")
    monkeypatch.setenv("LAKEFORGE_TASK_CONTEXT", str(context))
    assert "lakeforge.pip_conflicts" not in JobRunContext().tags()
    monkeypatch.setenv("LAKEFORGE_PIP_CONFLICTS", "mlflow==2.11.3 (running mlflow 3.1.0)")
    tags = JobRunContext().tags()
    assert tags["lakeforge.pip_conflicts"] == "mlflow==2.11.3 (running mlflow 3.1.0)"


# -- in task processes ------------------------------------------------------------------------

OVERLAY = source(
    "%pip install tinypkg==0.1 pandas pyyaml==5.4",
    "import tinypkg\nfirst = tinypkg.VALUE",
    "# MAGIC %pip install --quiet tinypkg==0.2",
    "dbutils.library.restartPython()",
    """
    import tinypkg
    dbutils.notebook.exit(f"{first}|{tinypkg.VALUE}|{tinypkg.__file__}")
    """,
)


def test_pip_installs_into_a_cached_overlay_and_keeps_lakeforges_packages(
    ws: Workspace, tmp_path: Path, wheels: Path
) -> None:
    record = run_notebook(ws, tmp_path / "b", OVERLAY)
    task = record.final_tasks()["nb"]
    text = task_log(record)
    assert task.result_state == "SUCCESS", (task.state_message, text)
    first, second, where = str(task.output).split("|")
    assert (first, second) == ("one", "two")  # restartPython re-imported from the new overlay
    overlays = ws.settings.workspace / "pip-overlays"
    assert Path(where).parents[2] == overlays
    assert "pandas: already satisfied" in text
    yaml_version = importlib.metadata.version("pyyaml")
    warnings = [line for line in text.splitlines() if "WARNING" in line]
    assert warnings == [
        f"[lakeforge] %pip: WARNING pyyaml==5.4 conflicts with pyyaml {yaml_version}, which "
        f"lakeforge runs on: keeping {yaml_version}"
    ]
    assert "installed tinypkg 0.1" in text and "restartPython" in text
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.version("tinypkg")  # lakeforge's own environment is untouched
    assert len(list(overlays.iterdir())) == 2  # one per requirement set; no staging left
    again = run_notebook(ws, tmp_path / "b", OVERLAY)
    assert again.final_tasks()["nb"].result_state == "SUCCESS"
    assert "cached tinypkg 0.1" in task_log(again)  # same requirements: the same overlay


def test_strict_mode_fails_on_a_conflicting_pin(ws: Workspace, tmp_path: Path) -> None:
    ws.settings.config_file.write_text(
        ws.settings.config_file.read_text() + 'notebook_pip = "strict"\n'
    )
    record = run_notebook(ws, tmp_path / "b", source("%pip install pandas==1.5.3", "x = 1"))
    task = record.final_tasks()["nb"]
    assert task.result_state == "FAILED"
    assert str(task.state_message).startswith(
        "nb.py, cell 1, line 2: PipConflictError: %pip install"
    )
    assert "'pandas==1.5.3' conflicts with pandas" in str(task.state_message)


def test_an_unresolvable_requirement_fails_naming_it(
    ws: Workspace, tmp_path: Path, wheels: Path
) -> None:
    record = run_notebook(ws, tmp_path / "b", source("%pip install surely-not-a-package-xyz==1.0"))
    task = record.final_tasks()["nb"]
    assert task.result_state == "FAILED"
    message = str(task.state_message)
    assert (
        "PipInstallError: %pip install could not install surely-not-a-package-xyz==1.0" in message
    )
    assert "PIP_FIND_LINKS" in message  # the fix says how to install offline


@pytest.mark.slow
def test_conflicts_tag_the_tasks_mlflow_runs(
    ws: Workspace, tmp_path: Path, mlflow_db_template: Path
) -> None:
    shutil.copy(mlflow_db_template, ws.settings.mlflow_db)
    notebook = source(
        "# MAGIC %pip install mlflow==2.11.3",
        """
        import mlflow
        mlflow.set_experiment("/Shared/pip-conflicts")
        with mlflow.start_run() as active:
            pass
        dbutils.notebook.exit(active.info.run_id)
        """,
    )
    record = run_notebook(ws, tmp_path / "b", notebook)
    task = record.final_tasks()["nb"]
    assert task.result_state == "SUCCESS", (task.state_message, task_log(record))
    with sqlite3.connect(ws.settings.mlflow_db) as db:
        tags = dict(db.execute("SELECT key, value FROM tags WHERE run_uuid = ?", (task.output,)))
    running = importlib.metadata.version("mlflow")
    assert tags["lakeforge.pip_conflicts"] == f"mlflow==2.11.3 (running mlflow {running})"


@pytest.mark.slow
def test_pip_requirements_file_in_a_fresh_directory(tmp_path: Path) -> None:
    """A user's view: `%pip install -r ../requirements.txt` with a local wheel, the CLI only."""
    from _script import run_cli, write_files

    folder = tmp_path / "project"
    write_files(
        folder,
        {
            "databricks.yml": """
                bundle: {name: fresh}
                resources:
                  jobs:
                    train:
                      tasks:
                        - task_key: train
                          notebook_task: {notebook_path: notebooks/Train}
            """,
            "requirements.txt": "pandas\nmlflow==2.11.3\n./wheels/tinypkg-0.2-py3-none-any.whl\n",
            "notebooks/Train.py": source(
                """
                import os
                context = dbutils.notebook.entry_point.getDbutils().notebook().getContext()
                notebook_path = '/Workspace/' + os.path.dirname(context.notebookPath().get())
                %cd $notebook_path
                """,
                "# MAGIC %pip install -r ../requirements.txt",
                "dbutils.library.restartPython()",
                "import tinypkg\ndbutils.notebook.exit(tinypkg.VALUE)",
            ),
        },
    )
    make_wheel(folder / "notebooks" / "wheels", "tinypkg", "0.2", "VALUE = 'two'\n")
    done = run_cli(folder, "bundle", "run", "train", env={"PIP_NO_INDEX": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = list((folder / ".lakeforge" / "runs").glob("*/tasks/train/output.txt"))
    assert [p.read_text() for p in outputs] == ["two"]
    log = outputs[0].with_name("attempt-0.log").read_text()
    assert "WARNING mlflow==2.11.3 conflicts with mlflow" in log
