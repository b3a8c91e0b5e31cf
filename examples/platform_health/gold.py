"""Seeded generator of the platform-health demo's gold layer (five Arrow tables).

The tables mimic what a data-platform operations team sees: billing, job runs, SQL query
history, audit events and table-quality checks. They carry learnable structure (weekly
seasonality, growth trends, dependencies between columns) and injected incidents (cost spikes,
job incidents, warehouse degradation, threat episodes, data drift) so the demo's models have
something real to find; :func:`injected_episodes` returns the injected incidents as ground truth.

    python examples/platform_health/gold.py [WORKSPACE_DIR]
"""

from __future__ import annotations

import datetime
import importlib.util
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

import lakeforge
from lakeforge.errors import TableNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from lakeforge import Workspace

GOLD_SCHEMA = "main.gold"
TABLES = ("billing_usage", "job_runs", "query_history", "audit_events", "table_quality")
DESCRIPTIONS = {
    "billing_usage": "Daily DBUs and list cost per workspace and SKU.",
    "job_runs": "One row per job run attempt (retries have attempt = 1).",
    "query_history": "SQL warehouse queries with latency, scan volume and status.",
    "audit_events": "Workspace audit log: logins, tokens, permissions, downloads.",
    "table_quality": "Daily data-quality check results per monitored table.",
}
SKUS = ("JOBS_COMPUTE", "SQL_WAREHOUSE", "ALL_PURPOSE", "SERVERLESS", "MODEL_SERVING")
SKU_PRICE = np.array([0.15, 0.22, 0.55, 0.70, 0.07])  # list price per DBU, USD
_SKU_BASE_DBUS = np.array([400.0, 250.0, 120.0, 80.0, 60.0])
_SKU_WEEKEND = np.array([0.55, 0.35, 0.30, 0.65, 0.90])
_SKU_MONTH_CLOSE = np.array([0.8, 0.6, 0.2, 0.4, 0.0])
_SKU_ANOMALY_P = np.array([0.35, 0.2, 0.25, 0.15, 0.05])
DRIFT_KINDS = ("row_count_drop", "row_count_jump", "null_rise", "freshness_stall")
_DATASETS = "orders events clicks payments inventory customers sessions shipments reviews products"
_GOLD_TABLES = (
    "daily_revenue customer_360 funnel inventory_snapshot churn_features "
    "marketing_attribution fraud_signals product_metrics support_kpis finance_ledger"
)
_WORKSPACE_NAMES = (
    "ws-prod-eu",
    "ws-prod-us",
    "ws-analytics",
    "ws-ml",
    "ws-staging",
    "ws-dev",
    "ws-finance",
    "ws-marketing",
)
_FIRST = "ana ben chloe dev emma farid grace hugo ines jon kim leo maya nils omar pia raj sara"
_LAST = "silva meyer khan novak rossi dubois berg lopez tanaka okafor smith weber costa ivanov"


def _load_sibling(stem: str) -> ModuleType:
    """Import ``<stem>.py`` next to this file (examples are not a package)."""
    name = f"platform_health_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{stem}.py"))
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {stem}.py next to {__file__}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


activity = _load_sibling("gold_activity")
US_DAY: int = activity.US_DAY


@dataclass(frozen=True)
class World:
    """Shared entities: calendar, workspaces and principals (people and service principals)."""

    start_day: int
    days: int
    scale: float
    workspaces: list[str]
    ws_weight: np.ndarray
    users: list[str]
    user_ws: np.ndarray
    is_service: np.ndarray
    is_admin: np.ndarray
    user_hour: np.ndarray
    activity: np.ndarray
    user_ips: np.ndarray

    @property
    def day_us(self) -> np.ndarray:
        """Microseconds since the epoch at the start of each day."""
        return (self.start_day + np.arange(self.days, dtype=np.int64)) * US_DAY

    @property
    def weekend(self) -> np.ndarray:
        """Whether each day is a Saturday or Sunday (1970-01-01 was a Thursday)."""
        return (self.start_day + np.arange(self.days) + 3) % 7 >= 5


