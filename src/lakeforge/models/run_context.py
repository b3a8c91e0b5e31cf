"""Run tags for MLflow runs started inside a job task (MLflow's run-context plugin).

A task process gets ``LAKEFORGE_TASK_CONTEXT`` (the task context JSON the job runner wrote); any
run started there with ``mlflow.start_run`` is tagged with the job, run and task it belongs to,
under the reference platform's job-run tag keys plus ``lakeforge.task_key`` and
``lakeforge.task_attempt``, and ``lakeforge.pip_conflicts`` when a notebook's ``%pip`` kept the
running version of a package it pinned otherwise. The JSON (and the conflicts, which the task
process records through settings) are read directly: the job package sits above this one.

MLflow instantiates the provider and calls ``in_context()`` and ``tags()``; it needs no base
class, and importing MLflow's ``RunContextProvider`` here would import mlflow from a module that
MLflow itself loads while importing (a cycle whenever this module is imported first).
"""

from __future__ import annotations

import json
from typing import Any

from lakeforge.errors import ConfigurationError
from lakeforge.settings import TASK_CONTEXT_ENV, pip_conflicts, task_context_file

SOURCE_TYPE_JOB = "JOB"
PIP_CONFLICTS_TAG = "lakeforge.pip_conflicts"
_FIELDS = ("run_id", "job_key", "task_key", "attempt", "kind")


class JobRunContext:
    """Tags a run with its job task: ``mlflow.databricks.jobID`` (the job key),
    ``mlflow.databricks.jobRunID``, ``mlflow.databricks.jobType`` (the task kind),
    ``mlflow.source.type``/``mlflow.source.name``, ``lakeforge.task_key``,
    ``lakeforge.task_attempt`` and, after a conflicting ``%pip`` pin, ``lakeforge.pip_conflicts``
    (``requirement (running package version)``, ``; ``-separated)."""

    def in_context(self) -> bool:
        """Whether this process runs a job task."""
        return task_context_file() is not None

    def tags(self) -> dict[str, str]:
        """The job-run tags of this task process.

        Raises:
            ConfigurationError: The task context file is missing or not a task context.
        """
        context = _read_context()
        job, run = str(context["job_key"]), str(context["run_id"])
        conflicts = pip_conflicts()
        extra = {PIP_CONFLICTS_TAG: conflicts} if conflicts else {}
        return extra | {
            "mlflow.source.type": SOURCE_TYPE_JOB,
            "mlflow.source.name": f"jobs/{job}/run/{run}",
            "mlflow.databricks.jobID": job,
            "mlflow.databricks.jobRunID": run,
            "mlflow.databricks.jobType": str(context["kind"]),
            "lakeforge.task_key": str(context["task_key"]),
            "lakeforge.task_attempt": str(context["attempt"]),
        }


def _read_context() -> dict[str, Any]:
    path = task_context_file()
    try:
        data = json.loads(path.read_text()) if path is not None else None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            TASK_CONTEXT_ENV, str(path), f"cannot be read as a task context ({exc})", _FIX
        ) from exc
    if not isinstance(data, dict):
        raise ConfigurationError(TASK_CONTEXT_ENV, str(path), "is not a JSON object", _FIX)
    missing = [f for f in _FIELDS if f not in data]
    if missing:
        raise ConfigurationError(TASK_CONTEXT_ENV, str(path), f"lacks the fields {missing}", _FIX)
    return data


_FIX = "start task processes with `lakeforge bundle run`, or unset LAKEFORGE_TASK_CONTEXT"
