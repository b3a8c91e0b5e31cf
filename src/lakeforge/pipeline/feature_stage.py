"""The ``features`` stage: each manifest feature table built from its SQL over gold tables.

The query result is cleaned at the source: NaN and ±Inf in float columns are replaced by the
table's ``fill_value`` (default ``defaults.fill_value``) and the replacements counted per
column, so no learner downstream meets them and nothing changes silently. Rows with a null
primary key follow ``null_keys``. A new table is created; an existing one is merged on its keys
(a rerun on the same gold data writes the same rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import NotFoundError
from lakeforge.features import feature_table
from lakeforge.names import parse_name
from lakeforge.pipeline.manifest import FeatureTableSpec, Manifest

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace


@dataclass(frozen=True, slots=True)
class FeatureTableResult:
    """What building one feature table did."""

    name: str
    rows: int
    version: int
    replaced: dict[str, int] = field(default_factory=dict)

    def report(self) -> str:
        """One line: rows written and NaN/Inf replacements."""
        cleaned = ", ".join(f"{c}: {n}" for c, n in self.replaced.items()) or "none"
        return (
            f"{self.name}: {self.rows} rows (version {self.version}); NaN/Inf replaced: {cleaned}"
        )


def clean_non_finite(table: pa.Table, fill_value: float) -> tuple[pa.Table, dict[str, int]]:
    """Replace NaN and ±Inf in float columns by ``fill_value``; count replacements per column."""
    replaced: dict[str, int] = {}
    for index, column_field in enumerate(table.schema):
        if not pa.types.is_floating(column_field.type):
            continue
        column = table.column(index)
        bad = pc.fill_null(pc.or_(pc.is_nan(column), pc.is_inf(column)), False)
        count = int(pc.sum(bad).as_py() or 0)
        if count:
            fill = pa.scalar(fill_value, column_field.type)
            table = table.set_column(index, column_field, pc.if_else(bad, fill, column))
            replaced[column_field.name] = count
    return table, replaced


def _exists(ws: Workspace, name: str) -> bool:
    try:
        ws.tables.get(name)
    except NotFoundError:
        return False
    return True


def build_table(ws: Workspace, spec: FeatureTableSpec, default_fill: float) -> FeatureTableResult:
    """Run one feature table's SQL, clean it and write it."""
    parsed = parse_name(spec.name)
    ws.schemas.create(parsed.catalog, parsed.schema, if_not_exists=True)
    data = ws.sql(spec.source_sql, kind="arrow")
    fill = spec.fill_value if spec.fill_value is not None else default_fill
    data, replaced = clean_non_finite(data, fill)
    if not _exists(ws, spec.name):
        created = feature_table.create_feature_table(
            ws,
            spec.name,
            primary_keys=spec.primary_keys,
            df=data,
            timeseries_column=spec.timeseries_key,
            description=spec.description,
            null_keys=spec.null_keys,
        )
        version = ws.tables.snapshot(created.name).version()  # the table as created
    else:
        result = feature_table.write_feature_table(ws, spec.name, data, null_keys=spec.null_keys)
        version = result.version
    return FeatureTableResult(spec.name, data.num_rows, version, replaced)


def run_features(ws: Workspace, manifest: Manifest) -> list[FeatureTableResult]:
    """Build every feature table in manifest order (later SQL may read earlier tables)."""
    return [build_table(ws, spec, manifest.defaults.fill_value) for spec in manifest.feature_tables]


__all__ = ["FeatureTableResult", "build_table", "clean_non_finite", "run_features"]
