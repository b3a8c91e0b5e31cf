"""``lakeforge sql``: statements from the argument or a file, messages, rows, JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import cli

from lakeforge.cli import exit_codes


@pytest.fixture
def cws(tmp_path: Path) -> Path:
    path = tmp_path / "cliws"
    assert cli(path, "init")[0] == 0
    return path


def test_ddl_and_dml_print_what_happened_and_the_last_rows(cws: Path) -> None:
    code, out = cli(
        cws,
        "sql",
        "CREATE SCHEMA s; CREATE TABLE s.t (id BIGINT NOT NULL, v DOUBLE);"
        " INSERT INTO s.t VALUES (1, 2.5), (2, 3); SELECT * FROM s.t ORDER BY id",
    )
    assert code == 0, out
    assert "[1] CREATE SCHEMA: schema main.s exists" in out
    assert "[3] INSERT: inserted into main.s.t: 2 row(s)" in out
    assert "2.5" in out and "3.0" in out


def test_file_json_and_limit(cws: Path, tmp_path: Path) -> None:
    script = tmp_path / "q.sql"
    script.write_text(
        "-- a notebook-style file\nCREATE TABLE t AS SELECT * FROM range(5);\n"
        "SELECT id FROM t ORDER BY id;\n"
    )
    code, out = cli(cws, "sql", "--file", str(script), "--json", "--limit", "2")
    assert code == 0, out
    assert json.loads(out) == [{"id": 0}, {"id": 1}]
    code, out = cli(
        cws, "sql", "--json", "MERGE INTO t USING t s ON t.id = s.id WHEN MATCHED THEN DELETE"
    )
    assert json.loads(out) == [
        {
            "num_affected_rows": 5,
            "num_updated_rows": 0,
            "num_deleted_rows": 5,
            "num_inserted_rows": 0,
        }
    ]


def test_casts_are_printed(cws: Path) -> None:
    code, out = cli(
        cws, "sql", "CREATE TABLE c (x BIGINT); INSERT INTO c SELECT CAST(id AS INT) FROM range(2)"
    )
    assert code == 0, out
    assert "cast x: int -> bigint (2 rows, widened)" in out


def test_errors_and_usage(cws: Path, tmp_path: Path) -> None:
    code, out = cli(cws, "sql", "INSERT INTO nope VALUES (1)")
    assert code == exit_codes.NOT_FOUND and "nope" in out
    code, out = cli(cws, "sql", "GRANT SELECT ON TABLE t TO ann")
    assert code == exit_codes.INVALID_INPUT and "GRANT is not supported" in out
    assert cli(cws, "sql")[0] == exit_codes.USAGE
    assert cli(cws, "sql", "SELECT 1", "--file", str(tmp_path / "x.sql"))[0] == exit_codes.USAGE
