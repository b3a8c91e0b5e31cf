"""Model serving over HTTP: ``lakeforge serve`` (3 feature lookups) vs ``mlflow models serve``.

Builds (seeded) a temp workspace with 3 feature tables keyed by ``customer_id`` (K keys x F float
features each), trains a small LightGBM classifier (``--api sklearn``: ``LGBMClassifier``;
``--api booster``: a ``Booster`` from ``lightgbm.train``) on a training set built from them, logs
it with ``fe.log_model`` as ``main.ml.gbm`` v1 and publishes the tables to the online store.
Then, on the SAME model, in one run:

- lakeforge: ``lakeforge serve`` in a subprocess (auth off, 127.0.0.1), an endpoint created
  through ``POST /api/2.0/serving-endpoints``; each request carries one ``customer_id`` and the
  server looks up the 3 x F features in the online store before predicting;
- mlflow (baseline): ``mlflow models serve --env-manager local`` of the raw LightGBM model packaged
  inside the lakeforge model (no lookups: each request carries the 3 x F feature values);
- in process, no HTTP: the server's path (``payload.parse`` + ``LoadedEntity.answer``),
  ``FeatureModel.score_online`` of a 1-row table, the raw pyfunc and LightGBM ``predict`` on a
  1-row pandas frame, and ``OnlineStore.lookup_row`` of 1 entity x 30 features.

Both HTTP servers run one uvicorn worker. Two measurements per server, from this process:

- latency: one client thread, one keep-alive ``http.client`` connection, requests paced at
  --rate per second (--requests of them); p50/p99/max are client-side and include HTTP;
- throughput: aiohttp with --concurrency keep-alive connections for --duration seconds (after a
  1 s warm-up); any non-200 answer or client exception counts as an error.

Client and servers share this machine's cores, so throughput is a lower bound on what the server
would do with the CPU to itself. Goals (lakeforge over HTTP): p50 <= 2 ms, p99 <= 6 ms, throughput
>= 5x MLflow's.

    python bench/serving.py --keys 10000 --requests 2000 --rate 200 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

KEY = "customer_id"
MODEL = "main.ml.gbm"
ENDPOINT = "bench"
TABLES = ("main.fs.t1", "main.fs.t2", "main.fs.t3")
WIDE = "main.fs.wide"
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class World:
    """The built workspace: feature values per key and the model input columns."""

    ws_path: Path
    features: list[str]
    values: dict[int, list[float]]  # key -> model input row (features order)
    raw_model: Any  # the fitted LGBMClassifier or Booster


@dataclass
class Row:
    """One line of the result table."""

    system: str
    samples_ms: list[float] = field(default_factory=list)
    throughput: float | None = None
    errors: str = ""

    def pct(self, q: float) -> float | None:
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q) - 1))]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p99(self) -> float | None:
        return self.pct(0.99)

    @property
    def max(self) -> float | None:
        return max(self.samples_ms) if self.samples_ms else None


# --------------------------------------------------------------------------- world


def build(ws_path: Path, args: argparse.Namespace) -> World:
    """Feature tables, a trained model logged as ``main.ml.gbm`` v1, tables published."""
    import lightgbm
    import mlflow.lightgbm

    from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup
    from lakeforge.tables.workspace import init_workspace

    rng = np.random.default_rng(args.seed)
    ws = init_workspace(ws_path)
    try:
        ws.schemas.create("main", "fs")
        ws.schemas.create("main", "ml")
    finally:
        ws.close()
    fe = FeatureEngineeringClient(workspace=ws_path)
    ids = np.arange(args.keys, dtype=np.int64)
    frames = []
    for t, name in enumerate(TABLES, start=1):
        frame = pd.DataFrame({KEY: ids})
        for f in range(args.features):
            frame[f"t{t}_f{f}"] = rng.standard_normal(args.keys)
        fe.create_table(name=name, primary_keys=KEY, df=frame)
        frames.append(frame.set_index(KEY))
    wide = pd.DataFrame({KEY: ids})
    for f in range(30):
        wide[f"w{f}"] = rng.standard_normal(args.keys)
    fe.create_table(name=WIDE, primary_keys=KEY, df=wide)

    sample = rng.choice(ids, size=min(args.rows, args.keys), replace=False)
    joined = pd.concat(frames, axis=1)
    signal_ = joined.loc[sample].to_numpy() @ rng.standard_normal(joined.shape[1])
    label = (signal_ + rng.standard_normal(sample.size) > 0).astype("int64")
    spine = pd.DataFrame({KEY: sample, "label": label})
    lookups = [FeatureLookup(table_name=name, lookup_key=KEY) for name in TABLES]
    ts = fe.create_training_set(
        df=spine, feature_lookups=lookups, label="label", exclude_columns=[KEY]
    )
    train = ts.load_df()
    train = train.to_pandas() if not isinstance(train, pd.DataFrame) else train
    x = train.drop(columns=["label"])
    model: Any
    if args.api == "booster":  # lightgbm.train: predict returns probabilities, no sklearn layer
        params = {"objective": "binary", "seed": args.seed, "verbose": -1}
        data = lightgbm.Dataset(x, train["label"])
        model = lightgbm.train(params, data, num_boost_round=args.trees)
    else:
        model = lightgbm.LGBMClassifier(n_estimators=args.trees, random_state=args.seed, verbose=-1)
        model.fit(x, train["label"])
    fe.log_model(
        model=model,
        artifact_path="model",
        flavor=mlflow.lightgbm,
        training_set=ts,
        registered_model_name=MODEL,
    )
    for name in (*TABLES, WIDE):
        fe.publish_table(source_table_name=name)
    features = list(x.columns)
    table = joined[features].to_numpy()
    values = {int(k): [float(v) for v in table[i]] for i, k in enumerate(ids)}
    return World(ws_path, features, values, model)


def raw_model_dir(ws_path: Path, dest: Path) -> Path:
    """The raw LightGBM MLflow model packaged inside ``main.ml.gbm`` v1 (a local copy)."""
    from lakeforge.models.feature_model import FEATURE_STORE_DIR, RAW_MODEL_DIR
    from lakeforge.models.tracking import mlflow_module
    from lakeforge.tables.workspace import Workspace

    ws = Workspace.open(ws_path)
    try:
        mlflow = mlflow_module(ws.settings)
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{MODEL}/1", dst_path=str(dest)
        )
    finally:
        ws.close()
    return Path(local) / FEATURE_STORE_DIR / RAW_MODEL_DIR


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEFORGE_", "MLFLOW_"))}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["HOME"] = str(home)
    # `mlflow models serve` runs `uvicorn` from PATH: use this interpreter's
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def start(command: Sequence[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A server in its own process group (stopped with everything it started)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # children (mlflow's uvicorn) left behind
        os.killpg(process.pid, signal.SIGKILL)


def request(method: str, url: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=JSON_HEADERS)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode(errors="replace")


def wait_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float, what: str
) -> float:
    """Seconds until ``url`` answers 200."""
    began = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - began
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() - began > timeout:
            tail = log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s:\n{tail}")
        time.sleep(0.2)


def create_endpoint(base: str, timeout: float = 120.0) -> dict[str, Any]:
    body = {
        "name": ENDPOINT,
        "config": {
            "served_entities": [{"name": "gbm", "entity_name": MODEL, "entity_version": "1"}]
        },
    }
    status, answer = request("POST", base + "/api/2.0/serving-endpoints", body)
    if status != 200:
        raise RuntimeError(f"create endpoint: HTTP {status}: {answer}")
    deadline = time.monotonic() + timeout
    while True:
        status, answer = request("GET", f"{base}/api/2.0/serving-endpoints/{ENDPOINT}")
        if status != 200:
            raise RuntimeError(f"get endpoint: HTTP {status}: {answer}")
        if answer["state"]["config_update"] != "IN_PROGRESS":
            if answer["state"].get("ready") != "READY":
                raise RuntimeError(f"endpoint not ready: {answer}")
            return dict(answer)
        if time.monotonic() > deadline:
            raise RuntimeError(f"endpoint still updating after {timeout:.0f} s: {answer}")
        time.sleep(0.1)


# --------------------------------------------------------------------------- clients


@dataclass
class Target:
    """One HTTP system: where to post and the pre-encoded bodies (one per key)."""

    name: str
    port: int
    path: str
    bodies: list[bytes]


def lakeforge_body(key: int) -> bytes:
    return json.dumps({"dataframe_records": [{KEY: key}]}).encode()


def mlflow_body(world: World, key: int) -> bytes:
    split = {"columns": world.features, "data": [world.values[key]]}
    return json.dumps({"dataframe_split": split}).encode()


def post_once(target: Target, body: bytes) -> tuple[int, Any]:
    con = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
    try:
        con.request("POST", target.path, body, JSON_HEADERS)
        resp = con.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        con.close()


def paced_latency(target: Target, requests: int, rate: float) -> Row:
    """One keep-alive connection, requests sent on a fixed schedule; client-side ms."""
    row = Row(target.name)
    errors: dict[str, int] = {}
    con = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
    con.connect()
    con.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for body in target.bodies[:50]:  # warm-up
        con.request("POST", target.path, body, JSON_HEADERS)
        con.getresponse().read()
    interval = 1.0 / rate
    began = time.perf_counter()
    for i in range(requests):
        due = began + i * interval
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        body = target.bodies[i % len(target.bodies)]
        t0 = time.perf_counter()
        try:
            con.request("POST", target.path, body, JSON_HEADERS)
            resp = con.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            con.close()
            con = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        row.samples_ms.append((time.perf_counter() - t0) * 1e3)
        if status != 200:
            errors[str(status)] = errors.get(str(status), 0) + 1
    con.close()
    row.errors = ", ".join(f"{k}: {v}" for k, v in sorted(errors.items()))
    return row


async def _load(target: Target, concurrency: int, warmup: float, duration: float) -> dict[str, Any]:
    import aiohttp

    url = f"http://127.0.0.1:{target.port}{target.path}"
    counts = {"ok": 0}
    errors: dict[str, int] = {}
    phase = {"measuring": False}
    bodies = target.bodies

    async def worker(session: aiohttp.ClientSession, offset: int, stop_at: float) -> None:
        i = offset
        while time.perf_counter() < stop_at:
            body = bodies[i % len(bodies)]
            i += concurrency
            try:
                async with session.post(url, data=body, headers=JSON_HEADERS) as resp:
                    await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                status = type(exc).__name__
            if not phase["measuring"]:
                continue
            if status == 200:
                counts["ok"] += 1
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start_at = time.perf_counter()
        stop_at = start_at + warmup + duration
        tasks = [asyncio.create_task(worker(session, c, stop_at)) for c in range(concurrency)]
        await asyncio.sleep(warmup)
        phase["measuring"] = True
        measured_from = time.perf_counter()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - measured_from
    total = counts["ok"] + sum(errors.values())
    return {"rps": total / elapsed, "ok": counts["ok"], "errors": errors, "seconds": elapsed}


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes in process group ``pgid`` (Linux)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime stime
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def throughput(target: Target, concurrency: int, duration: float, pgid: int) -> dict[str, Any]:
    """aiohttp load; adds the CPU seconds the server group and this client used meanwhile."""
    server_before, client_before = group_cpu_seconds(pgid), time.process_time()
    result = asyncio.run(_load(target, concurrency, 1.0, duration))
    result["server_cpu"] = group_cpu_seconds(pgid) - server_before
    result["client_cpu"] = time.process_time() - client_before
    return result


# --------------------------------------------------------------------------- in process


def timed(fn: Callable[[int], Any], keys: Sequence[int], warm: int = 100) -> list[float]:
    for k in keys[:warm]:
        fn(k)
    out = []
    for k in keys:
        t0 = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def in_process(world: World, keys: Sequence[int]) -> tuple[list[Row], dict[int, Any]]:
    """Rows for the in-process measures, and score_online predictions of the first keys."""
    import pyarrow as pa

    from lakeforge.models.feature_model import load
    from lakeforge.models.registry import Registry
    from lakeforge.online.store import OnlineStore
    from lakeforge.serving.entity import Target as EntityTarget
    from lakeforge.serving.entity import load_entity
    from lakeforge.serving.payload import parse
    from lakeforge.tables.workspace import Workspace

    ws = Workspace.open(world.ws_path)
    rows = []
    try:
        store = OnlineStore(ws.settings.online_db)
        m = load(ws.settings, f"models:/{MODEL}/1")
        schema = pa.schema([(KEY, pa.int64())])
        plan = m.plan(ws, schema)

        def score(k: int) -> Any:
            table = pa.table({KEY: pa.array([k], pa.int64())})
            return m.score_online(store, plan, table)

        entity = load_entity(ws, store, Registry(ws), "gbm", EntityTarget(MODEL, 1))
        bodies = {k: lakeforge_body(k) for k in keys}

        def server_path(k: int) -> Any:
            invocation = parse(bodies[k], "application/json", entity.schema)
            scored = entity.answer(invocation.table, invocation.params)
            return json.dumps({"predictions": scored.predictions}).encode()

        frames = {k: pd.DataFrame([world.values[k]], columns=world.features) for k in keys}
        wide_cols = [f"w{f}" for f in range(30)]
        wide_name = store.for_source(WIDE).name

        rows.append(Row("in-process parse+answer", timed(server_path, keys)))
        rows.append(Row("in-process score_online", timed(score, keys)))
        rows.append(
            Row("in-process pyfunc predict", timed(lambda k: m.raw_model.predict(frames[k]), keys))
        )
        rows.append(
            Row(
                "in-process lgbm predict", timed(lambda k: world.raw_model.predict(frames[k]), keys)
            )
        )
        rows.append(
            Row(
                "in-process lookup 1x30",
                timed(lambda k: store.lookup_row(wide_name, (k,), wide_cols), keys),
            )
        )
        expected = {k: score(k).column("prediction").to_pylist()[0] for k in keys[:200]}
    finally:
        ws.close()
    return rows, expected


def profile_server_path(world: World, keys: Sequence[int], top: int) -> None:
    """cProfile of the in-process server path (parse + answer) over ``keys``."""
    import cProfile
    import pstats

    from lakeforge.models.registry import Registry
    from lakeforge.online.store import OnlineStore
    from lakeforge.serving.entity import Target as EntityTarget
    from lakeforge.serving.entity import load_entity
    from lakeforge.serving.payload import parse
    from lakeforge.tables.workspace import Workspace

    ws = Workspace.open(world.ws_path)
    try:
        store = OnlineStore(ws.settings.online_db)
        entity = load_entity(ws, store, Registry(ws), "gbm", EntityTarget(MODEL, 1))
        bodies = [lakeforge_body(k) for k in keys]
        for body in bodies[:100]:
            inv = parse(body, "application/json", entity.schema)
            entity.answer(inv.table, inv.params)
        profiler = cProfile.Profile()
        profiler.enable()
        for body in bodies:
            inv = parse(body, "application/json", entity.schema)
            scored = entity.answer(inv.table, inv.params)
            json.dumps({"predictions": scored.predictions})
        profiler.disable()
    finally:
        ws.close()
    print(f"\ncProfile of parse + LoadedEntity.answer, {len(bodies)} requests (cumulative):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- report


def _ms(value: float | None) -> str:
    return f"{value:8.3f}" if value is not None else f"{'':>8}"


def print_table(rows: list[Row], mlflow: Row) -> None:
    print(
        f"{'system':<27} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>9} "
        f"{'p50 vs ml':>9} {'req/s vs ml':>11}  errors"
    )
    for row in rows:
        rps = f"{row.throughput:9,.0f}" if row.throughput is not None else f"{'':>9}"
        p50_ratio = rps_ratio = ""
        if row.throughput is not None and mlflow.throughput:
            rps_ratio = f"{row.throughput / mlflow.throughput:.2f}x"
            p50_ratio = f"{(row.p50 or 0) / (mlflow.p50 or 1):.2f}x"
        print(
            f"{row.system:<27} {_ms(row.p50)} {_ms(row.p99)} {_ms(row.max)} {rps} "
            f"{p50_ratio:>9} {rps_ratio:>11}  {row.errors}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--keys", type=int, default=10_000, help="keys per feature table")
    parser.add_argument("--rows", type=int, default=5_000, help="training rows")
    parser.add_argument("--features", type=int, default=8, help="features per table")
    parser.add_argument("--trees", type=int, default=50)
    parser.add_argument(
        "--api",
        choices=["sklearn", "booster"],
        default="sklearn",
        help="GBM as LGBMClassifier (sklearn API) or a Booster from lightgbm.train",
    )
    parser.add_argument("--requests", type=int, default=2000, help="paced latency requests")
    parser.add_argument("--rate", type=float, default=200.0, help="paced requests per second")
    parser.add_argument("--concurrency", type=int, default=32, help="throughput connections")
    parser.add_argument("--duration", type=float, default=10.0, help="throughput seconds")
    parser.add_argument("--workers", type=int, default=4, help="lakeforge serve --workers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also cProfile the server path (N rows)"
    )
    args = parser.parse_args()
    if args.requests > 100_000 or args.duration > 120 or args.concurrency > 512:
        parser.error("keep --requests <= 100000, --duration <= 120 s, --concurrency <= 512")

    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"  # before mlflow is imported
    rng = np.random.default_rng(args.seed + 1)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ws_path = work / "ws"
        began = time.perf_counter()
        world = build(ws_path, args)
        raw_dir = raw_model_dir(ws_path, work / "download")
        print(
            f"built 3 tables x {args.keys:,} keys x {args.features} features, trained "
            f"LightGBM ({args.trees} trees, {len(world.features)} inputs) and published "
            f"in {time.perf_counter() - began:.1f} s"
        )
        keys = [int(k) for k in rng.integers(0, args.keys, size=max(args.requests, 1000))]
        targets = {
            "lakeforge": Target(
                "lakeforge HTTP (3 lookups)",
                free_port(),
                f"/serving-endpoints/{ENDPOINT}/invocations",
                [lakeforge_body(k) for k in keys],
            ),
            "mlflow": Target(
                "mlflow HTTP (raw features)",
                free_port(),
                "/invocations",
                [mlflow_body(world, k) for k in keys],
            ),
        }
        env = server_env(work / "home")
        (work / "home").mkdir()
        rows: dict[str, Row] = {}
        checks: dict[str, bool] = {}
        cpu: dict[str, tuple[float, float, float]] = {}

        inproc, expected = in_process(world, keys[:1000])
        check_keys = list(expected)

        lf = targets["lakeforge"]
        lf_cmd = [
            sys.executable, "-m", "lakeforge", "--workspace", str(ws_path), "serve",
            "--port", str(lf.port), "--poll-interval", "0.5", "--workers", str(args.workers),
        ]  # fmt: skip
        lf_log = work / "lakeforge.log"
        process = start(lf_cmd, lf_log, env)
        try:
            base = f"http://127.0.0.1:{lf.port}"
            up = wait_up(base + "/health", process, lf_log, 120, "lakeforge serve")
            t0 = time.monotonic()
            create_endpoint(base)
            ready = time.monotonic() - t0
            print(f"lakeforge serve up in {up:.1f} s; endpoint READY {ready:.1f} s after create")
            got = []
            for k in check_keys:
                status, answer = post_once(lf, lakeforge_body(k))
                if status != 200:
                    raise RuntimeError(f"lakeforge invocation: HTTP {status}: {answer}")
                got.append(answer["predictions"][0])
            checks["lakeforge HTTP == in-process score_online"] = got == [
                expected[k] for k in check_keys
            ]
            rows["lakeforge"] = paced_latency(lf, args.requests, args.rate)
            load = throughput(lf, args.concurrency, args.duration, process.pid)
            cpu[lf.name] = (load["server_cpu"], load["client_cpu"], load["seconds"])
            rows["lakeforge"].throughput = load["rps"]
            rows["lakeforge"].errors = _errors(rows["lakeforge"].errors, load["errors"])
        finally:
            stop(process)

        ml = targets["mlflow"]
        ml_cmd = [
            sys.executable, "-m", "mlflow", "models", "serve", "-m", str(raw_dir),
            "--env-manager", "local", "--port", str(ml.port), "--host", "127.0.0.1",
        ]  # fmt: skip
        ml_log = work / "mlflow.log"
        process = start(ml_cmd, ml_log, env)
        try:
            up = wait_up(f"http://127.0.0.1:{ml.port}/ping", process, ml_log, 120, "mlflow serve")
            print(f"mlflow models serve up in {up:.1f} s")
            got = []
            for k in check_keys:
                status, answer = post_once(ml, mlflow_body(world, k))
                if status != 200:
                    raise RuntimeError(f"mlflow invocation: HTTP {status}: {answer}")
                got.append(float(answer["predictions"][0]))
            frame = pd.DataFrame([world.values[k] for k in check_keys], columns=world.features)
            checks["mlflow HTTP == raw predict"] = got == [
                float(v) for v in world.raw_model.predict(frame)
            ]
            rows["mlflow"] = paced_latency(ml, args.requests, args.rate)
            load = throughput(ml, args.concurrency, args.duration, process.pid)
            cpu[ml.name] = (load["server_cpu"], load["client_cpu"], load["seconds"])
            rows["mlflow"].throughput = load["rps"]
            rows["mlflow"].errors = _errors(rows["mlflow"].errors, load["errors"])
        finally:
            stop(process)

        if args.profile:
            profile_server_path(world, keys[: args.profile], 30)

    lf_row, ml_row = rows["lakeforge"], rows["mlflow"]
    print(
        f"\nLightGBM ({args.api} API), {args.trees} trees, {len(world.features)} inputs from 3 "
        f"feature tables x {args.keys:,} keys; 1 entity per request"
    )
    print(
        f"latency: 1 keep-alive connection, {args.requests} requests paced at {args.rate:.0f}/s; "
        f"throughput: aiohttp, {args.concurrency} connections, {args.duration:.0f} s"
    )
    print(
        f"client and servers share {os.cpu_count()} CPU cores (the load generator competes "
        "with the server)\n"
    )
    print_table([lf_row, ml_row, *inproc], ml_row)
    cores = os.cpu_count() or 1
    for system, (server_s, client_s, seconds) in cpu.items():
        print(
            f"CPU in the {seconds:.1f} s throughput run, {system}: server {server_s:.1f} s, "
            f"load generator {client_s:.1f} s (of {seconds * cores:.0f} core-s)"
        )
    same = all(checks.values())
    print(f"\npredictions identical: {'yes' if same else 'no'}")
    for what, ok in checks.items():
        print(f"  {what}: {'yes' if ok else 'NO'} ({len(check_keys)} keys)")
    ratio = (lf_row.throughput or 0) / (ml_row.throughput or 1)
    goals = [
        (f"p50 <= 2 ms ({lf_row.p50:.2f})", (lf_row.p50 or 1e9) <= 2),
        (f"p99 <= 6 ms ({lf_row.p99:.2f})", (lf_row.p99 or 1e9) <= 6),
        (f"throughput >= 5x mlflow ({ratio:.2f}x)", ratio >= 5),
    ]
    print(
        "goals (lakeforge HTTP): "
        + "; ".join(f"{text} {'met' if ok else 'missed'}" for text, ok in goals)
    )
    if not same:
        sys.exit("predictions differ")


def _errors(latency_errors: str, load_errors: dict[str, int]) -> str:
    parts = []
    if latency_errors:
        parts.append(f"paced {latency_errors}")
    if load_errors:
        parts.append("load " + ", ".join(f"{k}: {v}" for k, v in sorted(load_errors.items())))
    return "; ".join(parts) or "0"


if __name__ == "__main__":
    main()
