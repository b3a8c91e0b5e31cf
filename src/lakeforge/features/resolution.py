"""Resolving FeatureLookups and FeatureFunctions against the catalog and an input schema.

Checks follow the reference (api-compat §1.11): lookup keys zipped positionally with the
table's primary keys (timeseries key excluded) must exist (in the input or as an earlier
output), match in count and in type — no implicit casts; the same for timestamp keys;
requested features must exist; output names must be unique and must not collide with input
columns or labels. Items are ordered so every input exists before it is used (chaining).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from lakeforge.catalog.records import FunctionInfo, TableInfo
from lakeforge.errors import ValidationError
from lakeforge.features.spec import FeatureColumn, FunctionColumn
from lakeforge.tables.types import type_name


@dataclass(frozen=True, slots=True)
class LookupPlan:
    """A lookup bound to a table at a pinned Delta version."""

    lookup: Any
    table: TableInfo
    version: int
    schema: pa.Schema
    primary_keys: tuple[str, ...]
    features: tuple[str, ...]
    outputs: tuple[tuple[str, str], ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Columns this lookup needs from the input or earlier items."""
        ts = self.lookup.timestamp_lookup_key
        return tuple(self.lookup.lookup_key) + ((ts,) if ts else ())


@dataclass(frozen=True, slots=True)
class FunctionPlan:
    """An on-demand function bound to its catalog definition."""

    function: Any
    info: FunctionInfo
    output: str

    @property
    def inputs(self) -> tuple[str, ...]:
        """Bound input columns, in the function's parameter order."""
        bindings = dict(self.function.input_bindings or {})
        return tuple(bindings[p.name] for p in self.info.parameters)


Item = LookupPlan | FunctionPlan


def item_outputs(item: Item) -> list[str]:
    """The columns a lookup or function adds, in order."""
    return [o for _, o in item.outputs] if isinstance(item, LookupPlan) else [item.output]


def table_keys(table: TableInfo) -> tuple[tuple[str, ...], str | None]:
    """Primary keys without the timeseries key, and the timeseries key."""
    ts = table.timeseries_key
    return tuple(k for k in table.primary_keys if k != ts), ts


def _check_pairs(
    role: str,
    table: TableInfo,
    wanted: Sequence[str],
    keys: Sequence[str],
    available: Mapping[str, pa.DataType],
    schema: pa.Schema,
) -> None:
    name = table.name.full
    if len(wanted) != len(keys):
        raise ValidationError(
            f"{role} {list(wanted)} has {len(wanted)} column(s) but table {name!r} has "
            f"{len(keys)} {role.replace('lookup_key', 'primary key')}(s) {list(keys)}",
            "give one lookup column per table key, in the table's key order",
        )
    for want, key in zip(wanted, keys, strict=True):
        if want not in available:
            raise ValidationError(
                f"{role} column {want!r} for table {name!r} is not in the input "
                f"(columns: {sorted(available)})",
                "add the column to the DataFrame or produce it with an earlier lookup/function",
            )
        have, need = type_name(available[want]), type_name(schema.field(key).type)
        if have != need:
            raise ValidationError(
                f"{role} {want!r} is {have} but table {name!r} key {key!r} is {need}",
                f"cast {want!r} to {need} (no implicit casts)",
            )


def bind_lookup(lookup: Any, table: TableInfo, version: int, schema: pa.Schema) -> LookupPlan:
    """Check a lookup's features against its table and decide output names."""
    pks, _ = table_keys(table)
    if not table.primary_keys:
        raise ValidationError(
            f"table {table.name.full!r} has no primary key, so it is not a feature table",
            "create it with FeatureEngineeringClient.create_table(primary_keys=...)",
        )
    requested = lookup.feature_names
    features = (
        tuple(requested)
        if requested
        else tuple(n for n in schema.names if n not in table.primary_keys)
    )
    missing = [f for f in features if f not in schema.names]
    if missing:
        raise ValidationError(
            f"features {missing} are not in table {table.name.full!r} (columns: {schema.names})",
            "fix feature_names or add the columns to the table",
        )
    outputs = tuple((f, lookup.output_name_for(f)) for f in features)
    lookup.validate_defaults(list(features))
    return LookupPlan(
        lookup, table, version, schema, pks, features, outputs, dict(lookup.default_values or {})
    )


