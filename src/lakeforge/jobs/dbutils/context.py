"""The notebook context, reached as the reference's code reaches it:
``dbutils.notebook.entry_point.getDbutils().notebook().getContext()`` (or
``dbutils.notebook.getContext()``).

The reference hands back Scala objects, so values come wrapped: ``notebookPath()``,
``currentRunId()``, ``userName()`` ... return an :class:`Option` (``.get()``,
``.isDefined()``, ``.getOrElse(x)``) and ``tags()`` a :class:`ScalaMap` (``.get(key)`` is an
``Option``, ``.apply(key)`` the value). In a job task the values come from the task: the
notebook file, the run id, the job and task keys, the workspace user. Outside a job the path is
the running script's and there is no run id: ``currentRunId().isDefined()`` is False and
``.get()`` raises :class:`~lakeforge.errors.ContextValueError`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from lakeforge.errors import ContextValueError
from lakeforge.jobs.dbutils.members import Utility
from lakeforge.jobs.task_context import TaskContext

T = TypeVar("T")
CHAIN = "dbutils.notebook.entry_point.getDbutils().notebook().getContext()"


class Option(Generic[T]):
    """A Scala ``Option``: a value or nothing, unwrapped with ``.get()``."""

    def __init__(self, what: str, value: T | None, reason: str = "") -> None:
        self._what = what
        self._value = value
        self._reason = reason

    def get(self) -> T:
        """The value.

        Raises:
            ContextValueError: There is none (the message says why).
        """
        if self._value is None:
            raise ContextValueError(self._what, self._reason)
        return self._value

    def isDefined(self) -> bool:  # noqa: N802
        """Whether there is a value."""
        return self._value is not None

    def isEmpty(self) -> bool:  # noqa: N802
        """Whether there is no value."""
        return self._value is None

    def nonEmpty(self) -> bool:  # noqa: N802
        """Whether there is a value (Scala's alias of ``isDefined``)."""
        return self._value is not None

    def getOrElse(self, default: Any) -> Any:  # noqa: N802
        """The value, or ``default`` when there is none."""
        return default if self._value is None else self._value

    def __repr__(self) -> str:
        return "None" if self._value is None else f"Some({self._value})"


class RunId(int):
    """A run id as the reference returns it: ``RunId(42)``, with ``.id()``; compares as an int."""

    def id(self) -> int:
        """The number."""
        return int(self)

    def __repr__(self) -> str:
        return f"RunId({int(self)})"

    __str__ = __repr__


class ScalaMap:
    """A Scala ``Map[String, String]`` (``tags()``): ``get(key)`` gives an :class:`Option`;
    ``get()`` with no key gives the whole map as a dict."""

    def __init__(self, what: str, values: dict[str, str]) -> None:
        self._what = what
        self._values = dict(values)

    def get(self, key: str | None = None) -> Any:
        """``Option`` of one value; with no key, every value as a dict."""
        if key is None:
            return dict(self._values)
        reason = f"there is no tag {key!r} (tags: {sorted(self._values)})"
        return Option(f"{self._what}.get({key!r})", self._values.get(key), reason)

    def apply(self, key: str) -> str:
        """One value (Scala's ``map(key)``)."""
        return str(self.get(key).get())

    def contains(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return key in self._values

    def isDefined(self) -> bool:  # noqa: N802
        """Always True: the map itself is always there."""
        return True

    def keys(self) -> list[str]:
        """The keys."""
        return list(self._values)

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Map({', '.join(f'{k} -> {v}' for k, v in self._values.items())})"


_NO_RUN = "this code is not running as a job task (start it with lakeforge bundle run)"
_NO_API = "lakeforge has no workspace REST API; call lakeforge's Python API or CLI instead"


class NotebookContext(Utility):
    """``getContext()``: where and as whom this notebook runs."""

    def __init__(self, path: str, task: TaskContext | None, user: Callable[[], str]) -> None:
        super().__init__(path)
        self._task = task
        self._user = user

    def _option(self, method: str, value: Any, reason: str) -> Option[Any]:
        return Option(f"{self._path}.{method}()", value, reason)

    def _notebook_path(self) -> str | None:
        if self._task is not None and self._task.file:
            return str(Path(self._task.file).resolve())
        script = sys.argv[0] if sys.argv and sys.argv[0] else ""
        return str(Path(script).resolve()) if script and Path(script).is_file() else None

    def notebookPath(self) -> Option[str]:  # noqa: N802
        """The notebook's (or script's) file."""
        return self._option("notebookPath", self._notebook_path(), "no notebook or script file")

    def currentRunId(self) -> Option[RunId]:  # noqa: N802
        """The run this task belongs to."""
        run = RunId(self._task.run_id) if self._task is not None else None
        return self._option("currentRunId", run, _NO_RUN)

    def rootRunId(self) -> Option[RunId]:  # noqa: N802
        """The job run (the same run here)."""
        run = RunId(self._task.run_id) if self._task is not None else None
        return self._option("rootRunId", run, _NO_RUN)

    def userName(self) -> Option[str]:  # noqa: N802
        """The workspace user (setting ``user``, ``LAKEFORGE_USER``)."""
        return self._option("userName", self._user(), "no user is configured")

    def jobId(self) -> Option[str]:  # noqa: N802
        """The job (its key in the bundle)."""
        job = self._task.job_key if self._task is not None else None
        return self._option("jobId", job, _NO_RUN)

    def tags(self) -> ScalaMap:
        """``jobId``, ``runId``, ``multitaskParentRunId``, ``taskKey`` and ``user``, as the
        reference names them (only ``user`` outside a job)."""
        values = {"user": self._user()}
        if self._task is not None:
            run = str(self._task.run_id)
            values |= {
                "jobId": self._task.job_key,
                "runId": run,
                "multitaskParentRunId": run,
                "taskKey": self._task.task_key,
            }
        return ScalaMap(f"{self._path}.tags()", values)

    def apiUrl(self) -> Option[str]:  # noqa: N802
        """Empty: there is no workspace REST API."""
        return self._option("apiUrl", None, _NO_API)

    def apiToken(self) -> Option[str]:  # noqa: N802
        """Empty: there is no workspace REST API."""
        return self._option("apiToken", None, _NO_API)

    def toJson(self) -> str:  # noqa: N802
        """The context as the reference's JSON (``tags``, ``extraContext``, run ids)."""
        run = self._task.run_id if self._task is not None else None
        return json.dumps(
            {
                "tags": self.tags().get(),
                "extraContext": {"notebook_path": self._notebook_path()},
                "currentRunId": {"id": run} if run is not None else None,
                "rootRunId": {"id": run} if run is not None else None,
            }
        )


class ScalaNotebook(Utility):
    """``getDbutils().notebook()``."""

    def __init__(self, task: TaskContext | None, user: Callable[[], str]) -> None:
        super().__init__("dbutils.notebook.entry_point.getDbutils().notebook()")
        self._task = task
        self._user = user

    def getContext(self) -> NotebookContext:  # noqa: N802
        """The notebook context."""
        return NotebookContext(CHAIN, self._task, self._user)


class ScalaDbutils(Utility):
    """``entry_point.getDbutils()``."""

    def __init__(self, task: TaskContext | None, user: Callable[[], str]) -> None:
        super().__init__("dbutils.notebook.entry_point.getDbutils()")
        self._notebook = ScalaNotebook(task, user)

    def notebook(self) -> ScalaNotebook:
        """The notebook utilities (of the Scala side)."""
        return self._notebook


class EntryPoint(Utility):
    """``dbutils.notebook.entry_point``: the reference's gateway to its Scala ``dbutils``."""

    def __init__(self, task: TaskContext | None, user: Callable[[], str]) -> None:
        super().__init__("dbutils.notebook.entry_point")
        self._dbutils = ScalaDbutils(task, user)

    def getDbutils(self) -> ScalaDbutils:  # noqa: N802
        """The Scala-side ``dbutils``."""
        return self._dbutils
