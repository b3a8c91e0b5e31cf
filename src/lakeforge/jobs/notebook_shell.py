"""The IPython shell a notebook task runs in, and where in a notebook an error happened.

:class:`NotebookShell` is IPython's own ``InteractiveShell`` (no terminal, no history file,
no profile in the user's home), so magics, ``!cmd``, ``%autoreload`` and the other extensions
behave as in any IPython. Two things differ: each cell's code is named after its notebook and
cell (:class:`Place`), so an error is reported at its notebook file, cell and line; and
tracebacks are printed as plain Python tracebacks with those file lines, while ``SystemExit``
(``dbutils.notebook.exit``) is left for the runner to re-raise instead of being reported.
"""

from __future__ import annotations

import codeop
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.compilerop import CachingCompiler
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type
from traitlets.config import Config

from lakeforge.errors import LakeforgeError, NotebookCellError


@dataclass(frozen=True, slots=True)
class Place:
    """Where a cell's code came from: line 1 of the code is ``line`` of ``notebook``."""

    notebook: Path
    cell: int
    line: int

    def file_line(self, code_line: int) -> int:
        """The notebook line (``.py``) or cell line (``.ipynb``) of a line of the code."""
        return self.line + code_line - 1


class _CellCompiler(CachingCompiler):  # type: ignore[misc]
    """Names the next cell's code by :attr:`next_name` (set by the runner before each cell)."""

    next_name = "<notebook cell>"

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        # compile whole cells: "'(' was never closed" rather than the prompt's "incomplete input"
        self.flags &= ~getattr(codeop, "PyCF_ALLOW_INCOMPLETE_INPUT", 0)

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return self.next_name


def _relabel(error: traceback.TracebackException, places: dict[str, Place]) -> None:
    """Point frames (and a syntax error) of notebook cells at their notebook lines."""
    frames = list(error.stack)
    # IPython's own frames above the first cell frame say nothing about the notebook; a
    # syntax error from compiling a cell has no frame of the notebook at all
    default = len(frames) if getattr(error, "filename", None) in places else 0
    first = next((i for i, f in enumerate(frames) if f.filename in places), default)
    relabeled = []
    for frame in frames[first:]:
        place = places.get(frame.filename)
        if place is not None and frame.lineno is not None:
            frame = traceback.FrameSummary(
                str(place.notebook),
                place.file_line(frame.lineno),
                f"cell {place.cell}" if frame.name == "<module>" else frame.name,
                line=frame.line,
            )
        relabeled.append(frame)
    error.stack = traceback.StackSummary.from_list(relabeled)
    place = places.get(str(getattr(error, "filename", "")))
    if place is not None:  # a syntax error in a cell (its line numbers are text)
        error.filename = f"{place.notebook}, cell {place.cell}"
        for attribute in ("lineno", "end_lineno"):
            value = getattr(error, attribute, None)
            if value is not None:
                setattr(error, attribute, str(place.file_line(int(value))))
    for chained in (error.__cause__, error.__context__):
        if chained is not None:
            _relabel(chained, places)


class NotebookShell(InteractiveShell):  # type: ignore[misc]
    """IPython's shell for one notebook task (create it with :func:`start_shell`)."""

    compiler_class = Type(_CellCompiler)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.places: dict[str, Place] = {}

    # Typed doors into IPython's untyped API.

    def run_code_cell(self, code: str, name: str, place: Place) -> BaseException | None:
        """Run one cell's IPython code under ``name``; the error it ended with, if any."""
        self.places[name] = place
        assert isinstance(self.compile, _CellCompiler)
        self.compile.next_name = name
        ipython: Any = self
        result = ipython.run_cell(code, store_history=False)
        # IPython keeps a copy of everything a cell printed (for its history); a task's output
        # is in its log already, and a long job must not hold all of it in memory
        outputs = getattr(ipython.history_manager, "outputs", None)
        if isinstance(outputs, dict):
            outputs.clear()
        error: BaseException | None = result.error_before_exec or result.error_in_exec
        return error

    def line_magic(self, name: str) -> Callable[[str], Any]:
        """IPython's line magic ``name``."""
        ipython: Any = self
        function: Callable[[str], Any] = ipython.find_line_magic(name)
        return function

    def add_magic(self, function: Callable[..., Any], kind: str, name: str) -> None:
        """Register ``function`` as the ``kind`` (line or cell) magic ``name``."""
        ipython: Any = self
        ipython.register_magic_function(function, kind, name)

    def init_virtualenv(self) -> None:
        """Keep ``sys.path`` as the task was started (IPython would add ``$VIRTUAL_ENV``)."""

    def format_error(self, error: BaseException) -> str:
        """A plain traceback of ``error`` with notebook files, cells and lines."""
        if isinstance(error, UsageError):
            return f"UsageError: {error}\n"
        summary = traceback.TracebackException.from_exception(error)
        _relabel(summary, self.places)
        if isinstance(error, LakeforgeError):  # a message on purpose: only the notebook frames
            notebook = {str(place.notebook) for place in self.places.values()}
            kept = [frame for frame in summary.stack if frame.filename in notebook]
            summary.stack = traceback.StackSummary.from_list(kept)
        return "".join(summary.format())

    def showtraceback(self, exc_tuple: Any = None, *args: Any, **kwargs: Any) -> None:
        """Print the current error as :meth:`format_error` does (the runner reports it)."""
        error = (exc_tuple or sys.exc_info())[1]
        if error is None or isinstance(error, (SystemExit, NotebookCellError)):
            return  # an exit is the runner's to re-raise; a cell error was printed where it was
        sys.stderr.write(self.format_error(error))
        sys.stderr.flush()

    def showsyntaxerror(self, filename: str | None = None, *args: Any, **kwargs: Any) -> None:
        """Print a syntax error of a cell at its notebook line."""
        self.showtraceback()

    def locate(self, error: BaseException, name: str) -> int | None:
        """The line of the code named ``name`` (a cell) that ``error`` points at: a syntax
        error's line, else the innermost traceback frame in that cell."""
        if isinstance(error, SyntaxError) and error.filename == name:
            return int(error.lineno or 1)
        found = None
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename == name and frame.lineno is not None:
                found = frame.lineno
        return found


def start_shell(work_dir: Path) -> NotebookShell:
    """The process's notebook shell, its IPython folder in ``work_dir`` (not the user's home)."""
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.cache_size = 0  # no Out[n] history keeping every result alive
    # IPython answers SystemExit in a cell with this hint; the runner re-raises the exit.
    warnings.filterwarnings("ignore", message="To exit: use 'exit', 'quit', or Ctrl-D.")
    shell: NotebookShell = NotebookShell.instance(config=config, ipython_dir=str(work_dir))
    return shell


def stop_shell() -> None:
    """Forget the process's notebook shell (a later :func:`start_shell` makes a new one)."""
    if NotebookShell.initialized():
        shell: Any = NotebookShell.instance()
        shell.cleanup()  # gives sys.modules["__main__"] and the display hook back
    NotebookShell.clear_instance()


__all__ = ["NotebookShell", "Place", "start_shell", "stop_shell"]
