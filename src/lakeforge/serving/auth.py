"""Bearer tokens and endpoint permissions.

A token reads ``lfp_<id>_<secret>``. Only SHA-256 of the secret is stored (the secret has 256
random bits, so a fast hash is the right tool); checks compare digests in constant time
(:func:`hmac.compare_digest`). Tokens belong to a principal; admin tokens may do everything.
Endpoint permission levels are ``CAN_VIEW`` < ``CAN_QUERY`` < ``CAN_MANAGE``; an endpoint's
creator holds ``CAN_MANAGE``.

The server caches token and permission records for ``ttl`` seconds (1 s by default), so a
revocation made elsewhere (``lakeforge tokens revoke``) applies within that time, and at once
when made through this server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakeforge.catalog.records import now_ms
from lakeforge.catalog.token_repo import TokenRecord
from lakeforge.errors import AuthenticationError, PermissionDeniedError, ValidationError

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

PREFIX = "lfp"
OBJECT_TYPE = "serving-endpoints"
RANK = {"CAN_VIEW": 1, "CAN_QUERY": 2, "CAN_MANAGE": 3}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for."""

    name: str
    admin: bool = False


def digest(secret: str) -> str:
    """Stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    ws: Workspace,
    principal: str,
    *,
    admin: bool = False,
    lifetime_days: float | None = None,
    comment: str | None = None,
) -> tuple[str, TokenRecord]:
    """Create a token; the returned string is the only copy of its secret.

    Raises:
        ValidationError: Empty principal or a non-positive lifetime.
    """
    if not principal or not principal.strip():
        raise ValidationError("token principal is empty", "pass --user NAME")
    if lifetime_days is not None and lifetime_days <= 0:
        raise ValidationError(
            f"token lifetime {lifetime_days} days is not positive", "pass a positive number"
        )
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    created = now_ms()
    expires = None if lifetime_days is None else created + int(lifetime_days * 86_400_000)
    record = ws.metadata.tokens.create(
        TokenRecord(
            token_id=token_id,
            principal=principal.strip(),
            secret_hash=digest(secret),
            admin=admin,
            comment=comment,
            created_at=created,
            expires_at=expires,
        )
    )
    return f"{PREFIX}_{token_id}_{secret}", record


def _split(header: str | None) -> tuple[str, str]:
    if not header:
        raise AuthenticationError("no Authorization header")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError("the Authorization header is not 'Bearer <token>'")
    parts = value.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise AuthenticationError("the bearer token is not a lakeforge token")
    return parts[1], parts[2]


class Authenticator:
    """Checks bearer tokens and permission levels against the workspace (with a short cache).

    Args:
        ws: The workspace whose tokens and grants count.
        ttl: Seconds a fetched record is trusted.
    """

    def __init__(self, ws: Workspace, *, ttl: float = 1.0) -> None:
        self._ws = ws
        self._ttl = ttl
        self._tokens: dict[str, tuple[float, TokenRecord | None]] = {}
        self._grants: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop cached records (after a change made through this server)."""
        with self._lock:
            self._tokens.clear()
            self._grants.clear()

    def _token(self, token_id: str) -> TokenRecord | None:
        cached = self._tokens.get(token_id)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        record = self._ws.metadata.tokens.find(token_id)
        with self._lock:
            self._tokens[token_id] = (time.monotonic(), record)
        return record

    def authenticate(self, header: str | None) -> Principal:
        """The principal of an ``Authorization`` header.

        Raises:
            AuthenticationError: Missing, malformed, unknown, wrong, revoked or expired token.
        """
        token_id, secret = _split(header)
        record = self._token(token_id)
        given = digest(secret)
        # compare against a dummy digest for unknown ids too, so timing reveals nothing
        stored = record.secret_hash if record is not None else digest("")
        if not hmac.compare_digest(given, stored) or record is None:
            raise AuthenticationError(f"token {PREFIX}_{token_id} is not valid")
        if record.revoked_at is not None:
            raise AuthenticationError(f"token {PREFIX}_{token_id} was revoked")
        if record.expires_at is not None and record.expires_at <= now_ms():
            raise AuthenticationError(f"token {PREFIX}_{token_id} has expired")
        return Principal(record.principal, record.admin)

    def grants(self, endpoint_id: str) -> dict[str, str]:
        """Principal -> level on one endpoint (cached)."""
        cached = self._grants.get(endpoint_id)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        levels = self._ws.metadata.permissions.levels(OBJECT_TYPE, endpoint_id)
        with self._lock:
            self._grants[endpoint_id] = (time.monotonic(), levels)
        return levels

    def level(self, principal: Principal, endpoint_id: str) -> str | None:
        """The principal's level on an endpoint (admins manage everything)."""
        if principal.admin:
            return "CAN_MANAGE"
        return self.grants(endpoint_id).get(principal.name)

    def require(
        self, principal: Principal, endpoint: str, endpoint_id: str, needed: str, action: str
    ) -> None:
        """Raises PermissionDeniedError unless the principal holds ``needed`` or more."""
        held = self.level(principal, endpoint_id)
        if held is None or RANK[held] < RANK[needed]:
            raise PermissionDeniedError(principal.name, action, needed, endpoint)


def check_level(level: object) -> str:
    """A permission level name.

    Raises:
        ValidationError: Not one of CAN_VIEW, CAN_QUERY, CAN_MANAGE.
    """
    if level not in RANK:
        raise ValidationError(
            f"permission level {level!r} is not known", f"use one of {list(RANK)}"
        )
    return str(level)


__all__ = ["OBJECT_TYPE", "Authenticator", "Principal", "check_level", "digest", "issue"]
