"""Fixtures for SQL statements: run a script on the test's workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

from lakeforge.statements.runner import execute
from lakeforge.statements.session import StatementResult
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


@pytest.fixture
def sql(ws: Workspace) -> Sql:
    """``sql("...")``: run statements on ``ws``; the last statement's rows as Arrow."""

    def run(script: str, **args: Any) -> pa.Table:
        return execute(ws, script, args=args or None)[-1].table

    return run


@pytest.fixture
def results(ws: Workspace) -> Callable[[str], list[StatementResult]]:
    """``results("...")``: every statement's result (messages, casts)."""

    def run(script: str) -> list[StatementResult]:
        return execute(ws, script)

    return run


@pytest.fixture
def version(ws: Workspace) -> Callable[[str], int]:
    """``version("t")``: the table's current Delta version."""

    def current(name: str) -> int:
        return int(ws.tables.snapshot(name).version())

    return current
