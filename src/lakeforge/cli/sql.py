"""``lakeforge sql "SELECT ..."``: run a query over workspace tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lakeforge.cli.context import JsonOption, open_workspace

if TYPE_CHECKING:
    import pyarrow as pa


def emit_arrow(table: pa.Table, title: str, as_json: bool) -> None:
    """Print an Arrow table as JSON records or a Rich table."""
    from lakeforge.cli.render import emit_json, emit_table

    records = table.to_pylist()
    if as_json:
        emit_json(records)
        return
    emit_table(title, table.column_names, [list(r.values()) for r in records])


def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One SELECT statement; use catalog.schema.table.")],
    limit: Annotated[int, typer.Option(help="Show at most this many rows.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Run a SELECT over workspace tables in DuckDB."""
    ws = open_workspace(ctx)
    reader = ws.sql_batches(query)
    import pyarrow as pa

    batches, seen = [], 0
    for batch in reader:
        batches.append(batch.slice(0, limit - seen))
        seen += batches[-1].num_rows
        if seen >= limit:
            break
    emit_arrow(pa.Table.from_batches(batches, schema=reader.schema), "", as_json)
