"""``lakeforge secrets``: the value comes from stdin and is never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import cli
from _script import run_cli
from typer.testing import CliRunner

from lakeforge.cli import exit_codes
from lakeforge.cli.app import app

VALUE = "pa55-w0rd-9f8e7d"


@pytest.fixture
def cws(tmp_path: Path) -> Path:
    path = tmp_path / "cliws"
    assert cli(path, "init")[0] == 0
    return path


def _put(ws: Path, scope: str, key: str, stdin: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--workspace", str(ws), "secrets", "put", scope, key], input=stdin
    )
    return result.exit_code, result.output


def test_scopes_and_secrets_without_ever_printing_a_value(cws: Path) -> None:
    assert cli(cws, "secrets", "create-scope", "prod")[0] == 0
    assert cli(cws, "secrets", "create-scope", "prod")[0] == exit_codes.ALREADY_EXISTS
    code, out = _put(cws, "prod", "db_password", VALUE + "\n")
    assert code == 0 and "stored secret prod/db_password" in out and VALUE not in out
    outputs = [
        cli(cws, "secrets", "list", "prod"),
        cli(cws, "secrets", "list", "prod", "--json"),
        cli(cws, "secrets", "list-scopes"),
        cli(cws, "secrets", "list-scopes", "--json"),
    ]
    assert all(code == 0 for code, _ in outputs)
    assert all(VALUE not in out for _, out in outputs)
    assert [s["key"] for s in json.loads(outputs[1][1])] == ["db_password"]
    assert [s["name"] for s in json.loads(outputs[3][1])] == ["prod"]
    assert cli(cws, "secrets", "delete", "prod", "db_password")[0] == 0
    code, out = cli(cws, "secrets", "delete", "prod", "db_password")
    assert code == exit_codes.NOT_FOUND
    assert cli(cws, "secrets", "delete-scope", "prod")[0] == 0
    code, out = cli(cws, "secrets", "list", "prod")
    assert code == exit_codes.NOT_FOUND and "lakeforge secrets create-scope prod" in out


def test_the_value_is_stdin_exactly_less_one_trailing_newline(cws: Path) -> None:
    from lakeforge.tables.secret_store import SecretStore
    from lakeforge.tables.workspace import Workspace

    cli(cws, "secrets", "create-scope", "prod")
    _put(cws, "prod", "multi", "line one\nline two\n")
    _put(cws, "prod", "plain", "no-newline")
    ws = Workspace.open(cws)
    try:
        store = SecretStore(ws.settings, ws.metadata)
        assert store.get("prod", "multi") == "line one\nline two"
        assert store.get("prod", "plain") == "no-newline"
    finally:
        ws.close()


def test_put_takes_no_value_argument(cws: Path) -> None:
    cli(cws, "secrets", "create-scope", "prod")
    result = CliRunner().invoke(
        app, ["--workspace", str(cws), "secrets", "put", "prod", "k", VALUE], input=""
    )
    assert result.exit_code == exit_codes.USAGE


@pytest.mark.slow
def test_secrets_in_a_fresh_process_and_directory(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    assert run_cli(folder, "secrets", "create-scope", "prod").returncode == 0
    put = run_cli(folder, "secrets", "put", "prod", "token", stdin=VALUE + "\n")
    assert put.returncode == 0, put.stderr
    assert VALUE not in put.stdout + put.stderr
    listed = run_cli(folder, "secrets", "list", "prod", "--json")
    assert [s["key"] for s in json.loads(listed.stdout)] == ["token"]
    assert VALUE not in listed.stdout
    catalog = folder / ".lakeforge" / "catalog.db"
    assert VALUE.encode() not in catalog.read_bytes()
