"""Table metadata: location, columns, keys, partitioning, description, tags, properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.namespace_repo import inserted_id, merge_tags, schema_id
from lakeforge.catalog.records import ColumnInfo, TableInfo, now_ms
from lakeforge.errors import (
    AlreadyExistsError,
    NotFoundError,
    TableNotFoundError,
    ValidationError,
)
from lakeforge.names import ObjectName, validate_part


def _table_pk(conn: Connection, name: ObjectName) -> int:
    sid = schema_id(conn, name.catalog, name.schema)
    t = rel.tables.c
    found = conn.execute(select(t.id).where(t.schema_id == sid, t.name == name.name)).scalar()
    if found is None:
        existing = conn.execute(select(t.name).where(t.schema_id == sid)).scalars().all()
        raise TableNotFoundError(
            name.full,
            [f"{name.schema_full}.{n}" for n in existing],
            "check the name, or create it (lakeforge tables create / create_table)",
        )
    return int(found)


def _columns(conn: Connection, table_pk: int) -> tuple[ColumnInfo, ...]:
    c = rel.columns.c
    rows = conn.execute(
        select(c.name, c.data_type, c.nullable, c.comment)
        .where(c.table_pk == table_pk)
        .order_by(c.position)
    ).all()
    return tuple(ColumnInfo(r.name, r.data_type, bool(r.nullable), r.comment) for r in rows)


def _check_columns(
    table: str,
    columns: Sequence[ColumnInfo],
    primary_keys: Sequence[str],
    timeseries_key: str | None,
    partition_columns: Sequence[str],
) -> None:
    """Column names are unique and every key/partition column is one of them."""
    names = [c.name for c in columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError(
            f"table {table!r}: column name(s) {repeated} appear more than once",
            "give every column a distinct name",
        )
    if timeseries_key is not None and timeseries_key not in primary_keys:
        raise ValidationError(
            f"table {table!r}: timeseries key {timeseries_key!r} is not one of the primary keys "
            f"{list(primary_keys)}",
            f"add {timeseries_key!r} to primary_keys",
        )
    for role, cols in (("primary key", primary_keys), ("partition", partition_columns)):
        missing = [c for c in cols if c not in names]
        if missing:
            raise ValidationError(
                f"table {table!r}: {role} column(s) {missing} are not among the columns {names}",
                "fix the column names or add the columns",
            )


def _write_columns(conn: Connection, table_pk: int, columns: Sequence[ColumnInfo]) -> None:
    conn.execute(rel.columns.delete().where(rel.columns.c.table_pk == table_pk))
    if columns:
        conn.execute(
            rel.columns.insert(),
            [
                {
                    "table_pk": table_pk,
                    "position": i,
                    "name": col.name,
                    "data_type": col.data_type,
                    "nullable": col.nullable,
                    "comment": col.comment,
                }
                for i, col in enumerate(columns)
            ],
        )


def _info(conn: Connection, name: ObjectName, row: Row[Any]) -> TableInfo:
    return TableInfo(
        name=name,
        table_id=row.table_id,
        location=row.location,
        columns=_columns(conn, row.id),
        primary_keys=tuple(row.primary_keys or ()),
        timeseries_key=row.timeseries_key,
        partition_columns=tuple(row.partition_columns or ()),
        description=row.description,
        owner=row.owner,
        tags=dict(row.tags or {}),
        properties=dict(row.properties or {}),
        table_type=row.table_type,
        data_format=row.data_format,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class TableRepository:
    """Create, read, list, update and drop table metadata (never table data)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, info: TableInfo) -> TableInfo:
        """Register a table; the catalog and schema must exist.

        Raises:
            AlreadyExistsError: A table of that name is registered.
        """
        _check_columns(
            info.name.full,
            info.columns,
            info.primary_keys,
            info.timeseries_key,
            info.partition_columns,
        )
        stamp = now_ms()
        try:
            with self._engine.begin() as conn:
                result = conn.execute(
                    rel.tables.insert().values(
                        schema_id=schema_id(conn, info.name.catalog, info.name.schema),
                        name=info.name.name,
                        table_id=info.table_id,
                        table_type=info.table_type,
                        data_format=info.data_format,
                        location=info.location,
                        description=info.description,
                        owner=info.owner,
                        primary_keys=list(info.primary_keys),
                        timeseries_key=info.timeseries_key,
                        partition_columns=list(info.partition_columns),
                        tags=dict(info.tags),
                        properties=dict(info.properties),
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
                _write_columns(conn, inserted_id(result), info.columns)
        except IntegrityError:
            raise AlreadyExistsError("table", info.name.full) from None
        return self.get(info.name)

    def get(self, name: ObjectName) -> TableInfo:
        """Return one table's metadata."""
        with self._engine.connect() as conn:
            pk = _table_pk(conn, name)
            row = conn.execute(select(rel.tables).where(rel.tables.c.id == pk)).one()
            return _info(conn, name, row)

    def exists(self, name: ObjectName) -> bool:
        """True when the table is registered (catalog/schema missing counts as absent)."""
        try:
            self.get(name)
        except NotFoundError:
            return False
        return True

    def list(self, catalog: str, schema: str) -> list[TableInfo]:
        """Tables of one schema, by name."""
        catalog = validate_part(catalog, role="catalog")
        schema = validate_part(schema, role="schema")
        with self._engine.connect() as conn:
            sid = schema_id(conn, catalog, schema)
            rows = conn.execute(
                select(rel.tables).where(rel.tables.c.schema_id == sid).order_by("name")
            ).all()
            return [_info(conn, ObjectName(catalog, schema, r.name), r) for r in rows]

    def update(
        self,
        name: ObjectName,
        *,
        columns: Sequence[ColumnInfo] | None = None,
        description: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> TableInfo:
        """Replace columns and/or description; merge ``properties`` into the stored ones."""
        with self._engine.begin() as conn:
            pk = _table_pk(conn, name)
            if columns is not None:
                t = rel.tables.c
                roles = conn.execute(
                    select(t.primary_keys, t.timeseries_key, t.partition_columns).where(t.id == pk)
                ).one()
                _check_columns(
                    name.full,
                    columns,
                    roles.primary_keys or (),
                    roles.timeseries_key,
                    roles.partition_columns or (),
                )
            values: dict[str, Any] = {"updated_at": now_ms()}
            if description is not None:
                values["description"] = description
            if properties:
                current = conn.execute(
                    select(rel.tables.c.properties).where(rel.tables.c.id == pk)
                ).scalar()
                values["properties"] = {**(current or {}), **properties}
            conn.execute(rel.tables.update().where(rel.tables.c.id == pk).values(**values))
            if columns is not None:
                _write_columns(conn, pk, columns)
        return self.get(name)

    def set_roles(
        self,
        name: ObjectName,
        *,
        primary_keys: Sequence[str],
        timeseries_key: str | None,
        partition_columns: Sequence[str],
    ) -> TableInfo:
        """Replace a table's primary key (with its timeseries key) and partition columns
        (``ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY``, ``CREATE OR REPLACE TABLE``)."""
        with self._engine.begin() as conn:
            pk = _table_pk(conn, name)
            _check_columns(
                name.full, _columns(conn, pk), primary_keys, timeseries_key, partition_columns
            )
            conn.execute(
                rel.tables.update()
                .where(rel.tables.c.id == pk)
                .values(
                    primary_keys=list(primary_keys),
                    timeseries_key=timeseries_key,
                    partition_columns=list(partition_columns),
                    updated_at=now_ms(),
                )
            )
        return self.get(name)

    def update_tags(
        self, name: ObjectName, set_: Mapping[str, str] | None = None, unset: Sequence[str] = ()
    ) -> dict[str, str]:
        """Set and/or remove tags; returns the resulting tags."""
        with self._engine.begin() as conn:
            return merge_tags(conn, rel.tables, _table_pk(conn, name), set_ or {}, unset)

    def drop(self, name: ObjectName) -> TableInfo:
        """Remove a table's metadata and return what was removed."""
        with self._engine.begin() as conn:
            pk = _table_pk(conn, name)
            row = conn.execute(select(rel.tables).where(rel.tables.c.id == pk)).one()
            info = _info(conn, name, row)
            conn.execute(rel.tables.delete().where(rel.tables.c.id == pk))
        return info
