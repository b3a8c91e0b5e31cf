"""``DESCRIBE [TABLE] [EXTENDED]``, ``DESCRIBE HISTORY``, ``DESCRIBE DETAIL`` and ``SHOW
CATALOGS|SCHEMAS|TABLES``, with the reference's column names.

LIKE patterns follow the reference: ``*`` matches any characters, ``|`` separates
alternatives, the rest is a regular expression, matched case-insensitively.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from lakeforge.catalog.records import TableInfo
from lakeforge.statements.parser import Command, Statement, unsupported
from lakeforge.statements.session import Session, StatementResult, rows
from lakeforge.tables import alter, reader
from lakeforge.tables.locations import resolve_location
from lakeforge.tables.path_tables import open_delta
from lakeforge.tables.reader import HistoryEntry

_STRINGS = pa.map_(pa.string(), pa.string())
_JOB = pa.struct([(n, pa.string()) for n in ("jobId", "jobName", "runId", "jobOwnerId")])
_NOTEBOOK = pa.struct([("notebookId", pa.string())])


def matches(pattern: str | None, name: str) -> bool:
    """Whether ``name`` matches a SHOW ... LIKE pattern (the reference's rules, above)."""
    if pattern is None:
        return True
    alternatives = [p.strip().replace("*", ".*") for p in pattern.strip().split("|")]
    return any(re.fullmatch(p, name, re.IGNORECASE) for p in alternatives)


def _key_text(info: TableInfo) -> str:
    parts = [
        f"`{k}` TIMESERIES" if k == info.timeseries_key else f"`{k}`" for k in info.primary_keys
    ]
    return f"PRIMARY KEY ({', '.join(parts)})"


def _extended(session: Session, info: TableInfo) -> list[tuple[str, str, str]]:
    properties = _properties(session, info)
    lines = [
        ("", "", ""),
        ("# Detailed Table Information", "", ""),
        ("Catalog", info.name.catalog, ""),
        ("Database", info.name.schema, ""),
        ("Table", info.name.name, ""),
        ("Created Time", _stamp(info.created_at).isoformat(), ""),
        ("Owner", info.owner or "", ""),
        ("Type", info.table_type, ""),
        ("Comment", info.description or "", ""),
        ("Location", str(session.ws.tables.path(info)), ""),
        ("Provider", info.data_format.lower(), ""),
        (
            "Table Properties",
            "[" + ",".join(f"{k}={v}" for k, v in sorted(properties.items())) + "]",
            "",
        ),
    ]
    if info.primary_keys:
        constraint = str(info.properties.get(alter.PRIMARY_KEY_NAME) or f"{info.name.name}_pk")
        lines += [("", "", ""), ("# Constraints", "", ""), (constraint, _key_text(info), "")]
    return lines


def describe(session: Session, statement: Statement) -> StatementResult:
    """``DESCRIBE [TABLE] [EXTENDED|FORMATTED] name``: col_name, data_type, comment."""
    tree = statement.tree
    assert isinstance(tree, exp.Describe)
    kind = str(tree.args.get("kind") or "TABLE").upper()
    if kind != "TABLE" or tree.args.get("partition") or tree.args.get("expressions"):
        raise unsupported(statement, f"DESCRIBE {kind}" if kind != "TABLE" else "DESCRIBE t col")
    info = session.ws.tables.get(session.table_name(tree.this))
    lines = [(c.name, c.data_type, c.comment or "") for c in info.columns]
    types = {c.name: c.data_type for c in info.columns}
    for title, columns in (
        ("# Partition Information", info.partition_columns),
        ("# Clustering Information", info.properties.get(alter.CLUSTERING_COLUMNS) or ()),
    ):
        if columns:
            lines += [(title, "", ""), ("# col_name", "data_type", "comment")]
            lines += [(c, types.get(c, ""), "") for c in columns]
    if str(tree.args.get("style") or "").upper() in ("EXTENDED", "FORMATTED"):
        lines += _extended(session, info)
    names = ("col_name", "data_type", "comment")
    data = {n: [line[i] for line in lines] for i, n in enumerate(names)}
    return rows(statement, f"{len(info.columns)} column(s) of {info.name.full}", data)


def _stamp(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _strings(values: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()]


def _delta_path(parts: tuple[str, ...]) -> str | None:
    """The path of ``delta.`path``` as the command grammar read it, else None."""
    if len(parts) == 2 and parts[0].lower() == "delta" and any(c in parts[1] for c in "/:"):
        return parts[1]
    return None


def _history_entries(session: Session, command: Command) -> tuple[str, list[HistoryEntry]]:
    path = _delta_path(command.name)
    if path is None:
        name = session.object_name(command.name)
        return name.full, session.ws.tables.history(name, command.limit)
    location = resolve_location(path, session.ws.settings, session.ws.metadata)
    return location.uri, reader.history(open_delta(location), command.limit)


def history(session: Session, statement: Statement) -> StatementResult:
    """``DESCRIBE HISTORY name|delta.`path` [LIMIT n]``: the reference's history columns,
    newest first."""
    command = statement.command
    assert command is not None
    title, entries = _history_entries(session, command)
    details = [e.details for e in entries]
    data = {
        "version": pa.array([e.version for e in entries], pa.int64()),
        "timestamp": pa.array([e.timestamp for e in entries], pa.timestamp("us", tz="UTC")),
        "userId": pa.array([d.get("userId") for d in details], pa.string()),
        "userName": pa.array([d.get("userName") for d in details], pa.string()),
        "operation": pa.array([e.operation for e in entries], pa.string()),
        "operationParameters": pa.array([_strings(e.parameters) for e in entries], _STRINGS),
        "job": pa.nulls(len(entries), _JOB),
        "notebook": pa.nulls(len(entries), _NOTEBOOK),
        "clusterId": pa.nulls(len(entries), pa.string()),
        "readVersion": pa.array([d.get("readVersion") for d in details], pa.int64()),
        "isolationLevel": pa.array([d.get("isolationLevel") for d in details], pa.string()),
        "isBlindAppend": pa.array([d.get("isBlindAppend") for d in details], pa.bool_()),
        "operationMetrics": pa.array([_strings(e.metrics) for e in entries], _STRINGS),
        "userMetadata": pa.array([d.get("userMetadata") for d in details], pa.string()),
        "engineInfo": pa.array([d.get("engineInfo") for d in details], pa.string()),
    }
    return rows(statement, f"{len(entries)} version(s) of {title}", data)


def _properties(session: Session, info: TableInfo) -> dict[str, str]:
    snapshot = session.ws.tables.snapshot(info.name)
    delta = {k: str(v) for k, v in snapshot.metadata().configuration.items() if v is not None}
    other = dict(info.properties.get(alter.TABLE_PROPERTIES) or {})
    return {**other, **delta}


def detail(session: Session, statement: Statement) -> StatementResult:
    """``DESCRIBE DETAIL name``: one row with the reference's detail columns."""
    command = statement.command
    assert command is not None
    if _delta_path(command.name) is not None:
        raise unsupported(statement, "DESCRIBE DETAIL of a table by path")
    info = session.ws.tables.get(session.object_name(command.name))
    snapshot = session.ws.tables.snapshot(info.name)
    files = pa.table(snapshot.get_add_actions(flatten=True))
    protocol = snapshot.protocol()
    features = sorted(set(protocol.reader_features or []) | set(protocol.writer_features or []))
    last = session.ws.tables.history(info.name, 1)[0].timestamp
    size = pc.sum(files.column("size_bytes")).as_py() if files.num_rows else 0
    clustering = list(info.properties.get(alter.CLUSTERING_COLUMNS) or [])
    data = {
        "format": ["delta"],
        "id": [info.table_id],
        "name": [info.name.full],
        "description": pa.array([info.description], pa.string()),
        "location": [str(session.ws.tables.path(info))],
        "createdAt": pa.array([_stamp(info.created_at)], pa.timestamp("us", tz="UTC")),
        "lastModified": pa.array([last], pa.timestamp("us", tz="UTC")),
        "partitionColumns": pa.array([list(info.partition_columns)], pa.list_(pa.string())),
        "clusteringColumns": pa.array([clustering], pa.list_(pa.string())),
        "numFiles": pa.array([files.num_rows], pa.int64()),
        "sizeInBytes": pa.array([int(size or 0)], pa.int64()),
        "properties": pa.array([list(_properties(session, info).items())], _STRINGS),
        "minReaderVersion": pa.array([protocol.min_reader_version], pa.int32()),
        "minWriterVersion": pa.array([protocol.min_writer_version], pa.int32()),
        "tableFeatures": pa.array([features], pa.list_(pa.string())),
        "statistics": pa.array([[]], _STRINGS),
    }
    return rows(statement, f"details of {info.name.full}", data)


def show(session: Session, statement: Statement) -> StatementResult:
    """``SHOW CATALOGS``, ``SHOW SCHEMAS [IN catalog]``, ``SHOW TABLES [IN schema]``
    (each with an optional ``[LIKE] 'pattern'``)."""
    command = statement.command
    assert command is not None
    ws = session.ws
    if command.kind == "SHOW CATALOGS":
        names = [c.name for c in ws.catalogs.list() if matches(command.pattern, c.name)]
        return rows(
            statement, f"{len(names)} catalog(s)", {"catalog": pa.array(names, pa.string())}
        )
    if command.kind == "SHOW SCHEMAS":
        catalog = ".".join(command.name) if command.name else session.catalog
        names = [s.name for s in ws.schemas.list(catalog) if matches(command.pattern, s.name)]
        data = {"databaseName": pa.array(names, pa.string())}
        return rows(statement, f"{len(names)} schema(s) in {catalog}", data)
    catalog, schema = (
        session.schema_name(list(command.name))
        if command.name
        else (session.catalog, session.schema)
    )
    tables = [
        t for t in ws.tables.list(f"{catalog}.{schema}") if matches(command.pattern, t.name.name)
    ]
    data = {
        "database": pa.array([schema] * len(tables), pa.string()),
        "tableName": pa.array([t.name.name for t in tables], pa.string()),
        "isTemporary": pa.array([False] * len(tables), pa.bool_()),
    }
    return rows(statement, f"{len(tables)} table(s) in {catalog}.{schema}", data)
