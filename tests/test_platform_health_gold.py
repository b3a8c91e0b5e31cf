"""The platform-health demo's gold-layer generator: shape, determinism and learnable structure."""

from __future__ import annotations

import datetime
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pandas as pd
import pyarrow as pa
import pytest

import lakeforge

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"scale": 0.2, "days": 30}
END = datetime.date(2026, 11, 1)
TS = pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "billing_usage": {
        "usage_date": pa.date32(),
        "workspace_id": pa.string(),
        "sku": pa.string(),
        "dbus": pa.float64(),
        "list_price_usd": pa.float64(),
        "cost_usd": pa.float64(),
    },
    "job_runs": {
        "run_id": pa.int64(),
        "job_id": pa.string(),
        "workspace_id": pa.string(),
        "start_time": TS,
        "duration_s": pa.float64(),
        "result_state": pa.string(),
        "attempt": pa.int32(),
        "num_tasks": pa.int32(),
        "cluster_type": pa.string(),
    },
    "query_history": {
        "query_id": pa.string(),
        "warehouse_id": pa.string(),
        "workspace_id": pa.string(),
        "user_name": pa.string(),
        "start_time": TS,
        "statement_type": pa.string(),
        "duration_ms": pa.float64(),
        "rows_read": pa.int64(),
        "bytes_scanned": pa.int64(),
        "status": pa.string(),
    },
    "audit_events": {
        "event_time": TS,
        "workspace_id": pa.string(),
        "user_name": pa.string(),
        "action": pa.string(),
        "source_ip": pa.string(),
        "success": pa.bool_(),
    },
    "table_quality": {
        "check_date": pa.date32(),
        "table_name": pa.string(),
        "row_count": pa.int64(),
        "null_fraction": pa.float64(),
        "freshness_hours": pa.float64(),
        "schema_changes": pa.int32(),
        "failed_checks": pa.int32(),
    },
}


def _load() -> ModuleType:
    name = "platform_health_gold"
    if name not in sys.modules:
        path = ROOT / "examples" / "platform_health" / "gold.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


gold = _load()


@pytest.fixture(scope="module")
def small() -> dict[str, pa.Table]:
    tables: dict[str, pa.Table] = gold.generate_tables(**SMALL)
    return tables


