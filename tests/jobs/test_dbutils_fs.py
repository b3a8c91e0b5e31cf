"""``dbutils.fs`` over DBFS, volumes and local files: reference shapes, refusals, a bundle run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_cli, write_files

from lakeforge.errors import InvalidNameError, LocationError, PathNotFoundError
from lakeforge.jobs.dbutils import FileInfo, Fs
from lakeforge.tables.volume_store import VolumeStore
from lakeforge.tables.workspace import Workspace


@pytest.fixture
def fs(ws: Workspace) -> Fs:
    ws.schemas.create("main", "raw")
    VolumeStore(ws.settings, ws.metadata).create("main.raw.landing")
    return Fs(lambda: ws)


def test_put_head_ls_and_shapes(fs: Fs, capsys: pytest.CaptureFixture[str]) -> None:
    assert fs.put("/Volumes/main/raw/landing/in/a.csv", "x,y\n1,2\n") is True
    assert "Wrote 8 bytes." in capsys.readouterr().out
    assert fs.mkdirs("/Volumes/main/raw/landing/out") is True
    listing = fs.ls("/Volumes/main/raw/landing/")
    assert [(f.path, f.name, f.size) for f in listing] == [
        ("dbfs:/Volumes/main/raw/landing/in/", "in/", 0),
        ("dbfs:/Volumes/main/raw/landing/out/", "out/", 0),
    ]
    assert all(isinstance(f, FileInfo) and f.isDir() for f in listing)
    [file] = fs.ls("/Volumes/main/raw/landing/in/a.csv")  # a file lists itself
    assert (file.path, file.name, file.size, file.isFile()) == (
        "dbfs:/Volumes/main/raw/landing/in/a.csv",
        "a.csv",
        8,
        True,
    )
    assert file.modificationTime > 1_600_000_000_000  # epoch milliseconds
    assert fs.head("/Volumes/main/raw/landing/in/a.csv") == "x,y\n1,2\n"
    assert fs.head("/Volumes/main/raw/landing/in/a.csv", 3) == "x,y"
    assert "[Truncated to first 3 bytes]" in capsys.readouterr().out
    with pytest.raises(LocationError, match="already exists"):
        fs.put("/Volumes/main/raw/landing/in/a.csv", "new")
    fs.put("/Volumes/main/raw/landing/in/a.csv", "new", overwrite=True)
    assert fs.head("/Volumes/main/raw/landing/in/a.csv") == "new"


def test_dbfs_with_and_without_scheme_and_local_files(
    ws: Workspace, fs: Fs, tmp_path: Path
) -> None:
    assert fs.ls("dbfs:/") == []  # a fresh workspace's DBFS is empty
    fs.put("/tmp/notes.txt", "hi")
    assert (ws.settings.dbfs_root / "tmp" / "notes.txt").read_text() == "hi"
    assert [f.path for f in fs.ls("dbfs:/tmp")] == ["dbfs:/tmp/notes.txt"]
    assert fs.head("/dbfs/tmp/notes.txt") == "hi"
    local = tmp_path / "local"
    fs.put(f"file:{local}/a.txt", "here")
    assert (local / "a.txt").read_text() == "here"
    assert [f.path for f in fs.ls(f"file:{local}")] == [f"file:{local}/a.txt"]


def test_cp_mv_rm(fs: Fs, tmp_path: Path) -> None:
    fs.put("dbfs:/src/a.txt", "A")
    fs.put("dbfs:/src/sub/b.txt", "B")
    assert fs.cp("dbfs:/src/a.txt", "/Volumes/main/raw/landing/a.txt") is True
    fs.mkdirs("/Volumes/main/raw/landing/into")
    fs.cp("dbfs:/src/a.txt", "/Volumes/main/raw/landing/into")  # into an existing folder
    assert fs.head("/Volumes/main/raw/landing/into/a.txt") == "A"
    with pytest.raises(LocationError, match="recurse=True"):
        fs.cp("dbfs:/src", "dbfs:/copy")
    assert fs.cp("dbfs:/src", "dbfs:/copy", recurse=True)
    assert fs.head("dbfs:/copy/sub/b.txt") == "B"
    with pytest.raises(LocationError, match="inside the folder it copies"):
        fs.cp("dbfs:/src", "dbfs:/src/sub/again", recurse=True)
    assert fs.mv("dbfs:/copy/a.txt", f"file:{tmp_path}/moved.txt")
    assert (tmp_path / "moved.txt").read_text() == "A"
    with pytest.raises(LocationError, match="recurse=True"):
        fs.mv("dbfs:/copy", "dbfs:/moved")
    assert fs.mv("dbfs:/copy", "dbfs:/moved", recurse=True)
    assert [f.name for f in fs.ls("dbfs:/moved")] == ["sub/"]
    with pytest.raises(LocationError, match="not empty"):
        fs.rm("dbfs:/src")
    assert fs.rm("dbfs:/src", recurse=True) is True
    assert fs.rm("dbfs:/src") is False  # nothing there
    assert fs.rm("dbfs:/moved/sub/b.txt") is True
    assert fs.rm("dbfs:/moved/sub") is True  # empty now


def test_refusals_and_missing_paths(fs: Fs) -> None:
    with pytest.raises(LocationError, match="root of DBFS"):
        fs.rm("dbfs:/", recurse=True)
    with pytest.raises(LocationError, match=r"root of volume main\.raw\.landing"):
        fs.rm("/Volumes/main/raw/landing", recurse=True)
    with pytest.raises(LocationError, match="outside its root"):
        fs.put("/Volumes/main/raw/landing/../../../../escape.txt", "x")
    with pytest.raises(LocationError, match="outside its root"):
        fs.ls("dbfs:/../")
    with pytest.raises(LocationError, match="not a folder of a volume"):
        fs.mkdirs("/Volumes/main/raw")
    with pytest.raises(InvalidNameError, match=r"'\.'"):
        fs.put("/Volumes/main/raw/file.txt", "x")  # 'file.txt' would be the volume
    with pytest.raises(LocationError, match="sample data"):
        fs.ls("/databricks-datasets/")
    fs.put("dbfs:/data/present.txt", "x")
    with pytest.raises(PathNotFoundError) as missing:
        fs.head("dbfs:/data/absent.txt")
    assert missing.value.existing == ["present.txt"]
    assert "dbfs:/data/absent.txt" in str(missing.value)
    assert fs.mounts() == []


def test_the_volumes_tree_lists_catalogs_schemas_and_volumes(ws: Workspace, fs: Fs) -> None:
    assert [f.path for f in fs.ls("/Volumes")] == ["dbfs:/Volumes/main/"]
    assert [f.name for f in fs.ls("/Volumes/main/")] == ["default/", "raw/"]
    assert fs.ls("dbfs:/Volumes/main/raw") == [
        FileInfo("dbfs:/Volumes/main/raw/landing/", "landing/", 0, 0)
    ]


_BUNDLE = """
bundle:
  name: files
