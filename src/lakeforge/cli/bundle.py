"""``lakeforge bundle``: validate a bundle, summarize it, run one of its jobs locally."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.jobs.bundle import Bundle
    from lakeforge.jobs.records import JobRun, TaskRun

app = typer.Typer(
    help="Bundles (databricks.yml): validate, summary, run jobs locally.", no_args_is_help=True
)

TargetOption = Annotated[
    str | None, typer.Option("--target", "-t", help="Target (default: the default target).")
]
VarOption = Annotated[
    list[str] | None,
    typer.Option("--var", help="Set a bundle variable: --var name=value (repeatable)."),
]
DirOption = Annotated[
    Path,
    typer.Option(
        "--bundle-dir", "-b", help="Directory (or file) of the bundle.", show_default=False
    ),
]


def load(ctx: typer.Context, bundle_dir: Path, target: str | None, var: list[str] | None) -> Bundle:
    """Load the bundle with --var flags and BUNDLE_VAR_* values."""
    from lakeforge.cli.context import state
    from lakeforge.jobs.bundle import find_root_file, load_bundle
    from lakeforge.jobs.variables import parse_flags
    from lakeforge.settings import bundle_variable_environment, resolve_settings

    root = find_root_file(bundle_dir)
    flags = parse_flags(list(var or []), str(root))
    user = resolve_settings(state(ctx).workspace).user
    return load_bundle(
        root, target=target, variables=flags, environment=bundle_variable_environment(), user=user
    )


def summary(bundle: Bundle) -> dict[str, Any]:
    """What a bundle holds for its target, as plain data."""
    jobs = {}
    for key, job in bundle.jobs.items():
        schedule = job.schedule
        jobs[key] = {
            "name": job.name or key,
            "tasks": [t.task_key for t in job.tasks],
            "parameters": {p.name: p.default for p in job.parameters},
            "schedule": (
                f"{schedule.quartz_cron_expression} {schedule.timezone_id} {schedule.pause_status}"
                if schedule
                else None
            ),
            "max_concurrent_runs": job.max_concurrent_runs,
        }
    return {
        "bundle": bundle.name,
        "target": bundle.target,
        "mode": bundle.mode,
        "root": str(bundle.root),
        "files": [str(f) for f in bundle.files],
        "variables": dict(bundle.variables),
        "jobs": jobs,
    }


@app.command("validate")
def validate(
    ctx: typer.Context,
    bundle_dir: DirOption = Path(),
    target: TargetOption = None,
    var: VarOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the bundle for a target: YAML, references, variables, jobs, schedules."""
    from lakeforge.cli.render import emit_json, emit_message, emit_table

    bundle = load(ctx, bundle_dir, target, var)
    data = summary(bundle)
    if as_json:
        emit_json(data)
        return
    emit_message(
        f"Bundle {bundle.name!r} is valid for target {bundle.target!r} "
        f"({len(bundle.files)} file(s))."
    )
    rows = [[k, j["name"], len(j["tasks"]), j["schedule"] or ""] for k, j in data["jobs"].items()]
    emit_table("jobs", ["job", "name", "tasks", "schedule"], rows)


@app.command("summary")
def summary_command(
    ctx: typer.Context,
    bundle_dir: DirOption = Path(),
    target: TargetOption = None,
    var: VarOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the bundle's resolved variables and jobs."""
    from lakeforge.cli.render import emit_json, emit_mapping

    data = summary(load(ctx, bundle_dir, target, var))
    if as_json:
        emit_json(data)
        return
    emit_mapping(f"bundle {data['bundle']} (target {data['target']})", data, False)


def progress_printer() -> Any:
    """A run listener printing task state changes with Rich."""
    from rich.console import Console

    console = Console(stderr=True)
    colors = {"SUCCESS": "green", "FAILED": "red", "TIMEDOUT": "red", "CANCELED": "yellow"}

    def show(run: JobRun, task: TaskRun) -> None:
        state = task.result_state or task.life_cycle_state
        color = colors.get(state, "cyan")
        attempt = f" (attempt {task.attempt_number})" if task.attempt_number else ""
        detail = f" - {task.state_message}" if task.state_message and task.result_state else ""
        console.print(
            f"run {run.run_id} [bold]{task.task_key}[/]{attempt}: [{color}]{state}[/]{detail}"
        )

    return show


@app.command("run")
def run(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(help="Job key under resources.jobs.")],
    bundle_dir: DirOption = Path(),
    target: TargetOption = None,
    var: VarOption = None,
    params: Annotated[
        list[str] | None,
        typer.Option("--params", help="Job parameter: --params name=value (repeatable)."),
    ] = None,
    max_parallel: Annotated[int, typer.Option(help="Tasks running at once.", min=1)] = 4,
    strict_environment: Annotated[
        bool, typer.Option(help="Fail tasks whose environment dependencies differ in major.minor.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a job locally: its task DAG, each task in its own process; exit 1 if it fails."""
    from lakeforge.cli.render import emit_json
    from lakeforge.errors import JobRunError
    from lakeforge.jobs.runner import RunOptions, run_job
    from lakeforge.jobs.variables import parse_flags

    bundle = load(ctx, bundle_dir, target, var)
    ws = open_workspace(ctx)
    values = parse_flags(list(params or []), str(bundle.files[0]))
    options = RunOptions(max_parallel=max_parallel, strict_environment=strict_environment)
    record = run_job(
        ws.settings, bundle, job, values, options, None if as_json else progress_printer()
    )
    if as_json:
        emit_json(record.model_dump(mode="json"))
    else:
        from lakeforge.cli.jobs import show_run

        show_run(record, ws.settings.runs_dir)
    if record.failed:
        reasons = [
            f"{k}: {t.result_state} {t.state_message}".strip()
            for k, t in record.final_tasks().items()
            if t.result_state not in {"SUCCESS", "EXCLUDED", "DISABLED"}
        ]
        raise JobRunError(
            str(record.run_id), str(record.result_state), reasons or [record.state_message]
        )
