"""``lakeforge models``: list, versions, describe, alias set/delete, promote."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.models.registered_model import ModelVersionInfo, RegisteredModelInfo
    from lakeforge.models.registry import Registry

app = typer.Typer(
    help="Registered models (catalog.schema.model): versions, aliases, promotion.",
    no_args_is_help=True,
)
alias_app = typer.Typer(
    help="Aliases such as champion, pointing at one version.", no_args_is_help=True
)
app.add_typer(alias_app, name="alias")

_MODEL_COLUMNS = ["name", "latest_version", "aliases", "tags", "description"]
_VERSION_COLUMNS = ["version", "status", "aliases", "tags", "run_id", "source"]

NameArgument = Annotated[str, typer.Argument(help="catalog.schema.model (or a shorter name).")]


def _registry(ctx: typer.Context) -> Registry:
    from lakeforge.models.registry import Registry

    return Registry(open_workspace(ctx))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


def _version_dict(info: ModelVersionInfo) -> dict[str, Any]:
    from lakeforge.cli.render import plain

    data: dict[str, Any] = plain(info)
    data["uri"] = info.uri
    data["created_at"], data["updated_at"] = _iso(info.created_at), _iso(info.updated_at)
    return data


def _model_dict(info: RegisteredModelInfo) -> dict[str, Any]:
    from lakeforge.cli.render import plain

    data: dict[str, Any] = plain(info)
    data["created_at"], data["updated_at"] = _iso(info.created_at), _iso(info.updated_at)
    data["versions"] = [_version_dict(v) for v in info.versions]
    return data


@app.command("list")
def list_(
    ctx: typer.Context,
    schema: Annotated[
        str | None,
        typer.Argument(help="CATALOG.SCHEMA or SCHEMA of the current catalog (default: all)."),
    ] = None,
    catalog: Annotated[
        str | None, typer.Option("--catalog", help="Every schema of this catalog.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List registered models with their latest version and aliases."""
    from lakeforge.cli.render import emit_records
    from lakeforge.names import parse_schema_name

    registry = _registry(ctx)
    if schema is not None:
        current = catalog or registry.settings.current_catalog
        catalog, schema = parse_schema_name(schema, current_catalog=current)
    models = registry.list_models(catalog, schema)
    emit_records("registered models", models, _MODEL_COLUMNS, as_json)


@app.command("versions")
def versions(ctx: typer.Context, name: NameArgument, as_json: JsonOption = False) -> None:
    """List the versions of a model (oldest first)."""
    from lakeforge.cli.render import emit_json, emit_records

    found = _registry(ctx).list_versions(name)
    if as_json:
        emit_json([_version_dict(v) for v in found])
    else:
        emit_records(f"versions of {name}", found, _VERSION_COLUMNS, as_json)


@app.command("describe")
def describe(ctx: typer.Context, name: NameArgument, as_json: JsonOption = False) -> None:
    """Show a model's aliases, tags, latest version and versions."""
    from lakeforge.cli.render import emit_json, emit_mapping, emit_records

    info = _registry(ctx).describe_model(name)
    data = _model_dict(info)
    if as_json:
        emit_json(data)
        return
    data.pop("versions")
    emit_mapping(f"model {info.name}", data, as_json)
    emit_records(f"versions of {info.name}", info.versions, _VERSION_COLUMNS, as_json)


@alias_app.command("set")
def alias_set(
    ctx: typer.Context,
    name: NameArgument,
    alias: Annotated[str, typer.Argument(help="Alias, e.g. champion (case-sensitive).")],
    version: Annotated[str, typer.Argument(help="Version number the alias points at.")],
    as_json: JsonOption = False,
) -> None:
    """Point an alias at a version (moving it if it pointed elsewhere)."""
    from lakeforge.cli.render import emit_json, emit_message

    change = _registry(ctx).set_alias(name, alias, version)
    if as_json:
        emit_json(change)
        return
    moved = "" if change.previous_version is None else f" (was {change.previous_version})"
    emit_message(f"{change.name}@{change.alias} -> version {change.version}{moved}")


@alias_app.command("delete")
def alias_delete(
    ctx: typer.Context,
    name: NameArgument,
    alias: Annotated[str, typer.Argument(help="Alias to remove.")],
    as_json: JsonOption = False,
) -> None:
    """Remove an alias (the version stays)."""
    from lakeforge.cli.render import emit_json, emit_message
    from lakeforge.names import parse_name

    registry = _registry(ctx)
    version = registry.delete_alias(name, alias)
    settings = registry.settings
    full = parse_name(
        name, current_catalog=settings.current_catalog, current_schema=settings.current_schema
    ).full
    if as_json:
        emit_json({"name": full, "alias": alias, "version": version})
    else:
        emit_message(f"removed {full}@{alias} (it pointed at version {version})")


@app.command("promote")
def promote(
    ctx: typer.Context,
    src_uri: Annotated[
        str, typer.Argument(help="models:/catalog.schema.model/<version> or ...@<alias>.")
    ],
    dst_name: Annotated[str, typer.Argument(help="Target catalog.schema.model.")],
    as_json: JsonOption = False,
) -> None:
    """Copy a version to another model (promote from dev to prod)."""
    from lakeforge.cli.render import emit_json, emit_message

    copied = _registry(ctx).copy_model_version(src_uri, dst_name)
    if as_json:
        emit_json(_version_dict(copied))
    else:
        emit_message(f"copied {src_uri} -> {copied.uri} ({copied.status})")
