"""Reading Delta tables: snapshots at a version or timestamp, whole or streamed, and history."""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError

from lakeforge.errors import (
    LakeforgeError,
    SchemaMismatchError,
    ValidationError,
    VersionNotFoundError,
)

# Commit-info key naming the statement a commit came from when it differs from the Delta
# operation (a SQL UPDATE is committed by a deltalake merge); history shows this name.
OPERATION_KEY = "lakeforge.operation"
PARAMETERS_KEY = "lakeforge.operationParameters"  # JSON object, replaces operationParameters
_HISTORY_FIELDS = {"version", "timestamp", "operation", "operationParameters", "operationMetrics"}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One commit of a table (``details``: the other commit-info fields, e.g. ``readVersion``,
    ``isBlindAppend``, ``engineInfo``, ``userName``)."""

    version: int
    timestamp: datetime
    operation: str
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


def _as_datetime(value: datetime | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(
                f"timestamp {value!r} is not ISO 8601",
                "use e.g. '2024-01-01T00:00:00' or '2024-01-01T00:00:00+00:00'",
            ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _version_at(table: DeltaTable, when: datetime) -> int | None:
    """The newest version committed at or before ``when``, by the commit timestamps that
    :func:`history` shows (deltalake's own lookup uses log file times, which can differ); None
    before the first commit."""
    wanted_ms = (when - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1)
    versions = [
        int(commit["version"])
        for commit in table.history()
        if "version" in commit and int(commit.get("timestamp", 0)) <= wanted_ms
    ]
    return max(versions, default=None)


def open_snapshot(
    path: Path,
    name: str,
    *,
    version: int | None = None,
    timestamp: datetime | str | None = None,
) -> DeltaTable:
    """Open a Delta table at its latest version, a version, or the version current at a time.

    Raises:
        ValidationError: Both ``version`` and ``timestamp`` given.
        VersionNotFoundError: The version/timestamp is outside the table's history.
        LakeforgeError: No Delta table at the location (metadata without data).
    """
    if version is not None and timestamp is not None:
        raise ValidationError(
            "both version and timestamp were given", "pass only one of version= / timestamp="
        )
    try:
        table = DeltaTable(str(path))
    except TableNotFoundError as exc:
        raise LakeforgeError(
            f"table {name!r} is registered but has no Delta data at {path}",
            f"drop and recreate it: lakeforge tables drop {name}",
        ) from exc
    if version is None and timestamp is None:
        return table
    latest = table.version()
    wanted = f"version {version}" if version is not None else f"timestamp {timestamp}"
    not_found = VersionNotFoundError(
        f"{name} @ {wanted}",
        [f"0..{latest}"],
        "pick a version from `lakeforge tables history` (timestamps must be at or after "
        "the first commit)",
    )
    if version is not None:
        try:
            target = operator.index(version)  # int, numpy integers
        except TypeError:
            raise not_found from None
        if isinstance(version, bool) or target < 0:
            raise not_found
    else:
        found = _version_at(table, _as_datetime(timestamp or ""))
        if found is None:
            raise not_found
        target = found
    try:
        table.load_as_version(target)
    except (DeltaError, ValueError, OSError, OverflowError) as exc:
        raise not_found from exc
    return table


def _check_columns(table: DeltaTable, name: str, columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    available = [f.name for f in table.schema().fields]
    missing = [c for c in columns if c not in available]
    if missing:
        raise SchemaMismatchError(
            name, f"columns {missing} do not exist", f"choose from {available}"
        )
    return list(columns)


def _local_root(table: DeltaTable) -> str | None:
    uri = table.table_uri
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(uri).path)
    return uri if "://" not in uri else None


def dataset(table: DeltaTable) -> pads.Dataset:
    """The snapshot as a lazily read Arrow dataset (projection and filter pushdown).

    Local tables are read through Arrow's native file system, not deltalake's default Python
    file handler: files opened through Python objects need the GIL to be released, and an
    Arrow I/O thread that drops one while the interpreter exits aborts the whole process
    ("terminate called without an active exception"), seen in about a third of short scripts.
    """
    root = _local_root(table)
    if root is None:
        return table.to_pyarrow_dataset()
    from pyarrow import fs

    return table.to_pyarrow_dataset(filesystem=fs.SubTreeFileSystem(root, fs.LocalFileSystem()))


def _physical_view(field: pa.Field, physical: pa.Schema) -> pa.Field:
    if field.name not in physical.names:
        return field
    kind = physical.field(field.name).type
    if kind == pa.string_view() and field.type in (pa.string(), pa.large_string()):
        return field.with_type(kind)
    if kind == pa.binary_view() and field.type in (pa.binary(), pa.large_binary()):
        return field.with_type(kind)
    return field


def engine_dataset(table: DeltaTable) -> pads.Dataset:
    """The snapshot as a dataset whose string columns carry the files' physical (view) types.

    delta-rs writes Parquet files whose embedded Arrow schema uses ``string_view``; pyarrow then
    cannot evaluate a pushed-down filter whose literal is a plain ``string`` (no kernel for the
    pair). Declaring the view types lets engines (DuckDB) build filters of the matching type.
    Partition columns come from paths, not files, and keep their logical types.
    """
    base = dataset(table)
    fragments = list(base.get_fragments())
    if not fragments:
        return base
    partitions = set(table.metadata().partition_columns)
    physical = fragments[0].physical_schema
    schema = pa.schema(
        [f if f.name in partitions else _physical_view(f, physical) for f in base.schema]
    )
    if schema.equals(base.schema):
        return base
    return pads.FileSystemDataset(
        fragments, schema=schema, format=base.format, filesystem=base.filesystem
    )


def read(
    table: DeltaTable, name: str, columns: Sequence[str] | None = None, filter: Any = None
) -> pa.Table:
    """Materialize a snapshot (optionally selected columns / an Arrow filter expression)."""
    return dataset(table).to_table(columns=_check_columns(table, name, columns), filter=filter)


def scan(
    table: DeltaTable,
    name: str,
    columns: Sequence[str] | None = None,
    filter: Any = None,
    batch_size: int = 65536,
) -> pa.RecordBatchReader:
    """Stream a snapshot in record batches without materializing it."""
    ds = dataset(table)
    scanner = ds.scanner(
        columns=_check_columns(table, name, columns), filter=filter, batch_size=batch_size
    )
    return scanner.to_reader()


def history(table: DeltaTable, limit: int | None = None) -> list[HistoryEntry]:
    """Commits, newest first."""
    entries = []
    for item in table.history(limit):
        stamp = datetime.fromtimestamp(int(item.get("timestamp", 0)) / 1000, tz=UTC)
        details = {k: v for k, v in item.items() if k not in _HISTORY_FIELDS}
        operation = details.pop(OPERATION_KEY, None) or item.get("operation", "")
        parameters = dict(item.get("operationParameters") or {})
        if PARAMETERS_KEY in details:
            parameters = dict(json.loads(str(details.pop(PARAMETERS_KEY))))
        entries.append(
            HistoryEntry(
                version=int(item["version"]),
                timestamp=stamp,
                operation=str(operation),
                parameters=parameters,
                metrics=dict(item.get("operationMetrics") or {}),
                details=details,
            )
        )
    return entries
