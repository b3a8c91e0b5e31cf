"""``lakeforge schemas``: list, create, describe, drop."""

from __future__ import annotations

from typing import Annotated

import typer

from lakeforge.cli.context import JsonOption, open_workspace

app = typer.Typer(help="Schemas inside catalogs.", no_args_is_help=True)

_COLUMNS = ["catalog", "name", "comment", "owner", "tags"]


@app.command("list")
def list_(
    ctx: typer.Context,
    catalog: Annotated[str | None, typer.Argument(help="Catalog (default: current).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the schemas of a catalog."""
    from lakeforge.cli.render import emit_records

    ws = open_workspace(ctx)
    emit_records(
        "schemas", ws.schemas.list(catalog or ws.settings.current_catalog), _COLUMNS, as_json
    )


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="catalog.schema or schema.")],
    comment: Annotated[str | None, typer.Option(help="Description.")] = None,
    if_not_exists: Annotated[bool, typer.Option("--if-not-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a schema."""
    from lakeforge.cli.render import emit_mapping
    from lakeforge.names import parse_schema_name

    ws = open_workspace(ctx)
    catalog, schema = parse_schema_name(name, current_catalog=ws.settings.current_catalog)
    info = ws.schemas.create(
        catalog, schema, comment=comment, owner=ws.settings.user, if_not_exists=if_not_exists
    )
    emit_mapping(
        f"schema {info.full_name}", {"name": info.full_name, "comment": info.comment}, as_json
    )


@app.command("describe")
def describe(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Show a schema and its tables."""
    from lakeforge.cli.render import emit_mapping, plain
    from lakeforge.names import parse_schema_name

    ws = open_workspace(ctx)
    catalog, schema = parse_schema_name(name, current_catalog=ws.settings.current_catalog)
    info = plain(ws.schemas.get(catalog, schema))
    info["tables"] = [t.name.name for t in ws.tables.list(f"{catalog}.{schema}")]
    emit_mapping(f"schema {catalog}.{schema}", info, as_json)


@app.command("drop")
def drop(
    ctx: typer.Context,
    name: str,
    cascade: Annotated[bool, typer.Option("--cascade", help="Also drop its tables.")] = False,
    if_exists: Annotated[bool, typer.Option("--if-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Drop a schema (refused when not empty unless --cascade)."""
    from lakeforge.cli.render import emit_json, emit_message

    ws = open_workspace(ctx)
    dropped = ws.drop_schema(name, cascade=cascade, if_exists=if_exists)
    if as_json:
        emit_json({"dropped": dropped})
    else:
        emit_message(f"dropped schema {name}" if dropped else f"schema {name} did not exist")
