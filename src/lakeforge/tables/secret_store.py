"""The workspace's secrets: scopes and key names in the catalog, values in owner-only files.

Values are kept out of the metadata store so that a dump or copy of ``catalog.db`` shows no
secret: each scope's values live in ``<workspace>/secrets/<scope>.json`` (folder ``0700``, file
``0600``, rewritten whole by an atomic rename under a lock). Ordering rule as for tables: a put
writes the value, then records the key; a delete forgets the key, then the value. A value
without a key entry is invisible and is overwritten by the next put.
"""

from __future__ import annotations

import base64
import builtins
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lakeforge.catalog.records import SecretInfo, SecretScopeInfo
from lakeforge.catalog.secret_repo import check_key, check_scope
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import LakeforgeError, ValidationError
from lakeforge.settings import Settings

VALUE_LIMIT = 128 * 1024  # the reference's limit for one secret value


class SecretStore:
    """Create scopes, put, get, list and delete secrets of one workspace."""

    def __init__(self, settings: Settings, metadata: MetadataStore) -> None:
        self.settings = settings
        self.metadata = metadata

    # -- value files ---------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """Where the values are kept."""
        return self.settings.secrets_dir

    def _file(self, scope: str) -> Path:
        return self.folder / f"{check_scope(scope)}.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self, scope: str) -> dict[str, str]:
        path = self._file(scope)
        if not path.is_file():
            return {}
        data = json.loads(path.read_text())
        return {str(k): str(v) for k, v in data.items()}

    def _write(self, scope: str, values: dict[str, str]) -> None:
        path = self._file(scope)
        if not values:
            path.unlink(missing_ok=True)
            return
        staging = self.folder / f".{path.name}.{uuid.uuid4().hex}"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(values, handle)
        staging.replace(path)

    # -- scopes --------------------------------------------------------------------------
    def create_scope(self, scope: str, *, if_not_exists: bool = False) -> SecretScopeInfo:
        """Create a scope.

        Raises:
            AlreadyExistsError: It exists and ``if_not_exists`` is false.
            InvalidNameError: The name breaks the scope-name rules.
        """
        return self.metadata.secrets.create_scope(scope, if_not_exists=if_not_exists)

    def list_scopes(self) -> builtins.list[SecretScopeInfo]:
        """Every scope, by name."""
        return self.metadata.secrets.list_scopes()

    def delete_scope(self, scope: str) -> None:
        """Delete a scope and every secret in it."""
        self.metadata.secrets.delete_scope(scope)
        with self._locked():
            self._write(scope, {})

    # -- secrets -------------------------------------------------------------------------
    def put(self, scope: str, key: str, value: str | bytes) -> SecretInfo:
        """Store ``value`` (text is kept as UTF-8) under ``scope``/``key``.

        Raises:
            SecretScopeNotFoundError: The scope does not exist.
            ValidationError: The value is over 128 KiB.
        """
        self.metadata.secrets.get_scope(scope)
        check_key(key)
        data = value.encode() if isinstance(value, str) else bytes(value)
        if len(data) > VALUE_LIMIT:
            raise ValidationError(
                f"secret {scope}/{key} is {len(data)} bytes, over the 128 KiB limit",
                "store large material in a volume and keep only a reference in the secret",
            )
        with self._locked():
            values = self._read(scope)
            values[key] = base64.b64encode(data).decode()
            self._write(scope, values)
        return self.metadata.secrets.record(scope, key)

    def get_bytes(self, scope: str, key: str) -> bytes:
        """The value of a secret.

        Raises:
            SecretScopeNotFoundError: The scope does not exist.
            SecretNotFoundError: The scope has no such key (the error lists its keys).
        """
        self.metadata.secrets.get(scope, key)
        encoded = self._read(scope).get(key)
        if encoded is None:
            raise LakeforgeError(
                f"secret {scope}/{key} is registered but its value is missing from {self.folder}",
                f"put it again: lakeforge secrets put {scope} {key}",
            )
        return base64.b64decode(encoded)

    def get(self, scope: str, key: str) -> str:
        """The value of a secret as text (UTF-8)."""
        return self.get_bytes(scope, key).decode()

    def list(self, scope: str) -> builtins.list[SecretInfo]:
        """The keys of a scope (metadata only), by name."""
        return self.metadata.secrets.list(scope)

    def delete(self, scope: str, key: str) -> None:
        """Delete one secret."""
        self.metadata.secrets.delete(scope, key)
        with self._locked():
            values = self._read(scope)
            values.pop(key, None)
            self._write(scope, values)
