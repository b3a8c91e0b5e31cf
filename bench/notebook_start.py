"""Start-up overhead of a notebook task (IPython + notebook runner) against `python notebook.py`.

Goal (issue 20): running a trivial source notebook as a notebook task adds at most 0.3 s to
running the same file with a bare `python`. Three commands run N times each in fresh
processes on the same one-cell file, in a temporary workspace:

- `python notebook.py`: the file as a plain script (the baseline);
- the task launcher running it as a `spark_python_task` (runpy, no IPython): the launcher's own
  share (task context, dbutils);
- the task launcher running it as a `notebook_task`: IPython's shell, the cells, the magics.

The table shows min / median / max wall seconds; "added" is the median minus the baseline's.

    python bench/notebook_start.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 0.3
NOTEBOOK = "# Databricks notebook source\nx = 1\n\n# COMMAND ----------\n\ny = x + 1\n"


def measure(command: list[str], runs: int, env: dict[str, str], cwd: Path) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def context_file(folder: Path, kind: str, notebook: Path) -> Path:
    from lakeforge.jobs.task_context import TaskContext

    task = folder / "runs" / "1" / "tasks" / kind
    return TaskContext(
        run_id=1,
        job_key="bench",
        task_key=kind,
        kind=kind,
        file=str(notebook),
        runs_dir=str(folder / "runs"),
        output_file=str(task / "output.txt"),
        error_file=str(task / "error.txt"),
    ).write(task / "context.json")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        notebook = folder / "notebook.py"
        notebook.write_text(NOTEBOOK)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEFORGE_", "MLFLOW_"))}
        env["LAKEFORGE_HOME"] = str(folder / "ws")
        launcher = [sys.executable, "-m", "lakeforge.jobs.launcher"]
        cases = [
            ("python notebook.py (baseline)", [sys.executable, str(notebook)], {}),
        ]
        for kind, label in (
            ("spark_python_task", "launcher, runpy"),
            ("notebook_task", "launcher, IPython"),
        ):
            context = context_file(folder, kind, notebook)
            cases.append(
                (
                    f"{label} ({kind})",
                    [*launcher, str(context)],
                    {"LAKEFORGE_TASK_CONTEXT": str(context)},
                )
            )
        for _, command, extra in cases:
            measure(command, 2, env | extra, folder)  # warm the OS file cache
        print(f"{'command':<40} {'min s':>7} {'median s':>9} {'max s':>7} {'added s':>8}")
        medians = []
        for label, command, extra in cases:
            times = measure(command, args.runs, env | extra, folder)
            medians.append(statistics.median(times))
            added = medians[-1] - medians[0]
            print(
                f"{label:<40} {min(times):7.3f} {medians[-1]:9.3f} {max(times):7.3f} {added:8.3f}"
            )
    added = medians[2] - medians[0]
    verdict = "meets" if added <= GOAL_S else "MISSES"
    print(
        f"\nnotebook task adds {added:.3f} s to `python notebook.py`: {verdict} the {GOAL_S} s goal"
    )
    print(f"(IPython and the notebook runner alone: {medians[2] - medians[1]:.3f} s)")


if __name__ == "__main__":
    main()
