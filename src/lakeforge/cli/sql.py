"""``lakeforge sql "..."`` / ``lakeforge sql --file x.sql``: run SQL in the reference dialect.

Statements run in order (see ``docs/sql.md``); each prints what it did, and the last one's
rows are shown (a final SELECT is streamed, up to ``--limit`` rows). ``--json`` prints only the
last statement's rows as records.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    import pyarrow as pa

    from lakeforge.statements.session import StatementResult


def emit_arrow(table: pa.Table, title: str, as_json: bool) -> None:
    """Print an Arrow table as JSON records or a Rich table."""
    from lakeforge.cli.render import emit_json, emit_table

    records = table.to_pylist()
    if as_json:
        emit_json(records)
        return
    emit_table(title, table.column_names, [list(r.values()) for r in records])


def _rows(result: StatementResult, limit: int) -> pa.Table:
    import pyarrow as pa

    if result.reader is None:
        return result.table.slice(0, limit)
    batches, seen = [], 0
    for batch in result.reader:
        batches.append(batch.slice(0, limit - seen))
        seen += batches[-1].num_rows
        if seen >= limit:
            break
    return pa.Table.from_batches(batches, schema=result.reader.schema)


def _script(query: str | None, file: Path | None) -> str:
    if (query is None) == (file is None):
        raise typer.BadParameter("give the SQL as an argument or with --file, not both")
    if file is not None:
        if not file.is_file():
            raise typer.BadParameter(f"{file} is not a file")
        return file.read_text()
    assert query is not None
    return query


def sql(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Argument(help="Statements separated by ';' (Databricks SQL); catalog.schema.table."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the statements from a .sql file.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Run SQL (queries, DDL, DML) on the workspace."""
    from lakeforge.statements.runner import execute

    script = _script(query, file)
    ws = open_workspace(ctx)
    results = execute(ws, script, stream_last=True)
    for result in [] if as_json else results:
        if result.message:
            typer.echo(f"[{result.statement.index}] {result.statement.kind}: {result.message}")
        for cast in result.casts:
            typer.echo(f"    cast {cast}")
    last = results[-1]
    rows = _rows(last, limit)
    if as_json or rows.num_columns:
        emit_arrow(rows, "", as_json)
