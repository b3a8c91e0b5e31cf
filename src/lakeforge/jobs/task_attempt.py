"""One attempt of one task: parameters resolved, environment checked, process run, verdict.

Condition tasks are evaluated in the runner's process (nothing to run). Other tasks get a
context file (:mod:`.task_context`) and a process of the launcher with the bundle root and
the task file's directory first on ``PYTHONPATH``; its exit status, error line and
``notebook.exit`` output become the task run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lakeforge.errors import ValidationError
from lakeforge.jobs import process, run_rules, sql_task
from lakeforge.jobs.dynamic import RunScope, substitute
from lakeforge.jobs.environment_check import check_dependencies
from lakeforge.jobs.job_checks import task_file
from lakeforge.jobs.records import OUTPUT_LIMIT, TaskRun, now
from lakeforge.jobs.task_context import TaskContext
from lakeforge.settings import TASK_CONTEXT_ENV, task_environment

if TYPE_CHECKING:
    from lakeforge.jobs.bundle_schema import Task
    from lakeforge.jobs.runner import JobRunner


class _TaskFailed(Exception):  # noqa: N818 - internal control flow, never leaves this module
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Attempt:
    """Runs attempt ``number`` of ``task`` for ``runner``'s job run."""

    def __init__(self, runner: JobRunner, task: Task, number: int) -> None:
        self.runner = runner
        self.task = task
        self.number = number
        self.folder = runner.task_dir(task.task_key)
        self.log = self.folder / f"attempt-{number}.log"

    def _scope(self) -> RunScope:
        record = self.runner.record
        assert record is not None
        store = self.runner.store
        return RunScope(
            job_key=self.runner.job_key,
            job_name=record.job_name,
            run_id=record.run_id,
            start_time=record.start_time,
            parameters=self.runner.parameters,
            task_key=self.task.task_key,
            task_values=lambda key: store.read_values(record.run_id, key),
        )

    def run(self, update: Callable[[TaskRun | None], None], cancel: threading.Event) -> TaskRun:
        """Run the attempt, recording it as it starts and ends."""
        task_run = TaskRun(
            task_key=self.task.task_key,
            attempt_number=self.number,
            life_cycle_state="RUNNING",
            start_time=now(),
            log_path=str(self.log),
        )
        update(task_run)
        try:
            self._execute(task_run, cancel)
        except _TaskFailed as failure:
            task_run.result_state = "FAILED"
            task_run.state_message = failure.message
            self._log(f"[lakeforge] task failed: {failure.message}")
        task_run.life_cycle_state = "TERMINATED"
        task_run.end_time = now()
        update(task_run)
        return task_run

    def _log(self, line: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as handle:
            handle.write(line + "\n")

    def _execute(self, task_run: TaskRun, cancel: threading.Event) -> None:
        scope = self._scope()
        if self.task.condition_task is not None:
            condition = self.task.condition_task
            try:
                left, right = substitute(condition.left, scope), substitute(condition.right, scope)
                outcome = run_rules.evaluate(condition.op, left, right)
            except (ValidationError, ValueError) as exc:
                raise _TaskFailed(str(exc)) from None
            task_run.result_state = "SUCCESS"
            task_run.outcome = "true" if outcome else "false"
            task_run.state_message = f"{left!r} {condition.op} {right!r} is {task_run.outcome}"
            return
        self._check_environment()
        try:
            context = self._context(scope)
        except ValidationError as exc:
            raise _TaskFailed(str(exc)) from None
        self._start_process(task_run, context, cancel)

    def _check_environment(self) -> None:
        key = self.task.environment_key
        if key is None:
            return
        env = next(e for e in self.runner.job.environments if e.environment_key == key)
        strict = self.runner.options.strict_environment
        for check in check_dependencies(env.spec.dependencies, strict=strict):
            if check.problem:
                self._log(f"[lakeforge] environment {key}: {check.line()}")
            if check.fatal:
                raise _TaskFailed(f"environment {key}: {check.line()}")

    def _context(self, scope: RunScope) -> TaskContext:
        task = self.task
        widgets = {}
        argv: list[str] = []
        if task.notebook_task is not None:
            widgets = {
                k: substitute(v, scope) for k, v in task.notebook_task.base_parameters.items()
            }
        if task.spark_python_task is not None:
            argv = [substitute(v, scope) for v in task.spark_python_task.parameters]
        wheel = task.python_wheel_task
        if wheel is not None:
            argv = [substitute(v, scope) for v in wheel.parameters or []]
            argv += [
                f"--{k}={substitute(v, scope)}" for k, v in (wheel.named_parameters or {}).items()
            ]
        if task.sql_task is not None:
            widgets = {k: substitute(v, scope) for k, v in task.sql_task.parameters.items()}
        file = task_file(task)
        widgets |= dict(self.runner.parameters)  # job parameters override same-named ones
        record = self.runner.record
        assert record is not None
        return TaskContext(
            run_id=record.run_id,
            job_key=self.runner.job_key,
            task_key=task.task_key,
            attempt=self.number,
            kind=task.kind,
            file=str(file) if file is not None else None,
            argv=argv,
            package_name=wheel.package_name if wheel else None,
            entry_point=wheel.entry_point if wheel else None,
            widgets=widgets,
            runs_dir=str(self.runner.store.root),
            output_file=str(self.folder / "output.txt"),
            error_file=str(self.folder / f"error-{self.number}.txt"),
        )

    def _timeout(self) -> float | None:
        limits = [float(self.task.timeout_seconds)] if self.task.timeout_seconds else []
        deadline = self.runner.deadline
        if deadline is not None:
            limits.append(max(0.0, deadline - time.monotonic()))
        return min(limits) if limits else None

    def _start_process(
        self, task_run: TaskRun, context: TaskContext, cancel: threading.Event
    ) -> None:
        context_file = context.write(self.folder / f"context-{self.number}.json")
        bundle_root = self.runner.bundle.root
        file_dir = Path(context.file).parent if context.file else bundle_root
        path = str(bundle_root) if file_dir == bundle_root else f"{file_dir}:{bundle_root}"
        env = task_environment(
            self.runner.settings, {"PYTHONPATH": path, TASK_CONTEXT_ENV: str(context_file)}
        )
        python = self.runner.options.python
        if self.task.sql_task is not None:
            command = sql_task.command(context_file, python)
        else:
            command = process.launcher_command(context_file, python)
        proc = process.start(command, file_dir, env, self.log)
        finished = process.wait(proc, self._timeout(), cancel, self.runner.options.grace_s)
        task_run.exit_code = finished.exit_code
        output = Path(context.output_file)
        if output.is_file():
            data = output.read_bytes()
            task_run.output = data[:OUTPUT_LIMIT].decode(errors="replace")
            task_run.truncated = len(data) > OUTPUT_LIMIT
        if finished.canceled:
            task_run.result_state = "CANCELED"
            task_run.state_message = "canceled"
        elif finished.timed_out:
            task_run.result_state = "TIMEDOUT"
            task_run.state_message = "timed out: the task was stopped (SIGTERM, then SIGKILL)"
        elif finished.exit_code == 0:
            task_run.result_state = "SUCCESS"
        else:
            error = Path(context.error_file)
            message = error.read_text().strip() if error.is_file() else ""
            task_run.result_state = "FAILED"
            task_run.state_message = message or f"exit code {finished.exit_code}"


__all__ = ["Attempt"]