@pytest.fixture(scope="module")
def frames(small: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
    return {name: table.to_pandas() for name, table in small.items()}


def test_deterministic_for_a_seed(small: dict[str, pa.Table]) -> None:
    again = gold.generate_tables(**SMALL)
    other = gold.generate_tables(**SMALL, seed=8)
    assert list(small) == list(gold.TABLES)
    assert all(small[name].equals(again[name]) for name in gold.TABLES)
    assert not any(small[name].equals(other[name]) for name in gold.TABLES)


def test_exact_schemas_and_no_nulls(small: dict[str, pa.Table]) -> None:
    for name, table in small.items():
        assert dict(zip(table.schema.names, table.schema.types, strict=True)) == SCHEMAS[name]
        assert table.num_rows > 0
        assert [c for c in table.column_names if table.column(c).null_count] == [], name


def test_ids_unique_and_values_in_range(frames: dict[str, pd.DataFrame]) -> None:
    jobs, queries = frames["job_runs"], frames["query_history"]
    assert jobs.run_id.is_unique and queries.query_id.is_unique
    assert set(jobs.result_state) == {"SUCCESS", "FAILED", "TIMEDOUT"}
    assert set(jobs.attempt) == {0, 1}
    assert set(queries.statement_type) == {"SELECT", "INSERT", "MERGE", "CREATE"}
    assert set(frames["billing_usage"].sku) == set(gold.SKUS)
    assert (queries.duration_ms > 0).all() and (jobs.duration_s > 0).all()
    billing = frames["billing_usage"]
    assert (billing.cost_usd - billing.dbus * billing.list_price_usd).abs().max() < 1e-9
    quality = frames["table_quality"]
    assert quality.null_fraction.between(0, 1).all() and (quality.row_count > 0).all()


def test_dates_end_before_end_and_span_days(frames: dict[str, pd.DataFrame]) -> None:
    first = END - datetime.timedelta(days=SMALL["days"])
    for name, column in (("billing_usage", "usage_date"), ("table_quality", "check_date")):
        days = frames[name][column]
        assert days.min() == first and days.max() == END - datetime.timedelta(days=1)
        assert days.nunique() == SMALL["days"]
    lo = pd.Timestamp(first, tz="UTC")
    hi = pd.Timestamp(END, tz="UTC")
    for name, column in (("job_runs", "start_time"), ("query_history", "start_time")):
        assert frames[name][column].between(lo, hi, inclusive="left").all(), name
    assert frames["audit_events"].event_time.between(lo, hi, inclusive="left").all()


def test_small_scale_is_fast_and_small() -> None:
    started = time.perf_counter()
    tables = gold.generate_tables(scale=0.1, days=30)
    assert time.perf_counter() - started < 5
    assert tables["billing_usage"].num_rows == 30 * 6 * 5
    assert tables["query_history"].num_rows < 5_000


def test_default_size_volumes() -> None:
    rows = {name: table.num_rows for name, table in gold.generate_tables().items()}
    assert rows["billing_usage"] == 90 * 6 * 5
    assert 30_000 <= rows["job_runs"] <= 55_000
    assert 50_000 <= rows["query_history"] <= 70_000
    assert 40_000 <= rows["audit_events"] <= 60_000
    assert rows["table_quality"] == 90 * 30


def test_billing_weekly_seasonality_and_spikes(frames: dict[str, pd.DataFrame]) -> None:
    billing = frames["billing_usage"]
    jobs = billing[billing.sku == "JOBS_COMPUTE"]
    weekend = pd.to_datetime(jobs.usage_date).dt.day_of_week >= 5
    assert jobs.dbus[weekend].mean() < 0.9 * jobs.dbus[~weekend].mean()
    median = billing.groupby(["workspace_id", "sku"]).cost_usd.transform("median")
    spiked = billing[billing.cost_usd > 3 * median]
    assert spiked.workspace_id.nunique() >= 2


def test_job_failures_follow_their_drivers(frames: dict[str, pd.DataFrame]) -> None:
    jobs = frames["job_runs"]
    failed = jobs.result_state != "SUCCESS"
    assert 0.04 <= failed.mean() <= 0.15
    by_cluster = failed.groupby(jobs.cluster_type).mean()
    assert by_cluster["all_purpose"] > by_cluster["job_cluster"]
    night = jobs.start_time.dt.hour < 6
    assert failed[night].mean() > failed[~night].mean()
    scheduled = jobs.assign(failed=failed)[jobs.attempt == 0]
    ordered = scheduled.sort_values(["job_id", "start_time"])
    previous = ordered.groupby("job_id").failed.shift(1).fillna(False).astype(bool)
    assert ordered.failed[previous].mean() > 1.5 * ordered.failed[~previous].mean()


def test_query_latency_grows_with_bytes_scanned(frames: dict[str, pd.DataFrame]) -> None:
    queries = frames["query_history"]
    assert queries.duration_ms.corr(queries.bytes_scanned, method="spearman") > 0.3


def test_audit_events_contain_failed_login_bursts(frames: dict[str, pd.DataFrame]) -> None:
    audit = frames["audit_events"]
    failed = audit[(audit.action == "login") & ~audit.success]
    per_ip_hour = failed.groupby([failed.source_ip, failed.event_time.dt.floor("h")]).size()
    bursts = per_ip_hour[per_ip_hour >= 20]
    assert len(bursts) >= 1
    burst_ips = set(bursts.index.get_level_values(0))
    assert burst_ips.isdisjoint(audit[audit.action != "login"].source_ip)
    assert (audit.action == "download_results").any() and (audit.action == "token_create").any()


def test_injected_episodes_cover_every_table() -> None:
    episodes = gold.injected_episodes(**SMALL).to_pandas()
    assert set(episodes.table_name) == set(gold.TABLES)
    assert (episodes.end_time > episodes.start_time).all()
    assert {"brute_force", "mass_download", "privilege_escalation"} <= set(episodes.kind)


def test_write_gold_creates_then_overwrites(tmp_path: Path) -> None:
    tables = gold.generate_tables(scale=0.1, days=30)
    ws = lakeforge.init(tmp_path / "ws")
    try:
        counts = gold.write_gold(ws, tables)
        assert counts == {name: table.num_rows for name, table in tables.items()}
        query = "SELECT count(*) AS n FROM main.gold.job_runs"
        assert int(ws.sql(query, kind="pandas").n[0]) == counts["job_runs"]
        assert gold.write_gold(ws, tables) == counts
        for name in gold.TABLES:
            n = ws.sql(f"SELECT count(*) AS n FROM main.gold.{name}", kind="pandas").n[0]
            assert int(n) == counts[name], name
        back = ws.table("main.gold.audit_events")
        assert back.schema.field("event_time").type == TS
    finally:
        ws.close()
