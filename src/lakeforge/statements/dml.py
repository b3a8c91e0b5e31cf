"""``INSERT INTO|OVERWRITE``, ``UPDATE ... SET ... WHERE`` and ``DELETE FROM ... WHERE``.

INSERT evaluates its VALUES or query on DuckDB and writes through the table layer's append /
overwrite (one commit, the Python API's type rules and reporting); columns map by position,
as in the reference, or by the listed names (``INSERT INTO t (a, b) ...``, unlisted columns
get NULL) or by name (``INSERT INTO t BY NAME SELECT ...``). UPDATE and DELETE are change
plans (:mod:`.change_plan`) applied in one commit; ``DELETE FROM t`` without WHERE removes all
rows with a plain Delta delete.
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from lakeforge.errors import SchemaMismatchError
from lakeforge.statements.assign import fit, is_constant
from lakeforge.statements.change_plan import ChangePlan, Clause, compute
from lakeforge.statements.parser import DIALECT, Statement, unsupported
from lakeforge.statements.query import requalify, run_query
from lakeforge.statements.session import (
    Session,
    StatementResult,
    counts,
    resolve_column,
    table_parts,
)
from lakeforge.tables.definition import DECIMAL_TO_FLOAT
from lakeforge.tables.types import Cast
from lakeforge.tables.writer import table_schema


def _constants(source: exp.Expr) -> list[bool] | None:
    """Per output column: built from literals only? (None: not known, e.g. ``SELECT *``)."""
    if isinstance(source, exp.Values):
        rows = [
            row.expressions if isinstance(row, exp.Tuple) else [row] for row in source.expressions
        ]
        return [all(is_constant(row[i]) for row in rows) for i in range(len(rows[0]))]
    if isinstance(source, exp.Select) and not any(e.find(exp.Star) for e in source.expressions):
        return [is_constant(e.unalias()) for e in source.expressions]
    return None


def _query(source: exp.Expr) -> exp.Expr:
    if isinstance(source, exp.Values):
        width = len(source.expressions[0].expressions) if source.expressions else 0
        alias = exp.TableAlias(
            this=exp.to_identifier("__lf_values"),
            columns=[exp.to_identifier(f"c{i}") for i in range(width)],
        )
        values = source.copy()
        values.set("alias", alias)
        return exp.select("*").from_(values)
    return source


def _targets(
    statement: Statement, table: str, columns: list[str], listed: list[str] | None, data: pa.Table
) -> list[str]:
    """The table column each data column goes to."""
    tree = statement.tree
    if listed is not None:
        targets = [resolve_column(table, columns, c) for c in listed]
    elif tree is not None and tree.args.get("by_name"):
        targets = [resolve_column(table, columns, c) for c in data.column_names]
    else:
        targets = columns
    if len(targets) != data.num_columns:
        raise SchemaMismatchError(
            table,
            f"INSERT gives {data.num_columns} column(s) for {len(targets)} target column(s) "
            f"{targets}",
            "give one value per table column, or list the columns: INSERT INTO t (a, b) ...",
        )
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise SchemaMismatchError(table, f"columns {repeated} are written twice", "list each once")
    return targets


def insert(session: Session, statement: Statement) -> StatementResult:
    """Run an INSERT INTO / INSERT OVERWRITE."""
    tree = statement.tree
    assert isinstance(tree, exp.Insert)
    if tree.args.get("where"):
        raise unsupported(statement, "INSERT ... REPLACE WHERE")
    target = tree.this
    listed = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else None
    table_node = target.this if isinstance(target, exp.Schema) else target
    if table_node.args.get("partition"):
        raise unsupported(statement, "INSERT with PARTITION (static partition values)")
    name = session.table_name(table_node)
    info = session.ws.tables.get(name)
    source = tree.expression
    data = run_query(session, _query(source))
    constants = _constants(source) or [False] * data.num_columns
    targets = _targets(statement, name.full, info.column_names, listed, data)
    fields = {f.name: f for f in table_schema(session.ws.tables.snapshot(name))}
    d2f = bool(info.properties.get(DECIMAL_TO_FLOAT))
    columns: dict[str, pa.ChunkedArray] = {}
    casts: list[Cast] = []
    for i, column in enumerate(targets):
        columns[column], made = fit(
            data.column(i),
            fields[column],
            constant=constants[i],
            table=name.full,
            decimal_to_float=d2f,
        )
        casts.extend(made)
    arrays = [
        columns.get(f.name, pa.chunked_array([pa.nulls(data.num_rows, f.type)]))
        for f in fields.values()
    ]
    rows = pa.Table.from_arrays(arrays, names=list(fields))
    commit_info = session.commit_info(statement)
    if tree.args.get("overwrite"):
        result = session.ws.tables.overwrite(name, rows, commit_info=commit_info)
    else:
        result = session.ws.tables.append(name, rows, commit_info=commit_info)
    verb = "overwrote" if tree.args.get("overwrite") else "inserted into"
    return counts(
        statement,
        f"{verb} {name.full}: {result.rows_inserted} row(s) (version {result.version})",
        [*casts, *result.casts],
        num_affected_rows=result.rows_inserted,
        num_inserted_rows=result.rows_inserted,
    )


def _single_clause(
    session: Session, statement: Statement, clause: Clause, operation: str
) -> StatementResult:
    tree = statement.tree
    assert tree is not None
    target = tree.this
    assert isinstance(target, exp.Table)
    name = session.table_name(target)
    info = session.ws.tables.get(name)
    alias = target.alias or target.name
    nodes = [clause.condition, *(e for _, e in clause.assignments)]
    for node in (n for n in nodes if n is not None):
        requalify(node, table_parts(target), alias)
    plan = ChangePlan(name.full, alias, (clause,))
    d2f = bool(info.properties.get(DECIMAL_TO_FLOAT))
    predicate = clause.condition.sql(DIALECT) if clause.condition is not None else "true"
    result = session.ws.tables.apply_changes(
        name,
        lambda snapshot: compute(session, plan, snapshot, decimal_to_float=d2f),
        operation="UPDATE" if operation == "UPDATE" else "DELETE",
        commit_info=session.commit_info(statement, operation, {"predicate": predicate}),
    )
    changed = result.rows_updated if operation == "UPDATE" else result.rows_deleted
    verb = "updated" if operation == "UPDATE" else "deleted"
    return counts(
        statement,
        f"{verb} {changed} row(s) of {name.full} (version {result.version})",
        result.casts,
        num_affected_rows=changed,
    )


def update(session: Session, statement: Statement) -> StatementResult:
    """Run an UPDATE ... SET ... [WHERE ...]."""
    tree = statement.tree
    assert isinstance(tree, exp.Update)
    for clause in ("from_", "joins", "order", "limit"):
        if tree.args.get(clause):
            raise unsupported(statement, f"UPDATE with {clause.strip('_').upper()}")
    info = session.ws.tables.get(session.table_name(tree.this))
    pairs = tuple(
        (resolve_column(info.name.full, info.column_names, eq.this.name), eq.expression)
        for eq in tree.expressions
    )
    where = tree.args.get("where")
    condition = where.this if where is not None else None
    return _single_clause(session, statement, Clause("any", "update", condition, pairs), "UPDATE")


def delete(session: Session, statement: Statement) -> StatementResult:
    """Run a DELETE FROM ... [WHERE ...]."""
    tree = statement.tree
    assert isinstance(tree, exp.Delete)
    if tree.args.get("using") or tree.args.get("limit"):
        raise unsupported(statement, "DELETE with USING or LIMIT")
    where = tree.args.get("where")
    if where is None:
        name = session.table_name(tree.this)
        result = session.ws.tables.delete(
            name, commit_info=session.commit_info(statement, "DELETE")
        )
        return counts(
            statement,
            f"deleted {result.rows_deleted} row(s) of {name.full} (version {result.version})",
            num_affected_rows=result.rows_deleted,
        )
    return _single_clause(session, statement, Clause("any", "delete", where.this), "DELETE")
