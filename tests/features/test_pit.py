"""Point-in-time joins against a tiny pure-Python oracle (hypothesis).

The oracle restates the rules of lakeforge.features.pit row by row; the engine result must be
identical cell by cell, including nulls, row order and duplicate input rows.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakeforge.engines import duck_asof, polars_asof
from lakeforge.engines.duck import DuckDBEngine
from lakeforge.features.pit import ResolvedLookup, apply_defaults, plan, point_in_time_join

BASE = datetime(2024, 1, 1, tzinfo=UTC)
ENGINE = DuckDBEngine()


class _Executor:
    """An engine stand-in that runs plans with one executor (every executor, same oracle)."""

    def __init__(self, run: Any) -> None:
        self.run = run

    def point_in_time(self, spine: pa.Table, steps: Any) -> pa.Table:
        return self.run(spine, steps)


def _prepared_in_chunks(spine: pa.Table, steps: Any) -> pa.Table:
    """One prepared plan run on 3-row chunks, as streaming scoring runs it."""
    prepared = polars_asof.PreparedPlan(steps)
    parts = [prepared.run(spine.slice(start, 3)) for start in range(0, max(spine.num_rows, 1), 3)]
    return pa.concat_tables(parts)


EXECUTORS = pytest.mark.parametrize(
    "engine",
    [
        _Executor(duck_asof.run_plan),
        _Executor(polars_asof.run_plan),
        _Executor(_prepared_in_chunks),
    ],
    ids=["duckdb", "polars", "polars-prepared-chunks"],
)

# Times on a coarse grid with sub-second offsets so whole-second truncation matters.
times = st.builds(
    lambda s, us: BASE + timedelta(seconds=s, microseconds=us),
    st.integers(0, 12),
    st.sampled_from([0, 250_000, 999_999]),
)
keys = st.one_of(st.none(), st.integers(1, 4))
values = st.one_of(st.none(), st.floats(-5, 5, allow_nan=False, width=32))
lookbacks = st.sampled_from(
    [None, timedelta(0), timedelta(seconds=1), timedelta(seconds=3), timedelta(seconds=2.5)]
)


@st.composite
def feature_rows(draw: st.DrawFn, timeseries: bool) -> list[dict[str, Any]]:
    if not timeseries:
        ids = draw(st.lists(st.integers(1, 4), unique=True, max_size=4))
        return [{"id": i, "ts": None, "v": draw(values)} for i in ids]
    pairs = draw(st.lists(st.tuples(st.integers(1, 4), times), unique=True, max_size=14))
    return [{"id": k, "ts": t, "v": draw(values)} for k, t in pairs]


def feature_table(rows: list[dict[str, Any]], timeseries: bool) -> pa.Table:
    columns = {
        "id": pa.array([r["id"] for r in rows], pa.int64()),
        "v": pa.array([r["v"] for r in rows], pa.float64()),
    }
    if timeseries:
        columns["ts"] = pa.array([r["ts"] for r in rows], pa.timestamp("us", tz="UTC"))
    return pa.table(columns)


def spine_table(rows: list[tuple[int | None, datetime | None]]) -> pa.Table:
    return pa.table(
        {
            "k": pa.array([k for k, _ in rows], pa.int64()),
            "T": pa.array([t for _, t in rows], pa.timestamp("us", tz="UTC")),
        }
    )


def oracle_value(
    key: int | None,
    event: datetime | None,
    rows: list[dict[str, Any]],
    timeseries: bool,
    lookback: timedelta | None,
) -> float | None:
    """Rules 1-4 and 7 for one input row, written plainly."""
    if key is None:
        return None
    same_key = [r for r in rows if r["id"] == key]
    if not timeseries:
        return same_key[0]["v"] if same_key else None
    if event is None:
        return None
    candidates = [r for r in same_key if r["ts"] <= event]
    if lookback == timedelta(0):
        candidates = [r for r in candidates if r["ts"] == event]
    elif lookback is not None:
        limit = lookback.total_seconds()
        candidates = [
            r
            for r in candidates
            if math.floor(event.timestamp()) - math.floor(r["ts"].timestamp()) <= limit
        ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r["ts"])["v"]


def lookup(
    name: str, table: pa.Table, timeseries: bool, lookback: timedelta | None, key: str = "k"
) -> ResolvedLookup:
    return ResolvedLookup(
        table=name,
        relation=table,
        lookup_keys=(key,),
        primary_keys=("id",),
        outputs=(("v", f"{name}_v"),),
        timestamp_key="ts" if timeseries else None,
        timestamp_lookup_key="T" if timeseries else None,
        lookback=lookback if timeseries else None,
    )


@EXECUTORS
@settings(max_examples=350, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spine=st.lists(st.tuples(keys, st.one_of(st.none(), times)), max_size=12),
    tables=st.lists(
        st.tuples(st.booleans(), lookbacks).flatmap(
            lambda c: st.tuples(st.just(c[0]), st.just(c[1]), feature_rows(c[0]))
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_point_in_time_matches_oracle(
    engine: Any,
    spine: list[tuple[int | None, datetime | None]],
    tables: list[tuple[bool, timedelta | None, list[dict[str, Any]]]],
) -> None:
    lookups = [
        lookup(f"t{i}", feature_table(rows, ts), ts, lb) for i, (ts, lb, rows) in enumerate(tables)
    ]
    result, _ = point_in_time_join(engine, spine_table(spine), lookups)
    assert result.column_names == ["k", "T"] + [f"t{i}_v" for i in range(len(tables))]
    assert result.column("k").to_pylist() == [k for k, _ in spine]
    assert result.column("T").to_pylist() == [t for _, t in spine]
    for i, (ts, lb, rows) in enumerate(tables):
        expected = [oracle_value(k, t, rows, ts, lb) for k, t in spine]
        assert result.column(f"t{i}_v").to_pylist() == expected, (i, ts, lb)


@EXECUTORS
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spine=st.lists(st.tuples(keys, st.one_of(st.none(), times)), max_size=10),
    first=feature_rows(True),
    second=feature_rows(True),
    lookback=lookbacks,
    default=st.one_of(st.none(), st.floats(-1, 1, allow_nan=False, width=32)),
)
def test_chained_lookup_and_defaults_match_oracle(
    engine: Any,
    spine: list[tuple[int | None, datetime | None]],
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
    lookback: timedelta | None,
    default: float | None,
) -> None:
    """The second lookup is keyed on the first one's output; defaults apply after all joins."""
    first_table = pa.table(
        {
            "id": pa.array([r["id"] for r in first], pa.int64()),
            "ts": pa.array([r["ts"] for r in first], pa.timestamp("us", tz="UTC")),
            "next_id": pa.array(
                [None if r["v"] is None else int(abs(r["v"])) % 4 + 1 for r in first], pa.int64()
            ),
        }
    )
    a = ResolvedLookup(
        "a", first_table, ("k",), ("id",), (("next_id", "next_id"),), "ts", "T", lookback
    )
    b = ResolvedLookup(
        "b",
        feature_table(second, True),
        ("next_id",),
        ("id",),
        (("v", "b_v"),),
        "ts",
        "T",
        None,
        {"b_v": default},
    )
    result, filled = point_in_time_join(engine, spine_table(spine), [a, b])
    rows_a = [
        {"id": r["id"], "ts": r["ts"], "v": n}
        for r, n in zip(first, first_table.column("next_id").to_pylist(), strict=True)
    ]
    expected_next = [oracle_value(k, t, rows_a, True, lookback) for k, t in spine]
    expected_b = [
        oracle_value(n, t, second, True, None)
        for n, (_, t) in zip(expected_next, spine, strict=True)
    ]
    nulls = sum(v is None for v in expected_b)
    if default is not None:
        expected_b = [default if v is None else v for v in expected_b]
    assert result.column("next_id").to_pylist() == expected_next
    assert result.column("b_v").to_pylist() == expected_b
    assert filled == ({"b_v": nulls} if default is not None and nulls else {})


