"""Activity side of the platform-health gold layer: job runs, SQL queries and audit events.

Loaded by ``gold.py`` (next to this file); see that module for the public entry points.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gold import World  # the examples folder is on sys.path when run as a script

RESULT_STATES = ("SUCCESS", "FAILED", "TIMEDOUT")
CLUSTER_TYPES = ("job_cluster", "serverless", "all_purpose")
STATEMENT_TYPES = ("SELECT", "INSERT", "MERGE", "CREATE")
QUERY_STATUSES = ("FINISHED", "FAILED", "CANCELED")
ACTIONS = (
    "login",
    "token_create",
    "permission_change",
    "download_results",
    "cluster_create",
    "secret_read",
)
_HUMAN_MIX = np.array([0.34, 0.02, 0.02, 0.30, 0.12, 0.20])
_ADMIN_MIX = np.array([0.30, 0.04, 0.08, 0.22, 0.16, 0.20])
_SERVICE_MIX = np.array([0.15, 0.01, 0.0, 0.04, 0.20, 0.60])

_JOB_PERIODS_H = np.array([1, 2, 3, 4, 6, 8, 12, 24])
_CARRY_OVER = 4.0  # odds ratio of failing right after a failed run
US_HOUR = 3_600_000_000
US_DAY = 24 * US_HOUR
# Default-size volumes (days=90, workspaces=6) divided by workspace-days.
_QUERIES_PER_WS_DAY = 60_000 / 540
_AUDIT_PER_WS_DAY = 50_000 / 540

Episode = tuple[str, str, str, int, int]  # table, kind, entity, start_us, end_us


def strings(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """Arrow strings ``values[index]``."""
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def timestamps(us: np.ndarray) -> pa.Array:
    """Arrow ``timestamp[us, UTC]`` from microseconds since the epoch."""
    return pa.array(us.astype(np.int64), pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def dates(epoch_days: np.ndarray) -> pa.Array:
    """Arrow ``date32`` from days since the epoch."""
    return pa.array(epoch_days.astype(np.int32), pa.int32()).cast(pa.date32())


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _calibrate(logit: np.ndarray, target: float) -> float:
    """Intercept that makes the mean of ``sigmoid(intercept + logit)`` equal ``target``."""
    lo, hi = -20.0, 20.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _sigmoid(mid + logit).mean() < target else (lo, mid)
    return (lo + hi) / 2


def _within(counts: np.ndarray) -> np.ndarray:
    """Position of each element inside its group for ``np.repeat(groups, counts)``."""
    return np.asarray(np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))


def _incidents(rng: np.random.Generator, n_jobs: int, days: int) -> np.ndarray:
    """Per job and day: inside a 1-3 day incident (upstream breakage) or not."""
    lengths = rng.integers(1, 4, (n_jobs, days)) * (rng.random((n_jobs, days)) < 0.02)
    active = np.zeros((n_jobs, days), dtype=bool)
    for lag in range(3):
        active[:, lag:] |= lengths[:, : days - lag] > lag
    return active


def _incident_episodes(world: World, active: np.ndarray) -> list[Episode]:
    """One episode per run of consecutive incident days of a job."""
    padded = np.pad(active.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    starts, stops = np.nonzero(edges == 1), np.nonzero(edges == -1)
    day0 = world.day_us[0]
    return [
        ("job_runs", "incident", f"job-{1000 + j}", int(day0 + a * US_DAY), int(day0 + b * US_DAY))
        for j, a, b in zip(starts[0], starts[1], stops[1], strict=True)
    ]


def _job_schedule(world: World, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Jobs (10 per workspace at scale 1) with their properties and scheduled runs."""
    n_ws = len(world.workspaces)
    n_jobs = max(2 * n_ws, round(10 * n_ws * world.scale))
    period = rng.permutation(np.resize(_JOB_PERIODS_H, n_jobs)).astype(float)
    phase = rng.uniform(0, period)
    counts = np.ceil((world.days * 24 - phase) / period).astype(np.int64)
    job, k = np.repeat(np.arange(n_jobs), counts), _within(counts)
    start_h = phase[job] + k * period[job] + rng.exponential(0.03, job.size)
    keep = start_h < world.days * 24
    return {
        "job_ws": np.arange(n_jobs) % n_ws,
        "median_s": rng.lognormal(np.log(600), 0.9, n_jobs),
        "trend": rng.normal(0.002, 0.003, n_jobs).clip(-0.002, 0.01),
        "flaky": rng.normal(0.0, 0.7, n_jobs),
        "tasks": rng.integers(1, 13, n_jobs),
        "cluster": rng.permutation(np.resize([0, 0, 1, 0, 2, 1, 0, 2], n_jobs)),
        "retries": rng.random(n_jobs) < 0.6,
        "incident": _incidents(rng, n_jobs, world.days),
        "job": job[keep],
        "k": k[keep],
        "start_h": start_h[keep],
    }


