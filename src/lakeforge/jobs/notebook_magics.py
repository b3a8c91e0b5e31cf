"""The magics lakeforge adds to a notebook's IPython shell.

Cell languages of the reference (a cell's first line ``%sql`` or ``%sh``) run as IPython cell
magics: ``%%sql`` through lakeforge SQL (each statement's outcome in the log, the last result
displayed and kept as ``_sqldf`` as the reference does), ``%%sh`` as a bash script in the
notebook's folder (a non-zero exit fails the cell). Line magics: ``%pip`` installs into the
task's overlay (:mod:`.environment_overlay`), ``%run ./other`` runs another notebook in the same
namespace, ``%fs`` calls ``dbutils.fs``, and ``%conda``/``%mamba`` are refused (they would
change lakeforge's own environment). ``%cd`` is IPython's, with ``/Workspace/<local path>``
(what the reference templates build from the notebook path) meaning that local folder.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from lakeforge.errors import NotebookMagicError, ShellCommandError
from lakeforge.jobs.display import Display
from lakeforge.jobs.notebook_shell import NotebookShell

WORKSPACE_PREFIX = "/Workspace/"


class MagicHost(Protocol):
    """What the magics need from the notebook run."""

    dbutils: Any
    display: Display

    @property
    def folder(self) -> Path:
        """The folder of the notebook whose cell runs."""

    def include(self, line: str) -> None:
        """``%run``: run another notebook in the same namespace."""


def local_workspace_path(line: str) -> str:
    """``/Workspace/<path>`` that does not exist but whose ``<path>`` is a local folder: that
    folder; anything else unchanged."""
    text = line.strip().strip("'\"")
    if not text.startswith(WORKSPACE_PREFIX) or Path(text).exists():
        return line
    local = "/" + text[len(WORKSPACE_PREFIX) :].lstrip("/")
    return local if Path(local).is_dir() else line


def run_sql(shell: NotebookShell, host: MagicHost, line: str, cell: str) -> None:
    """``%sql``: the cell's statements through lakeforge SQL; widgets fill ``:name`` markers."""
    from lakeforge.statements.runner import execute
    from lakeforge.tables.workspace import default_workspace

    text = "\n".join(part for part in (line, cell) if part.strip())
    widgets = host.dbutils.widgets.getAll()
    results = execute(default_workspace(), text, args=widgets)
    for result in results:
        print(f"[{result.statement.index}] {result.statement.kind}: {result.message}")
    last = results[-1].table
    if last.num_columns:
        shell.user_ns["_sqldf"] = last.to_pandas()
        host.display.display(last)


def run_sh(host: MagicHost, line: str, cell: str) -> None:
    """``%sh``: the cell as a bash script in the notebook's folder.

    Raises:
        ShellCommandError: The script exited non-zero.
    """
    script = "\n".join(part for part in (line, cell) if part.strip())
    sys.stdout.flush()
    sys.stderr.flush()
    program = shutil.which("bash") or "/bin/sh"
    code = subprocess.run([program, "-c", script], cwd=host.folder, check=False).returncode
    if code != 0:
        raise ShellCommandError(script, code)


def run_fs(host: MagicHost, line: str) -> None:
    """``%fs ls PATH`` and the other ``dbutils.fs`` calls, the result displayed."""
    words = shlex.split(line)
    if not words:
        raise NotebookMagicError("%fs", "names no command", "write e.g. `%fs ls /Volumes/c/s/v`")
    result = getattr(host.dbutils.fs, words[0])(*words[1:])
    if isinstance(result, str):
        print(result)  # %fs head
    elif result is not None:
        host.display.display(result)


def _refuse(name: str) -> Callable[[str], None]:
    def refused(line: str) -> None:
        raise NotebookMagicError(
            f"%{name}",
            "would change the environment lakeforge itself runs in",
            "use %pip install (notebook-scoped: it installs into the task's overlay)",
        )

    return refused


def register_magics(shell: NotebookShell, host: MagicHost) -> None:
    """Add lakeforge's magics to ``shell`` (replacing IPython's ``%pip``, ``%run``, ``%%sh``)."""
    ipython_cd = shell.line_magic("cd")

    def cd(line: str) -> Any:
        return ipython_cd(local_workspace_path(line))

    def sql(line: str, cell: str) -> None:
        run_sql(shell, host, line, cell)

    def sh(line: str, cell: str) -> None:
        run_sh(host, line, cell)

    def pip(line: str) -> None:
        from lakeforge.jobs.environment_overlay import pip_install  # only notebooks with %pip

        pip_install(line, Path.cwd())

    def fs(line: str) -> None:
        run_fs(host, line)

    lines: dict[str, Callable[[str], Any]] = {"cd": cd, "pip": pip, "run": host.include, "fs": fs}
    lines |= {name: _refuse(name) for name in ("conda", "mamba", "micromamba")}
    for name, function in lines.items():
        shell.add_magic(function, "line", name)
    shell.add_magic(sql, "cell", "sql")
    shell.add_magic(sh, "cell", "sh")


__all__ = ["MagicHost", "local_workspace_path", "register_magics"]
