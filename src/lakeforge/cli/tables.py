"""``lakeforge tables``: list, create, describe, drop, write, head, history, clean, vacuum."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    from lakeforge.catalog.records import TableInfo
    from lakeforge.tables.writer import WriteResult

app = typer.Typer(help="Delta tables by catalog.schema.name.", no_args_is_help=True)

_LIST_COLUMNS = ["name", "primary_keys", "timeseries_key", "description", "owner"]


def _describe(info: TableInfo, version: int) -> dict[str, Any]:
    from lakeforge.cli.render import plain

    data: dict[str, Any] = plain(info)
    for stamp in ("created_at", "updated_at"):
        data[stamp] = datetime.fromtimestamp(data[stamp] / 1000, tz=UTC).isoformat()
    data["columns"] = [
        f"{c.name} {c.data_type}{'' if c.nullable else ' not null'}" for c in info.columns
    ]
    data["version"] = version
    return data


def _emit_write(result: WriteResult, as_json: bool) -> None:
    from lakeforge.cli.render import emit_json, emit_message

    if as_json:
        emit_json(result)
        return
    emit_message(
        f"{result.operation} {result.table} -> version {result.version}: "
        f"{result.rows_inserted} inserted, {result.rows_updated} updated, "
        f"{result.rows_deleted} deleted"
    )
    for cast in result.casts:
        emit_message(f"  cast {cast}")
    if result.added_columns:
        emit_message(f"  added columns: {', '.join(result.added_columns)}")


@app.command("list")
def list_(
    ctx: typer.Context,
    schema: Annotated[str | None, typer.Argument(help="catalog.schema (default: current).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the tables of a schema."""
    from lakeforge.cli.render import emit_records

    emit_records("tables", open_workspace(ctx).tables.list(schema), _LIST_COLUMNS, as_json)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="catalog.schema.table (or a shorter name).")],
    schema: Annotated[
        str | None, typer.Option("--schema", help='Columns, e.g. "id bigint not null, v double".')
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="Parquet/CSV/JSON-lines file with initial rows.")
    ] = None,
    primary_key: Annotated[
        list[str] | None, typer.Option("--primary-key", "-k", help="Primary-key column (repeat).")
    ] = None,
    timeseries_key: Annotated[str | None, typer.Option(help="Timeseries key column.")] = None,
    partition_by: Annotated[
        list[str] | None, typer.Option("--partition-by", help="Partition column (repeat).")
    ] = None,
    comment: Annotated[str | None, typer.Option(help="Table description.")] = None,
    decimal_to_float: Annotated[
        bool, typer.Option("--decimal-to-float", help="Store decimals as double (recorded).")
    ] = False,
    if_not_exists: Annotated[bool, typer.Option("--if-not-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a table from a column list and/or a data file."""
    from lakeforge.cli.render import emit_mapping
    from lakeforge.tables.files import read_file

    ws = open_workspace(ctx)
    keys = list(primary_key or [])
    if timeseries_key and timeseries_key not in keys:
        keys.append(timeseries_key)
    info = ws.tables.create(
        name,
        data=read_file(from_file) if from_file else None,
        schema=schema,
        primary_keys=keys,
        timeseries_key=timeseries_key,
        partition_columns=partition_by or [],
        description=comment,
        decimal_to_float=decimal_to_float,
        if_not_exists=if_not_exists,
    )
    emit_mapping(
        f"table {info.name}", _describe(info, ws.tables.snapshot(info.name).version()), as_json
    )


@app.command("describe")
def describe(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Show a table's columns, keys, location, tags and current version."""
    from lakeforge.cli.render import emit_mapping

    ws = open_workspace(ctx)
    info = ws.tables.get(name)
    emit_mapping(
        f"table {info.name}", _describe(info, ws.tables.snapshot(info.name).version()), as_json
    )


@app.command("drop")
def drop(
    ctx: typer.Context,
    name: str,
    if_exists: Annotated[bool, typer.Option("--if-exists")] = False,
    as_json: JsonOption = False,
) -> None:
    """Drop a table and delete its data."""
    from lakeforge.cli.render import emit_json, emit_message

    dropped = open_workspace(ctx).tables.drop(name, if_exists=if_exists)
    if as_json:
        emit_json({"dropped": dropped})
    else:
        emit_message(f"dropped table {name}" if dropped else f"table {name} did not exist")


@app.command("write")
def write(
    ctx: typer.Context,
    name: str,
    from_file: Annotated[Path, typer.Option("--from", help="Parquet/CSV/JSON-lines file.")],
    mode: Annotated[str, typer.Option(help="append, overwrite or merge.")] = "append",
    on: Annotated[
        list[str] | None, typer.Option("--on", help="Merge key column (repeat; default: PK).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Append, overwrite or merge rows from a file."""
    from lakeforge.errors import ValidationError
    from lakeforge.tables.files import read_file

    ws = open_workspace(ctx)
    data = read_file(from_file)
    if mode == "append":
        result = ws.tables.append(name, data)
    elif mode == "overwrite":
        result = ws.tables.overwrite(name, data)
    elif mode == "merge":
        result = ws.tables.merge(name, data, on=on)
    else:
        raise ValidationError(f"unknown write mode {mode!r}", "use append, overwrite or merge")
    _emit_write(result, as_json)


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: str,
    where: Annotated[str, typer.Option(help='SQL predicate, e.g. "amount < 0".')],
    as_json: JsonOption = False,
) -> None:
    """Delete the rows matching a predicate."""
    _emit_write(open_workspace(ctx).tables.delete(name, where), as_json)


@app.command("head")
def head(
    ctx: typer.Context,
    name: str,
    rows: Annotated[int, typer.Option("--rows", "-n", help="Number of rows.")] = 10,
    version: Annotated[int | None, typer.Option(help="Read this table version.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the first rows of a table."""
    from lakeforge.cli.sql import emit_arrow

    ws = open_workspace(ctx)
    reader = ws.tables.scan(name, version=version, batch_size=max(rows, 1))
    import pyarrow as pa

    batches = []
    remaining = rows
    for batch in reader:
        batches.append(batch.slice(0, remaining))
        remaining -= min(remaining, batch.num_rows)
        if remaining <= 0:
            break
    emit_arrow(pa.Table.from_batches(batches, schema=reader.schema), str(name), as_json)


@app.command("history")
def history(
    ctx: typer.Context,
    name: str,
    limit: Annotated[int | None, typer.Option(help="Newest N commits only.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a table's commits (newest first)."""
    from lakeforge.cli.render import emit_records

    entries = open_workspace(ctx).tables.history(name, limit)
    emit_records(
        f"history of {name}", entries, ["version", "timestamp", "operation", "metrics"], as_json
    )


@app.command("clean")
def clean(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """Remove files left behind by killed writers (safe while others write)."""
    from lakeforge.cli.render import emit_json, emit_message

    report = open_workspace(ctx).tables.clean(name)
    if as_json:
        emit_json(report)
    else:
        emit_message(
            f"removed {len(report.files)} file(s), {report.bytes} bytes, from {report.table}"
        )


@app.command("vacuum")
def vacuum(
    ctx: typer.Context,
    name: str,
    retention_hours: Annotated[int, typer.Option(help="At least 168 (7 days).")] = 168,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete data files unreferenced for longer than the retention window."""
    from lakeforge.cli.render import emit_json, emit_message

    files = open_workspace(ctx).tables.vacuum(
        name, retention_hours=retention_hours, dry_run=dry_run
    )
    if as_json:
        emit_json({"files": files, "dry_run": dry_run})
    else:
        emit_message(f"{'would remove' if dry_run else 'removed'} {len(files)} file(s)")
