"""Splitting scripts, the command grammar, Delta's @ syntax, parameters and refusals."""

from __future__ import annotations

import pytest

from lakeforge.errors import SqlError, UnsupportedStatementError
from lakeforge.statements.parser import SUPPORTED, bind, split
from lakeforge.tables.workspace import Workspace


def test_semicolons_in_strings_comments_and_identifiers_do_not_split() -> None:
    statements = split("SELECT 'a;b' AS x; -- c;d\nSELECT `x;y` FROM t /* ; */;; SELECT 1")
    assert [s.text for s in statements] == [
        "SELECT 'a;b' AS x",
        "SELECT `x;y` FROM t",
        "SELECT 1",
    ]
    assert [s.index for s in statements] == [1, 2, 3]


def test_delta_at_syntax_becomes_version_and_timestamp_as_of() -> None:
    version, stamp = split("SELECT * FROM main.s.t@v12; SELECT * FROM t@20240102030405006 x")
    assert "VERSION AS OF 12" in version.tree.sql("databricks")  # type: ignore[union-attr]
    assert "TIMESTAMP AS OF '2024-01-02 03:04:05.006'" in stamp.tree.sql(  # type: ignore[union-attr]
        "databricks"
    )


def test_an_email_like_string_is_not_time_travel() -> None:
    (statement,) = split("SELECT 'a@v1' AS s")
    assert statement.tree.sql("databricks") == "SELECT 'a@v1' AS s"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "kind", "fields"),
    [
        (
            "CREATE CATALOG IF NOT EXISTS dev COMMENT 'x'",
            "CREATE CATALOG",
            {"name": ("dev",), "if_not_exists": True, "comment": "x"},
        ),
        (
            "DROP CATALOG IF EXISTS dev CASCADE",
            "DROP CATALOG",
            {"name": ("dev",), "if_exists": True, "cascade": True},
        ),
        ("SHOW CATALOGS LIKE 'm*'", "SHOW CATALOGS", {"pattern": "m*"}),
        ("SHOW DATABASES IN main 'a*|b'", "SHOW SCHEMAS", {"name": ("main",), "pattern": "a*|b"}),
        ("show tables from main.s", "SHOW TABLES", {"name": ("main", "s")}),
        ("DESC DETAIL main.s.t", "DESCRIBE DETAIL", {"name": ("main", "s", "t")}),
        ("DESCRIBE HISTORY t LIMIT 2", "DESCRIBE HISTORY", {"name": ("t",), "limit": 2}),
        ("OPTIMIZE t ZORDER BY (a, b)", "OPTIMIZE", {"zorder": ("a", "b")}),
        ("VACUUM t RETAIN 200 HOURS DRY RUN", "VACUUM", {"retain_hours": 200.0, "dry_run": True}),
        ("COMMENT ON CATALOG dev IS 'c'", "COMMENT ON CATALOG", {"comment": "c"}),
    ],
)
def test_commands_sqlglot_has_no_grammar_for(
    text: str, kind: str, fields: dict[str, object]
) -> None:
    (statement,) = split(text)
    assert statement.kind == kind
    assert statement.command is not None
    for key, value in fields.items():
        assert getattr(statement.command, key) == value


def test_kinds_of_parsed_statements() -> None:
    kinds = [
        s.kind
        for s in split(
            "SELECT 1; WITH x AS (SELECT 1) SELECT * FROM x; INSERT INTO t VALUES (1); "
            "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE; UPDATE t SET a = 1; "
            "DELETE FROM t; CREATE TABLE t (a INT); CREATE SCHEMA s; DROP TABLE t; "
            "ALTER TABLE t ADD COLUMNS (b INT); COMMENT ON TABLE t IS 'x'; DESCRIBE t; USE s"
        )
    ]
    assert kinds == [
        "SELECT",
        "SELECT",
        "INSERT",
        "MERGE",
        "UPDATE",
        "DELETE",
        "CREATE TABLE",
        "CREATE SCHEMA",
        "DROP TABLE",
        "ALTER TABLE",
        "COMMENT ON",
        "DESCRIBE",
        "USE",
    ]


def test_a_syntax_error_names_where(ws: Workspace) -> None:
    with pytest.raises(SqlError, match="cannot parse") as caught:
        split("SELECT FROM WHERE")
    assert "SELECT FROM WHERE" in str(caught.value)


def test_bad_command_tail_is_an_error() -> None:
    with pytest.raises(SqlError, match="expected the end of the statement"):
        split("VACUUM t NOW")


def test_empty_script_is_an_error() -> None:
    with pytest.raises(SqlError, match="no statement"):
        split(" ; -- nothing\n")


def test_parameters_are_bound_and_missing_ones_refused() -> None:
    statements = split("SELECT * FROM t WHERE id = :id AND name = :Name AND ok = :ok")
    bind(statements, {"id": 3, "name": "x'y", "ok": True})
    assert statements[0].tree.sql("databricks") == (  # type: ignore[union-attr]
        "SELECT * FROM t WHERE id = 3 AND name = 'x\\'y' AND ok = TRUE"
    )
    with pytest.raises(SqlError, match="':missing' has no value"):
        bind(split("SELECT :missing"), {})


def test_unsupported_statements_name_themselves_and_the_supported_list() -> None:
    from lakeforge.statements.parser import unsupported

    (statement,) = split("GRANT SELECT ON TABLE t TO ann")
    error = unsupported(statement)
    assert isinstance(error, UnsupportedStatementError)
    assert error.kind == "GRANT"
    assert "GRANT is not supported" in str(error)
    assert all(item in str(error) for item in SUPPORTED)
