"""Run user code as a user would: a plain script, a fresh subprocess, a fresh empty directory.

No fixtures reach the script: it sees only public imports, an environment without any
``LAKEFORGE_*``/``MLFLOW_*`` variable, and a working directory that is empty when it starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# What MLflow writes in the working directory when nothing binds it elsewhere.
STRAY = ("mlflow.db", "mlruns", "mlartifacts", "spark-warehouse")


def clean_environment(home: Path) -> dict[str, str]:
    """This process's environment without lakeforge/MLflow settings, ``HOME`` at ``home``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LAKEFORGE_", "MLFLOW_", "BUNDLE_VAR_", "DATABRICKS_"))
    }
    env["HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_script(
    folder: Path,
    code: str,
    *,
    name: str = "script.py",
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = 240,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Write ``code`` to ``folder/name`` (``folder`` must be new or empty) and run it there.

    Args:
        folder: The working directory; created, and must hold nothing before the script.
        code: The script text (dedented).
        name: File name of the script inside ``folder``.
        args: Command-line arguments for the script.
        env: Extra environment variables (on top of the clean environment).
        timeout: Seconds before the run is killed.
        check: Fail the test (showing stdout and stderr) when the script exits non-zero.
    """
    folder.mkdir(parents=True, exist_ok=True)
    assert not any(folder.iterdir()), f"{folder} is not empty"
    script = folder / name
    script.write_text(textwrap.dedent(code))
    done = run_python(folder, str(script), *args, env=env, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(
            f"script exited {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
    return done


def assert_nothing_outside(folder: Path, workspace: str = ".lakeforge") -> None:
    """Nothing but the workspace and the script's own files was written in ``folder``:
    no ``./mlflow.db``, ``./mlruns`` or other store MLflow falls back to."""
    stray = [name for name in STRAY if (folder / name).exists()]
    assert not stray, f"written outside the workspace {workspace!r}: {stray}"


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Write a project's files (dedented) into a new or empty ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    assert not any(folder.iterdir()), f"{folder} is not empty"
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run_python(
    folder: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` (this interpreter) in ``folder`` with the clean environment, a home
    of its own beside ``folder``, and ``stdin`` piped in when given."""
    home = folder.parent / f"{folder.name}-home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        env=clean_environment(home) | dict(env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli(
    folder: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``lakeforge ARGS`` (the installed console script's module) in ``folder``, with
    ``stdin`` piped to it when given (e.g. a secret value)."""
    return run_python(folder, "-m", "lakeforge", *args, env=env, timeout=timeout, stdin=stdin)


def mlflow_rows(
    folder: Path, query: str, *params: object, workspace: str = ".lakeforge"
) -> list[tuple[object, ...]]:
    """Rows of a SQL ``query`` on the MLflow store of the workspace in ``folder``
    (``<workspace>/mlflow.db``), read with sqlite3 so the test process keeps no MLflow state."""
    import sqlite3

    database = folder / workspace / "mlflow.db"
    assert database.is_file(), f"no MLflow store in the workspace: {database} is missing"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return list(connection.execute(query, params))
