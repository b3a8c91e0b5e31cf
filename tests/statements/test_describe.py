"""DESCRIBE, DESCRIBE HISTORY / DETAIL and SHOW with the reference's columns."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from lakeforge.errors import TableNotFoundError, UnsupportedStatementError
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]

HISTORY_COLUMNS = [
    "version",
    "timestamp",
    "userId",
    "userName",
    "operation",
    "operationParameters",
    "job",
    "notebook",
    "clusterId",
    "readVersion",
    "isolationLevel",
    "isBlindAppend",
    "operationMetrics",
    "userMetadata",
    "engineInfo",
]
DETAIL_COLUMNS = [
    "format",
    "id",
    "name",
    "description",
    "location",
    "createdAt",
    "lastModified",
    "partitionColumns",
    "clusteringColumns",
    "numFiles",
    "sizeInBytes",
    "properties",
    "minReaderVersion",
    "minWriterVersion",
    "tableFeatures",
    "statistics",
]


@pytest.fixture
def table(sql: Sql) -> None:
    sql(
        "CREATE TABLE f (id BIGINT NOT NULL COMMENT 'key', ts TIMESTAMP NOT NULL, p STRING,"
        " CONSTRAINT f_pk PRIMARY KEY (id, ts TIMESERIES)) PARTITIONED BY (p) COMMENT 'feats'"
        " TBLPROPERTIES ('team' = 'ml');"
        " INSERT INTO f VALUES (1, '2024-01-01', 'a'); UPDATE f SET p = 'a' WHERE id = 1"
    )


def test_describe_table(sql: Sql, table: None) -> None:
    plain = sql("DESCRIBE f").to_pylist()
    assert plain[:3] == [
        {"col_name": "id", "data_type": "bigint", "comment": "key"},
        {"col_name": "ts", "data_type": "timestamp", "comment": ""},
        {"col_name": "p", "data_type": "string", "comment": ""},
    ]
    assert {"col_name": "# Partition Information", "data_type": "", "comment": ""} in plain
    extended = {r["col_name"]: r["data_type"] for r in sql("DESCRIBE TABLE EXTENDED f").to_pylist()}
    assert extended["Table"] == "f"
    assert extended["Comment"] == "feats"
    assert extended["Provider"] == "delta"
    assert extended["f_pk"] == "PRIMARY KEY (`id`, `ts` TIMESERIES)"
    assert "team=ml" in extended["Table Properties"]


def test_describe_history(ws: Workspace, sql: Sql, table: None) -> None:
    history = sql("DESCRIBE HISTORY f")
    assert history.column_names == HISTORY_COLUMNS
    rows = history.to_pylist()
    assert [r["version"] for r in rows] == [2, 1, 0]
    assert [r["operation"] for r in rows] == ["UPDATE", "WRITE", "CREATE TABLE"]
    assert all(r["userName"] == ws.settings.user for r in rows)
    assert dict(rows[0]["operationParameters"]) == {"predicate": "id = 1"}
    assert rows[1]["isBlindAppend"] in (True, None)
    assert sql("DESCRIBE HISTORY f LIMIT 1").num_rows == 1
    with pytest.raises(TableNotFoundError):
        sql("DESCRIBE HISTORY nope")


def test_describe_detail(ws: Workspace, sql: Sql, table: None) -> None:
    detail = sql("DESCRIBE DETAIL main.default.f")
    assert detail.column_names == DETAIL_COLUMNS
    (row,) = detail.to_pylist()
    assert row["format"] == "delta"
    assert row["name"] == "main.default.f"
    assert row["description"] == "feats"
    assert row["partitionColumns"] == ["p"]
    assert row["numFiles"] >= 1 and row["sizeInBytes"] > 0
    assert dict(row["properties"]) == {"team": "ml"}
    assert row["id"] == ws.tables.get("f").table_id


def test_show(ws: Workspace, sql: Sql, table: None) -> None:
    sql(
        "CREATE CATALOG dev; CREATE SCHEMA main.ml; CREATE TABLE main.ml.a (x INT);"
        " CREATE TABLE main.ml.b (x INT)"
    )
    assert sql("SHOW CATALOGS").to_pylist() == [{"catalog": "dev"}, {"catalog": "main"}]
    assert sql("SHOW CATALOGS LIKE 'ma*'").to_pylist() == [{"catalog": "main"}]
    assert sql("SHOW SCHEMAS").column("databaseName").to_pylist() == ["default", "ml"]
    assert sql("SHOW SCHEMAS IN dev").column("databaseName").to_pylist() == ["default"]
    tables = sql("SHOW TABLES IN main.ml")
    assert tables.column_names == ["database", "tableName", "isTemporary"]
    assert tables.to_pylist() == [
        {"database": "ml", "tableName": "a", "isTemporary": False},
        {"database": "ml", "tableName": "b", "isTemporary": False},
    ]
    assert sql("SHOW TABLES FROM ml LIKE 'B|zz'").column("tableName").to_pylist() == ["b"]
    assert sql("SHOW TABLES").column("tableName").to_pylist() == ["f"]


def test_describe_other_objects_is_refused(sql: Sql, table: None) -> None:
    with pytest.raises(UnsupportedStatementError, match="DESCRIBE SCHEMA"):
        sql("DESCRIBE SCHEMA main.default")
