"""Queries in the reference dialect, run on DuckDB over Delta snapshots.

A query is parsed once (Databricks dialect), prepared and generated as DuckDB SQL by sqlglot:

- ``current_user()``, ``current_catalog()``, ``current_schema()`` / ``current_database()``
  become the session's values;
- time travel (``t VERSION AS OF 3``, ``t TIMESTAMP AS OF '...'``, ``t@v3``) opens the snapshot
  at that version and pins it under a private name that replaces the reference in the query
  (its alias, or the table's name, is kept so qualified columns still resolve);
- tables by path (``delta.`/Volumes/c/s/v/t```, ``parquet.`dbfs:/x` ``, ``csv.`...```,
  ``json.`...```) are pinned the same way, their paths mapped by
  :mod:`lakeforge.tables.locations`;
- reference functions DuckDB spells differently are rewritten (:mod:`.functions`);
- optimizer hints are dropped (they change plans, never results); ``range(n)`` as a table
  names its column ``id``, as the reference does;
- constructs sqlglot knows DuckDB cannot express are refused, never guessed.

Every other table name is resolved by the table layer as in ``Workspace.sql``. 128-bit integer
results (DuckDB's ``sum`` of integers) come back as BIGINT, the reference's type.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from lakeforge.errors import SqlError, ValidationError
from lakeforge.statements.functions import reference_functions
from lakeforge.statements.session import Session, path_reference, table_parts
from lakeforge.tables import reader
from lakeforge.tables.locations import resolve_location
from lakeforge.tables.path_tables import file_dataset, open_delta
from lakeforge.tables.query import run_sql, run_sql_batches

Pinned = dict[str, "pads.Dataset | pa.Table"]
_PIN = "__lf_pin_"


def _session_value(node: exp.Expr, session: Session) -> str | None:
    if isinstance(node, exp.CurrentUser | exp.SessionUser):
        return session.user
    if isinstance(node, exp.Anonymous) and node.name.lower() == "user":
        return session.user
    if isinstance(node, exp.CurrentCatalog):
        return session.catalog
    if isinstance(node, exp.CurrentSchema | exp.CurrentDatabase):
        return session.schema
    return None


def _session_values(tree: exp.Expr, session: Session) -> exp.Expr:
    def replace(node: exp.Expr) -> exp.Expr:
        value = _session_value(node, session)
        if value is None:
            return node
        literal = exp.Literal.string(value)
        if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
            # a bare projection keeps the reference's column name, e.g. current_user()
            return exp.alias_(literal, node.sql("databricks").lower(), quoted=True)
        return literal

    return tree.transform(replace, copy=False)


def constant(session: Session, node: exp.Expr) -> Any:
    """The value of a constant expression (``'2024-01-01'``, ``current_timestamp() - INTERVAL 1
    DAY``), evaluated on the engine."""
    if isinstance(node, exp.Literal):
        return node.to_py()
    select = exp.select(node.copy().as_("v"))
    table = run_query(session, select)
    return table.column(0)[0].as_py()


def _travel(session: Session, version: exp.Version, what: str) -> dict[str, Any]:
    """``version=`` or ``timestamp=`` for a ``VERSION AS OF`` / ``TIMESTAMP AS OF`` clause."""
    value = constant(session, version.expression)
    if str(version.this).upper() == "VERSION":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                f"VERSION AS OF {value!r} on {what!r} is not a version number",
                "use an integer version from DESCRIBE HISTORY",
            )
        return {"version": value}
    return {"timestamp": value if isinstance(value, datetime | str) else str(value)}


def _snapshot(session: Session, node: exp.Table, version: exp.Version) -> pads.Dataset:
    name = session.table_name(node)
    snapshot = session.ws.tables.snapshot(name, **_travel(session, version, name.full))
    return reader.engine_dataset(snapshot)


def _path_relation(session: Session, node: exp.Table, fmt: str, path: str) -> pads.Dataset:
    """The relation of ``delta.`path``` (at a version too) or ``parquet|csv|json.`path```."""
    ws = session.ws
    location = resolve_location(path, ws.settings, ws.metadata)
    version = node.args.get("version")
    if fmt == "delta":
        travel = _travel(session, version, location.uri) if version is not None else {}
        return reader.engine_dataset(open_delta(location, **travel))
    if version is not None:
        raise SqlError(
            node.sql("databricks"),
            f"time travel needs a Delta table; {fmt}.`{path}` is data files",
            "drop VERSION/TIMESTAMP AS OF, or read a Delta table (delta.`path`)",
        )
    return file_dataset(location, fmt)


def _pin_paths(tree: exp.Expr, session: Session, pinned: Pinned) -> None:
    """Replace each ``format.`path``` reference by a pinned relation, keeping its alias."""
    for node in list(tree.find_all(exp.Table)):
        reference = path_reference(node)
        if reference is None:
            continue
        key = f"{_PIN}{len(pinned)}"
        pinned[key] = _path_relation(session, node, *reference)
        alias = node.args.get("alias")
        node.replace(exp.Table(this=exp.to_identifier(key), alias=alias))


def requalify(tree: exp.Expr, written: list[str], alias: str) -> None:
    """Point columns qualified with a table's written name (``main.s.t.x``, ``s.t.x``) at the
    alias the table now has in the query."""
    lowered = [p.lower() for p in written]
    for column in tree.find_all(exp.Column):
        qualifier = [p for p in (column.args.get("catalog"), column.args.get("db")) if p]
        parts = [p.name.lower() for p in qualifier] + (
            [column.table.lower()] if column.table else []
        )
        if len(parts) > 1 and parts == lowered[-len(parts) :]:
            column.set("catalog", None)
            column.set("db", None)
            column.set("table", exp.to_identifier(alias))


def _pin_time_travel(tree: exp.Expr, session: Session, pinned: Pinned) -> None:
    for node in list(tree.find_all(exp.Table)):
        version = node.args.get("version")
        if not isinstance(version, exp.Version):
            continue
        key = f"{_PIN}{len(pinned)}"
        pinned[key] = _snapshot(session, node, version)
        written = table_parts(node)
        alias = node.alias or node.name
        node.replace(
            exp.Table(
                this=exp.to_identifier(key), alias=exp.TableAlias(this=exp.to_identifier(alias))
            )
        )
        requalify(tree, written, alias)


def _name_range_columns(tree: exp.Expr) -> None:
    """``range(...)`` as a table yields a column ``id`` in the reference (``range`` in DuckDB)."""
    for node in tree.find_all(exp.Table):
        function = node.this
        if not isinstance(function, exp.Anonymous) or function.name.lower() != "range":
            continue
        alias = node.args.get("alias")
        if alias is None or not alias.columns:
            name = alias.this if alias is not None else exp.to_identifier("range")
            node.set("alias", exp.TableAlias(this=name, columns=[exp.to_identifier("id")]))


def to_duckdb(session: Session, tree: exp.Expr) -> tuple[str, Pinned]:
    """DuckDB SQL for a query in the reference dialect, with the snapshots it pins."""
    tree = reference_functions(_session_values(tree.copy(), session))
    for hint in list(tree.find_all(exp.Hint)):
        hint.pop()
    _name_range_columns(tree)
    pinned: Pinned = {}
    _pin_paths(tree, session, pinned)
    _pin_time_travel(tree, session, pinned)
    try:
        sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        text = tree.sql(dialect="databricks")
        raise SqlError(
            text,
            f"cannot run this on DuckDB: {str(exc).splitlines()[0]}",
            "rewrite that part of the query (see docs/sql.md for the differences)",
        ) from None
    return sql, pinned


def run_query(
    session: Session,
    tree: exp.Expr,
    relations: Mapping[str, pads.Dataset | pa.Table] | None = None,
) -> pa.Table:
    """Run a query (reference dialect) over workspace tables and ``relations`` (one-part
    names the query may use, e.g. a snapshot being changed)."""
    sql, pinned = to_duckdb(session, tree)
    ws = session.ws
    return run_sql(
        ws.tables, ws.engine, sql, pinned={**pinned, **(relations or {})}, hugeint_as_bigint=True
    )


def stream_query(session: Session, tree: exp.Expr) -> pa.RecordBatchReader:
    """Like :func:`run_query`, streaming the rows."""
    sql, pinned = to_duckdb(session, tree)
    ws = session.ws
    return run_sql_batches(ws.tables, ws.engine, sql, pinned=pinned, hugeint_as_bigint=True)
