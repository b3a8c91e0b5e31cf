"""Volumes: folder and catalog entry created and dropped together; cascades take the files."""

from __future__ import annotations

import pytest

from lakeforge.errors import AlreadyExistsError, SchemaNotFoundError, VolumeNotFoundError
from lakeforge.tables.volume_store import VolumeStore
from lakeforge.tables.workspace import Workspace


@pytest.fixture
def volumes(ws: Workspace) -> VolumeStore:
    ws.schemas.create("main", "raw")
    return VolumeStore(ws.settings, ws.metadata)


def test_create_makes_an_empty_folder_under_the_workspace(
    ws: Workspace, volumes: VolumeStore
) -> None:
    info = volumes.create("main.raw.landing", comment="partner drops")
    folder = volumes.path(info)
    assert folder == (ws.settings.workspace / "volumes" / "main" / "raw" / "landing").resolve()
    assert folder.is_dir() and not any(folder.iterdir())
    assert (info.owner, info.comment) == (ws.settings.user, "partner drops")
    assert volumes.get("main.raw.landing") == info
    assert volumes.create("main.raw.landing", if_not_exists=True) == info
    with pytest.raises(AlreadyExistsError):
        volumes.create("main.raw.landing")
    with pytest.raises(SchemaNotFoundError):
        volumes.create("main.nope.landing")


def test_one_and_two_part_names_use_the_current_schema(ws: Workspace, volumes: VolumeStore) -> None:
    assert volumes.create("here").full_name == "main.default.here"
    assert volumes.create("raw.there").full_name == "main.raw.there"
    ws.use(schema="main.raw")
    volumes.settings = ws.settings
    assert [v.name for v in volumes.list()] == ["there"]
    assert [v.name for v in volumes.list("main.default")] == ["here"]


def test_a_leftover_folder_without_an_entry_is_replaced(volumes: VolumeStore) -> None:
    info = volumes.create("main.raw.landing")
    folder = volumes.path(info)
    volumes.metadata.volumes.drop(volumes.resolve("main.raw.landing"))  # as a killed drop leaves
    (folder / "stale.csv").write_text("old")
    again = volumes.create("main.raw.landing")
    assert not any(volumes.path(again).iterdir())


def test_drop_removes_the_entry_then_the_files(volumes: VolumeStore) -> None:
    info = volumes.create("main.raw.landing")
    folder = volumes.path(info)
    (folder / "a.csv").write_text("x\n1\n")
    assert volumes.drop("main.raw.landing")
    assert not folder.exists()
    assert not volumes.drop("main.raw.landing", if_exists=True)
    with pytest.raises(VolumeNotFoundError):
        volumes.drop("main.raw.landing")


def test_dropping_a_schema_with_cascade_deletes_its_volume_files(
    ws: Workspace, volumes: VolumeStore
) -> None:
    folder = volumes.path(volumes.create("main.raw.landing"))
    (folder / "a.csv").write_text("x\n")
    assert ws.drop_schema("main.raw", cascade=True)
    assert not folder.exists()
    ws.catalogs.create("dev")
    ws.schemas.create("dev", "files")
    other = volumes.path(volumes.create("dev.files.v"))
    assert ws.drop_catalog("dev", cascade=True)
    assert not other.exists()
