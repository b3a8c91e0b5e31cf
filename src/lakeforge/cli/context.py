"""State shared by CLI commands: the workspace option and common option types."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@dataclass(frozen=True, slots=True)
class CliState:
    """Options given before the command."""

    workspace: Path | None = None


def state(ctx: typer.Context) -> CliState:
    """The root command's state (defaults when a subcommand is invoked directly)."""
    root = ctx.find_root()
    obj = root.obj
    return obj if isinstance(obj, CliState) else CliState()


def open_workspace(ctx: typer.Context) -> Workspace:
    """Open the workspace chosen by --workspace, LAKEFORGE_HOME or ./.lakeforge."""
    from lakeforge.tables.workspace import Workspace

    return Workspace.open(state(ctx).workspace)
