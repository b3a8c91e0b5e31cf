"""``lakeforge serve``, ``lakeforge endpoints ...`` and ``lakeforge tokens ...``.

``endpoints`` commands write the workspace catalog directly (no server needed); a running
``lakeforge serve`` deploys what they accept within its poll interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.catalog.endpoint_repo import EndpointRecord
    from lakeforge.catalog.token_repo import TokenRecord

endpoints_app = typer.Typer(
    help="Serving endpoints: create, deploy, list, get, update, delete, grant.",
    no_args_is_help=True,
)
tokens_app = typer.Typer(
    help="Bearer tokens for `lakeforge serve` (stored hashed).", no_args_is_help=True
)

FileArgument = Annotated[
    Path, typer.Argument(help="YAML or JSON file: the create body ({name, config, ...}).")
]
EndpointArgument = Annotated[str, typer.Argument(help="Endpoint name.")]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    auth: Annotated[
        bool | None,
        typer.Option(
            "--auth/--no-auth",
            help="Require bearer tokens (default: on unless HOST is a loopback address).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Scoring threads.")] = 4,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between checks for endpoint changes and alias moves.")
    ] = 1.0,
    max_body_mb: Annotated[float, typer.Option(help="Largest invocation body, in MiB.")] = 16.0,
) -> None:
    """Serve every endpoint of the workspace over HTTP (Databricks serving REST paths)."""
    from lakeforge.cli.render import emit_message
    from lakeforge.serving.app import serve as run
    from lakeforge.serving.server_state import ServerOptions, is_loopback

    ws = open_workspace(ctx)
    options = ServerOptions(
        workers=workers, poll_interval=poll_interval, max_body_bytes=int(max_body_mb * 1024**2)
    )
    on = auth if auth is not None else not is_loopback(host)
    emit_message(
        f"lakeforge serving {ws.settings.workspace} on http://{host}:{port} "
        f"(auth {'on' if on else 'off'})"
    )
    run(ws, host=host, port=port, auth=on, options=options)


def _read_file(path: Path) -> Any:
    from lakeforge.yaml_file import read_mapping

    return read_mapping(path)


def _show(record: EndpointRecord, as_json: bool) -> None:
    from lakeforge.cli.render import emit_json, emit_mapping
    from lakeforge.serving.control import render

    view = render(record)
    if as_json:
        emit_json(view)
        return
    config = view.get("config") or view.get("pending_config") or {}
    summary = {
        "name": view["name"],
        "ready": view["state"]["ready"],
        "config_update": view["state"]["config_update"],
        "served_entities": ", ".join(
            f"{e['name']} ({e['entity_name']} {e['entity_version']}"
            f"{' -> v' + e['resolved_version'] if 'resolved_version' in e else ''})"
            for e in config.get("served_entities", [])
        ),
        "routes": ", ".join(
            f"{r['served_entity_name']} {r['traffic_percentage']}%"
            for r in config.get("traffic_config", {}).get("routes", [])
        ),
        "message": view["state"].get("message", ""),
    }
    emit_mapping(f"endpoint {record.name}", summary, False)


@endpoints_app.command("create")
def create(ctx: typer.Context, file: FileArgument, as_json: JsonOption = False) -> None:
    """Create an endpoint from a file (the REST create body)."""
    from lakeforge.serving.control import create_endpoint

    ws = open_workspace(ctx)
    _show(create_endpoint(ws, _read_file(file), ws.settings.user), as_json)


@endpoints_app.command("deploy")
def deploy(ctx: typer.Context, file: FileArgument, as_json: JsonOption = False) -> None:
    """Create the endpoint, or update its config if it changed (idempotent)."""
    from lakeforge.cli.render import emit_message
    from lakeforge.serving.control import deploy_endpoint

    ws = open_workspace(ctx)
    record, outcome = deploy_endpoint(ws, _read_file(file), ws.settings.user)
    if not as_json:
        emit_message(f"endpoint {record.name}: {outcome}")
    _show(record, as_json)


@endpoints_app.command("update")
def update(
    ctx: typer.Context, name: EndpointArgument, file: FileArgument, as_json: JsonOption = False
) -> None:
    """Replace an endpoint's config (file: the config, or a create body holding one)."""
    from lakeforge.serving.control import update_config

    body = _read_file(file)
    config = body.get("config", body) if isinstance(body, dict) else body
    _show(update_config(open_workspace(ctx), name, config), as_json)


