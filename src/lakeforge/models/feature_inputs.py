"""Model inputs from a packaged feature spec: the training lookups replayed at scoring time.

A logged model carries only its ``feature_spec.yaml``. Scoring turns the spec back into the
same lookup and function plans training used (:mod:`lakeforge.features.resolution`) and runs
them through the same executor (point-in-time rules of :mod:`lakeforge.features.pit`), against
the feature tables' latest versions, so features are computed identically in both paths.

Rules (api-compat §1.15): required input columns are the spec's source columns plus lookup keys
and function inputs that no lookup/function produces (all missing ones are listed in one
error); a feature column already present in the input is not looked up — the input value wins;
source and override columns must have the spec's types; a feature table whose ``table_id``
differs from the spec (recreated after logging) draws a :class:`FeatureTableChangedWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.errors import ScoringInputError
from lakeforge.features import resolution
from lakeforge.features.executor import FeatureExecutor
from lakeforge.features.function import FeatureFunction, check_bindings
from lakeforge.features.lookup import FeatureLookup
from lakeforge.features.resolution import FunctionPlan, Item
from lakeforge.features.spec import FeatureColumn, FeatureSpec, FunctionColumn, SourceColumn
from lakeforge.tables.types import type_name

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace


class FeatureTableChangedWarning(UserWarning):
    """A feature table was recreated after the model was logged (its table_id changed)."""


@dataclass(frozen=True, slots=True)
class InputPlan:
    """How one input schema becomes model input.

    Attributes:
        spec: The model's feature spec.
        items: Lookups/functions to run, dependencies first, with their topological level.
        overrides: Feature columns taken from the input instead of being looked up.
        required: Input columns the plan needs.
        table_versions: Delta version read per feature table.
        executor: Runs the items; feature tables are read once for all chunks of one input.
    """

    spec: FeatureSpec
    items: tuple[tuple[Item, int], ...]
    overrides: tuple[str, ...]
    required: tuple[str, ...]
    table_versions: dict[str, int]
    executor: FeatureExecutor

    def computed_columns(self) -> list[str]:
        """Included model-input columns the plan adds to the input (spec order)."""
        added = {name for item, _ in self.items for name in resolution.item_outputs(item)}
        return [name for name in self.spec.column_names() if name in added]


def _default(value: str | None, data_type: str) -> Any:
    """A spec's stringified default back as a Python value of the feature's type."""
    if value is None:
        return None
    kind = data_type.lower()
    if kind in {"double", "float", "real"} or kind.startswith("decimal"):
        return float(value)
    if kind in {"tinyint", "smallint", "int", "integer", "bigint", "long", "short", "byte"}:
        return int(float(value))
    if kind in {"boolean", "bool"}:
        return value.strip().lower() in {"true", "1"}
    return value


def _lookup_groups(columns: Sequence[FeatureColumn]) -> list[list[FeatureColumn]]:
    """Feature columns grouped into one lookup per (table, keys, timestamp key)."""
    groups: list[tuple[tuple[Any, ...], list[FeatureColumn]]] = []
    for column in columns:
        key = (column.table_name, column.lookup_key, column.timestamp_lookup_key)
        target = next(
            (
                members
                for k, members in groups
                if k == key and all(m.feature_name != column.feature_name for m in members)
            ),
            None,
        )
        if target is None:
            groups.append((key, [column]))
        else:
            target.append(column)
    return [members for _, members in groups]


def _bind_lookup(ws: Workspace, spec: FeatureSpec, members: Sequence[FeatureColumn]) -> Item:
    first = members[0]
    info = ws.tables.get(first.table_name)
    expected = {t.table_name: t for t in spec.input_tables}.get(first.table_name)
    if expected is not None and expected.table_id and expected.table_id != info.table_id:
        warnings.warn(
            f"feature table {first.table_name!r} has table_id {info.table_id} but the model was "
            f"logged against table_id {expected.table_id}: the table was recreated after logging, "
            "so features may differ from training. Fix: re-log the model on the current table",
            FeatureTableChangedWarning,
            stacklevel=4,
        )
    ts = first.timestamp_lookup_key[0] if first.timestamp_lookup_key else None
    seconds = expected.lookback_window if expected is not None else None
    lookup = FeatureLookup(
        table_name=first.table_name,
        lookup_key=list(first.lookup_key),
        feature_names=[m.feature_name for m in members],
        rename_outputs={m.feature_name: m.name for m in members if m.name != m.feature_name},
        timestamp_lookup_key=ts,
        lookback_window=timedelta(seconds=seconds) if ts and seconds is not None else None,
        default_values={
            m.name: _default(m.default_value, m.data_type)
            for m in members
            if m.default_value is not None
        },
    )
    snapshot = ws.tables.snapshot(info.name)
    schema = pa.schema(snapshot.schema().to_arrow())
    return resolution.bind_lookup(lookup, info, snapshot.version(), schema)


def _bind_function(ws: Workspace, column: FunctionColumn) -> Item:
    function = FeatureFunction(
        udf_name=column.udf_name,
        input_bindings=dict(column.input_bindings),
        output_name=column.name,
    )
    info = ws.functions.get(ws.tables.resolve(column.udf_name))
    check_bindings(function, info)
    return FunctionPlan(function, info, column.name)


def _check_types(spec: FeatureSpec, schema: pa.Schema, overrides: Sequence[str]) -> None:
    names = {c.name for c in spec.input_columns if isinstance(c, SourceColumn)} | set(overrides)
    wrong = []
    for column in spec.input_columns:
        if column.name not in names or column.name not in schema.names:
            continue
        have = type_name(schema.field(column.name).type)
        if have != column.data_type:
            wrong.append(f"{column.name} ({have}, model expects {column.data_type})")
    if wrong:
        raise ScoringInputError(
            "columns have other types than the model was trained with",
            wrong,
            "cast each column to the expected type before scoring (no implicit casts)",
        )


def align_nulls(spec: FeatureSpec, table: pa.Table) -> pa.Table:
    """Give all-null input columns (Arrow type ``null``) the spec's type; values stay null."""
    from lakeforge.tables.types import parse_type

    types = {c.name: c.data_type for c in spec.input_columns}
    for index, field in enumerate(table.schema):
        if pa.types.is_null(field.type) and field.name in types:
            target = pa.field(field.name, parse_type(types[field.name]))
            table = table.set_column(index, target, table.column(index).cast(target.type))
    return table


