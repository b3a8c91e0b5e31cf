"""Table metadata: create, get, list, update, tag and drop (never table data)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import ColumnInfo, TableInfo
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    NotFoundError,
    SchemaNotFoundError,
    TableNotFoundError,
    ValidationError,
)
from lakeforge.names import ObjectName, parse_name

COLUMNS = (
    ColumnInfo("user_id", "bigint", nullable=False, comment="who"),
    ColumnInfo("ts", "timestamp", nullable=False),
    ColumnInfo("zeta", "string"),
    ColumnInfo("alpha", "double", comment="first letter"),
    ColumnInfo("day", "date"),
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with MetadataStore(f"sqlite:///{tmp_path / 'catalog.db'}") as metadata:
        metadata.catalogs.create("main")
        metadata.schemas.create("main", "gold")
        yield metadata


def _info(name: str = "main.gold.orders", **changes: object) -> TableInfo:
    obj = parse_name(name)
    info = TableInfo(
        name=obj,
        table_id=f"id-{obj.full}",
        location="/".join(obj.parts),
        columns=COLUMNS,
        primary_keys=("user_id", "ts"),
        timeseries_key="ts",
        partition_columns=("day",),
        description="orders by user",
        owner="alice",
        tags={"team": "ml"},
        properties={"delta.appendOnly": "false", "n": 3, "nested": {"a": [1, 2]}},
    )
    return dataclasses.replace(info, **changes)  # type: ignore[arg-type]


def test_create_and_get_round_trip_every_field(store: MetadataStore) -> None:
    created = store.tables.create(_info())
    got = store.tables.get(parse_name("main.gold.orders"))
    assert got == created
    assert got.name == ObjectName("main", "gold", "orders")
    assert got.table_id == "id-main.gold.orders"
    assert got.location == "main/gold/orders"
    assert got.columns == COLUMNS
    assert got.column_names == ["user_id", "ts", "zeta", "alpha", "day"]
    assert got.primary_keys == ("user_id", "ts")
    assert got.timeseries_key == "ts"
    assert got.partition_columns == ("day",)
    assert got.description == "orders by user"
    assert got.owner == "alice"
    assert got.tags == {"team": "ml"}
    assert got.properties == {"delta.appendOnly": "false", "n": 3, "nested": {"a": [1, 2]}}
    assert (got.table_type, got.data_format) == ("MANAGED", "DELTA")
    assert 0 < got.created_at == got.updated_at


def test_minimal_table_without_keys(store: MetadataStore) -> None:
    info = TableInfo(
        name=parse_name("main.gold.bare"), table_id="t1", location="main/gold/bare", columns=()
    )
    got = store.tables.create(info)
    assert got.columns == ()
    assert got.primary_keys == ()
    assert got.timeseries_key is None
    assert got.partition_columns == ()
    assert got.tags == {}
    assert got.properties == {}


def test_column_order_is_kept_for_many_columns(store: MetadataStore) -> None:
    columns = tuple(ColumnInfo(f"c{i}", "int") for i in reversed(range(60)))
    got = store.tables.create(
        _info(columns=columns, primary_keys=(), timeseries_key=None, partition_columns=())
    )
    assert [c.name for c in got.columns] == [f"c{i}" for i in reversed(range(60))]


def test_exists(store: MetadataStore) -> None:
    store.tables.create(_info())
    assert store.tables.exists(parse_name("main.gold.orders"))
    assert store.tables.exists(ObjectName("MAIN", "Gold", "ORDERS"))
    assert not store.tables.exists(parse_name("main.gold.nope"))
    assert not store.tables.exists(parse_name("main.nope.orders"))
    assert not store.tables.exists(parse_name("nope.gold.orders"))


def test_create_existing_table_raises(store: MetadataStore) -> None:
    store.tables.create(_info())
    with pytest.raises(AlreadyExistsError, match=r"table 'main\.gold\.orders' already exists"):
        store.tables.create(_info(table_id="another-id"))
    assert len(store.tables.list("main", "gold")) == 1


def test_same_table_name_in_two_schemas(store: MetadataStore) -> None:
    store.tables.create(_info("main.gold.orders"))
    store.tables.create(_info("main.default.orders", table_id="other"))
    assert store.tables.get(parse_name("main.default.orders")).table_id == "other"


def test_create_in_missing_schema_or_catalog(store: MetadataStore) -> None:
    with pytest.raises(SchemaNotFoundError, match=r"main\.default, main\.gold"):
        store.tables.create(_info("main.nope.orders"))
    with pytest.raises(CatalogNotFoundError, match="existing catalogs: main"):
        store.tables.create(_info("nope.gold.orders"))


def test_table_not_found_lists_tables_in_that_schema(store: MetadataStore) -> None:
    store.tables.create(_info("main.gold.orders"))
    store.tables.create(_info("main.gold.users", table_id="u"))
    store.tables.create(_info("main.default.elsewhere", table_id="e"))
    missing = parse_name("main.gold.ordrs")
    for call in (
        lambda: store.tables.get(missing),
        lambda: store.tables.drop(missing),
        lambda: store.tables.update(missing, description="x"),
        lambda: store.tables.update_tags(missing, {"a": "b"}),
    ):
        with pytest.raises(TableNotFoundError) as info:
            call()
        assert info.value.name == "main.gold.ordrs"
        assert info.value.existing == ["main.gold.orders", "main.gold.users"]
        assert "existing tables in that schema: main.gold.orders, main.gold.users" in str(
            info.value
        )
        assert "elsewhere" not in str(info.value)


def test_empty_schema_not_found_message(store: MetadataStore) -> None:
    with pytest.raises(TableNotFoundError, match="there are no tables in that schema yet"):
        store.tables.get(parse_name("main.gold.t"))


def test_list_tables_sorted_by_name(store: MetadataStore) -> None:
    for i, name in enumerate(["zeta", "alpha", "mid"]):
        store.tables.create(_info(f"main.gold.{name}", table_id=str(i)))
    listed = store.tables.list("main", "gold")
    assert [t.name.name for t in listed] == ["alpha", "mid", "zeta"]
    assert all(t.columns == COLUMNS for t in listed)
    assert store.tables.list("MAIN", "GOLD") == listed
    assert store.tables.list("main", "default") == []
    with pytest.raises(SchemaNotFoundError):
        store.tables.list("main", "nope")


def test_update_replaces_columns_in_the_given_order(store: MetadataStore) -> None:
    store.tables.create(_info())
    new_columns = (*reversed(COLUMNS), ColumnInfo("extra", "string", comment="added"))
    got = store.tables.update(parse_name("main.gold.orders"), columns=new_columns)
    assert got.columns == new_columns
    assert store.tables.get(parse_name("main.gold.orders")).columns == new_columns
    with store.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(rel.columns)).scalar_one()
    assert count == len(new_columns)


def test_update_description_and_merge_properties(store: MetadataStore) -> None:
    created = store.tables.create(_info())
    name = parse_name("main.gold.orders")
    got = store.tables.update(name, description="new text", properties={"n": 4, "added": True})
    assert got.description == "new text"
    assert got.properties == {
        "delta.appendOnly": "false",
        "n": 4,
        "nested": {"a": [1, 2]},
        "added": True,
    }
    assert got.columns == created.columns
    assert got.primary_keys == created.primary_keys
    assert got.created_at == created.created_at
    assert got.updated_at >= created.updated_at
    unchanged = store.tables.update(name)  # nothing given: nothing but updated_at changes
    assert dataclasses.replace(unchanged, updated_at=0) == dataclasses.replace(got, updated_at=0)


def test_update_columns_must_keep_key_and_partition_columns(store: MetadataStore) -> None:
    store.tables.create(_info())
    name = parse_name("main.gold.orders")
    without_key = tuple(c for c in COLUMNS if c.name != "user_id")
    with pytest.raises(ValidationError, match="primary key column"):
        store.tables.update(name, columns=without_key)
    without_partition = tuple(c for c in COLUMNS if c.name != "day")
    with pytest.raises(ValidationError, match="partition column"):
        store.tables.update(name, columns=without_partition)
    assert store.tables.get(name).columns == COLUMNS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"columns": (*COLUMNS, ColumnInfo("zeta", "int"))}, r"\['zeta'\] appear more than once"),
        ({"primary_keys": ("user_id", "ts", "nope")}, r"primary key column\(s\) \['nope'\]"),
        ({"partition_columns": ("nope",)}, r"partition column\(s\) \['nope'\]"),
        ({"timeseries_key": "zeta"}, "timeseries key 'zeta' is not one of the primary keys"),
    ],
)
def test_inconsistent_table_metadata_is_rejected(
    store: MetadataStore, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        store.tables.create(_info(**changes))
    assert store.tables.list("main", "gold") == []


def test_update_tags(store: MetadataStore) -> None:
    store.tables.create(_info())
    name = parse_name("main.gold.orders")
    assert store.tables.update_tags(name, {"pii": "yes"}) == {"team": "ml", "pii": "yes"}
    assert store.tables.update_tags(name, unset=["team"]) == {"pii": "yes"}
    assert store.tables.get(name).tags == {"pii": "yes"}
    with pytest.raises(ValidationError):
        store.tables.update_tags(name, {"k": 5})  # type: ignore[dict-item]


def test_drop_returns_what_was_removed(store: MetadataStore) -> None:
    created = store.tables.create(_info())
    store.tables.create(_info("main.gold.other", table_id="o"))
    dropped = store.tables.drop(parse_name("main.gold.orders"))
    assert dropped == created
    assert not store.tables.exists(parse_name("main.gold.orders"))
    with pytest.raises(NotFoundError):
        store.tables.get(parse_name("main.gold.orders"))
    with store.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(rel.columns)).scalar_one()
    assert count == len(COLUMNS)  # only the other table's columns remain
    store.tables.create(_info(table_id="again"))  # the name is free again
