"""Point-in-time training-set join: lakeforge vs hand-written polars and DuckDB as-of joins.

Generates (seeded) a spine of N rows (customer_id, event_ts, label) and T feature tables with
F float features and ~V versions per key, stores them as lakeforge feature tables (Delta), then
times, each in a fresh process so peak RSS is per method:

- lakeforge: ``create_training_set(...).load_df()`` with a lookback window;
- polars:    hand-written ``join_asof`` per table + whole-second lookback filter;
- duckdb:    hand-written ``ASOF LEFT JOIN`` SQL over the same Delta snapshots.

All three results are compared cell by cell. Example (the issue's goal size):

    python bench/pit.py --rows 5000000 --keys 100000 --versions 10
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DAY_US = 86_400 * 1_000_000
START_US = 1_704_067_200 * 1_000_000  # 2024-01-01


def generate(ws_dir: Path, args: argparse.Namespace) -> None:
    """Create the workspace, the feature tables and the spine (parquet)."""
    import lakeforge

    rng = np.random.default_rng(args.seed)
    ws = lakeforge.init(ws_dir)
    ws.schemas.create("main", "bench", if_not_exists=True)
    per_key = args.versions
    spacing = 365 * DAY_US // per_key
    for t in range(args.tables):
        keys = np.repeat(np.arange(args.keys, dtype=np.int64), per_key)
        # version v of a key falls in its own slot, so (key, ts) is unique by construction
        slots = np.tile(np.arange(per_key, dtype=np.int64), args.keys) * spacing
        ts = pa.array(
            START_US + slots + rng.integers(0, spacing, size=keys.size),
            pa.timestamp("us", tz="UTC"),
        )
        columns: dict[str, pa.Array] = {"customer_id": pa.array(keys), "ts": ts}
        for f in range(args.features):
            columns[f"t{t}_f{f}"] = pa.array(rng.standard_normal(keys.size))
        table = pa.table(columns)
        ws.tables.create(
            f"main.bench.features_{t}",
            data=table,
            primary_keys=["customer_id", "ts"],
            timeseries_key="ts",
        )
    spine = pa.table(
        {
            "customer_id": pa.array(rng.integers(0, args.keys, size=args.rows, dtype=np.int64)),
            "event_ts": pa.array(
                START_US + rng.integers(0, 365 * DAY_US, size=args.rows),
                pa.timestamp("us", tz="UTC"),
            ),
            "label": pa.array(rng.integers(0, 2, size=args.rows, dtype=np.int64)),
        }
    )
    pq.write_table(spine, ws_dir / "spine.parquet")
    ws.close()


def run_lakeforge(ws_dir: Path, args: argparse.Namespace) -> pa.Table:
    import lakeforge
    from lakeforge.features.lookup import FeatureLookup
    from lakeforge.features.training_set import create_training_set

    ws = lakeforge.Workspace.open(ws_dir)
    spine = pq.read_table(ws_dir / "spine.parquet")
    lookups = [
        FeatureLookup(
            table_name=f"main.bench.features_{t}",
            lookup_key="customer_id",
            timestamp_lookup_key="event_ts",
            lookback_window=timedelta(days=args.lookback_days),
        )
        for t in range(args.tables)
    ]
    return create_training_set(ws, spine, lookups, label="label").load_df()


def _delta(ws_dir: Path, t: int) -> pa.Table:
    from deltalake import DeltaTable

    return DeltaTable(str(ws_dir / "warehouse/main/bench" / f"features_{t}")).to_pyarrow_table()


def run_polars(ws_dir: Path, args: argparse.Namespace) -> pa.Table:
    import polars as pl

    spine = pl.read_parquet(ws_dir / "spine.parquet").with_row_index("__row")
    out = spine.sort("event_ts")
    limit = args.lookback_days * 86_400
    for t in range(args.tables):
        feats = pl.from_arrow(_delta(ws_dir, t)).sort("ts")
        names = [c for c in feats.columns if c not in ("customer_id", "ts")]
        joined = out.join_asof(
            feats.rename({"ts": "__ts"}),
            left_on="event_ts",
            right_on="__ts",
            by="customer_id",
            strategy="backward",
        )
        diff = joined["event_ts"].dt.epoch("s") - joined["__ts"].dt.epoch("s")
        keep = diff.le(limit).fill_null(False)
        out = joined.with_columns(
            [pl.when(keep).then(pl.col(n)).otherwise(None).alias(n) for n in names]
        ).drop("__ts")
    out = out.sort("__row").drop("__row")
    cols = ["customer_id", "event_ts", *[c for c in out.columns if c.startswith("t")], "label"]
    return out.select(cols).to_arrow()


def run_duckdb(ws_dir: Path, args: argparse.Namespace) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    spine = pq.read_table(ws_dir / "spine.parquet")
    con.register("spine", spine.append_column("__row", pa.array(np.arange(spine.num_rows))))
    selects, joins = [], []
    limit = args.lookback_days * 86_400
    for t in range(args.tables):
        table = _delta(ws_dir, t)
        con.register(f"f{t}", table)
        for name in table.column_names[2:]:
            selects.append(
                f"CASE WHEN floor(epoch(s.event_ts)) - floor(epoch(f{t}.ts)) <= {limit} "
                f"THEN f{t}.{name} END AS {name}"
            )
        joins.append(
            f"ASOF LEFT JOIN f{t} ON s.customer_id = f{t}.customer_id AND s.event_ts >= f{t}.ts"
        )
    sql = (
        f"SELECT s.customer_id, s.event_ts, {', '.join(selects)}, s.label FROM spine s "
        f"{' '.join(joins)} ORDER BY s.__row"
    )
    return con.sql(sql).to_arrow_table()


METHODS = {"lakeforge": run_lakeforge, "polars": run_polars, "duckdb": run_duckdb}


def child(method: str, ws_dir: Path, out: Path, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    result = METHODS[method](ws_dir, args)
    seconds = time.perf_counter() - start
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    pq.write_table(result, out)
    print(json.dumps({"seconds": seconds, "rss_gb": rss_gb, "rows": result.num_rows}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="spine rows (goal: 5000000)")
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10, help="versions per key")
    parser.add_argument("--tables", type=int, default=3)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--lookback-days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="keep data here (default: temp)")
    parser.add_argument("--child", choices=sorted(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workdir, args.out, args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        start = time.perf_counter()
        generate(work / "ws", args)
        print(f"generated data in {time.perf_counter() - start:.1f}s")
        forwarded = [a for a in sys.argv[1:] if not a.startswith("--workdir")]
        results, tables = {}, {}
        for method in METHODS:
            out = work / f"{method}.parquet"
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    *forwarded,
                    "--child",
                    method,
                    "--workdir",
                    str(work / "ws"),
                    "--out",
                    str(out),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            results[method] = json.loads(proc.stdout.strip().splitlines()[-1])
            tables[method] = pq.read_table(out)
        reference = tables["lakeforge"]
        agree = {m: t.equals(reference) for m, t in tables.items()}
        fastest = min(results["polars"]["seconds"], results["duckdb"]["seconds"])
        print(
            f"\nspine {args.rows:,} rows x {args.tables} tables x {args.features} features, "
            f"{args.keys:,} keys x ~{args.versions} versions, lookback {args.lookback_days} d"
        )
        print(f"{'method':<10} {'seconds':>8} {'peak RSS GB':>12} {'vs fastest':>11} {'agrees':>7}")
        for method, r in results.items():
            print(
                f"{method:<10} {r['seconds']:8.2f} {r['rss_gb']:12.2f} "
                f"{r['seconds'] / fastest:10.2f}x {agree[method]!s:>7}"
            )
        if not all(agree.values()):
            sys.exit("results differ")


if __name__ == "__main__":
    main()
