"""``lakeforge ui``: the MLflow UI on the workspace's tracking store."""

from __future__ import annotations

import subprocess
from typing import Annotated

import typer

from lakeforge.cli.context import open_workspace


def ui(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
) -> None:
    """Start the MLflow UI for this workspace's runs and models (Ctrl-C stops it)."""
    from lakeforge.cli.render import emit_message
    from lakeforge.models.tracking import ui_command

    settings = open_workspace(ctx).settings
    if host not in {"127.0.0.1", "localhost", "::1"}:
        emit_message(f"[yellow]warning[/]: the MLflow UI has no authentication; {host} exposes it")
    emit_message(f"MLflow UI for {settings.tracking_uri} on http://{host}:{port}")
    try:
        code = subprocess.call(ui_command(settings, host, port))
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
