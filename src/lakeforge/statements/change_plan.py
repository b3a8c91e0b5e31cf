"""What UPDATE, DELETE and MERGE do to each row, decided on DuckDB in one query.

A :class:`ChangePlan` is the target (with its alias), an optional source joined on a condition,
and ordered :class:`Clause` s (WHEN ... THEN ...). It is computed against one snapshot:

- target rows are numbered (``__lf_tid``) and counted per identical row (copies share one
  outcome; :mod:`lakeforge.tables.changes` applies each distinct row to all its copies);
- with a source, target and source are joined FULL OUTER on the condition; a row is *matched*
  when both sides are present, *not matched* when only the source is, *not matched by source*
  when only the target is;
- the first clause of the row's kind whose condition holds decides (the reference's order
  rule); its SET / VALUES expressions are evaluated only for the rows it decides;
- a target row matched by more than one source row, when a MATCHED clause exists, is an error
  (the reference's rule; nothing is written).

The values each clause writes get the column's type by store assignment (:mod:`.assign`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from deltalake import DeltaTable
from sqlglot import exp

from lakeforge.errors import AmbiguousMergeError
from lakeforge.statements.assign import fit, is_constant
from lakeforge.statements.parser import DIALECT
from lakeforge.statements.query import run_query
from lakeforge.statements.session import Session
from lakeforge.tables import reader
from lakeforge.tables.changes import RowChanges
from lakeforge.tables.types import Cast
from lakeforge.tables.writer import quote, table_schema

Match = Literal["matched", "not_matched", "not_matched_by_source", "any"]
Action = Literal["update", "delete", "insert"]
TARGET = "__lf_target"
_ROW, _DUPS, _DUPN, _SRC = "__lf_tid", "__lf_dups", "__lf_dupn", "__lf_sid"
_ACTION, _MATCHES, _PICK = "__lf_action", "__lf_matches", "__lf_pick"


@dataclass(frozen=True, slots=True)
class Clause:
    """One WHEN ... THEN ... (for UPDATE and DELETE: the only clause, matching ``any`` row)."""

    match: Match
    action: Action
    condition: exp.Expr | None = None
    assignments: tuple[tuple[str, exp.Expr], ...] = ()


@dataclass(frozen=True, slots=True)
class ChangePlan:
    """The row decisions of one statement."""

    table: str
    target_alias: str
    clauses: tuple[Clause, ...]
    source: exp.Query | None = None
    source_alias: str | None = None
    on: exp.Expr | None = None


def _parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=DIALECT)


def _target(plan: ChangePlan, schema: pa.Schema) -> exp.Expr:
    columns = ", ".join(quote(n) for n in schema.names)
    inner = _parse(
        f"SELECT *, ROW_NUMBER() OVER () AS {_ROW}, "
        f"COUNT(*) OVER (PARTITION BY {columns}) AS {_DUPS}, "
        f"ROW_NUMBER() OVER (PARTITION BY {columns}) AS {_DUPN} FROM {TARGET}"
    )
    return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(plan.target_alias)))


def _source(plan: ChangePlan) -> exp.Expr:
    assert plan.source is not None and plan.source_alias is not None
    inner = _parse(f"SELECT *, ROW_NUMBER() OVER () AS {_SRC} FROM __lf_placeholder")
    inner.set("from_", exp.From(this=plan.source.subquery("__lf_s")))
    return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(plan.source_alias)))


def _guard(plan: ChangePlan, match: Match) -> exp.Expr:
    row = exp.column(_ROW, table=plan.target_alias)
    src = exp.column(_SRC, table=plan.source_alias) if plan.source_alias else None
    if match == "matched" and src is not None:
        return exp.and_(row.is_(exp.null()).not_(), src.is_(exp.null()).not_())
    if match == "not_matched":
        return row.is_(exp.null())
    if match == "not_matched_by_source" and src is not None:
        return src.is_(exp.null())
    return exp.true()


def _decision(plan: ChangePlan) -> exp.Expr:
    case = exp.Case()
    for i, clause in enumerate(plan.clauses):
        condition = _guard(plan, clause.match)
        if clause.condition is not None:
            condition = exp.and_(condition, exp.paren(clause.condition.copy()))
        case = case.when(condition, exp.Literal.number(i))
    return case


def _needs_match_check(plan: ChangePlan) -> bool:
    matched = [c for c in plan.clauses if c.match == "matched"]
    lone_delete = len(matched) == 1 and matched[0].action == "delete" and not matched[0].condition
    return bool(matched) and not lone_delete and plan.source is not None


def query(plan: ChangePlan, schema: pa.Schema) -> exp.Expr:
    """The one query computing every row's decision, old values and new values."""
    target = plan.target_alias
    select = exp.select(*(exp.column(c, table=target) for c in (_ROW, _DUPS, _DUPN)))
    decision = _decision(plan)
    select = select.select(decision.copy().as_(_ACTION))
    per_row = [exp.column(_ROW, table=target)]
    # one decision per target row: a row joined to several source rows is kept once (only a
    # lone unconditional DELETE may match several; otherwise that is an error, below)
    first = exp.Window(this=exp.RowNumber(), partition_by=[c.copy() for c in per_row])
    select = select.select(first.as_(_PICK))
    if _needs_match_check(plan):
        window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=per_row)
        matched = _guard(plan, "matched")
        select = select.select(exp.Case().when(matched, window).as_(_MATCHES))
    for j, name in enumerate(schema.names):
        select = select.select(exp.column(name, table=target, quoted=True).as_(f"__lf_o_{j}"))
    for i, clause in enumerate(plan.clauses):
        chosen = exp.EQ(this=exp.paren(decision.copy()), expression=exp.Literal.number(i))
        for j, (_, value) in enumerate(clause.assignments):
            branch = exp.Case().when(chosen, exp.paren(value.copy()))
            select = select.select(branch.as_(f"__lf_v_{i}_{j}"))
    select = select.from_(_target(plan, schema))
    if plan.source is not None:
        assert plan.on is not None
        select = select.join(_source(plan), on=plan.on.copy(), join_type="FULL OUTER")
    keep: exp.Expr = exp.column(_ACTION).is_(exp.null()).not_()
    if _needs_match_check(plan):
        keep = exp.or_(keep, exp.GT(this=exp.column(_MATCHES), expression=exp.Literal.number(1)))
    return exp.select("*").from_(select.subquery("__lf_r")).where(keep)


