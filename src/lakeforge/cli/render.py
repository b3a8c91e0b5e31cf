"""Output for the CLI: Rich tables for people, ``--json`` for programs, errors to stderr."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

_MAX_CELL = 80


def plain(value: Any) -> Any:
    """Turn dataclasses, names, datetimes and containers into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "full") and hasattr(value, "parts"):  # ObjectName
            return str(value)
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def emit_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout."""
    sys.stdout.write(json.dumps(plain(value), indent=2, default=str) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(plain(value), default=str)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def emit_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print rows as a Rich table."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title or None, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(str(column), overflow="fold")
    for row in rows:
        # cells are data (names, values, messages): never read as Rich markup
        table.add_row(*(Text(_cell(v)) for v in row))
    Console().print(table)


def emit_records(title: str, records: Sequence[Any], columns: Sequence[str], as_json: bool) -> None:
    """Print dataclass records either as JSON or as a table of the chosen fields."""
    if as_json:
        emit_json(list(records))
        return
    data = [plain(r) for r in records]
    emit_table(title, columns, [[d.get(c) for c in columns] for d in data])


def emit_mapping(title: str, value: Mapping[str, Any], as_json: bool) -> None:
    """Print one object as JSON or as a two-column property table."""
    if as_json:
        emit_json(value)
        return
    emit_table(title, ["property", "value"], [[k, v] for k, v in plain(value).items()])


def emit_message(text: str) -> None:
    """A short confirmation for people (suppressed with --json by callers)."""
    from rich.console import Console

    Console().print(text)


def emit_error(kind: str, message: str, as_json: bool) -> None:
    """Print an error to stderr."""
    if as_json:
        sys.stderr.write(json.dumps({"error": {"type": kind, "message": message}}) + "\n")
        return
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[bold red]error[/] ({kind}): {escape(message)}")
