"""Delta tables and data files by path: Spark save modes, the writer's rules, time travel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakeforge.errors import (
    LocationError,
    PathNotFoundError,
    SchemaMismatchError,
    VersionNotFoundError,
)
from lakeforge.tables.path_tables import read_delta, read_files, write_delta
from lakeforge.tables.volume_store import VolumeStore
from lakeforge.tables.workspace import Workspace

TABLE = "/Volumes/main/raw/landing/orders"


@pytest.fixture
def landing(ws: Workspace) -> Path:
    ws.schemas.create("main", "raw")
    store = VolumeStore(ws.settings, ws.metadata)
    return store.path(store.create("main.raw.landing"))


def test_save_modes(ws_path: Path, landing: Path) -> None:
    first = write_delta(pd.DataFrame({"id": [1, 2]}), TABLE, workspace=ws_path)
    assert first is not None and (first.operation, first.rows_inserted) == ("CREATE", 2)
    assert (landing / "orders" / "_delta_log").is_dir()
    with pytest.raises(LocationError, match="already holds a Delta table"):
        write_delta(pd.DataFrame({"id": [3]}), TABLE, workspace=ws_path)
    assert write_delta(pd.DataFrame({"id": [3]}), TABLE, mode="ignore", workspace=ws_path) is None
    added = write_delta(pd.DataFrame({"id": [3]}), TABLE, mode="append", workspace=ws_path)
    assert added is not None and (added.operation, added.version) == ("APPEND", 1)
    replaced = write_delta(pd.DataFrame({"id": [9]}), TABLE, mode="overwrite", workspace=ws_path)
    assert replaced is not None and replaced.rows_deleted == 3
    assert read_delta(TABLE, workspace=ws_path)["id"].tolist() == [9]
    assert sorted(read_delta(TABLE, version=1, workspace=ws_path)["id"]) == [1, 2, 3]
    with pytest.raises(VersionNotFoundError):
        read_delta(TABLE, version=7, workspace=ws_path)
    with pytest.raises(LocationError, match="mode 'upsert'"):
        write_delta(pd.DataFrame({"id": [1]}), TABLE, mode="upsert", workspace=ws_path)  # type: ignore[arg-type]


def test_writes_follow_the_table_rules(ws_path: Path, landing: Path) -> None:
    write_delta(pa.table({"id": [1], "v": [1.5]}), TABLE, workspace=ws_path)
    with pytest.raises(SchemaMismatchError, match="'v'"):
        write_delta(pa.table({"id": [2], "v": ["text"]}), TABLE, mode="append", workspace=ws_path)
    evolved = write_delta(
        pa.table({"id": [2], "extra": ["x"]}), TABLE, mode="append", workspace=ws_path
    )
    assert evolved is not None and evolved.added_columns == ("extra",)
    widened = write_delta(
        pa.table({"id": pa.array([3], pa.int32())}), TABLE, mode="append", workspace=ws_path
    )
    assert widened is not None and [c.reason for c in widened.casts] == ["widened"]
    frame = read_delta(TABLE, kind="polars", columns=["id"], workspace=ws_path)
    assert sorted(frame["id"].to_list()) == [1, 2, 3]


def test_partitions_and_paths_that_hold_other_files(ws_path: Path, landing: Path) -> None:
    parts = f"{TABLE}_by_day"
    write_delta(
        pd.DataFrame({"day": ["a", "b"], "n": [1, 2]}),
        parts,
        partition_by=["day"],
        workspace=ws_path,
    )
    with pytest.raises(SchemaMismatchError, match="partitioned by"):
        write_delta(
            pd.DataFrame({"day": ["c"], "n": [3]}),
            parts,
            mode="append",
            partition_by=["n"],
            workspace=ws_path,
        )
    (landing / "notes").mkdir()
    (landing / "notes" / "a.txt").write_text("x")
    with pytest.raises(LocationError, match="not a Delta table"):
        write_delta(pd.DataFrame({"id": [1]}), "/Volumes/main/raw/landing/notes", workspace=ws_path)
    with pytest.raises(LocationError, match="not a Delta table"):
        read_delta("/Volumes/main/raw/landing/notes", workspace=ws_path)


def test_dbfs_and_local_paths(ws: Workspace, ws_path: Path, tmp_path: Path) -> None:
    write_delta(pd.DataFrame({"id": [1]}), "dbfs:/tmp/delta/events", workspace=ws_path)
    assert (ws.settings.dbfs_root / "tmp" / "delta" / "events" / "_delta_log").is_dir()
    assert read_delta("/tmp/delta/events", workspace=ws_path)["id"].tolist() == [1]
    local = tmp_path / "local_table"
    write_delta(pd.DataFrame({"id": [5]}), f"file:{local}", workspace=ws_path)
    assert read_delta(f"file:{local}", workspace=ws_path)["id"].tolist() == [5]


def test_missing_paths_name_the_path_and_the_scheme_rule(ws_path: Path, tmp_path: Path) -> None:
    with pytest.raises(PathNotFoundError) as error:
        read_delta(str(tmp_path / "nothing"), workspace=ws_path)
    message = str(error.value)
    assert "dbfs:" in message and "without a scheme is on the workspace's DBFS" in message
    with pytest.raises(LocationError, match="sample data"):
        read_delta("/databricks-datasets/nyctaxi-with-zipcodes/subsampled", workspace=ws_path)


def test_read_files_parquet_csv_json(ws: Workspace, ws_path: Path, landing: Path) -> None:
    folder = landing / "drops"
    folder.mkdir()
    pq.write_table(pa.table({"x": [1, 2]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"x": [3]}), folder / "part-1.parquet")
    (landing / "a.csv").write_text("x,y\n1,a\n2,b\n")
    (landing / "a.json").write_text('{"x": 1}\n{"x": 2}\n')
    drops = read_files("/Volumes/main/raw/landing/drops", workspace=ws_path)
    assert sorted(drops["x"]) == [1, 2, 3]
    csv = read_files("/Volumes/main/raw/landing/a.csv", format="csv", workspace=ws_path)
    assert csv["y"].tolist() == ["a", "b"]
    json = read_files(
        "/Volumes/main/raw/landing/a.json", format="json", kind="arrow", workspace=ws_path
    )
    assert json.column("x").to_pylist() == [1, 2]
    with pytest.raises(LocationError, match="cannot be read as 'xml'"):
        read_files("/Volumes/main/raw/landing/a.csv", format="xml", workspace=ws_path)  # type: ignore[arg-type]
