"""Queries in the reference dialect: time travel, session functions, types, transpilation."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from lakeforge.errors import SqlError, TableNotFoundError, ValidationError, VersionNotFoundError
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


@pytest.fixture
def versions(ws: Workspace) -> Workspace:
    """main.default.t at version 0 (1 row), 1 (2 rows), 2 (3 rows)."""
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    ws.tables.append("t", pa.table({"id": [2], "v": [2.0]}))
    time.sleep(0.01)
    ws.tables.append("t", pa.table({"id": [3], "v": [3.0]}))
    return ws


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("SELECT count(*) AS n FROM t VERSION AS OF 0", 1),
        ("SELECT count(*) AS n FROM main.default.t VERSION AS OF 1", 2),
        ("SELECT count(*) AS n FROM t@v1", 2),
        ("SELECT count(*) AS n FROM t", 3),
    ],
)
def test_version_as_of(versions: Workspace, sql: Sql, query: str, rows: int) -> None:
    assert sql(query).to_pylist() == [{"n": rows}]


def test_timestamp_as_of_and_at_timestamp(versions: Workspace, sql: Sql) -> None:
    second = versions.tables.history("t")[1].timestamp  # version 1
    text = second.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert sql(f"SELECT count(*) AS n FROM t TIMESTAMP AS OF '{text}'").to_pylist() == [{"n": 2}]
    digits = second.strftime("%Y%m%d%H%M%S") + f"{second.microsecond // 1000:03d}"
    assert sql(f"SELECT count(*) AS n FROM t@{digits}").to_pylist() == [{"n": 2}]
    later = sql("SELECT count(*) AS n FROM t TIMESTAMP AS OF current_timestamp()")
    assert later.to_pylist() == [{"n": 3}]


def test_time_travel_keeps_aliases_and_qualified_columns(versions: Workspace, sql: Sql) -> None:
    joined = sql(
        "SELECT old.id, new.v FROM t VERSION AS OF 0 AS old JOIN main.default.t new "
        "ON old.id = new.id"
    )
    assert joined.to_pylist() == [{"id": 1, "v": 1.0}]
    qualified = sql("SELECT main.default.t.id FROM main.default.t VERSION AS OF 0")
    assert qualified.to_pylist() == [{"id": 1}]
    both = sql(
        "SELECT (SELECT count(*) FROM t VERSION AS OF 0) AS a, "
        "(SELECT count(*) FROM t VERSION AS OF 2) AS b"
    )
    assert both.to_pylist() == [{"a": 1, "b": 3}]


def test_bad_versions(versions: Workspace, sql: Sql) -> None:
    with pytest.raises(VersionNotFoundError):
        sql("SELECT * FROM t VERSION AS OF 9")
    with pytest.raises(ValidationError, match="not a version number"):
        sql("SELECT * FROM t VERSION AS OF 'x'")
    with pytest.raises(VersionNotFoundError):
        sql("SELECT * FROM t TIMESTAMP AS OF '2000-01-01'")


def test_session_functions(ws: Workspace, sql: Sql) -> None:
    ws.schemas.create("main", "ml")
    result = sql("USE SCHEMA ml; SELECT current_user(), current_catalog(), current_schema()")
    assert result.to_pylist() == [
        {"current_user()": ws.settings.user, "current_catalog()": "main", "current_schema()": "ml"}
    ]
    nested = sql("SELECT upper(current_database()) AS s, concat(current_catalog(), '!') AS c")
    assert nested.to_pylist() == [{"s": "ML", "c": "main!"}]


def test_integer_sums_are_bigint_as_in_the_reference(ws: Workspace, sql: Sql) -> None:
    ws.tables.create("n", data=pa.table({"x": pa.array([1, 2, 3], pa.int32())}))
    result = sql("SELECT sum(x) AS s, count(*) AS c FROM n")
    assert result.schema.field("s").type == pa.int64()
    assert result.to_pylist() == [{"s": 6, "c": 3}]


def test_spark_functions_and_syntax_are_transpiled(ws: Workspace, sql: Sql) -> None:
    ws.tables.create(
        "e",
        data=pa.table(
            {
                "ts": pa.array([0], pa.timestamp("us", tz="UTC")),
                "a": [[1, 2]],
                "s": ["x"],
            }
        ),
    )
    result = sql(
        "SELECT /*+ BROADCAST(e) */ date_format(ts, 'yyyy-MM') AS m, size(a) AS n, "
        'nvl(NULL, `s`) AS s, "dq" AS q, array_contains(a, 2) AS has FROM e'
    )
    assert result.to_pylist() == [{"m": "1970-01", "n": 2, "s": "x", "q": "dq", "has": True}]


def test_timestamps_use_utc_as_session_time_zone(sql: Sql) -> None:
    result = sql("SELECT CAST('2024-01-01 10:00:00' AS TIMESTAMP) AS ts")
    assert str(result.column("ts")[0].as_py()) == "2024-01-01 10:00:00+00:00"


def test_missing_table_and_engine_errors(ws: Workspace, sql: Sql) -> None:
    with pytest.raises(TableNotFoundError):
        sql("SELECT * FROM main.default.nope")
    with pytest.raises(TableNotFoundError):
        sql("SELECT * FROM nope VERSION AS OF 1")
    with pytest.raises(SqlError):
        sql("SELECT no_such_function(1)")


def test_parameters(ws: Workspace, sql: Sql) -> None:
    ws.tables.create("p", data=pa.table({"id": [1, 2, 3]}))
    assert sql("SELECT count(*) AS n FROM p WHERE id >= :low", low=2).to_pylist() == [{"n": 2}]


def test_workspace_sql_is_unchanged_duckdb(ws: Workspace) -> None:
    """Workspace.sql stays the DuckDB-dialect query path (double quotes are identifiers)."""
    ws.tables.create("q", data=pa.table({"id": [1]}))
    assert ws.sql('SELECT count(*) AS n FROM "default"."q"').to_pylist() == [{"n": 1}]


def test_result_kinds_through_lakeforge_sql(ws: Workspace, ws_path: Path) -> None:
    import pandas as pd
    import polars as pl

    import lakeforge

    ws.tables.create("k", data=pa.table({"id": [1, 2]}))
    assert isinstance(lakeforge.sql("SELECT * FROM k", workspace=ws_path), pd.DataFrame)
    polars = lakeforge.sql("SELECT * FROM k", kind="polars", workspace=ws_path)
    assert isinstance(polars, pl.DataFrame)
    arrow = lakeforge.sql(
        "SELECT * FROM k WHERE id = :id", {"id": 2}, kind="arrow", workspace=ws_path
    )
    assert arrow.to_pylist() == [{"id": 2}]
    ddl = lakeforge.sql("CREATE TABLE k2 (x INT)", workspace=ws_path)
    assert isinstance(ddl, pd.DataFrame) and ddl.empty
    with pytest.raises(ValidationError, match="unknown DataFrame kind"):
        lakeforge.sql("DROP TABLE k", kind="numpy", workspace=ws_path)  # type: ignore[arg-type]
    assert ws.metadata.tables.exists(ws.tables.resolve("k"))  # nothing ran
