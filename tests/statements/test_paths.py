"""Tables by path in SQL (``delta.`path```, ``parquet.`path``` ...), and CREATE DATABASE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakeforge.errors import (
    LocationError,
    PathNotFoundError,
    SqlError,
    UnsupportedStatementError,
    VolumeNotFoundError,
)
from lakeforge.tables.locations import resolve_location
from lakeforge.tables.path_tables import write_location
from lakeforge.tables.volume_store import VolumeStore
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]

ORDERS = "/Volumes/main/raw/landing/orders"


@pytest.fixture
def landing(ws: Workspace) -> Path:
    ws.schemas.create("main", "raw")
    store = VolumeStore(ws.settings, ws.metadata)
    folder = store.path(store.create("main.raw.landing"))
    location = resolve_location(ORDERS, ws.settings, ws.metadata)
    write_location(location, pa.table({"id": [1, 2], "amount": [5.0, 7.5]}))
    write_location(location, pa.table({"id": [3], "amount": [1.0]}), mode="append")
    return folder


def test_select_from_a_delta_table_by_path(landing: Path, sql: Sql) -> None:
    rows = sql(f"SELECT id, amount FROM delta.`{ORDERS}` ORDER BY id").to_pylist()
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert sql(f"SELECT count(*) AS n FROM delta.`dbfs:{ORDERS}` VERSION AS OF 0").to_pylist() == [
        {"n": 2}
    ]
    joined = sql(
        f"SELECT o.id FROM delta.`{ORDERS}` AS o JOIN delta.`{ORDERS}` p ON o.id = p.id "
        "WHERE o.amount > 2 ORDER BY o.id"
    )
    assert joined.column("id").to_pylist() == [1, 2]


def test_ctas_registers_a_path_table_by_name(landing: Path, sql: Sql) -> None:
    sql(f"CREATE TABLE main.raw.orders AS SELECT * FROM delta.`{ORDERS}`")
    assert sql("SELECT sum(amount) AS s FROM main.raw.orders").to_pylist() == [{"s": 13.5}]


def test_parquet_csv_json_by_path(ws: Workspace, landing: Path, tmp_path: Path, sql: Sql) -> None:
    drops = landing / "drops"
    drops.mkdir()
    pq.write_table(pa.table({"x": [1, 2]}), drops / "part-0.parquet")
    (landing / "a.csv").write_text("x,y\n1,a\n")
    (landing / "a.jsonl").write_text('{"x": 7}\n')
    assert sql("SELECT sum(x) AS s FROM parquet.`/Volumes/main/raw/landing/drops`").to_pylist() == [
        {"s": 3}
    ]
    assert sql("SELECT y FROM csv.`/Volumes/main/raw/landing/a.csv`").to_pylist() == [{"y": "a"}]
    assert sql("SELECT x FROM json.`/Volumes/main/raw/landing/a.jsonl`").to_pylist() == [{"x": 7}]
    local = tmp_path / "local.parquet"
    pq.write_table(pa.table({"z": [9]}), local)
    assert sql(f"SELECT z FROM parquet.`file:{local}`").to_pylist() == [{"z": 9}]
    dbfs = ws.settings.dbfs_root / "FileStore"
    dbfs.mkdir(parents=True)
    pq.write_table(pa.table({"w": [4]}), dbfs / "w.parquet")
    assert sql("SELECT w FROM parquet.`/FileStore/w.parquet`").to_pylist() == [{"w": 4}]
    assert sql("SELECT w FROM parquet.`dbfs:/FileStore/w.parquet`").to_pylist() == [{"w": 4}]


def test_errors_name_the_path(landing: Path, sql: Sql) -> None:
    with pytest.raises(LocationError, match="sample data"):
        sql("SELECT * FROM delta.`dbfs:/databricks-datasets/nyctaxi-with-zipcodes/subsampled`")
    with pytest.raises(VolumeNotFoundError):
        sql("SELECT * FROM delta.`/Volumes/main/raw/nope/t`")
    with pytest.raises(PathNotFoundError, match="landing/missing"):
        sql("SELECT * FROM delta.`/Volumes/main/raw/landing/missing`")
    with pytest.raises(LocationError, match="outside its root"):
        sql("SELECT * FROM parquet.`/Volumes/main/raw/landing/../../../../catalog.db`")
    with pytest.raises(SqlError, match="time travel needs a Delta table"):
        sql("SELECT * FROM parquet.`/Volumes/main/raw/landing/orders` VERSION AS OF 0")
    with pytest.raises(LocationError, match="writes only to tables by name"):
        sql(f"INSERT INTO delta.`{ORDERS}` VALUES (4, 1.0)")
    with pytest.raises(LocationError, match="writes only to tables by name"):
        sql(f"DELETE FROM delta.`{ORDERS}` WHERE id = 1")
    assert sql(f"SELECT count(*) AS n FROM delta.`{ORDERS}`").to_pylist() == [{"n": 3}]


def test_a_schema_named_delta_is_still_a_schema(ws: Workspace, sql: Sql) -> None:
    sql("CREATE SCHEMA delta; CREATE TABLE delta.t AS SELECT 1 AS one")
    assert sql("SELECT one FROM delta.t").to_pylist() == [{"one": 1}]
    assert sql("SELECT one FROM delta.`t`").to_pylist() == [{"one": 1}]


def test_create_database_is_create_schema(ws: Workspace, sql: Sql) -> None:
    sql("CREATE DATABASE IF NOT EXISTS sales COMMENT 'orders'")
    sql("CREATE DATABASE IF NOT EXISTS sales")
    assert ws.schemas.get("main", "sales").comment == "orders"
    assert "sales" in sql("SHOW DATABASES").column("databaseName").to_pylist()
    sql("USE DATABASE sales")
    assert ws.settings.current_schema == "sales"
    sql("DROP DATABASE IF EXISTS sales")
    assert "sales" not in [s.name for s in ws.schemas.list("main")]


def test_create_table_location_stays_refused_by_name(ws: Workspace, sql: Sql) -> None:
    with pytest.raises(UnsupportedStatementError, match="LOCATION"):
        sql("CREATE TABLE t (a INT) LOCATION '/Volumes/main/raw/landing/t'")


_SCRIPT = """
import lakeforge
from lakeforge.runtime import dbutils

