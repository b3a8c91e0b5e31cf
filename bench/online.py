"""Online store: publishing feature tables and in-process key lookups.

Creates T feature tables of K keys x F float features (seeded) and measures, in one run:

- publish: ``fe.publish_table`` of every table (full copy into ``online.db``), against a
  baseline that writes the same rows with a hand-written SQLite ``executemany`` (same file
  settings: WAL, one transaction);
- incremental publish after merging 1% of the keys;
- lookup: ``store.lookup_row`` of 1 entity x F features (p50/p99 over N calls), against a
  hand-written prepared ``SELECT`` on the same table, and a 1000-key batch lookup.

    python bench/online.py --tables 3 --keys 100000 --features 30
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa


def _table(keys: int, features: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    columns = {"entity_id": pa.array(np.arange(keys, dtype=np.int64))}
    for f in range(features):
        columns[f"f{f}"] = pa.array(rng.standard_normal(keys))
    return pa.table(columns)


def _baseline_publish(path: Path, table: pa.Table) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    cols = ", ".join(f'"{c}" REAL' for c in table.column_names[1:])
    con.execute(f'CREATE TABLE t ("entity_id" INTEGER PRIMARY KEY, {cols}) WITHOUT ROWID')
    marks = ", ".join("?" for _ in table.column_names)
    con.execute("BEGIN")
    con.executemany(
        f"INSERT INTO t VALUES ({marks})", zip(*(c.to_pylist() for c in table.columns), strict=True)
    )
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e3, ordered[int(len(ordered) * 0.99) - 1] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tables", type=int, default=3)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import lakeforge
    from lakeforge.feature_engineering import FeatureEngineeringClient

    with tempfile.TemporaryDirectory() as tmp:
        lakeforge.init(Path(tmp) / "ws").close()
        fe = FeatureEngineeringClient(workspace=Path(tmp) / "ws")
        fe.workspace.schemas.create("main", "bench")
        tables = [_table(args.keys, args.features, args.seed + t) for t in range(args.tables)]
        for t, data in enumerate(tables):
            fe.create_table(name=f"main.bench.f{t}", primary_keys="entity_id", df=data)
        start = time.perf_counter()
        for t in range(args.tables):
            fe.publish_table(source_table_name=f"main.bench.f{t}")
        publish_s = time.perf_counter() - start
        baseline_s = sum(
            _baseline_publish(Path(tmp) / f"base{t}.db", d) for t, d in enumerate(tables)
        )
        changed = _table(args.keys // 100, args.features, args.seed + 99)
        fe.write_table(name="main.bench.f0", df=changed)
        start = time.perf_counter()
        incremental = fe.publish_table(source_table_name="main.bench.f0")
        incremental_s = time.perf_counter() - start

        store = fe.online_store()
        rng = np.random.default_rng(args.seed)
        ids = rng.integers(0, args.keys, size=args.lookups)
        for i in ids[:200]:  # warm-up
            store.lookup_row("main.bench.f1_online", (int(i),))
        ours = []
        for i in ids:
            t0 = time.perf_counter()
            store.lookup_row("main.bench.f1_online", (int(i),))
            ours.append(time.perf_counter() - t0)
        con = sqlite3.connect(Path(tmp) / "base1.db")
        cols = ", ".join(f'"f{f}"' for f in range(args.features))
        sql = f'SELECT {cols} FROM t WHERE "entity_id" = ?'
        raw = []
        for i in ids:
            t0 = time.perf_counter()
            con.execute(sql, (int(i),)).fetchone()
            raw.append(time.perf_counter() - t0)
        batch = [int(i) for i in ids[:1000]]
        t0 = time.perf_counter()
        store.lookup("main.bench.f1_online", {"entity_id": batch})
        batch_ms = (time.perf_counter() - t0) * 1e3

    ours_p50, ours_p99 = _percentiles(ours)
    raw_p50, raw_p99 = _percentiles(raw)
    print(f"\n{args.tables} tables x {args.keys:,} keys x {args.features} float features")
    print(f"{'measure':<44} {'lakeforge':>10} {'baseline':>10}")
    print(f"{'publish all tables (s)':<44} {publish_s:10.2f} {baseline_s:10.2f}")
    print(f"{'incremental publish after 1% merge (s)':<44} {incremental_s:10.2f} {'':>10}")
    print(f"{'  rows read':<44} {incremental.rows_read:10,} {'':>10}")
    print(f"{'lookup 1 entity p50 (ms)':<44} {ours_p50:10.3f} {raw_p50:10.3f}")
    print(f"{'lookup 1 entity p99 (ms)':<44} {ours_p99:10.3f} {raw_p99:10.3f}")
    print(f"{'lookup 1000 entities (ms)':<44} {batch_ms:10.2f} {'':>10}")
    print(
        f"\ngoals: publish <= 3 s ({'met' if publish_s <= 3 else 'missed'}), "
        f"lookup p50 <= 0.1 ms ({'met' if ours_p50 <= 0.1 else 'missed'})"
    )


if __name__ == "__main__":
    main()
