"""Secret scopes and key names in the catalog: rules, lookups, listings, and never a value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakeforge.catalog.secret_repo import check_key, check_scope
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import (
    AlreadyExistsError,
    InvalidNameError,
    SecretNotFoundError,
    SecretScopeNotFoundError,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with MetadataStore(f"sqlite:///{tmp_path / 'catalog.db'}") as metadata:
        yield metadata


def test_scopes_create_list_and_delete(store: MetadataStore) -> None:
    store.secrets.create_scope("prod")
    info = store.secrets.create_scope("team@ml.dev-1")
    assert (info.name, info.backend_type) == ("team@ml.dev-1", "DATABRICKS")
    with pytest.raises(AlreadyExistsError, match="secret scope 'prod'"):
        store.secrets.create_scope("prod")
    assert store.secrets.create_scope("prod", if_not_exists=True).name == "prod"
    assert [s.name for s in store.secrets.list_scopes()] == ["prod", "team@ml.dev-1"]
    store.secrets.record("prod", "token")
    store.secrets.delete_scope("prod")  # its keys go with it
    assert [s.name for s in store.secrets.list_scopes()] == ["team@ml.dev-1"]
    with pytest.raises(SecretScopeNotFoundError) as missing:
        store.secrets.get_scope("prod")
    assert missing.value.existing == ["team@ml.dev-1"]
    assert "lakeforge secrets create-scope prod" in str(missing.value)


def test_keys_are_recorded_updated_listed_and_deleted(store: MetadataStore) -> None:
    store.secrets.create_scope("prod")
    first = store.secrets.record("prod", "db_password")
    again = store.secrets.record("prod", "db_password")
    assert again.created_at == first.created_at
    assert again.last_updated_timestamp >= first.last_updated_timestamp
    store.secrets.record("prod", "api.token")
    assert [s.key for s in store.secrets.list("prod")] == ["api.token", "db_password"]
    with pytest.raises(SecretNotFoundError) as missing:
        store.secrets.get("prod", "db_pasword")
    assert missing.value.existing == ["api.token", "db_password"]
    assert "lakeforge secrets put prod db_pasword" in str(missing.value)
    store.secrets.delete("prod", "db_password")
    assert [s.key for s in store.secrets.list("prod")] == ["api.token"]
    with pytest.raises(SecretNotFoundError):
        store.secrets.delete("prod", "db_password")
    with pytest.raises(SecretScopeNotFoundError):
        store.secrets.record("nope", "k")


@pytest.mark.parametrize("bad", ["", "a b", "a/b", "..", ".", "x" * 129, "é"])
def test_bad_scope_names_are_refused(bad: str) -> None:
    with pytest.raises(InvalidNameError, match="secret scope"):
        check_scope(bad)


@pytest.mark.parametrize("bad", ["", "a@b", "a/b", "..", "k" * 129])
def test_bad_key_names_are_refused(bad: str) -> None:
    with pytest.raises(InvalidNameError, match="secret key"):
        check_key(bad)


def test_good_names_pass_unchanged() -> None:
    assert check_scope("Team_A-1.x@y") == "Team_A-1.x@y"
    assert check_key("DB.password-2_x") == "DB.password-2_x"
