"""Feature tables: Delta tables with a primary key (optionally one timeseries key), by name.

Functions over a :class:`~lakeforge.tables.workspace.Workspace`; the Databricks-shaped client
calls them. A *feature table* is any table with a primary key (reference rule); tables made here
also carry the property ``lakeforge.feature_table``. Rows are written only by MERGE on the keys.

Reporting: every write logs one line of NaN/±Inf/null counts per feature column on the
``lakeforge.features`` logger and stores them in the table properties, so
:func:`get_feature_table` returns them as :attr:`FeatureTable.quality` (see
:mod:`lakeforge.features.quality`). Things that work but are probably wrong (an undeclared
DATE/TIMESTAMP key, null timeseries values, dropping a table) emit a
:class:`FeatureTableWarning`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import pyarrow as pa

from lakeforge.catalog.records import TableInfo
from lakeforge.errors import AlreadyExistsError, InvalidNameError, ValidationError
from lakeforge.features.feature_schema import (
    check_create_columns,
    check_write_columns,
    incoming_schema,
    warn_time_keys,
)
from lakeforge.features.quality import (
    QUALITY_PROPERTY,
    FeatureTableWarning,
    WriteQuality,
    apply_null_keys,
    measure,
    report,
)
from lakeforge.frames import to_arrow
from lakeforge.names import ObjectName, is_legacy_catalog
from lakeforge.tables.workspace import Workspace
from lakeforge.tables.writer import WriteResult, table_schema

__all__ = [
    "FEATURE_TABLE_PROPERTY",
    "NULL_KEYS_PROPERTY",
    "FeatureTable",
    "FeatureTableWarning",
    "NullKeyPolicy",
    "create_feature_table",
    "delete_feature_table_tag",
    "drop_feature_table",
    "get_feature_table",
    "read_feature_table",
    "resolve_feature_table_name",
    "set_feature_table_tag",
    "write_feature_table",
]

FEATURE_TABLE_PROPERTY = "lakeforge.feature_table"
NULL_KEYS_PROPERTY = "lakeforge.null_keys"
NullKeyPolicy = Literal["error", "drop"]
logger = logging.getLogger("lakeforge.features")
_NAME_FORMS = (
    "use 'table' (current catalog and schema) or 'catalog.schema.table'; parts may not contain "
    "'.', spaces, '/' or control characters"
)


@dataclass(frozen=True, slots=True)
class FeatureTable:
    """A feature table as returned by :func:`get_feature_table` (reference field names).

    ``primary_keys`` includes the timeseries key; ``features`` lists every column.
    lakeforge extras: ``delta_version`` (latest Delta version) and ``quality`` (NaN/Inf/null
    counts of the last write, None before the first write).
    """

    name: str
    table_id: str
    description: str | None
    primary_keys: list[str]
    partition_columns: list[str]
    features: list[str]
    creation_timestamp: int | None = None
    online_stores: list[Any] = field(default_factory=list)
    notebook_producers: list[Any] = field(default_factory=list)
    job_producers: list[Any] = field(default_factory=list)
    table_data_sources: list[Any] = field(default_factory=list)
    path_data_sources: list[Any] = field(default_factory=list)
    custom_data_sources: list[Any] = field(default_factory=list)
    timestamp_keys: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    delta_version: int | None = None
    quality: WriteQuality | None = None

    @property
    def keys(self) -> list[str]:
        """Deprecated alias of :attr:`primary_keys`."""
        return self.primary_keys


# -- names --------------------------------------------------------------------------------


def resolve_feature_table_name(ws: Workspace, name: str | ObjectName) -> ObjectName:
    """Resolve a feature-table name: 1 part → current catalog/schema, 3 parts as given.

    Raises:
        InvalidNameError: A bad part, a two-part name outside ``hive_metastore``/
            ``spark_catalog``, or a legacy (Hive) catalog.
    """
    current = ws.settings.current_catalog
    if isinstance(name, str) and len(name.split(".")) == 2 and not is_legacy_catalog(current):
        raise InvalidNameError(
            name,
            name,
            "has two parts; feature tables need 'table' or 'catalog.schema.table'",
            f"use the three-part name {current}.{name}",
        )
    obj = ws.tables.resolve(name)
    if is_legacy_catalog(obj.catalog):
        raise InvalidNameError(
            obj.full,
            obj.catalog,
            "(catalog) is a legacy Hive metastore catalog; feature tables are catalog tables only",
            f"name a lakeforge catalog, e.g. main.{obj.schema}.{obj.name}; {_NAME_FORMS}",
        )
    return obj


def _record(ws: Workspace, obj: ObjectName, *, sync: bool = False) -> TableInfo:
    """Catalog entry of a feature table (``sync`` aligns its columns with Delta)."""
    info = ws.tables.get(obj) if sync else ws.metadata.tables.get(obj)
    if not info.primary_keys:
        raise ValidationError(
            f"table {obj.full!r} is not a feature table: it has no primary key (columns: "
            f"{info.column_names})",
            f"create a feature table with primary_keys from its rows, e.g. "
            f"create_feature_table(ws, '{obj.full}_features', primary_keys=[...], "
            f"df=ws.tables.read('{obj.full}')), or drop it and recreate it with primary_keys",
        )
    return info


def _entity(info: TableInfo, version: int) -> FeatureTable:
    return FeatureTable(
        name=info.name.full,
        table_id=info.table_id,
        description=info.description,
        primary_keys=list(info.primary_keys),
        partition_columns=list(info.partition_columns),
        features=info.column_names,
        creation_timestamp=info.created_at,
        timestamp_keys=[info.timeseries_key] if info.timeseries_key else [],
        tags=dict(info.tags),
        delta_version=version,
        quality=WriteQuality.from_property(info.properties.get(QUALITY_PROPERTY)),
    )


def get_feature_table(ws: Workspace, name: str | ObjectName) -> FeatureTable:
    """The feature table ``name``.

    Raises:
        TableNotFoundError: No such table (catalog/schema errors name what is missing).
        ValidationError: The table has no primary key, so it is not a feature table.
    """
    obj = resolve_feature_table_name(ws, name)
    info = _record(ws, obj, sync=True)
    return _entity(info, ws.tables.snapshot(obj).version())


# -- create -------------------------------------------------------------------------------


def _column_list(value: str | Sequence[str] | None, role: str) -> list[str]:
    values = [value] if isinstance(value, str) else list(value or [])
    bad = [v for v in values if not isinstance(v, str) or not v]
    if bad:
        raise ValidationError(f"{role} {bad} are not column names", f"pass {role} as strings")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValidationError(f"{role} list {repeated} more than once", "list each column once")
    return values


def _legacy_kwargs(
    df: Any, timeseries_column: str | None, kwargs: Mapping[str, Any]
) -> tuple[Any, str | None]:
    """Apply ``features_df``/``timestamp_keys``/``timeseries_columns``; refuse the rest."""
    extra = dict(kwargs)
    if "path" in extra:
        raise ValidationError(
            f"path={extra['path']!r} is not supported: feature tables are catalog tables",
            "leave out path=; the workspace manages where table data is stored",
        )
    if extra.get("features_df") is not None:
        if df is not None:
            raise ValidationError("both df and features_df were given", "pass only df")
        warnings.warn(
            "features_df is deprecated; pass df instead", FeatureTableWarning, stacklevel=3
        )
        df = extra["features_df"]
    extra.pop("features_df", None)
    legacy = {k: extra.pop(k) for k in ("timestamp_keys", "timeseries_columns") if k in extra}
    if extra:
        raise TypeError(
            f"create_feature_table() got unexpected keyword argument(s) {sorted(extra)}; "
            "accepted: name, primary_keys, df, timeseries_column, partition_columns, schema, "
            "description, tags, null_keys"
        )
    for key, value in legacy.items():
        columns = _column_list(value, key)
        if len(columns) > 1:
            raise ValidationError(
                f"{key}={columns} names {len(columns)} timeseries columns; a feature table has "
                "at most one",
                f"pass timeseries_column={columns[0]!r} (a single column)",
            )
        if columns and timeseries_column not in (None, columns[0]):
            raise ValidationError(
                f"timeseries_column={timeseries_column!r} and {key}={columns} disagree",
                "pass only timeseries_column",
            )
        timeseries_column = columns[0] if columns else timeseries_column
    return df, timeseries_column


def _check_policy(policy: object) -> None:
    if policy not in ("error", "drop"):
        raise ValidationError(f"null_keys={policy!r} is not a policy", "use 'error' or 'drop'")


def _check_keys(keys: Sequence[str], timeseries: str | None) -> None:
    if not keys:
        raise ValidationError("primary_keys is empty", "name at least one primary key column")
    if timeseries is not None and timeseries not in keys:
        raise ValidationError(
            f"timeseries_column {timeseries!r} is not one of the primary keys {list(keys)}",
            f"add it: primary_keys={[*keys, timeseries]}",
        )


def _check_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    bad = {
        k: v
        for k, v in (tags or {}).items()
        if not isinstance(k, str) or not k or not isinstance(v, str)
    }
    if bad:
        raise ValidationError(f"tags {bad!r} are not string keys and values", "use str: str")
    return dict(tags or {})


def _record_quality(
    ws: Workspace,
    obj: ObjectName,
    quality: WriteQuality,
    casts: Sequence[object],
    properties: Mapping[str, Any] | None = None,
) -> None:
    """Store the counts (with any other ``properties``) in the catalog, then log them."""
    stored = {**(properties or {}), QUALITY_PROPERTY: quality.to_property()}
    ws.metadata.tables.update(obj, properties=stored)
    report(obj.full, quality, casts)


def create_feature_table(
    ws: Workspace,
    name: str,
    primary_keys: str | Sequence[str],
    df: Any = None,
    timeseries_column: str | None = None,
    partition_columns: str | Sequence[str] | None = None,
    schema: pa.Schema | str | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    *,
    null_keys: NullKeyPolicy = "error",
    **kwargs: Any,
) -> FeatureTable:
    """Create a feature table from ``df`` and/or ``schema``; return it if it already exists.

    Decimals are stored as float64 (the original type is kept in the column metadata). Rows with
    a null primary key are rejected, or dropped and counted with ``null_keys="drop"``; the policy
    is stored with the table and is the default of later writes.

    Raises:
        TypeError: Unknown keyword arguments.
        ValidationError: Bad keys, columns, types, legacy arguments or null keys.
        InvalidNameError: A name that is not ``table`` or ``catalog.schema.table``.
    """
    df, ts = _legacy_kwargs(df, timeseries_column, kwargs)
    keys = _column_list(primary_keys, "primary_keys")
    parts = _column_list(partition_columns, "partition_columns")
    _check_keys(keys, ts)
    _check_policy(null_keys)
    tag_map = _check_tags(tags)
    obj = resolve_feature_table_name(ws, name)
    if ws.metadata.tables.exists(obj):
        return _existing(ws, obj, df is not None or schema is not None)
    data = to_arrow(df) if df is not None else None
    incoming = incoming_schema(data, schema, obj.full)
    check_create_columns(incoming, keys, ts, parts, obj.full)
    warn_time_keys(incoming, keys, ts, obj.full)
    dropped = 0
    if data is not None:
        data, dropped = apply_null_keys(data, keys, ts, null_keys, obj.full)
    try:
        info = ws.tables.create(
            obj,
            data=data,
            schema=schema,
            primary_keys=keys,
            timeseries_key=ts,
            partition_columns=parts,
            description=description,
            tags=tag_map,
            decimal_to_float=True,
        )
    except AlreadyExistsError:  # created meanwhile by another process: same as existing
        return _existing(ws, obj, True)
    properties: dict[str, Any] = {FEATURE_TABLE_PROPERTY: True, NULL_KEYS_PROPERTY: null_keys}
    if data is not None:
        version = ws.tables.snapshot(obj).version()
        quality = measure(data, keys, version=version, dropped_null_key_rows=dropped)
        _record_quality(
            ws, obj, quality, info.properties.get("lakeforge.create_casts", []), properties
        )
    else:
        ws.metadata.tables.update(obj, properties=properties)
    return get_feature_table(ws, obj)


def _existing(ws: Workspace, obj: ObjectName, had_input: bool) -> FeatureTable:
    table = get_feature_table(ws, obj)
    if had_input:
        logger.warning(
            "feature table %s already exists; returned unchanged (df/schema not written or "
            "compared). Use write_feature_table to add rows",
            obj.full,
        )
    return table


# -- write / read -------------------------------------------------------------------------


def _check_mode(mode: object) -> None:
    if not isinstance(mode, str) or mode.strip().lower() != "merge":
        raise ValidationError(
            f"write mode {mode!r} is not supported; feature tables are written with "
            "mode='merge' only",
            "to overwrite, delete the rows first (ws.tables.delete(name)) and merge, or drop "
            "and recreate the table (drop_feature_table, then create_feature_table with df)",
        )


def write_feature_table(
    ws: Workspace,
    name: str | ObjectName,
    df: Any,
    mode: str = "merge",
    *,
    null_keys: NullKeyPolicy | None = None,
) -> WriteResult:
    """Merge ``df`` into a feature table on its primary keys (incl. the timeseries key).

    Matched rows get every df column overwritten (nulls included); other columns keep their
    values. Unmatched rows are inserted. New df columns are added to the table. Rows with a null
    key follow ``null_keys`` (default: the policy the table was created with, else ``"error"``).

    Raises:
        ValidationError: Bad mode, null keys, or a feature-table rule broken.
        SchemaMismatchError: Missing/mis-typed keys or incompatible columns.
        DuplicateKeyError: df repeats a primary key.
    """
    _check_mode(mode)
    obj = resolve_feature_table_name(ws, name)
    info = _record(ws, obj)
    policy = null_keys or str(info.properties.get(NULL_KEYS_PROPERTY, "error"))
    _check_policy(policy)
    data = to_arrow(df)
    check_write_columns(data, table_schema(ws.tables.snapshot(obj)), info)
    keys = list(info.primary_keys)
    data, dropped = apply_null_keys(data, keys, info.timeseries_key, policy, obj.full)
    result = ws.tables.merge(obj, data)
    quality = measure(data, keys, version=result.version, dropped_null_key_rows=dropped)
    _record_quality(ws, obj, quality, result.casts)
    return result


def read_feature_table(
    ws: Workspace,
    name: str | ObjectName,
    as_of_delta_timestamp: datetime | str | None = None,
    **kwargs: Any,
) -> pa.Table:
    """Read a feature table as Arrow, at its latest version or as of a timestamp.

    Raises:
        TypeError: Any keyword argument other than ``as_of_delta_timestamp``.
        VersionNotFoundError: The timestamp is before the table's first commit.
    """
    if kwargs:
        raise TypeError(
            f"read_feature_table() got unexpected keyword argument(s) {sorted(kwargs)}; the "
            "only option is as_of_delta_timestamp"
        )
    obj = resolve_feature_table_name(ws, name)
    _record(ws, obj)
    return ws.tables.read(obj, timestamp=as_of_delta_timestamp)


# -- drop and tags ------------------------------------------------------------------------


def drop_feature_table(ws: Workspace, name: str | ObjectName) -> None:
    """Drop a feature table and its data (warns: downstream consumers may break).

    Raises:
        TableNotFoundError: No such table.
        ValidationError: The table is not a feature table (use ``ws.tables.drop``).
    """
    obj = resolve_feature_table_name(ws, name)
    info = ws.metadata.tables.get(obj)
    if not info.primary_keys:
        raise ValidationError(
            f"table {obj.full!r} is not a feature table (it has no primary key)",
            f"drop it with the table API: ws.tables.drop('{obj.full}') "
            f"(CLI: lakeforge tables drop {obj.full})",
        )
    warnings.warn(
        f"dropping feature table {obj.full!r}: training sets, feature specs, models, endpoints "
        "and jobs that read it will fail; online tables published from it are not removed and "
        "must be dropped separately",
        FeatureTableWarning,
        stacklevel=2,
    )
    ws.tables.drop(obj)


def set_feature_table_tag(ws: Workspace, name: str | ObjectName, key: str, value: str) -> None:
    """Set one tag on a feature table (replacing its value if the key exists)."""
    obj = resolve_feature_table_name(ws, name)
    _record(ws, obj)
    ws.tables.update_tags(obj, set_=_check_tags({key: value}))


def delete_feature_table_tag(ws: Workspace, name: str | ObjectName, key: str) -> None:
    """Remove one tag from a feature table; a missing key only warns."""
    obj = resolve_feature_table_name(ws, name)
    info = _record(ws, obj)
    if key not in info.tags:
        warnings.warn(
            f"feature table {obj.full!r} has no tag {key!r}; nothing deleted (tags: "
            f"{sorted(info.tags)})",
            FeatureTableWarning,
            stacklevel=2,
        )
        return
    ws.tables.update_tags(obj, unset=[key])