@endpoints_app.command("get")
def get(ctx: typer.Context, name: EndpointArgument, as_json: JsonOption = False) -> None:
    """Show an endpoint: state, served entities, routes."""
    _show(open_workspace(ctx).metadata.endpoints.get(name), as_json)


@endpoints_app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List endpoints."""
    from lakeforge.cli.render import emit_records

    records = open_workspace(ctx).metadata.endpoints.list()
    rows = [
        {
            "name": r.name,
            "ready": r.state.get("ready", ""),
            "config_update": r.state.get("config_update", ""),
            "config_version": r.config_version,
            "creator": r.creator,
        }
        for r in records
    ]
    emit_records(
        "endpoints", rows, ["name", "ready", "config_update", "config_version", "creator"], as_json
    )


@endpoints_app.command("delete")
def delete(ctx: typer.Context, name: EndpointArgument, as_json: JsonOption = False) -> None:
    """Delete an endpoint."""
    from lakeforge.cli.render import emit_json, emit_message
    from lakeforge.serving.control import delete_endpoint

    delete_endpoint(open_workspace(ctx), name)
    if as_json:
        emit_json({"deleted": name})
    else:
        emit_message(f"deleted endpoint {name}")


@endpoints_app.command("grant")
def grant(
    ctx: typer.Context,
    name: EndpointArgument,
    principal: Annotated[str, typer.Argument(help="User the level is granted to.")],
    level: Annotated[str, typer.Argument(help="CAN_VIEW, CAN_QUERY or CAN_MANAGE.")],
    as_json: JsonOption = False,
) -> None:
    """Grant a permission level on an endpoint."""
    from lakeforge.cli.render import emit_mapping
    from lakeforge.serving.control import set_permissions

    ws = open_workspace(ctx)
    record = ws.metadata.endpoints.get(name)
    acl = set_permissions(
        ws, record.endpoint_id, [{"user_name": principal, "permission_level": level}], replace=False
    )
    emit_mapping(f"permissions on {name}", acl, as_json)


def _token_row(record: TokenRecord) -> dict[str, Any]:
    from datetime import UTC, datetime

    def iso(ms: int | None) -> str:
        return "" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()

    return {
        "token_id": record.token_id,
        "principal": record.principal,
        "admin": record.admin,
        "created_at": iso(record.created_at),
        "expires_at": iso(record.expires_at),
        "revoked_at": iso(record.revoked_at),
        "comment": record.comment or "",
    }


@tokens_app.command("create")
def token_create(
    ctx: typer.Context,
    user: Annotated[str, typer.Option(help="Principal the token acts for.")],
    admin: Annotated[bool, typer.Option(help="May manage every endpoint.")] = False,
    lifetime_days: Annotated[
        float | None, typer.Option(help="Expire after this many days (default: never).")
    ] = None,
    comment: Annotated[str | None, typer.Option(help="Free text.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from lakeforge.cli.render import emit_json, emit_message
    from lakeforge.serving.auth import issue

    token, record = issue(
        open_workspace(ctx), user, admin=admin, lifetime_days=lifetime_days, comment=comment
    )
    if as_json:
        emit_json({**_token_row(record), "token": token})
        return
    emit_message(f"token {record.token_id} for {record.principal} (shown once, keep it safe):")
    typer.echo(token)


@tokens_app.command("list")
def token_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List tokens (ids and owners, never secrets)."""
    from lakeforge.cli.render import emit_records

    rows = [_token_row(r) for r in open_workspace(ctx).metadata.tokens.list()]
    columns = ["token_id", "principal", "admin", "created_at", "expires_at", "revoked_at"]
    emit_records("tokens", rows, columns, as_json)


@tokens_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="Token id (the part after lfp_).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a token (a running server refuses it within a second)."""
    from lakeforge.cli.render import emit_mapping

    emit_mapping(
        "revoked", _token_row(open_workspace(ctx).metadata.tokens.revoke(token_id)), as_json
    )
