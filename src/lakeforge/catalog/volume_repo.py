"""Volumes registered in the catalog (``catalog.schema.volume``): metadata only, never files."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.namespace_repo import schema_id
from lakeforge.catalog.records import VolumeInfo, now_ms
from lakeforge.errors import AlreadyExistsError, NotFoundError, VolumeNotFoundError
from lakeforge.names import ObjectName


def _volume_row(conn: Connection, name: ObjectName) -> Row[Any]:
    sid = schema_id(conn, name.catalog, name.schema)
    v = rel.volumes.c
    row = conn.execute(select(rel.volumes).where(v.schema_id == sid, v.name == name.name)).first()
    if row is None:
        existing = conn.execute(select(v.name).where(v.schema_id == sid)).scalars().all()
        raise VolumeNotFoundError(
            name.full,
            [f"{name.schema_full}.{n}" for n in existing],
            f"create it: CREATE VOLUME {name.full} (or `lakeforge volumes create {name.full}`)",
        )
    return row


def _info(catalog: str, schema: str, row: Row[Any]) -> VolumeInfo:
    return VolumeInfo(
        catalog=catalog,
        schema=schema,
        name=row.name,
        volume_id=row.volume_id,
        storage_location=row.storage_location,
        volume_type=row.volume_type,
        comment=row.comment,
        owner=row.owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class VolumeRepository:
    """Create, read, list, comment and drop volume entries."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, info: VolumeInfo, *, if_not_exists: bool = False) -> VolumeInfo:
        """Register a volume.

        Raises:
            AlreadyExistsError: The volume exists and ``if_not_exists`` is false.
            SchemaNotFoundError: The schema does not exist.
        """
        name = ObjectName(info.catalog, info.schema, info.name)
        stamp = now_ms()
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    rel.volumes.insert().values(
                        schema_id=schema_id(conn, name.catalog, name.schema),
                        name=name.name,
                        volume_id=info.volume_id,
                        volume_type=info.volume_type,
                        storage_location=info.storage_location,
                        comment=info.comment,
                        owner=info.owner,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
        except IntegrityError:
            if not if_not_exists:
                raise AlreadyExistsError("volume", name.full) from None
        return self.get(name)

    def get(self, name: ObjectName) -> VolumeInfo:
        """Return one volume."""
        with self._engine.connect() as conn:
            return _info(name.catalog, name.schema, _volume_row(conn, name))

    def exists(self, name: ObjectName) -> bool:
        """Whether the volume is registered (its schema may be missing too)."""
        try:
            self.get(name)
        except NotFoundError:  # the volume, or its catalog or schema
            return False
        return True

    def list(self, catalog: str, schema: str) -> builtins.list[VolumeInfo]:
        """Volumes of one schema, by name."""
        with self._engine.connect() as conn:
            sid = schema_id(conn, catalog, schema)
            rows = conn.execute(
                select(rel.volumes).where(rel.volumes.c.schema_id == sid).order_by("name")
            ).all()
        return [_info(catalog, schema, r) for r in rows]

    def set_comment(self, name: ObjectName, comment: str | None) -> VolumeInfo:
        """Replace a volume's comment."""
        with self._engine.begin() as conn:
            row = _volume_row(conn, name)
            conn.execute(
                rel.volumes.update()
                .where(rel.volumes.c.id == row.id)
                .values(comment=comment, updated_at=now_ms())
            )
        return self.get(name)

    def drop(self, name: ObjectName) -> VolumeInfo:
        """Unregister a volume; returns what it was (the caller removes the files after)."""
        with self._engine.begin() as conn:
            row = _volume_row(conn, name)
            conn.execute(rel.volumes.delete().where(rel.volumes.c.id == row.id))
        return _info(name.catalog, name.schema, row)
