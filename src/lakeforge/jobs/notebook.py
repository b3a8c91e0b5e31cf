"""Running a notebook task: source notebooks and ``.ipynb``, cell by cell, through IPython.

The notebook's cells (:mod:`.notebook_source`) run in order in one IPython shell
(:mod:`.notebook_shell`), so IPython's magics work as in any notebook: ``%cd``, ``%env``,
``%load_ext autoreload`` / ``%autoreload 2``, ``!cmd``. lakeforge adds the reference's cell
languages and notebook magics (:mod:`.notebook_magics`): ``%md`` cells are skipped, ``%sql``,
``%python``, ``%sh``, ``%run ./other``, ``%pip``, ``%fs``. The namespace has ``dbutils`` (the
object :mod:`lakeforge.runtime` hands out), ``display`` and ``displayHTML``
(:mod:`.display`). The working directory and ``sys.path[0]`` are the notebook's folder, and the
current directory (``''``) is on the path after it, as in IPython kernels.

A cell that fails stops the notebook with :class:`~lakeforge.errors.NotebookCellError`, which
names the notebook file, cell number and line (the traceback, with notebook lines, is printed
to the task log first). ``dbutils.notebook.exit`` and ``sys.exit`` in a cell end the notebook
as they end a script: their ``SystemExit`` is re-raised, not reported as a cell error.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from lakeforge.errors import LakeforgeError, NotebookCellError, NotebookMagicError
from lakeforge.jobs.display import Display, display_for
from lakeforge.jobs.notebook_shell import NotebookShell, Place, start_shell, stop_shell
from lakeforge.jobs.notebook_source import Cell, Notebook, notebook_file, read_notebook

RUNNABLE = {"python", "sql", "sh"}


def _summary(error: BaseException) -> tuple[str, str | None]:
    """The first line of an error's message, and its fix when it is a lakeforge error."""
    if isinstance(error, LakeforgeError):
        return error.what.strip().splitlines()[0] if error.what.strip() else "", error.fix
    if isinstance(error, SyntaxError):
        return str(error.msg), None
    text = str(error).strip()
    return (text.splitlines()[0].rstrip(".") if text else ""), None


class NotebookRun:
    """One notebook task's run: the shell, the notebooks being run (``%run`` nests them)."""

    def __init__(self, shell: NotebookShell, dbutils: Any, display: Display) -> None:
        self.shell = shell
        self.dbutils = dbutils
        self.display = display
        self._stack: list[Path] = []
        self._top: Path | None = None

    @property
    def folder(self) -> Path:
        """The folder of the notebook whose cell runs."""
        return self._stack[-1].parent if self._stack else Path.cwd()

    def run_file(self, path: Path) -> None:
        """Run every cell of the notebook at ``path`` in the shared namespace."""
        notebook = read_notebook(path)
        self._top = self._top or path.parent
        self._stack.append(path)
        try:
            for cell in notebook.cells:
                self._run_cell(notebook, cell)
        finally:
            self._stack.pop()

    def include(self, line: str) -> None:
        """``%run ./other``: the other notebook (path relative to this one, ``.py`` or
        ``.ipynb`` optional) in this namespace.

        Raises:
            NotebookMagicError: No path, arguments after it, or no such notebook.
        """
        words = shlex.split(line)
        fix = "write `%run ./other_notebook` (relative to this notebook) alone in its cell"
        if len(words) != 1:
            problem = "needs a notebook path" if not words else "arguments are not supported"
            raise NotebookMagicError(f"%run {line}".strip(), problem, fix)
        candidate = self.folder / words[0]
        found = notebook_file(candidate)
        if not found.is_file():
            raise NotebookMagicError(
                f"%run {words[0]}", f"no notebook at {candidate} (nor with .py or .ipynb)", fix
            )
        print(f"[lakeforge] %run {found}", flush=True)
        self.run_file(found.resolve())

    def _code(self, cell: Cell) -> tuple[str, int]:
        """The IPython code of a cell and the line its first line is at."""
        if cell.language in {"sql", "sh"}:
            return f"%%{cell.language} {cell.argument}\n{cell.source}", cell.line - 1
        return cell.source, cell.line

    def _failure(
        self, notebook: Notebook, cell: Cell, line: int | None, error: BaseException
    ) -> NotebookCellError:
        message, fix = _summary(error)
        # relative to the task's notebook: short in run tables; the traceback has full paths
        shown = os.path.relpath(notebook.path, self._top) if self._top else str(notebook.path)
        return NotebookCellError(shown, cell.number, line, type(error).__name__, message, fix)

    def _run_cell(self, notebook: Notebook, cell: Cell) -> None:
        if cell.language not in RUNNABLE:
            if cell.language in {"md", "raw"}:
                return
            refused = NotebookMagicError(
                f"%{cell.language}",
                "is a cell language lakeforge cannot run",
                "port the cell to Python, %sql or %sh",
            )
            raise self._failure(notebook, cell, cell.line - 1, refused)
        code, first = self._code(cell)
        if not code.strip():
            return
        name = f"<{notebook.path} cell {cell.number}>"
        place = Place(notebook.path, cell.number, first)
        self.shell.execution_count = cell.number + 1  # IPython shows Out[count - 1]
        error = self.shell.run_code_cell(code, name, place)
        if error is None:
            return
        if isinstance(error, (SystemExit, KeyboardInterrupt, NotebookCellError)):
            raise error
        line = self.shell.locate(error, name)
        located = place.file_line(line) if line is not None else None
        raise self._failure(notebook, cell, located, error) from error


def run_notebook(path: Path, dbutils: Any, output_folder: Path | None = None) -> None:
    """Run the notebook at ``path`` in this process (working directory: its folder).

    Args:
        path: A ``.py`` source notebook, an ``.ipynb``, or a plain ``.py`` (one cell).
        dbutils: The task's ``dbutils`` object, put in the notebook's namespace.
        output_folder: Where ``display`` writes its files (None: log lines only).

    Raises:
        NotebookCellError: A cell failed (file, cell and line named).
        SystemExit: The notebook exited (``dbutils.notebook.exit``, ``sys.exit``).
    """
    path = path.resolve()
    os.chdir(path.parent)
    if not sys.path or sys.path[0] != str(path.parent):
        sys.path.insert(0, str(path.parent))
    # As in every IPython kernel (and on the reference runtime), the current directory is on the
    # import path: reference notebooks `%cd ../features` and then import modules from there.
    if "" not in sys.path:
        sys.path.insert(1, "")
    display = display_for(output_folder)
    from lakeforge.jobs.notebook_magics import register_magics

    with tempfile.TemporaryDirectory(prefix="lakeforge-ipython-") as ipython_dir:
        shell = start_shell(Path(ipython_dir))
        try:
            run = NotebookRun(shell, dbutils, display)
            shell.user_ns.update(
                dbutils=dbutils, display=display.display, displayHTML=display.display_html
            )
            register_magics(shell, run)
            run.run_file(path)
        finally:
            stop_shell()


__all__ = ["NotebookRun", "run_notebook"]
