"""Point-in-time lookup semantics — the one place they are decided.

For an input row with keys ``K`` and event time ``T`` and a feature table with primary keys
``K`` and timestamp ``t`` (reference behaviour, api-compat §1.12):

1. candidates are rows with ``t <= T`` (inclusive) and, with a lookback ``L``,
   ``T - t <= L`` compared in whole seconds (both times truncated to the second);
2. the candidate with the largest ``t`` wins and its whole row is taken, null values included;
3. no candidate (or a null ``T`` or key) → feature values are null; the input row is kept once,
   in its original position;
4. ``lookback_window == timedelta(0)`` → exact match on keys and timestamp;
5. DATE times compare as midnight timestamps;
6. lookups sharing (table, lookup keys, timestamp key, lookback) are one join;
7. tables without a timeseries key are joined on keys only;
8. ``default_values`` fill nulls after all joins (no match and stored nulls alike).

This module turns resolved lookups into an engine plan (:class:`AsofStep` s) and applies the
defaults; engines execute plans under the contract in :mod:`lakeforge.engines.asof`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.engines.asof import AsofStep, WindowKind
from lakeforge.engines.engine import Engine
from lakeforge.errors import ValidationError


@dataclass(frozen=True, slots=True)
class ResolvedLookup:
    """A lookup checked against its table, pinned to one snapshot.

    Attributes:
        table: Full name of the feature table.
        relation: The pinned snapshot (Arrow dataset or table) with the needed columns.
        lookup_keys: Input columns matched positionally to ``primary_keys``.
        primary_keys: The table's primary keys without the timeseries key.
        timestamp_key: The table's timeseries key, if any.
        timestamp_lookup_key: The input's event-time column, if any.
        lookback: Lookback window, if any.
        outputs: ``(feature column, output name)`` pairs.
        defaults: Default value per output name.
    """

    table: str
    relation: Any
    lookup_keys: tuple[str, ...]
    primary_keys: tuple[str, ...]
    outputs: tuple[tuple[str, str], ...]
    timestamp_key: str | None = None
    timestamp_lookup_key: str | None = None
    lookback: timedelta | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)


def window_of(lookup: ResolvedLookup) -> tuple[WindowKind, float | None]:
    """The join window a lookup needs (rules 1, 4 and 7)."""
    if lookup.timestamp_key is None:
        return "equi", None
    if lookup.lookback is None:
        return "asof", None
    if lookup.lookback == timedelta(0):
        return "exact", None
    return "lookback", lookup.lookback.total_seconds()


def plan(lookups: Sequence[ResolvedLookup]) -> list[AsofStep]:
    """One step per group of lookups sharing table, keys, timestamp key and lookback (rule 6).

    Groups keep the position of their first lookup, so a lookup keyed on an earlier lookup's
    output (chaining) runs after it.
    """
    groups: dict[tuple[Any, ...], list[ResolvedLookup]] = {}
    for lookup in lookups:
        key = (lookup.table, lookup.lookup_keys, lookup.timestamp_lookup_key, lookup.lookback)
        groups.setdefault(key, []).append(lookup)
    steps = []
    for members in groups.values():
        first = members[0]
        kind, seconds = window_of(first)
        timed = kind != "equi"
        steps.append(
            AsofStep(
                relation=first.relation,
                left_keys=first.lookup_keys,
                right_keys=first.primary_keys,
                outputs=tuple(pair for m in members for pair in m.outputs),
                window=kind,
                left_time=first.timestamp_lookup_key if timed else None,
                right_time=first.timestamp_key if timed else None,
                seconds=seconds,
            )
        )
    return steps


def apply_defaults(table: pa.Table, defaults: Mapping[str, Any]) -> tuple[pa.Table, dict[str, int]]:
    """Fill nulls in output columns with their defaults (rule 8); return fill counts."""
    filled: dict[str, int] = {}
    for name, value in defaults.items():
        if value is None or name not in table.column_names:
            continue
        index = table.schema.get_field_index(name)
        column = table.column(index)
        nulls = column.null_count
        if not nulls:
            continue
        try:
            scalar = pa.scalar(value).cast(column.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise ValidationError(
                f"default value {value!r} for {name!r} cannot be stored as {column.type}",
                f"give {name!r} a default of the feature's type",
            ) from exc
        table = table.set_column(index, table.field(index), pc.fill_null(column, scalar))
        filled[name] = nulls
    return table, filled


def point_in_time_join(
    engine: Engine, spine: pa.Table, lookups: Sequence[ResolvedLookup]
) -> tuple[pa.Table, dict[str, int]]:
    """Join every lookup onto ``spine`` and apply defaults; return the table and fill counts."""
    joined = engine.point_in_time(spine, plan(lookups)) if lookups else spine
    defaults = {name: value for lookup in lookups for name, value in lookup.defaults.items()}
    return apply_defaults(joined, defaults)