def test_lookups_sharing_table_keys_and_window_are_one_join() -> None:
    table = pa.table({"id": [1], "ts": pa.array([BASE], pa.timestamp("us", tz="UTC")), "v": [1.0]})
    one = ResolvedLookup("t", table, ("k",), ("id",), (("v", "a"),), "ts", "T")
    two = ResolvedLookup("t", table, ("k",), ("id",), (("v", "b"),), "ts", "T")
    other = ResolvedLookup("t", table, ("k",), ("id",), (("v", "c"),), "ts", "T", timedelta(1))
    steps = plan([one, two, other])
    assert [s.outputs for s in steps] == [(("v", "a"), ("v", "b")), (("v", "c"),)]


@EXECUTORS
def test_date_event_times_compare_as_midnight(engine: Any) -> None:
    table = pa.table(
        {
            "id": [1, 1],
            "ts": pa.array([BASE, BASE + timedelta(hours=1)], pa.timestamp("us", tz="UTC")),
            "v": [1.0, 2.0],
        }
    )
    spine = pa.table({"k": [1], "T": pa.array([BASE.date()], pa.date32())})
    result, _ = point_in_time_join(
        engine, spine, [ResolvedLookup("t", table, ("k",), ("id",), (("v", "v"),), "ts", "T")]
    )
    assert result.column("v").to_pylist() == [1.0]


def test_default_of_wrong_type_is_a_clear_error() -> None:
    table = pa.table({"v": pa.array([None], pa.float64())})
    with pytest.raises(Exception, match="default value 'x' for 'v'"):
        apply_defaults(table, {"v": "x"})
