"""Run a script of statements in order: parse all, then execute one by one.

The whole script is parsed, and every statement kind checked, before anything runs, so a typo
or an unsupported statement anywhere changes nothing. Each statement is then its own unit:
its writes are one commit (or a catalog change); when one fails, those before it stay applied
and the error (:class:`~lakeforge.errors.StatementError`) says which one failed. A single
statement raises its own error unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from lakeforge.errors import LakeforgeError, StatementError
from lakeforge.statements import alter, ddl, describe, dml, maintenance, merge, volumes
from lakeforge.statements.parser import Statement, bind, split, unsupported
from lakeforge.statements.query import run_query, stream_query
from lakeforge.statements.session import Session, StatementResult
from lakeforge.tables.workspace import Workspace

logger = logging.getLogger("lakeforge.sql")
Handler = Callable[[Session, Statement], StatementResult]


def select(session: Session, statement: Statement) -> StatementResult:
    """A query: its rows."""
    assert statement.tree is not None
    table = run_query(session, statement.tree)
    return StatementResult(statement, table, f"{table.num_rows} row(s)")


HANDLERS: dict[str, Handler] = {
    "SELECT": select,
    "INSERT": dml.insert,
    "UPDATE": dml.update,
    "DELETE": dml.delete,
    "MERGE": merge.run,
    "CREATE CATALOG": ddl.create_catalog,
    "CREATE SCHEMA": ddl.create_schema,
    "CREATE DATABASE": ddl.create_schema,
    "CREATE TABLE": ddl.create_table,
    "DROP TABLE": ddl.drop,
    "DROP SCHEMA": ddl.drop,
    "DROP DATABASE": ddl.drop,
    "DROP CATALOG": ddl.drop,
    "ALTER TABLE": alter.run,
    "COMMENT ON": ddl.comment,
    "COMMENT ON CATALOG": ddl.comment,
    "USE": ddl.use,
    "DESCRIBE": describe.describe,
    "DESCRIBE HISTORY": describe.history,
    "DESCRIBE DETAIL": describe.detail,
    "SHOW CATALOGS": describe.show,
    "SHOW SCHEMAS": describe.show,
    "SHOW TABLES": describe.show,
    "OPTIMIZE": maintenance.optimize,
    "VACUUM": maintenance.vacuum,
    "CREATE VOLUME": volumes.create,
    "DROP VOLUME": volumes.drop,
    "SHOW VOLUMES": volumes.show,
    "DESCRIBE VOLUME": volumes.describe,
    "COMMENT ON VOLUME": volumes.comment,
}


def _run(session: Session, statement: Statement, stream: bool) -> StatementResult:
    if stream and statement.kind == "SELECT":
        assert statement.tree is not None
        reader = stream_query(session, statement.tree)
        return StatementResult(statement, reader.schema.empty_table(), "", reader=reader)
    result = HANDLERS[statement.kind](session, statement)
    for cast in result.casts:
        logger.info("statement %d: %s", statement.index, cast)
    return result


def execute(
    ws: Workspace,
    script: str,
    *,
    args: Mapping[str, object] | None = None,
    stream_last: bool = False,
) -> list[StatementResult]:
    """Run every statement of ``script`` on ``ws``; one result per statement.

    Args:
        ws: The workspace (its current catalog/schema follow ``USE``).
        script: One or more statements separated by ``;``, in the reference dialect.
        args: Values of named parameter markers (``WHERE id = :id``).
        stream_last: Stream the rows of a final SELECT (``StatementResult.reader``).

    Raises:
        SqlError: A statement cannot be parsed.
        UnsupportedStatementError: A statement kind lakeforge does not run (nothing ran).
        StatementError: One statement of several failed (the earlier ones stay applied).
        LakeforgeError: The error of a single statement.
    """
    statements = split(script)
    bind(statements, args or {})
    for statement in statements:
        if statement.kind not in HANDLERS:
            raise unsupported(statement)
    session = Session(ws)
    results = []
    for statement in statements:
        last = statement.index == len(statements)
        try:
            results.append(_run(session, statement, stream_last and last))
        except LakeforgeError as exc:
            if len(statements) == 1:
                raise
            raise StatementError(statement.index, len(statements), statement.text, exc) from exc
    return results
