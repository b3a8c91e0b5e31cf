"""Logging a small sklearn model: ``fe.log_model`` vs MLflow's own ``mlflow.sklearn.log_model``.

Builds a small feature table and training set (seeded), fits a LogisticRegression, then logs
it repeatedly, each call after one warm-up (imports and store creation excluded):

- lakeforge: ``fe.log_model(model, "model", flavor=mlflow.sklearn, training_set=...)`` (feature
  spec, signature, pinned requirements, lineage, versions recorded);
- mlflow:    ``mlflow.sklearn.log_model(model, name="model")`` with its defaults (requirements
  inferred from the model, which MLflow does in a subprocess).

Both log to the same temporary workspace (its SQLite store and ``mlartifacts/``): creating the
feature client points MLflow there, so the plain MLflow calls land there too, and the script
fails if anything was written to ``./mlruns`` or ``./mlflow.db``. Example:

    python bench/log_model.py --runs 10
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: imports, experiment creation
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed calls per method")
    parser.add_argument("--rows", type=int, default=1000, help="training rows")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import lakeforge
    from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

    stray = [p for p in (Path("mlruns"), Path("mlflow.db")) if not p.exists()]
    with tempfile.TemporaryDirectory() as tmp:
        lakeforge.init(Path(tmp) / "ws").close()
        fe = FeatureEngineeringClient(workspace=Path(tmp) / "ws")
        fe.workspace.schemas.create("main", "bench")
        rng = np.random.default_rng(args.seed)
        ids = np.arange(args.rows)
        fe.create_table(
            name="main.bench.customers",
            primary_keys="customer_id",
            df=pd.DataFrame(
                {
                    "customer_id": ids,
                    "age": rng.uniform(18, 80, ids.size),
                    "spend": rng.gamma(2, 50, ids.size),
                }
            ),
        )
        spine = pd.DataFrame({"customer_id": ids, "churned": rng.integers(0, 2, ids.size)})
        training_set = fe.create_training_set(
            df=spine,
            feature_lookups=[
                FeatureLookup(table_name="main.bench.customers", lookup_key="customer_id")
            ],
            label="churned",
            exclude_columns=["customer_id"],
        )
        train = training_set.load_df()
        import mlflow
        import mlflow.sklearn
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression().fit(train[["age", "spend"]], train["churned"])

        def log_lakeforge() -> object:
            return fe.log_model(
                model=model,
                artifact_path="model",
                flavor=mlflow.sklearn,
                training_set=training_set,
                experiment_name="/bench/log_model",
            )

        def log_mlflow() -> object:
            with mlflow.start_run():
                return mlflow.sklearn.log_model(model, name="model")

        results = {"lakeforge": _timed(log_lakeforge, args.runs)}
        mlflow.set_experiment("/bench/log_model_mlflow")  # the temporary workspace's store
        results["mlflow"] = _timed(log_mlflow, args.runs)
    written = [str(p) for p in stray if p.exists()]
    if written:
        raise SystemExit(f"MLflow wrote outside the temporary workspace: {written}")

    print(f"\nsmall sklearn LogisticRegression, {args.runs} timed calls each after one warm-up")
    print(f"{'method':<10} {'min s':>7} {'median s':>9} {'max s':>7}")
    for method, timings in results.items():
        print(
            f"{method:<10} {min(timings):7.3f} {statistics.median(timings):9.3f} "
            f"{max(timings):7.3f}"
        )
    median = statistics.median(results["lakeforge"])
    verdict = "meets" if median < 0.3 else "misses"
    print(f"\nlakeforge log_model median {median:.3f} s {verdict} the 0.3 s goal")


if __name__ == "__main__":
    main()
