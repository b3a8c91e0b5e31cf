"""Catalogs and schemas: create, get, list, comment, tag and drop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import ColumnInfo, FunctionInfo, FunctionParameter, TableInfo
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    InvalidNameError,
    NotEmptyError,
    SchemaNotFoundError,
    ValidationError,
)
from lakeforge.names import ObjectName
from lakeforge.tables.workspace import Workspace


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with MetadataStore(f"sqlite:///{tmp_path / 'catalog.db'}") as metadata:
        yield metadata


def _add_table(store: MetadataStore, full: str) -> TableInfo:
    catalog, schema, name = full.split(".")
    return store.tables.create(
        TableInfo(
            name=ObjectName(catalog, schema, name),
            table_id=f"id-{full}",
            location=full.replace(".", "/"),
            columns=(ColumnInfo("id", "bigint"),),
        )
    )


def _add_function(store: MetadataStore, full: str) -> FunctionInfo:
    catalog, schema, name = full.split(".")
    return store.functions.create(
        FunctionInfo(
            name=ObjectName(catalog, schema, name),
            function_id=f"fn-{full}",
            source="def f(x):\n    return x\n",
            entry_point="f",
            parameters=(FunctionParameter("x", "bigint"),),
            return_type="bigint",
        )
    )


def _count(store: MetadataStore, table: object) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_workspace_starts_with_main_and_default(ws: Workspace) -> None:
    assert [c.name for c in ws.catalogs.list()] == ["main"]
    assert [s.full_name for s in ws.schemas.list("main")] == ["main.default"]
    assert ws.catalogs.get("main").owner == ws.settings.user


def test_create_catalog_returns_it_with_a_default_schema(store: MetadataStore) -> None:
    info = store.catalogs.create("sales", comment="Sales data", owner="alice")
    assert info.name == "sales"
    assert info.comment == "Sales data"
    assert info.owner == "alice"
    assert info.tags == {}
    assert 0 < info.created_at == info.updated_at
    default = store.schemas.get("sales", "default")
    assert default.full_name == "sales.default"
    assert default.owner == "alice"
    assert [s.name for s in store.schemas.list("sales")] == ["default"]


def test_catalog_names_are_lowercased_everywhere(store: MetadataStore) -> None:
    store.catalogs.create("Sales")
    assert store.catalogs.get("SALES").name == "sales"
    assert store.schemas.create("SALES", "Gold").full_name == "sales.gold"
    assert store.schemas.get("sales", "GOLD").name == "gold"


@pytest.mark.parametrize("bad", ["a b", "a.b", "a/b", "", "x\x00"])
def test_invalid_catalog_and_schema_names_are_rejected(store: MetadataStore, bad: str) -> None:
    with pytest.raises(InvalidNameError, match=r"\(catalog\)"):
        store.catalogs.create(bad)
    store.catalogs.create("ok")
    with pytest.raises(InvalidNameError, match=r"\(schema\)"):
        store.schemas.create("ok", bad)
    assert [c.name for c in store.catalogs.list()] == ["ok"]


def test_create_existing_catalog_raises_already_exists(store: MetadataStore) -> None:
    store.catalogs.create("sales", comment="first")
    with pytest.raises(AlreadyExistsError, match="catalog 'sales' already exists") as info:
        store.catalogs.create("sales")
    assert info.value.kind == "catalog"
    assert "if_not_exists=True" in str(info.value)


def test_create_catalog_if_not_exists_keeps_the_existing_one(store: MetadataStore) -> None:
    store.catalogs.create("sales", comment="first")
    again = store.catalogs.create("sales", comment="second", if_not_exists=True)
    assert again.comment == "first"
    assert len(store.catalogs.list()) == 1
    assert [s.name for s in store.schemas.list("sales")] == ["default"]


def test_list_catalogs_sorted_by_name(store: MetadataStore) -> None:
    for name in ("zeta", "alpha", "main"):
        store.catalogs.create(name)
    assert [c.name for c in store.catalogs.list()] == ["alpha", "main", "zeta"]


def test_empty_store_lists_nothing(store: MetadataStore) -> None:
    assert store.catalogs.list() == []
    with pytest.raises(CatalogNotFoundError, match="there are no catalogs yet"):
        store.catalogs.get("main")


def test_catalog_not_found_lists_existing_catalogs(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.catalogs.create("dev")
    calls = [
        lambda: store.catalogs.get("nope"),
        lambda: store.catalogs.drop("nope"),
        lambda: store.catalogs.set_comment("nope", "x"),
        lambda: store.catalogs.update_tags("nope", {"a": "b"}),
        lambda: store.catalogs.children("nope"),
        lambda: store.schemas.create("nope", "s"),
        lambda: store.schemas.list("nope"),
        lambda: store.schemas.get("nope", "default"),
    ]
    for call in calls:
        with pytest.raises(CatalogNotFoundError) as info:
            call()
        assert info.value.name == "nope"
        assert sorted(info.value.existing) == ["dev", "main"]
        assert "existing catalogs: dev, main" in str(info.value)
        assert "lakeforge catalogs create" in str(info.value)


def test_schema_crud(store: MetadataStore) -> None:
    store.catalogs.create("main")
    created = store.schemas.create("main", "gold", comment="curated", owner="bob")
    assert (created.catalog, created.name, created.comment, created.owner) == (
        "main",
        "gold",
        "curated",
        "bob",
    )
    assert store.schemas.get("main", "gold") == created
    store.schemas.create("main", "bronze")
    assert [s.name for s in store.schemas.list("main")] == ["bronze", "default", "gold"]
    store.schemas.drop("main", "gold")
    assert [s.name for s in store.schemas.list("main")] == ["bronze", "default"]


def test_create_existing_schema(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.schemas.create("main", "gold", comment="first")
    with pytest.raises(AlreadyExistsError, match=r"schema 'main\.gold' already exists"):
        store.schemas.create("main", "gold")
    with pytest.raises(AlreadyExistsError):
        store.schemas.create("main", "default")
    again = store.schemas.create("main", "gold", comment="second", if_not_exists=True)
    assert again.comment == "first"


def test_schema_not_found_lists_schemas_of_that_catalog_only(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.catalogs.create("dev")
    store.schemas.create("main", "gold")
    store.schemas.create("dev", "scratch")
    calls = [
        lambda: store.schemas.get("main", "nope"),
        lambda: store.schemas.drop("main", "nope"),
        lambda: store.schemas.set_comment("main", "nope", "x"),
        lambda: store.schemas.update_tags("main", "nope", {"a": "b"}),
        lambda: store.schemas.children("main", "nope"),
    ]
    for call in calls:
        with pytest.raises(SchemaNotFoundError) as info:
            call()
        assert info.value.name == "main.nope"
        assert sorted(info.value.existing) == ["main.default", "main.gold"]
        message = str(info.value)
        assert "main.default, main.gold" in message
        assert "scratch" not in message
        assert "lakeforge schemas create main.nope" in message


def test_catalog_comment_set_and_unset(store: MetadataStore) -> None:
    created = store.catalogs.create("main", comment="old")
    changed = store.catalogs.set_comment("Main", "new")
    assert changed.comment == "new"
    assert changed.updated_at >= created.updated_at
    assert changed.created_at == created.created_at
    assert store.catalogs.set_comment("main", None).comment is None
    assert store.catalogs.get("main").comment is None


def test_schema_comment_set_and_unset(store: MetadataStore) -> None:
    store.catalogs.create("main")
    assert store.schemas.set_comment("main", "default", "the default").comment == "the default"
    assert store.schemas.set_comment("MAIN", "DEFAULT", None).comment is None


def test_catalog_tags_set_and_unset(store: MetadataStore) -> None:
    store.catalogs.create("main")
    assert store.catalogs.update_tags("main", {"team": "ml", "env": "dev"}) == {
        "team": "ml",
        "env": "dev",
    }
    assert store.catalogs.update_tags("main", {"env": "prod"}, unset=["team", "missing"]) == {
        "env": "prod"
    }
    assert store.catalogs.get("main").tags == {"env": "prod"}
    assert store.catalogs.update_tags("main", unset=["env"]) == {}
    assert store.catalogs.get("main").tags == {}


def test_schema_tags_set_and_unset(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.schemas.update_tags("main", "default", {"pii": "no", "owner": "data"})
    assert store.schemas.update_tags("main", "default", unset=["pii"]) == {"owner": "data"}
    assert store.schemas.get("main", "default").tags == {"owner": "data"}
    assert store.catalogs.get("main").tags == {}


def test_tags_with_unicode_round_trip(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.catalogs.update_tags("main", {"équipe": "données ✓"})
    assert store.catalogs.get("main").tags == {"équipe": "données ✓"}


@pytest.mark.parametrize(
    "tags", [{"": "x"}, {"  ": "x"}, {"k": 1}, {"k": None}, {3: "x"}], ids=repr
)
def test_invalid_tags_are_rejected_and_nothing_changes(
    store: MetadataStore, tags: dict[object, object]
) -> None:
    store.catalogs.create("main")
    store.catalogs.update_tags("main", {"keep": "me"})
    with pytest.raises(ValidationError, match="tag"):
        store.catalogs.update_tags("main", tags)  # type: ignore[arg-type]
    assert store.catalogs.get("main").tags == {"keep": "me"}


def test_children_lists_tables_and_functions(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.schemas.create("main", "gold")
    _add_table(store, "main.gold.orders")
    _add_table(store, "main.default.users")
    _add_function(store, "main.gold.double_it")
    assert store.schemas.children("main", "gold") == ["main.gold.double_it", "main.gold.orders"]
    assert store.catalogs.children("main") == [
        "main.gold",
        "main.default.users",
        "main.gold.double_it",
        "main.gold.orders",
    ]


def test_catalog_with_only_an_empty_extra_schema_is_not_empty(store: MetadataStore) -> None:
    """Reference RESTRICT semantics: schemas other than `default` block a plain drop."""
    store.catalogs.create("dev")
    store.schemas.create("dev", "scratch")
    with pytest.raises(NotEmptyError, match=r"dev\.scratch"):
        store.catalogs.drop("dev")
    store.schemas.drop("dev", "scratch")
    store.catalogs.drop("dev")


def test_drop_non_empty_schema_without_cascade_is_refused(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.schemas.create("main", "gold")
    _add_table(store, "main.gold.orders")
    with pytest.raises(NotEmptyError) as info:
        store.schemas.drop("main", "gold")
    assert info.value.children == ["main.gold.orders"]
    assert "schema 'main.gold' is not empty" in str(info.value)
    assert store.tables.exists(ObjectName("main", "gold", "orders"))


def test_drop_schema_holding_only_a_function_is_refused(store: MetadataStore) -> None:
    store.catalogs.create("main")
    _add_function(store, "main.default.f")
    with pytest.raises(NotEmptyError, match=r"main\.default\.f"):
        store.schemas.drop("main", "default")


def test_drop_schema_cascade_removes_tables_columns_and_functions(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.schemas.create("main", "gold")
    _add_table(store, "main.gold.orders")
    _add_table(store, "main.default.keep")
    _add_function(store, "main.gold.f")
    store.schemas.drop("main", "gold", cascade=True)
    assert [s.name for s in store.schemas.list("main")] == ["default"]
    assert _count(store, rel.tables) == 1
    assert _count(store, rel.columns) == 1
    assert _count(store, rel.functions) == 0
    store.schemas.create("main", "gold")
    assert store.tables.list("main", "gold") == []


def test_drop_non_empty_catalog_without_cascade_is_refused(store: MetadataStore) -> None:
    store.catalogs.create("main")
    _add_table(store, "main.default.t")
    with pytest.raises(NotEmptyError) as info:
        store.catalogs.drop("main")
    assert info.value.kind == "catalog"
    assert info.value.children == ["main.default.t"]
    assert "cascade=True" in str(info.value)
    assert store.catalogs.get("main").name == "main"


def test_drop_catalog_cascade_removes_everything_below(store: MetadataStore) -> None:
    store.catalogs.create("main")
    store.catalogs.create("other")
    store.schemas.create("main", "gold")
    _add_table(store, "main.gold.t")
    _add_table(store, "other.default.t")
    _add_function(store, "main.default.f")
    store.catalogs.drop("MAIN", cascade=True)
    assert [c.name for c in store.catalogs.list()] == ["other"]
    assert _count(store, rel.schemas) == 1
    assert _count(store, rel.tables) == 1
    assert _count(store, rel.columns) == 1
    assert _count(store, rel.functions) == 0
    with pytest.raises(CatalogNotFoundError):
        store.schemas.list("main")


def test_drop_empty_catalog_and_schema_without_cascade(store: MetadataStore) -> None:
    store.catalogs.create("tmp")
    store.schemas.create("tmp", "empty")
    store.schemas.drop("tmp", "empty")
    store.catalogs.drop("tmp")
    assert store.catalogs.list() == []
    assert _count(store, rel.schemas) == 0
    store.catalogs.create("tmp")  # the name is free again
    assert [s.name for s in store.schemas.list("tmp")] == ["default"]
