"""``dbutils.notebook``: exit with a value, run another notebook, and the notebook context."""

from __future__ import annotations

from collections.abc import Callable

from lakeforge.jobs.dbutils.context import EntryPoint, NotebookContext
from lakeforge.jobs.dbutils.members import Utility
from lakeforge.jobs.dbutils.secrets import redact
from lakeforge.jobs.task_context import TaskContext


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


class Notebook(Utility):
    """``dbutils.notebook``: exit with a value, or run another notebook as a child run."""

    def __init__(self, context: TaskContext | None, user: Callable[[], str]) -> None:
        super().__init__("dbutils.notebook")
        self._context = context
        self._user = user
        self.entry_point = EntryPoint(context, user)

    def exit(self, value: str) -> None:
        """End the notebook; ``value`` becomes the task's output. A value starting with
        ``FAILED`` (any case) fails the task with it as the state message. Secret values the
        notebook read are shown as ``[REDACTED]``."""
        raise NotebookExit(redact(str(value)))

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

    def getContext(self) -> NotebookContext:  # noqa: N802
        """The notebook context (the same as ``entry_point.getDbutils().notebook()
        .getContext()``)."""
        return NotebookContext("dbutils.notebook.getContext()", self._context, self._user)
