"""``ALTER TABLE``: ADD COLUMN(S), ADD CONSTRAINT ... PRIMARY KEY, ALTER COLUMN ... SET/DROP NOT
NULL and COMMENT, SET TBLPROPERTIES, SET TAGS. Each action is a table-layer change (a Delta
commit, or catalog metadata for keys and tags); actions run in the order written.
"""

from __future__ import annotations

from sqlglot import exp

from lakeforge.names import ObjectName
from lakeforge.statements.definition import column_field, primary_key
from lakeforge.statements.parser import Statement, unsupported
from lakeforge.statements.session import Session, StatementResult, empty
from lakeforge.tables import alter


def _add_columns(session: Session, statement: Statement, name: ObjectName, action: exp.Expr) -> str:
    nodes = action.expressions if isinstance(action, exp.Schema) else [action]
    fields = []
    for node in nodes:
        if not isinstance(node, exp.ColumnDef):
            raise unsupported(statement, f"ALTER TABLE ADD {node.sql('databricks')}")
        column, key = column_field(statement, node)
        if key:
            raise unsupported(statement, "ADD COLUMN ... PRIMARY KEY (use ADD CONSTRAINT)")
        fields.append(column)
    commit_info = session.commit_info(statement, "ADD COLUMNS")
    alter.add_columns(session.ws.tables, name, fields, commit_info)
    return f"added column(s) {[f.name for f in fields]}"


def _add_constraint(
    session: Session, statement: Statement, name: ObjectName, action: exp.AddConstraint
) -> str:
    constraint = action.expressions[0] if action.expressions else None
    if not isinstance(constraint, exp.Constraint) or not isinstance(
        constraint.expressions[0], exp.PrimaryKey
    ):
        raise unsupported(statement, "ALTER TABLE ADD CONSTRAINT other than PRIMARY KEY")
    keys, timeseries = primary_key(statement, constraint.expressions[0])
    alter.set_primary_key(session.ws.tables, name, keys, timeseries, constraint.name)
    return f"primary key {constraint.name} ({', '.join(keys)}) added"


def _alter_column(
    session: Session, statement: Statement, name: ObjectName, action: exp.AlterColumn
) -> str:
    column = action.name
    if action.args.get("dtype") is not None or action.args.get("default") is not None:
        raise unsupported(statement, "ALTER COLUMN ... TYPE / SET DEFAULT")
    if action.args.get("comment") is not None:
        text = action.args["comment"].name
        info = session.commit_info(statement, "CHANGE COLUMN")
        alter.set_column_comment(session.ws.tables, name, column, text, info)
        return f"comment set on column {column}"
    allow_null = action.args.get("allow_null")
    if allow_null is None:
        raise unsupported(statement, f"ALTER COLUMN {action.sql('databricks')}")
    info = session.commit_info(statement, "CHANGE COLUMN")
    alter.set_nullable(session.ws.tables, name, column, bool(allow_null), info)
    return f"column {column} is {'nullable' if allow_null else 'NOT NULL'}"


def _pairs(nodes: list[exp.Expr]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, exp.Tuple | exp.Paren):
            pairs |= _pairs(list(node.expressions) if isinstance(node, exp.Tuple) else [node.this])
        elif isinstance(node, exp.EQ | exp.Property):
            key = node.this.name
            value = node.expression if isinstance(node, exp.EQ) else node.args["value"]
            pairs[key] = value.name
    return pairs


def _set(session: Session, statement: Statement, name: ObjectName, action: exp.AlterSet) -> str:
    tags = action.args.get("tag")
    if tags:
        values = _pairs(list(tags))
        session.ws.tables.update_tags(name, set_=values)
        return f"tags {sorted(values)} set"
    found = [p for props in action.expressions for p in props.expressions]
    if not found or not all(type(p) is exp.Property for p in found):
        raise unsupported(statement, f"ALTER TABLE {action.sql('databricks')}")
    properties = _pairs(found)
    info = session.commit_info(statement, "SET TBLPROPERTIES")
    alter.set_properties(session.ws.tables, name, properties, info)
    return f"properties {sorted(properties)} set"


def run(session: Session, statement: Statement) -> StatementResult:
    """Run an ALTER TABLE."""
    tree = statement.tree
    assert isinstance(tree, exp.Alter)
    name = session.table_name(tree.this)
    session.ws.tables.get(name)  # a missing table fails before any action
    done = []
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.Schema | exp.ColumnDef):
            done.append(_add_columns(session, statement, name, action))
        elif isinstance(action, exp.AddConstraint):
            done.append(_add_constraint(session, statement, name, action))
        elif isinstance(action, exp.AlterColumn):
            done.append(_alter_column(session, statement, name, action))
        elif isinstance(action, exp.AlterSet):
            done.append(_set(session, statement, name, action))
        else:
            raise unsupported(statement, f"ALTER TABLE {action.sql('databricks')}")
    return empty(statement, f"{name.full}: {'; '.join(done)}")
