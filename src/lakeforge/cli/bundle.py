"""``lakeforge bundle``: validate, summary, deploy, destroy and run a bundle's jobs locally.

Every command that loads a bundle prints its notes (unknown keys, settings without local
effect) on stderr once, one line each; ``validate --json`` lists them under ``warnings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lakeforge.jobs.bundle import Bundle
    from lakeforge.jobs.bundle_notes import BundleNote
    from lakeforge.jobs.deploy import DeployResult, EndpointHooks
    from lakeforge.jobs.records import JobRun, TaskRun

app = typer.Typer(
    help="Bundles (databricks.yml): validate, summary, deploy, destroy, run jobs locally.",
    no_args_is_help=True,
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
AutoApproveOption = Annotated[
    bool, typer.Option("--auto-approve", help="Do not ask before deleting resources.")
]


def print_notes(notes: Iterable[BundleNote]) -> None:
    """Print bundle notes on stderr, one line each (``Warning:`` for unknown keys)."""
    for note in notes:
        prefix = "Warning" if note.kind == "unknown_field" else "Note"
        typer.echo(f"{prefix}: {note.line()}", err=True)


def load(ctx: typer.Context, bundle_dir: Path, target: str | None, var: list[str] | None) -> Bundle:
    """Load the bundle with --var flags and BUNDLE_VAR_* values."""
    from lakeforge.cli.context import state
    from lakeforge.jobs.bundle import find_root_file, load_bundle
    from lakeforge.jobs.variables import parse_flags
    from lakeforge.settings import bundle_variable_environment, resolve_settings

    root = find_root_file(bundle_dir)
    flags = parse_flags(list(var or []), str(root))
    user = resolve_settings(state(ctx).workspace).user
    bundle = load_bundle(
        root, target=target, variables=flags, environment=bundle_variable_environment(), user=user
    )
    print_notes(bundle.notes)
    return bundle


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
        "resources": {
            kind: sorted(items)
            for kind in type(bundle.resources).model_fields
            if kind != "jobs" and (items := getattr(bundle.resources, kind))
        },
        "warnings": [note.as_dict() for note in bundle.notes],
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
    """Show the bundle's resolved variables, jobs and resources, and its last deployment."""
    from lakeforge.cli.context import state
    from lakeforge.cli.render import emit_json, emit_mapping, emit_message, emit_table
    from lakeforge.jobs.deploy import summary as deployment_summary
    from lakeforge.jobs.deployment import DeploymentStore
    from lakeforge.settings import resolve_settings

    bundle = load(ctx, bundle_dir, target, var)
    data = summary(bundle)
    settings = resolve_settings(state(ctx).workspace)  # reading a record creates no workspace
    record = DeploymentStore(settings).get(bundle.name, bundle.target)
    data["deployment"] = deployment_summary(record) if record is not None else None
    if as_json:
        emit_json(data)
        return
    shown = {k: v for k, v in data.items() if k not in ("warnings", "deployment")}
    emit_mapping(f"bundle {data['bundle']} (target {data['target']})", shown, False)
    if record is None:
        emit_message(f"not deployed (run: lakeforge bundle deploy -t {bundle.target})")
        return
    rows = [[r.kind, r.key, r.name, r.id, r.outcome] for r in record.resources]
    title = f"deployed {record.deployed_at:%Y-%m-%d %H:%M:%S} by {record.user}"
    emit_table(title, ["kind", "key", "name", "id", "last deploy"], rows)


def endpoint_hooks() -> EndpointHooks:
    """Serving's create-or-update and delete, for bundle deploy and destroy."""
    from lakeforge.jobs.deploy import EndpointHooks
    from lakeforge.serving.control import delete_endpoint, deploy_endpoint
    from lakeforge.tables.workspace import Workspace

    def deploy(ws: Workspace, body: dict[str, Any]) -> tuple[str, str]:
        record, outcome = deploy_endpoint(ws, body, ws.settings.user)
        return record.endpoint_id, outcome

    return EndpointHooks(deploy=deploy, delete=delete_endpoint)


def _show_result(result: DeployResult, verb: str, as_json: bool) -> None:
    from lakeforge.cli.render import emit_json

    if as_json:
        emit_json(
            {
                "record": str(result.path),
                "resources": [
                    r.model_dump(mode="json", exclude={"definition"}) for r in result.resources
                ],
                "warnings": [note.as_dict() for note in result.notes],
            }
        )
        return
    for resource in result.resources:
        typer.echo(resource.line())  # plain text: names like "[dev me] x" are not markup
    typer.echo(f"{verb}: {len(result.resources)} resource(s); record: {result.path}")


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    bundle_dir: DirOption = Path(),
    target: TargetOption = None,
    var: VarOption = None,
    auto_approve: AutoApproveOption = False,
    as_json: JsonOption = False,
) -> None:
    """Validate, then create or update the bundle's schemas, volumes, experiments, models,
    jobs and serving endpoints in the workspace (idempotent; recorded for summary/destroy)."""
    from lakeforge.jobs.deploy import deploy_bundle

    del auto_approve  # accepted as in the reference CLI; deploy never asks
    bundle = load(ctx, bundle_dir, target, var)
    ws = open_workspace(ctx)
    result = deploy_bundle(ws, bundle, endpoints=endpoint_hooks())
    print_notes(n for n in result.notes if n.kind == "not_deployed")
    _show_result(result, f"deployed {bundle.name} to target {bundle.target}", as_json)


@app.command("destroy")
def destroy(
    ctx: typer.Context,
    bundle_dir: DirOption = Path(),
    target: TargetOption = None,
    var: VarOption = None,
    auto_approve: AutoApproveOption = False,
    as_json: JsonOption = False,
) -> None:
    """Remove what `bundle deploy` created for the target (and only that)."""
    import sys

    from lakeforge.cli.context import state
    from lakeforge.cli.render import emit_json, emit_message
    from lakeforge.errors import ValidationError
    from lakeforge.jobs.deploy import destroy_bundle
    from lakeforge.jobs.deployment import DeploymentStore
    from lakeforge.settings import resolve_settings

    bundle = load(ctx, bundle_dir, target, var)
    settings = resolve_settings(state(ctx).workspace)
    if DeploymentStore(settings).get(bundle.name, bundle.target) is None:  # nothing to ask
        if as_json:
            emit_json({"record": None, "resources": [], "warnings": []})
        else:
            emit_message(f"nothing deployed for {bundle.name} target {bundle.target}")
        return
    if not auto_approve:
        if not sys.stdin.isatty():
            raise ValidationError(
                f"bundle destroy deletes what target {bundle.target!r} deployed and needs a yes",
                "pass --auto-approve (or run it in a terminal to be asked)",
            )
        typer.confirm(
            f"Destroy everything {bundle.name!r} deployed to {bundle.target!r}?", abort=True
        )
    ws = open_workspace(ctx)
    result = destroy_bundle(ws, bundle.name, bundle.target, endpoints=endpoint_hooks())
    _show_result(result, f"destroyed {bundle.name} target {bundle.target}", as_json)


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
