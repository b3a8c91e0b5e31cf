"""Checks of one job beyond its YAML types, each error carrying the YAML path of the value.

Task keys are unique; ``depends_on`` names tasks of the job, without cycles; ``outcome`` is
only given on a dependency that is a condition task; the task type is one lakeforge runs
locally; task files exist; ``environment_key`` names a declared environment; run-time
references (``{{job.parameters.x}}``, ``{{tasks.<key>.values.<name>}}`` ...) name things that
exist; the schedule parses. Nothing is run here.
"""

from __future__ import annotations

import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from lakeforge.errors import BundleError, ScheduleError
from lakeforge.jobs.bundle_schema import LOCAL_TASK_TYPES, Job, Task
from lakeforge.jobs.notebook_source import notebook_file  # where notebooks are read

DYNAMIC = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_START_TIME = {"iso_date", "iso_datetime", "timestamp_ms", "year", "month", "day", "hour"}
_START_TIME |= {"minute", "second", "is_weekday", "iso_weekday"}


def task_file(task: Task) -> Path | None:
    """The file a notebook, Python or SQL task runs (a notebook path may omit ``.py``)."""
    if task.notebook_task is not None:
        return notebook_file(Path(task.notebook_task.notebook_path))
    if task.spark_python_task is not None:
        return Path(task.spark_python_task.python_file)
    if task.sql_task is not None and task.sql_task.file is not None:
        return Path(task.sql_task.file.path)
    return None


def dynamic_refs(task: Task) -> list[tuple[str, str]]:
    """``(field path, reference)`` for every ``{{...}}`` in a task's parameters."""
    found: list[tuple[str, str]] = []
    values: list[tuple[str, object]] = []
    if task.notebook_task is not None:
        values += [
            (f"notebook_task.base_parameters.{k}", v)
            for k, v in task.notebook_task.base_parameters.items()
        ]
    if task.spark_python_task is not None:
        values += [
            (f"spark_python_task.parameters[{i}]", v)
            for i, v in enumerate(task.spark_python_task.parameters)
        ]
    if task.sql_task is not None:
        values += [(f"sql_task.parameters.{k}", v) for k, v in task.sql_task.parameters.items()]
    wheel = task.python_wheel_task
    if wheel is not None:
        values += [
            (f"python_wheel_task.parameters[{i}]", v) for i, v in enumerate(wheel.parameters or [])
        ]
        values += [
            (f"python_wheel_task.named_parameters.{k}", v)
            for k, v in (wheel.named_parameters or {}).items()
        ]
    if task.condition_task is not None:
        values += [
            ("condition_task.left", task.condition_task.left),
            ("condition_task.right", task.condition_task.right),
        ]
    for where, value in values:
        if isinstance(value, str):
            found += [(where, m.group(1)) for m in DYNAMIC.finditer(value)]
    return found


def _reference_problem(ref: str, job: Job, task: Task) -> str | None:
    parts = ref.split(".")
    parameters = {p.name for p in job.parameters}
    tasks = {t.task_key for t in job.tasks}
    if ref in {"job.id", "job.run_id", "job.name", "task.name", "task.run_id", "task.key"}:
        return None
    if parts[:2] == ["job", "parameters"] and len(parts) == 3:
        return None if parts[2] in parameters else f"job parameter {parts[2]!r} is not declared"
    if parts[:2] == ["job", "start_time"] and len(parts) == 3:
        return None if parts[2] in _START_TIME else f"job.start_time has no field {parts[2]!r}"
    if parts[0] == "tasks" and len(parts) == 4 and parts[2] == "values":
        if parts[1] not in tasks:
            return f"task {parts[1]!r} is not a task of this job"
        if parts[1] == task.task_key:
            return "a task cannot read its own task values"
        return None
    return "is not a run-time reference lakeforge knows"


def _check_task(file: str, where: str, task: Task, job: Job, keys: set[str]) -> None:
    if task.kind not in LOCAL_TASK_TYPES:
        raise BundleError(
            file,
            f"{where}.{task.kind}",
            f"task type {task.kind} cannot run locally",
            f"use one of {', '.join(LOCAL_TASK_TYPES)}",
        )
    for index, dependency in enumerate(task.depends_on):
        at = f"{where}.depends_on[{index}]"
        if dependency.task_key not in keys:
            raise BundleError(
                file,
                at,
                f"depends on unknown task {dependency.task_key!r}",
                f"use one of {sorted(keys)}",
            )
        upstream = next(t for t in job.tasks if t.task_key == dependency.task_key)
        if dependency.outcome is not None and upstream.condition_task is None:
            raise BundleError(
                file,
                f"{at}.outcome",
                f"task {upstream.task_key!r} is not a condition task",
                "drop outcome",
            )
    environments = {e.environment_key for e in job.environments}
    if task.environment_key is not None and task.environment_key not in environments:
        raise BundleError(
            file,
            f"{where}.environment_key",
            f"environment {task.environment_key!r} is not declared "
            f"(declared: {sorted(environments)})",
            "add it under the job's environments",
        )
    path = task_file(task)
    if path is not None and not path.is_file():
        raise BundleError(
            file,
            f"{where}.{task.kind}",
            f"file {str(path)!r} does not exist",
            "fix the path (relative to the YAML file)",
        )
    for field, ref in dynamic_refs(task):
        problem = _reference_problem(ref, job, task)
        if problem:
            raise BundleError(
                file,
                f"{where}.{field}",
                f"{{{{{ref}}}}}: {problem}",
                "see the run-time references in docs/jobs.md",
            )


def check_job(file: str, key: str, job: Job) -> None:
    """Check one job resource.

    Raises:
        BundleError: The first problem found, with its YAML path.
    """
    base = f"resources.jobs.{key}"
    if not job.tasks:
        raise BundleError(file, f"{base}.tasks", "the job has no tasks", "add at least one task")
    keys: set[str] = set()
    for index, task in enumerate(job.tasks):
        if task.task_key in keys:
            raise BundleError(
                file,
                f"{base}.tasks[{index}].task_key",
                f"task key {task.task_key!r} is used twice",
                "give each task its own key",
            )
        keys.add(task.task_key)
    names = [p.name for p in job.parameters]
    if len(names) != len(set(names)):
        raise BundleError(
            file, f"{base}.parameters", f"parameter names repeat: {names}", "name each once"
        )
    for index, task in enumerate(job.tasks):
        _check_task(file, f"{base}.tasks[{index}]", task, job, keys)
    graph = {t.task_key: {d.task_key for d in t.depends_on} for t in job.tasks}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise BundleError(
            file, f"{base}.tasks", f"depends_on forms a cycle: {cycle}", "remove one dependency"
        ) from None
    if job.schedule is not None:
        from lakeforge.jobs.schedule import parse_schedule

        try:
            parse_schedule(job.schedule.quartz_cron_expression, job.schedule.timezone_id)
        except ScheduleError as exc:
            raise BundleError(file, f"{base}.schedule", exc.what, exc.fix or "") from None


__all__ = ["DYNAMIC", "check_job", "dynamic_refs", "notebook_file", "task_file"]
