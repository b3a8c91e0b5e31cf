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


def _step(frame: pl.DataFrame, step: AsofStep, sorted_by: str | None) -> pl.DataFrame:
    right, _ = _right_frame(step)
    keys = [f"__lf_k{i}" for i in range(len(step.left_keys))]
    left_keys = list(step.left_keys)
    right = right.with_columns(
        [pl.col(k).cast(frame.schema[lk]) for k, lk in zip(keys, left_keys, strict=True)]
    )
    outputs = [name for _, name in step.outputs]
    if step.window == "equi":
        joined = frame.join(
            right, left_on=left_keys, right_on=keys, how="left", maintain_order="left"
        )
        return joined.drop([k for k in keys if k in joined.columns])
    assert step.left_time is not None
    right = right.sort(_TIME)
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


def run_plan(spine: pa.Table, steps: Sequence[AsofStep]) -> pa.Table:
    """Execute a plan and return the spine's columns followed by every step's outputs.

    Only the key and time columns of the spine are sorted and joined; outputs are put back in
    spine order one column at a time, so peak memory stays near the size of the result.
    """
    narrow = spine.select(_left_columns(spine, steps))
    frame: pl.DataFrame = pl.from_arrow(narrow, rechunk=False)  # type: ignore[assignment]
    frame = frame.with_row_index(_ROW)
    types: dict[str, pa.DataType] = {}
    sorted_by: str | None = None
    for step in steps:
        frame = _step(frame, step, sorted_by)
        if step.window != "equi":
            sorted_by = step.left_time
        for column, name in step.outputs:
            types[name] = step.relation.schema.field(column).type
    order = frame.get_column(_ROW).arg_sort()
    outputs = frame.select(list(types))
    del frame
    result = spine
    names = list(types)
    for start in range(0, len(names), _GATHER_GROUP):
        group = names[start : start + _GATHER_GROUP]
        gathered = outputs.select(pl.col(group).gather(order)).to_arrow()
        outputs = outputs.drop(group)
        for name in group:
            dtype = types[name]
            result = result.append_column(pa.field(name, dtype), gathered.column(name).cast(dtype))
    return result
