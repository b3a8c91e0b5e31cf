"""Statements in the reference dialect (Databricks SQL): split, classified and parsed.

sqlglot's Databricks dialect parses almost every statement lakeforge runs. A few it only knows
as opaque text (``CREATE CATALOG``, ``DROP CATALOG``, ``SHOW ...``, ``DESCRIBE DETAIL``,
``OPTIMIZE``, ``VACUUM``, the ``VOLUME`` statements); those are read here from sqlglot's
tokens with a small grammar of their own, so nothing is matched with regular expressions on
raw SQL. Delta's ``t@v3`` / ``t@20240101000000000`` time-travel shorthand is rewritten to
``VERSION AS OF`` / ``TIMESTAMP AS OF`` on the tokens before parsing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlglot
from sqlglot import exp
from sqlglot.dialects.databricks import Databricks
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from lakeforge.errors import SqlError, UnsupportedStatementError

DIALECT = "databricks"
SUPPORTED = (
    "SELECT (with VERSION AS OF / TIMESTAMP AS OF / @v<n>)",
    "CREATE CATALOG",
    "CREATE SCHEMA",
    "CREATE [OR REPLACE] TABLE [AS SELECT]",
    "INSERT INTO|OVERWRITE",
    "MERGE INTO",
    "UPDATE",
    "DELETE FROM",
    "DROP TABLE|SCHEMA|CATALOG",
    "ALTER TABLE ADD COLUMNS|ADD CONSTRAINT PRIMARY KEY|ALTER COLUMN|SET TBLPROPERTIES|SET TAGS",
    "COMMENT ON CATALOG|SCHEMA|TABLE",
    "DESCRIBE [TABLE] [EXTENDED]",
    "DESCRIBE HISTORY|DETAIL",
    "SHOW CATALOGS|SCHEMAS|TABLES",
    "USE CATALOG|SCHEMA",
    "OPTIMIZE",
    "VACUUM",
    "CREATE VOLUME [IF NOT EXISTS] [COMMENT '...']",
    "DROP VOLUME [IF EXISTS]",
    "SHOW VOLUMES [IN [c.]s]",
    "DESCRIBE VOLUME",
    "COMMENT ON VOLUME",
    "SELECT ... FROM delta.`path` | parquet.`path` | csv.`path` | json.`path`",
)
_NAME_TOKENS = {TokenType.VAR, TokenType.IDENTIFIER}
_sqlglot_log = logging.getLogger("sqlglot")


@dataclass(frozen=True, slots=True)
class Command:
    """A statement sqlglot has no grammar for, read from its tokens."""

    kind: str
    name: tuple[str, ...] = ()
    if_exists: bool = False
    if_not_exists: bool = False
    cascade: bool = False
    comment: str | None = None
    pattern: str | None = None
    zorder: tuple[str, ...] = ()
    retain_hours: float | None = None
    dry_run: bool = False
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a script: its position, text, kind and parse."""

    index: int
    text: str
    kind: str
    tree: exp.Expr | None = None
    command: Command | None = None


