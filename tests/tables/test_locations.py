"""Written paths mapped to local storage: volumes, DBFS, local files, and the refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lakeforge.errors import InvalidNameError, LocationError, VolumeNotFoundError
from lakeforge.tables.locations import Location, resolve_location
from lakeforge.tables.volume_store import VolumeStore
from lakeforge.tables.workspace import Workspace


def _at(ws: Workspace, path: str | Path) -> Location:
    return resolve_location(path, ws.settings, ws.metadata)


@pytest.fixture
def landing(ws: Workspace) -> Path:
    ws.schemas.create("main", "raw")
    store = VolumeStore(ws.settings, ws.metadata)
    return store.path(store.create("main.raw.landing"))


def test_volume_paths_map_to_the_volume_folder(ws: Workspace, landing: Path) -> None:
    loc = _at(ws, "/Volumes/main/raw/landing/2024/a.csv")
    assert loc.kind == "volume"
    assert loc.local == landing / "2024" / "a.csv"
    assert loc.uri == "dbfs:/Volumes/main/raw/landing/2024/a.csv"
    assert loc.volume is not None and loc.volume.full_name == "main.raw.landing"
    assert _at(ws, "dbfs:/Volumes/main/raw/landing/2024/a.csv").local == loc.local
    root = _at(ws, "/Volumes/MAIN/raw/landing/")  # names are case-insensitive, like tables
    assert root.local == landing and root.is_root
    assert root.uri == "dbfs:/Volumes/main/raw/landing"
    assert landing.is_relative_to(ws.settings.volumes_root.resolve())


def test_listings_above_volumes_have_no_folder(ws: Workspace, landing: Path) -> None:
    for path, parts in [
        ("/Volumes", ()),
        ("/Volumes/main", ("main",)),
        ("/Volumes/main/raw/", ("main", "raw")),
    ]:
        loc = _at(ws, path)
        assert (loc.kind, loc.local, loc.parts) == ("volumes", None, parts)
        with pytest.raises(LocationError, match="not a folder of a volume"):
            loc.require_local()


def test_missing_volumes_and_bad_names(ws: Workspace, landing: Path) -> None:
    with pytest.raises(VolumeNotFoundError, match=r"main\.raw\.landing"):
        _at(ws, "/Volumes/main/raw/landin/x")
    with pytest.raises(InvalidNameError):
        _at(ws, "/Volumes/main/r aw/landing/x")


def test_dbfs_paths_with_and_without_a_scheme(ws: Workspace) -> None:
    root = ws.settings.dbfs_root.resolve()
    for written in ("dbfs:/tmp/x.csv", "/tmp/x.csv", "/dbfs/tmp/x.csv", "dbfs:///tmp/x.csv"):
        loc = _at(ws, written)
        assert (loc.kind, loc.local, loc.uri) == ("dbfs", root / "tmp" / "x.csv", "dbfs:/tmp/x.csv")
    top = _at(ws, "dbfs:/")
    assert (top.local, top.uri, top.is_root) == (root, "dbfs:/", True)


def test_local_files_absolute_and_relative(ws: Workspace, tmp_path: Path) -> None:
    loc = _at(ws, f"file:{tmp_path}/data.parquet")
    assert (loc.kind, loc.local, loc.root) == ("file", tmp_path / "data.parquet", None)
    assert loc.uri == f"file:{tmp_path}/data.parquet"
    assert _at(ws, f"file://{tmp_path}/d").local == tmp_path / "d"
    assert _at(ws, "data/x.csv").local == Path.cwd() / "data" / "x.csv"
    with pytest.raises(LocationError, match="names the host"):
        _at(ws, "file://otherhost/x")


def test_paths_never_leave_their_root(ws: Workspace, landing: Path, tmp_path: Path) -> None:
    for bad in (
        "dbfs:/../secrets",
        "/tmp/../../catalog.db",
        "/Volumes/main/raw/landing/../other/x",
        "/Volumes/main/raw/landing/a/../../../..",
    ):
        with pytest.raises(LocationError, match="outside its root"):
            _at(ws, bad)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, landing / "link")
    with pytest.raises(LocationError, match="outside its root"):
        _at(ws, "/Volumes/main/raw/landing/link/file")
    inside = _at(ws, "/Volumes/main/raw/landing/a/../b")  # '..' that stays inside is fine
    assert inside.local == landing / "b"


def test_sample_data_and_cloud_storage_say_how_to_point_at_local_data(ws: Workspace) -> None:
    for path in (
        "/databricks-datasets/nyctaxi-with-zipcodes/subsampled",
        "dbfs:/databricks-datasets/nyctaxi-with-zipcodes/subsampled",
    ):
        with pytest.raises(LocationError) as error:
            _at(ws, path)
        message = str(error.value)
        assert "sample data" in message and "/Volumes/<catalog>/<schema>/<volume>" in message
        assert "file:/absolute/path" in message
    for path in ("s3://bucket/key", "abfss://c@acct.dfs.core.windows.net/x", "gs://b/x"):
        with pytest.raises(LocationError, match="cannot reach"):
            _at(ws, path)
    with pytest.raises(LocationError, match="not a path"):
        _at(ws, "  ")
