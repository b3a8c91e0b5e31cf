"""A local ``dbutils``: widgets, ``notebook.exit``/``notebook.run`` and ``jobs.taskValues``.

Signatures and semantics follow the reference (api-compat §6.4). Inside a job task (started by
the runner, ``LAKEFORGE_TASK_CONTEXT`` set) widget values come from the task's parameters and
job parameters, task values are shared through the run's directory, and ``notebook.exit``
hands its value to the run record. Outside a job, widgets take their defaults and
``taskValues.get`` returns ``debugValue``, so the same script runs by hand.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lakeforge.errors import ValidationError
from lakeforge.jobs.task_context import TaskContext

TASK_VALUE_LIMIT = 48 * 1024
_MISSING = object()


def is_failure_exit(value: str) -> bool:
    """True for an exit value that reports a failure: it starts with ``FAILED`` (any case)."""
    return value.lstrip()[:6].upper() == "FAILED"


class NotebookExit(SystemExit):
    """Raised by ``dbutils.notebook.exit``: ends the script with a value.

    A value starting with ``FAILED`` (any case) ends it as a failure — the task is FAILED with
    the value as its state message, and a script run by hand exits 1 printing it. This differs
    on purpose from the reference, where such an exit still counts as success (guardrail 3).
    """

    def __init__(self, value: str) -> None:
        self.value = value
        self.failed = is_failure_exit(value)
        super().__init__(value if self.failed else 0)


class Widgets:
    """``dbutils.widgets``: named string parameters with defaults."""

    def __init__(self, given: dict[str, str]) -> None:
        self._given = dict(given)
        self._defaults: dict[str, str] = {}

    def _define(self, name: str, default: Any) -> None:
        self._defaults[str(name)] = "" if default is None else str(default)

    def text(self, name: str, defaultValue: str, label: str | None = None) -> None:  # noqa: N803
        """Define a text widget."""
        self._define(name, defaultValue)

    def dropdown(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        """Define a dropdown widget; the default must be one of ``choices``."""
        if str(defaultValue) not in [str(c) for c in choices]:
            raise ValidationError(
                f"widget {name!r}: default {defaultValue!r} is not one of {list(choices)}",
                "pick the default from the choices",
            )
        self._define(name, defaultValue)

    def combobox(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        """Define a combobox widget (any value allowed)."""
        self._define(name, defaultValue)

    def multiselect(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        """Define a multiselect widget; its value is the comma-joined selection."""
        self._define(name, defaultValue)

    def get(self, name: str) -> str:
        """The widget's value: the task's parameter if given, else its default."""
        if name in self._given:
            return self._given[name]
        if name in self._defaults:
            return self._defaults[name]
        known = sorted(set(self._given) | set(self._defaults))
        raise ValidationError(
            f"widget {name!r} is not defined (defined: {known})",
            f"define it first, e.g. dbutils.widgets.text({name!r}, 'default'), or pass it as a "
            "task/job parameter",
        )

    def getAll(self) -> dict[str, str]:  # noqa: N802
        """Every widget's value."""
        return {**self._defaults, **self._given}

    def remove(self, name: str) -> None:
        """Remove a widget definition."""
        self._defaults.pop(name, None)
        self._given.pop(name, None)

    def removeAll(self) -> None:  # noqa: N802
        """Remove every widget."""
        self._defaults.clear()
        self._given.clear()


class TaskValues:
    """``dbutils.jobs.taskValues``: small JSON values passed between tasks of one run."""

    def __init__(self, context: TaskContext | None) -> None:
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


class Jobs:
    """``dbutils.jobs``."""

    def __init__(self, context: TaskContext | None) -> None:
        self.taskValues = TaskValues(context)


class Notebook:
    """``dbutils.notebook``: exit with a value, or run another notebook as a child run."""

    def __init__(self, context: TaskContext | None) -> None:
        self._context = context

    def exit(self, value: str) -> None:
        """End the notebook; ``value`` becomes the task's output. A value starting with
        ``FAILED`` (any case) fails the task with it as the state message."""
        raise NotebookExit(str(value))

    def run(
        self, path: str, timeout_seconds: int = 0, arguments: dict[str, str] | None = None
    ) -> str:
        """Run notebook ``path`` (relative to this one) with ``arguments`` as its widgets;
        return its exit value (``""`` if it never called exit).

        Raises:
            ValidationError: The child failed or timed out (its log is named).
        """
        from lakeforge.jobs.child_run import run_child_notebook

        return run_child_notebook(self._context, path, timeout_seconds, dict(arguments or {}))


class DBUtils:
    """The ``dbutils`` object scripts use."""

    def __init__(self, context: TaskContext | None) -> None:
        self.context = context
        self.widgets = Widgets(context.widgets if context else {})
        self.notebook = Notebook(context)
        self.jobs = Jobs(context)


def load(context_file: Path | None) -> DBUtils:
    """``dbutils`` for the task described by ``context_file`` (None: outside a job)."""
    return DBUtils(TaskContext.read(context_file) if context_file is not None else None)


@functools.cache
def current() -> DBUtils:
    """This process's ``dbutils`` (one object, shared by the launcher and the script)."""
    from lakeforge.settings import task_context_file

    return load(task_context_file())


__all__ = [
    "TASK_VALUE_LIMIT",
    "DBUtils",
    "Jobs",
    "Notebook",
    "NotebookExit",
    "TaskValues",
    "Widgets",
    "is_failure_exit",
    "load",
]
