"""Notebook files as cells: ``.py`` source notebooks and ``.ipynb``.

A ``.py`` file whose first line is ``# Databricks notebook source`` is a source notebook: cells
are separated by ``# COMMAND ----------`` lines, and a cell whose lines are all ``# MAGIC ...``
(``# DBTITLE`` and blank lines aside) holds the magic's text. ``.ipynb`` files are read with
nbformat; markdown and raw cells count as cells (so numbers match the notebook) but do not run.

A cell whose first line names a reference cell language (``%md``, ``%sql``, ``%python``,
``%sh``, ``%scala``, ``%r``) gets that :attr:`Cell.language` and its remaining text as
:attr:`Cell.source`; anything else, IPython line magics such as ``%pip`` or ``%run`` included,
is Python for IPython to run. Nothing here imports IPython.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lakeforge.errors import ValidationError

SOURCE_HEADER = "# Databricks notebook source"
_SEPARATOR = re.compile(r"^# COMMAND -{10}\s*$")
_MAGIC = re.compile(r"^# MAGIC(?: |$)")
_TITLE = re.compile(r"^# DBTITLE ")
# The reference's cell languages; the first line of a cell picks one (``%md-sandbox`` is md).
LANGUAGES = {"md": "md", "md-sandbox": "md", "sql": "sql", "python": "python", "sh": "sh"}
LANGUAGES |= {"scala": "scala", "r": "r"}
_LANGUAGE_LINE = re.compile(r"^%([A-Za-z][\w-]*)(?:[ \t]+(.*))?$")
_DATABRICKS_METADATA = "application/vnd.databricks.v1+notebook"


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a notebook.

    Attributes:
        number: 1-based position in the notebook (every cell counts, markdown too).
        language: ``python``, ``md``, ``sql``, ``sh``, ``scala``, ``r`` (or ``raw`` in .ipynb).
        source: The text to run, without the language line and leading blank lines.
        line: Line of ``source``'s first line: in the file for ``.py`` notebooks, in the cell
            for ``.ipynb``.
        argument: What followed the language magic on its line (``%sh ls -l`` gives ``ls -l``).
    """

    number: int
    language: str
    source: str
    line: int
    argument: str = ""


@dataclass(frozen=True, slots=True)
class Notebook:
    """A notebook file read into cells."""

    path: Path
    cells: tuple[Cell, ...]


def notebook_file(path: Path) -> Path:
    """A notebook's file: ``path``, else ``path.py`` or ``path.ipynb`` when that exists (the
    reference lets notebook paths omit the extension)."""
    if path.is_file():
        return path
    for suffix in (".py", ".ipynb"):
        with_suffix = path.with_name(path.name + suffix)
        if with_suffix.is_file():
            return with_suffix
    return path


def is_notebook(path: Path) -> bool:
    """Whether ``path`` is an ``.ipynb`` or a ``.py`` source notebook (else a plain script)."""
    if path.suffix == ".ipynb":
        return True
    try:
        with path.open("rb") as handle:
            first = handle.readline(len(SOURCE_HEADER) + 8)
    except OSError:
        return False
    return first.decode("utf-8-sig", errors="replace").rstrip() == SOURCE_HEADER


def _strip_blank(lines: list[str], first_line: int) -> tuple[list[str], int]:
    # IPython drops leading blank lines itself; dropping them here keeps line numbers right
    while lines and not lines[0].strip():
        lines, first_line = lines[1:], first_line + 1
    return lines, first_line


def _cell(number: int, lines: list[str], first_line: int, default: str = "python") -> Cell:
    """A cell from its text lines (``first_line``: where ``lines[0]`` is)."""
    lines, first_line = _strip_blank(lines, first_line)
    match = _LANGUAGE_LINE.match(lines[0].strip()) if lines else None
    language, argument = default, ""
    if match and match.group(1).lower() in LANGUAGES:
        language, argument = LANGUAGES[match.group(1).lower()], (match.group(2) or "").strip()
        lines, first_line = _strip_blank(lines[1:], first_line + 1)
    return Cell(number, language, "\n".join(lines).rstrip(), first_line, argument)


def _magic_lines(lines: list[str]) -> list[str] | None:
    """The text of a cell whose lines are all ``# MAGIC``; None for a Python cell."""
    content = [line for line in lines if line.strip() and not _TITLE.match(line)]
    if not content or not all(_MAGIC.match(line) for line in content):
        return None
    # keep one entry per file line so line numbers stay right (titles become blank lines)
    return [line[len("# MAGIC ") :] if _MAGIC.match(line) else "" for line in lines]


def parse_source(text: str) -> list[Cell]:
    """Cells of a ``.py`` source notebook's text (the header line included)."""
    lines = text.splitlines()
    if lines and lines[0].rstrip() == SOURCE_HEADER:
        lines[0] = ""
    cells: list[Cell] = []
    start, chunk = 1, []
    for index, line in enumerate([*lines, "# COMMAND ----------"], start=1):
        if not _SEPARATOR.match(line):
            chunk.append(line)
            continue
        magic = _magic_lines(chunk)
        cells.append(_cell(len(cells) + 1, magic if magic is not None else chunk, start))
        start, chunk = index + 1, []
    return cells


def _ipynb_language(metadata: object) -> str:
    """The default cell language of an exported reference notebook (SQL or Python)."""
    databricks = metadata.get(_DATABRICKS_METADATA) if isinstance(metadata, dict) else None
    language = databricks.get("language") if isinstance(databricks, dict) else None
    return "sql" if str(language).lower() == "sql" else "python"


def parse_ipynb(path: Path) -> list[Cell]:
    """Cells of an ``.ipynb`` notebook (nbformat 4; older versions are converted).

    Raises:
        ValidationError: The file is not a notebook nbformat can read.
    """
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, nbformat.reader.NotJSONError) as exc:
        raise ValidationError(
            f"{path} cannot be read as a Jupyter notebook ({exc})",
            "save it again from Jupyter, or export the notebook as a .py source file",
        ) from None
    default = _ipynb_language(notebook.get("metadata"))
    cells: list[Cell] = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type == "code":
            cells.append(_cell(number, str(cell.source).splitlines(), 1, default))
        else:
            language = "md" if cell.cell_type == "markdown" else "raw"
            cells.append(Cell(number, language, str(cell.source), 1))
    return cells


def read_notebook(path: Path) -> Notebook:
    """Read a notebook file (``.ipynb``, or a ``.py`` source notebook or plain script: a plain
    script is one Python cell)."""
    if path.suffix == ".ipynb":
        return Notebook(path, tuple(parse_ipynb(path)))
    text = path.read_text()
    if is_notebook(path):
        return Notebook(path, tuple(parse_source(text)))
    return Notebook(path, (_cell(1, text.splitlines(), 1),))


__all__ = [
    "LANGUAGES",
    "SOURCE_HEADER",
    "Cell",
    "Notebook",
    "is_notebook",
    "notebook_file",
    "read_notebook",
]