def _job_logit(plan: dict[str, np.ndarray], run: dict[str, np.ndarray]) -> np.ndarray:
    """Failure log-odds (before the intercept) from the learnable factors."""
    job, cluster = plan["job"], run["cluster"]
    logit = (
        plan["flaky"][job]
        + 1.2 * np.clip(np.log(run["duration"] / run["expected"]), -1.0, 3.0)
        + 0.8 * (plan["start_h"].astype(np.int64) % 24 < 6)
        + 1.2 * (cluster == 2)
        - 0.3 * (cluster == 1)
        + 0.04 * plan["tasks"][job]
        + 2.5 * run["incident"]
    )
    return np.asarray(logit)


def _chain(
    plan: dict[str, np.ndarray], p: np.ndarray, timed_out: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Failures run by run per job: a failure (left-over state) raises the next run's odds."""
    grid = np.full((plan["flaky"].size, int(plan["k"].max()) + 1), -1)
    grid[plan["job"], plan["k"]] = np.arange(plan["job"].size)
    failed = timed_out.copy()
    odds = p / (1 - p)
    previous = np.zeros(grid.shape[0], dtype=bool)
    for column in grid.T:
        live = column >= 0
        idx = column[live]
        boosted = odds[idx] * np.where(previous[live], _CARRY_OVER, 1.0)
        failed[idx] |= u[idx] < boosted / (1 + boosted)
        previous[live] = failed[idx]
    return np.asarray(failed & ~timed_out)


def _first_attempts(plan: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Durations and outcomes of the scheduled runs."""
    job, n = plan["job"], plan["job"].size
    day = (plan["start_h"] // 24).astype(np.int64)
    run = {"incident": plan["incident"][job, day]}
    run["cluster"] = np.where(rng.random(n) < 0.85, plan["cluster"][job], rng.integers(0, 3, n))
    run["expected"] = plan["median_s"][job] * np.exp(plan["trend"][job] * day)
    slow = np.where(rng.random(n) < 0.03, rng.uniform(2.5, 8.0, n), 1.0)
    factor = slow * np.where(run["cluster"] == 2, 1.3, 1.0) * np.where(run["incident"], 1.4, 1.0)
    timeout = 5.0 * plan["median_s"][job]
    duration = run["expected"] * rng.lognormal(0, 0.3, n) * factor
    timed_out = duration > timeout
    run["duration"] = np.minimum(duration, timeout)
    run["logit"] = _job_logit(plan, run)
    # 6.5% of scheduled runs fail or time out before the carry-over; ~8% in all.
    target = max(0.01, (0.065 - timed_out.mean()) / (1 - timed_out.mean()))
    run["logit"] += _calibrate(run["logit"][~timed_out], target)
    failed = _chain(plan, _sigmoid(run["logit"]), timed_out, rng.random(n))
    run["state"] = np.where(timed_out, 2, np.where(failed, 1, 0))
    return run


def _retries(
    plan: dict[str, np.ndarray], run: dict[str, np.ndarray], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """One retry for failed runs of jobs that allow it (carry-over, but transient causes clear)."""
    again = np.flatnonzero((run["state"] == 1) & plan["retries"][plan["job"]])
    pause_s = rng.uniform(60, 600, again.size)
    failed = rng.random(again.size) < _sigmoid(run["logit"][again] + np.log(_CARRY_OVER) - 1.0)
    return {
        "job": plan["job"][again],
        "start_h": plan["start_h"][again] + (run["duration"][again] + pause_s) / 3600,
        "duration": run["expected"][again] * rng.lognormal(0, 0.3, again.size),
        "state": failed.astype(np.int64),
        "attempt": np.ones(again.size, np.int32),
        "cluster": run["cluster"][again],
    }


def job_runs(world: World, rng: np.random.Generator) -> tuple[pa.Table, list[Episode]]:
    """Job run attempts; failures follow flakiness, slowness, night, cluster and history."""
    plan = _job_schedule(world, rng)
    run = _first_attempts(plan, rng)
    first = {k: plan[k] for k in ("job", "start_h")} | {k: run[k] for k in ("duration", "state")}
    first |= {"attempt": np.zeros(plan["job"].size, np.int32), "cluster": run["cluster"]}
    retry = _retries(plan, run, rng)
    cols = {k: np.concatenate([first[k], retry[k]]) for k in first}
    order = np.argsort(cols["start_h"], kind="stable")
    c = {k: v[order[cols["start_h"][order] < world.days * 24]] for k, v in cols.items()}
    job_ids = [f"job-{1000 + j}" for j in range(plan["flaky"].size)]
    table = pa.table(
        {
            "run_id": 880_000_000 + np.cumsum(rng.integers(1, 40, c["job"].size)),
            "job_id": strings(job_ids, c["job"]),
            "workspace_id": strings(world.workspaces, plan["job_ws"][c["job"]]),
            "start_time": timestamps(world.day_us[0] + np.round(c["start_h"] * US_HOUR)),
            "duration_s": np.round(c["duration"], 3),
            "result_state": strings(RESULT_STATES, c["state"]),
            "attempt": c["attempt"],
            "num_tasks": plan["tasks"][c["job"]].astype(np.int32),
            "cluster_type": strings(CLUSTER_TYPES, c["cluster"]),
        }
    )
    return table, _incident_episodes(world, plan["incident"])


def _unique_hex(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct random-looking 16-digit hex ids (a bijective mix of 0..n-1)."""
    offset, mask = (np.uint64(v) for v in rng.integers(0, 2**63, 2))
    values = ((np.arange(n, dtype=np.uint64) + offset) * np.uint64(0x9E3779B97F4A7C15)) ^ mask
    return [f"{v:016x}" for v in values]


def _degrade_window(days: int) -> int:
    """Days at the end of the period over which degrading warehouses slow down."""
    return max(1, min(21, days // 3))


def _query_latency(
    world: World, rng: np.random.Generator, q: dict[str, np.ndarray], wh: dict[str, np.ndarray]
) -> np.ndarray:
    """Log milliseconds: bytes scanned, concurrency, warehouse size, trend and degradation."""
    days, w = world.days, q["warehouse"]
    cell = (w * days + q["day"]) * 24 + q["hour"].astype(np.int64)
    load = np.bincount(cell)[cell]
    window = _degrade_window(days)
    ramp = np.clip((q["day"] - (days - window) + 1) / window, 0.0, 1.0)
    log_ms = (
        -3.2
        + 0.55 * q["log_bytes"]
        - 0.35 * wh["size"][w]
        + 0.3 * np.log1p(load)
        + 0.003 * q["day"]
        + 0.9 * wh["degrading"][w] * ramp
        + np.array([0.0, 0.3, 0.6, 0.2])[q["stmt"]]
        + rng.normal(0.0, 0.45, w.size)
    )
    return np.asarray(log_ms)


def _sample_queries(world: World, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Who queries which warehouse when, with which statement and scan volume."""
    n = max(1, round(_QUERIES_PER_WS_DAY * world.days * len(world.workspaces) * world.scale))
    humans = np.flatnonzero(~world.is_service)
    p_user = world.activity[humans] * world.ws_weight[world.user_ws[humans]]
    user = rng.choice(humans, n, p=p_user / p_user.sum())
    day_p = np.where(world.weekend, 0.3, 1.0) * (1 + 0.004 * np.arange(world.days))
    stmt = rng.choice(4, n, p=[0.74, 0.12, 0.09, 0.05])
    heavy = rng.normal(0.0, 0.7, len(world.users))[user]
    log_bytes = rng.normal(np.log(2e8), 1.8, n) + np.array([0.0, 0.5, 1.2, 0.8])[stmt] + heavy
    return {
        "user": user,
        "warehouse": 2 * world.user_ws[user] + (rng.random(n) < 0.35),
        "day": rng.choice(world.days, n, p=day_p / day_p.sum()),
        "hour": (world.user_hour[user] + rng.normal(0.0, 2.5, n)) % 24,
        "stmt": stmt,
        "log_bytes": np.clip(log_bytes, np.log(1e3), np.log(5e12)),
    }


def query_history(world: World, rng: np.random.Generator) -> tuple[pa.Table, list[Episode]]:
    """SQL queries; latency is log-linear in bytes scanned and slower at busy hours."""
    n_wh = 2 * len(world.workspaces)
    wh = {"size": rng.integers(0, 5, n_wh), "degrading": rng.random(n_wh) < 0.25}
    wh["degrading"][rng.integers(n_wh)] = True
    q = _sample_queries(world, rng)
    n, log_ms = q["user"].size, _query_latency(world, rng, q, wh)
    p_fail = 1 / (1 + np.exp(4.5 - 0.4 * (q["log_bytes"] - 19.1) - 0.8 * (q["stmt"] == 2)))
    failed = rng.random(n) < p_fail
    canceled = ~failed & (rng.random(n) < np.where(log_ms > np.log(60_000), 0.2, 0.005))
    duration = np.exp(log_ms) * np.where(failed, rng.uniform(0.05, 1.0, n), 1.0)
    scanned = np.exp(q["log_bytes"])
    rows_read = scanned / rng.lognormal(np.log(120), 0.4, n)
    o = np.argsort(q["day"] * 24.0 + q["hour"], kind="stable")
    wh_ids = _unique_hex(rng, n_wh)
    table = pa.table(
        {
            "query_id": pa.array(_unique_hex(rng, n), pa.string()),
            "warehouse_id": strings(wh_ids, q["warehouse"][o]),
            "workspace_id": strings(world.workspaces, world.user_ws[q["user"][o]]),
            "user_name": strings(world.users, q["user"][o]),
            "start_time": timestamps(world.day_us[q["day"][o]] + np.round(q["hour"][o] * US_HOUR)),
            "statement_type": strings(STATEMENT_TYPES, q["stmt"][o]),
            "duration_ms": np.round(duration[o], 1),
            "rows_read": rows_read.astype(np.int64)[o],
            "bytes_scanned": scanned.astype(np.int64)[o],
            "status": strings(QUERY_STATUSES, np.where(failed, 1, np.where(canceled, 2, 0))[o]),
        }
    )
    end, window = int(world.day_us[-1]) + US_DAY, _degrade_window(world.days)
    episodes = [
        ("query_history", "warehouse_degradation", wh_ids[i], end - window * US_DAY, end)
        for i in np.flatnonzero(wh["degrading"])
    ]
    return table, episodes


def _normal_audit(world: World, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Everyday events: people in their working hours and weekdays, services around the clock."""
    days = world.days
    n = max(1, round(_AUDIT_PER_WS_DAY * days * len(world.workspaces) * world.scale))
    p = world.activity * world.ws_weight[world.user_ws]
    user = rng.choice(len(world.users), n, p=p / p.sum())
    svc = world.is_service[user]
    day_p = np.where(world.weekend, 0.2, 1.0)
    day = np.where(svc, rng.integers(0, days, n), rng.choice(days, n, p=day_p / day_p.sum()))
    hour = np.where(svc, rng.uniform(0, 24, n), (world.user_hour[user] + rng.normal(0, 2.2, n)))
    mix = np.where(world.is_admin[user, None], _ADMIN_MIX, _HUMAN_MIX)
    mix = np.where(svc[:, None], _SERVICE_MIX, mix)
    action = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, 5)
    p_ok = np.where(action == 0, 0.97, np.where(action == 2, 0.98, 0.995))
    return {
        "time": world.day_us[day] + np.round((hour % 24) * US_HOUR).astype(np.int64),
        "user": user,
        "action": action,
        "ip": world.user_ips[user, (rng.random(n) < 0.1).astype(np.int64)],
        "success": rng.random(n) < p_ok,
    }


def _burst(
    rng: np.random.Generator, t0: float, minutes: float, user: np.ndarray, action: np.ndarray
) -> dict[str, np.ndarray]:
    """Events packed into ``minutes`` after ``t0`` (microseconds), in time order."""
    offsets = np.sort(rng.uniform(0.0, minutes * 60e6, user.size))
    time = (t0 + offsets).astype(np.int64)
    return {"time": time, "user": user, "action": action, "success": np.ones(user.size, bool)}


def _threat_ip(rng: np.random.Generator, first: int) -> str:
    """An address from a range that normal users (10.x.x.x) never use."""
    return f"{first}.{rng.integers(100, 250)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"


def _brute_force(world: World, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], str]:
    """Failed logins against one workspace's people from an unseen address."""
    humans = np.flatnonzero(~world.is_service)
    peers = humans[world.user_ws[humans] == world.user_ws[rng.choice(humans)]]
    t0 = world.day_us[rng.integers(0, world.days - 1)] + rng.uniform(0, 22) * US_HOUR
    count, ip = int(rng.integers(30, 121)), _threat_ip(rng, 185)
    part = _burst(rng, t0, rng.uniform(10, 40), rng.choice(peers, count), np.zeros(count, int))
    part["success"][:] = False
    part["success"][-1] = rng.random() < 0.3
    return part | {"ip": np.full(count, ip, dtype=object)}, ip


def _mass_download(world: World, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], str]:
    """One person downloading results in bulk around the middle of their night."""
    u = int(rng.choice(np.flatnonzero(~world.is_service)))
    off = ((world.user_hour[u] + 12 + rng.uniform(-2, 2)) % 24) * US_HOUR
    t0, count = world.day_us[rng.integers(0, world.days - 1)] + off, int(rng.integers(40, 151))
    part = _burst(rng, t0, rng.uniform(30, 90), np.full(count, u), np.full(count, 3))
    return part | {"ip": np.full(count, world.user_ips[u, 0], dtype=object)}, world.users[u]


def _escalation(world: World, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], str]:
    """A non-admin creating tokens, then changing permissions, in a short burst."""
    pool = np.flatnonzero(~world.is_service & ~world.is_admin)
    u = int(rng.choice(pool if pool.size else np.flatnonzero(~world.is_service)))
    tokens, perms = int(rng.integers(4, 13)), int(rng.integers(8, 31))
    t0 = world.day_us[rng.integers(0, world.days - 1)] + rng.uniform(0, 22) * US_HOUR
    acts = np.repeat([1, 2], [tokens, perms])
    part = _burst(rng, t0, rng.uniform(15, 45), np.full(acts.size, u), acts)
    part["success"] = (acts == 1) | (rng.random(acts.size) < 0.85)
    ip = _threat_ip(rng, 45) if rng.random() < 0.5 else world.user_ips[u, 0]
    return part | {"ip": np.full(acts.size, ip, dtype=object)}, world.users[u]


_THREATS = (
    ("brute_force", _brute_force),
    ("mass_download", _mass_download),
    ("privilege_escalation", _escalation),
)


def _threats(
    world: World, rng: np.random.Generator
) -> tuple[list[dict[str, np.ndarray]], list[Episode]]:
    """About one episode of each threat kind per 30 days."""
    parts: list[dict[str, np.ndarray]] = []
    episodes: list[Episode] = []
    for _ in range(max(1, round(world.days / 30))):
        for kind, make in _THREATS:
            part, entity = make(world, rng)
            parts.append(part)
            start, end = int(part["time"][0]), int(part["time"][-1]) + 1
            episodes.append(("audit_events", kind, entity, start, end))
    return parts, episodes


def audit_events(world: World, rng: np.random.Generator) -> tuple[pa.Table, list[Episode]]:
    """Audit log: daily rhythms per principal plus injected threat episodes."""
    threats, episodes = _threats(world, rng)
    parts = [_normal_audit(world, rng), *threats]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    o = np.argsort(cols["time"], kind="stable")
    table = pa.table(
        {
            "event_time": timestamps(cols["time"][o]),
            "workspace_id": strings(world.workspaces, world.user_ws[cols["user"][o]]),
            "user_name": strings(world.users, cols["user"][o]),
            "action": strings(ACTIONS, cols["action"][o]),
            "source_ip": pa.array(cols["ip"][o].tolist(), pa.string()),
            "success": pa.array(cols["success"][o], pa.bool_()),
        }
    )
    return table, episodes
