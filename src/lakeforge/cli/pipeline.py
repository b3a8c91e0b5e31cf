"""``lakeforge pipeline run``: a manifest's feature, training and inference stages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.pipeline.run import PipelineResult

app = typer.Typer(help="Manifest-driven ML pipelines (ml-manifest.yaml).", no_args_is_help=True)


def summary_rows(result: PipelineResult) -> list[list[Any]]:
    """One row per model: stage outcomes, metrics, version, alias, predictions."""
    rows = []
    for outcome in result.models.values():
        train, score = outcome.train, outcome.score
        metrics = ", ".join(
            f"{k}={v:.3g}" for k, v in sorted((train.metrics if train else {}).items())
        )
        rows.append(
            [
                outcome.name,
                "FAILED" if outcome.failed else "OK",
                metrics,
                f"v{train.version}" if train and train.version else "",
                "champion" if train and train.champion else "",
                score.written if score else "",
                "; ".join(f"{k}: {v}" for k, v in outcome.errors.items()),
            ]
        )
    return rows


def _as_dict(result: PipelineResult) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(result)
    data["failures"] = result.failures()
    return data


def show(result: PipelineResult) -> None:
    """Print the run's feature tables and the per-model summary."""
    from lakeforge.cli.render import emit_message, emit_table

    seconds = (result.ended - result.started).total_seconds() if result.ended else 0.0
    emit_message(
        f"Pipeline {result.manifest} run {result.run_id}: {result.state} in {seconds:.1f}s"
    )
    if result.features:
        emit_table(
            "feature tables",
            ["table", "rows", "version", "NaN/Inf replaced"],
            [[f.name, f.rows, f.version, sum(f.replaced.values())] for f in result.features],
        )
    columns = ["model", "status", "metrics", "version", "alias", "predictions", "errors"]
    emit_table("models", columns, summary_rows(result))


def progress_bar() -> tuple[Any, Any]:
    """A Rich progress display and the callback feeding it."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    display = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=False
    )
    tasks: dict[tuple[str, str], Any] = {}

    def update(stage: str, subject: str, event: str) -> None:
        key = (stage, subject)
        if event == "started":
            tasks[key] = display.add_task(f"{stage}: {subject}", total=1)
            return
        mark = "[green]done[/]" if event == "done" else "[red]failed[/]"
        display.update(tasks[key], completed=1, description=f"{stage}: {subject} {mark}")

    return display, update


@app.command("run")
def run(
    ctx: typer.Context,
    manifest: Annotated[Path, typer.Argument(help="The ml-manifest.yaml file.")],
    stage: Annotated[
        list[str] | None,
        typer.Option("--stage", help="features, train and/or inference (default: all three)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Build feature tables, train and register models, score them; exit 0 on SUCCESS,
    9 on PARTIAL_FAILURE, 1 on FAILED."""
    from lakeforge.cli.render import emit_json
    from lakeforge.errors import JobRunError
    from lakeforge.pipeline.manifest import load_manifest
    from lakeforge.pipeline.run import STAGES, run_pipeline

    spec = load_manifest(manifest)
    ws = open_workspace(ctx)
    stages = tuple(stage or STAGES)
    if as_json:
        result = run_pipeline(ws, spec, stages)  # type: ignore[arg-type]
        emit_json(_as_dict(result))
    else:
        display, update = progress_bar()
        with display:
            result = run_pipeline(ws, spec, stages, progress=update)  # type: ignore[arg-type]
        show(result)
    if result.state != "SUCCESS":
        raise JobRunError(result.run_id, result.state, result.failures())
