"""``dbutils.notebook.run``: a notebook run as a child of the calling task, in its own process.

The child gets the arguments as widget values, runs with the same launcher as job tasks and
hands back its ``dbutils.notebook.exit`` value. Inside a job run it is recorded under the
calling task's directory; outside one, under a new run id of the workspace.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from lakeforge.errors import JobRunError, ValidationError
from lakeforge.jobs import process
from lakeforge.jobs.job_checks import notebook_file
from lakeforge.jobs.records import OUTPUT_LIMIT, RunStore
from lakeforge.jobs.task_context import TaskContext
from lakeforge.settings import TASK_CONTEXT_ENV, resolve_settings, task_environment

_COUNTER = itertools.count(1)


def _notebook_file(parent: TaskContext | None, path: str) -> Path:
    base = Path(parent.file).parent if parent is not None and parent.file else Path.cwd()
    candidate = Path(path) if Path(path).is_absolute() else (base / path)
    found = notebook_file(candidate)
    if found.is_file():
        return found.resolve()
    raise ValidationError(
        f"notebook {path!r} not found (looked for {candidate}, {candidate}.py and "
        f"{candidate}.ipynb)",
        "pass a path relative to the calling notebook",
    )


def run_child_notebook(
    parent: TaskContext | None, path: str, timeout_seconds: int, arguments: dict[str, str]
) -> str:
    """Run a notebook as a child run and return its exit value.

    Raises:
        ValidationError: The notebook does not exist or an argument is not a string.
        JobRunError: The child failed or timed out.
    """
    bad = sorted(k for k, v in arguments.items() if not isinstance(v, str))
    if bad:
        raise ValidationError(
            f"dbutils.notebook.run arguments must be strings; {bad} are not",
            "convert the values with str() (or json.dumps for structures)",
        )
    file = _notebook_file(parent, path)
    settings = resolve_settings()
    if parent is not None:
        store = RunStore(Path(parent.runs_dir))
        run_id = parent.run_id
        key = f"{parent.task_key}.{file.stem}-{next(_COUNTER)}"
    else:
        store = RunStore(settings.runs_dir)
        run_id = store.allocate()
        key = file.stem
    folder = store.task_dir(run_id, key)
    context = TaskContext(
        run_id=run_id,
        job_key=parent.job_key if parent is not None else "notebook.run",
        task_key=key,
        kind="notebook_task",
        file=str(file),
        widgets=arguments,
        runs_dir=str(store.root),
        output_file=str(folder / "output.txt"),
        error_file=str(folder / "error.txt"),
    )
    context_file = context.write(folder / "context-0.json")
    env = task_environment(settings, {TASK_CONTEXT_ENV: str(context_file)})
    log = folder / "attempt-0.log"
    proc = process.start(
        process.launcher_command(context_file, sys.executable), file.parent, env, log
    )
    finished = process.wait(proc, float(timeout_seconds) or None)
    if finished.timed_out:
        raise JobRunError(key, "TIMEDOUT", [f"no exit after {timeout_seconds}s; log: {log}"])
    if finished.exit_code != 0:
        error = Path(context.error_file)
        reason = error.read_text().strip() if error.is_file() else f"exit code {finished.exit_code}"
        raise JobRunError(key, "FAILED", [f"{reason}; log: {log}"])
    output = Path(context.output_file)
    return output.read_bytes()[:OUTPUT_LIMIT].decode(errors="replace") if output.is_file() else ""


__all__ = ["run_child_notebook"]
