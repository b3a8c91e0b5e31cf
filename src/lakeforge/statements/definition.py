"""Table definitions written in SQL: columns, constraints and properties of ``CREATE TABLE`` and
``ALTER TABLE ADD COLUMNS``, turned into an Arrow schema plus the catalog's table roles.

- column types are Spark SQL types (sqlglot names them in the Spark dialect, the table layer
  maps them to Arrow); ``NOT NULL`` and ``COMMENT`` are kept (comments in the Delta field
  metadata);
- ``PRIMARY KEY (a, ts TIMESERIES)`` (named with ``CONSTRAINT`` or not, or inline on a column)
  makes the table a feature table; as in the reference, every key column must be NOT NULL;
- ``PARTITIONED BY``, ``CLUSTER BY``, ``COMMENT``, ``TBLPROPERTIES`` and ``USING DELTA`` are
  read; anything else (a location, another format, CHECK constraints, generated or default
  columns) is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
from sqlglot import exp

from lakeforge.errors import ValidationError
from lakeforge.statements.parser import Statement, unsupported
from lakeforge.tables.definition import COMMENT_KEY
from lakeforge.tables.types import parse_type


@dataclass(frozen=True, slots=True)
class TableDefinition:
    """What a CREATE TABLE declares."""

    schema: pa.Schema | None
    primary_keys: tuple[str, ...] = ()
    timeseries_key: str | None = None
    constraint: str | None = None
    partition_columns: tuple[str, ...] = ()
    clustering_columns: tuple[str, ...] = ()
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


def column_field(statement: Statement, column: exp.ColumnDef) -> tuple[pa.Field, bool]:
    """The Arrow field of a column definition, and whether it is declared PRIMARY KEY."""
    kind = column.args.get("kind")
    if kind is None:
        raise ValidationError(
            f"column {column.name!r} has no type", "declare it as `name TYPE`, e.g. id BIGINT"
        )
    nullable, comment, key = True, None, False
    for constraint in column.constraints:
        spec = constraint.kind
        if isinstance(spec, exp.NotNullColumnConstraint):
            nullable = bool(spec.args.get("allow_null"))
        elif isinstance(spec, exp.CommentColumnConstraint):
            comment = spec.this.name
        elif isinstance(spec, exp.PrimaryKeyColumnConstraint):
            key = True
        else:
            raise unsupported(statement, f"column constraint {constraint.sql('databricks')}")
    metadata = {COMMENT_KEY: comment.encode()} if comment is not None else None
    return pa.field(column.name, parse_type(kind.sql("spark")), nullable, metadata), key


def primary_key(statement: Statement, node: exp.PrimaryKey) -> tuple[tuple[str, ...], str | None]:
    keys: list[str] = []
    timeseries: str | None = None
    for part in node.expressions:
        if isinstance(part, exp.TimeseriesKey):
            if timeseries is not None:
                raise ValidationError(
                    "a primary key has at most one TIMESERIES column",
                    "mark only the time column with TIMESERIES",
                )
            timeseries = part.this.name
            keys.append(timeseries)
        elif isinstance(part, exp.Identifier | exp.Column):
            keys.append(part.name)
        else:
            raise unsupported(statement, f"primary key part {part.sql('databricks')}")
    return tuple(keys), timeseries


def _columns(
    statement: Statement, nodes: list[exp.Expr]
) -> tuple[list[pa.Field], tuple[str, ...], str | None, str | None]:
    fields: list[pa.Field] = []
    keys: tuple[str, ...] = ()
    timeseries: str | None = None
    name: str | None = None
    inline: list[str] = []
    for node in nodes:
        if isinstance(node, exp.ColumnDef):
            column, is_key = column_field(statement, node)
            fields.append(column)
            inline += [column.name] if is_key else []
        elif isinstance(node, exp.Constraint) and isinstance(node.expressions[0], exp.PrimaryKey):
            name = node.name
            keys, timeseries = primary_key(statement, node.expressions[0])
        elif isinstance(node, exp.PrimaryKey):
            keys, timeseries = primary_key(statement, node)
        else:
            raise unsupported(statement, f"table element {node.sql('databricks')}")
    if inline and keys:
        raise ValidationError(
            "the primary key is declared twice (inline and as a constraint)", "declare it once"
        )
    return fields, keys or tuple(inline), timeseries, name


@dataclass
class _Clauses:
    partitions: tuple[str, ...] = ()
    clustering: tuple[str, ...] = ()
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


def _clauses(statement: Statement, tree: exp.Create) -> _Clauses:
    found = _Clauses()
    props = tree.args.get("properties")
    for prop in props.expressions if props is not None else []:
        if isinstance(prop, exp.FileFormatProperty):
            if prop.name.upper() != "DELTA":
                raise unsupported(statement, f"USING {prop.name} (only Delta tables)")
        elif isinstance(prop, exp.PartitionedByProperty):
            parts = prop.this.expressions if isinstance(prop.this, exp.Schema) else [prop.this]
            if any(isinstance(p, exp.ColumnDef) for p in parts):
                raise unsupported(statement, "PARTITIONED BY with column types")
            found.partitions = tuple(p.name for p in parts)
        elif isinstance(prop, exp.ClusterProperty):
            found.clustering = tuple(p.name for p in prop.expressions)
        elif isinstance(prop, exp.SchemaCommentProperty):
            found.comment = prop.this.name
        elif type(prop) is exp.Property:
            found.properties[prop.name] = prop.args["value"].name
        else:
            raise unsupported(statement, f"table property {prop.sql('databricks')}")
    return found


def read(statement: Statement, tree: exp.Create) -> TableDefinition:
    """The definition a CREATE TABLE statement declares.

    Raises:
        ValidationError: A key column that is nullable or missing, two primary keys.
        UnsupportedStatementError: A clause lakeforge does not run.
    """
    schema = None
    keys: tuple[str, ...] = ()
    timeseries = constraint = None
    if isinstance(tree.this, exp.Schema):
        fields, keys, timeseries, constraint = _columns(statement, list(tree.this.expressions))
        schema = pa.schema(fields)
        nullable = [f.name for f in fields if f.name in keys and f.nullable]
        missing = [k for k in keys if k not in schema.names]
        if missing:
            raise ValidationError(
                f"primary key column(s) {missing} are not columns of the table {schema.names}",
                "fix the key or add the columns",
            )
        if nullable:
            raise ValidationError(
                f"cannot create the primary key: key column(s) {nullable} are nullable",
                "declare every key column NOT NULL, e.g. id BIGINT NOT NULL",
            )
    found = _clauses(statement, tree)
    return TableDefinition(
        schema=schema,
        primary_keys=keys,
        timeseries_key=timeseries,
        constraint=constraint,
        partition_columns=found.partitions,
        clustering_columns=found.clustering,
        comment=found.comment,
        properties=found.properties,
    )
