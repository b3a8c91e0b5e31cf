"""``lakeforge volumes``: create, list, describe, drop (managed volumes in the workspace)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.catalog.records import VolumeInfo
    from lakeforge.tables.volume_store import VolumeStore

app = typer.Typer(
    help="Volumes: folders of files at /Volumes/<catalog>/<schema>/<volume>/.",
    no_args_is_help=True,
)

_COLUMNS = ["full_name", "path", "comment", "owner"]


def _store(ctx: typer.Context) -> VolumeStore:
    return open_workspace(ctx).volumes


def _record(store: VolumeStore, info: VolumeInfo) -> dict[str, Any]:
    from lakeforge.cli.render import plain

    return {
        "full_name": info.full_name,
        "path": info.path,
        **plain(info),
        "storage_location": str(store.path(info)),
    }


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="catalog.schema.volume (or schema.volume).")],
    comment: Annotated[str | None, typer.Option(help="Description.")] = None,
    if_not_exists: Annotated[bool, typer.Option("--if-not-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a managed volume."""
    from lakeforge.cli.render import emit_mapping

    store = _store(ctx)
    info = store.create(name, comment=comment, if_not_exists=if_not_exists)
    emit_mapping(f"volume {info.full_name}", _record(store, info), as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    schema: Annotated[str | None, typer.Argument(help="catalog.schema (default: current).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the volumes of a schema."""
    from lakeforge.cli.render import emit_json, emit_table

    store = _store(ctx)
    records = [_record(store, v) for v in store.list(schema)]
    if as_json:
        emit_json(records)
        return
    emit_table("volumes", _COLUMNS, [[r[c] for c in _COLUMNS] for r in records])


@app.command("describe")
def describe(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Show a volume: its path, local folder, owner and comment."""
    from lakeforge.cli.render import emit_mapping

    store = _store(ctx)
    info = store.get(name)
    emit_mapping(f"volume {info.full_name}", _record(store, info), as_json)


@app.command("drop")
def drop(
    ctx: typer.Context,
    name: str,
    if_exists: Annotated[bool, typer.Option("--if-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Drop a volume and delete its files."""
    from lakeforge.cli.render import emit_json, emit_message

    dropped = _store(ctx).drop(name, if_exists=if_exists)
    if as_json:
        emit_json({"dropped": dropped})
    else:
        emit_message(f"dropped volume {name}" if dropped else f"volume {name} did not exist")
