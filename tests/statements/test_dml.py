"""INSERT, UPDATE and DELETE: results, store assignment, reporting, and nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from lakeforge.errors import SchemaMismatchError, TableNotFoundError, UnsupportedStatementError
from lakeforge.statements.session import StatementResult
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]
Results = Callable[[str], list[StatementResult]]


@pytest.fixture
def typed(sql: Sql) -> None:
    sql(
        "CREATE TABLE t (id BIGINT NOT NULL, small TINYINT, v DOUBLE, f FLOAT, d DATE,"
        " ts TIMESTAMP, amount DECIMAL(10,2), name STRING)"
    )


def test_insert_values_fits_constants_to_the_column_types(
    ws: Workspace, sql: Sql, typed: None
) -> None:
    result = sql(
        "INSERT INTO t VALUES (1, 5, 2.5, 0.1, '2024-01-02', '2024-01-02 03:04:05', 1.5, 'a'),"
        " (2, NULL, 3, 1e0, '2024-02-01', '2024-02-01T00:00:00Z', 2, NULL)"
    )
    assert result.to_pylist() == [{"num_affected_rows": 2, "num_inserted_rows": 2}]
    rows = ws.tables.read("t").sort_by("id").to_pylist()
    assert rows[0] == {
        "id": 1,
        "small": 5,
        "v": 2.5,
        "f": pytest.approx(0.1),
        "d": date(2024, 1, 2),
        "ts": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "amount": Decimal("1.50"),
        "name": "a",
    }
    assert rows[1]["v"] == 3.0 and rows[1]["amount"] == Decimal("2.00")
    assert ws.tables.read("t").schema.field("small").type == pa.int8()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            "('x', 1, 1, 1, NULL, NULL, NULL, NULL)",
            "column 'id' is bigint but the statement gives string",
        ),
        ("(1, 300, 1, 1, NULL, NULL, NULL, NULL)", "value 300 .* does not fit column 'small'"),
        ("(1, 1.5, 1, 1, NULL, NULL, NULL, NULL)", "does not fit column 'small'"),
        ("(1, 1, 1, 1, 'not a date', NULL, NULL, NULL)", "'not a date'"),
        ("(1, 1, 1, 1, NULL, NULL, 1.234, NULL)", "does not fit column 'amount'"),
        ("(NULL, 1, 1, 1, NULL, NULL, NULL, NULL)", "'id' is NOT NULL"),
        ("(1, 1, 'x', 1, NULL, NULL, NULL, NULL)", "column 'v' is double"),
        ("(1, 1, 1)", "INSERT gives 3 column"),
    ],
)
def test_values_that_do_not_fit_are_refused_without_a_commit(
    ws: Workspace, sql: Sql, typed: None, version: Callable[[str], int], values: str, message: str
) -> None:
    before = version("t")
    with pytest.raises(SchemaMismatchError, match=message):
        sql(f"INSERT INTO t VALUES {values}")
    assert version("t") == before


def test_insert_select_reports_store_assignment_and_widening(
    ws: Workspace, sql: Sql, results: Results
) -> None:
    ws.tables.create("src", data=pa.table({"id": pa.array([1, 2], pa.int32()), "v": [1.5, 2.5]}))
    sql("CREATE TABLE dst (id BIGINT, v FLOAT, total DOUBLE)")
    (result,) = results("INSERT INTO dst SELECT id, v, sum(v) OVER () FROM src")
    changes = {(c.column, c.from_type, c.to_type, c.rows, c.reason) for c in result.casts}
    assert ("id", "int", "bigint", 2, "widened") in changes
    assert ("v", "double", "float", 2, "store assignment") in changes
    agg = results("INSERT INTO dst (id, total) SELECT 3, CAST(v AS DECIMAL(5,1)) FROM src")[0]
    assert [(c.column, c.reason) for c in agg.casts] == [("total", "store assignment")]
    assert ws.tables.read("dst").num_rows == 4
    constant = results("INSERT INTO dst VALUES (5, 1.5, 2)")[0]
    assert constant.casts == ()  # constants have no type of their own: nothing to report


def test_insert_column_list_by_name_and_overwrite(ws: Workspace, sql: Sql) -> None:
    sql("CREATE TABLE t (id INT NOT NULL, a STRING, b DOUBLE)")
    sql("INSERT INTO t (b, id) VALUES (1.5, 1)")
    sql("INSERT INTO t BY NAME SELECT 'x' AS a, 2 AS id")
    assert ws.tables.read("t").sort_by("id").to_pylist() == [
        {"id": 1, "a": None, "b": 1.5},
        {"id": 2, "a": "x", "b": None},
    ]
    with pytest.raises(SchemaMismatchError, match="does not exist"):
        sql("INSERT INTO t (nope) VALUES (1)")
    with pytest.raises(SchemaMismatchError, match="written twice"):
        sql("INSERT INTO t (id, id) VALUES (1, 2)")
    result = sql("INSERT OVERWRITE t SELECT 9, 'z', 0.5")
    assert result.to_pylist() == [{"num_affected_rows": 1, "num_inserted_rows": 1}]
    assert ws.tables.read("t").to_pylist() == [{"id": 9, "a": "z", "b": 0.5}]
    assert ws.tables.history("t")[0].parameters["mode"] == "Overwrite"
    with pytest.raises(UnsupportedStatementError, match="PARTITION"):
        sql("INSERT INTO t PARTITION (a = 'x') VALUES (1, 2.0)")


def test_insert_into_a_missing_table(ws: Workspace, sql: Sql) -> None:
    with pytest.raises(TableNotFoundError):
        sql("INSERT INTO nope VALUES (1)")


def test_update_counts_and_applies_to_identical_rows(
    ws: Workspace, sql: Sql, version: Callable[[str], int]
) -> None:
    sql("CREATE TABLE t (id INT, v DOUBLE); INSERT INTO t VALUES (1, 1.0), (1, 1.0), (2, NULL)")
    result = sql("UPDATE t SET v = v * 10 + 1 WHERE id = 1")
    assert result.to_pylist() == [{"num_affected_rows": 2}]
    assert sorted(ws.tables.read("t").column("v").to_pylist(), key=str) == [11.0, 11.0, None]
    assert sql("UPDATE t AS x SET x.v = 0 WHERE x.v IS NULL").to_pylist() == [
        {"num_affected_rows": 1}
    ]
    all_rows = sql("UPDATE main.default.t SET v = main.default.t.v + 1")
    assert all_rows.to_pylist() == [{"num_affected_rows": 3}]
    entry = ws.tables.history("t")[0]
    assert entry.operation == "UPDATE" and entry.parameters == {"predicate": "true"}
    before = version("t")
    assert sql("UPDATE t SET v = 0 WHERE id = 99").to_pylist() == [{"num_affected_rows": 0}]
    assert version("t") == before  # nothing changed, no commit
    with pytest.raises(SchemaMismatchError, match="column 'nope' does not exist"):
        sql("UPDATE t SET nope = 1")
    with pytest.raises(SchemaMismatchError, match="is int but the statement gives string"):
        sql("UPDATE t SET id = 'x'")
    assert version("t") == before


def test_update_keeps_not_null(ws: Workspace, sql: Sql, version: Callable[[str], int]) -> None:
    sql("CREATE TABLE t (id INT NOT NULL, v INT); INSERT INTO t VALUES (1, 1)")
    before = version("t")
    with pytest.raises(SchemaMismatchError, match="NOT NULL"):
        sql("UPDATE t SET id = NULL")
    assert version("t") == before


def test_delete_with_and_without_where(ws: Workspace, sql: Sql) -> None:
    sql("CREATE TABLE t (id INT, v DOUBLE); INSERT INTO t VALUES (1, 1.0), (2, 2.0), (3, NULL)")
    assert sql("DELETE FROM t WHERE v > 1.5 OR v IS NULL").to_pylist() == [{"num_affected_rows": 2}]
    assert ws.tables.history("t")[0].operation == "DELETE"
    sql("INSERT INTO t VALUES (4, 4.0)")
    ws.tables.create("keep", data=pa.table({"id": [4]}))
    assert sql("DELETE FROM t WHERE id IN (SELECT id FROM keep)").to_pylist() == [
        {"num_affected_rows": 1}
    ]
    assert sql("DELETE FROM t").to_pylist() == [{"num_affected_rows": 1}]
    assert ws.tables.read("t").num_rows == 0
    with pytest.raises(TableNotFoundError):
        sql("DELETE FROM nope WHERE id = 1")