def _check_matches(plan: ChangePlan, result: pa.Table, schema: pa.Schema) -> None:
    if _MATCHES not in result.column_names:
        return
    ambiguous = result.filter(pc.greater(result.column(_MATCHES), 1))
    if ambiguous.num_rows:
        row = {n: ambiguous.column(f"__lf_o_{j}")[0].as_py() for j, n in enumerate(schema.names)}
        count = int(ambiguous.column(_MATCHES)[0].as_py())
        assert plan.on is not None
        raise AmbiguousMergeError(plan.table, plan.on.sql(DIALECT), row, count)


def _values(
    plan: ChangePlan, index: int, rows: pa.Table, schema: pa.Schema, d2f: bool
) -> tuple[pa.Table, list[Cast]]:
    """The new rows clause ``index`` writes: assigned columns fitted to their type, the others
    kept (UPDATE) or NULL (INSERT)."""
    clause = plan.clauses[index]
    assigned = {name: j for j, (name, _) in enumerate(clause.assignments)}
    columns: list[pa.ChunkedArray] = []
    casts: list[Cast] = []
    for j, field in enumerate(schema):
        if field.name in assigned:
            k = assigned[field.name]
            values, made = fit(
                rows.column(f"__lf_v_{index}_{k}"),
                field,
                constant=is_constant(clause.assignments[k][1]),
                table=plan.table,
                decimal_to_float=d2f,
            )
            columns.append(values)
            casts.extend(made)
        elif clause.action == "update":
            columns.append(rows.column(f"__lf_o_{j}"))
        else:
            columns.append(pa.chunked_array([pa.nulls(rows.num_rows, field.type)]))
    loose = pa.schema([f.with_nullable(True) for f in schema])
    return pa.Table.from_arrays(
        [c.cast(f.type) for c, f in zip(columns, loose, strict=True)], schema=loose
    ), casts


def _old(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    loose = pa.schema([f.with_nullable(True) for f in schema])
    arrays = [rows.column(f"__lf_o_{j}").cast(f.type) for j, f in enumerate(loose)]
    return pa.Table.from_arrays(arrays, schema=loose)


def compute(
    session: Session, plan: ChangePlan, snapshot: DeltaTable, *, decimal_to_float: bool = False
) -> RowChanges:
    """The changes ``plan`` makes to ``snapshot``.

    Raises:
        AmbiguousMergeError: A target row matched by several source rows.
        SchemaMismatchError: A value that does not fit its column.
    """
    schema = table_schema(snapshot)
    result = run_query(
        session, query(plan, schema), relations={TARGET: reader.engine_dataset(snapshot)}
    )
    _check_matches(plan, result, schema)
    result = result.filter(pc.is_valid(result.column(_ACTION)))
    once = pc.and_kleene(pc.equal(result.column(_DUPN), 1), pc.equal(result.column(_PICK), 1))
    first_copy = pc.or_kleene(pc.is_null(result.column(_ROW)), once)
    result = result.filter(first_copy)
    parts: dict[Action, list[tuple[pa.Table, pa.Table | None]]] = {
        "update": [],
        "delete": [],
        "insert": [],
    }
    casts: list[Cast] = []
    for i, clause in enumerate(plan.clauses):
        rows = result.filter(pc.equal(result.column(_ACTION), i))
        if not rows.num_rows:
            continue
        new = None
        if clause.action != "delete":
            new, made = _values(plan, i, rows, schema, decimal_to_float)
            casts.extend(made)
        parts[clause.action].append((_old(rows, schema), new))
    loose = pa.schema([f.with_nullable(True) for f in schema])

    def stack(tables: Sequence[pa.Table | None]) -> pa.Table:
        present = [t for t in tables if t is not None]
        return pa.concat_tables(present) if present else loose.empty_table()

    return RowChanges(
        updated_old=stack([old for old, _ in parts["update"]]),
        updated_new=stack([new for _, new in parts["update"]]),
        deleted=stack([old for old, _ in parts["delete"]]),
        inserted=stack([new for _, new in parts["insert"]]),
        casts=tuple(casts),
    )
