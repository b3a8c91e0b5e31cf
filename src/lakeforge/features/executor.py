"""Computing features for input rows: bound lookups and functions run in dependency order.

One :class:`FeatureExecutor` serves a training set (:mod:`.training_set`) and a scored model
(``lakeforge.models.feature_inputs``) alike, so both compute features the same way. Lookups
between two functions form one point-in-time plan (:mod:`.pit`); each plan is prepared by the
engine once — feature tables read at their pinned versions, projected and sorted — and reused
for every table the executor runs on, so streaming an input in chunks does not re-read the
feature tables per chunk. ``default_values`` fill nulls after all joins, with counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.errors import ValidationError
from lakeforge.features import resolution
from lakeforge.features.pit import ResolvedLookup, apply_defaults
from lakeforge.features.pit import plan as make_plan
from lakeforge.features.resolution import FunctionPlan, Item, LookupPlan
from lakeforge.tables import reader

if TYPE_CHECKING:
    from lakeforge.engines.engine import PreparedJoin
    from lakeforge.tables.workspace import Workspace


def _resolve(ws: Workspace, plan: LookupPlan) -> ResolvedLookup:
    snapshot = ws.tables.snapshot(plan.table.name, version=plan.version)
    _, ts = resolution.table_keys(plan.table)
    return ResolvedLookup(
        table=plan.table.name.full,
        relation=reader.engine_dataset(snapshot),
        lookup_keys=tuple(plan.lookup.lookup_key),
        primary_keys=plan.primary_keys,
        outputs=plan.outputs,
        timestamp_key=ts,
        timestamp_lookup_key=plan.lookup.timestamp_lookup_key if ts else None,
        lookback=plan.lookup.lookback_window,
    )


def run_function(table: pa.Table, plan: FunctionPlan) -> pa.Table:
    """``table`` with the on-demand function's output appended (row by row, typed)."""
    from lakeforge.features.function import load_function
    from lakeforge.tables.types import parse_type

    fn = load_function(plan.info)
    args = [table.column(c).to_pylist() for c in plan.inputs]
    try:
        values = [fn(*row) for row in zip(*args, strict=True)] if args else [fn()] * table.num_rows
        column = pa.array(values, type=parse_type(plan.info.return_type))
    except Exception as exc:
        raise ValidationError(
            f"on-demand function {plan.info.name.full!r} failed: {type(exc).__name__}: {exc}",
            "fix the function or its inputs; it must return its declared type for every row",
        ) from exc
    return table.append_column(plan.output, column)


class FeatureExecutor:
    """Runs ordered lookups/functions on input tables; join plans are prepared once.

    Args:
        ws: The workspace holding the feature tables and functions.
        items: Bound items with their topological level, dependencies first
            (:func:`lakeforge.features.resolution.order_items`).
    """

    def __init__(self, ws: Workspace, items: Sequence[tuple[Item, int]]) -> None:
        self._ws = ws
        self.items = tuple(items)
        # consecutive lookups form one join segment; a function ends a segment
        self._segments: list[list[LookupPlan] | FunctionPlan] = []
        for item, _ in self.items:
            if isinstance(item, FunctionPlan):
                self._segments.append(item)
            elif self._segments and isinstance(self._segments[-1], list):
                self._segments[-1].append(item)
            else:
                self._segments.append([item])
        self._joins: dict[int, PreparedJoin] = {}
        self.defaults: dict[str, Any] = {
            name: value
            for item, _ in self.items
            if isinstance(item, LookupPlan)
            for name, value in item.defaults.items()
        }

    def _join(self, index: int, lookups: Sequence[LookupPlan]) -> PreparedJoin:
        prepared = self._joins.get(index)
        if prepared is None:
            steps = make_plan([_resolve(self._ws, plan) for plan in lookups])
            prepared = self._joins[index] = self._ws.engine.prepare_point_in_time(steps)
        return prepared

    def run(self, table: pa.Table) -> tuple[pa.Table, dict[str, int]]:
        """``table``'s columns followed by every item's outputs; default fills per column.

        Raises:
            ValidationError: An on-demand function failed or returned another type.
        """
        for index, segment in enumerate(self._segments):
            if isinstance(segment, FunctionPlan):
                table = run_function(table, segment)
            else:
                table = self._join(index, segment).run(table)
        return apply_defaults(table, self.defaults)


__all__ = ["FeatureExecutor", "run_function"]
