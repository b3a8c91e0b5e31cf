"""Scripts of several statements: order, the last result, failures part-way, refusals."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pyarrow as pa
import pytest

from lakeforge.errors import (
    SqlError,
    StatementError,
    TableNotFoundError,
    UnsupportedStatementError,
)
from lakeforge.statements.runner import execute
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


def test_statements_run_in_order_and_the_last_result_is_returned(ws: Workspace) -> None:
    results = execute(
        ws, "CREATE TABLE t (id INT); INSERT INTO t VALUES (1), (2); SELECT count(*) AS n FROM t"
    )
    assert [r.statement.kind for r in results] == ["CREATE TABLE", "INSERT", "SELECT"]
    assert results[-1].table.to_pylist() == [{"n": 2}]
    assert "inserted into main.default.t: 2 row(s)" in results[1].message


def test_a_failing_statement_is_named_and_earlier_ones_stay_applied(ws: Workspace) -> None:
    script = (
        "CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n"
        "INSERT INTO nope VALUES (2);\nINSERT INTO t VALUES (3)"
    )
    with pytest.raises(StatementError) as caught:
        execute(ws, script)
    error = caught.value
    assert (error.index, error.total) == (3, 4)
    assert error.statement == "INSERT INTO nope VALUES (2)"
    assert isinstance(error.__cause__, TableNotFoundError)
    assert error.cause_type == "TableNotFoundError"
    assert "statement 3 of 4 failed (INSERT INTO nope VALUES (2))" in str(error)
    assert "statements 1-2 were applied" in str(error)
    assert ws.tables.read("t").to_pylist() == [{"id": 1}]


def test_a_single_statement_raises_its_own_error(ws: Workspace) -> None:
    with pytest.raises(TableNotFoundError):
        execute(ws, "SELECT * FROM nope")


def test_unsupported_or_unparsable_statements_stop_the_script_before_anything_runs(
    ws: Workspace,
) -> None:
    with pytest.raises(UnsupportedStatementError, match="CREATE VIEW is not supported") as caught:
        execute(ws, "CREATE TABLE t (id INT); CREATE VIEW v AS SELECT 1")
    assert "MERGE INTO" in str(caught.value)  # the supported list
    assert not ws.tables.list()
    with pytest.raises(SqlError, match="cannot parse"):
        execute(ws, "CREATE TABLE t (id INT); SELEC 1 FROM")
    assert not ws.tables.list()


def test_casts_are_logged(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    ws.tables.create("src", data=pa.table({"id": pa.array([1], pa.int32())}))
    with caplog.at_level(logging.INFO, logger="lakeforge.sql"):
        execute(ws, "CREATE TABLE t (id BIGINT); INSERT INTO t SELECT id FROM src")
    assert "id: int -> bigint (1 rows, widened)" in caplog.text


def test_streaming_the_last_select(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": list(range(10))}))
    (result,) = execute(ws, "SELECT * FROM t ORDER BY id", stream_last=True)
    assert result.reader is not None
    assert result.reader.read_all().num_rows == 10
