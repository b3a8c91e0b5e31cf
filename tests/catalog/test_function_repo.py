"""Catalog functions: create, replace, get, list and drop."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakeforge.catalog.records import FunctionInfo, FunctionParameter
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    FunctionNotFoundError,
    SchemaNotFoundError,
)
from lakeforge.names import parse_name


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with MetadataStore(f"sqlite:///{tmp_path / 'catalog.db'}") as metadata:
        metadata.catalogs.create("main")
        yield metadata


def _fn(name: str = "main.default.add_tax", **changes: object) -> FunctionInfo:
    obj = parse_name(name)
    info = FunctionInfo(
        name=obj,
        function_id=f"fn-{obj.full}",
        source="def add_tax(amount, rate):\n    return amount * (1 + rate)\n",
        entry_point="add_tax",
        parameters=(FunctionParameter("amount", "double"), FunctionParameter("rate", "double")),
        return_type="double",
        description="adds tax",
        owner="alice",
    )
    return dataclasses.replace(info, **changes)  # type: ignore[arg-type]


def test_create_and_get_round_trip(store: MetadataStore) -> None:
    created = store.functions.create(_fn())
    got = store.functions.get(parse_name("main.default.add_tax"))
    assert got == created
    assert got.function_id == "fn-main.default.add_tax"
    assert got.source.startswith("def add_tax(")
    assert got.entry_point == "add_tax"
    assert got.parameters == (
        FunctionParameter("amount", "double"),
        FunctionParameter("rate", "double"),
    )
    assert (got.return_type, got.language, got.description, got.owner) == (
        "double",
        "PYTHON",
        "adds tax",
        "alice",
    )
    assert 0 < got.created_at == got.updated_at


def test_function_without_parameters(store: MetadataStore) -> None:
    got = store.functions.create(_fn("main.default.now", parameters=(), return_type="timestamp"))
    assert got.parameters == ()


def test_parameter_order_is_kept(store: MetadataStore) -> None:
    params = tuple(FunctionParameter(f"p{i}", "int") for i in (3, 1, 2, 0))
    got = store.functions.create(_fn(parameters=params))
    assert got.parameters == params


def test_create_existing_without_replace_raises(store: MetadataStore) -> None:
    store.functions.create(_fn())
    with pytest.raises(AlreadyExistsError, match=r"function 'main\.default\.add_tax'"):
        store.functions.create(_fn(function_id="other", source="x = 1"))
    assert store.functions.get(parse_name("main.default.add_tax")).source.startswith("def")


def test_replace_overwrites_and_returns_the_new_definition(store: MetadataStore) -> None:
    original = store.functions.create(_fn())
    new_source = "def add_tax(amount, rate):\n    return round(amount * (1 + rate), 2)\n"
    replaced = store.functions.create(
        _fn(
            function_id="ignored-new-id",
            source=new_source,
            parameters=(FunctionParameter("amount", "decimal(10,2)"),),
            description="rounded",
        ),
        replace=True,
    )
    assert replaced.source == new_source
    assert replaced.parameters == (FunctionParameter("amount", "decimal(10,2)"),)
    assert replaced.description == "rounded"
    assert replaced.function_id == original.function_id  # identity is kept
    assert replaced.created_at == original.created_at
    assert replaced.updated_at >= original.updated_at
    assert store.functions.get(parse_name("main.default.add_tax")) == replaced
    assert len(store.functions.list("main", "default")) == 1


def test_replace_of_a_missing_function_creates_it(store: MetadataStore) -> None:
    got = store.functions.create(_fn(), replace=True)
    assert got.function_id == "fn-main.default.add_tax"
    assert [f.name.full for f in store.functions.list("main", "default")] == [
        "main.default.add_tax"
    ]


def test_list_sorted_and_per_schema(store: MetadataStore) -> None:
    store.schemas.create("main", "other")
    for name in ("zed", "abc", "mid"):
        store.functions.create(_fn(f"main.default.{name}", function_id=name))
    store.functions.create(_fn("main.other.elsewhere", function_id="e"))
    listed = store.functions.list("main", "default")
    assert [f.name.name for f in listed] == ["abc", "mid", "zed"]
    assert store.functions.list("MAIN", "Default") == listed
    assert [f.name.full for f in store.functions.list("main", "other")] == ["main.other.elsewhere"]


def test_not_found_lists_functions_in_that_schema(store: MetadataStore) -> None:
    store.schemas.create("main", "other")
    store.functions.create(_fn("main.default.add_tax"))
    store.functions.create(_fn("main.default.clip", function_id="c"))
    store.functions.create(_fn("main.other.hidden", function_id="h"))
    missing = parse_name("main.default.add_taxes")
    for call in (lambda: store.functions.get(missing), lambda: store.functions.drop(missing)):
        with pytest.raises(FunctionNotFoundError) as info:
            call()
        assert info.value.existing == ["main.default.add_tax", "main.default.clip"]
        assert "existing functions in that schema: main.default.add_tax" in str(info.value)
        assert "hidden" not in str(info.value)


def test_missing_schema_or_catalog(store: MetadataStore) -> None:
    with pytest.raises(SchemaNotFoundError):
        store.functions.create(_fn("main.nope.f"))
    with pytest.raises(CatalogNotFoundError):
        store.functions.list("nope", "default")


def test_drop(store: MetadataStore) -> None:
    store.functions.create(_fn())
    store.functions.drop(parse_name("Main.Default.Add_Tax"))
    assert store.functions.list("main", "default") == []
    store.functions.create(_fn())  # the name is free again
