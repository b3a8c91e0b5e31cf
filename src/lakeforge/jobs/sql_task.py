"""The ``sql_task`` task type: a SQL file run on the workspace, in its own process.

``sql_task: {file: {path: queries/x.sql}, warehouse_id: ..., parameters: {...}}`` runs the
file's statements in order through the same path as ``lakeforge.sql`` (there is no warehouse:
``warehouse_id`` has no local meaning). ``parameters`` (and the job's parameters, which win,
as for notebook widgets) fill the file's ``:name`` markers. A relative path is relative to the
YAML file that names it, as for notebooks. The process is ``python -m lakeforge.jobs.sql_task
<context.json>``, so timeouts, cancellation and logs work as for every other task; what each
statement did goes to the task log, the last statement's rows (JSON records) to the task
output.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from lakeforge.jobs.task_context import TaskContext, failure_line, write_capped

_OUTPUT_ROWS = 100


def command(context_file: Path, python: str | None = None) -> list[str]:
    """The command that runs one sql_task attempt."""
    return [python or sys.executable, "-m", "lakeforge.jobs.sql_task", str(context_file)]


def _run(context: TaskContext) -> str:
    from lakeforge.statements.runner import execute
    from lakeforge.tables.workspace import default_workspace

    assert context.file is not None
    file = Path(context.file)
    if not file.is_file():
        raise FileNotFoundError(f"sql_task file {file} does not exist")
    results = execute(default_workspace(), file.read_text(), args=context.widgets)
    for result in results:
        print(f"[{result.statement.index}] {result.statement.kind}: {result.message}")
        for cast in result.casts:
            print(f"    cast {cast}")
    rows = results[-1].table.slice(0, _OUTPUT_ROWS).to_pylist()
    return json.dumps(rows, default=str)


def main(argv: list[str] | None = None) -> int:
    """Run the attempt described by the context file given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    context = TaskContext.read(Path(args[0]))
    try:
        output = _run(context)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes the task's verdict
        traceback.print_exc()
        write_capped(context.error_file, failure_line(exc))
        return 1
    write_capped(context.output_file, output)
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    raise SystemExit(main())