lakeforge.sql("CREATE DATABASE IF NOT EXISTS raw")
lakeforge.sql("CREATE VOLUME IF NOT EXISTS raw.landing")
dbutils.fs.put("/Volumes/main/raw/landing/orders.csv", "id,amount\\n1,2.5\\n2,4.0\\n", True)
lakeforge.sql(
    "CREATE OR REPLACE TABLE raw.orders AS "
    "SELECT * FROM csv.`/Volumes/main/raw/landing/orders.csv`"
)
print("TOTAL", lakeforge.sql("SELECT sum(amount) AS s FROM raw.orders")["s"][0])
print("VOLUMES", list(lakeforge.sql("SHOW VOLUMES IN raw")["volume_name"]))
try:
    lakeforge.sql("SELECT * FROM delta.`/databricks-datasets/nyctaxi-with-zipcodes/subsampled`")
except lakeforge.ValidationError as error:
    print("SAMPLES", type(error).__name__, "/Volumes/<catalog>" in str(error))
"""


@pytest.mark.slow
def test_paths_and_volumes_from_a_plain_script(tmp_path: Path) -> None:
    from _script import assert_nothing_outside, run_script

    done = run_script(tmp_path / "project", _SCRIPT)
    lines = done.stdout.splitlines()
    assert "TOTAL 6.5" in lines
    assert "VOLUMES ['landing']" in lines
    assert "SAMPLES LocationError True" in lines
    assert_nothing_outside(tmp_path / "project")


def test_describe_history_of_a_table_by_path(landing: Path, sql: Sql) -> None:
    history = sql(f"DESCRIBE HISTORY delta.`{ORDERS}`")
    assert history.column("version").to_pylist() == [1, 0]
    assert history.column("operation").to_pylist() == ["WRITE", "WRITE"]  # as Spark records save()
    assert sql(f"DESCRIBE HISTORY delta.`{ORDERS}` LIMIT 1").num_rows == 1
    with pytest.raises(UnsupportedStatementError, match="DESCRIBE DETAIL of a table by path"):
        sql(f"DESCRIBE DETAIL delta.`{ORDERS}`")
