"""Metadata store versions: upgrade old stores, refuse newer ones, survive concurrent openers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, select, text

from lakeforge.catalog import migrations
from lakeforge.catalog import relations as rel
from lakeforge.catalog.migrations import LATEST_VERSION, current_version, migrate
from lakeforge.catalog.records import ColumnInfo, FunctionInfo, TableInfo
from lakeforge.catalog.sql_store import MetadataStore, make_engine
from lakeforge.errors import ConfigurationError, MigrationError, WorkspaceError
from lakeforge.names import parse_name


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.db'}"


def _version_row(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(rel.schema_version)).one()
            count = conn.execute(text("SELECT count(*) FROM lakeforge_schema_version")).scalar()
    finally:
        engine.dispose()
    assert count == 1
    return int(row.version), int(row.applied_at)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_there_is_one_step_per_version() -> None:
    assert LATEST_VERSION == len(migrations.STEPS) >= 2


def test_fresh_store_is_created_at_the_latest_version(tmp_path: Path) -> None:
    with MetadataStore(_url(tmp_path)) as store:
        assert store.version == LATEST_VERSION
    assert _version_row(_url(tmp_path))[0] == LATEST_VERSION
    assert {t.name for t in rel.metadata.sorted_tables} <= _tables(_url(tmp_path))


def test_empty_database_is_version_zero(tmp_path: Path) -> None:
    engine = make_engine(_url(tmp_path))
    try:
        with engine.connect() as conn:
            assert current_version(conn) == 0
    finally:
        engine.dispose()


def test_old_store_with_data_is_upgraded_and_data_kept(tmp_path: Path) -> None:
    url = _url(tmp_path)
    with MetadataStore(url, migrate_to=1) as old:
        assert old.version == 1
        old.catalogs.create("main", comment="kept")
        old.schemas.create("main", "gold")
        old.catalogs.update_tags("main", {"env": "prod"})
        old.tables.create(
            TableInfo(
                name=parse_name("main.gold.orders"),
                table_id="t-1",
                location="main/gold/orders",
                columns=(ColumnInfo("id", "bigint", False), ColumnInfo("amount", "double")),
                primary_keys=("id",),
                properties={"k": "v"},
            )
        )
    assert "lf_functions" not in _tables(url)
    assert _version_row(url)[0] == 1

    with MetadataStore(url) as new:
        assert new.version == LATEST_VERSION
        main = new.catalogs.get("main")
        assert (main.comment, main.tags) == ("kept", {"env": "prod"})
        assert [s.name for s in new.schemas.list("main")] == ["default", "gold"]
        orders = new.tables.get(parse_name("main.gold.orders"))
        assert orders.column_names == ["id", "amount"]
        assert orders.primary_keys == ("id",)
        assert orders.properties == {"k": "v"}
        new.functions.create(
            FunctionInfo(parse_name("main.gold.f"), "f-1", "def f(): return 1", "f", (), "int")
        )
        assert [f.name.name for f in new.functions.list("main", "gold")] == ["f"]
    assert _version_row(url)[0] == LATEST_VERSION


def test_migrate_to_an_older_target_leaves_a_newer_store_alone(tmp_path: Path) -> None:
    MetadataStore(_url(tmp_path)).close()
    with MetadataStore(_url(tmp_path), migrate_to=1) as store:
        assert store.version == LATEST_VERSION


def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    url = _url(tmp_path)
    MetadataStore(url).close()
    before = _version_row(url)
    time.sleep(0.01)
    engine = make_engine(url)
    try:
        assert migrate(engine) == LATEST_VERSION
        assert migrate(engine) == LATEST_VERSION
    finally:
        engine.dispose()
    assert _version_row(url) == before  # applied_at untouched: nothing was re-applied


def test_store_written_by_a_newer_lakeforge_is_refused(tmp_path: Path) -> None:
    url = _url(tmp_path)
    with MetadataStore(url) as store, store.engine.begin() as conn:
        conn.execute(rel.schema_version.update().values(version=LATEST_VERSION + 1))
    with pytest.raises(MigrationError) as info:
        MetadataStore(url, where="/some/workspace")
    err = info.value
    assert isinstance(err, WorkspaceError)
    assert err.path == "/some/workspace"
    message = str(err)
    assert f"version {LATEST_VERSION + 1}" in message
    assert f"supports up to {LATEST_VERSION}" in message
    assert "upgrade lakeforge" in message
    assert _version_row(url)[0] == LATEST_VERSION + 1  # left as it was


def test_invalid_target_version() -> None:
    engine = make_engine("sqlite://")
    try:
        for bad in (0, -1, LATEST_VERSION + 1):
            with pytest.raises(ValueError, match="target version"):
                migrate(engine, target=bad)
    finally:
        engine.dispose()


def test_failed_step_is_rolled_back_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _url(tmp_path)
    MetadataStore(url, migrate_to=1).close()

    def broken_step(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("disk on fire")

    steps = list(migrations.STEPS)
    steps[1] = broken_step
    monkeypatch.setattr(migrations, "STEPS", tuple(steps))
    with pytest.raises(MigrationError, match="version 2 failed: disk on fire") as info:
        MetadataStore(url)
    assert "safe to rerun" in str(info.value)
    assert _version_row(url)[0] == 1
    assert "half_done" not in _tables(url)  # the step's DDL was rolled back with it

    monkeypatch.undo()
    with MetadataStore(url) as store:
        assert store.version == LATEST_VERSION


def test_step_interrupted_before_its_version_bump_is_repaired(tmp_path: Path) -> None:
    url = _url(tmp_path)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # step 1's tables exist, but no version was recorded
            migrations.STEPS[0](conn)
        with engine.connect() as conn:
            assert current_version(conn) == 0
        assert migrate(engine) == LATEST_VERSION
    finally:
        engine.dispose()


def test_unsupported_or_malformed_urls_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not supported") as info:
        make_engine("mysql://user:secret@host/db")
    assert info.value.setting == "metadata_url"
    assert "secret" not in str(info.value)
    with pytest.raises(ConfigurationError, match="not a database URL"):
        make_engine("definitely not a url")


_OPENER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    go = Path(sys.argv[2])
    mode = sys.argv[3]
    if mode == "workspace":
        from lakeforge.tables.workspace import init_workspace as opener
    else:
        from lakeforge.catalog.sql_store import MetadataStore as opener
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("never got the go signal")
        time.sleep(0.001)
    target = sys.argv[1]
    handle = opener(target) if mode == "workspace" else opener("sqlite:///" + target)
    if mode == "store":
        handle.catalogs.create("main", if_not_exists=True)
    print("ok", handle.metadata.version if mode == "workspace" else handle.version)
    handle.close()
    """
)


