"""The one query that decides every row of UPDATE / DELETE / MERGE."""

from __future__ import annotations

import pyarrow as pa
import sqlglot

from lakeforge.statements.change_plan import ChangePlan, Clause, compute, query
from lakeforge.statements.session import Session
from lakeforge.tables.workspace import Workspace


def expr(text: str) -> sqlglot.exp.Expr:
    return sqlglot.parse_one(text, read="databricks")


def test_the_first_matching_clause_decides_and_copies_are_listed_once(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1, 1, 2, 3], "v": [0, 0, 5, 9]}))
    plan = ChangePlan(
        "main.default.t",
        "t",
        (
            Clause("any", "delete", expr("t.v > 8")),
            Clause("any", "update", expr("t.id = 1 OR t.v > 4"), (("v", expr("t.v + 100")),)),
        ),
    )
    changes = compute(Session(ws), plan, ws.tables.snapshot("t"))
    assert changes.deleted.to_pylist() == [{"id": 3, "v": 9}]
    assert sorted(changes.updated_old.to_pylist(), key=str) == [
        {"id": 1, "v": 0},
        {"id": 2, "v": 5},
    ]
    new = {r["id"]: r["v"] for r in changes.updated_new.to_pylist()}
    assert new == {1: 100, 2: 105}
    assert changes.inserted.num_rows == 0


def test_the_query_is_plain_sql_over_the_pinned_target(ws: Workspace) -> None:
    plan = ChangePlan("main.default.t", "x", (Clause("any", "delete", expr("x.v > 1")),))
    text = query(plan, pa.schema([("v", pa.int64())])).sql("duckdb")
    assert "FROM __lf_target" in text
    assert "ROW_NUMBER() OVER ()" in text
