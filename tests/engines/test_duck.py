"""The DuckDB engine on its own: resolvers handing over Arrow tables and datasets."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from lakeforge.engines import Capabilities, load_engine
from lakeforge.engines.duck import DuckDBEngine
from lakeforge.errors import ConfigurationError, SqlError

Key = tuple[str, str, str]

ORDERS = pa.table({"id": [1, 2, 3], "cust": [10, 20, 10], "amount": [5.0, 6.0, 7.0]})
CUSTOMERS = pa.table({"cust": [10, 20], "name": ["ann", "bob"]})


def resolver(
    relations: dict[Key, pa.Table | pads.Dataset], calls: list[Key] | None = None
) -> Callable[[str, str, str], pa.Table | pads.Dataset | None]:
    """Resolve written (catalog, schema, name) case-insensitively; None for anything else."""
    lowered = {tuple(p.lower() for p in k): v for k, v in relations.items()}

    def resolve(catalog: str, schema: str, name: str) -> pa.Table | pads.Dataset | None:
        if calls is not None:
            calls.append((catalog, schema, name))
        return lowered.get((catalog.lower(), schema.lower(), name.lower()))

    return resolve


@pytest.fixture
def engine() -> DuckDBEngine:
    return DuckDBEngine()


def test_load_engine_returns_duckdb_with_capabilities() -> None:
    engine = load_engine("duckdb")
    assert isinstance(engine, DuckDBEngine)
    assert engine.name == "duckdb"
    assert engine.capabilities == Capabilities(sql=True, asof_join=True, streaming_results=True)
    with pytest.raises(ConfigurationError, match="spark"):
        load_engine("spark")


def test_query_with_three_level_names_over_tables_and_datasets(engine: DuckDBEngine) -> None:
    resolve = resolver(
        {
            ("main", "sales", "orders"): pads.dataset(ORDERS),
            ("crm", "core", "customers"): CUSTOMERS,
        }
    )
    result = engine.query(
        "SELECT c.name, sum(o.amount) AS total FROM main.sales.orders o "
        "JOIN crm.core.customers AS c ON o.cust = c.cust GROUP BY ALL ORDER BY 1",
        resolve,
    )
    assert result.to_pylist() == [{"name": "ann", "total": 12.0}, {"name": "bob", "total": 6.0}]


def test_resolver_receives_parts_as_written(engine: DuckDBEngine) -> None:
    calls: list[Key] = []
    resolve = resolver(
        {("", "", "orders"): ORDERS, ("", "Sales", "Orders"): ORDERS, ("m", "s", "o"): ORDERS},
        calls,
    )
    engine.query("SELECT 1 FROM orders, Sales.Orders x, m.s.o y", resolve)
    assert sorted(calls) == [("", "", "orders"), ("", "Sales", "Orders"), ("m", "s", "o")]


def test_each_distinct_reference_is_resolved_once(engine: DuckDBEngine) -> None:
    calls: list[Key] = []
    resolve = resolver({("main", "s", "orders"): ORDERS}, calls)
    result = engine.query(
        "SELECT count(*) AS n FROM main.s.orders a JOIN main.s.orders b ON a.id = b.id "
        "WHERE a.id IN (SELECT id FROM MAIN.S.ORDERS)",
        resolve,
    )
    assert result.to_pylist() == [{"n": 3}]
    assert len(calls) == 1


def test_resolver_returning_none_leaves_names_to_duckdb(engine: DuckDBEngine) -> None:
    calls: list[Key] = []
    resolve = resolver({}, calls)
    assert engine.query("SELECT * FROM range(3)", resolve).column(0).to_pylist() == [0, 1, 2]
    result = engine.query("WITH t AS (SELECT 5 AS x) SELECT x FROM t", resolve)
    assert result.to_pylist() == [{"x": 5}]
    assert calls == []  # table functions and CTE names are never offered to the resolver


def test_unresolved_name_is_a_sql_error_from_duckdb(engine: DuckDBEngine) -> None:
    with pytest.raises(SqlError, match="nope") as info:
        engine.query("SELECT * FROM nope", resolver({}))
    assert "does not exist" in info.value.message


def test_cte_shadows_only_one_part_names(engine: DuckDBEngine) -> None:
    calls: list[Key] = []
    resolve = resolver({("main", "s", "orders"): ORDERS}, calls)
    result = engine.query(
        "WITH orders AS (SELECT 1 AS id) SELECT (SELECT count(*) FROM orders) AS cte, "
        "(SELECT count(*) FROM main.s.orders) AS tbl",
        resolve,
    )
    assert result.to_pylist() == [{"cte": 1, "tbl": 3}]
    assert calls == [("main", "s", "orders")]


def test_cte_body_sees_only_earlier_ctes(engine: DuckDBEngine) -> None:
    calls: list[Key] = []
    resolve = resolver({("", "", "b"): pa.table({"v": [7]})}, calls)
    result = engine.query(
        "WITH a AS (SELECT v FROM b), b AS (SELECT 1 AS v) SELECT a.v AS a, b.v AS b FROM a, b",
        resolve,
    )
    assert result.to_pylist() == [{"a": 7, "b": 1}]
    assert calls == [("", "", "b")]


def test_aliases_and_unaliased_qualified_columns(engine: DuckDBEngine) -> None:
    resolve = resolver({("main", "sales", "orders"): ORDERS})
    for column in ("orders.amount", "sales.orders.amount", "main.sales.orders.amount"):
        result = engine.query(f"SELECT {column} FROM main.sales.orders ORDER BY 1", resolve)
        assert result.column(0).to_pylist() == [5.0, 6.0, 7.0]
    aliased = engine.query("SELECT o.amount FROM main.sales.orders AS o WHERE o.id = 2", resolve)
    assert aliased.to_pylist() == [{"amount": 6.0}]


def test_same_name_in_two_schemas_keeps_qualified_references_apart(engine: DuckDBEngine) -> None:
    resolve = resolver({("", "a", "t"): pa.table({"v": [1]}), ("", "b", "t"): pa.table({"v": [2]})})
    result = engine.query("SELECT a.t.v AS x, b.t.v AS y FROM a.t, b.t", resolve)
    assert result.to_pylist() == [{"x": 1, "y": 2}]


def test_column_aliases_on_table_references(engine: DuckDBEngine) -> None:
    resolve = resolver({("", "", "orders"): ORDERS})
    result = engine.query("SELECT o.x FROM orders AS o(x, y, z) ORDER BY o.x", resolve)
    assert result.column("x").to_pylist() == [1, 2, 3]


def test_default_keyword_as_schema_name(engine: DuckDBEngine) -> None:
    calls: list[Key] = []
    resolve = resolver({("", "default", "t"): ORDERS}, calls)
    result = engine.query(
        "SELECT default.t.id, 'default.t' AS s FROM default.t -- default.x\nORDER BY 1", resolve
    )
    assert result.column("id").to_pylist() == [1, 2, 3]
    assert result.column("s").to_pylist() == ["default.t"] * 3
    assert calls == [("", "default", "t")]


def test_filter_pushdown_on_string_view_dataset(engine: DuckDBEngine) -> None:
    views = pa.table({"k": pa.array(["a", "b"], pa.string_view()), "v": [1, 2]})
    resolve = resolver({("", "", "t"): pads.dataset(views)})
    assert engine.query("SELECT v FROM t WHERE k = 'b'", resolve).to_pylist() == [{"v": 2}]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM t", "only SELECT"),
        ("SELEC 1", "syntax error"),
        ("SELECT 1; SELECT 2", "one SELECT"),
        ("", "found 0"),
        ("SELECT missing_column FROM range(1)", "missing_column"),
    ],
)
def test_errors_are_sql_errors(engine: DuckDBEngine, sql: str, message: str) -> None:
    with pytest.raises(SqlError, match=message) as info:
        engine.query(sql, resolver({}))
    assert info.value.query == sql


def test_no_extension_is_autoloaded(engine: DuckDBEngine) -> None:
    with pytest.raises(SqlError, match="extension"):
        engine.query("SELECT * FROM delta_scan('x')", resolver({}))
    loaded = engine.query(
        "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = 'delta'",
        resolver({}),
    )
    assert loaded.to_pylist() == [{"loaded": False, "installed": False}]


def test_resolver_errors_propagate(engine: DuckDBEngine) -> None:
    def failing(catalog: str, schema: str, name: str) -> pa.Table | None:
        raise LookupError(f"no {name}")

    with pytest.raises(LookupError, match="no t"):
        engine.query("SELECT * FROM t", failing)


def test_query_batches_streams_in_requested_sizes(engine: DuckDBEngine) -> None:
    resolve = resolver({("", "", "orders"): ORDERS})
    reader = engine.query_batches("SELECT o.id, r.range FROM orders o, range(50) r", resolve, 40)
    assert isinstance(reader, pa.RecordBatchReader)
    sizes = [b.num_rows for b in reader]
    assert sum(sizes) == 150 and max(sizes) <= 40 and len(sizes) >= 4


def test_query_batches_errors_raise_immediately(engine: DuckDBEngine) -> None:
    with pytest.raises(SqlError, match="nope"):
        engine.query_batches("SELECT * FROM nope", resolver({}))


def test_hugeint_results_can_come_back_as_bigint(engine: DuckDBEngine) -> None:
    resolve = resolver({("", "", "orders"): ORDERS})
    sql = 'SELECT sum(id) AS "s", sum(id) AS "s", count(*) AS n FROM orders'
    raw = engine.query(sql, resolve)
    assert raw.schema.field(0).type == pa.decimal128(38, 0)
    narrowed = engine.query(sql, resolve, hugeint_as_bigint=True)
    assert narrowed.column_names == ["s", "s", "n"]  # duplicate names survive
    assert [f.type for f in narrowed.schema] == [pa.int64(), pa.int64(), pa.int64()]
    streamed = engine.query_batches(sql, resolve, hugeint_as_bigint=True).read_all()
    assert streamed.to_pylist() == [{"s": 6, "n": 3}]
    with pytest.raises(SqlError, match=r"out of range|Conversion"):
        engine.query(
            "SELECT CAST(9223372036854775807 AS HUGEINT) * 2 AS big",
            resolve,
            hugeint_as_bigint=True,
        )


def test_session_time_zone_is_utc(engine: DuckDBEngine) -> None:
    result = engine.query(
        "SELECT current_setting('TimeZone') AS tz, CAST('2024-01-01 10:00' AS TIMESTAMPTZ) AS t",
        resolver({}),
    )
    assert result.column("tz").to_pylist() == ["UTC"]
    assert result.schema.field("t").type == pa.timestamp("us", tz="UTC")