resources:
  jobs:
    files_job:
      tasks:
        - task_key: Land
          notebook_task:
            notebook_path: ./notebooks/Land
          max_retries: 0
targets:
  dev:
    default: true
"""

_NOTEBOOK = """\
# Databricks notebook source
# MAGIC %sql
# MAGIC CREATE VOLUME IF NOT EXISTS main.default.landing

# COMMAND ----------

import lakeforge

base = "/Volumes/main/default/landing"
dbutils.fs.mkdirs(f"{base}/raw")
dbutils.fs.put(f"{base}/raw/orders.csv", "id,amount\\n1,2.5\\n2,4.0\\n", True)
dbutils.fs.cp(f"{base}/raw/orders.csv", "dbfs:/tmp/orders.csv")
lakeforge.sql("CREATE TABLE main.default.orders AS SELECT * FROM csv.`dbfs:/tmp/orders.csv`")
total = lakeforge.sql("SELECT sum(amount) AS s FROM main.default.orders")["s"][0]
names = [f.name for f in dbutils.fs.ls(base)]
dbutils.jobs.taskValues.set("names", names)
dbutils.jobs.taskValues.set("head", dbutils.fs.head(f"{base}/raw/orders.csv", 9))
dbutils.fs.rm("dbfs:/tmp", True)
dbutils.notebook.exit(f"{','.join(names)} {total}")
"""


@pytest.mark.slow
def test_a_bundle_notebook_moves_files_between_volumes_and_dbfs(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_files(project, {"databricks.yml": _BUNDLE, "notebooks/Land.py": _NOTEBOOK})
    done = run_cli(project, "bundle", "run", "files_job", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(done.stdout)
    assert record["tasks"][0]["output"] == "raw/ 6.5"
    values = json.loads(
        (project / ".lakeforge" / "runs" / "1" / "values" / "Land.json").read_text()
    )
    assert values == {"names": ["raw/"], "head": "id,amount"}
    volume = project / ".lakeforge" / "volumes" / "main" / "default" / "landing"
    assert (volume / "raw" / "orders.csv").read_text().startswith("id,amount")
    assert not (project / ".lakeforge" / "dbfs" / "tmp").exists()
    assert_nothing_outside(project)
