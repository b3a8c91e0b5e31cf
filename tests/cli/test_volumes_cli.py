"""``lakeforge volumes``: create, list, describe, drop (in-process and in a fresh process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import cli
from _script import run_cli

from lakeforge.cli import exit_codes


@pytest.fixture
def cws(tmp_path: Path) -> Path:
    path = tmp_path / "cliws"
    assert cli(path, "init")[0] == 0
    assert cli(path, "schemas", "create", "main.raw")[0] == 0
    return path


def test_create_list_describe_drop(cws: Path) -> None:
    code, out = cli(cws, "volumes", "create", "main.raw.landing", "--comment", "drops", "--json")
    assert code == 0, out
    created = json.loads(out)
    assert created["full_name"] == "main.raw.landing"
    assert created["path"] == "/Volumes/main/raw/landing"
    folder = Path(created["storage_location"])
    assert folder.is_dir() and folder.is_relative_to(cws.resolve())
    code, out = cli(cws, "volumes", "list", "main.raw", "--json")
    assert [v["name"] for v in json.loads(out)] == ["landing"]
    code, out = cli(cws, "volumes", "list", "main.raw")
    assert code == 0 and "/Volumes/main/raw/landing" in out
    code, out = cli(cws, "volumes", "describe", "main.raw.landing")
    assert code == 0 and "drops" in out and "MANAGED" in out
    assert cli(cws, "volumes", "create", "main.raw.landing")[0] == exit_codes.ALREADY_EXISTS
    assert cli(cws, "volumes", "create", "main.raw.landing", "--if-not-exists")[0] == 0
    code, out = cli(cws, "volumes", "drop", "main.raw.landing", "--json")
    assert (code, json.loads(out)) == (0, {"dropped": True})
    assert not folder.exists()
    code, out = cli(cws, "volumes", "drop", "main.raw.landing", "--if-exists")
    assert code == 0 and "did not exist" in out
    code, out = cli(cws, "volumes", "describe", "main.raw.landing")
    assert code == exit_codes.NOT_FOUND and "CREATE VOLUME main.raw.landing" in out


@pytest.mark.slow
def test_volumes_in_a_fresh_process_and_directory(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    made = run_cli(folder, "volumes", "create", "landing", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["full_name"] == "main.default.landing"
    assert (folder / ".lakeforge" / "volumes" / "main" / "default" / "landing").is_dir()
    listed = run_cli(folder, "volumes", "list", "--json")
    assert [v["path"] for v in json.loads(listed.stdout)] == ["/Volumes/main/default/landing"]
    missing = run_cli(folder, "volumes", "describe", "main.default.nope")
    assert missing.returncode == exit_codes.NOT_FOUND
    assert "main.default.landing" in missing.stderr
