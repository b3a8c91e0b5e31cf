"""The state statements run in (a workspace with its current catalog and schema, like a Spark
session) and what each statement returns.

The current catalog and schema live in the workspace (``Workspace.use``), so ``USE`` in SQL
moves one-part names for every client sharing that workspace object, as in a Spark session.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from lakeforge.names import ObjectName, validate_part
from lakeforge.statements.parser import Statement
from lakeforge.tables.reader import OPERATION_KEY, PARAMETERS_KEY
from lakeforge.tables.types import Cast

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

_STATEMENT_KEY = "lakeforge.statement"
_STATEMENT_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class StatementResult:
    """What one statement returned.

    Attributes:
        statement: The statement.
        table: Its result rows, shaped like the reference's (empty for most DDL).
        message: One line saying what happened (shown by the CLI).
        casts: Type changes made to written values.
        reader: For a streamed SELECT, the rows as a reader (``table`` is then empty).
    """

    statement: Statement
    table: pa.Table
    message: str
    casts: tuple[Cast, ...] = ()
    reader: pa.RecordBatchReader | None = None


def empty(statement: Statement, message: str) -> StatementResult:
    """A result without rows (DDL)."""
    return StatementResult(statement, pa.table({}), message)


def counts(
    statement: Statement, message: str, casts: Sequence[Cast] = (), **values: int
) -> StatementResult:
    """A one-row result of ``bigint`` counts (``num_affected_rows`` ...), in the given order."""
    table = pa.table({k: pa.array([v], pa.int64()) for k, v in values.items()})
    return StatementResult(statement, table, message, tuple(casts))


def rows(statement: Statement, message: str, data: Mapping[str, Any]) -> StatementResult:
    """A result from columns (lists of values or Arrow arrays)."""
    return StatementResult(statement, pa.table(dict(data)), message)


class Session:
    """A workspace seen from SQL: current catalog/schema, user, and name resolution."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    @property
    def catalog(self) -> str:
        """The current catalog."""
        return self.ws.settings.current_catalog

    @property
    def schema(self) -> str:
        """The current schema."""
        return self.ws.settings.current_schema

    @property
    def user(self) -> str:
        """The principal statements run as."""
        return self.ws.settings.user

    def object_name(self, parts: Sequence[str]) -> ObjectName:
        """``name`` / ``schema.name`` / ``catalog.schema.name`` (as the parser split them)."""
        padded = [self.catalog, self.schema][: max(0, 3 - len(parts))] + list(parts)
        if len(padded) != 3:
            from lakeforge.errors import InvalidNameError

            written = ".".join(parts)
            raise InvalidNameError(written, written, "has more than three parts")
        return ObjectName(*padded)

    def table_name(self, node: exp.Table) -> ObjectName:
        """The three-level name of a table reference.

        Raises:
            LocationError: A table by path where only a name can stand (a write target).
        """
        reference = path_reference(node)
        if reference is not None:
            from lakeforge.errors import LocationError

            raise LocationError(
                reference[1],
                "is a table by path; SQL reads tables by path but writes only to tables by name",
                "write with lakeforge.write_delta(df, path, mode=...), or register a table "
                "(CREATE TABLE c.s.t AS SELECT * FROM delta.`path`)",
            )
        return self.object_name(table_parts(node))

    def schema_name(self, parts: Sequence[str]) -> tuple[str, str]:
        """``(catalog, schema)`` of ``schema`` or ``catalog.schema``."""
        if len(parts) == 1:
            return self.catalog, validate_part(parts[0], role="schema")
        if len(parts) == 2:
            return validate_part(parts[0], role="catalog"), validate_part(parts[1], role="schema")
        from lakeforge.errors import InvalidNameError

        written = ".".join(parts)
        raise InvalidNameError(written, written, "is not a schema name", "use schema or cat.schema")

    def commit_info(
        self,
        statement: Statement,
        operation: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Commit-info fields recorded with a statement's commit (shown by DESCRIBE HISTORY):
        the user, the statement, and the operation name and parameters when the Delta commit
        is of another kind (an UPDATE is committed by a deltalake merge)."""
        info = {"userName": self.user, _STATEMENT_KEY: statement.text[:_STATEMENT_LIMIT]}
        if operation:
            info[OPERATION_KEY] = operation
        if parameters is not None:
            info[PARAMETERS_KEY] = json.dumps(dict(parameters))
        return info


PATH_FORMATS = ("delta", "parquet", "csv", "json")


def path_reference(node: exp.Table) -> tuple[str, str] | None:
    """``(format, path)`` for a table written as ``delta.`/some/path``` (a quoted name holding
    ``/`` or ``:``, which no table name can), else None."""
    name = node.this
    fmt = node.db.lower() if node.db else ""
    if node.catalog or fmt not in PATH_FORMATS or not isinstance(name, exp.Identifier):
        return None
    if not name.quoted or not any(c in name.name for c in "/:"):
        return None
    return fmt, name.name


def table_parts(node: exp.Table) -> list[str]:
    """The name parts of a table reference as written (``catalog``, ``db``, ``name``)."""
    return [p for p in (node.catalog, node.db, node.name) if p]


def resolve_column(table: str, columns: Sequence[str], name: str) -> str:
    """The table column ``name`` refers to (column names match case-insensitively).

    Raises:
        SchemaMismatchError: No such column.
    """
    by_lower = {c.lower(): c for c in columns}
    if name.lower() not in by_lower:
        from lakeforge.errors import SchemaMismatchError

        raise SchemaMismatchError(
            table, f"column {name!r} does not exist", f"choose from {list(columns)}"
        )
    return by_lower[name.lower()]
