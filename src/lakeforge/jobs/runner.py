"""Running a job of a bundle locally: the task DAG, each attempt in its own process.

Tasks whose dependencies have ended are decided by :mod:`.run_rules` and started, at most
``max_parallel`` at a time, in threads that each own one task process (:mod:`.process`).
Attempts get the task's ``timeout_seconds`` (bounded by the job's), are retried up to
``max_retries`` times (``-1``: without limit) after ``min_retry_interval_millis``, timeouts
only with ``retry_on_timeout``. Every attempt is a task run in the run record
(:mod:`.records`), saved as it starts and ends, so ``lakeforge jobs runs get`` shows a run in
progress. ``max_concurrent_runs`` is enforced across processes under a file lock. Ctrl-C
cancels: running tasks are stopped and the run ends ``CANCELED``.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from lakeforge.errors import ValidationError
from lakeforge.jobs import process, run_rules
from lakeforge.jobs.bundle import Bundle
from lakeforge.jobs.bundle_schema import Job, Task
from lakeforge.jobs.environment_check import check_dependencies
from lakeforge.jobs.records import JobRun, LifeCycle, ResultState, RunStore, TaskRun, now
from lakeforge.jobs.task_attempt import Attempt
from lakeforge.settings import Settings

Listener = Callable[[JobRun, TaskRun], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How a job runs locally.

    Attributes:
        max_parallel: Tasks running at once.
        grace_s: Seconds between SIGTERM and SIGKILL when a task is stopped.
        strict_environment: A dependency whose major.minor differs from the installed one
            fails the task instead of warning.
        python: Interpreter for task processes (default: the current one).
    """

    max_parallel: int = 4
    grace_s: float = process.DEFAULT_GRACE_S
    strict_environment: bool = False
    python: str | None = None


