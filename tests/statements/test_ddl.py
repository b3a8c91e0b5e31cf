"""CREATE / DROP / COMMENT ON / USE for catalogs, schemas and tables."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    NotEmptyError,
    SchemaNotFoundError,
    TableNotFoundError,
    UnsupportedStatementError,
    ValidationError,
)
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


def test_create_catalog_and_schema(ws: Workspace, sql: Sql) -> None:
    assert sql("CREATE CATALOG dev COMMENT 'development'").num_columns == 0
    sql("CREATE CATALOG IF NOT EXISTS dev")
    with pytest.raises(AlreadyExistsError):
        sql("CREATE CATALOG dev")
    sql(
        "CREATE SCHEMA IF NOT EXISTS dev.gold COMMENT 'curated';"
        " CREATE DATABASE IF NOT EXISTS silver"
    )
    assert ws.catalogs.get("dev").comment == "development"
    assert ws.schemas.get("dev", "gold").comment == "curated"
    assert ws.schemas.get("main", "silver").owner == ws.settings.user
    with pytest.raises(CatalogNotFoundError):
        sql("CREATE SCHEMA nope.s")


def test_create_table_with_columns_constraints_and_properties(ws: Workspace, sql: Sql) -> None:
    sql(
        "CREATE TABLE main.default.orders ("
        " id BIGINT NOT NULL COMMENT 'order id', amount DECIMAL(10,2), tags ARRAY<STRING>,"
        " attrs MAP<STRING, INT>, who STRUCT<name: STRING, age: INT>, day DATE,"
        " at TIMESTAMP, local TIMESTAMP_NTZ, code VARCHAR(3), ok BOOLEAN, raw BINARY)"
        " USING DELTA PARTITIONED BY (day) CLUSTER BY (id) COMMENT 'all orders'"
        " TBLPROPERTIES ('delta.appendOnly' = 'false', 'team' = 'sales')"
    )
    info = ws.tables.get("orders")
    assert [(c.name, c.data_type, c.nullable, c.comment) for c in info.columns[:2]] == [
        ("id", "bigint", False, "order id"),
        ("amount", "decimal(10,2)", True, None),
    ]
    assert [c.data_type for c in info.columns[2:]] == [
        "array<string>",
        "map<string,int>",
        "struct<name:string,age:int>",
        "date",
        "timestamp",
        "timestamp_ntz",
        "string",
        "boolean",
        "binary",
    ]
    assert info.partition_columns == ("day",)
    assert info.description == "all orders"
    assert info.properties["lakeforge.clustering_columns"] == ["id"]
    assert info.properties["lakeforge.table_properties"] == {"team": "sales"}
    assert ws.tables.snapshot("orders").metadata().configuration == {"delta.appendOnly": "false"}
    assert ws.tables.history("orders")[0].operation == "CREATE TABLE"


def test_primary_key_makes_a_feature_table(ws: Workspace, sql: Sql) -> None:
    sql(
        "CREATE TABLE f (id BIGINT NOT NULL, ts TIMESTAMP NOT NULL, v DOUBLE,"
        " CONSTRAINT f_pk PRIMARY KEY (id, ts TIMESERIES))"
    )
    info = ws.tables.get("f")
    assert info.primary_keys == ("id", "ts")
    assert info.timeseries_key == "ts"
    assert info.properties["lakeforge.primary_key_name"] == "f_pk"
    sql("CREATE TABLE g (id INT NOT NULL PRIMARY KEY, v INT)")
    assert ws.tables.get("g").primary_keys == ("id",)


def test_primary_key_columns_must_be_not_null(ws: Workspace, sql: Sql) -> None:
    with pytest.raises(ValidationError, match=r"key column\(s\) \['id'\] are nullable"):
        sql("CREATE TABLE f (id BIGINT, CONSTRAINT f_pk PRIMARY KEY (id))")
    with pytest.raises(ValidationError, match="not columns of the table"):
        sql("CREATE TABLE f (id BIGINT NOT NULL, CONSTRAINT f_pk PRIMARY KEY (nope))")
    assert not ws.metadata.tables.exists(ws.tables.resolve("f"))


def test_ctas_and_if_not_exists(ws: Workspace, sql: Sql) -> None:
    result = sql("CREATE TABLE t AS SELECT * FROM VALUES (1, 'a'), (2, 'b') AS v(id, name)")
    assert result.to_pylist() == [{"num_affected_rows": 2, "num_inserted_rows": 2}]
    assert ws.tables.history("t")[0].operation == "CREATE TABLE AS SELECT"
    assert sql("CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS other").num_columns == 0
    assert ws.tables.read("t").num_rows == 2
    with pytest.raises(AlreadyExistsError):
        sql("CREATE TABLE t (x INT)")


def test_create_or_replace_keeps_history_and_identity(ws: Workspace, sql: Sql) -> None:
    sql("CREATE TABLE t (id INT NOT NULL, p STRING) PARTITIONED BY (p)")
    sql("INSERT INTO t VALUES (1, 'a')")
    before = ws.tables.get("t")
    ws.tables.update_tags("t", set_={"k": "v"})
    sql("CREATE OR REPLACE TABLE t AS SELECT id * 10 AS id2 FROM t")
    after = ws.tables.get("t")
    assert after.table_id == before.table_id
    assert after.column_names == ["id2"]
    assert after.partition_columns == ()
    assert after.tags == {"k": "v"}
    assert ws.tables.read("t").to_pylist() == [{"id2": 10}]
    assert [h.operation for h in ws.tables.history("t")][:1] == [
        "CREATE OR REPLACE TABLE AS SELECT"
    ]
    assert ws.tables.read("t", version=1).to_pylist() == [{"id": 1, "p": "a"}]
    sql("CREATE OR REPLACE TABLE t (k BIGINT NOT NULL, CONSTRAINT t_pk PRIMARY KEY (k))")
    assert ws.tables.get("t").primary_keys == ("k",)
    assert ws.tables.read("t").num_rows == 0
    sql("CREATE OR REPLACE TABLE brand_new (x INT)")
    assert ws.tables.get("brand_new").column_names == ["x"]


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("CREATE TABLE t (x INT) USING PARQUET", "USING PARQUET"),
        ("CREATE TABLE t (x INT) LOCATION '/tmp/x'", "table property LOCATION"),
        ("CREATE TABLE t (x INT, CONSTRAINT c CHECK (x > 0))", "table element"),
        ("CREATE TABLE t (x INT DEFAULT 1)", "column constraint DEFAULT"),
        ("CREATE TABLE t (x INT) PARTITIONED BY (y STRING)", "PARTITIONED BY with column types"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
    ],
)
def test_unsupported_table_clauses_are_named(
    ws: Workspace, sql: Sql, statement: str, what: str
) -> None:
    with pytest.raises(UnsupportedStatementError, match=what):
        sql(statement)
    assert not ws.tables.list()


def test_drop_table_schema_and_catalog(ws: Workspace, sql: Sql) -> None:
    sql("CREATE CATALOG dev; CREATE SCHEMA dev.s; CREATE TABLE dev.s.t (x INT)")
    with pytest.raises(NotEmptyError):
        sql("DROP SCHEMA dev.s")
    sql("DROP TABLE dev.s.t; DROP TABLE IF EXISTS dev.s.t")
    with pytest.raises(TableNotFoundError):
        sql("DROP TABLE dev.s.t")
    sql("CREATE TABLE dev.s.u (x INT); DROP SCHEMA dev.s CASCADE; DROP SCHEMA IF EXISTS dev.s")
    with pytest.raises(SchemaNotFoundError):
        ws.schemas.get("dev", "s")
    sql("CREATE SCHEMA dev.s2; CREATE TABLE dev.s2.t (x INT)")
    with pytest.raises(NotEmptyError):
        sql("DROP CATALOG dev")
    sql("DROP CATALOG dev CASCADE; DROP CATALOG IF EXISTS dev")
    assert [c.name for c in ws.catalogs.list()] == ["main"]


def test_comment_on(ws: Workspace, sql: Sql) -> None:
    sql("CREATE CATALOG dev; CREATE SCHEMA dev.s; CREATE TABLE dev.s.t (x INT)")
    sql(
        "COMMENT ON CATALOG dev IS 'c'; COMMENT ON SCHEMA dev.s IS 's';"
        " COMMENT ON TABLE dev.s.t IS 't'; COMMENT ON COLUMN dev.s.t.x IS 'the x'"
    )
    assert ws.catalogs.get("dev").comment == "c"
    assert ws.schemas.get("dev", "s").comment == "s"
    info = ws.tables.get("dev.s.t")
    assert info.description == "t"
    assert info.columns[0].comment == "the x"


def test_use_catalog_and_schema_move_one_part_names(ws: Workspace, sql: Sql) -> None:
    sql("CREATE CATALOG dev; CREATE SCHEMA dev.gold")
    sql("USE CATALOG dev; USE SCHEMA gold; CREATE TABLE t (x INT); INSERT INTO t VALUES (1)")
    assert ws.tables.read("dev.gold.t").num_rows == 1
    assert (ws.settings.current_catalog, ws.settings.current_schema) == ("dev", "gold")
    sql("USE main.default")
    assert ws.tables.resolve("t").full == "main.default.t"
    with pytest.raises(SchemaNotFoundError):
        sql("USE SCHEMA nope")
