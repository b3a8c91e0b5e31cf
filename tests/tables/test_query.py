"""SQL over workspace tables: three-level names, resolution, errors, streaming, frame kinds."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from lakeforge.errors import (
    CatalogNotFoundError,
    SchemaNotFoundError,
    SqlError,
    TableNotFoundError,
    ValidationError,
)
from lakeforge.tables.workspace import Workspace


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    """Orders in main.sales, customers in another catalog, items in main.default."""
    ws.schemas.create("main", "sales")
    ws.catalogs.create("crm")
    ws.schemas.create("crm", "core")
    ws.tables.create(
        "main.sales.orders",
        data=pa.table({"id": [1, 2, 3], "cust": [10, 20, 10], "amount": [5.0, 6.0, 7.0]}),
    )
    ws.tables.create(
        "crm.core.customers", data=pa.table({"cust": [10, 20], "name": ["ann", "bob"]})
    )
    ws.tables.create("main.default.items", data=pa.table({"id": [1, 2], "label": ["x", "y"]}))
    return ws


def test_join_across_two_catalogs_and_schemas(shop: Workspace) -> None:
    result = shop.sql(
        "SELECT c.name, sum(o.amount) AS total FROM main.sales.orders o "
        "JOIN crm.core.customers c ON o.cust = c.cust GROUP BY c.name ORDER BY c.name"
    )
    assert result.to_pylist() == [{"name": "ann", "total": 12.0}, {"name": "bob", "total": 6.0}]


def test_join_across_two_schemas_of_one_catalog(shop: Workspace) -> None:
    result = shop.sql(
        "SELECT i.label, o.amount FROM main.default.items AS i "
        "JOIN main.sales.orders AS o ON i.id = o.id ORDER BY i.label"
    )
    assert result.to_pylist() == [{"label": "x", "amount": 5.0}, {"label": "y", "amount": 6.0}]


@pytest.mark.parametrize(
    "name", ["items", "default.items", "main.default.items", "Default.Items", '"default"."items"']
)
def test_one_two_and_three_part_names_resolve_against_main_default(
    shop: Workspace, name: str
) -> None:
    assert shop.sql(f"SELECT count(*) AS n FROM {name}").to_pylist() == [{"n": 2}]


def test_two_part_name_takes_the_current_catalog(shop: Workspace) -> None:
    assert shop.sql("SELECT count(*) AS n FROM sales.orders").to_pylist() == [{"n": 3}]


def test_names_are_case_insensitive(shop: Workspace) -> None:
    result = shop.sql("SELECT Orders.Amount FROM MAIN.Sales.ORDERS WHERE ID = 1")
    assert result.column(0).to_pylist() == [5.0]


@pytest.mark.parametrize(
    "column", ["orders.amount", "sales.orders.amount", "main.sales.orders.amount"]
)
def test_unaliased_qualified_column_references(shop: Workspace, column: str) -> None:
    result = shop.sql(f"SELECT {column} FROM main.sales.orders ORDER BY {column}")
    assert result.column(0).to_pylist() == [5.0, 6.0, 7.0]


def test_qualified_star_and_using_join(shop: Workspace) -> None:
    result = shop.sql("SELECT orders.* FROM main.sales.orders ORDER BY id")
    assert result.column_names == ["id", "cust", "amount"]
    joined = shop.sql("SELECT * FROM sales.orders JOIN items USING (id) ORDER BY id")
    assert joined.column("label").to_pylist() == ["x", "y"]


def test_same_table_name_in_two_schemas_unaliased(ws: Workspace) -> None:
    ws.schemas.create("main", "a")
    ws.schemas.create("main", "b")
    ws.tables.create("main.a.t", data=pa.table({"v": [1]}))
    ws.tables.create("main.b.t", data=pa.table({"v": [2]}))
    result = ws.sql("SELECT a.t.v AS x, main.b.t.v AS y FROM a.t, main.b.t")
    assert result.to_pylist() == [{"x": 1, "y": 2}]


def test_schemas_named_like_sql_keywords(ws: Workspace) -> None:
    for schema in ("user", "order"):
        ws.schemas.create("main", schema)
        ws.tables.create(f"main.{schema}.t", data=pa.table({"v": [len(schema)]}))
    result = ws.sql("SELECT user.t.v AS u, o.v AS o FROM user.t, main.order.t AS o")
    assert result.to_pylist() == [{"u": 4, "o": 5}]


def test_cte_shadows_a_table_of_the_same_name(shop: Workspace) -> None:
    result = shop.sql("WITH items AS (SELECT 42 AS id) SELECT id FROM items")
    assert result.to_pylist() == [{"id": 42}]
    upper = shop.sql("WITH ITEMS AS (SELECT 42 AS id) SELECT id FROM Items")
    assert upper.to_pylist() == [{"id": 42}]


def test_cte_reading_the_table_it_shadows(shop: Workspace) -> None:
    result = shop.sql("WITH items AS (SELECT id * 10 AS id FROM items) SELECT id FROM items")
    assert sorted(result.column("id").to_pylist()) == [10, 20]


def test_cte_scope_does_not_leak_to_the_outer_query(shop: Workspace) -> None:
    result = shop.sql(
        "SELECT i.id, x.id AS inner_id FROM items i, "
        "(WITH items AS (SELECT 99 AS id) SELECT id FROM items) x ORDER BY i.id"
    )
    assert result.to_pylist() == [{"id": 1, "inner_id": 99}, {"id": 2, "inner_id": 99}]


def test_cte_over_workspace_tables_and_recursive_cte(shop: Workspace) -> None:
    result = shop.sql(
        "WITH big AS (SELECT * FROM main.sales.orders WHERE amount > 5) "
        "SELECT count(*) AS n FROM big"
    )
    assert result.to_pylist() == [{"n": 2}]
    recursive = shop.sql(
        "WITH RECURSIVE items(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM items WHERE n < 3) "
        "SELECT n FROM items"
    )
    assert recursive.column("n").to_pylist() == [1, 2, 3]


def test_subqueries(shop: Workspace) -> None:
    result = shop.sql(
        "SELECT label FROM items WHERE id IN (SELECT id FROM main.sales.orders WHERE amount > 5.5)"
    )
    assert result.to_pylist() == [{"label": "y"}]
    scalar = shop.sql("SELECT (SELECT max(amount) FROM sales.orders) AS m")
    assert scalar.to_pylist() == [{"m": 7.0}]
    correlated = shop.sql(
        "SELECT id FROM items WHERE EXISTS "
        "(SELECT 1 FROM main.sales.orders WHERE orders.id = items.id) ORDER BY id"
    )
    assert correlated.column("id").to_pylist() == [1, 2]


def test_table_referenced_twice(shop: Workspace) -> None:
    result = shop.sql(
        "SELECT a.id, b.id AS prev FROM main.sales.orders a "
        "JOIN main.sales.orders b ON a.id = b.id + 1 ORDER BY a.id"
    )
    assert result.to_pylist() == [{"id": 2, "prev": 1}, {"id": 3, "prev": 2}]
    union = shop.sql("SELECT id FROM items UNION ALL SELECT id FROM main.default.items")
    assert sorted(union.column("id").to_pylist()) == [1, 1, 2, 2]


def test_string_filter_on_workspace_table(shop: Workspace) -> None:
    result = shop.sql("SELECT cust FROM crm.core.customers WHERE name = 'bob'")
    assert result.to_pylist() == [{"cust": 20}]


def test_sql_sees_the_latest_version(shop: Workspace) -> None:
    shop.tables.append("items", pa.table({"id": [3], "label": ["z"]}))
    assert shop.sql("SELECT count(*) AS n FROM items").to_pylist() == [{"n": 3}]


def test_missing_table_lists_existing_tables(shop: Workspace) -> None:
    with pytest.raises(TableNotFoundError) as info:
        shop.sql("SELECT * FROM main.sales.nope")
    assert info.value.existing == ["main.sales.orders"]
    with pytest.raises(TableNotFoundError) as one_part:
        shop.sql("SELECT * FROM nope JOIN items USING (id)")
    assert "main.default.items" in str(one_part.value)
    assert "main.default.nope" in str(one_part.value)


def test_missing_schema_or_catalog(shop: Workspace) -> None:
    with pytest.raises(SchemaNotFoundError):
        shop.sql("SELECT * FROM main.nope.t")
    with pytest.raises(CatalogNotFoundError):
        shop.sql("SELECT * FROM nope.nope.t")


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO items VALUES (3, 'z')",
        "DELETE FROM items",
        "CREATE TABLE x AS SELECT 1",
        "DROP TABLE items",
        "COPY (SELECT 1) TO 'out.csv'",
        "ATTACH 'other.db'",
        "SET threads = 1",
        "INSTALL delta",
    ],
)
def test_non_select_statements_are_refused_with_a_fix(shop: Workspace, statement: str) -> None:
    with pytest.raises(SqlError) as info:
        shop.sql(statement)
    assert "only SELECT" in str(info.value)
    assert info.value.fix is not None and "append/overwrite/merge/delete" in info.value.fix
    assert shop.tables.read("items").num_rows == 2


def test_several_statements_are_refused(shop: Workspace) -> None:
    with pytest.raises(SqlError, match="one SELECT"):
        shop.sql("SELECT 1; SELECT 2")
    with pytest.raises(SqlError, match="found 0"):
        shop.sql("-- nothing")


def test_syntax_error_is_a_sql_error(shop: Workspace) -> None:
    with pytest.raises(SqlError) as info:
        shop.sql("SELEC * FROM items")
    assert "syntax error" in info.value.message
    assert info.value.query == "SELEC * FROM items"


def test_unknown_column_is_a_sql_error(shop: Workspace) -> None:
    with pytest.raises(SqlError, match="nope"):
        shop.sql("SELECT nope FROM items")


def test_time_travel_syntax_is_refused_with_a_fix(shop: Workspace) -> None:
    with pytest.raises(SqlError, match="AT") as info:
        shop.sql("SELECT * FROM items AT (VERSION => 0)")
    assert info.value.fix is not None and "version=" in info.value.fix


def test_no_duckdb_extension_is_loaded_or_installed(shop: Workspace) -> None:
    shop.sql("SELECT * FROM main.sales.orders")
    state = shop.sql(
        "SELECT extension_name, loaded, installed FROM duckdb_extensions() "
        "WHERE extension_name IN ('delta', 'httpfs')"
    )
    assert sorted(state.to_pylist(), key=lambda r: r["extension_name"]) == [
        {"extension_name": "delta", "loaded": False, "installed": False},
        {"extension_name": "httpfs", "loaded": False, "installed": False},
    ]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM delta_scan('somewhere')",
        "SELECT * FROM 'https://example.invalid/data.parquet'",
    ],
)
def test_queries_needing_an_extension_fail_without_downloading(shop: Workspace, query: str) -> None:
    with pytest.raises(SqlError, match="extension"):
        shop.sql(query)


def test_duckdb_table_functions_and_local_files_still_work(shop: Workspace) -> None:
    assert shop.sql("SELECT count(*) AS n FROM range(5)").to_pylist() == [{"n": 5}]
    pacsv.write_csv(pa.table({"a": [1, 2]}), "local.csv")
    assert shop.sql("SELECT sum(a) AS s FROM 'local.csv'").to_pylist() == [{"s": 3}]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("arrow", pa.Table), ("pandas", pd.DataFrame), ("polars", pl.DataFrame)],
)
def test_sql_returns_the_requested_kind(shop: Workspace, kind: str, expected: type) -> None:
    result = shop.sql("SELECT id FROM items ORDER BY id", kind=kind)  # type: ignore[arg-type]
    assert isinstance(result, expected)
    assert pl.from_dataframe(result)["id"].to_list() == [1, 2]


def test_sql_rejects_unknown_kind(shop: Workspace) -> None:
    with pytest.raises(ValidationError, match="unknown DataFrame kind"):
        shop.sql("SELECT 1", kind="numpy")  # type: ignore[arg-type]


def test_sql_batches_streams_record_batches(shop: Workspace) -> None:
    reader = shop.sql_batches(
        "SELECT o.id, r.range FROM main.sales.orders o, range(100) r", batch_size=64
    )
    assert isinstance(reader, pa.RecordBatchReader)
    assert reader.schema.names == ["id", "range"]
    sizes = [batch.num_rows for batch in reader]
    assert sum(sizes) == 300
    assert len(sizes) > 1 and max(sizes) <= 64


def test_sql_batches_errors_are_raised_before_streaming(shop: Workspace) -> None:
    with pytest.raises(TableNotFoundError):
        shop.sql_batches("SELECT * FROM nope")
    with pytest.raises(SqlError):
        shop.sql_batches("SELEC 1")


def test_sql_batches_reader_can_be_abandoned(shop: Workspace) -> None:
    reader = shop.sql_batches("SELECT * FROM range(100000)", batch_size=1000)
    assert reader.read_next_batch().num_rows <= 1000
    reader.close()


def test_quoted_table_names(ws: Workspace) -> None:
    ws.tables.create("my-table", data=pa.table({"id": [1]}))
    ws.tables.create("select", data=pa.table({"id": [2]}))
    assert ws.sql('SELECT id FROM "my-table"').to_pylist() == [{"id": 1}]
    assert ws.sql('SELECT "select".id FROM main.default."select"').to_pylist() == [{"id": 2}]


def test_quoted_name_with_dots_is_not_split_into_parts(shop: Workspace) -> None:
    with pytest.raises(SqlError, match=r"main\.default\.items"):
        shop.sql('SELECT * FROM "main.default.items"')