def job_parameters(job: Job, given: Mapping[str, str]) -> dict[str, str]:
    """The job's parameters: declared defaults overridden by ``given``.

    Raises:
        ValidationError: ``given`` names a parameter the job does not declare.
    """
    declared = {p.name: p.default for p in job.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ValidationError(
            f"job parameters {unknown} are not declared (declared: {sorted(declared)})",
            "declare them under the job's parameters: [{name: ..., default: ...}]",
        )
    values = {**declared, **given}
    return {
        k: ("true" if v is True else "false" if v is False else str(v)) for k, v in values.items()
    }


class JobRunner:
    """Runs one job of a bundle and records the run.

    Args:
        settings: The workspace settings (task processes use the same workspace).
        bundle: The loaded bundle.
        job_key: Which job to run.
        parameters: Job parameter values (``--params k=v``).
        options: Local execution options.
        listener: Called on every task state change (for progress display).
        trigger: What started the run (``ONE_TIME``, ``PERIODIC`` for the scheduler).
    """

    def __init__(
        self,
        settings: Settings,
        bundle: Bundle,
        job_key: str,
        parameters: Mapping[str, str] | None = None,
        options: RunOptions | None = None,
        listener: Listener | None = None,
        trigger: str = "ONE_TIME",
    ) -> None:
        self.settings = settings
        self.trigger = trigger
        self.bundle = bundle
        self.job = bundle.job(job_key)
        self.job_key = job_key
        self.parameters = job_parameters(self.job, dict(parameters or {}))
        self.options = options or RunOptions()
        self.store = RunStore(settings.runs_dir)
        self._listener = listener
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self.record: JobRun | None = None
        self.deadline: float | None = None

    # -- record keeping ----------------------------------------------------------------------

    def _update(self, task_run: TaskRun | None = None) -> None:
        assert self.record is not None
        with self._lock:
            if task_run is not None and task_run not in self.record.tasks:
                self.record.tasks.append(task_run)
            self.store.save(self.record)
        if self._listener is not None and task_run is not None:
            self._listener(self.record, task_run)

    def _start_record(self) -> JobRun:
        run_id = self.store.allocate()
        record = JobRun(
            run_id=run_id,
            job_key=self.job_key,
            job_name=self.job.name or self.job_key,
            bundle=self.bundle.name,
            target=self.bundle.target,
            parameters=self.parameters,
            life_cycle_state="RUNNING",
            trigger=self.trigger,
        )
        lock_file = self.store.root / ".locks" / f"{self.bundle.name}.{self.job_key}.lock"
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with lock_file.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            active = self.store.active(self.bundle.name, self.job_key)
            if len(active) >= self.job.max_concurrent_runs:
                record.life_cycle_state = "SKIPPED"
                record.result_state = "MAXIMUM_CONCURRENT_RUNS_REACHED"
                record.state_message = (
                    f"{len(active)} run(s) of {self.job_key} already running "
                    f"(max_concurrent_runs={self.job.max_concurrent_runs}): "
                    f"{[r.run_id for r in active]}"
                )
                record.end_time = now()
            self.store.save(record)
        return record

    # -- running -----------------------------------------------------------------------------

    def run(self) -> JobRun:
        """Run the job to the end and return its record (saved in the workspace)."""
        self.record = self._start_record()
        if self.record.result_state is not None:
            return self.record
        if self.job.timeout_seconds:
            self.deadline = time.monotonic() + self.job.timeout_seconds
        self.record.environment = self._environment_lines()
        final: dict[str, TaskRun] = {}
        try:
            self._run_dag(final)
        except KeyboardInterrupt:
            self._cancel.set()
            self.record.state_message = "canceled by the user"
            for task in self.job.tasks:
                if task.task_key not in final:
                    final[task.task_key] = self._not_run(task, "CANCELED", "run canceled")
        self.record.result_state = (
            "CANCELED" if self._cancel.is_set() else run_rules.job_result(self.job, final)
        )
        self.record.life_cycle_state = "TERMINATED"
        self.record.end_time = now()
        if not self.record.state_message and self.record.result_state != "SUCCESS":
            failed = [
                k
                for k, t in final.items()
                if t.result_state not in {"SUCCESS", "EXCLUDED", "DISABLED"}
            ]
            self.record.state_message = f"tasks not successful: {failed}"
        self._update()
        return self.record

    def _environment_lines(self) -> list[str]:
        lines = []
        for env in self.job.environments:
            checks = check_dependencies(
                env.spec.dependencies, strict=self.options.strict_environment
            )
            lines += [f"{env.environment_key}: {c.line()}" for c in checks]
        return lines

    def _run_dag(self, final: dict[str, TaskRun]) -> None:
        waiting = {task.task_key: task for task in self.job.tasks}
        running: dict[Future[TaskRun], str] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.options.max_parallel)) as pool:
            try:
                while waiting or running:
                    self._start_ready(waiting, running, final, pool)
                    if not running:
                        continue
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for future in done:
                        final[running.pop(future)] = future.result()
            except BaseException:
                self._cancel.set()
                for future, key in running.items():
                    final[key] = future.result()
                raise

    def _start_ready(
        self,
        waiting: dict[str, Task],
        running: dict[Future[TaskRun], str],
        final: dict[str, TaskRun],
        pool: ThreadPoolExecutor,
    ) -> None:
        progressed = True
        while progressed:
            progressed = False
            for key, task in list(waiting.items()):
                if not all(d.task_key in final for d in task.depends_on):
                    continue
                del waiting[key]
                progressed = True
                verdict = run_rules.decide(task, final)
                if verdict is None and self._cancel.is_set():
                    verdict = "CANCELED"
                if verdict is not None:
                    final[key] = self._not_run(task, verdict, "dependencies decided (run_if)")
                    continue
                running[pool.submit(self._run_task, task)] = key

    def _not_run(self, task: Task, state: ResultState, message: str) -> TaskRun:
        life: LifeCycle = (
            "TERMINATED"
            if state in {"CANCELED", "UPSTREAM_FAILED", "UPSTREAM_CANCELED"}
            else "SKIPPED"
        )
        task_run = TaskRun(
            task_key=task.task_key,
            life_cycle_state=life,
            result_state=state,
            state_message=f"{message}: {task.run_if}" if state != "DISABLED" else "disabled",
        )
        self._update(task_run)
        return task_run

    def _run_task(self, task: Task) -> TaskRun:
        assert self.record is not None
        attempt_number = 0
        while True:
            attempt = Attempt(self, task, attempt_number)
            result = attempt.run(self._update, self._cancel)
            retry = result.result_state == "FAILED" or (
                result.result_state == "TIMEDOUT" and task.retry_on_timeout
            )
            out_of_tries = task.max_retries != -1 and attempt_number >= task.max_retries
            if not retry or out_of_tries or self._cancel.is_set():
                return result
            result.life_cycle_state = "TERMINATED"
            self._update(result)
            if self._cancel.wait(task.min_retry_interval_millis / 1000):
                return result
            attempt_number += 1

    @property
    def cancel_event(self) -> threading.Event:
        """Set it to cancel the run (running tasks are stopped)."""
        return self._cancel

    def task_dir(self, task_key: str) -> Path:
        """Directory of a task of this run."""
        assert self.record is not None
        return self.store.task_dir(self.record.run_id, task_key)


def run_job(
    settings: Settings,
    bundle: Bundle,
    job_key: str,
    parameters: Mapping[str, str] | None = None,
    options: RunOptions | None = None,
    listener: Listener | None = None,
) -> JobRun:
    """Run one job of ``bundle`` locally; see :class:`JobRunner`."""
    return JobRunner(settings, bundle, job_key, parameters, options, listener).run()


__all__ = ["JobRunner", "Listener", "RunOptions", "job_parameters", "run_job"]
