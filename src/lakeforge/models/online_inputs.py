"""Model inputs at serving time: the packaged lookups answered by the online store.

The same bound plan as batch scoring (:func:`.feature_inputs.plan_inputs`): overrides in the
request win, lookups run in the same order and on the same keys, on-demand functions run with
the same code (:func:`lakeforge.features.executor.run_function`), defaults fill the same nulls.
Only the source of looked-up values differs: the online table published from each feature
table, which holds its latest row per key — what a point-in-time lookup at the latest time gives.
When the request carries the lookup's timestamp column, the lookback window applies as in batch.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.features.executor import run_function
from lakeforge.features.pit import apply_defaults
from lakeforge.features.resolution import LookupPlan
from lakeforge.models.feature_inputs import InputPlan
from lakeforge.online.store import OnlineStore, OnlineTable
from lakeforge.online.values import to_sqlite


def _outside_window(item: LookupPlan, table: pa.Table, found: pa.Table, ts: str) -> pa.Array | None:
    """Rows whose online value is older than the lookup's lookback allows at the request's
    time (the same whole-second rule as batch point-in-time joins)."""
    request_ts = item.lookup.timestamp_lookup_key
    lookback = item.lookup.lookback_window
    if request_ts is None or lookback is None or request_ts not in table.column_names:
        return None
    asked = pc.cast(table.column(request_ts), pa.timestamp("us", tz="UTC"))
    have = pc.cast(found.column(ts), pa.timestamp("us", tz="UTC"))
    age = pc.subtract(
        pc.divide(pc.cast(asked, pa.int64()), 1_000_000),
        pc.divide(pc.cast(have, pa.int64()), 1_000_000),
    )
    return pc.fill_null(pc.greater(age, int(lookback.total_seconds())), False)


def _lookup_one(
    store: OnlineStore, online: OnlineTable, keys: dict[str, Any], wanted: list[str]
) -> pa.Table:
    """One request row: the single-key fast path (same values as :meth:`OnlineStore.lookup`)."""
    key = tuple(to_sqlite(keys[k])[0] for k in online.primary_keys)
    row = store.lookup_row(online.name, key, wanted)
    return pa.table(
        [pa.array([row[c] if row else None], online.schema.field(c).type) for c in wanted],
        names=wanted,
    )


def _lookup(store: OnlineStore, item: LookupPlan, table: pa.Table) -> pa.Table:
    online = store.for_source(item.table.name.full)
    keys = {
        primary: table.column(given)
        for primary, given in zip(item.primary_keys, item.lookup.lookup_key, strict=True)
    }
    features = [feature for feature, _ in item.outputs]
    ts = online.timeseries_key
    wanted = [*features, *([ts] if ts and ts not in features else [])]
    found = (
        _lookup_one(store, online, keys, wanted)
        if table.num_rows == 1
        else store.lookup(online.name, pa.table(keys), wanted)
    )
    stale = _outside_window(item, table, found, ts) if ts else None
    for feature, output in item.outputs:
        expected = item.schema.field(feature).type
        column = found.column(feature).cast(expected)
        if stale is not None:
            column = pc.if_else(stale, pa.scalar(None, expected), column)
        table = table.append_column(pa.field(output, expected), column)
    return table


def compute_online(store: OnlineStore, plan: InputPlan, table: pa.Table) -> pa.Table:
    """``table`` with the plan's lookups (from the online store) and functions appended.

    Raises:
        OnlineTableNotFoundError: A feature table the model needs was never published.
    """
    for item, _ in plan.items:
        table = (
            _lookup(store, item, table)
            if isinstance(item, LookupPlan)
            else run_function(table, item)
        )
    joined, _ = apply_defaults(table, plan.executor.defaults)
    return joined


__all__ = ["compute_online"]
