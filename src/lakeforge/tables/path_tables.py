"""Delta tables and data files by path, not by name: what ``spark.read.format("delta")
.load(path)`` and ``df.write.format("delta").mode(m).save(path)`` do in the reference.

Paths follow :mod:`lakeforge.tables.locations` (``/Volumes/...``, ``dbfs:/...``,
``file:/...``). Writes go through the same writer as tables by name: data checked and
normalized first (every cast reported), new columns added, one commit retried on conflicts.
Save modes are Spark's: ``error`` (the default, also ``errorifexists``), ``append``,
``overwrite`` and ``ignore``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import pyarrow as pa
import pyarrow.dataset as pads
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError

from lakeforge.errors import LocationError, PathNotFoundError, SchemaMismatchError
from lakeforge.frames import FrameKind, check_kind, from_arrow, to_arrow
from lakeforge.tables import reader, writer
from lakeforge.tables.locations import Location, resolve_location

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

Mode = Literal["error", "errorifexists", "append", "overwrite", "ignore"]
MODES: tuple[str, ...] = get_args(Mode)
FileFormat = Literal["parquet", "csv", "json"]
FILE_FORMATS: tuple[str, ...] = get_args(FileFormat)


def is_delta(path: Path) -> bool:
    """Whether a Delta table lives at ``path``."""
    return (path / "_delta_log").is_dir()


def _missing(location: Location, local: Path) -> PathNotFoundError:
    parent = local.parent
    existing = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []
    hint = ""
    if location.kind == "dbfs" and not location.written.startswith(("dbfs:", "/dbfs")):
        hint = (
            " (a path without a scheme is on the workspace's DBFS, as in the reference; "
            "write file:/absolute/path for a local file)"
        )
    return PathNotFoundError(
        location.uri,
        existing,
        f"check the path{hint}; paths may be /Volumes/<c>/<s>/<v>/..., dbfs:/..., file:/...",
    )


def open_delta(
    location: Location, *, version: int | None = None, timestamp: datetime | str | None = None
) -> DeltaTable:
    """The Delta snapshot at ``location`` (latest, a version, or a timestamp).

    Raises:
        PathNotFoundError: Nothing at the path.
        LocationError: Something that is not a Delta table.
        VersionNotFoundError: A version or timestamp outside the table's history.
    """
    local = location.require_local()
    if not local.exists():
        raise _missing(location, local)
    if not is_delta(local):
        raise LocationError(
            location.uri,
            "is not a Delta table (no _delta_log folder)",
            "read data files with format parquet/csv/json, or write the table first",
        )
    return reader.open_snapshot(local, location.uri, version=version, timestamp=timestamp)


def file_dataset(location: Location, fmt: str) -> pads.Dataset:
    """Data files at ``location`` (one file or a folder of them, Hive partitions read) as a
    lazily read Arrow dataset.

    Raises:
        PathNotFoundError: Nothing at the path.
        LocationError: An unknown format, or files that cannot be read in it.
    """
    if fmt not in FILE_FORMATS:
        raise LocationError(
            location.uri, f"cannot be read as {fmt!r}", f"use one of {('delta', *FILE_FORMATS)}"
        )
    local = location.require_local()
    if not local.exists():
        raise _missing(location, local)
    try:
        return pads.dataset(str(local), format=fmt, partitioning="hive")
    except (pa.ArrowInvalid, OSError) as exc:
        raise LocationError(
            location.uri, f"cannot be read as {fmt}: {exc}", "check the files and the format"
        ) from exc


def _check_partitions(location: Location, table: DeltaTable, partition_by: Sequence[str]) -> None:
    current = list(table.metadata().partition_columns)
    if partition_by and list(partition_by) != current:
        raise SchemaMismatchError(
            location.uri,
            f"the table is partitioned by {current}, not {list(partition_by)}",
            "write with the table's partitioning (or to a new path)",
        )


def _create(
    location: Location, local: Path, data: pa.Table, partition_by: Sequence[str]
) -> writer.WriteResult:
    prepared = writer.prepare(data, None, table=location.uri)
    local.parent.mkdir(parents=True, exist_ok=True)
    write_deltalake(
        str(local),
        prepared.data,
        mode="error",
        partition_by=list(partition_by) or None,
        commit_properties=writer.commit_properties(),
    )
    return writer.WriteResult(
        location.uri,
        "CREATE",
        0,
        rows_inserted=prepared.data.num_rows,
        casts=prepared.casts,
    )


def write_location(
    location: Location,
    data: Any,
    *,
    mode: str = "error",
    partition_by: Sequence[str] = (),
    timeout_s: float = 60.0,
) -> writer.WriteResult | None:
    """Write ``data`` as a Delta table at ``location`` with a Spark save mode.

    Returns what the write did, or None when ``mode="ignore"`` found a table there.

    Raises:
        LocationError: A bad mode, a table already there (mode ``error``), or a path that
            holds something else.
        SchemaMismatchError: Data that does not fit the existing table.
    """
    mode = mode.lower()
    if mode not in MODES:
        raise LocationError(location.uri, f"cannot be written with mode {mode!r}", f"use {MODES}")
    local = location.require_local()
    arrow = to_arrow(data)
    if not is_delta(local):
        if local.exists() and (local.is_file() or any(local.iterdir())):
            raise LocationError(
                location.uri,
                "holds files that are not a Delta table",
                "write to an empty or new path, or remove the files first (dbutils.fs.rm)",
            )
        try:
            return _create(location, local, arrow, partition_by)
        except DeltaError:
            if not is_delta(local):
                raise
            # another writer created the table first: write to it as the mode says
    if mode in ("error", "errorifexists"):
        raise LocationError(
            location.uri,
            "already holds a Delta table",
            "pass mode='append' or mode='overwrite' (Spark: .mode('append'))",
        )
    if mode == "ignore":
        return None
    table = DeltaTable(str(local))
    _check_partitions(location, table, partition_by)
    prepared = writer.prepare(arrow, writer.table_schema(table), table=location.uri)
    if mode == "append":
        return writer.append(local, location.uri, prepared, timeout_s)
    return writer.overwrite(local, location.uri, prepared, timeout_s)


# -- the top-level API (re-exported as lakeforge.read_delta / write_delta / read_files) ------
def _workspace(workspace: str | Path | None) -> Workspace:
    from lakeforge.tables.workspace import default_workspace

    return default_workspace(workspace)


def _locate(ws: Workspace, path: str | Path) -> Location:
    return resolve_location(path, ws.settings, ws.metadata)


def read_delta(
    path: str | Path,
    *,
    version: int | None = None,
    timestamp: datetime | str | None = None,
    columns: Sequence[str] | None = None,
    kind: FrameKind = "pandas",
    workspace: str | Path | None = None,
) -> Any:
    """Read the Delta table at ``path``, as ``spark.read.format("delta").load(path)``.

    Args:
        path: ``/Volumes/<c>/<s>/<v>/...``, ``dbfs:/...`` or ``file:/...`` (see docs/sql.md).
        version: Read this version (``versionAsOf``).
        timestamp: Read the version current at this time (``timestampAsOf``).
        columns: Only these columns.
        kind: ``"pandas"`` (default), ``"polars"`` or ``"arrow"``.
        workspace: Workspace directory (default: ``LAKEFORGE_HOME`` or ``./.lakeforge``).
    """
    wanted = check_kind(kind)
    location = _locate(_workspace(workspace), path)
    snapshot = open_delta(location, version=version, timestamp=timestamp)
    return from_arrow(reader.read(snapshot, location.uri, columns), wanted)


def write_delta(
    df: Any,
    path: str | Path,
    *,
    mode: Mode = "error",
    partition_by: Sequence[str] = (),
    workspace: str | Path | None = None,
) -> writer.WriteResult | None:
    """Write ``df`` as a Delta table at ``path``, as ``df.write.format("delta").mode(mode)
    .save(path)``; returns what was written (None when ``mode="ignore"`` found a table)."""
    ws = _workspace(workspace)
    return write_location(
        _locate(ws, path),
        df,
        mode=mode,
        partition_by=partition_by,
        timeout_s=ws.settings.commit_timeout_s,
    )


def read_files(
    path: str | Path,
    *,
    format: FileFormat = "parquet",
    kind: FrameKind = "pandas",
    workspace: str | Path | None = None,
) -> Any:
    """Read Parquet, CSV or JSON-lines files at ``path`` (a file or a folder), as
    ``spark.read.format(format).load(path)``."""
    wanted = check_kind(kind)
    location = _locate(_workspace(workspace), path)
    return from_arrow(file_dataset(location, format).to_table(), wanted)
