"""Traffic routing: exact splits over any 100 consecutive requests, validation of routes."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lakeforge.errors import ValidationError
from lakeforge.serving.routing import TrafficRouter, check_routes


def test_a_90_10_split_over_20000_requests_is_exact_and_interleaved() -> None:
    router = TrafficRouter({"champion": 90, "challenger": 10})
    picks = [router.pick() for _ in range(20_000)]
    counts = Counter(picks)
    assert counts == {"champion": 18_000, "challenger": 2_000}
    # never more than one challenger request in any ten consecutive requests
    assert all(picks[i : i + 10].count("challenger") == 1 for i in range(0, 20_000, 10))


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=0, max_size=4))
def test_every_window_of_100_requests_matches_the_percentages(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), 100]
    weights = [b - a for a, b in itertools.pairwise(bounds)]  # sum to 100
    routes = {f"e{i}": w for i, w in enumerate(weights) if w}
    router = TrafficRouter(routes)
    picks = [router.pick() for _ in range(300)]
    for start in (0, 100, 200):
        window = Counter(picks[start : start + 100])
        assert {k: window.get(k, 0) for k in routes} == routes


def test_concurrent_picks_keep_the_split() -> None:
    router = TrafficRouter({"a": 70, "b": 30})
    picks: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [router.pick() for _ in range(1000)]
        with lock:
            picks.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(picks) == {"a": 2800, "b": 1200}


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"a": 60, "b": 30}, "sum to 90"),
        ({"a": 50, "c": 50}, r"\['c'\]"),
        ({"a": 100.0, "b": 0}, "integers"),
        ({"a": 120, "b": -20}, "integers"),
        ({"a": True, "b": 99}, "integers"),
    ],
)
def test_bad_routes_are_refused_with_the_values(routes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_routes(routes, {"a", "b"})  # type: ignore[arg-type]