class _Tokens:
    """A cursor over one statement's tokens for the small command grammar."""

    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.text = text
        self.tokens = list(tokens)
        self.pos = 0

    def peek(self, *words: str) -> bool:
        ahead = self.tokens[self.pos : self.pos + len(words)]
        return len(ahead) == len(words) and all(
            t.text.upper() == w for t, w in zip(ahead, words, strict=True)
        )

    def accept(self, *words: str) -> bool:
        if self.peek(*words):
            self.pos += len(words)
            return True
        return False

    def done(self) -> bool:
        return self.pos >= len(self.tokens)

    def fail(self, expected: str) -> SqlError:
        near = self.tokens[self.pos].text if not self.done() else "the end"
        return SqlError(self.text, f"expected {expected} near {near!r}", "fix the statement")

    def name(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            if self.done() or self.tokens[self.pos].token_type in (
                TokenType.STRING,
                TokenType.L_PAREN,
                TokenType.NUMBER,
            ):
                raise self.fail("a name")
            parts.append(self.tokens[self.pos].text)
            self.pos += 1
            if not self.accept("."):
                return tuple(parts)

    def string(self) -> str:
        if self.done() or self.tokens[self.pos].token_type != TokenType.STRING:
            raise self.fail("a quoted string")
        self.pos += 1
        return self.tokens[self.pos - 1].text

    def identifiers(self) -> tuple[str, ...]:
        wrapped = self.accept("(")
        names = [self.name()[-1]]
        while self.accept(","):
            names.append(self.name()[-1])
        if wrapped and not self.accept(")"):
            raise self.fail("')'")
        return tuple(names)

    def end(self) -> None:
        if not self.done():
            raise self.fail("the end of the statement")


def _pattern(cursor: _Tokens) -> str | None:
    cursor.accept("LIKE")
    return None if cursor.done() else cursor.string()


def _volume_command(kind: str, cursor: _Tokens) -> Command:
    """``CREATE VOLUME``, ``DROP VOLUME``, ``DESCRIBE VOLUME``, ``COMMENT ON VOLUME``."""
    if kind == "CREATE EXTERNAL VOLUME":
        raise UnsupportedStatementError(cursor.text, "CREATE EXTERNAL VOLUME", SUPPORTED)
    exists = cursor.accept("IF", "NOT", "EXISTS") if kind == "CREATE VOLUME" else False
    gone = cursor.accept("IF", "EXISTS") if kind == "DROP VOLUME" else False
    name = cursor.name()
    comment = None
    if cursor.peek("LOCATION"):
        raise UnsupportedStatementError(cursor.text, "a volume with LOCATION", SUPPORTED)
    if kind == "CREATE VOLUME" and cursor.accept("COMMENT"):
        comment = cursor.string()
    if kind == "COMMENT ON VOLUME":
        if not cursor.accept("IS"):
            raise cursor.fail("IS")
        comment = None if cursor.accept("NULL") else cursor.string()
    cursor.end()
    return Command(kind, name, if_exists=gone, if_not_exists=exists, comment=comment)


def _command(kind: str, cursor: _Tokens) -> Command:
    if kind.endswith(" VOLUME"):
        return _volume_command(kind, cursor)
    if kind == "CREATE CATALOG":
        exists = cursor.accept("IF", "NOT", "EXISTS")
        name = cursor.name()
        comment = cursor.string() if cursor.accept("COMMENT") else None
        cursor.end()
        return Command(kind, name, if_not_exists=exists, comment=comment)
    if kind == "DROP CATALOG":
        exists = cursor.accept("IF", "EXISTS")
        name = cursor.name()
        cascade = cursor.accept("CASCADE")
        cursor.accept("RESTRICT")
        cursor.end()
        return Command(kind, name, if_exists=exists, cascade=cascade)
    if kind in ("SHOW SCHEMAS", "SHOW TABLES", "SHOW VOLUMES"):
        name = cursor.name() if cursor.accept("IN") or cursor.accept("FROM") else ()
        pattern = _pattern(cursor)
        cursor.end()
        return Command(kind, name, pattern=pattern)
    if kind == "SHOW CATALOGS":
        pattern = _pattern(cursor)
        cursor.end()
        return Command(kind, pattern=pattern)
    if kind == "DESCRIBE DETAIL":
        name = cursor.name()
        cursor.end()
        return Command(kind, name)
    if kind == "DESCRIBE HISTORY":
        name = cursor.name()
        limit = int(_number(cursor, "a row limit")) if cursor.accept("LIMIT") else None
        cursor.end()
        return Command(kind, name, limit=limit)
    if kind == "COMMENT ON CATALOG":
        name = cursor.name()
        if not cursor.accept("IS"):
            raise cursor.fail("IS")
        comment = None if cursor.accept("NULL") else cursor.string()
        cursor.end()
        return Command(kind, name, comment=comment)
    if kind == "OPTIMIZE":
        name = cursor.name()
        if cursor.peek("WHERE"):
            raise UnsupportedStatementError(cursor.text, "OPTIMIZE ... WHERE", SUPPORTED)
        zorder = cursor.identifiers() if cursor.accept("ZORDER", "BY") else ()
        cursor.end()
        return Command(kind, name, zorder=zorder)
    return _vacuum(cursor)


def _number(cursor: _Tokens, what: str) -> float:
    if cursor.done() or cursor.tokens[cursor.pos].token_type != TokenType.NUMBER:
        raise cursor.fail(what)
    cursor.pos += 1
    return float(cursor.tokens[cursor.pos - 1].text)


def _vacuum(cursor: _Tokens) -> Command:
    name = cursor.name()
    hours: float | None = None
    if cursor.accept("RETAIN"):
        hours = _number(cursor, "a number of hours")
        if not cursor.accept("HOURS"):
            raise cursor.fail("HOURS")
    dry_run = cursor.accept("DRY", "RUN")
    cursor.end()
    return Command("VACUUM", name, retain_hours=hours, dry_run=dry_run)


_COMMAND_HEADS = {
    ("CREATE", "CATALOG"): "CREATE CATALOG",
    ("DROP", "CATALOG"): "DROP CATALOG",
    ("SHOW", "CATALOGS"): "SHOW CATALOGS",
    ("SHOW", "SCHEMAS"): "SHOW SCHEMAS",
    ("SHOW", "DATABASES"): "SHOW SCHEMAS",
    ("SHOW", "TABLES"): "SHOW TABLES",
    ("DESCRIBE", "DETAIL"): "DESCRIBE DETAIL",
    ("DESC", "DETAIL"): "DESCRIBE DETAIL",
    ("DESCRIBE", "HISTORY"): "DESCRIBE HISTORY",
    ("DESC", "HISTORY"): "DESCRIBE HISTORY",
    ("COMMENT", "ON", "CATALOG"): "COMMENT ON CATALOG",
    ("OPTIMIZE",): "OPTIMIZE",
    ("VACUUM",): "VACUUM",
    ("CREATE", "VOLUME"): "CREATE VOLUME",
    ("CREATE", "EXTERNAL", "VOLUME"): "CREATE EXTERNAL VOLUME",
    ("DROP", "VOLUME"): "DROP VOLUME",
    ("SHOW", "VOLUMES"): "SHOW VOLUMES",
    ("DESCRIBE", "VOLUME"): "DESCRIBE VOLUME",
    ("DESC", "VOLUME"): "DESCRIBE VOLUME",
    ("COMMENT", "ON", "VOLUME"): "COMMENT ON VOLUME",
}


def _timestamp_literal(digits: str) -> str | None:
    try:
        when = datetime.strptime(digits, "%Y%m%d%H%M%S%f")
    except ValueError:
        return None
    return when.isoformat(sep=" ", timespec="milliseconds")


def rewrite_at_syntax(text: str, tokens: Sequence[Token], offset: int = 0) -> str:
    """``t@v3`` -> ``t VERSION AS OF 3``; ``t@20240101000000000`` -> ``t TIMESTAMP AS OF
    '2024-01-01 00:00:00.000'`` (the ``@`` directly after a name, no spaces)."""
    edits: list[tuple[int, int, str]] = []
    for before, at, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        adjacent = before.end + 1 == at.start and at.end + 1 == after.start
        if at.text != "@" or not adjacent or before.token_type not in _NAME_TOKENS:
            continue
        word = after.text
        if after.token_type == TokenType.VAR and word[:1] in "vV" and word[1:].isdigit():
            edits.append((at.start, after.end, f" VERSION AS OF {int(word[1:])}"))
        elif after.token_type == TokenType.NUMBER and (stamp := _timestamp_literal(word)):
            edits.append((at.start, after.end, f" TIMESTAMP AS OF '{stamp}'"))
    for start, end, replacement in reversed(edits):
        text = text[: start - offset] + replacement + text[end - offset + 1 :]
    return text


@contextmanager
def _quiet_fallbacks() -> Iterator[None]:
    """sqlglot logs a warning when it falls back to an opaque command; lakeforge reports
    such statements itself (as unsupported), so the warning would only be noise."""

    def drop(record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()

    _sqlglot_log.addFilter(drop)
    try:
        yield
    finally:
        _sqlglot_log.removeFilter(drop)


def _kind(tree: exp.Expr) -> str:
    if isinstance(tree, exp.Query):
        return "SELECT"
    if isinstance(tree, exp.Create | exp.Drop | exp.Alter):
        verb = {exp.Create: "CREATE", exp.Drop: "DROP", exp.Alter: "ALTER"}[type(tree)]
        return f"{verb} {str(tree.args.get('kind') or '').upper()}".strip()
    if isinstance(tree, exp.Describe):
        style = str(tree.args.get("style") or "").upper()
        return "DESCRIBE HISTORY" if style == "HISTORY" else "DESCRIBE"
    if isinstance(tree, exp.Comment):
        return "COMMENT ON"
    if isinstance(tree, exp.Command):
        # sqlglot keeps forms it has no grammar for as text: never one lakeforge runs
        rest = tree.expression
        rest = rest.name if isinstance(rest, exp.Expr) else str(rest or "")
        text = " ".join(f"{tree.this} {rest}".split())
        return text if len(text) <= 60 else text[:57] + "..."
    return type(tree).__name__.upper()


def _expand(text: str, tokens: Sequence[Token]) -> list[Token]:
    """The tokenizer keeps the rest of a command statement (``SHOW ...``, ``VACUUM ...``) as one
    string token; tokenize that rest too."""
    commands = Databricks.tokenizer_class.COMMANDS
    if len(tokens) < 2 or tokens[0].token_type not in commands:
        return list(tokens)
    if tokens[1].token_type != TokenType.STRING:
        return list(tokens)
    rest = text[tokens[0].end - tokens[0].start + 1 :]
    return [tokens[0], *Databricks().tokenize(rest)]


def _statement(index: int, text: str, tokens: Sequence[Token]) -> Statement:
    tokens = _expand(text, tokens)
    words = tuple(t.text.upper() for t in tokens[:3])
    for head, kind in _COMMAND_HEADS.items():
        if words[: len(head)] == head:
            cursor = _Tokens(text, tokens[len(head) :])
            return Statement(index, text, kind, command=_command(kind, cursor))
    source = rewrite_at_syntax(text, tokens, tokens[0].start)
    try:
        with _quiet_fallbacks():
            tree = sqlglot.parse_one(source, read=DIALECT)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        message = str(first.get("description") or exc).splitlines()[0]
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        raise SqlError(text, f"cannot parse: {message}{where}", "fix the SQL syntax") from None
    return Statement(index, text, _kind(tree), tree=tree)


def split(script: str) -> list[Statement]:
    """Parse a script of ``;``-separated statements (empty statements are skipped).

    Raises:
        SqlError: The script cannot be tokenized or a statement cannot be parsed.
    """
    try:
        tokens = Databricks().tokenize(script)
    except TokenError as exc:
        raise SqlError(script, f"cannot read the SQL: {exc}", "check quotes and brackets") from None
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(token)
    statements: list[Statement] = []
    for group in (g for g in groups if g):
        text = script[group[0].start : group[-1].end + 1]
        statements.append(_statement(len(statements) + 1, text, group))
    if not statements:
        raise SqlError(script, "no statement to run", "pass at least one SQL statement")
    return statements


def unsupported(statement: Statement, what: str | None = None) -> UnsupportedStatementError:
    """The error for a statement (or clause) lakeforge does not run."""
    return UnsupportedStatementError(statement.text, what or statement.kind, SUPPORTED)


def _literal(value: object) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float | Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def bind(statements: Sequence[Statement], args: Mapping[str, object]) -> None:
    """Replace named parameter markers (``:name``, as ``spark.sql(query, args=...)``) by the
    values in ``args`` (in place).

    Raises:
        SqlError: A marker without a value.
    """
    values = {k.lower(): v for k, v in args.items()}
    for statement in statements:
        if statement.tree is None:
            continue
        for marker in list(statement.tree.find_all(exp.Placeholder)):
            key = marker.name.lower()
            if not key or key not in values:
                raise SqlError(
                    statement.text,
                    f"parameter marker {marker.sql(DIALECT)!r} has no value",
                    f"pass it in args (given: {sorted(values)})",
                )
            marker.replace(_literal(values[key]))
