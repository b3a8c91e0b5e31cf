"""Table housekeeping: remove files left by killed writers, and vacuum with a safe retention.

A writer killed mid-write leaves data files (and partial ``*#N`` upload files) that no commit
references, and in ``_delta_log`` unfinished commits (``_commit_<uuid>.json.tmp``); Delta's
vacuum never removes them. :func:`clean` deletes every data file under the table directory that
no version of the log references, and those temporary log files, while the caller holds the
table's writers lock exclusively so no live writer's in-flight files are touched. Log files it
does not recognize, and deletion-vector files (referenced in a form it does not decode), are
always kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow.parquet as pq
from deltalake import DeltaTable

from lakeforge.errors import UnsafeOperationError, ValidationError
from lakeforge.tables.commit import with_commit_retry
from lakeforge.tables.writer import commit_properties

MIN_VACUUM_RETENTION_HOURS = 168
_LOG_TEMP_FILE = re.compile(r"^(_commit_[0-9A-Za-z-]+\.json\.tmp|.+#\d+)$")
_KEPT_DATA_FILE = re.compile(r"^deletion_vector_.*\.bin$")


@dataclass(frozen=True, slots=True)
class CleanReport:
    """Files removed from one table."""

    table: str
    files: tuple[str, ...]
    bytes: int


def _paths_in_commit(path: Path) -> set[str]:
    found: set[str] = set()
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        action = json.loads(line)
        for kind in ("add", "remove", "cdc"):
            if kind in action and action[kind].get("path"):
                found.add(unquote(action[kind]["path"]))
    return found


def _paths_in_checkpoint(path: Path) -> set[str]:
    found: set[str] = set()
    schema_names = pq.read_schema(path).names
    columns = [c for c in ("add", "remove") if c in schema_names]
    table = pq.read_table(path, columns=columns)
    for kind in columns:
        for item in table.column(kind).to_pylist():
            if item and item.get("path"):
                found.add(unquote(item["path"]))
    return found


def referenced_files(table_dir: Path) -> set[str]:
    """Relative paths of every data file any retained log entry mentions (commits, classic,
    multi-part and V2 checkpoints, and V2 checkpoint sidecars)."""
    log = table_dir / "_delta_log"
    found: set[str] = set()
    for entry in log.iterdir():
        if _LOG_TEMP_FILE.match(entry.name):
            continue  # unfinished: never a commit or a checkpoint
        if re.fullmatch(r"\d{20}(\.checkpoint\..+)?\.json", entry.name):  # commit, V2 checkpoint
            found |= _paths_in_commit(entry)
        elif re.fullmatch(r"\d{20}\.checkpoint(\..+)?\.parquet", entry.name):
            found |= _paths_in_checkpoint(entry)
    sidecars = log / "_sidecars"
    if sidecars.is_dir():
        for entry in sidecars.glob("*.parquet"):
            found |= _paths_in_checkpoint(entry)
    return found


def orphan_files(table_dir: Path) -> list[Path]:
    """Files under ``table_dir`` that no commit references (call only with writers locked out)."""
    referenced = referenced_files(table_dir)
    orphans: list[Path] = []
    for item in table_dir.rglob("*"):
        if not item.is_file():
            continue
        relative = item.relative_to(table_dir).as_posix()
        if relative.startswith("_delta_log/"):
            if item.parent.name == "_delta_log" and _LOG_TEMP_FILE.match(item.name):
                orphans.append(item)
            continue
        if relative not in referenced and not _KEPT_DATA_FILE.match(item.name):
            orphans.append(item)
    return sorted(orphans)


def clean(table_dir: Path, name: str) -> CleanReport:
    """Delete orphan files and then-empty partition directories."""
    removed, size = [], 0
    for item in orphan_files(table_dir):
        size += item.stat().st_size
        item.unlink()
        removed.append(item.relative_to(table_dir).as_posix())
    for folder in sorted(table_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        in_log = folder.relative_to(table_dir).parts[0] == "_delta_log"
        if folder.is_dir() and not in_log and not any(folder.iterdir()):
            folder.rmdir()
    return CleanReport(name, tuple(removed), size)


def vacuum(
    table_dir: Path,
    name: str,
    retention_hours: int = MIN_VACUUM_RETENTION_HOURS,
    dry_run: bool = False,
) -> list[str]:
    """Delete files no longer referenced by versions newer than the retention window.

    Raises:
        UnsafeOperationError: ``retention_hours`` below 168 (7 days): writers that started from
            an older snapshot could lose acknowledged data.
    """
    if retention_hours < MIN_VACUUM_RETENTION_HOURS:
        raise UnsafeOperationError(
            f"vacuum of {name!r} with retention {retention_hours}h refused: below "
            f"{MIN_VACUUM_RETENTION_HOURS}h (7 days), concurrent writers could lose committed data",
            f"use retention_hours >= {MIN_VACUUM_RETENTION_HOURS}; to drop files left by killed "
            "writers use `lakeforge tables clean`",
        )
    table = DeltaTable(str(table_dir))
    return list(
        table.vacuum(
            retention_hours=retention_hours, dry_run=dry_run, enforce_retention_duration=True
        )
    )


def optimize(
    table_dir: Path,
    name: str,
    zorder: Sequence[str] = (),
    timeout_s: float = 60.0,
    commit_info: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Rewrite small files into larger ones (Z-ordered by ``zorder`` when given).

    Raises:
        ValidationError: A Z-order column that is not in the table.
    """
    table = DeltaTable(str(table_dir))
    columns = [f.name for f in table.schema().fields]
    missing = [c for c in zorder if c not in columns]
    if missing:
        raise ValidationError(
            f"optimize {name!r}: ZORDER BY columns {missing} are not in the table",
            f"choose from {columns}",
        )

    def run() -> dict[str, Any]:
        fresh = DeltaTable(str(table_dir))
        props = commit_properties(commit_info=commit_info)
        if zorder:
            return dict(fresh.optimize.z_order(list(zorder), commit_properties=props))
        return dict(fresh.optimize.compact(commit_properties=props))

    return with_commit_retry(run, table=name, name="optimize", timeout_s=timeout_s)
