"""Versioned migrations of the metadata store.

A workspace records its metadata schema version in ``lakeforge_schema_version``. Opening a
workspace applies every step above that version, in order, each in its own transaction, so a
newer lakeforge opens an older workspace. A workspace written by a *newer* lakeforge is refused
rather than guessed at.

Rules for new steps: append, never edit a released step; a step must be idempotent
(``checkfirst``) so a crash between DDL and the version bump is repaired by a rerun.

Several processes may open the same fresh or old store at once. Each step therefore runs under
a store-wide lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock)
and re-reads the version under that lock, so exactly one process applies it and the others see
it done.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect, select, text

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import now_ms
from lakeforge.errors import MigrationError


def _step_1_namespace(conn: Connection) -> None:
    for table in (rel.schema_version, rel.catalogs, rel.schemas, rel.tables, rel.columns):
        table.create(conn, checkfirst=True)


def _step_2_functions(conn: Connection) -> None:
    rel.functions.create(conn, checkfirst=True)


def _step_3_serving(conn: Connection) -> None:
    for table in (rel.serving_endpoints, rel.tokens, rel.permissions):
        table.create(conn, checkfirst=True)


def _step_4_volumes_and_secrets(conn: Connection) -> None:
    for table in (rel.volumes, rel.secret_scopes, rel.secrets):
        table.create(conn, checkfirst=True)


STEPS: tuple[Callable[[Connection], None], ...] = (
    _step_1_namespace,
    _step_2_functions,
    _step_3_serving,
    _step_4_volumes_and_secrets,
)
LATEST_VERSION = len(STEPS)


def current_version(conn: Connection) -> int:
    """Schema version recorded in the store (0 for an empty database)."""
    if not inspect(conn).has_table(rel.schema_version.name):
        return 0
    value = conn.execute(select(rel.schema_version.c.version)).scalar()
    return int(value or 0)


def _record(conn: Connection, version: int) -> None:
    stamp = {"version": version, "applied_at": now_ms()}
    if conn.execute(select(rel.schema_version.c.id)).first() is None:
        conn.execute(rel.schema_version.insert().values(id=1, **stamp))
    else:
        conn.execute(rel.schema_version.update().values(**stamp))


# pg_advisory_xact_lock key: the bytes of "lakeforg" as a signed 64-bit integer.
_PG_LOCK_KEY = int.from_bytes(b"lakeforg", "big")


def _lock_store(conn: Connection) -> None:
    """Start ``conn``'s transaction holding the store-wide migration lock."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        # pysqlite runs DDL outside any transaction unless one is open; BEGIN IMMEDIATE opens
        # one and takes the write lock up front (waiting up to the busy timeout).
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _refuse_newer(found: int, where: str) -> None:
    if found > LATEST_VERSION:
        raise MigrationError(
            where,
            f"metadata schema version {found} was written by a newer lakeforge "
            f"(this one supports up to {LATEST_VERSION})",
            "upgrade lakeforge: pip install -U lakeforge",
        )


def migrate(engine: Engine, *, target: int = LATEST_VERSION, where: str = "") -> int:
    """Bring the store to ``target`` and return the version it is at afterwards.

    Safe to call from several processes at once, and a no-op when the store is at ``target``
    or above.

    Raises:
        MigrationError: The store is newer than this lakeforge, or a step failed.
    """
    if not 0 < target <= LATEST_VERSION:
        raise ValueError(f"target version must be in 1..{LATEST_VERSION}, got {target}")
    where = where or engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        found = current_version(conn)
    _refuse_newer(found, where)
    if found >= target:
        return found
    for version in range(found + 1, target + 1):
        try:
            with engine.connect() as conn:
                _lock_store(conn)
                now = current_version(conn)
                _refuse_newer(now, where)
                if now < version:
                    STEPS[version - 1](conn)
                    _record(conn, version)
                conn.commit()
        except MigrationError:
            raise
        except Exception as exc:
            raise MigrationError(
                where,
                f"migration to metadata schema version {version} failed: {exc}",
                "check the metadata store is writable; the step is safe to rerun",
            ) from exc
    with engine.connect() as conn:
        return current_version(conn)
