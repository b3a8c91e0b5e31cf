"""Delta tables by three-level name: the catalog entry and the data kept in step.

Ordering rule: data first, then metadata. A create writes the Delta table, then registers it
(and removes the data if registration fails); a drop unregisters, then deletes the files. Create
and drop of one name are serialized by a name lock, so a half-created directory left by a killed
process is recognizable (data without a catalog entry) and is replaced by the next create.
"""

from __future__ import annotations

import builtins
import shutil
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from lakeforge.catalog.records import TableInfo
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import (
    AlreadyExistsError,
    NotFoundError,
    ValidationError,
)
from lakeforge.frames import to_arrow
from lakeforge.names import ObjectName, parse_name, parse_schema_name, storage_path
from lakeforge.settings import Settings
from lakeforge.tables import changes, janitor, reader, writer
from lakeforge.tables.definition import DECIMAL_TO_FLOAT as DECIMAL_TO_FLOAT  # re-exported
from lakeforge.tables.definition import ORIGINAL_TYPE as ORIGINAL_TYPE  # re-exported
from lakeforge.tables.definition import (
    check_roles,
    columns_of,
    record_original_types,
    target_schema,
)
from lakeforge.tables.locks import name_lock, writer_lock


class TableStore:
    """Create, read, write and maintain Delta tables registered in the catalog."""

    def __init__(self, settings: Settings, metadata: MetadataStore) -> None:
        self.settings = settings
        self.metadata = metadata

    # -- names and locations -------------------------------------------------------------
    def resolve(self, name: str | ObjectName) -> ObjectName:
        """Three-level name for ``name`` using the current catalog/schema."""
        return parse_name(
            name,
            current_catalog=self.settings.current_catalog,
            current_schema=self.settings.current_schema,
        )

    def path(self, info: TableInfo) -> Path:
        """Absolute Delta location of a table, proven to lie inside the warehouse."""
        return storage_path(self.settings.warehouse, *info.location.split("/"))

    # -- lifecycle -----------------------------------------------------------------------
    def create(
        self,
        name: str | ObjectName,
        *,
        data: Any = None,
        schema: pa.Schema | str | None = None,
        primary_keys: Sequence[str] = (),
        timeseries_key: str | None = None,
        partition_columns: Sequence[str] = (),
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        decimal_to_float: bool = False,
        if_not_exists: bool = False,
        configuration: Mapping[str, str] | None = None,
        properties: Mapping[str, Any] | None = None,
        commit_info: Mapping[str, str] | None = None,
    ) -> TableInfo:
        """Create a table from a schema (Arrow or ``"col type, ..."``) and/or data.

        ``configuration`` holds Delta table properties (``delta.*``), ``properties`` extra
        catalog properties, ``commit_info`` extra fields of the first commit.

        Raises:
            AlreadyExistsError: The table exists and ``if_not_exists`` is false.
            ValidationError: Bad keys, partitions or schema.
        """
        obj = self.resolve(name)
        keys = list(primary_keys)
        self.metadata.schemas.get(obj.catalog, obj.schema)
        arrow = to_arrow(data) if data is not None else None
        if arrow is not None:
            writer.check_keys(arrow, keys, obj.full)
        target, arrow, casts = target_schema(arrow, schema, keys, decimal_to_float, obj.full)
        check_roles(target, keys, timeseries_key, partition_columns)
        with name_lock(self.settings.warehouse, obj):
            if self.metadata.tables.exists(obj):
                if if_not_exists:
                    return self.metadata.tables.get(obj)
                raise AlreadyExistsError("table", obj.full)
            if arrow is not None and keys:
                writer.check_unique(arrow, keys, obj.full)
            path = storage_path(self.settings.warehouse, *obj.parts)
            if path.exists():
                shutil.rmtree(path)  # data without a catalog entry: a killed create or drop
            self._write_new(
                path,
                obj,
                (target, arrow),
                partition_columns,
                description,
                (configuration, commit_info),
            )
            stored = {
                **dict(properties or {}),
                DECIMAL_TO_FLOAT: decimal_to_float,
                "lakeforge.create_casts": [str(c) for c in casts],
            }
            roles = (keys, timeseries_key, partition_columns)
            info = self._new_info(obj, target, roles, (description, tags, stored))
            try:
                return self.metadata.tables.create(info)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise

    def _new_info(
        self,
        obj: ObjectName,
        target: pa.Schema,
        roles: tuple[Sequence[str], str | None, Sequence[str]],
        extra: tuple[str | None, Mapping[str, str] | None, dict[str, Any]],
    ) -> TableInfo:
        keys, timeseries_key, partition_columns = roles
        description, tags, properties = extra
        return TableInfo(
            name=obj,
            table_id=str(uuid.uuid4()),
            location="/".join(obj.parts),
            columns=columns_of(target),
            primary_keys=tuple(keys),
            timeseries_key=timeseries_key,
            partition_columns=tuple(partition_columns),
            description=description,
            owner=self.settings.user,
            tags=dict(tags or {}),
            properties=properties,
        )

    def _write_new(
        self,
        path: Path,
        obj: ObjectName,
        contents: tuple[pa.Schema, pa.Table | None],
        partitions: Sequence[str],
        description: str | None,
        extra: tuple[Mapping[str, str] | None, Mapping[str, str] | None],
    ) -> None:
        schema, data = contents
        configuration, commit_info = extra
        path.parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {
            "partition_by": list(partitions) or None,
            "name": obj.full,
            "description": description,
            "configuration": dict(configuration) if configuration else None,
            "commit_properties": writer.commit_properties(commit_info=commit_info),
        }
        if data is None:
            DeltaTable.create(str(path), schema, **options)
        else:
            write_deltalake(str(path), data, mode="error", **options)

    def get(self, name: str | ObjectName) -> TableInfo:
        """Catalog entry of a table, with its columns brought in line with the Delta schema."""
        info = self.metadata.tables.get(self.resolve(name))
        snapshot = reader.open_snapshot(self.path(info), str(info.name))
        columns = columns_of(writer.table_schema(snapshot))
        if columns != info.columns:
            info = self.metadata.tables.update(info.name, columns=columns)
        return info

    def list(self, schema: str | None = None) -> list[TableInfo]:
        """Tables of ``catalog.schema`` (default: the current schema)."""
        catalog, name = parse_schema_name(
            schema or f"{self.settings.current_catalog}.{self.settings.current_schema}",
            current_catalog=self.settings.current_catalog,
        )
        return self.metadata.tables.list(catalog, name)

    def drop(self, name: str | ObjectName, *, if_exists: bool = False) -> bool:
        """Unregister a table and delete its files; returns whether a table was dropped."""
        obj = self.resolve(name)
        with name_lock(self.settings.warehouse, obj):
            try:
                info = self.metadata.tables.get(obj)
            except NotFoundError:
                if if_exists:
                    return False
                raise
            with writer_lock(self.settings.warehouse, obj, exclusive=True):
                self.metadata.tables.drop(obj)
                shutil.rmtree(self.path(info), ignore_errors=True)
        return True

    def update_tags(
        self,
        name: str | ObjectName,
        set_: Mapping[str, str] | None = None,
        unset: Sequence[str] = (),
    ) -> dict[str, str]:
        """Set and/or remove table tags."""
        return self.metadata.tables.update_tags(self.resolve(name), set_, unset)

    def set_description(self, name: str | ObjectName, description: str) -> TableInfo:
        """Replace the table comment."""
        return self.metadata.tables.update(self.resolve(name), description=description)

    # -- writes --------------------------------------------------------------------------
    def _prepared(self, info: TableInfo, data: Any, keys: Sequence[str]) -> writer.Prepared:
        existing = writer.table_schema(reader.open_snapshot(self.path(info), str(info.name)))
        prepared = writer.prepare(
            to_arrow(data),
            existing,
            table=info.name.full,
            keys=keys,
            decimal_to_float=bool(info.properties.get(DECIMAL_TO_FLOAT)),
        )
        new_casts = [c for c in prepared.casts if c.column in prepared.added_columns]
        if any(c.reason == "decimal_to_float" for c in new_casts):
            # new decimal columns record their original type like those made at create
            schema = record_original_types(prepared.data.schema, new_casts)
            data = pa.Table.from_arrays(prepared.data.columns, schema=schema)
            prepared = writer.Prepared(data, prepared.casts, prepared.added_columns)
        return prepared

    def _after_write(self, info: TableInfo, result: writer.WriteResult) -> writer.WriteResult:
        if result.added_columns:
            self.get(info.name)
        return result

    def append(
        self,
        name: str | ObjectName,
        data: Any,
        *,
        transaction: tuple[str, int] | None = None,
        commit_info: Mapping[str, str] | None = None,
    ) -> writer.WriteResult:
        """Append rows (new columns are added to the table).

        Args:
            name: The table.
            data: Rows to append.
            transaction: ``(app_id, version)``: append only if the table has not recorded this
                app id at this version or later; recorded in the same commit (exactly-once
                replays; ``WriteResult.already_applied`` tells a skipped replay).
        """
        info = self.metadata.tables.get(self.resolve(name))
        with writer_lock(self.settings.warehouse, info.name):
            prepared = self._prepared(info, data, info.primary_keys)
            result = writer.append(
                self.path(info),
                info.name.full,
                prepared,
                self.settings.commit_timeout_s,
                transaction,
                commit_info,
            )
        return self._after_write(info, result)

    def overwrite(
        self,
        name: str | ObjectName,
        data: Any,
        *,
        commit_info: Mapping[str, str] | None = None,
    ) -> writer.WriteResult:
        """Replace all rows."""
        info = self.metadata.tables.get(self.resolve(name))
        with writer_lock(self.settings.warehouse, info.name):
            prepared = self._prepared(info, data, info.primary_keys)
            if info.primary_keys:
                writer.check_unique(prepared.data, info.primary_keys, info.name.full)
            result = writer.overwrite(
                self.path(info),
                info.name.full,
                prepared,
                self.settings.commit_timeout_s,
                commit_info,
            )
        return self._after_write(info, result)

    def merge(
        self, name: str | ObjectName, data: Any, *, on: Sequence[str] | None = None
    ) -> writer.WriteResult:
        """Upsert on ``on`` (default: the primary keys): matched rows get the given columns
        overwritten, unmatched rows are inserted."""
        info = self.metadata.tables.get(self.resolve(name))
        keys = list(on) if on else list(info.primary_keys)
        if not keys:
            raise ValidationError(
                f"merge into {info.name.full!r} needs key columns; the table has no primary key",
                "pass on=[...] with the columns to match rows on",
            )
        with writer_lock(self.settings.warehouse, info.name):
            prepared = self._prepared(info, data, keys)
            result = writer.merge(
                self.path(info),
                info.name.full,
                prepared,
                keys,
                info.partition_columns,
                self.settings.commit_timeout_s,
            )
        return self._after_write(info, result)

    def delete(
        self,
        name: str | ObjectName,
        where: str | None = None,
        *,
        commit_info: Mapping[str, str] | None = None,
    ) -> writer.WriteResult:
        """Delete rows matching a SQL predicate (all rows when ``where`` is None)."""
        info = self.metadata.tables.get(self.resolve(name))
        with writer_lock(self.settings.warehouse, info.name):
            return writer.delete(
                self.path(info), info.name.full, where, self.settings.commit_timeout_s, commit_info
            )

    def apply_changes(
        self,
        name: str | ObjectName,
        compute: changes.ChangeFunction,
        *,
        operation: writer.Operation,
        commit_info: Mapping[str, str] | None = None,
    ) -> writer.WriteResult:
        """Update, delete and insert rows as ``compute`` decides on the latest snapshot, in one
        commit (both re-run on commit conflicts); see :mod:`lakeforge.tables.changes`."""
        info = self.metadata.tables.get(self.resolve(name))
        with writer_lock(self.settings.warehouse, info.name):
            return changes.apply(
                self.path(info),
                info.name.full,
                compute,
                operation=operation,
                partitions=info.partition_columns,
                timeout_s=self.settings.commit_timeout_s,
                commit_info=commit_info,
                decimal_to_float=bool(info.properties.get(DECIMAL_TO_FLOAT)),
            )

    # -- reads ---------------------------------------------------------------------------
    def snapshot(
        self,
        name: str | ObjectName,
        *,
        version: int | None = None,
        timestamp: datetime | str | None = None,
    ) -> DeltaTable:
        """The Delta snapshot at the latest version, a version, or a timestamp."""
        info = self.metadata.tables.get(self.resolve(name))
        return reader.open_snapshot(
            self.path(info), info.name.full, version=version, timestamp=timestamp
        )

    def read(
        self,
        name: str | ObjectName,
        *,
        columns: Sequence[str] | None = None,
        version: int | None = None,
        timestamp: datetime | str | None = None,
    ) -> pa.Table:
        """The whole table (or selected columns) as Arrow."""
        snap = self.snapshot(name, version=version, timestamp=timestamp)
        return reader.read(snap, self.resolve(name).full, columns)

    def scan(
        self,
        name: str | ObjectName,
        *,
        columns: Sequence[str] | None = None,
        version: int | None = None,
        timestamp: datetime | str | None = None,
        batch_size: int = 65536,
    ) -> pa.RecordBatchReader:
        """Stream the table in Arrow record batches."""
        snap = self.snapshot(name, version=version, timestamp=timestamp)
        return reader.scan(snap, self.resolve(name).full, columns, batch_size=batch_size)

    def history(
        self, name: str | ObjectName, limit: int | None = None
    ) -> builtins.list[reader.HistoryEntry]:
        """Commits of a table, newest first."""
        return reader.history(self.snapshot(name), limit)

    # -- maintenance ---------------------------------------------------------------------
    def clean(self, name: str | ObjectName) -> janitor.CleanReport:
        """Remove files left by killed writers (waits for running writes to finish)."""
        info = self.metadata.tables.get(self.resolve(name))
        with writer_lock(self.settings.warehouse, info.name, exclusive=True):
            return janitor.clean(self.path(info), info.name.full)

    def optimize(
        self,
        name: str | ObjectName,
        *,
        zorder: Sequence[str] = (),
        commit_info: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Compact small files (or Z-order them by ``zorder``); returns deltalake's metrics."""
        info = self.metadata.tables.get(self.resolve(name))
        with writer_lock(self.settings.warehouse, info.name):
            return janitor.optimize(
                self.path(info), info.name.full, zorder, self.settings.commit_timeout_s, commit_info
            )

    def vacuum(
        self, name: str | ObjectName, *, retention_hours: int = 168, dry_run: bool = False
    ) -> builtins.list[str]:
        """Delete files unreferenced for longer than ``retention_hours`` (at least 168)."""
        info = self.metadata.tables.get(self.resolve(name))
        return janitor.vacuum(self.path(info), info.name.full, retention_hours, dry_run)
