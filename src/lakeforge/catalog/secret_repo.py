"""Secret scopes and the names of their keys. Values are never stored here (see
:mod:`lakeforge.tables.secret_store`): a dump of the metadata store shows no secret.

Names follow the reference: a scope is 1-128 letters, digits, ``-``, ``_``, ``.`` or ``@``; a key
the same without ``@``. Both are case-sensitive.
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import SecretInfo, SecretScopeInfo, now_ms
from lakeforge.errors import (
    AlreadyExistsError,
    InvalidNameError,
    SecretNotFoundError,
    SecretScopeNotFoundError,
)

_SCOPE = re.compile(r"[A-Za-z0-9_.@-]{1,128}")
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def check_scope(scope: str) -> str:
    """Validate a secret scope name.

    Raises:
        InvalidNameError: Naming the rule it breaks.
    """
    if not isinstance(scope, str) or not _SCOPE.fullmatch(scope) or scope in (".", ".."):
        raise InvalidNameError(
            str(scope),
            str(scope),
            "is not a valid secret scope name",
            "use 1-128 letters, digits, '-', '_', '.' or '@'",
        )
    return scope


def check_key(key: str) -> str:
    """Validate a secret key name.

    Raises:
        InvalidNameError: Naming the rule it breaks.
    """
    if not isinstance(key, str) or not _KEY.fullmatch(key) or key in (".", ".."):
        raise InvalidNameError(
            str(key),
            str(key),
            "is not a valid secret key",
            "use 1-128 letters, digits, '-', '_' or '.'",
        )
    return key


def _scope_row(conn: Connection, scope: str) -> Row[Any]:
    s = rel.secret_scopes.c
    row = conn.execute(select(rel.secret_scopes).where(s.name == check_scope(scope))).first()
    if row is None:
        existing = conn.execute(select(s.name)).scalars().all()
        raise SecretScopeNotFoundError(
            scope, existing, f"create it: lakeforge secrets create-scope {scope}"
        )
    return row


def _secret(scope: str, row: Row[Any]) -> SecretInfo:
    return SecretInfo(scope, row.key, row.created_at, row.updated_at)


class SecretRepository:
    """Scopes and key names: create, list, look up and delete."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_scope(self, scope: str, *, if_not_exists: bool = False) -> SecretScopeInfo:
        """Create a scope.

        Raises:
            AlreadyExistsError: It exists and ``if_not_exists`` is false.
        """
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    rel.secret_scopes.insert().values(
                        name=check_scope(scope), backend_type="DATABRICKS", created_at=now_ms()
                    )
                )
        except IntegrityError:
            if not if_not_exists:
                raise AlreadyExistsError("secret scope", scope) from None
        return self.get_scope(scope)

    def get_scope(self, scope: str) -> SecretScopeInfo:
        """One scope."""
        with self._engine.connect() as conn:
            row = _scope_row(conn, scope)
        return SecretScopeInfo(row.name, row.backend_type, row.created_at)

    def list_scopes(self) -> builtins.list[SecretScopeInfo]:
        """Every scope, by name."""
        s = rel.secret_scopes.c
        with self._engine.connect() as conn:
            rows = conn.execute(select(rel.secret_scopes).order_by(s.name)).all()
        return [SecretScopeInfo(r.name, r.backend_type, r.created_at) for r in rows]

    def delete_scope(self, scope: str) -> None:
        """Delete a scope with the names of its keys."""
        with self._engine.begin() as conn:
            row = _scope_row(conn, scope)
            conn.execute(rel.secret_scopes.delete().where(rel.secret_scopes.c.id == row.id))

    def record(self, scope: str, key: str) -> SecretInfo:
        """Record that ``key`` exists in ``scope`` (new, or updated now)."""
        check_key(key)
        stamp = now_ms()
        c = rel.secrets.c
        with self._engine.begin() as conn:
            sid = _scope_row(conn, scope).id
            done = conn.execute(
                rel.secrets.update().where(c.scope_id == sid, c.key == key).values(updated_at=stamp)
            )
            if not done.rowcount:
                conn.execute(
                    rel.secrets.insert().values(
                        scope_id=sid, key=key, created_at=stamp, updated_at=stamp
                    )
                )
        return self.get(scope, key)

    def get(self, scope: str, key: str) -> SecretInfo:
        """The metadata of one secret.

        Raises:
            SecretScopeNotFoundError: No such scope.
            SecretNotFoundError: The scope has no such key (the error lists its keys).
        """
        c = rel.secrets.c
        with self._engine.connect() as conn:
            sid = _scope_row(conn, scope).id
            row = conn.execute(select(rel.secrets).where(c.scope_id == sid, c.key == key)).first()
            if row is None:
                keys = conn.execute(select(c.key).where(c.scope_id == sid)).scalars().all()
                raise SecretNotFoundError(
                    f"{scope}/{key}",
                    keys,
                    f"put it: lakeforge secrets put {scope} {check_key(key)} (value from stdin)",
                )
        return _secret(scope, row)

    def list(self, scope: str) -> builtins.list[SecretInfo]:
        """The keys of a scope, by name."""
        c = rel.secrets.c
        with self._engine.connect() as conn:
            sid = _scope_row(conn, scope).id
            rows = conn.execute(select(rel.secrets).where(c.scope_id == sid).order_by(c.key)).all()
        return [_secret(scope, r) for r in rows]

    def delete(self, scope: str, key: str) -> None:
        """Forget a key (the value store removes the value after)."""
        self.get(scope, key)
        c = rel.secrets.c
        with self._engine.begin() as conn:
            sid = _scope_row(conn, scope).id
            conn.execute(rel.secrets.delete().where(c.scope_id == sid, c.key == key))
