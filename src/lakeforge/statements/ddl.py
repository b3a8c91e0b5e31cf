"""Catalogs, schemas and tables by SQL: ``CREATE``, ``DROP``, ``COMMENT ON`` and ``USE``.

``CREATE [OR REPLACE] TABLE`` goes through the table layer: a new table is one
``TableStore.create`` (data first, then the catalog entry); ``OR REPLACE`` of an existing table
rewrites it in place, keeping its history, id, owner and tags. A table declared with a
``PRIMARY KEY`` is a feature table, exactly as one made by ``fe.create_table``.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from lakeforge.errors import ValidationError
from lakeforge.statements.definition import TableDefinition, read
from lakeforge.statements.parser import Statement, unsupported
from lakeforge.statements.query import run_query
from lakeforge.statements.session import (
    Session,
    StatementResult,
    counts,
    empty,
    resolve_column,
    table_parts,
)
from lakeforge.tables import alter


def create_catalog(session: Session, statement: Statement) -> StatementResult:
    """``CREATE CATALOG [IF NOT EXISTS] name [COMMENT '...']``."""
    command = statement.command
    assert command is not None
    name = command.name[-1] if len(command.name) == 1 else ".".join(command.name)
    info = session.ws.catalogs.create(
        name, comment=command.comment, owner=session.user, if_not_exists=command.if_not_exists
    )
    return empty(statement, f"catalog {info.name} exists")


def _schema_comment(statement: Statement, tree: exp.Create) -> str | None:
    comment = None
    props = tree.args.get("properties")
    for prop in props.expressions if props is not None else []:
        if isinstance(prop, exp.SchemaCommentProperty):
            comment = prop.this.name
        else:
            raise unsupported(statement, f"CREATE SCHEMA with {prop.sql('databricks')}")
    return comment


def create_schema(session: Session, statement: Statement) -> StatementResult:
    """``CREATE SCHEMA|DATABASE [IF NOT EXISTS] [catalog.]schema [COMMENT '...']``."""
    tree = statement.tree
    assert isinstance(tree, exp.Create) and isinstance(tree.this, exp.Table)
    catalog, schema = session.schema_name(table_parts(tree.this))
    info = session.ws.schemas.create(
        catalog,
        schema,
        comment=_schema_comment(statement, tree),
        owner=session.user,
        if_not_exists=bool(tree.args.get("exists")),
    )
    return empty(statement, f"schema {info.full_name} exists")


def _catalog_properties(definition: TableDefinition, table: str) -> dict[str, Any]:
    _, other = alter.split_properties(definition.properties)
    props: dict[str, Any] = {}
    if other:
        props[alter.TABLE_PROPERTIES] = other
    if definition.clustering_columns:
        props[alter.CLUSTERING_COLUMNS] = list(definition.clustering_columns)
    if definition.primary_keys:
        props[alter.PRIMARY_KEY_NAME] = definition.constraint or f"{table}_pk"
    return props


def _check_columns(definition: TableDefinition, table: str) -> TableDefinition:
    """Key, partition and clustering columns exist (names match case-insensitively)."""
    if definition.schema is None:
        return definition
    names = definition.schema.names
    for column in (*definition.partition_columns, *definition.clustering_columns):
        resolve_column(table, names, column)
    return definition


def create_table(session: Session, statement: Statement) -> StatementResult:
    """``CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name (columns ...) | AS SELECT ...``."""
    tree = statement.tree
    assert isinstance(tree, exp.Create)
    node = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    name = session.table_name(node)
    replace, if_not_exists = bool(tree.args.get("replace")), bool(tree.args.get("exists"))
    if replace and if_not_exists:
        raise ValidationError(
            "CREATE OR REPLACE TABLE cannot be combined with IF NOT EXISTS", "use one of them"
        )
    definition = _check_columns(read(statement, tree), name.full)
    query = tree.expression
    if definition.schema is not None and query is not None:
        raise unsupported(statement, "CREATE TABLE with both a column list and AS SELECT")
    if definition.schema is None and query is None:
        raise ValidationError(
            f"CREATE TABLE {name.full} declares no columns", "list the columns or add AS SELECT"
        )
    exists = session.ws.metadata.tables.exists(name)
    if exists and if_not_exists:
        return empty(statement, f"table {name.full} exists (unchanged)")
    data = run_query(session, query) if query is not None else None
    operation = ("CREATE OR REPLACE TABLE" if replace else "CREATE TABLE") + (
        " AS SELECT" if query is not None else ""
    )
    delta, _ = alter.split_properties(definition.properties)
    options: dict[str, Any] = {
        "data": data,
        "schema": definition.schema,
        "primary_keys": definition.primary_keys,
        "timeseries_key": definition.timeseries_key,
        "partition_columns": definition.partition_columns,
        "description": definition.comment,
        "configuration": delta,
        "properties": _catalog_properties(definition, name.name),
        "commit_info": session.commit_info(statement, operation),
    }
    if replace and exists:
        _, written = alter.replace(session.ws.tables, name, **options)
    else:
        session.ws.tables.create(name, **options)
        written = data.num_rows if data is not None else 0
    message = f"{operation.lower()} {name.full}"
    if query is None:
        return empty(statement, message)
    return counts(
        statement,
        f"{message}: {written} row(s)",
        num_affected_rows=written,
        num_inserted_rows=written,
    )


def drop(session: Session, statement: Statement) -> StatementResult:
    """``DROP TABLE|SCHEMA|DATABASE|CATALOG [IF EXISTS] name [CASCADE]``."""
    ws = session.ws
    if statement.command is not None:
        command = statement.command
        name = ".".join(command.name)
        done = ws.drop_catalog(name, cascade=command.cascade, if_exists=command.if_exists)
        return empty(statement, f"catalog {name} {'dropped' if done else 'did not exist'}")
    tree = statement.tree
    assert isinstance(tree, exp.Drop)
    kind = str(tree.args.get("kind") or "").upper()
    exists, cascade = bool(tree.args.get("exists")), bool(tree.args.get("cascade"))
    messages = []
    nodes = tree.args.get("tables") or []
    if not nodes:
        raise unsupported(statement, f"DROP {kind} without a name")
    for node in nodes:
        if kind == "TABLE":
            obj = session.table_name(node)
            done = ws.tables.drop(obj, if_exists=exists)
            messages.append(f"table {obj.full} {'dropped' if done else 'did not exist'}")
        else:
            catalog, schema = session.schema_name(table_parts(node))
            done = ws.drop_schema(f"{catalog}.{schema}", cascade=cascade, if_exists=exists)
            messages.append(f"schema {catalog}.{schema} {'dropped' if done else 'did not exist'}")
    return empty(statement, "; ".join(messages))


def comment(session: Session, statement: Statement) -> StatementResult:
    """``COMMENT ON CATALOG|SCHEMA|TABLE|COLUMN name IS 'text'``."""
    ws = session.ws
    if statement.command is not None:
        command = statement.command
        ws.catalogs.set_comment(".".join(command.name), command.comment)
        return empty(statement, f"comment set on catalog {'.'.join(command.name)}")
    tree = statement.tree
    assert isinstance(tree, exp.Comment)
    kind = str(tree.args.get("kind") or "").upper()
    text = tree.expression.name
    target = tree.this
    if kind == "TABLE":
        obj = session.table_name(target)
        ws.tables.set_description(obj, text)
        return empty(statement, f"comment set on table {obj.full}")
    if kind in ("SCHEMA", "DATABASE"):
        catalog, schema = session.schema_name(table_parts(target))
        ws.schemas.set_comment(catalog, schema, text)
        return empty(statement, f"comment set on schema {catalog}.{schema}")
    if kind == "COLUMN" and isinstance(target, exp.Column):
        parts = [p.name for p in target.parts[:-1]]
        obj = session.object_name(parts)
        alter.set_column_comment(
            ws.tables, obj, target.name, text, session.commit_info(statement, "CHANGE COLUMN")
        )
        return empty(statement, f"comment set on column {obj.full}.{target.name}")
    raise unsupported(statement, f"COMMENT ON {kind}")


def use(session: Session, statement: Statement) -> StatementResult:
    """``USE CATALOG c``, ``USE SCHEMA s`` / ``USE DATABASE s`` / ``USE [c.]s``."""
    tree = statement.tree
    assert isinstance(tree, exp.Use)
    kind = str(tree.args.get("kind") or "").upper()
    parts = table_parts(tree.this)
    if kind == "CATALOG":
        settings = session.ws.use(catalog=".".join(parts))
    else:
        settings = session.ws.use(schema=".".join(parts))
    current = f"{settings.current_catalog}.{settings.current_schema}"
    return empty(statement, f"current schema is {current}")
