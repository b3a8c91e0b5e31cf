"""The ``lakeforge`` command. Commands are thin: parse, call one library function, render.

Library modules are imported inside commands so ``lakeforge --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lakeforge.cli import (
    bundle,
    catalogs,
    jobs,
    models,
    pipeline,
    schemas,
    secrets,
    serving,
    sql,
    tables,
    ui,
    volumes,
)
from lakeforge.cli.context import CliState, JsonOption

app = typer.Typer(
    name="lakeforge",
    help="The lakehouse ML lifecycle on one machine: catalog, Delta tables, SQL and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(catalogs.app, name="catalogs")
app.add_typer(schemas.app, name="schemas")
app.add_typer(tables.app, name="tables")
app.add_typer(volumes.app, name="volumes")
app.add_typer(secrets.app, name="secrets")
app.add_typer(models.app, name="models")
app.add_typer(bundle.app, name="bundle")
app.add_typer(jobs.app, name="jobs")
app.add_typer(pipeline.app, name="pipeline")
app.add_typer(serving.endpoints_app, name="endpoints")
app.add_typer(serving.tokens_app, name="tokens")
app.command("serve")(serving.serve)
app.command("sql")(sql.sql)
app.command("ui")(ui.ui)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace directory (default: $LAKEFORGE_HOME or ./.lakeforge).",
        ),
    ] = None,
) -> None:
    """lakeforge: feature tables, training sets, registry, scoring and serving on a lakehouse."""
    ctx.obj = CliState(workspace=workspace)


def _scaffold(template: str, path: Path, as_json: bool) -> None:
    from lakeforge.cli.render import emit_json, emit_message
    from lakeforge.jobs.scaffold import scaffold

    files = scaffold(template, path)
    if as_json:
        emit_json({"project": str(path.resolve()), "files": [str(f) for f in files]})
        return
    emit_message(f"Created a {template} project in [bold]{path}[/] ({len(files)} files). Next:")
    emit_message(f"  cd {path} && python -m pytest && lakeforge init .lakeforge")
    emit_message("  lakeforge bundle run features && lakeforge bundle run training")


@app.command("init")
def init(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="Workspace directory to create.")] = None,
    template: Annotated[
        str | None,
        typer.Option(help="Scaffold a project from a template instead (e.g. pipeline) in PATH."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace (idempotent), or with --template a project skeleton in PATH."""
    from lakeforge.cli.context import state
    from lakeforge.cli.render import emit_json, emit_message
    from lakeforge.tables.workspace import init_workspace

    if template is not None:
        _scaffold(template, path or Path(), as_json)
        return
    ws = init_workspace(path or state(ctx).workspace)
    summary = {
        "workspace": str(ws.settings.workspace),
        "metadata_url": ws.settings.metadata_url,
        "warehouse": str(ws.settings.warehouse),
        "current": f"{ws.settings.current_catalog}.{ws.settings.current_schema}",
        "metadata_schema_version": ws.metadata.version,
    }
    if as_json:
        emit_json(summary)
    else:
        emit_message(f"Workspace ready at [bold]{summary['workspace']}[/]")
        emit_message(f"  current schema: {summary['current']}; tables in {summary['warehouse']}")


def main() -> None:
    """Console entry point: maps lakeforge errors to messages and exit codes."""
    from lakeforge.errors import LakeforgeError

    try:
        app()
    except LakeforgeError as exc:
        from lakeforge.cli.exit_codes import exit_code
        from lakeforge.cli.render import emit_error

        emit_error(type(exc).__name__, str(exc), "--json" in sys.argv)
        sys.exit(exit_code(exc))


if __name__ == "__main__":  # pragma: no cover
    main()
