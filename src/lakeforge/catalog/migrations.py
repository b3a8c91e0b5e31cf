"""Versioned migrations of the metadata store.

A workspace records its metadata schema version in ``lakeforge_schema_version``. Opening a
workspace applies every step above that version, in order, each in its own transaction, so a
newer lakeforge opens an older workspace. A workspace written by a *newer* lakeforge is refused
rather than guessed at.

Rules for new steps: append, never edit a released step; a step must be idempotent
(``checkfirst``) so a crash between DDL and the version bump is repaired by a rerun.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect, select

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import now_ms
from lakeforge.errors import MigrationError


def _step_1_namespace(conn: Connection) -> None:
    for table in (rel.schema_version, rel.catalogs, rel.schemas, rel.tables, rel.columns):
        table.create(conn, checkfirst=True)


def _step_2_functions(conn: Connection) -> None:
    rel.functions.create(conn, checkfirst=True)


STEPS: tuple[Callable[[Connection], None], ...] = (_step_1_namespace, _step_2_functions)
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


def migrate(engine: Engine, *, target: int = LATEST_VERSION, where: str = "") -> int:
    """Bring the store to ``target`` and return the version it is at afterwards.

    Raises:
        MigrationError: The store is newer than this lakeforge, or a step failed.
    """
    if not 0 < target <= LATEST_VERSION:
        raise ValueError(f"target version must be in 1..{LATEST_VERSION}, got {target}")
    with engine.connect() as conn:
        found = current_version(conn)
    if found > LATEST_VERSION:
        raise MigrationError(
            where or str(engine.url),
            f"metadata schema version {found} was written by a newer lakeforge "
            f"(this one supports up to {LATEST_VERSION})",
            "upgrade lakeforge: pip install -U lakeforge",
        )
    for version in range(found + 1, target + 1):
        try:
            with engine.begin() as conn:
                STEPS[version - 1](conn)
                _record(conn, version)
        except Exception as exc:  # noqa: BLE001 - any DDL failure is reported the same way
            raise MigrationError(
                where or str(engine.url),
                f"migration to metadata schema version {version} failed: {exc}",
                "check the metadata store is writable; the step is safe to rerun",
            ) from exc
    return max(found, target)
