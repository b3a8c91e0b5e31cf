"""The metadata store on PostgreSQL.

Server tests start a throwaway cluster (``initdb`` + ``pg_ctl``) in a temporary directory on a
free localhost port, or use ``LAKEFORGE_TEST_POSTGRES_URL`` when it is set (a database the tests
may create other databases from). They skip, saying why, when the ``postgres`` extra (psycopg)
or the server binaries are missing, or a cluster cannot be started.
"""

from __future__ import annotations

import dataclasses
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from glob import glob
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lakeforge.catalog import relations as rel
from lakeforge.catalog.migrations import LATEST_VERSION
from lakeforge.catalog.records import ColumnInfo, FunctionInfo, FunctionParameter, TableInfo
from lakeforge.catalog.sql_store import MetadataStore, make_engine
from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    MigrationError,
    MissingExtraError,
    NotEmptyError,
    SchemaNotFoundError,
    TableNotFoundError,
)
from lakeforge.names import parse_name

EXTERNAL_URL_ENV = "LAKEFORGE_TEST_POSTGRES_URL"


# -- a throwaway cluster ---------------------------------------------------------------------
def _server_binaries() -> tuple[str, str] | None:
    found = [shutil.which("initdb"), shutil.which("pg_ctl")]
    if all(found):
        return found[0], found[1]  # type: ignore[return-value]
    for bindir in sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True):
        initdb, pg_ctl = Path(bindir, "initdb"), Path(bindir, "pg_ctl")
        if initdb.is_file() and pg_ctl.is_file():
            return str(initdb), str(pg_ctl)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Cluster:
    """A PostgreSQL cluster owned by this test session, run as a non-root user."""

    def __init__(self, initdb: str, pg_ctl: str) -> None:
        self.pg_ctl = pg_ctl
        self.run_as: dict[str, Any] = {}
        if os.geteuid() == 0:  # postgres refuses to run as root
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run the server")
            self.run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.root = Path(tempfile.mkdtemp(prefix="lakeforge-pg-"))
        if self.run_as:
            os.chown(self.root, self.run_as["user"], self.run_as["group"])
        self.data = self.root / "data"
        self._run(
            initdb, "-D", str(self.data), "-U", "lakeforge", "--auth=trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        self.port = 0
        for _ in range(3):  # a free port can be taken between probing and binding
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off"
            )
            done = self._run(
                pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                "-w", "-t", "30", "start", check=False,
            )  # fmt: skip
            if done.returncode == 0:
                break
        else:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            self.remove()
            pytest.skip(f"could not start a PostgreSQL server: {log}")
        self.url = f"postgresql://lakeforge@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            args, cwd=self.root, capture_output=True, text=True, timeout=60, check=False,
            **self.run_as,
        )  # fmt: skip
        if check and done.returncode != 0:
            self.remove()
            pytest.skip(f"{Path(args[0]).name} failed: {done.stderr.strip()[-1000:]}")
        return done

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop", check=False)
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """URL of a database on a PostgreSQL server that the tests may create databases on."""
    pytest.importorskip(
        "psycopg", reason='PostgreSQL driver missing: pip install "lakeforge[postgres]"'
    )
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        yield external
        return
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip(
            f"PostgreSQL server binaries (initdb, pg_ctl) not found; set {EXTERNAL_URL_ENV}"
        )
    cluster = _Cluster(*binaries)
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(server_url: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"lf_{uuid.uuid4().hex[:12]}"
    admin = make_url(server_url).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- tests that need no server ---------------------------------------------------------------
def test_postgresql_urls_use_the_psycopg_driver() -> None:
    pytest.importorskip(
        "psycopg", reason='PostgreSQL driver missing: pip install "lakeforge[postgres]"'
    )
    for url in ("postgresql://u@localhost/db", "postgres://u@localhost/db"):
        engine = make_engine(url)  # connects lazily, so no server is needed
        try:
            assert engine.url.drivername == "postgresql+psycopg"
            assert engine.dialect.name == "postgresql"
        finally:
            engine.dispose()


def test_missing_driver_is_a_missing_extra_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtraError) as info:
        make_engine("postgresql://u@localhost/db")
    assert info.value.extra == "postgres"
    assert 'pip install "lakeforge[postgres]"' in str(info.value)


