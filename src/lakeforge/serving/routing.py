"""Traffic routing between an endpoint's served entities — the one place it is decided.

Routes carry integer percentages summing to 100. Requests are spread with smooth weighted
round-robin: each route gains its weight per request, the one with the most credit answers and
pays back 100. Over every 100 consecutive requests each route answers exactly its percentage,
in an interleaved order (90/10 gives one request to the 10% route every ten), so a split holds
over short windows too, without randomness. Routes at 0% never answer. Thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from lakeforge.errors import ValidationError

TOTAL = 100


def check_routes(routes: Mapping[str, int], served: set[str]) -> None:
    """Validate a traffic split.

    Raises:
        ValidationError: A route names no served entity, a percentage is not an integer in
            0..100, or they do not sum to 100.
    """
    unknown = sorted(set(routes) - served)
    if unknown:
        raise ValidationError(
            f"traffic_config routes name {unknown}, which are not served entities of the "
            f"endpoint (served: {sorted(served)})",
            "route to served entity names (default name: <entity_name>-<entity_version>)",
        )
    bad: dict[str, object] = {
        k: v
        for k, v in routes.items()
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= TOTAL
    }
    if bad:
        raise ValidationError(
            f"traffic percentages must be integers from 0 to 100; got {bad}", "fix the routes"
        )
    total = sum(routes.values())
    if total != TOTAL:
        raise ValidationError(
            f"traffic percentages sum to {total}, not 100: {dict(routes)}",
            "make the traffic_percentage values add up to exactly 100",
        )


class TrafficRouter:
    """Picks the served entity for each request of one endpoint config.

    Args:
        routes: Served entity name -> percentage (validated with :func:`check_routes`).
    """

    def __init__(self, routes: Mapping[str, int]) -> None:
        self.routes = {k: v for k, v in routes.items() if v > 0}
        if sum(self.routes.values()) != TOTAL:
            raise ValidationError(
                f"traffic percentages sum to {sum(self.routes.values())}, not 100", "fix routes"
            )
        self._credit = dict.fromkeys(self.routes, 0)
        self._lock = threading.Lock()

    def pick(self) -> str:
        """The served entity that answers the next request."""
        with self._lock:
            for name, weight in self.routes.items():
                self._credit[name] += weight
            chosen = max(self._credit, key=lambda name: self._credit[name])
            self._credit[chosen] -= TOTAL
            return chosen


__all__ = ["TOTAL", "TrafficRouter", "check_routes"]
