"""Batch scoring with automatic feature lookup: lakeforge vs a hand-written DuckDB join.

Generates (seeded) T feature tables keyed by ``customer_id`` (E entities, F float features
each), trains a LightGBM regressor on a training set built from them, logs it with
``fe.log_model`` and then, for each input size N, scores a parquet file of N keys (with 1%
unknown keys) streamed in batches of B rows. Each method runs in a fresh process, so peak RSS
is per method and per size:

- lakeforge:   ``fe.iter_score_batches(model_uri=..., df=<RecordBatchReader of keys>)``
               (features looked up from the feature spec packaged with the model);
- handwritten: feature tables loaded into DuckDB once, then per batch a ``LEFT JOIN`` of the
               batch on every table (``ORDER BY`` input position) and ``model.predict`` on the
               joined features, with the same model object unpickled.

Both write their predictions to parquet; the two are compared value by value. Throughput is
input rows per second, model loading and feature-table reads included. Example (the issue's
goal size):

    python bench/score_batch.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

KEY = "customer_id"
MODEL_NAME = "score_bench_model"


def _feature_names(t: int, args: argparse.Namespace) -> list[str]:
    return [f"t{t}_f{f}" for f in range(args.features)]


def generate(work: Path, args: argparse.Namespace) -> str:
    """Feature tables, a trained LightGBM model logged with its feature spec; the model URI."""
    import lightgbm
    import mlflow.lightgbm

    import lakeforge
    from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

    rng = np.random.default_rng(args.seed)
    lakeforge.init(work / "ws").close()
    fe = FeatureEngineeringClient(workspace=work / "ws")
    fe.workspace.schemas.create("main", "bench", if_not_exists=True)
    ids = np.arange(args.entities, dtype=np.int64)
    weights = []
    for t in range(args.tables):
        columns: dict[str, pa.Array] = {KEY: pa.array(ids)}
        for name in _feature_names(t, args):
            columns[name] = pa.array(rng.standard_normal(args.entities))
        fe.create_table(
            name=f"main.bench.features_{t}",
            primary_keys=[KEY],
            df=pa.table(columns),
        )
        weights.append(rng.standard_normal(args.features))
    sample = rng.choice(ids, size=args.train_rows, replace=False)
    spine = pa.table({KEY: pa.array(sample), "target": pa.array(np.zeros(sample.size))})
    lookups = [
        FeatureLookup(table_name=f"main.bench.features_{t}", lookup_key=KEY)
        for t in range(args.tables)
    ]
    training_set = fe.create_training_set(
        df=spine, feature_lookups=lookups, label="target", exclude_columns=[KEY]
    )
    train = training_set.load_df().to_pandas()
    x = train.drop(columns=["target"])
    signal = sum(x[_feature_names(t, args)].to_numpy() @ weights[t] for t in range(args.tables))
    y = np.sin(signal) + 0.1 * rng.standard_normal(len(x))
    model = lightgbm.LGBMRegressor(
        n_estimators=args.trees, num_leaves=31, random_state=args.seed, verbose=-1
    )
    model.fit(x, y)
    (work / "model.pkl").write_bytes(pickle.dumps(model))
    info = fe.log_model(
        model=model,
        artifact_path=MODEL_NAME,
        flavor=mlflow.lightgbm,
        training_set=training_set,
        experiment_name="/bench/score_batch",
    )
    return str(info.model_uri)


def write_keys(path: Path, rows: int, args: argparse.Namespace) -> None:
    """N keys drawn from the entities, 1% unknown, written 1M rows at a time."""
    rng = np.random.default_rng(args.seed + rows)
    schema = pa.schema([(KEY, pa.int64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, 1_000_000):
            size = min(1_000_000, rows - start)
            keys = rng.integers(0, int(args.entities * 1.01), size=size, dtype=np.int64)
            writer.write_table(pa.table({KEY: pa.array(keys)}, schema=schema))


def _input(path: Path, batch_rows: int) -> pa.RecordBatchReader:
    file = pq.ParquetFile(path)
    return pa.RecordBatchReader.from_batches(
        file.schema_arrow, file.iter_batches(batch_size=batch_rows)
    )


def run_lakeforge(work: Path, keys: Path, args: argparse.Namespace) -> Iterator[pa.Array]:
    from lakeforge.feature_engineering import FeatureEngineeringClient

    fe = FeatureEngineeringClient(workspace=work / "ws")
    chunks = fe.iter_score_batches(
        model_uri=args.model_uri, df=_input(keys, args.batch_rows), batch_rows=args.batch_rows
    )
    for chunk in chunks:
        yield chunk.column("prediction").combine_chunks()


def run_handwritten(work: Path, keys: Path, args: argparse.Namespace) -> Iterator[pa.Array]:
    import duckdb
    from deltalake import DeltaTable

    model = pickle.loads((work / "model.pkl").read_bytes())
    con = duckdb.connect()
    selects, joins = [], []
    for t in range(args.tables):
        path = work / "ws" / "warehouse" / "main" / "bench" / f"features_{t}"
        source = DeltaTable(str(path)).to_pyarrow_table()  # DuckDB reads the variable
        con.execute(f"CREATE TABLE f{t} AS SELECT * FROM source")
        del source
        selects += [f"f{t}.{name}" for name in _feature_names(t, args)]
        joins.append(f"LEFT JOIN f{t} ON b.{KEY} = f{t}.{KEY}")
    sql = f"SELECT {', '.join(selects)} FROM batch b {' '.join(joins)} ORDER BY b.__pos"
    for batch in _input(keys, args.batch_rows):
        positioned = pa.table(
            {KEY: batch.column(KEY), "__pos": pa.array(np.arange(batch.num_rows))}
        )
        con.register("batch", positioned)
        features = con.execute(sql).to_arrow_table().to_pandas()
        con.unregister("batch")
        yield pa.array(model.predict(features), pa.float64())


METHODS = {"lakeforge": run_lakeforge, "handwritten": run_handwritten}


def child(method: str, work: Path, keys: Path, out: Path, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    rows = 0
    with pq.ParquetWriter(out, pa.schema([("prediction", pa.float64())])) as writer:
        for predictions in METHODS[method](work, keys, args):
            writer.write_table(pa.table({"prediction": predictions}))
            rows += len(predictions)
    seconds = time.perf_counter() - start
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(json.dumps({"seconds": seconds, "rss_gb": rss_gb, "rows": rows}))


def _run_child(
    method: str, work: Path, keys: Path, out: Path, model_uri: str, args: argparse.Namespace
) -> dict:
    forwarded = [f"--tables={args.tables}", f"--features={args.features}"]
    forwarded.append(f"--batch-rows={args.batch_rows}")
    command = [sys.executable, __file__, *forwarded, "--child", method, "--workdir", str(work)]
    command += ["--keys-file", str(keys), "--out", str(out), "--model-uri", model_uri]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{method} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000000", help="comma-separated input sizes (goal: 1000000,10000000)"
    )
    parser.add_argument("--entities", type=int, default=1_000_000, help="rows per feature table")
    parser.add_argument("--tables", type=int, default=3)
    parser.add_argument("--features", type=int, default=8, help="features per table")
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--train-rows", type=int, default=200_000)
    parser.add_argument("--batch-rows", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="keep data here (default: temp)")
    parser.add_argument("--child", choices=sorted(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--keys-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--model-uri", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workdir, args.keys_file, args.out, args)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        start = time.perf_counter()
        model_uri = generate(work, args)
        print(f"generated tables and trained the model in {time.perf_counter() - start:.1f}s")
        rows_out = []
        for size in sizes:
            keys = work / f"keys_{size}.parquet"
            write_keys(keys, size, args)
            results, predictions = {}, {}
            for method in METHODS:
                out = work / f"{method}_{size}.parquet"
                results[method] = _run_child(method, work, keys, out, model_uri, args)
                predictions[method] = pq.read_table(out).column("prediction")
                out.unlink()
            same = predictions["lakeforge"].equals(predictions["handwritten"])
            for method, r in results.items():
                rows_out.append((size, method, r, same))
            keys.unlink()
        print(
            f"\n{args.tables} feature tables x {args.entities:,} rows x {args.features} "
            f"features; LightGBM {args.trees} trees; batches of {args.batch_rows:,} rows"
        )
        header = f"{'rows':>11} {'method':<12} {'seconds':>8} {'rows/s':>11} {'peak RSS GB':>12}"
        print(header + f" {'vs hand':>8} {'equal':>6}")
        hand = {size: r["seconds"] for size, m, r, _ in rows_out if m == "handwritten"}
        for size, method, r, same in rows_out:
            print(
                f"{size:>11,} {method:<12} {r['seconds']:8.2f} {r['rows'] / r['seconds']:11,.0f} "
                f"{r['rss_gb']:12.2f} {hand[size] / r['seconds']:7.2f}x {same!s:>6}"
            )
        if not all(same for *_, same in rows_out):
            sys.exit("predictions differ")


if __name__ == "__main__":
    main()