def _open_at_once(target: Path, mode: str, count: int, tmp_path: Path) -> list[str]:
    go = tmp_path / f"go-{mode}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, str(target), str(go), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    time.sleep(1.5 if mode == "workspace" else 0.5)  # let every process finish importing
    go.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs.append(out.strip())
    return outputs


@pytest.mark.slow
def test_two_processes_initialising_one_fresh_workspace_both_succeed(tmp_path: Path) -> None:
    ws = tmp_path / "shared-ws"
    outputs = _open_at_once(ws, "workspace", 2, tmp_path)
    assert outputs == [f"ok {LATEST_VERSION}"] * 2
    url = f"sqlite:///{ws / 'catalog.db'}"
    assert _version_row(url)[0] == LATEST_VERSION
    with MetadataStore(url) as store:
        assert [c.name for c in store.catalogs.list()] == ["main"]
        assert [s.name for s in store.schemas.list("main")] == ["default"]


@pytest.mark.slow
def test_many_processes_migrating_one_store_at_once_all_succeed(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    MetadataStore(f"sqlite:///{db}", migrate_to=1).close()  # an old store to upgrade
    outputs = _open_at_once(db, "store", 4, tmp_path)
    assert outputs == [f"ok {LATEST_VERSION}"] * 4
    assert _version_row(f"sqlite:///{db}")[0] == LATEST_VERSION


@pytest.mark.slow
def test_many_processes_creating_one_fresh_store_at_once_all_succeed(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    outputs = _open_at_once(db, "store", 4, tmp_path)
    assert outputs == [f"ok {LATEST_VERSION}"] * 4
    assert _version_row(f"sqlite:///{db}")[0] == LATEST_VERSION
