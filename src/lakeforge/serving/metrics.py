"""Server metrics in the Prometheus text format (``GET /metrics``).

Counters and histograms are updated on the event loop only (one thread), so they need no locks.
Gauges that live elsewhere (queue depth, inference rows) are read when the page is rendered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

BUCKETS_MS = (0.5, 1, 2, 3, 5, 7.5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels
    )
    return "{" + inner + "}"


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS_MS))
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        for index, bound in enumerate(BUCKETS_MS):
            if value <= bound:
                self.counts[index] += 1
                break
        self.total += value
        self.count += 1


class Metrics:
    """Request counts, latencies and rejections per endpoint and served entity."""

    def __init__(self) -> None:
        self.requests: defaultdict[Labels, int] = defaultdict(int)
        self.latency: defaultdict[Labels, _Histogram] = defaultdict(_Histogram)
        self.rejected: defaultdict[Labels, int] = defaultdict(int)
        self.shadow: defaultdict[Labels, int] = defaultdict(int)
        self.gauges: list[tuple[str, str, Callable[[], Iterable[tuple[Labels, float]]]]] = []

    def request(self, endpoint: str, entity: str, status: int, millis: float) -> None:
        """Count one answered invocation."""
        key = (("endpoint", endpoint), ("served_entity", entity))
        self.requests[(*key, ("status", str(status)))] += 1
        self.latency[key].observe(millis)

    def reject(self, endpoint: str, reason: str) -> None:
        """Count a request refused before scoring (overload, not ready, too large, auth)."""
        self.rejected[(("endpoint", endpoint), ("reason", reason))] += 1

    def shadowed(self, endpoint: str, entity: str, outcome: str) -> None:
        """Count a shadow copy: ``ok``, ``error`` or ``skipped`` (shadow busy)."""
        self.shadow[(("endpoint", endpoint), ("served_entity", entity), ("outcome", outcome))] += 1

    def gauge(
        self, name: str, help_text: str, read: Callable[[], Iterable[tuple[Labels, float]]]
    ) -> None:
        """Register a gauge read at render time."""
        self.gauges.append((name, help_text, read))

    def render(self) -> str:
        """The Prometheus exposition text."""
        lines: list[str] = []

        def counter(name: str, help_text: str, values: dict[Labels, int]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} counter")
            lines.extend(f"{name}{_labels(k)} {v}" for k, v in sorted(values.items()))

        counter("lakeforge_requests_total", "Invocations answered.", self.requests)
        counter("lakeforge_rejected_total", "Requests refused before scoring.", self.rejected)
        counter("lakeforge_shadow_requests_total", "Shadow copies of requests.", self.shadow)
        name = "lakeforge_request_duration_ms"
        lines.append(f"# HELP {name} Invocation latency in milliseconds, server side.")
        lines.append(f"# TYPE {name} histogram")
        for key, hist in sorted(self.latency.items()):
            running = 0
            for bound, count in zip(BUCKETS_MS, hist.counts, strict=True):
                running += count
                lines.append(f"{name}_bucket{_labels((*key, ('le', f'{bound:g}')))} {running}")
            lines.append(f"{name}_bucket{_labels((*key, ('le', '+Inf')))} {hist.count}")
            lines.append(f"{name}_sum{_labels(key)} {hist.total:.3f}")
            lines.append(f"{name}_count{_labels(key)} {hist.count}")
        for gauge_name, help_text, read in self.gauges:
            lines.append(f"# HELP {gauge_name} {help_text}")
            lines.append(f"# TYPE {gauge_name} gauge")
            lines.extend(f"{gauge_name}{_labels(k)} {v:g}" for k, v in read())
        return "\n".join(lines) + "\n"


__all__ = ["Metrics"]
