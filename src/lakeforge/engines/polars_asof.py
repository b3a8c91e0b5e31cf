"""Polars execution of as-of join plans (:mod:`lakeforge.engines.asof`).

Polars' sort-based ``join_asof`` is the fastest as-of join measured on this workload
(see ``bench/pit.py``), so the DuckDB engine hands plans here. Each step sorts the running
table by its event time, joins the right side (projected to keys, time and outputs, sorted by
time), applies the window rule, and the spine order is restored at the end. Results are cast
back to the spine's and the relations' Arrow types so callers see their own types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads

from lakeforge.engines.asof import AsofStep

_ROW = "__lf_row"
_TIME = "__lf_time"
_LEFT_TIME = "__lf_left_time"
# Outputs return to spine order a few columns at a time: parallel, with bounded extra memory.
_GATHER_GROUP = 8


def _right_frame(step: AsofStep) -> tuple[pl.DataFrame, dict[str, pa.DataType]]:
    needed = [*step.right_keys, *([step.right_time] if step.right_time else [])]
    needed += [c for c, _ in step.outputs if c not in needed]
    relation: Any = step.relation
    table = (
        relation.to_table(columns=needed)
        if isinstance(relation, pads.Dataset)
        else relation.select(needed)
    )
    columns: dict[str, Any] = {f"__lf_k{i}": table.column(k) for i, k in enumerate(step.right_keys)}
    if step.right_time:
        columns[_TIME] = table.column(step.right_time)
    types = {}
    for column, name in step.outputs:
        columns[name] = table.column(column)
        types[name] = table.schema.field(column).type
    return pl.from_arrow(pa.table(columns), rechunk=False), types  # type: ignore[return-value]


def _as_time(frame: pl.DataFrame, column: str, like: pl.DataType) -> pl.Expr:
    expr = pl.col(column)
    return expr.cast(like) if frame.schema[column] != like else expr


def _keep(step: AsofStep) -> pl.Expr | None:
    if step.window == "exact":
        return pl.col(_TIME) == pl.col(_LEFT_TIME)
    if step.window == "lookback":
        seconds = pl.col(_LEFT_TIME).dt.epoch("s") - pl.col(_TIME).dt.epoch("s")
        return seconds <= step.seconds
    return None


def _prepared_right(step: AsofStep) -> pl.DataFrame:
    """A step's right side as it is joined: projected, and sorted by time for timed steps."""
    right, _ = _right_frame(step)
    return right if step.window == "equi" else right.sort(_TIME)


def _step(
    frame: pl.DataFrame, step: AsofStep, right: pl.DataFrame, sorted_by: str | None
) -> pl.DataFrame:
    keys = [f"__lf_k{i}" for i in range(len(step.left_keys))]
    left_keys = list(step.left_keys)
    casts = [
        pl.col(k).cast(frame.schema[lk])
        for k, lk in zip(keys, left_keys, strict=True)
        if right.schema[k] != frame.schema[lk]
    ]
    if casts:
        right = right.with_columns(casts)
    outputs = [name for _, name in step.outputs]
    if step.window == "equi":
        joined = frame.join(
            right, left_on=left_keys, right_on=keys, how="left", maintain_order="left"
        )
        return joined.drop([k for k in keys if k in joined.columns])
    assert step.left_time is not None
    left = frame.with_columns(
        _as_time(frame, step.left_time, right.schema[_TIME]).alias(_LEFT_TIME)
    )
    if sorted_by != step.left_time:
        left = left.sort(_LEFT_TIME, nulls_last=True)
    joined = left.join_asof(
        right,
        left_on=_LEFT_TIME,
        right_on=_TIME,
        by_left=left_keys,
        by_right=keys,
        strategy="backward",
        check_sortedness=False,
    )
    keep = _keep(step)
    if keep is not None:
        keep = keep.fill_null(False)
        joined = joined.with_columns([pl.when(keep).then(pl.col(n)).alias(n) for n in outputs])
    return joined.drop([_TIME, _LEFT_TIME])


def _left_columns(spine: pa.Table, steps: Sequence[AsofStep]) -> list[str]:
    used = {c for s in steps for c in (*s.left_keys, *([s.left_time] if s.left_time else []))}
    return [c for c in spine.column_names if c in used]


class PreparedPlan:
    """A plan whose right sides are read, projected and sorted once, then joined onto any
    number of spines (chunks of one input): the right-side work is not repeated per chunk.

    Right sides are prepared on the first :meth:`run` and held until the plan is dropped, so
    memory is the projected feature tables plus one chunk's join.
    """

    def __init__(self, steps: Sequence[AsofStep]) -> None:
        self.steps = tuple(steps)
        self._rights: list[pl.DataFrame] | None = None

    def _prepared(self) -> list[pl.DataFrame]:
        if self._rights is None:
            self._rights = [_prepared_right(step) for step in self.steps]
        return self._rights

    def run(self, spine: pa.Table) -> pa.Table:
        """Execute the plan on ``spine``: its columns followed by every step's outputs.

        Only the key and time columns of the spine are sorted and joined; outputs are put back
        in spine order a few columns at a time, so peak memory stays near the result's size.
        """
        steps = self.steps
        narrow = spine.select(_left_columns(spine, steps))
        frame: pl.DataFrame = pl.from_arrow(narrow, rechunk=False)  # type: ignore[assignment]
        frame = frame.with_row_index(_ROW)
        types: dict[str, pa.DataType] = {}
        sorted_by: str | None = None
        for step, right in zip(steps, self._prepared(), strict=True):
            frame = _step(frame, step, right, sorted_by)
            if step.window != "equi":
                sorted_by = step.left_time
            for column, name in step.outputs:
                types[name] = step.relation.schema.field(column).type
        # equi joins keep the spine's order; a timed step sorted the frame by time
        order = frame.get_column(_ROW).arg_sort() if sorted_by is not None else None
        outputs = frame.select(list(types))
        del frame
        result = spine
        names = list(types)
        for start in range(0, len(names), _GATHER_GROUP):
            group = names[start : start + _GATHER_GROUP]
            selected = pl.col(group) if order is None else pl.col(group).gather(order)
            gathered = outputs.select(selected).to_arrow()
            outputs = outputs.drop(group)
            for name in group:
                dtype = types[name]
                result = result.append_column(
                    pa.field(name, dtype), gathered.column(name).cast(dtype)
                )
        return result


def run_plan(spine: pa.Table, steps: Sequence[AsofStep]) -> pa.Table:
    """Execute a plan once (see :class:`PreparedPlan` to run one plan on many spines)."""
    return PreparedPlan(steps).run(spine)
