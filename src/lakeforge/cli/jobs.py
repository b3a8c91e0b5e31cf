"""``lakeforge jobs``: deployed jobs (``list``), run records (``runs list``/``runs get``) and
the ``scheduler``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lakeforge.cli.bundle import DirOption, TargetOption, VarOption, load, progress_printer
from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.jobs.records import JobRun

app = typer.Typer(help="Job runs and the local scheduler.", no_args_is_help=True)
runs_app = typer.Typer(help="Records of job runs in this workspace.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _when(run: JobRun) -> str:
    return run.start_time.strftime("%Y-%m-%d %H:%M:%S")


def show_run(run: JobRun, runs_dir: Path) -> None:
    """Print a run and its tasks' final attempts."""
    from lakeforge.cli.render import emit_message, emit_table

    seconds = (run.end_time - run.start_time).total_seconds() if run.end_time else None
    took = f" in {seconds:.1f}s" if seconds is not None else ""
    state = run.result_state or run.life_cycle_state
    emit_message(f"Run {run.run_id} of {run.job_key} ({run.bundle}/{run.target}): {state}{took}")
    rows = []
    for key, task in run.final_tasks().items():
        duration = f"{task.duration_s:.1f}" if task.duration_s is not None else ""
        rows.append(
            [
                key,
                task.result_state or task.life_cycle_state,
                task.attempt_number,
                duration,
                task.state_message,
            ]
        )
    emit_table("tasks", ["task", "state", "attempt", "seconds", "message"], rows)
    if run.environment:
        emit_message("environment: " + "; ".join(run.environment))
    emit_message(f"logs: {runs_dir / str(run.run_id) / 'tasks'}")


@app.command("list")
def list_jobs(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Jobs deployed to this workspace by `lakeforge bundle deploy`."""
    from lakeforge.cli.render import emit_json, emit_table
    from lakeforge.jobs.deployment import deployed_jobs

    ws = open_workspace(ctx)
    rows = [
        {
            "bundle": record.bundle,
            "target": record.target,
            "key": job.key,
            "name": job.name,
            "deployed_at": record.deployed_at.isoformat(),
        }
        for record, job in deployed_jobs(ws.settings)
    ]
    if as_json:
        emit_json(rows)
        return
    columns = ["bundle", "target", "key", "name", "deployed_at"]
    emit_table("deployed jobs", columns, [[r[c] for c in columns] for r in rows])


@runs_app.command("list")
def list_runs(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Option("--job", help="Only runs of this job key.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent runs to show.", min=1)] = 25,
    as_json: JsonOption = False,
) -> None:
    """List job runs, newest first."""
    from lakeforge.cli.render import emit_json, emit_table
    from lakeforge.jobs.records import RunStore

    runs = RunStore(open_workspace(ctx).settings.runs_dir).runs(job, limit)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in runs])
        return
    rows = [
        [r.run_id, r.job_key, r.target, _when(r), r.result_state or r.life_cycle_state, r.trigger]
        for r in runs
    ]
    emit_table("job runs", ["run_id", "job", "target", "started", "state", "trigger"], rows)


@runs_app.command("get")
def get_run(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(help="Run id (see lakeforge jobs runs list).")],
    logs: Annotated[bool, typer.Option("--logs", help="Also print each task's last log.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show one run with its tasks; exit 1 when the run did not succeed."""
    from lakeforge.cli.render import emit_json
    from lakeforge.errors import JobRunError
    from lakeforge.jobs.records import RunStore

    runs_dir = open_workspace(ctx).settings.runs_dir
    run = RunStore(runs_dir).get(run_id)
    if as_json:
        emit_json(run.model_dump(mode="json"))
    else:
        show_run(run, runs_dir)
        if logs:
            for key, task in run.final_tasks().items():
                if task.log_path and Path(task.log_path).is_file():
                    typer.echo(f"--- {key} (attempt {task.attempt_number}) ---")
                    typer.echo(Path(task.log_path).read_text())
    if run.failed and run.life_cycle_state != "RUNNING":
        raise JobRunError(str(run.run_id), str(run.result_state), [run.state_message])


@app.command("scheduler")
def scheduler(
    ctx: typer.Context,
    bundle_dir: DirOption = Path(),
    target: TargetOption = None,
    var: VarOption = None,
    max_runs: Annotated[
        int | None, typer.Option(help="Stop after starting this many runs (default: run forever).")
    ] = None,
) -> None:
    """Run the bundle's unpaused job schedules until interrupted (Ctrl-C cancels runs)."""
    from lakeforge.cli.render import emit_message
    from lakeforge.jobs.scheduler import Scheduler

    bundle = load(ctx, bundle_dir, target, var)
    ws = open_workspace(ctx)
    scheduler = Scheduler(ws.settings, bundle, listener=progress_printer())
    for key, when in scheduler.next_fires().items():
        emit_message(f"{key}: next run at {when.isoformat() if when else 'never'}")
    finished = scheduler.run(max_runs=max_runs)
    emit_message(f"scheduler stopped after {len(finished)} run(s)")
