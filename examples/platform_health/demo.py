"""The platform-health demo, end to end on the embedded defaults (``make demo``).

1. generates a seeded gold layer for a data-platform operations team (billing, job runs, query
   history, audit events, table quality checks) into a fresh workspace;
2. runs the bundle's three jobs (``databricks.yml``: features, training, inference), each task
   in its own process, as ``lakeforge bundle run`` would;
3. prints what came out: every model with its metrics, registered version, aliases and
   prediction count, and where to look next.

    python examples/platform_health/demo.py [WORKSPACE] [--days 90] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JOBS = ("features", "training", "inference")


def _gold_module() -> Any:
    spec = importlib.util.spec_from_file_location("platform_health_gold", HERE / "gold.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _fresh_workspace(path: Path) -> Any:
    import lakeforge

    if (path / "lakeforge.toml").is_file():
        shutil.rmtree(path)  # only ever a previous demo workspace
    elif path.exists() and any(path.iterdir()):
        sys.exit(f"{path} exists and is not a lakeforge workspace; pass another directory")
    return lakeforge.init(path)


def _run_jobs(ws: Any, console: Any) -> list[Any]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from lakeforge.jobs.bundle import load_bundle
    from lakeforge.jobs.runner import RunOptions, run_job

    bundle = load_bundle(HERE, user=ws.settings.user)
    runs = []
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as bar:
        for job in JOBS:
            task = bar.add_task(f"job {job}", total=1)

            def show(run: Any, task_run: Any, task: Any = task, job: str = job) -> None:
                state = task_run.result_state or task_run.life_cycle_state
                bar.update(
                    task, description=f"job {job} (run {run.run_id}): {task_run.task_key} {state}"
                )

            record = run_job(
                ws.settings, bundle, job, options=RunOptions(max_parallel=2), listener=show
            )
            bar.update(
                task,
                completed=1,
                description=f"job {job} (run {record.run_id}): {record.result_state}",
            )
            runs.append(record)
            if record.failed:
                break
    return runs


def _summary(ws: Any, console: Any) -> tuple[int, int]:
    from rich.table import Table

    from lakeforge.models.registry import Registry
    from lakeforge.pipeline.manifest import load_manifest

    manifest = load_manifest(HERE / "ml-manifest.yaml")
    registry = Registry(ws)
    counts = (
        ws.sql(
            "SELECT model_name, count(*) AS n FROM main.ml.predictions GROUP BY model_name",
            kind="pandas",
        )
        .set_index("model_name")["n"]
        .to_dict()
    )
    table = Table(title="platform-health models")
    for column in ("model", "domain", "problem", "metrics", "version", "aliases", "predictions"):
        table.add_column(column)
    complete = 0
    for spec in manifest.models:
        versions = registry.list_versions(spec.name)
        latest = max(versions, key=lambda v: v.version) if versions else None
        metrics = ", ".join(
            f"{k.removeprefix('metric.')}={float(v):.3g}"
            for k, v in sorted((latest.tags if latest else {}).items())
            if k.startswith("metric.")
        )
        aliases = ", ".join(latest.aliases) if latest else ""
        predictions = int(counts.get(spec.name, 0))
        complete += bool(latest and "champion" in aliases and predictions)
        table.add_row(
            spec.name.removeprefix("main.ml."),
            spec.domain,
            spec.problem_type,
            metrics,
            f"v{latest.version}" if latest else "-",
            aliases or "-",
            str(predictions),
        )
    console.print(table)
    return complete, len(manifest.models)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("workspace", nargs="?", type=Path, default=Path(".lakeforge-demo"))
    parser.add_argument("--days", type=int, default=90, help="days of gold data")
    parser.add_argument("--scale", type=float, default=1.0, help="volume of events (CI: 0.2)")
    args = parser.parse_args()
    from rich.console import Console

    console = Console() if sys.stdout.isatty() else Console(width=140)
    start = time.perf_counter()
    ws = _fresh_workspace(args.workspace.resolve())
    gold = _gold_module()
    with console.status("generating the gold layer"):
        rows = gold.write_gold(ws, gold.generate_tables(days=args.days, scale=args.scale))
    console.print(f"gold layer: {', '.join(f'{k} {v:,}' for k, v in rows.items())}")
    runs = _run_jobs(ws, console)
    failed = [r for r in runs if r.failed]
    if failed:
        bad = failed[0]
        console.print(f"[red]job {bad.job_key} ended {bad.result_state}[/]: {bad.state_message}")
        console.print(
            f"see: lakeforge --workspace {args.workspace} jobs runs get {failed[0].run_id} --logs"
        )
        sys.exit(1)
    complete, models = _summary(ws, console)
    console.print(
        f"{complete}/{models} models trained, registered as champion and scored "
        f"in {time.perf_counter() - start:.0f}s. Look further:"
    )
    where = f"lakeforge --workspace {args.workspace}"
    console.print(f"  {where} ui                      # MLflow runs, metrics, registered models")
    console.print(f'  {where} sql "SELECT * FROM main.ml.predictions LIMIT 10"')
    console.print(f"  {where} jobs runs list          # the three job runs and their tasks")
    console.print(f"  {where} models list main.ml")
    console.print("Done.")
    if complete != models:
        sys.exit(1)


if __name__ == "__main__":
    main()
