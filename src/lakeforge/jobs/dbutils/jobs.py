"""``dbutils.jobs.taskValues``: small JSON values passed between the tasks of one run."""

from __future__ import annotations

import json
from typing import Any

from lakeforge.errors import ValidationError
from lakeforge.jobs.dbutils.members import Utility
from lakeforge.jobs.task_context import TaskContext

TASK_VALUE_LIMIT = 48 * 1024
_MISSING = object()


class TaskValues(Utility):
    """``dbutils.jobs.taskValues``: small JSON values passed between tasks of one run."""

    def __init__(self, context: TaskContext | None) -> None:
        super().__init__("dbutils.jobs.taskValues")
        self._context = context

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON, at most 48 KiB) under ``key`` for downstream tasks."""
        try:
            text = json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"task value {key!r} is not JSON-serializable ({exc})",
                "pass strings, numbers, booleans, lists or dicts of them",
            ) from None
        if len(text.encode()) > TASK_VALUE_LIMIT:
            raise ValidationError(
                f"task value {key!r} is {len(text.encode())} bytes as JSON (limit 48 KiB)",
                "store large results in a table and pass its name instead",
            )
        if self._context is None:
            return  # outside a job run: nothing downstream reads it
        path = self._context.values_dir / f"{self._context.task_key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        values = json.loads(path.read_text()) if path.is_file() else {}
        values[key] = value
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(values))
        tmp.replace(path)

    def get(
        self,
        taskKey: str,  # noqa: N803
        key: str,
        default: Any = _MISSING,
        debugValue: Any = _MISSING,  # noqa: N803
    ) -> Any:
        """A value set by task ``taskKey`` in this run.

        Outside a job run ``debugValue`` is returned; in a run a missing key gives ``default``.
        """
        if self._context is None:
            if debugValue is _MISSING:
                raise ValidationError(
                    f"taskValues.get({taskKey!r}, {key!r}) outside a job run has no debugValue",
                    "pass debugValue=... to run the script by hand",
                )
            return debugValue
        path = self._context.values_dir / f"{taskKey}.json"
        values = json.loads(path.read_text()) if path.is_file() else {}
        if key in values:
            return values[key]
        if default is not _MISSING:
            return default
        raise ValidationError(
            f"task {taskKey!r} set no task value {key!r} in run {self._context.run_id}"
            f" (it set: {sorted(values)})",
            "set it upstream with dbutils.jobs.taskValues.set, or pass default=...",
        )


class Jobs(Utility):
    """``dbutils.jobs``."""

    def __init__(self, context: TaskContext | None) -> None:
        super().__init__("dbutils.jobs")
        self.taskValues = TaskValues(context)
