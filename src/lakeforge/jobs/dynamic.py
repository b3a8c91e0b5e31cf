"""Run-time references (``{{job.parameters.x}}``, ``{{tasks.<key>.values.<name>}}`` ...).

Substituted when a task starts, from the run (api-compat §6.2): ``job.id`` (the job key),
``job.run_id``, ``job.name``, ``job.parameters.<name>``, ``job.start_time.<field>``,
``task.name``/``task.key``, ``task.run_id`` and ``tasks.<key>.values.<name>`` (a value an
upstream task set). References were checked when the bundle was loaded; a task value that is
missing at run time fails the task with a message naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lakeforge.errors import ValidationError
from lakeforge.jobs.job_checks import DYNAMIC


@dataclass(frozen=True, slots=True)
class RunScope:
    """What run-time references of one task attempt resolve against."""

    job_key: str
    job_name: str
    run_id: int
    start_time: datetime
    parameters: Mapping[str, str]
    task_key: str
    task_values: Callable[[str], Mapping[str, Any]]


def _start_time(start: datetime, field: str) -> str:
    values: dict[str, Any] = {
        "iso_date": start.date().isoformat(),
        "iso_datetime": start.isoformat(),
        "timestamp_ms": int(start.timestamp() * 1000),
        "year": start.year,
        "month": start.month,
        "day": start.day,
        "hour": start.hour,
        "minute": start.minute,
        "second": start.second,
        "is_weekday": str(start.weekday() < 5).lower(),
        "iso_weekday": start.isoweekday(),
    }
    return str(values[field])


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def resolve(ref: str, scope: RunScope) -> str:
    """The value of one reference (without braces).

    Raises:
        ValidationError: A task value the reference names was not set.
    """
    parts = ref.split(".")
    simple = {
        "job.id": scope.job_key,
        "job.run_id": str(scope.run_id),
        "job.name": scope.job_name,
        "task.name": scope.task_key,
        "task.key": scope.task_key,
        "task.run_id": str(scope.run_id),
    }
    if ref in simple:
        return simple[ref]
    if parts[:2] == ["job", "parameters"]:
        return scope.parameters[parts[2]]
    if parts[:2] == ["job", "start_time"]:
        return _start_time(scope.start_time, parts[2])
    if parts[0] == "tasks" and parts[2] == "values":
        values = scope.task_values(parts[1])
        if parts[3] not in values:
            raise ValidationError(
                f"{{{{{ref}}}}}: task {parts[1]!r} set no value {parts[3]!r} "
                f"(it set: {sorted(values)})",
                f"set it in {parts[1]} with dbutils.jobs.taskValues.set({parts[3]!r}, ...)",
            )
        return _text(values[parts[3]])
    raise ValidationError(f"{{{{{ref}}}}} is not a run-time reference", "see docs/jobs.md")


def substitute(value: Any, scope: RunScope) -> str:
    """``value`` as a string with every ``{{...}}`` replaced (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return DYNAMIC.sub(lambda m: resolve(m.group(1), scope), text) if "{{" in text else text


__all__ = ["RunScope", "resolve", "substitute"]
