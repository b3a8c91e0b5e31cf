"""The lakeforge CLI end to end: real workspace, real files, JSON output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _cli import cli, runner

from lakeforge.cli import exit_codes
from lakeforge.cli.app import app
from lakeforge.errors import (
    AlreadyExistsError,
    CommitConflictError,
    InvalidNameError,
    LakeforgeError,
    TableNotFoundError,
    WorkspaceError,
)


def run_json(ws: Path, *args: str) -> object:
    code, out = cli(ws, *args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def cws(tmp_path: Path) -> Path:
    path = tmp_path / "cliws"
    code, out = cli(path, "init")
    assert code == 0, out
    return path


def test_init_is_idempotent_and_reports_layout(tmp_path: Path) -> None:
    path = tmp_path / "w"
    first = run_json(path, "init")
    second = run_json(path, "init")
    assert first == second
    assert isinstance(first, dict)
    assert first["current"] == "main.default"
    assert (path / "lakeforge.toml").is_file()
    assert (path / "catalog.db").is_file()
    assert (path / "warehouse").is_dir()


def test_catalog_schema_table_lifecycle(cws: Path, tmp_path: Path) -> None:
    assert run_json(cws, "catalogs", "create", "dev", "--comment", "experiments")
    names = [c["name"] for c in run_json(cws, "catalogs", "list")]  # type: ignore[union-attr]
    assert names == ["dev", "main"]
    run_json(cws, "schemas", "create", "dev.gold")
    schemas = run_json(cws, "schemas", "list", "dev")
    assert [s["name"] for s in schemas] == ["default", "gold"]  # type: ignore[union-attr]
    info = run_json(
        cws,
        "tables",
        "create",
        "dev.gold.orders",
        "--schema",
        "id bigint, amount double, note string",
        "-k",
        "id",
    )
    assert info["columns"] == ["id bigint not null", "amount double", "note string"]  # type: ignore[index]
    data = tmp_path / "orders.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3], "amount": [1.0, 2.0, 3.0]}), data)
    written = run_json(
        cws, "tables", "write", "dev.gold.orders", "--from", str(data), "--mode", "merge"
    )
    assert written["rows_inserted"] == 3  # type: ignore[index]
    rows = run_json(cws, "sql", "SELECT id, amount FROM dev.gold.orders ORDER BY id")
    assert rows == [{"id": 1, "amount": 1.0}, {"id": 2, "amount": 2.0}, {"id": 3, "amount": 3.0}]
    head = run_json(cws, "tables", "head", "dev.gold.orders", "-n", "2")
    assert len(head) == 2  # type: ignore[arg-type]
    old = run_json(cws, "tables", "head", "dev.gold.orders", "--version", "0")
    assert old == []
    deleted = run_json(cws, "tables", "delete", "dev.gold.orders", "--where", "id = 2")
    assert deleted["rows_deleted"] == 1  # type: ignore[index]
    history = run_json(cws, "tables", "history", "dev.gold.orders")
    assert [h["operation"] for h in history] == ["DELETE", "MERGE", "CREATE TABLE"]  # type: ignore[index,union-attr]
    described = run_json(cws, "tables", "describe", "dev.gold.orders")
    assert described["version"] == 2  # type: ignore[index]
    assert run_json(cws, "tables", "list", "dev.gold")[0]["name"] == "dev.gold.orders"  # type: ignore[index]
    code, out = cli(cws, "catalogs", "drop", "dev")
    assert code == exit_codes.INVALID_INPUT
    assert "--cascade" in out
    assert run_json(cws, "catalogs", "drop", "dev", "--cascade") == {"dropped": True}
    assert not (cws / "warehouse" / "dev" / "gold" / "orders" / "_delta_log").exists()


def test_missing_table_lists_existing_and_exits_not_found(cws: Path) -> None:
    cli(cws, "tables", "create", "t1", "--schema", "a int")
    code, out = cli(cws, "tables", "describe", "main.default.nope")
    assert code == exit_codes.NOT_FOUND
    assert "main.default.t1" in out


def test_bad_name_exits_invalid_input_naming_the_part(cws: Path) -> None:
    code, out = cli(cws, "tables", "create", "main.default.a b", "--schema", "a int")
    assert code == exit_codes.INVALID_INPUT
    assert "'a b'" in out


def test_vacuum_below_seven_days_refused(cws: Path) -> None:
    cli(cws, "tables", "create", "t", "--schema", "a int")
    code, out = cli(cws, "tables", "vacuum", "t", "--retention-hours", "24")
    assert code == exit_codes.INVALID_INPUT
    assert "168" in out
    assert run_json(cws, "tables", "vacuum", "t", "--dry-run") == {"files": [], "dry_run": True}


def test_clean_reports_removed_files(cws: Path) -> None:
    cli(cws, "tables", "create", "t", "--schema", "a int")
    stray = cws / "warehouse" / "main" / "default" / "t" / "part-00000-dead.parquet"
    stray.write_bytes(b"partial")
    report = run_json(cws, "tables", "clean", "t")
    assert report["files"] == ["part-00000-dead.parquet"]  # type: ignore[index]
    assert not stray.exists()


def test_non_workspace_directory_points_to_init(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a workspace")
    code, out = cli(folder, "catalogs", "list")
    assert code == exit_codes.CONFIGURATION
    assert "lakeforge init" in out
    assert not (folder / "lakeforge.toml").exists()


def test_missing_workspace_is_created_on_first_use(tmp_path: Path) -> None:
    root = tmp_path / "nothing"
    command = [sys.executable, "-m", "lakeforge", "-w", str(root), "catalogs", "list", "--json"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert [c["name"] for c in json.loads(proc.stdout)] == ["main"]
    assert proc.stderr.strip() == f"lakeforge: created workspace {root} (first use)"
    assert (root / "lakeforge.toml").is_file()


def test_exit_code_mapping() -> None:
    assert exit_codes.exit_code(TableNotFoundError("x")) == exit_codes.NOT_FOUND
    assert exit_codes.exit_code(AlreadyExistsError("table", "x")) == exit_codes.ALREADY_EXISTS
    assert exit_codes.exit_code(InvalidNameError("a b", "a b", "bad")) == exit_codes.INVALID_INPUT
    assert exit_codes.exit_code(WorkspaceError("w", "p", "f")) == exit_codes.CONFIGURATION
    conflict = CommitConflictError("t", "merge", 3, 1.0)
    assert exit_codes.exit_code(conflict) == exit_codes.TEMPORARY_FAILURE
    assert exit_codes.exit_code(LakeforgeError("other")) == exit_codes.FAILURE


def test_real_process_json_error_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("x\n1\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lakeforge",
            "-w",
            str(tmp_path),  # not empty and not a workspace
            "sql",
            "SELECT 1",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == exit_codes.CONFIGURATION
    error = json.loads(proc.stderr)["error"]
    assert error["type"] == "WorkspaceError"
    assert proc.stdout == ""


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "catalogs", "schemas", "tables", "sql"):
        assert command in result.output
