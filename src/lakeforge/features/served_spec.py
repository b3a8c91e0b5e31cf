"""Feature specs registered in the catalog (``create_feature_spec``) for feature serving.

A feature spec is the input half of a feature model without a model: lookups and on-demand
functions, bound like a training set's. It is stored as a catalog function of kind
``FEATURE_SPEC`` (the spec YAML is its body), and an endpoint whose served entity names it
answers requests with the looked-up and computed features (``{"outputs": [...]}``).

Request columns are the lookup keys (typed as the feature tables' keys), timestamp keys (typed
as the tables' timeseries columns), and function inputs no lookup produces (typed as the
function's parameters).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.catalog.records import FunctionInfo
from lakeforge.errors import ValidationError
from lakeforge.features import resolution
from lakeforge.features.resolution import Item, LookupPlan
from lakeforge.features.spec import FeatureSpec, SourceColumn
from lakeforge.tables.types import parse_type, type_name

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

LANGUAGE = "FEATURE_SPEC"


def _source_types(items: Sequence[Item]) -> dict[str, pa.DataType]:
    produced = {out for item in items for out in resolution.item_outputs(item)}
    source: dict[str, pa.DataType] = {}
    for item in items:
        if isinstance(item, LookupPlan):
            for given, key in zip(item.lookup.lookup_key, item.primary_keys, strict=True):
                source.setdefault(given, item.schema.field(key).type)
            ts_given = item.lookup.timestamp_lookup_key
            ts_table = item.table.timeseries_key
            if ts_given and ts_table:
                source.setdefault(ts_given, item.schema.field(ts_table).type)
        else:
            for param, column in zip(item.info.parameters, item.inputs, strict=True):
                if column not in produced:
                    source.setdefault(column, parse_type(param.data_type))
    return source


def build_feature_spec(
    ws: Workspace, features: Sequence[Any], exclude_columns: Sequence[str] = ()
) -> FeatureSpec:
    """Bind lookups and functions into a spec whose source columns come from the catalog.

    Raises:
        ValidationError: No features, or an excluded column that is not an output.
    """
    from lakeforge.features.training_set import bind_features

    if not isinstance(features, list | tuple) or not features:
        raise ValidationError(
            "a feature spec needs a non-empty list of FeatureLookup / FeatureFunction",
            "pass features=[FeatureLookup(...), FeatureFunction(...)]",
        )
    items, tables = bind_features(ws, features)
    source = _source_types(items)
    ordered = resolution.order_items(items, source)
    columns = resolution.spec_columns(items, ordered)
    excluded = set(exclude_columns)
    unknown = sorted(excluded - {c.name for c in columns} - set(source))
    if unknown:
        raise ValidationError(
            f"exclude_columns {unknown} are not columns of the feature spec",
            f"exclude some of {[c.name for c in columns]}",
        )
    return FeatureSpec(
        input_columns=(
            *(SourceColumn(n, type_name(t), 0, include=False) for n, t in source.items()),
            *(replace(c, include=c.name not in excluded) for c in columns),
        ),
        input_tables=tuple(tables),
        input_functions=resolution.function_names(ordered),
    )


def create_feature_spec(
    ws: Workspace, name: str, features: Sequence[Any], exclude_columns: Sequence[str] = ()
) -> FunctionInfo:
    """Register a feature spec as a catalog function of kind FEATURE_SPEC.

    Raises:
        AlreadyExistsError: A function of that name exists.
        ValidationError: See :func:`build_feature_spec`.
    """
    spec = build_feature_spec(ws, features, exclude_columns)
    info = FunctionInfo(
        name=ws.tables.resolve(name),
        function_id=str(uuid.uuid4()),
        source=spec.to_yaml(),
        entry_point="feature_spec",
        parameters=(),
        return_type=LANGUAGE,
        language=LANGUAGE,
        owner=ws.settings.user,
    )
    return ws.functions.create(info)


def find_feature_spec(ws: Workspace, name: str) -> FeatureSpec | None:
    """The spec registered under ``name``; None when ``name`` is not a FEATURE_SPEC function."""
    from lakeforge.errors import FunctionNotFoundError, NotFoundError

    try:
        info = ws.functions.get(ws.tables.resolve(name))
    except (FunctionNotFoundError, NotFoundError):
        return None
    if info.language != LANGUAGE:
        return None
    return FeatureSpec.from_yaml(info.source)


__all__ = ["build_feature_spec", "create_feature_spec", "find_feature_spec"]
