"""Volume entries: create, get, list, comment, drop; the namespace they live in; migration 4."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from lakeforge.catalog.migrations import migrate
from lakeforge.catalog.records import VolumeInfo
from lakeforge.catalog.sql_store import MetadataStore, make_engine
from lakeforge.errors import (
    AlreadyExistsError,
    NotEmptyError,
    SchemaNotFoundError,
    VolumeNotFoundError,
)
from lakeforge.names import ObjectName


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with MetadataStore(f"sqlite:///{tmp_path / 'catalog.db'}") as metadata:
        metadata.catalogs.create("main")
        metadata.schemas.create("main", "raw")
        yield metadata


def _volume(name: str = "landing", schema: str = "raw", **extra: str) -> VolumeInfo:
    return VolumeInfo(
        catalog="main",
        schema=schema,
        name=name,
        volume_id=f"id-{schema}-{name}",
        storage_location=f"main/{schema}/{name}",
        owner="alice",
        **extra,  # type: ignore[arg-type]
    )


def test_create_get_list_and_paths(store: MetadataStore) -> None:
    created = store.volumes.create(_volume(comment="files from partners"))
    store.volumes.create(_volume("archive"))
    got = store.volumes.get(ObjectName("main", "raw", "landing"))
    assert got == created
    assert (got.full_name, got.path) == ("main.raw.landing", "/Volumes/main/raw/landing")
    assert (got.volume_type, got.comment, got.owner) == ("MANAGED", "files from partners", "alice")
    assert got.created_at > 0 and got.updated_at >= got.created_at
    assert [v.name for v in store.volumes.list("main", "raw")] == ["archive", "landing"]
    assert store.volumes.exists(ObjectName("main", "raw", "landing"))
    assert not store.volumes.exists(ObjectName("main", "raw", "nope"))
    assert not store.volumes.exists(ObjectName("main", "nope", "landing"))


def test_duplicates_missing_and_if_not_exists(store: MetadataStore) -> None:
    first = store.volumes.create(_volume())
    with pytest.raises(AlreadyExistsError, match=r"volume 'main\.raw\.landing' already exists"):
        store.volumes.create(_volume())
    assert store.volumes.create(_volume(), if_not_exists=True) == first
    with pytest.raises(VolumeNotFoundError) as missing:
        store.volumes.get(ObjectName("main", "raw", "landin"))
    assert missing.value.existing == ["main.raw.landing"]
    assert "CREATE VOLUME main.raw.landin" in str(missing.value)
    with pytest.raises(SchemaNotFoundError):
        store.volumes.create(_volume(schema="nope"))


def test_comment_and_drop(store: MetadataStore) -> None:
    store.volumes.create(_volume())
    name = ObjectName("main", "raw", "landing")
    assert store.volumes.set_comment(name, "new").comment == "new"
    assert store.volumes.set_comment(name, None).comment is None
    dropped = store.volumes.drop(name)
    assert dropped.storage_location == "main/raw/landing"
    with pytest.raises(VolumeNotFoundError):
        store.volumes.drop(name)


def test_volumes_keep_a_schema_from_being_dropped_without_cascade(store: MetadataStore) -> None:
    store.volumes.create(_volume())
    assert store.schemas.children("main", "raw") == ["main.raw.landing"]
    assert "main.raw.landing" in store.catalogs.children("main")
    with pytest.raises(NotEmptyError, match=r"main\.raw\.landing"):
        store.schemas.drop("main", "raw")
    store.schemas.drop("main", "raw", cascade=True)  # the entry goes with its schema
    store.schemas.create("main", "raw")
    assert store.volumes.list("main", "raw") == []


def test_migration_step_4_adds_volume_and_secret_relations_to_an_old_store(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        assert migrate(engine, target=3) == 3
        with engine.connect() as conn:
            assert "lf_volumes" not in inspect(conn).get_table_names()
    finally:
        engine.dispose()
    with MetadataStore(url) as upgraded:
        assert upgraded.version >= 4
        upgraded.catalogs.create("main")
        upgraded.schemas.create("main", "raw")
        upgraded.volumes.create(_volume())
        upgraded.secrets.create_scope("prod")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert {"lf_volumes", "lf_secret_scopes", "lf_secrets"} <= names
