"""DuckDB execution of as-of join plans (:mod:`lakeforge.engines.asof`).

The spine gets a row number; each step is a view over the previous one using DuckDB's
``ASOF LEFT JOIN`` (latest right time ``<=`` left time per key) or a plain ``LEFT JOIN``, with
the window rule applied as a ``CASE`` on every output; the result is ordered by row number.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from lakeforge.engines.asof import AsofStep

_ROW = "__lf_row"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _time_expr(expr: str, dtype: pa.DataType | None) -> str:
    # DATE compares as TIMESTAMP at midnight (UTC session); timestamps stay as they are.
    return f"CAST({expr} AS TIMESTAMP)" if dtype is not None and pa.types.is_date(dtype) else expr


def _keep(step: AsofStep, left_t: str, right_t: str) -> str | None:
    if step.window == "exact":
        return f"{right_t} = {left_t}"
    if step.window == "lookback":
        return f"floor(epoch({left_t})) - floor(epoch({right_t})) <= {float(step.seconds or 0)!r}"
    return None


def _step_sql(step: AsofStep, index: int, previous: str, types: dict[str, pa.DataType]) -> str:
    right = f"__lf_r{index}"
    conditions = [
        f"p.{_q(lk)} = r.{_q(rk)}" for lk, rk in zip(step.left_keys, step.right_keys, strict=True)
    ]
    keep = None
    join = "LEFT JOIN"
    if step.window != "equi":
        assert step.left_time is not None and step.right_time is not None
        left_t = _time_expr(f"p.{_q(step.left_time)}", types.get(step.left_time))
        right_t = _time_expr(
            f"r.{_q(step.right_time)}", step.relation.schema.field(step.right_time).type
        )
        conditions.append(f"{left_t} >= {right_t}")
        join = "ASOF LEFT JOIN"
        keep = _keep(step, left_t, right_t)
    outputs = []
    for column, name in step.outputs:
        value = f"r.{_q(column)}"
        outputs.append(
            f"CASE WHEN {keep} THEN {value} END AS {_q(name)}" if keep else f"{value} AS {_q(name)}"
        )
    on = " AND ".join(conditions) if conditions else "TRUE"
    return (
        f"SELECT p.*, {', '.join(outputs)} FROM {previous} p {join} {right} r ON {on}"
        if outputs
        else f"SELECT p.* FROM {previous} p"
    )


def run_plan(spine: pa.Table, steps: Sequence[AsofStep]) -> pa.Table:
    """Execute a plan and return the spine's columns followed by every step's outputs."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute("SET TimeZone = 'UTC'")
        numbered = spine.append_column(_ROW, pa.array(range(spine.num_rows), pa.int64()))
        con.register("__lf_spine", numbered)
        previous = "__lf_spine"
        types = {f.name: f.type for f in spine.schema}
        for index, step in enumerate(steps):
            con.register(f"__lf_r{index}", step.relation)
            con.execute(
                f"CREATE TEMP VIEW __lf_s{index} AS {_step_sql(step, index, previous, types)}"
            )
            previous = f"__lf_s{index}"
            for column, name in step.outputs:
                types[name] = step.relation.schema.field(column).type
        result = con.sql(f"SELECT * EXCLUDE ({_q(_ROW)}) FROM {previous} ORDER BY {_q(_ROW)}")
        return result.to_arrow_table()
    finally:
        con.close()
