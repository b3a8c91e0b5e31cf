"""``lakeforge catalogs``: list, create, describe, drop."""

from __future__ import annotations

from typing import Annotated

import typer

from lakeforge.cli.context import JsonOption, open_workspace

app = typer.Typer(help="Catalogs (top level of catalog.schema.name).", no_args_is_help=True)

_COLUMNS = ["name", "comment", "owner", "tags"]


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List catalogs."""
    from lakeforge.cli.render import emit_records

    emit_records("catalogs", open_workspace(ctx).catalogs.list(), _COLUMNS, as_json)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Catalog name.")],
    comment: Annotated[str | None, typer.Option(help="Description.")] = None,
    if_not_exists: Annotated[bool, typer.Option("--if-not-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a catalog (with a `default` schema)."""
    from lakeforge.cli.render import emit_mapping

    ws = open_workspace(ctx)
    info = ws.catalogs.create(
        name, comment=comment, owner=ws.settings.user, if_not_exists=if_not_exists
    )
    emit_mapping(f"catalog {info.name}", {"name": info.name, "comment": info.comment}, as_json)


@app.command("describe")
def describe(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Show a catalog and what it holds."""
    from lakeforge.cli.render import emit_mapping, plain

    ws = open_workspace(ctx)
    info = plain(ws.catalogs.get(name))
    info["schemas"] = [s.name for s in ws.schemas.list(name)]
    emit_mapping(f"catalog {name}", info, as_json)


@app.command("drop")
def drop(
    ctx: typer.Context,
    name: str,
    cascade: Annotated[
        bool, typer.Option("--cascade", help="Also drop everything inside.")
    ] = False,
    if_exists: Annotated[bool, typer.Option("--if-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Drop a catalog (refused when not empty unless --cascade)."""
    from lakeforge.cli.render import emit_json, emit_message

    ws = open_workspace(ctx)
    dropped = ws.drop_catalog(name, cascade=cascade, if_exists=if_exists)
    if as_json:
        emit_json({"dropped": dropped})
    else:
        emit_message(f"dropped catalog {name}" if dropped else f"catalog {name} did not exist")
