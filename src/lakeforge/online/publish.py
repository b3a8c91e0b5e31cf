"""``publish_table``: a feature table's latest row per key, from Delta to the online store.

A publish reads the source at its current Delta version. The first publish (and ``SNAPSHOT``
mode, a recreated source, a schema change, or history since the last publish that deleted or
overwrote rows) copies the whole table; otherwise only the data files added since the version
published last are read — appends and merges only ever add files — and upserted. Timeseries
tables keep the latest row per key, and an older event time never overwrites a newer one.
The online table then records the Delta version it reflects.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as pads

from lakeforge.errors import ValidationError
from lakeforge.names import parse_name
from lakeforge.online.store import OnlineStore, OnlineTable
from lakeforge.tables import reader

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from lakeforge.catalog.records import TableInfo
    from lakeforge.tables.workspace import Workspace

PUBLISH_MODES = ("SNAPSHOT", "TRIGGERED", "CONTINUOUS")
_INCREMENTAL_OPS = {"MERGE", "WRITE", "STREAMING UPDATE"}
_REJECTED = ("filter_condition", "checkpoint_location", "trigger", "features")


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a publish did."""

    online_table: str
    source_table: str
    from_version: int | None
    to_version: int
    full: bool
    rows_read: int
    rows_online: int
    seconds: float


def online_name(source: TableInfo, given: str | None) -> str:
    """The online table name: ``given`` (three parts, each at most 63 bytes) or
    ``<source>_online``."""
    name = given or f"{source.name.full}_online"
    parsed = parse_name(name)
    if len(name.split(".")) != 3:
        raise ValidationError(
            f"online_table_name {name!r} is not catalog.schema.name", "give all three parts"
        )
    long = [p for p in (parsed.catalog, parsed.schema, parsed.name) if len(p.encode()) > 63]
    if long:
        raise ValidationError(
            f"online_table_name {name!r} has parts longer than 63 bytes: {long}", "shorten them"
        )
    return parsed.full


def _check_options(publish_mode: str, options: dict[str, Any]) -> None:
    rejected = sorted(k for k in options if k in _REJECTED)
    unknown = sorted(k for k in options if k not in _REJECTED and k != "streaming")
    if rejected or unknown:
        raise ValidationError(
            f"publish_table options {rejected + unknown} are not supported by the lakeforge "
            "online store",
            "publish the whole feature table (select features in the FeatureLookup instead)",
        )
    if publish_mode not in PUBLISH_MODES:
        raise ValidationError(
            f"publish_mode {publish_mode!r} is not one of {list(PUBLISH_MODES)}",
            "use TRIGGERED (incremental, the default) or SNAPSHOT (full copy)",
        )
    if publish_mode == "CONTINUOUS" or options.get("streaming"):
        raise ValidationError(
            "continuous (streaming) publishing is not available in the embedded online store",
            "publish with publish_mode='TRIGGERED' after each write (it only reads new files)",
        )


def _needs_full(ws: Workspace, info: TableInfo, previous: OnlineTable | None, version: int) -> bool:
    if previous is None or previous.source_table_id != info.table_id:
        return True
    if previous.published_version > version:
        return True  # the source was restored to an older version
    history = ws.tables.history(info.name)
    since = [h for h in history if h.version > previous.published_version]
    for entry in since:
        mode = str(entry.parameters.get("mode", "")).lower()
        if entry.operation not in _INCREMENTAL_OPS or mode == "overwrite":
            return True
    return False


def _added_files(snapshot: DeltaTable, old: DeltaTable) -> set[str]:
    def paths(table: DeltaTable) -> set[str]:
        actions = pa.table(table.get_add_actions(flatten=True))
        return set(actions.column("path").to_pylist())

    return paths(snapshot) - paths(old)


def _read(snapshot: DeltaTable, root: Path, only: set[str] | None) -> pa.Table:
    dataset = reader.dataset(snapshot)
    if only is None:
        return dataset.to_table()

    def relative(path: str) -> str:  # fragments may be relative to the table or absolute
        return Path(path).relative_to(root).as_posix() if Path(path).is_absolute() else path

    fragments = [f for f in dataset.get_fragments() if relative(f.path) in only]
    if not fragments:
        return dataset.schema.empty_table()
    subset = pads.FileSystemDataset(
        fragments, schema=dataset.schema, format=dataset.format, filesystem=dataset.filesystem
    )
    return subset.to_table()


def latest_per_key(rows: pa.Table, keys: Sequence[str], ts: str | None) -> pa.Table:
    """One row per key: the one with the greatest ``ts`` (all rows when there is no ``ts``)."""
    if ts is None or rows.num_rows == 0:
        return rows
    import polars as pl

    frame: Any = pl.from_arrow(rows)
    latest = frame.sort(ts, descending=True, nulls_last=True).unique(
        subset=list(keys), keep="first"
    )
    return latest.to_arrow().cast(rows.schema)


def publish_table(
    ws: Workspace,
    store: OnlineStore,
    source_table_name: str,
    online_table_name: str | None = None,
    *,
    publish_mode: str = "TRIGGERED",
    **options: Any,
) -> PublishResult:
    """Publish the latest row per key of a feature table to the online store.

    Raises:
        ValidationError: Not a feature table (no primary key), a bad online name, or an option
            this store does not support.
    """
    start = time.perf_counter()
    _check_options(publish_mode, options)
    info = ws.tables.get(source_table_name)
    keys = [k for k in info.primary_keys if k != info.timeseries_key]
    if not keys:
        raise ValidationError(
            f"{info.name.full} has no primary key, so it has no rows per key to publish",
            "publish a feature table (created with primary_keys)",
        )
    name = online_name(info, online_table_name)
    snapshot = ws.tables.snapshot(info.name)
    version = snapshot.version()
    schema = pa.schema(snapshot.schema().to_arrow())
    previous = store.find(name)
    full = publish_mode == "SNAPSHOT" or _needs_full(ws, info, previous, version)
    full = full or previous is None or not previous.schema.equals(schema)
    table = OnlineTable(
        name, info.name.full, info.table_id, tuple(keys), info.timeseries_key, schema, version, ""
    )
    if not full and previous is not None and previous.published_version == version:
        return PublishResult(
            name,
            info.name.full,
            version,
            version,
            False,
            0,
            previous.row_count,
            time.perf_counter() - start,
        )
    added = None
    if not full and previous is not None:
        old = ws.tables.snapshot(info.name, version=previous.published_version)
        added = _added_files(snapshot, old)
    rows = _read(snapshot, ws.tables.path(info), added).cast(schema)
    latest = latest_per_key(rows, keys, info.timeseries_key)
    online_rows = store.write(table, latest, replace=full)
    return PublishResult(
        name,
        info.name.full,
        None if full or previous is None else previous.published_version,
        version,
        full,
        rows.num_rows,
        online_rows,
        time.perf_counter() - start,
    )


__all__ = ["PUBLISH_MODES", "PublishResult", "latest_per_key", "online_name", "publish_table"]
