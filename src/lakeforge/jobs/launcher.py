"""The task process: ``python -m lakeforge.jobs.launcher <context.json>``.

Runs one task attempt as the reference would: a notebook task's source notebook (``# Databricks
notebook source``) or ``.ipynb`` cell by cell through IPython (:mod:`.notebook`); a Python file
(a ``spark_python_task``, or a notebook task's plain ``.py``) as ``__main__`` with ``dbutils`` in
its globals (Databricks notebooks use it without importing) and ``sys.argv`` set to the task's
parameters; or a wheel's entry point by name. Exit status is the verdict: 0 for success
(``dbutils.notebook.exit`` included, its value written to the output file), 1 for an exit value
starting with ``FAILED`` (also the state message), the script's own code for ``sys.exit``, 1 for
an exception — whose one-line summary goes to the error file for the run record and whose
traceback goes to the task log (for a notebook: the file, cell and line that failed).
"""

from __future__ import annotations

import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

from lakeforge.errors import NotebookCellError
from lakeforge.jobs import dbutils as dbutils_module
from lakeforge.jobs.notebook_source import is_notebook
from lakeforge.jobs.task_context import TaskContext, failure_line, write_capped


def _normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _entry_point(package: str, name: str) -> Any:
    import importlib.metadata  # wheel tasks only: ~20 ms every other task need not pay

    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            f"python_wheel_task: package {package!r} is not installed in the task environment"
        ) from None
    for entry in dist.entry_points:
        if entry.name == name:
            return entry.load()
    names = sorted({e.name for e in dist.entry_points})
    raise SystemExit(f"python_wheel_task: {package} has no entry point {name!r} (it has {names})")


def _run(context: TaskContext, dbutils: dbutils_module.DBUtils) -> None:
    if context.kind in {"notebook_task", "spark_python_task"}:
        assert context.file is not None
        file = str(Path(context.file))
        sys.argv = [file, *context.argv]
        sys.path.insert(0, str(Path(file).parent))
        if context.kind == "notebook_task" and is_notebook(Path(file)):
            from lakeforge.jobs.notebook import run_notebook

            run_notebook(Path(file), dbutils, Path(context.output_file).parent)
            return
        runpy.run_path(file, init_globals={"dbutils": dbutils}, run_name="__main__")
        return
    if context.kind == "python_wheel_task":
        assert context.package_name is not None and context.entry_point is not None
        function = _entry_point(context.package_name, context.entry_point)
        sys.argv = [context.entry_point, *context.argv]
        function()
        return
    raise SystemExit(f"task type {context.kind} cannot run in a task process")


def _write(path: str, text: str) -> None:
    # output and error files become the run record: never a secret value the task has read
    write_capped(path, dbutils_module.redact(text))


def main(argv: list[str] | None = None) -> int:
    """Run the attempt described by the context file given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    context = TaskContext.read(Path(args[0]))
    dbutils = dbutils_module.current()  # the object lakeforge.runtime hands out too
    if dbutils.context is None or dbutils.context.task_key != context.task_key:
        dbutils = dbutils_module.DBUtils(context)
    try:
        _run(context, dbutils)
    except dbutils_module.NotebookExit as done:
        _write(context.output_file, done.value)
        if done.failed:  # dbutils.notebook.exit("FAILED: ...") fails the task (guardrail 3)
            _write(context.error_file, done.value)
            print(done.value, file=sys.stderr)
            return 1
        return 0
    except SystemExit as exit_:
        code = exit_.code
        if code is None or code == 0:
            return 0
        if isinstance(code, int):
            _write(context.error_file, f"exit code {code}")
            return code
        _write(context.error_file, str(code))
        print(code, file=sys.stderr)
        return 1
    except NotebookCellError as failure:  # its traceback, with notebook lines, is printed
        print(f"[lakeforge] {failure}", file=sys.stderr)
        _write(context.error_file, str(failure))
        return 1
    except BaseException as exc:  # noqa: BLE001 - every failure becomes the task's verdict
        traceback.print_exc()
        _write(context.error_file, failure_line(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    raise SystemExit(main())
