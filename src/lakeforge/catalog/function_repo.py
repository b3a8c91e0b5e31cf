"""Python functions registered in the catalog (source, entry point and signature)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.namespace_repo import schema_id
from lakeforge.catalog.records import FunctionInfo, FunctionParameter, now_ms
from lakeforge.errors import AlreadyExistsError, FunctionNotFoundError
from lakeforge.names import ObjectName, validate_part


def _function_row(conn: Connection, name: ObjectName) -> Row[Any]:
    sid = schema_id(conn, name.catalog, name.schema)
    f = rel.functions.c
    row = conn.execute(select(rel.functions).where(f.schema_id == sid, f.name == name.name)).first()
    if row is None:
        existing = conn.execute(select(f.name).where(f.schema_id == sid)).scalars().all()
        raise FunctionNotFoundError(
            name.full,
            [f"{name.schema_full}.{n}" for n in existing],
            "register it first (create_function)",
        )
    return row


def _info(name: ObjectName, row: Row[Any]) -> FunctionInfo:
    return FunctionInfo(
        name=name,
        function_id=row.function_id,
        source=row.source,
        entry_point=row.entry_point,
        parameters=tuple(FunctionParameter(p["name"], p["data_type"]) for p in row.parameters),
        return_type=row.return_type,
        language=row.language,
        description=row.description,
        owner=row.owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class FunctionRepository:
    """Create, read, list and drop catalog functions."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, info: FunctionInfo, *, replace: bool = False) -> FunctionInfo:
        """Register a function; with ``replace`` an existing one is overwritten.

        Raises:
            AlreadyExistsError: The function exists and ``replace`` is false.
        """
        stamp = now_ms()
        values = {
            "language": info.language,
            "source": info.source,
            "entry_point": info.entry_point,
            "parameters": [{"name": p.name, "data_type": p.data_type} for p in info.parameters],
            "return_type": info.return_type,
            "description": info.description,
            "owner": info.owner,
            "updated_at": stamp,
        }
        try:
            with self._engine.begin() as conn:
                sid = schema_id(conn, info.name.catalog, info.name.schema)
                f = rel.functions.c
                replaced = False
                if replace:
                    done = conn.execute(
                        rel.functions.update()
                        .where(f.schema_id == sid, f.name == info.name.name)
                        .values(**values)
                    )
                    replaced = bool(done.rowcount)
                if not replaced:
                    conn.execute(
                        rel.functions.insert().values(
                            schema_id=sid,
                            name=info.name.name,
                            function_id=info.function_id,
                            created_at=stamp,
                            **values,
                        )
                    )
            # Read back only after commit: a read inside the transaction would use another
            # connection and see the previous version of a replaced function.
        except IntegrityError:
            raise AlreadyExistsError("function", info.name.full) from None
        return self.get(info.name)

    def get(self, name: ObjectName) -> FunctionInfo:
        """Return one function."""
        with self._engine.connect() as conn:
            return _info(name, _function_row(conn, name))

    def list(self, catalog: str, schema: str) -> list[FunctionInfo]:
        """Functions of one schema, by name."""
        catalog = validate_part(catalog, role="catalog")
        schema = validate_part(schema, role="schema")
        with self._engine.connect() as conn:
            sid = schema_id(conn, catalog, schema)
            rows = conn.execute(
                select(rel.functions).where(rel.functions.c.schema_id == sid).order_by("name")
            ).all()
        return [_info(ObjectName(catalog, schema, r.name), r) for r in rows]

    def drop(self, name: ObjectName) -> None:
        """Remove a function."""
        with self._engine.begin() as conn:
            row = _function_row(conn, name)
            conn.execute(rel.functions.delete().where(rel.functions.c.id == row.id))
