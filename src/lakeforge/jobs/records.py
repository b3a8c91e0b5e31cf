"""Job run records: one directory per run under the workspace's ``runs/``.

::

    runs/<run_id>/run.json                     the run (JobRun), rewritten atomically
    runs/<run_id>/tasks/<task>/attempt-<n>.log stdout and stderr of each attempt
    runs/<run_id>/tasks/<task>/context-<n>.json what the task process was started with
    runs/<run_id>/tasks/<task>/output.txt      dbutils.notebook.exit value (first 5 MB)
    runs/<run_id>/tasks/<task>/error.txt       the exception that ended the last attempt
    runs/<run_id>/values/<task>.json           dbutils.jobs.taskValues of the task

Run ids are increasing integers, allocated by creating the run directory (``mkdir`` is atomic,
so concurrent runs never share an id). States and result states are the reference enums
(api-compat §6.3).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from lakeforge.errors import RunNotFoundError
from lakeforge.jobs.task_context import OUTPUT_LIMIT

LifeCycle = Literal[
    "QUEUED",
    "PENDING",
    "RUNNING",
    "TERMINATING",
    "TERMINATED",
    "SKIPPED",
    "INTERNAL_ERROR",
    "BLOCKED",
    "WAITING_FOR_RETRY",
]
ResultState = Literal[
    "SUCCESS",
    "FAILED",
    "TIMEDOUT",
    "CANCELED",
    "SUCCESS_WITH_FAILURES",
    "UPSTREAM_FAILED",
    "UPSTREAM_CANCELED",
    "EXCLUDED",
    "DISABLED",
    "MAXIMUM_CONCURRENT_RUNS_REACHED",
]
FAILED_STATES = frozenset({"FAILED", "TIMEDOUT", "UPSTREAM_FAILED"})
CANCELED_STATES = frozenset({"CANCELED", "UPSTREAM_CANCELED"})


def now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a process-private temporary file and a rename, so
    readers see the old file or the new one, never half of one."""
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(text)
    tmp.replace(path)


class TaskRun(BaseModel):
    """One attempt of one task (retries are separate task runs)."""

    task_key: str
    attempt_number: int = 0
    life_cycle_state: LifeCycle = "PENDING"
    result_state: ResultState | None = None
    state_message: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    exit_code: int | None = None
    outcome: str | None = None
    log_path: str | None = None
    output: str | None = None
    truncated: bool = False

    @property
    def duration_s(self) -> float | None:
        """Seconds the attempt ran."""
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()


class JobRun(BaseModel):
    """A run of a job: its tasks' attempts and the overall state."""

    run_id: int
    job_key: str
    job_name: str
    bundle: str
    target: str
    parameters: dict[str, str] = Field(default_factory=dict)
    life_cycle_state: LifeCycle = "PENDING"
    result_state: ResultState | None = None
    state_message: str = ""
    start_time: datetime = Field(default_factory=now)
    end_time: datetime | None = None
    pid: int = Field(default_factory=os.getpid)
    trigger: str = "ONE_TIME"
    tasks: list[TaskRun] = Field(default_factory=list)
    environment: list[str] = Field(default_factory=list)

    def final_tasks(self) -> dict[str, TaskRun]:
        """The last attempt of every task, by key."""
        last: dict[str, TaskRun] = {}
        for task in self.tasks:
            last[task.task_key] = task
        return last

    @property
    def failed(self) -> bool:
        """Whether the run ended in a state the CLI reports with a non-zero exit."""
        return self.result_state not in {None, "SUCCESS"}


class RunStore:
    """Run records of one workspace.

    Args:
        runs_dir: The workspace's ``runs/`` directory.
    """

    def __init__(self, runs_dir: Path) -> None:
        self.root = runs_dir

    def run_dir(self, run_id: int) -> Path:
        """Directory of one run."""
        return self.root / str(run_id)

    def task_dir(self, run_id: int, task_key: str) -> Path:
        """Directory of one task of a run."""
        return self.run_dir(run_id) / "tasks" / task_key

    def values_file(self, run_id: int, task_key: str) -> Path:
        """Task values file of one task."""
        return self.run_dir(run_id) / "values" / f"{task_key}.json"

    def allocate(self) -> int:
        """A new run id (its directory created)."""
        self.root.mkdir(parents=True, exist_ok=True)
        candidate = max(self._ids(), default=0) + 1
        while True:
            try:
                self.run_dir(candidate).mkdir()
                return candidate
            except FileExistsError:
                candidate += 1

    def _ids(self) -> list[int]:
        if not self.root.is_dir():
            return []
        return [int(p.name) for p in self.root.iterdir() if p.name.isdigit()]

    def save(self, run: JobRun) -> None:
        """Write a run record atomically (readers never see half a file)."""
        write_atomically(self.run_dir(run.run_id) / "run.json", run.model_dump_json(indent=2))

    def get(self, run_id: int) -> JobRun:
        """A run record.

        Raises:
            RunNotFoundError: No record with that id.
        """
        path = self.run_dir(run_id) / "run.json"
        if not path.is_file():
            recent = [str(i) for i in sorted(self._ids())[-10:]]
            raise RunNotFoundError(str(run_id), recent, "list runs with: lakeforge jobs runs list")
        return JobRun.model_validate_json(path.read_text())

    def runs(self, job_key: str | None = None, limit: int = 25) -> list[JobRun]:
        """Runs, newest first, optionally of one job."""
        runs = []
        for run_id in sorted(self._ids(), reverse=True):
            path = self.run_dir(run_id) / "run.json"
            if not path.is_file():
                continue
            run = JobRun.model_validate_json(path.read_text())
            if job_key is None or run.job_key == job_key:
                runs.append(run)
            if len(runs) >= limit:
                break
        return runs

    def active(self, bundle: str, job_key: str) -> list[JobRun]:
        """Runs of a job that are running in a live process."""
        return [
            run
            for run in self.runs(job_key, limit=1000)
            if run.bundle == bundle
            and run.life_cycle_state in {"PENDING", "RUNNING", "TERMINATING"}
            and _alive(run.pid)
        ]

    def read_values(self, run_id: int, task_key: str) -> dict[str, Any]:
        """Task values a task set (empty when none)."""
        path = self.values_file(run_id, task_key)
        return dict(json.loads(path.read_text())) if path.is_file() else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = [
    "CANCELED_STATES",
    "FAILED_STATES",
    "OUTPUT_LIMIT",
    "JobRun",
    "LifeCycle",
    "ResultState",
    "RunStore",
    "TaskRun",
    "now",
    "write_atomically",
]
