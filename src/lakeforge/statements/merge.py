"""``MERGE INTO target USING source ON ... WHEN [NOT] MATCHED [BY SOURCE] [AND ...] THEN ...``.

The statement becomes a :class:`~lakeforge.statements.change_plan.ChangePlan`; the table layer
applies its changes in one commit (re-computed if another writer commits first). Supported
clauses: ``UPDATE SET col = expr, ...``, ``UPDATE SET *``, ``DELETE``, ``INSERT (cols) VALUES
(...)``, ``INSERT *``; ``WHEN NOT MATCHED BY SOURCE`` with UPDATE or DELETE. ``SET *`` and
``INSERT *`` take every target column from the source column of the same name.
"""

from __future__ import annotations

import json

from sqlglot import exp

from lakeforge.errors import SchemaMismatchError, ValidationError
from lakeforge.statements.change_plan import ChangePlan, Clause, Match, compute
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


def _target_column(statement: Statement, table: str, columns: list[str], node: exp.Expr) -> str:
    if not isinstance(node, exp.Column | exp.Identifier):
        raise unsupported(statement, f"assignment to {node.sql()}")
    return resolve_column(table, columns, node.name)


def _star(
    statement: Statement, table: str, columns: list[str], source: list[str], alias: str
) -> tuple[tuple[str, exp.Expr], ...]:
    by_lower = {c.lower(): c for c in source}
    missing = [c for c in columns if c.lower() not in by_lower]
    if missing:
        raise SchemaMismatchError(
            table,
            f"{statement.kind} with * needs every target column in the source; the source lacks "
            f"{missing} (source columns: {source})",
            "list the columns explicitly (UPDATE SET c = ..., INSERT (c, ...) VALUES (...))",
        )
    return tuple((c, exp.column(by_lower[c.lower()], table=alias, quoted=True)) for c in columns)


def _clause(
    statement: Statement,
    when: exp.When,
    table: str,
    columns: list[str],
    source: tuple[list[str], str],
) -> Clause:
    match: Match = (
        "matched"
        if when.args.get("matched")
        else "not_matched_by_source"
        if when.args.get("source")
        else "not_matched"
    )
    then = when.args.get("then")
    condition = when.args.get("condition")
    if isinstance(then, exp.Var) and then.name.upper() == "DELETE":
        if match == "not_matched":
            raise unsupported(statement, "WHEN NOT MATCHED THEN DELETE")
        return Clause(match, "delete", condition)
    if isinstance(then, exp.Update):
        if match == "not_matched":
            raise unsupported(statement, "WHEN NOT MATCHED THEN UPDATE")
        if len(then.expressions) == 1 and isinstance(then.expressions[0], exp.Star):
            return Clause(match, "update", condition, _star(statement, table, columns, *source))
        pairs = tuple(
            (_target_column(statement, table, columns, eq.this), eq.expression)
            for eq in then.expressions
        )
        return Clause(match, "update", condition, pairs)
    if isinstance(then, exp.Insert) and match == "not_matched":
        if isinstance(then.this, exp.Star):
            return Clause(match, "insert", condition, _star(statement, table, columns, *source))
        names = [_target_column(statement, table, columns, c) for c in then.this.expressions]
        values = list(then.expression.expressions) if then.expression else []
        if len(names) != len(values):
            raise ValidationError(
                f"MERGE INSERT lists {len(names)} column(s) but {len(values)} value(s)",
                "give one value per listed column",
            )
        return Clause(match, "insert", condition, tuple(zip(names, values, strict=True)))
    raise unsupported(statement, f"MERGE clause {when.sql()}")


def _source(session: Session, using: exp.Expr) -> tuple[exp.Query, str, list[str]]:
    """The source as a query, its alias, and its column names."""
    if isinstance(using, exp.Subquery):
        query = using.this
        alias = using.alias or "__lf_source"
    else:
        assert isinstance(using, exp.Table)
        alias = using.alias or using.name
        table = using.copy()
        table.set("alias", None)
        query = exp.select("*").from_(table)
    probe = query.copy()
    names = run_query(
        session, exp.select("*").from_(probe.subquery("__lf_p")).limit(0)
    ).column_names
    return query, alias, names


def _clause_parameters(clauses: tuple[Clause, ...]) -> dict[str, str]:
    """The clause lists DESCRIBE HISTORY shows for a MERGE, in the reference's form."""
    keys = {
        "matched": "matchedPredicates",
        "not_matched": "notMatchedPredicates",
        "not_matched_by_source": "notMatchedBySourcePredicates",
    }
    found: dict[str, list[dict[str, str]]] = {key: [] for key in keys.values()}
    for clause in clauses:
        entry: dict[str, str] = {"actionType": clause.action}
        if clause.condition is not None:
            entry["predicate"] = clause.condition.sql(DIALECT)
        found[keys[clause.match]].append(entry)
    return {key: json.dumps(value) for key, value in found.items()}


def run(session: Session, statement: Statement) -> StatementResult:
    """Run a MERGE INTO; the result has the reference's four counts."""
    tree = statement.tree
    assert isinstance(tree, exp.Merge)
    target = tree.this
    assert isinstance(target, exp.Table)
    name = session.table_name(target)
    info = session.ws.tables.get(name)
    alias = target.alias or target.name
    query, source_alias, source_columns = _source(session, tree.args["using"])
    on = tree.args["on"].copy()
    whens = tree.args["whens"].expressions
    clauses = tuple(
        _clause(statement, w, name.full, info.column_names, (source_columns, source_alias))
        for w in whens
    )
    using = tree.args["using"]
    nodes = [on, *(c.condition for c in clauses if c.condition)]
    nodes += [e for c in clauses for _, e in c.assignments]
    for node in nodes:  # columns qualified with a written table name point at its alias
        requalify(node, table_parts(target), alias)
        if isinstance(using, exp.Table):
            requalify(node, table_parts(using), source_alias)
    plan = ChangePlan(name.full, alias, clauses, query, source_alias, on)
    parameters = {"predicate": on.sql(DIALECT), **_clause_parameters(clauses)}
    d2f = bool(info.properties.get(DECIMAL_TO_FLOAT))
    result = session.ws.tables.apply_changes(
        name,
        lambda snapshot: compute(session, plan, snapshot, decimal_to_float=d2f),
        operation="MERGE",
        commit_info=session.commit_info(statement, "MERGE", parameters),
    )
    affected = result.rows_updated + result.rows_deleted + result.rows_inserted
    return counts(
        statement,
        f"merged into {name.full}: {result.rows_updated} updated, {result.rows_deleted} deleted, "
        f"{result.rows_inserted} inserted (version {result.version})",
        result.casts,
        num_affected_rows=affected,
        num_updated_rows=result.rows_updated,
        num_deleted_rows=result.rows_deleted,
        num_inserted_rows=result.rows_inserted,
    )
