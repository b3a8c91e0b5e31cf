"""``lakeforge secrets``: scopes and secrets of the workspace (values are never printed).

``put`` reads the value from standard input, never from the command line (where it would land
in shell history and process listings): pipe it in, or type it at the hidden prompt.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.tables.secret_store import SecretStore

app = typer.Typer(help="Secret scopes and secrets (read by dbutils.secrets).", no_args_is_help=True)


def _store(ctx: typer.Context) -> SecretStore:
    return open_workspace(ctx).secrets


def _read_value() -> bytes:
    """The value from stdin: the hidden prompt on a terminal, else everything piped in (one
    trailing newline dropped, as ``echo value |`` adds it)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Secret value (input hidden): ").encode()
    data = sys.stdin.buffer.read()
    if data.endswith(b"\r\n"):
        return data[:-2]
    return data[:-1] if data.endswith(b"\n") else data


@app.command("create-scope")
def create_scope(
    ctx: typer.Context,
    scope: str,
    if_not_exists: Annotated[bool, typer.Option("--if-not-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a secret scope."""
    from lakeforge.cli.render import emit_mapping

    info = _store(ctx).create_scope(scope, if_not_exists=if_not_exists)
    emit_mapping(f"secret scope {info.name}", {"name": info.name}, as_json)


@app.command("put")
def put(ctx: typer.Context, scope: str, key: str, as_json: JsonOption = False) -> None:
    """Store a secret; the value is read from stdin (never from the arguments)."""
    from lakeforge.cli.render import emit_json, emit_message

    info = _store(ctx).put(scope, key, _read_value())
    if as_json:
        emit_json({"scope": info.scope, "key": info.key})
    else:
        emit_message(f"stored secret {info.scope}/{info.key}")


@app.command("list")
def list_(ctx: typer.Context, scope: str, as_json: JsonOption = False) -> None:
    """List the keys of a scope (never the values)."""
    from lakeforge.cli.render import emit_records

    records = _store(ctx).list(scope)
    emit_records(f"secrets in {scope}", records, ["key", "last_updated_timestamp"], as_json)


@app.command("list-scopes")
def list_scopes(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the secret scopes."""
    from lakeforge.cli.render import emit_records

    emit_records("secret scopes", _store(ctx).list_scopes(), ["name", "backend_type"], as_json)


@app.command("delete")
def delete(ctx: typer.Context, scope: str, key: str, as_json: JsonOption = False) -> None:
    """Delete one secret."""
    from lakeforge.cli.render import emit_json, emit_message

    _store(ctx).delete(scope, key)
    if as_json:
        emit_json({"deleted": f"{scope}/{key}"})
    else:
        emit_message(f"deleted secret {scope}/{key}")


@app.command("delete-scope")
def delete_scope(ctx: typer.Context, scope: str, as_json: JsonOption = False) -> None:
    """Delete a scope and every secret in it."""
    from lakeforge.cli.render import emit_json, emit_message

    _store(ctx).delete_scope(scope)
    if as_json:
        emit_json({"deleted": scope})
    else:
        emit_message(f"deleted secret scope {scope}")
