"""OPTIMIZE and VACUUM (with the retention guard)."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from lakeforge.errors import UnsafeOperationError, ValidationError
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


@pytest.fixture
def fragmented(sql: Sql) -> None:
    sql("CREATE TABLE t (id INT, v INT) CLUSTER BY (v)")
    for i in range(4):
        sql(f"INSERT INTO t VALUES ({i}, {10 - i})")


def files(ws: Workspace) -> int:
    return len(ws.tables.snapshot("t").file_uris())


def test_optimize_compacts_and_zorders(ws: Workspace, sql: Sql, fragmented: None) -> None:
    assert files(ws) == 4
    result = sql("OPTIMIZE t")
    assert result.column_names == ["path", "metrics"]
    (row,) = result.to_pylist()
    assert row["metrics"]["numFilesRemoved"] == 4 and row["metrics"]["numFilesAdded"] == 1
    assert files(ws) == 1
    assert ws.tables.history("t")[0].operation == "OPTIMIZE"
    sql("INSERT INTO t VALUES (9, 9); OPTIMIZE t ZORDER BY (id)")
    assert ws.tables.read("t").num_rows == 5
    with pytest.raises(ValidationError, match="ZORDER BY columns"):
        sql("OPTIMIZE t ZORDER BY (nope)")


def test_vacuum_keeps_the_retention_guard(ws: Workspace, sql: Sql, fragmented: None) -> None:
    sql("OPTIMIZE t")
    with pytest.raises(UnsafeOperationError, match="below 168h"):
        sql("VACUUM t RETAIN 0 HOURS")
    with pytest.raises(UnsafeOperationError):
        sql("VACUUM t RETAIN 167.5 HOURS")
    dry = sql("VACUUM t RETAIN 168 HOURS DRY RUN")
    assert dry.column_names == ["path"] and dry.num_rows == 0  # removed files are too recent
    assert sql("VACUUM t").num_rows == 0
    assert ws.tables.read("t").num_rows == 4
