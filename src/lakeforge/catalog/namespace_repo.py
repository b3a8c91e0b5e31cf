"""Catalogs and schemas: the namespace above tables and functions."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Row, Table, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import CatalogInfo, SchemaInfo, now_ms
from lakeforge.errors import (
    AlreadyExistsError,
    CatalogNotFoundError,
    NotEmptyError,
    SchemaNotFoundError,
    ValidationError,
)
from lakeforge.names import validate_part

DEFAULT_SCHEMA = "default"


def inserted_id(result: CursorResult[Any]) -> int:
    """Primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None, "INSERT returned no primary key"
    return int(key[0])


def catalog_id(conn: Connection, catalog: str) -> int:
    """Primary key of a catalog, or :class:`CatalogNotFoundError` listing existing catalogs."""
    found = conn.execute(select(rel.catalogs.c.id).where(rel.catalogs.c.name == catalog)).scalar()
    if found is None:
        existing = conn.execute(select(rel.catalogs.c.name)).scalars().all()
        raise CatalogNotFoundError(
            catalog, existing, "create it with `lakeforge catalogs create NAME`"
        )
    return int(found)


def schema_id(conn: Connection, catalog: str, schema: str) -> int:
    """Primary key of a schema, or a not-found error naming what exists one level up."""
    cat = catalog_id(conn, catalog)
    s = rel.schemas.c
    found = conn.execute(select(s.id).where(s.catalog_id == cat, s.name == schema)).scalar()
    if found is None:
        existing = conn.execute(select(s.name).where(s.catalog_id == cat)).scalars().all()
        raise SchemaNotFoundError(
            f"{catalog}.{schema}",
            [f"{catalog}.{n}" for n in existing],
            f"create it with `lakeforge schemas create {catalog}.{schema}`",
        )
    return int(found)


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Validate tag keys/values (non-empty string keys, string values)."""
    clean: dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError(f"tag key {key!r} is invalid", "use a non-empty string key")
        if not isinstance(value, str):
            raise ValidationError(
                f"tag {key!r} has a non-string value {value!r}", "pass tag values as strings"
            )
        clean[key] = value
    return clean


def merge_tags(
    conn: Connection, table: Table, row_id: int, set_: Mapping[str, str], unset: Sequence[str]
) -> dict[str, str]:
    """Set and remove tags on one row of a relation that has a ``tags`` JSON column."""
    current = conn.execute(select(table.c.tags).where(table.c.id == row_id)).scalar() or {}
    merged = {**current, **check_tags(set_)}
    for key in unset:
        merged.pop(key, None)
    conn.execute(
        table.update().where(table.c.id == row_id).values(tags=merged, updated_at=now_ms())
    )
    return merged


def _catalog(row: Row[Any]) -> CatalogInfo:
    return CatalogInfo(
        name=row.name,
        comment=row.comment,
        owner=row.owner,
        tags=dict(row.tags or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class CatalogRepository:
    """Create, read, list, update and drop catalogs."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        name: str,
        *,
        comment: str | None = None,
        owner: str | None = None,
        if_not_exists: bool = False,
    ) -> CatalogInfo:
        """Create a catalog with a ``default`` schema."""
        name = validate_part(name, role="catalog")
        stamp = now_ms()
        try:
            with self._engine.begin() as conn:
                result = conn.execute(
                    rel.catalogs.insert().values(
                        name=name,
                        comment=comment,
                        owner=owner,
                        tags={},
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
                conn.execute(
                    rel.schemas.insert().values(
                        catalog_id=inserted_id(result),
                        name=DEFAULT_SCHEMA,
                        comment="Default schema",
                        owner=owner,
                        tags={},
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
        except IntegrityError:
            if not if_not_exists:
                raise AlreadyExistsError("catalog", name) from None
        return self.get(name)

    def get(self, name: str) -> CatalogInfo:
        """Return one catalog."""
        name = validate_part(name, role="catalog")
        with self._engine.connect() as conn:
            cid = catalog_id(conn, name)
            row = conn.execute(select(rel.catalogs).where(rel.catalogs.c.id == cid)).one()
        return _catalog(row)

    def list(self) -> list[CatalogInfo]:
        """All catalogs, by name."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(rel.catalogs).order_by(rel.catalogs.c.name)).all()
        return [_catalog(r) for r in rows]

    def set_comment(self, name: str, comment: str | None) -> CatalogInfo:
        """Replace a catalog's comment."""
        with self._engine.begin() as conn:
            cid = catalog_id(conn, validate_part(name, role="catalog"))
            conn.execute(
                rel.catalogs.update()
                .where(rel.catalogs.c.id == cid)
                .values(comment=comment, updated_at=now_ms())
            )
        return self.get(name)

    def update_tags(
        self, name: str, set_: Mapping[str, str] | None = None, unset: Sequence[str] = ()
    ) -> dict[str, str]:
        """Set and/or remove tags; returns the resulting tags."""
        with self._engine.begin() as conn:
            cid = catalog_id(conn, validate_part(name, role="catalog"))
            return merge_tags(conn, rel.catalogs, cid, set_ or {}, unset)

    def children(self, name: str) -> builtins.list[str]:
        """What keeps a catalog from being dropped without cascade: schemas other than
        ``default`` and every table, function and volume under it (reference RESTRICT
        semantics)."""
        catalog = validate_part(name, role="catalog")
        with self._engine.connect() as conn:
            return _catalog_children(conn, catalog, catalog_id(conn, catalog))

    def drop(self, name: str, *, cascade: bool = False) -> None:
        """Drop a catalog's metadata (the caller removes table data first or after)."""
        name = validate_part(name, role="catalog")
        with self._engine.begin() as conn:
            cid = catalog_id(conn, name)
            inside = _catalog_children(conn, name, cid)
            if inside and not cascade:
                raise NotEmptyError("catalog", name, inside)
            conn.execute(rel.catalogs.delete().where(rel.catalogs.c.id == cid))


def _objects_under(conn: Connection, schema_filter: Any) -> list[str]:
    c, s = rel.catalogs.c, rel.schemas.c
    found: list[str] = []
    for obj in (rel.tables, rel.functions, rel.volumes):
        rows = conn.execute(
            select(c.name, s.name, obj.c.name)
            .select_from(obj.join(rel.schemas).join(rel.catalogs))
            .where(schema_filter)
        ).all()
        found.extend(f"{a}.{b}.{n}" for a, b, n in rows)
    return sorted(found)


def _catalog_children(conn: Connection, catalog: str, cid: int) -> list[str]:
    s = rel.schemas.c
    extra = conn.execute(
        select(s.name).where(s.catalog_id == cid, s.name != DEFAULT_SCHEMA)
    ).scalars()
    schemas = sorted(f"{catalog}.{n}" for n in extra)
    return schemas + _objects_under(conn, s.catalog_id == cid)


def _schema(catalog: str, row: Row[Any]) -> SchemaInfo:
    return SchemaInfo(
        catalog=catalog,
        name=row.name,
        comment=row.comment,
        owner=row.owner,
        tags=dict(row.tags or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SchemaRepository:
    """Create, read, list, update and drop schemas."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        catalog: str,
        name: str,
        *,
        comment: str | None = None,
        owner: str | None = None,
        if_not_exists: bool = False,
    ) -> SchemaInfo:
        """Create a schema in an existing catalog."""
        catalog = validate_part(catalog, role="catalog")
        name = validate_part(name, role="schema")
        stamp = now_ms()
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    rel.schemas.insert().values(
                        catalog_id=catalog_id(conn, catalog),
                        name=name,
                        comment=comment,
                        owner=owner,
                        tags={},
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
        except IntegrityError:
            if not if_not_exists:
                raise AlreadyExistsError("schema", f"{catalog}.{name}") from None
        return self.get(catalog, name)

    def get(self, catalog: str, name: str) -> SchemaInfo:
        """Return one schema."""
        catalog = validate_part(catalog, role="catalog")
        name = validate_part(name, role="schema")
        with self._engine.connect() as conn:
            sid = schema_id(conn, catalog, name)
            row = conn.execute(select(rel.schemas).where(rel.schemas.c.id == sid)).one()
        return _schema(catalog, row)

    def list(self, catalog: str) -> list[SchemaInfo]:
        """Schemas of one catalog, by name."""
        catalog = validate_part(catalog, role="catalog")
        with self._engine.connect() as conn:
            cid = catalog_id(conn, catalog)
            rows = conn.execute(
                select(rel.schemas).where(rel.schemas.c.catalog_id == cid).order_by("name")
            ).all()
        return [_schema(catalog, r) for r in rows]

    def set_comment(self, catalog: str, name: str, comment: str | None) -> SchemaInfo:
        """Replace a schema's comment."""
        with self._engine.begin() as conn:
            sid = schema_id(
                conn, validate_part(catalog, role="catalog"), validate_part(name, role="schema")
            )
            conn.execute(
                rel.schemas.update()
                .where(rel.schemas.c.id == sid)
                .values(comment=comment, updated_at=now_ms())
            )
        return self.get(catalog, name)

    def update_tags(
        self,
        catalog: str,
        name: str,
        set_: Mapping[str, str] | None = None,
        unset: Sequence[str] = (),
    ) -> dict[str, str]:
        """Set and/or remove tags; returns the resulting tags."""
        with self._engine.begin() as conn:
            sid = schema_id(
                conn, validate_part(catalog, role="catalog"), validate_part(name, role="schema")
            )
            return merge_tags(conn, rel.schemas, sid, set_ or {}, unset)

    def children(self, catalog: str, name: str) -> builtins.list[str]:
        """Full names of the tables, functions and volumes in a schema."""
        with self._engine.connect() as conn:
            sid = schema_id(
                conn, validate_part(catalog, role="catalog"), validate_part(name, role="schema")
            )
            return _objects_under(conn, rel.schemas.c.id == sid)

    def drop(self, catalog: str, name: str, *, cascade: bool = False) -> None:
        """Drop a schema's metadata."""
        catalog = validate_part(catalog, role="catalog")
        name = validate_part(name, role="schema")
        with self._engine.begin() as conn:
            sid = schema_id(conn, catalog, name)
            inside = _objects_under(conn, rel.schemas.c.id == sid)
            if inside and not cascade:
                raise NotEmptyError("schema", f"{catalog}.{name}", inside)
            conn.execute(rel.schemas.delete().where(rel.schemas.c.id == sid))