def _user_names(rng: np.random.Generator, count: int) -> list[str]:
    first, last = _FIRST.split(), _LAST.split()
    grid = len(first) * len(last)
    picks = rng.choice(grid, count, replace=count > grid)
    suffix = [str(i) if count > grid else "" for i in range(count)]
    return [
        f"{first[p // len(last)]}.{last[p % len(last)]}{s}@example.com"
        for p, s in zip(picks, suffix, strict=True)
    ]


def build_world(days: int, workspaces: int, seed: int, scale: float, end: datetime.date) -> World:
    """Workspaces, 8 people per workspace plus one pipeline service principal each."""
    rng = np.random.default_rng([seed, 0])
    names = list(_WORKSPACE_NAMES[:workspaces])
    names += [f"ws-team-{i:02d}" for i in range(len(names), workspaces)]
    n_humans = 8 * workspaces
    users = _user_names(rng, n_humans) + [f"svc-pipelines@{name}" for name in names]
    n_users, service = len(users), np.arange(len(users)) >= n_humans
    user_ws = np.concatenate([np.repeat(np.arange(workspaces), 8), np.arange(workspaces)])
    ws_hour = rng.choice([9.0, 12.0, 15.0, 18.0], workspaces)  # UTC centre of the working day
    octets = rng.integers(0, 256, (n_users, 2, 2))
    ips = [
        [f"10.{user_ws[u] + 10}.{octets[u, k, 0]}.{octets[u, k, 1]}" for k in range(2)]
        for u in range(n_users)
    ]
    return World(
        start_day=(end - datetime.date(1970, 1, 1)).days - days,
        days=days,
        scale=scale,
        workspaces=names,
        ws_weight=rng.lognormal(0.0, 0.5, workspaces),
        users=users,
        user_ws=user_ws,
        is_service=service,
        is_admin=(rng.random(n_users) < 0.15) & ~service,
        user_hour=ws_hour[user_ws] + rng.normal(0.0, 1.0, n_users),
        activity=np.where(service, 3.0, rng.lognormal(0.0, 0.6, n_users)),
        user_ips=np.array(ips, dtype=object),
    )


def _closing_days(world: World) -> np.ndarray:
    """Last two and first day of each month (month-end close)."""
    dates = np.datetime64("1970-01-01") + (world.start_day + np.arange(world.days)).astype(
        "timedelta64[D]"
    )
    month = dates.astype("datetime64[M]")
    last_two = (dates + np.timedelta64(2, "D")).astype("datetime64[M]") != month
    return np.asarray(last_two | (dates == month.astype("datetime64[D]")))


def _billing_usage(world: World, rng: np.random.Generator) -> tuple[pa.Table, list[Any]]:
    """Daily DBUs: weekly seasonality, growth, month-end close and injected cost spikes."""
    n_ws, n_sku, days = len(world.workspaces), len(SKUS), world.days
    t = np.arange(days)
    base = _SKU_BASE_DBUS * world.ws_weight[:, None] * rng.lognormal(0, 0.5, (n_ws, n_sku))
    growth = np.exp(rng.uniform(0.0, 0.004, n_ws)[:, None, None] * t)
    weekly = np.where(world.weekend, _SKU_WEEKEND[:, None], 1.0)
    month_end_ws = rng.random(n_ws) < 0.4
    month_end_ws[rng.integers(n_ws)] = True
    spike = 1 + month_end_ws[:, None, None] * _SKU_MONTH_CLOSE[:, None] * _closing_days(world)
    dbus = base[:, :, None] * growth * weekly * spike * rng.lognormal(0, 0.08, (n_ws, n_sku, days))
    episodes = []
    for w in range(n_ws):
        for _ in range(rng.integers(1, 3) + int(days >= 60)):
            sku, length = int(rng.choice(n_sku, p=_SKU_ANOMALY_P)), int(rng.integers(2, 6))
            start = int(rng.integers(7, days - length))
            dbus[w, sku, start : start + length] *= rng.uniform(3.0, 6.0)
            day0 = int(world.day_us[start])
            entity = f"{world.workspaces[w]}/{SKUS[sku]}"
            episodes.append(("billing_usage", "cost_spike", entity, day0, day0 + length * US_DAY))
    grid = np.meshgrid(t, np.arange(n_ws), np.arange(n_sku), indexing="ij")
    d, w_, s = (a.ravel() for a in grid)
    value = np.round(dbus[w_, s, d], 4)
    table = pa.table(
        {
            "usage_date": activity.dates(world.start_day + d),
            "workspace_id": activity.strings(world.workspaces, w_),
            "sku": activity.strings(SKUS, s),
            "dbus": value,
            "list_price_usd": SKU_PRICE[s],
            "cost_usd": value * SKU_PRICE[s],
        }
    )
    return table, episodes


