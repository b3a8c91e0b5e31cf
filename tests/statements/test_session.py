"""The session: current catalog/schema from the workspace, names, commit info."""

from __future__ import annotations

import json

import pytest
from sqlglot import exp

from lakeforge.errors import InvalidNameError, SchemaMismatchError
from lakeforge.statements.parser import split
from lakeforge.statements.session import Session, resolve_column
from lakeforge.tables.workspace import Workspace


def test_names_follow_the_workspace_current_schema(ws: Workspace) -> None:
    session = Session(ws)
    assert session.object_name(["t"]).full == "main.default.t"
    assert session.object_name(["s", "t"]).full == "main.s.t"
    ws.schemas.create("main", "ml")
    ws.use(schema="ml")
    table = exp.to_table("T")
    assert session.table_name(table).full == "main.ml.t"
    assert session.schema_name(["x"]) == ("main", "x")
    with pytest.raises(InvalidNameError):
        session.object_name(["a", "b", "c", "d"])


def test_commit_info(ws: Workspace) -> None:
    (statement,) = split("UPDATE t SET a = 1")
    info = Session(ws).commit_info(statement, "UPDATE", {"predicate": "true"})
    assert info["userName"] == ws.settings.user
    assert info["lakeforge.statement"] == "UPDATE t SET a = 1"
    assert info["lakeforge.operation"] == "UPDATE"
    assert json.loads(info["lakeforge.operationParameters"]) == {"predicate": "true"}


def test_resolve_column() -> None:
    assert resolve_column("t", ["Id", "v"], "ID") == "Id"
    with pytest.raises(SchemaMismatchError, match="'x' does not exist"):
        resolve_column("t", ["Id"], "x")