def plan_inputs(ws: Workspace, spec: FeatureSpec, schema: pa.Schema) -> InputPlan:
    """Bind a spec's lookups/functions for an input schema (feature tables at latest versions).

    Raises:
        ScoringInputError: Required columns are missing (all listed) or have other types.
        ValidationError: A lookup key does not match its table (names table, key and types).
    """
    features = [c for c in spec.input_columns if not isinstance(c, SourceColumn)]
    overrides = tuple(c.name for c in features if c.name in schema.names)
    wanted = [c for c in features if c.name not in overrides]
    items: list[Item] = [
        _bind_lookup(ws, spec, group)
        for group in _lookup_groups([c for c in wanted if isinstance(c, FeatureColumn)])
    ]
    items += [_bind_function(ws, c) for c in wanted if isinstance(c, FunctionColumn)]
    produced = {c.name for c in features}
    required = [c.name for c in spec.input_columns if isinstance(c, SourceColumn)]
    required += [name for item in items for name in item.inputs if name not in produced]
    required = list(dict.fromkeys(required))
    missing = [name for name in required if name not in schema.names]
    if missing:
        raise ScoringInputError(
            "required columns are missing",
            missing,
            f"pass every column the model needs: {required} (lookup keys, timestamp keys and "
            "source columns); features are looked up from the feature tables",
        )
    _check_types(spec, schema, overrides)
    source = {f.name: f.type for f in schema}
    ordered = resolution.order_items(items, source)
    versions = {
        i.table.name.full: i.version for i, _ in ordered if isinstance(i, resolution.LookupPlan)
    }
    executor = FeatureExecutor(ws, ordered)
    return InputPlan(spec, tuple(ordered), overrides, tuple(required), versions, executor)


def compute(plan: InputPlan, table: pa.Table) -> pa.Table:
    """Run the plan's lookups and functions on ``table``; input columns stay first, in order."""
    if not plan.items:
        return table
    joined, _ = plan.executor.run(table)
    return joined


__all__ = ["FeatureTableChangedWarning", "InputPlan", "align_nulls", "compute", "plan_inputs"]