def check_lookup_keys(plan: LookupPlan, available: Mapping[str, pa.DataType]) -> None:
    """Lookup and timestamp keys exist and match the table's keys by count and type."""
    pks, ts = table_keys(plan.table)
    lookup = plan.lookup
    _check_pairs("lookup_key", plan.table, lookup.lookup_key, pks, available, plan.schema)
    wanted_ts = [lookup.timestamp_lookup_key] if lookup.timestamp_lookup_key else []
    _check_pairs(
        "timestamp_lookup_key", plan.table, wanted_ts, [ts] if ts else [], available, plan.schema
    )


def order_items(items: Sequence[Item], source: Mapping[str, pa.DataType]) -> list[tuple[Item, int]]:
    """Order items so inputs exist before use; return (item, topological level) pairs.

    Raises:
        ValidationError: Some inputs are never produced (lists them).
    """
    available: dict[str, pa.DataType] = dict(source)
    level: dict[str, int] = dict.fromkeys(source, 0)
    pending = list(items)
    ordered: list[tuple[Item, int]] = []
    while pending:
        ready = [i for i in pending if all(c in available for c in i.inputs)]
        if not ready:
            missing = sorted({c for i in pending for c in i.inputs if c not in available})
            raise ValidationError(
                f"input columns {missing} are neither in the DataFrame nor produced by a lookup "
                f"or function (DataFrame columns: {sorted(source)})",
                "add them to the DataFrame or add the lookup/function that produces them",
            )
        for item in ready:
            if isinstance(item, LookupPlan):
                check_lookup_keys(item, available)
                produced = {o: item.schema.field(f).type for f, o in item.outputs}
            else:
                produced = {item.output: _function_type(item.info)}
            depth = 1 + max((level[c] for c in item.inputs), default=0)
            available.update(produced)
            level.update(dict.fromkeys(produced, depth))
            ordered.append((item, depth))
            pending.remove(item)
    return ordered


def _function_type(info: FunctionInfo) -> pa.DataType:
    from lakeforge.tables.types import parse_type

    return parse_type(info.return_type)


def spec_columns(
    items: Sequence[Item], ordered: Sequence[tuple[Item, int]]
) -> list[FeatureColumn | FunctionColumn]:
    """Feature-spec columns for resolved lookups/functions, in spec order (reference): lookup
    features, then on-demand features, each in the order given in ``items``; ``ordered`` (from
    :func:`order_items`, dependencies first) gives each its topological level."""
    position = {id(item): index for index, item in enumerate(items)}
    in_spec_order = sorted(
        ordered, key=lambda pair: (isinstance(pair[0], FunctionPlan), position[id(pair[0])])
    )
    columns: list[FeatureColumn | FunctionColumn] = []
    for item, depth in in_spec_order:
        if isinstance(item, LookupPlan):
            ts = item.lookup.timestamp_lookup_key
            for feature, output in item.outputs:
                default = item.defaults.get(output)
                columns.append(
                    FeatureColumn(
                        name=output,
                        table_name=item.table.name.full,
                        feature_name=feature,
                        lookup_key=tuple(item.lookup.lookup_key),
                        data_type=type_name(item.schema.field(feature).type),
                        topological_ordering=depth,
                        timestamp_lookup_key=(ts,) if ts else (),
                        default_value=None if default is None else str(default),
                    )
                )
        else:
            columns.append(
                FunctionColumn(
                    name=item.output,
                    udf_name=item.info.name.full,
                    input_bindings=dict(item.function.input_bindings or {}),
                    data_type=item.info.return_type,
                    topological_ordering=depth,
                )
            )
    return columns


def function_names(ordered: Sequence[tuple[Item, int]]) -> tuple[str, ...]:
    """The functions a spec uses (its ``input_functions``), each once, in execution order."""
    return tuple(dict.fromkeys(i.info.name.full for i, _ in ordered if isinstance(i, FunctionPlan)))


def function_output(function: Any, info: FunctionInfo) -> str:
    """Output column name of a FeatureFunction (default: the full udf name)."""
    given = getattr(function, "output_name", None)
    return str(given) if given else info.name.full