def _quality_baseline(rng: np.random.Generator, n: int, days: int) -> dict[str, np.ndarray]:
    """Stable metrics per table and day: slow row growth, low nulls, fresh data."""
    t = np.arange(days)
    growth = np.where(rng.random(n) < 0.7, rng.uniform(0.001, 0.01, n), 0.0)
    rows = rng.lognormal(np.log(2e6), 1.5, n)[:, None] * np.exp(growth[:, None] * t)
    cadence = rng.choice([1.0, 6.0, 24.0], n)[:, None]  # hours between loads
    return {
        "rows": rows * rng.lognormal(0, 0.004, (n, days)),
        "nulls": rng.uniform(0, 0.03, n)[:, None] * rng.lognormal(0, 0.1, (n, days)),
        "fresh": rng.uniform(0, 1, (n, days)) * cadence
        + rng.lognormal(np.log(0.2), 0.5, (n, days)),
        "schema": (rng.random((n, days)) < 0.01).astype(np.int32),
        "failed": rng.poisson(0.05, (n, days)).astype(np.int32),
    }


def _drift(m: dict[str, np.ndarray], rng: np.random.Generator, tb: int, kind: int) -> slice:
    """Inject one drift episode of ``DRIFT_KINDS[kind]`` into table ``tb``; return its days."""
    days = m["rows"].shape[1]
    length = int(rng.integers(2, 7))
    start = int(rng.integers(days // 4, days - length))
    span = slice(start, start + length)
    if kind == 0:
        m["rows"][tb, span] *= rng.uniform(0.3, 0.6)
    elif kind == 1:
        m["rows"][tb, span] *= rng.uniform(1.8, 3.0)
        m["schema"][tb, start] += 1
    elif kind == 2:
        m["nulls"][tb, span] += np.linspace(0.05, rng.uniform(0.15, 0.45), length)
    else:
        m["fresh"][tb, span] += 24.0 * np.arange(1, length + 1)
        m["rows"][tb, span] = m["rows"][tb, start - 1]
    m["failed"][tb, span] += (rng.poisson(2.0, length) + 1).astype(np.int32)
    return span


def _table_quality(world: World, rng: np.random.Generator) -> tuple[pa.Table, list[Any]]:
    """Daily checks of 30 tables; a few tables drift (see ``DRIFT_KINDS``)."""
    names = [f"main.bronze.raw_{d}" for d in _DATASETS.split()]
    names += [f"main.silver.{d}" for d in _DATASETS.split()]
    names += [f"main.gold.{g}" for g in _GOLD_TABLES.split()]
    n, days = len(names), world.days
    m = _quality_baseline(rng, n, days)
    n_drift = min(n, max(3, round(days / 15)))
    kinds = rng.permutation(np.resize(np.arange(len(DRIFT_KINDS)), n_drift))
    episodes = []
    for tb, kind in zip(rng.choice(n, n_drift, replace=False), kinds, strict=True):
        span = _drift(m, rng, int(tb), int(kind))
        start, end = int(world.day_us[span.start]), int(world.day_us[span.stop - 1]) + US_DAY
        episodes.append(("table_quality", DRIFT_KINDS[kind], names[tb], start, end))
    d, tb_ = (a.ravel() for a in np.meshgrid(np.arange(days), np.arange(n), indexing="ij"))
    table = pa.table(
        {
            "check_date": activity.dates(world.start_day + d),
            "table_name": activity.strings(names, tb_),
            "row_count": np.round(m["rows"][tb_, d]).astype(np.int64),
            "null_fraction": np.round(np.clip(m["nulls"][tb_, d], 0.0, 1.0), 5),
            "freshness_hours": np.round(m["fresh"][tb_, d], 3),
            "schema_changes": m["schema"][tb_, d],
            "failed_checks": m["failed"][tb_, d],
        }
    )
    return table, episodes


def _builders() -> dict[str, Callable[[World, np.random.Generator], tuple[pa.Table, list[Any]]]]:
    return {
        "billing_usage": _billing_usage,
        "job_runs": activity.job_runs,
        "query_history": activity.query_history,
        "audit_events": activity.audit_events,
        "table_quality": _table_quality,
    }


def _generate(
    days: int, workspaces: int, seed: int, scale: float, end: datetime.date
) -> tuple[dict[str, pa.Table], list[Any]]:
    if days < 14 or workspaces < 1 or scale <= 0:
        raise ValueError("need days >= 14, workspaces >= 1 and scale > 0")
    world = build_world(days, workspaces, seed, scale, end)
    tables: dict[str, pa.Table] = {}
    episodes: list[Any] = []
    for i, (name, build) in enumerate(_builders().items(), start=1):
        # One random stream per table: changing one generator leaves the others as they were.
        tables[name], found = build(world, np.random.default_rng([seed, i]))
        episodes += found
    return tables, episodes


def generate_tables(
    *,
    days: int = 90,
    workspaces: int = 6,
    seed: int = 7,
    scale: float = 1.0,
    end: datetime.date = datetime.date(2026, 11, 1),
) -> dict[str, pa.Table]:
    """Pure function: the five gold tables as Arrow tables, deterministic for the arguments.

    Args:
        days: Days covered, ending at ``end`` (exclusive); at least 14.
        workspaces: Number of workspaces.
        seed: Seed of the random streams.
        scale: Multiplies the event volumes (job runs, queries, audit events).
        end: First day after the covered period.
    """
    return _generate(days, workspaces, seed, scale, end)[0]


def injected_episodes(
    *,
    days: int = 90,
    workspaces: int = 6,
    seed: int = 7,
    scale: float = 1.0,
    end: datetime.date = datetime.date(2026, 11, 1),
) -> pa.Table:
    """Ground truth for the same arguments: every injected incident, one row each.

    Columns: table_name, kind, entity (workspace/SKU, job_id, warehouse_id, IP, user or
    table), start_time and end_time (exclusive, UTC).
    """
    rows = sorted(_generate(days, workspaces, seed, scale, end)[1], key=lambda e: (e[3], e[0]))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 5
    return pa.table(
        {
            "table_name": pa.array(columns[0], pa.string()),
            "kind": pa.array(columns[1], pa.string()),
            "entity": pa.array(columns[2], pa.string()),
            "start_time": activity.timestamps(np.array(columns[3], dtype=np.int64)),
            "end_time": activity.timestamps(np.array(columns[4], dtype=np.int64)),
        }
    )


def write_gold(ws: Workspace, tables: dict[str, pa.Table]) -> dict[str, int]:
    """Write each table as ``main.gold.<name>`` (overwrite or create); return rows per table."""
    catalog, schema = GOLD_SCHEMA.split(".")
    ws.catalogs.create(catalog, if_not_exists=True)
    ws.schemas.create(catalog, schema, if_not_exists=True)
    counts: dict[str, int] = {}
    for name, table in tables.items():
        full = f"{GOLD_SCHEMA}.{name}"
        try:
            ws.tables.get(full)
        except TableNotFoundError:
            ws.tables.create(full, data=table, description=DESCRIPTIONS.get(name))
        else:
            ws.tables.overwrite(full, table)
        counts[name] = table.num_rows
    return counts


def main(workspace: Path) -> dict[str, int]:
    """Generate the default-size gold layer into ``workspace`` and print the row counts."""
    ws = lakeforge.init(workspace)
    try:
        counts = write_gold(ws, generate_tables())
    finally:
        ws.close()
    for name, rows in counts.items():
        print(f"{GOLD_SCHEMA}.{name}: {rows} rows")
    return counts


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "ws")
