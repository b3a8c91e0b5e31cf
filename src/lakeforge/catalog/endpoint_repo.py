"""Serving endpoint records: name, owner, active and pending config, last reported state.

The catalog keeps configs as validated JSON documents; their meaning belongs to ``serving/``.
``config_version`` increases with every accepted change, so a server can tell what it has
deployed from what it still has to deploy, and two writers cannot both win a change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import now_ms
from lakeforge.errors import AlreadyExistsError, ConflictError, EndpointNotFoundError


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    """One serving endpoint as stored.

    Attributes:
        name: Endpoint name (unique in the workspace).
        creator: Principal who created it.
        config: The config being served (None until the first one is deployed).
        pending_config: A config accepted but not deployed yet.
        config_version: Number of the latest accepted config.
        state: ``ready``, ``config_update`` and per-entity deployment states.
        tags: ``[{"key": ..., "value": ...}]``.
    """

    name: str
    creator: str
    config: dict[str, Any] | None = None
    pending_config: dict[str, Any] | None = None
    config_version: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)
    description: str | None = None
    endpoint_id: str = ""
    created_at: int = 0
    updated_at: int = 0


def _record(row: Row[Any]) -> EndpointRecord:
    return EndpointRecord(
        name=row.name,
        creator=row.creator,
        config=row.config,
        pending_config=row.pending_config,
        config_version=row.config_version,
        state=dict(row.state or {}),
        tags=list(row.tags or []),
        description=row.description,
        endpoint_id=row.endpoint_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class EndpointRepository:
    """Create, read, list, change and delete serving endpoint records."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, record: EndpointRecord) -> EndpointRecord:
        """Store a new endpoint (a fresh id and timestamps are assigned).

        Raises:
            AlreadyExistsError: An endpoint of that name exists.
        """
        stamp = now_ms()
        stored = replace(record, endpoint_id=uuid.uuid4().hex, created_at=stamp, updated_at=stamp)
        values = {f: getattr(stored, f) for f in EndpointRecord.__dataclass_fields__}
        try:
            with self._engine.begin() as conn:
                conn.execute(rel.serving_endpoints.insert().values(**values))
        except IntegrityError:
            raise AlreadyExistsError("serving endpoint", record.name) from None
        return stored

    def get(self, name: str) -> EndpointRecord:
        """One endpoint.

        Raises:
            EndpointNotFoundError: No endpoint has that name (existing names listed).
        """
        with self._engine.connect() as conn:
            row = conn.execute(
                select(rel.serving_endpoints).where(rel.serving_endpoints.c.name == name)
            ).first()
        if row is None:
            raise EndpointNotFoundError(
                name,
                [r.name for r in self.list()],
                "create it: POST /api/2.0/serving-endpoints or `lakeforge endpoints create`",
            )
        return _record(row)

    def list(self) -> list[EndpointRecord]:
        """Every endpoint, by name."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(rel.serving_endpoints).order_by("name")).all()
        return [_record(r) for r in rows]

    def update(
        self, name: str, *, expect_version: int | None = None, **values: Any
    ) -> EndpointRecord:
        """Change stored fields of an endpoint.

        Args:
            name: The endpoint.
            expect_version: When given, the change applies only if the stored
                ``config_version`` still equals it (no lost update between two writers).
            **values: Fields of :class:`EndpointRecord` to set.

        Raises:
            EndpointNotFoundError: No such endpoint.
            ConflictError: ``expect_version`` no longer matches.
        """
        unknown = set(values) - set(EndpointRecord.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown endpoint fields: {sorted(unknown)}")
        c = rel.serving_endpoints.c
        query = rel.serving_endpoints.update().where(c.name == name)
        if expect_version is not None:
            query = query.where(c.config_version == expect_version)
        with self._engine.begin() as conn:
            done = conn.execute(query.values(updated_at=now_ms(), **values))
        if not done.rowcount:
            current = self.get(name)  # raises EndpointNotFoundError when it is gone
            raise ConflictError(
                name,
                f"changed while this update was prepared (config version "
                f"{current.config_version}, expected {expect_version})",
                "read the endpoint again and repeat the update",
            )
        return self.get(name)

    def delete(self, name: str) -> None:
        """Remove an endpoint record.

        Raises:
            EndpointNotFoundError: No such endpoint.
        """
        with self._engine.begin() as conn:
            done = conn.execute(
                rel.serving_endpoints.delete().where(rel.serving_endpoints.c.name == name)
            )
        if not done.rowcount:
            self.get(name)
