"""A local ``dbutils``: widgets, notebook (exit, run, context), task values, fs and secrets.

Signatures, return shapes and semantics follow the reference (api-compat §6.4), one module per
utility. Inside a job task (started by the runner, ``LAKEFORGE_TASK_CONTEXT`` set) widget values
come from the task's parameters and job parameters, task values are shared through the run's
directory, ``notebook.exit`` hands its value to the run record and the notebook context
describes the task. Outside a job, widgets take their defaults, ``taskValues.get`` returns
``debugValue`` and the context has no run, so the same script runs by hand. ``fs`` and
``secrets`` use the workspace the process finds (``LAKEFORGE_HOME`` in a task). A member that
does not exist raises :class:`~lakeforge.errors.UnknownUtilityError` naming it and listing what
exists.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from lakeforge.jobs.dbutils.fs import FileInfo, Fs
from lakeforge.jobs.dbutils.jobs import TASK_VALUE_LIMIT, Jobs, TaskValues
from lakeforge.jobs.dbutils.members import Utility
from lakeforge.jobs.dbutils.notebook import Notebook, NotebookExit, is_failure_exit
from lakeforge.jobs.dbutils.secrets import SecretMetadata, Secrets, SecretScope, redact
from lakeforge.jobs.dbutils.widgets import Widgets
from lakeforge.jobs.task_context import TaskContext

if TYPE_CHECKING:
    from lakeforge.jobs.dbutils_library import Library
    from lakeforge.tables.workspace import Workspace


def _user() -> str:
    from lakeforge.settings import resolve_settings

    return resolve_settings().user


def _workspace() -> Workspace:
    from lakeforge.tables.workspace import default_workspace

    return default_workspace()


class DBUtils(Utility):
    """The ``dbutils`` object scripts use."""

    _hidden: ClassVar[frozenset[str]] = frozenset({"context"})

    def __init__(self, context: TaskContext | None) -> None:
        super().__init__("dbutils")
        self.context = context
        self.widgets = Widgets(context.widgets if context else {})
        self.notebook = Notebook(context, _user)
        self.jobs = Jobs(context)
        self.fs = Fs(_workspace)
        self.secrets = Secrets(_workspace)

    @functools.cached_property
    def library(self) -> Library:
        """``dbutils.library`` (``restartPython()``; see ``%pip`` in docs/jobs.md)."""
        from lakeforge.jobs.dbutils_library import Library

        return Library()


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
    "FileInfo",
    "Fs",
    "Jobs",
    "Notebook",
    "NotebookExit",
    "SecretMetadata",
    "SecretScope",
    "Secrets",
    "TaskValues",
    "Widgets",
    "current",
    "is_failure_exit",
    "load",
    "redact",
]
