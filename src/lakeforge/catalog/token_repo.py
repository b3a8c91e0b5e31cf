"""Access token records. Only a hash of each secret is stored; ``serving/`` issues and checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import IntegrityError

from lakeforge.catalog import relations as rel
from lakeforge.catalog.records import now_ms
from lakeforge.errors import AlreadyExistsError, TokenNotFoundError


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One issued token (never the secret itself).

    Attributes:
        token_id: Public id, also the first part of the token string.
        principal: Who the token acts for.
        secret_hash: Hex digest of the secret.
        admin: Whether the token may manage every endpoint and token.
        expires_at: Epoch ms after which it is refused (None: never).
        revoked_at: Epoch ms it was revoked at (None: active).
    """

    token_id: str
    principal: str
    secret_hash: str
    admin: bool = False
    comment: str | None = None
    created_at: int = 0
    expires_at: int | None = None
    revoked_at: int | None = None


def _record(row: Row[Any]) -> TokenRecord:
    return TokenRecord(
        token_id=row.token_id,
        principal=row.principal,
        secret_hash=row.secret_hash,
        admin=bool(row.admin),
        comment=row.comment,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class TokenRepository:
    """Store, read, list and revoke token records."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, record: TokenRecord) -> TokenRecord:
        """Store a new token record.

        Raises:
            AlreadyExistsError: The id is taken.
        """
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    rel.tokens.insert().values(
                        token_id=record.token_id,
                        principal=record.principal,
                        secret_hash=record.secret_hash,
                        admin=record.admin,
                        comment=record.comment,
                        created_at=record.created_at or now_ms(),
                        expires_at=record.expires_at,
                        revoked_at=record.revoked_at,
                    )
                )
        except IntegrityError:
            raise AlreadyExistsError("token", record.token_id) from None
        return self.get(record.token_id)

    def find(self, token_id: str) -> TokenRecord | None:
        """One token record, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(rel.tokens).where(rel.tokens.c.token_id == token_id)).first()
        return None if row is None else _record(row)

    def get(self, token_id: str) -> TokenRecord:
        """One token record.

        Raises:
            TokenNotFoundError: No token has that id.
        """
        found = self.find(token_id)
        if found is None:
            raise TokenNotFoundError(
                token_id, [t.token_id for t in self.list()], "see `lakeforge tokens list`"
            )
        return found

    def list(self) -> list[TokenRecord]:
        """Every token record, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(rel.tokens).order_by("created_at", "token_id")).all()
        return [_record(r) for r in rows]

    def revoke(self, token_id: str) -> TokenRecord:
        """Mark a token revoked (idempotent: the first revocation time is kept).

        Raises:
            TokenNotFoundError: No token has that id.
        """
        record = self.get(token_id)
        if record.revoked_at is None:
            with self._engine.begin() as conn:
                conn.execute(
                    rel.tokens.update()
                    .where(rel.tokens.c.token_id == token_id)
                    .values(revoked_at=now_ms())
                )
        return self.get(token_id)
