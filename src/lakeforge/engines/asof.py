"""As-of join plans: what an engine must execute for point-in-time lookups.

A plan is a spine (the left table) and ordered :class:`AsofStep` s. Each step left-joins one
relation on key columns and, optionally, a time column, producing output columns. Later steps
may use earlier steps' outputs as keys. Every engine implements the same contract:

- keys match by equality (a null key never matches);
- ``window`` decides which right row a left row gets, among rows with equal keys:
  ``"equi"`` (no time column): the row with equal keys;
  ``"asof"``: the row with the largest right time ``t`` such that ``t <= T`` (left time);
  ``"lookback"``: as ``"asof"``, then kept only if ``floor_s(T) - floor_s(t) <= seconds``
  where ``floor_s`` is the epoch time truncated to whole seconds;
  ``"exact"``: the row with ``t == T``.
  A null ``T`` matches nothing. Date columns compare as timestamps at midnight.
- the chosen row is taken whole (null values included); no row → outputs are null;
- left rows are never dropped, duplicated or reordered.

The rules above are lakeforge's point-in-time semantics, chosen in
:mod:`lakeforge.features.pit`; engines only execute them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

WindowKind = Literal["equi", "asof", "lookback", "exact"]


@dataclass(frozen=True, slots=True)
class AsofStep:
    """One left join of a plan.

    Attributes:
        relation: Right side: a pyarrow Table or Dataset holding at least the key, time and
            output columns.
        left_keys: Left key columns (left table or earlier outputs).
        right_keys: Right key columns, zipped positionally with ``left_keys``.
        outputs: ``(right column, output name)`` pairs appended to the result.
        window: How the right row is chosen (see module docstring).
        left_time: Left time column (not for ``"equi"``).
        right_time: Right time column (not for ``"equi"``).
        seconds: Lookback in seconds for ``"lookback"``.
    """

    relation: Any
    left_keys: tuple[str, ...]
    right_keys: tuple[str, ...]
    outputs: tuple[tuple[str, str], ...]
    window: WindowKind = "equi"
    left_time: str | None = None
    right_time: str | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if len(self.left_keys) != len(self.right_keys):
            raise ValueError("left_keys and right_keys must have the same length")
        timed = self.window != "equi"
        if timed != (self.left_time is not None and self.right_time is not None):
            raise ValueError(f"window {self.window!r} needs time columns iff it is not 'equi'")
        if (self.window == "lookback") != (self.seconds is not None):
            raise ValueError("seconds is required for, and only for, window 'lookback'")


def output_names(steps: Sequence[AsofStep]) -> list[str]:
    """All output column names of a plan, in order."""
    return [name for step in steps for _, name in step.outputs]
