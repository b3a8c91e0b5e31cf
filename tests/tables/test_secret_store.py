"""The secret store: values outside the catalog, owner-only files, limits and not-found errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lakeforge.errors import SecretNotFoundError, SecretScopeNotFoundError, ValidationError
from lakeforge.tables.secret_store import SecretStore
from lakeforge.tables.workspace import Workspace

VALUE = "s3cr3t-Value-42"


@pytest.fixture
def secrets(ws: Workspace) -> SecretStore:
    store = SecretStore(ws.settings, ws.metadata)
    store.create_scope("prod")
    return store


def test_put_get_list_and_delete(secrets: SecretStore) -> None:
    info = secrets.put("prod", "db_password", VALUE)
    assert (info.scope, info.key) == ("prod", "db_password")
    assert secrets.get("prod", "db_password") == VALUE
    secrets.put("prod", "db_password", "rotated")
    assert secrets.get("prod", "db_password") == "rotated"
    secrets.put("prod", "cert", b"\x00\xffbinary")
    assert secrets.get_bytes("prod", "cert") == b"\x00\xffbinary"
    assert [s.key for s in secrets.list("prod")] == ["cert", "db_password"]
    secrets.delete("prod", "cert")
    with pytest.raises(SecretNotFoundError) as missing:
        secrets.get("prod", "cert")
    assert missing.value.existing == ["db_password"]
    with pytest.raises(SecretScopeNotFoundError):
        secrets.put("nope", "k", "v")


def test_values_are_not_in_the_catalog_and_their_files_are_owner_only(
    ws: Workspace, secrets: SecretStore
) -> None:
    secrets.put("prod", "db_password", VALUE)
    assert VALUE.encode() not in Path(ws.settings.catalog_db).read_bytes()
    for wal in Path(ws.settings.workspace).glob("catalog.db*"):
        assert VALUE.encode() not in wal.read_bytes()
    folder = ws.settings.secrets_dir
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.iterdir() if p.suffix == ".json"]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)


def test_delete_scope_removes_its_values(ws: Workspace, secrets: SecretStore) -> None:
    secrets.put("prod", "db_password", VALUE)
    secrets.delete_scope("prod")
    assert not any(p.suffix == ".json" for p in ws.settings.secrets_dir.iterdir())
    assert secrets.list_scopes() == []


def test_a_value_over_128_kib_is_refused(secrets: SecretStore) -> None:
    with pytest.raises(ValidationError, match="128 KiB"):
        secrets.put("prod", "big", "x" * (128 * 1024 + 1))
    with pytest.raises(SecretNotFoundError):
        secrets.get("prod", "big")
