"""Object permissions: which principal holds which level on an object (e.g. an endpoint)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine, select

from lakeforge.catalog import relations as rel


class PermissionRepository:
    """Access control lists keyed by (object type, object id)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def levels(self, object_type: str, object_id: str) -> dict[str, str]:
        """Principal -> level for one object."""
        c = rel.permissions.c
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(c.principal, c.level)
                .where(c.object_type == object_type, c.object_id == object_id)
                .order_by(c.principal)
            ).all()
        return {r.principal: r.level for r in rows}

    def set(
        self, object_type: str, object_id: str, acl: Mapping[str, str], *, replace: bool
    ) -> dict[str, str]:
        """Grant levels (``replace``: the ACL becomes exactly ``acl``); returns the new ACL."""
        c = rel.permissions.c
        where = (c.object_type == object_type, c.object_id == object_id)
        with self._engine.begin() as conn:
            if replace:
                conn.execute(rel.permissions.delete().where(*where))
            else:
                conn.execute(rel.permissions.delete().where(*where, c.principal.in_(list(acl))))
            for principal, level in acl.items():
                conn.execute(
                    rel.permissions.insert().values(
                        object_type=object_type,
                        object_id=object_id,
                        principal=principal,
                        level=level,
                    )
                )
        return self.levels(object_type, object_id)

    def drop(self, object_type: str, object_id: str) -> None:
        """Forget every grant on an object (when it is deleted)."""
        c = rel.permissions.c
        with self._engine.begin() as conn:
            conn.execute(
                rel.permissions.delete().where(
                    c.object_type == object_type, c.object_id == object_id
                )
            )
