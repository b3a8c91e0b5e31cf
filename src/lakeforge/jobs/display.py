"""``display(obj)`` and ``displayHTML(html)`` for notebooks and task scripts.

The reference renders these in the notebook; a local task writes them next to its output
file instead: a DataFrame (pandas, polars, Arrow) becomes ``display-<n>.txt`` and
``display-<n>.html`` with at most :data:`DISPLAY_ROWS` rows, a figure ``display-<n>.png``,
HTML ``display-<n>.html``, anything else its ``repr`` in ``display-<n>.txt``. Each call prints
one summary line (and a short preview of a table) to the task log. Secret values the task
read are written as ``[REDACTED]``. Displaying never fails the task: an object that cannot be
rendered gets a log line saying so.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

DISPLAY_ROWS = 1000
PREVIEW_ROWS = 10
TEXT_LIMIT = 64 * 1024
HTML_LIMIT = 8 * 1024 * 1024


def _frame_kind(obj: object) -> str | None:
    from lakeforge.errors import UnsupportedFrameError
    from lakeforge.frames import kind_of

    if type(obj).__module__.split(".")[0] == "pandas" and type(obj).__name__ == "Series":
        return "series"
    try:
        return kind_of(obj)
    except UnsupportedFrameError:
        return None


def _bounded_frame(obj: Any, kind: str) -> tuple[Any, int | None]:
    """The first :data:`DISPLAY_ROWS` rows as pandas, and the total row count (if known)."""
    from lakeforge.frames import to_arrow

    if kind == "series":
        return obj.head(DISPLAY_ROWS).to_frame(), len(obj)
    if kind == "pandas":
        return obj.head(DISPLAY_ROWS), len(obj)
    if kind == "polars":
        lazy = type(obj).__name__ == "LazyFrame"
        head = obj.head(DISPLAY_ROWS)
        return to_arrow(head.collect() if lazy else head).to_pandas(), None if lazy else obj.height
    table = to_arrow(obj)
    return table.slice(0, DISPLAY_ROWS).to_pandas(), table.num_rows


class Display:
    """Renders displayed objects into ``folder`` (None: only the log line is written).

    Args:
        folder: Where ``display-<n>.*`` files go (the task's folder).
        echo: Where summary lines go (default: print to stdout, the task log).
    """

    def __init__(self, folder: Path | None, echo: Any = print) -> None:
        self.folder = folder
        self._echo = echo
        self._numbers = itertools.count(1)

    def _path(self, number: int, suffix: str) -> Path | None:
        if self.folder is None:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"display-{number}{suffix}"

    def _write(self, number: int, suffix: str, text: str, limit: int) -> str:
        from lakeforge.jobs.dbutils.secrets import redact  # secret values never reach output

        path = self._path(number, suffix)
        if path is None:
            return ""
        data = redact(text).encode()
        path.write_bytes(data[:limit])
        cut = f" (cut at {limit} bytes of {len(data)})" if len(data) > limit else ""
        return f"{path.name}{cut}"

    def display(self, obj: Any = None, *args: Any, **kwargs: Any) -> None:
        """Show ``obj``: a bounded table, a figure or its text; never raises."""
        number = next(self._numbers)
        try:
            self._display(number, obj)
        except Exception as exc:  # noqa: BLE001 - displaying must never fail a task
            self._echo(f"[display {number}] could not render {type(obj).__name__}: {exc}")

    def _display(self, number: int, obj: Any) -> None:
        kind = _frame_kind(obj)
        if kind is not None:
            head, total = _bounded_frame(obj, kind)
            shown = f"{len(head)} of {total}" if total is not None else f"first {len(head)}"
            columns = len(head.columns)
            text = self._write(number, ".txt", head.to_string(), TEXT_LIMIT * 16)
            html = self._write(number, ".html", head.to_html(), HTML_LIMIT)
            where = f" -> {text}, {html}" if text else ""
            self._echo(f"[display {number}] {kind} table: {shown} rows x {columns} columns{where}")
            self._echo(head.head(PREVIEW_ROWS).to_string())
            return
        if hasattr(obj, "savefig"):
            path = self._path(number, ".png")
            if path is not None:
                obj.savefig(path)
            self._echo(f"[display {number}] figure" + (f" -> {path.name}" if path else ""))
            return
        if hasattr(obj, "_repr_html_"):
            self.display_html(obj._repr_html_(), number=number)
            return
        text = repr(obj)
        where = self._write(number, ".txt", text, TEXT_LIMIT)
        first = text.splitlines()[0][:200] if text else ""
        self._echo(
            f"[display {number}] {type(obj).__name__}: {first}" + (f" -> {where}" * bool(where))
        )

    def display_html(self, html: str, number: int | None = None) -> None:
        """Save ``html`` as ``display-<n>.html``; never raises."""
        number = next(self._numbers) if number is None else number
        try:
            where = self._write(number, ".html", str(html), HTML_LIMIT)
            size = len(str(html).encode())
            self._echo(f"[display {number}] HTML, {size} bytes" + (f" -> {where}" * bool(where)))
        except Exception as exc:  # noqa: BLE001 - displaying must never fail a task
            self._echo(f"[display {number}] could not save HTML: {exc}")


_SHARED: dict[Path | None, Display] = {}


def display_for(folder: Path | None) -> Display:
    """The process's :class:`Display` for ``folder`` (one per folder, so file numbers of a
    notebook's ``display`` and a module's ``lakeforge.runtime.display`` never collide)."""
    return _SHARED.setdefault(folder, Display(folder))


__all__ = ["DISPLAY_ROWS", "Display", "display_for"]
