"""Volumes by SQL: ``CREATE VOLUME``, ``DROP VOLUME``, ``SHOW VOLUMES``, ``DESCRIBE VOLUME``
and ``COMMENT ON VOLUME``, with the reference's result columns.

A volume is created managed: its files live in the workspace
(:class:`~lakeforge.tables.volume_store.VolumeStore`) and are read and written by path,
``/Volumes/<catalog>/<schema>/<volume>/...``.
"""

from __future__ import annotations

import pyarrow as pa

from lakeforge.statements.describe import matches
from lakeforge.statements.parser import Statement
from lakeforge.statements.session import Session, StatementResult, empty, rows
from lakeforge.tables.volume_store import VolumeStore


def _store(session: Session) -> VolumeStore:
    return session.ws.volumes


def _name(session: Session, statement: Statement) -> str:
    assert statement.command is not None
    return session.object_name(list(statement.command.name)).full


def create(session: Session, statement: Statement) -> StatementResult:
    """``CREATE VOLUME [IF NOT EXISTS] name [COMMENT '...']``."""
    command = statement.command
    assert command is not None
    info = _store(session).create(
        _name(session, statement), comment=command.comment, if_not_exists=command.if_not_exists
    )
    return empty(statement, f"volume {info.full_name} exists at {info.path}")


def drop(session: Session, statement: Statement) -> StatementResult:
    """``DROP VOLUME [IF EXISTS] name`` (its files too)."""
    command = statement.command
    assert command is not None
    name = _name(session, statement)
    done = _store(session).drop(name, if_exists=command.if_exists)
    return empty(statement, f"volume {name} {'dropped' if done else 'did not exist'}")


def comment(session: Session, statement: Statement) -> StatementResult:
    """``COMMENT ON VOLUME name IS 'text' | NULL``."""
    command = statement.command
    assert command is not None
    info = _store(session).set_comment(_name(session, statement), command.comment)
    return empty(statement, f"comment set on volume {info.full_name}")


def show(session: Session, statement: Statement) -> StatementResult:
    """``SHOW VOLUMES [IN|FROM [catalog.]schema] [[LIKE] 'pattern']``."""
    command = statement.command
    assert command is not None
    catalog, schema = (
        session.schema_name(list(command.name))
        if command.name
        else (session.catalog, session.schema)
    )
    found = [
        v for v in _store(session).list(f"{catalog}.{schema}") if matches(command.pattern, v.name)
    ]
    data = {
        "database": pa.array([schema] * len(found), pa.string()),
        "volume_name": pa.array([v.name for v in found], pa.string()),
    }
    return rows(statement, f"{len(found)} volume(s) in {catalog}.{schema}", data)


def describe(session: Session, statement: Statement) -> StatementResult:
    """``DESCRIBE VOLUME name``: one row describing it."""
    store = _store(session)
    info = store.get(_name(session, statement))
    data = {
        "name": [info.name],
        "catalog": [info.catalog],
        "database": [info.schema],
        "owner": [info.owner],
        "storage_location": [str(store.path(info))],
        "volume_type": [info.volume_type],
        "comment": [info.comment],
    }
    columns = {k: pa.array(v, pa.string()) for k, v in data.items()}
    return rows(statement, f"volume {info.full_name}", columns)