# -- tests against a server ------------------------------------------------------------------
@pytest.mark.postgres
def test_catalog_crud_on_postgres(pg_url: str) -> None:
    with MetadataStore(pg_url) as store:
        assert store.version == LATEST_VERSION
        store.catalogs.create("Main", comment="c", owner="alice")
        store.catalogs.create("dev")
        with pytest.raises(AlreadyExistsError):
            store.catalogs.create("main")
        assert store.catalogs.create("main", if_not_exists=True).comment == "c"
        assert [c.name for c in store.catalogs.list()] == ["dev", "main"]
        with pytest.raises(CatalogNotFoundError, match="existing catalogs: dev, main"):
            store.catalogs.get("nope")

        store.schemas.create("main", "gold", comment="curated")
        with pytest.raises(AlreadyExistsError):
            store.schemas.create("main", "gold")
        assert [s.name for s in store.schemas.list("main")] == ["default", "gold"]
        with pytest.raises(SchemaNotFoundError, match=r"main\.default, main\.gold"):
            store.schemas.get("main", "nope")

        assert store.catalogs.set_comment("main", None).comment is None
        assert store.schemas.set_comment("main", "gold", "new").comment == "new"
        assert store.catalogs.update_tags("main", {"a": "1", "b": "2"}, unset=["b"]) == {"a": "1"}
        assert store.schemas.update_tags("main", "gold", {"x": "ü"}) == {"x": "ü"}
        assert store.schemas.get("main", "gold").tags == {"x": "ü"}


@pytest.mark.postgres
def test_table_and_function_crud_on_postgres(pg_url: str) -> None:
    with MetadataStore(pg_url) as store:
        store.catalogs.create("main")
        columns = (ColumnInfo("id", "bigint", False, "key"), ColumnInfo("ts", "timestamp"))
        info = TableInfo(
            name=parse_name("main.default.events"),
            table_id=str(uuid.uuid4()),
            location="main/default/events",
            columns=columns,
            primary_keys=("id", "ts"),
            timeseries_key="ts",
            partition_columns=("id",),
            tags={"t": "1"},
            properties={"p": [1, 2]},
        )
        created = store.tables.create(info)
        assert created.columns == columns
        assert created.primary_keys == ("id", "ts")
        assert created.properties == {"p": [1, 2]}
        with pytest.raises(AlreadyExistsError):
            store.tables.create(dataclasses.replace(info, table_id=str(uuid.uuid4())))
        updated = store.tables.update(
            info.name, columns=(*columns, ColumnInfo("v", "double")), properties={"q": True}
        )
        assert updated.column_names == ["id", "ts", "v"]
        assert updated.properties == {"p": [1, 2], "q": True}
        with pytest.raises(TableNotFoundError, match=r"main\.default\.events"):
            store.tables.get(parse_name("main.default.evnts"))

        fn = FunctionInfo(
            name=parse_name("main.default.f"),
            function_id=str(uuid.uuid4()),
            source="def f(x): return x",
            entry_point="f",
            parameters=(FunctionParameter("x", "bigint"),),
            return_type="bigint",
        )
        store.functions.create(fn)
        replaced = store.functions.create(
            dataclasses.replace(fn, source="def f(x): return 2 * x"), replace=True
        )
        assert replaced.source == "def f(x): return 2 * x"
        assert [f.name.name for f in store.functions.list("main", "default")] == ["f"]

        with pytest.raises(NotEmptyError):
            store.catalogs.drop("main")
        store.catalogs.drop("main", cascade=True)
        assert store.catalogs.list() == []
        with store.engine.connect() as conn:
            for table in (rel.schemas, rel.tables, rel.columns, rel.functions):
                assert conn.execute(select(table)).all() == []


@pytest.mark.postgres
def test_old_postgres_store_is_upgraded(pg_url: str) -> None:
    with MetadataStore(pg_url, migrate_to=1) as old:
        assert old.version == 1
        old.catalogs.create("main", comment="kept")
    with MetadataStore(pg_url) as new:
        assert new.version == LATEST_VERSION
        assert new.catalogs.get("main").comment == "kept"
        with new.engine.begin() as conn:
            conn.execute(rel.schema_version.update().values(version=LATEST_VERSION + 1))
    with pytest.raises(MigrationError, match="upgrade lakeforge"):
        MetadataStore(pg_url)


@pytest.mark.postgres
def test_concurrent_openers_of_a_fresh_postgres_store_all_succeed(pg_url: str) -> None:
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_store() -> None:
        try:
            barrier.wait(timeout=30)
            with MetadataStore(pg_url) as store:
                store.catalogs.create("main", if_not_exists=True)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with MetadataStore(pg_url) as store:
        assert [c.name for c in store.catalogs.list()] == ["main"]


@pytest.mark.postgres
def test_workspace_with_a_postgres_metadata_url(tmp_path: Path, pg_url: str) -> None:
    from lakeforge.tables.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", metadata_url=pg_url)
    try:
        assert ws.settings.metadata_url == pg_url
        assert not (tmp_path / "ws" / "catalog.db").exists()
        assert [s.full_name for s in ws.schemas.list("main")] == ["main.default"]
    finally:
        ws.close()
