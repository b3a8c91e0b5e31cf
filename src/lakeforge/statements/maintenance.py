"""``OPTIMIZE name [ZORDER BY (cols)]`` and ``VACUUM name [RETAIN n HOURS] [DRY RUN]``.

VACUUM keeps the table layer's guard: a retention below 168 hours (7 days) is refused, since
writers that started from an older snapshot could lose committed data. Tables declared with
``CLUSTER BY`` are Z-ordered by those columns on OPTIMIZE (deltalake has no liquid clustering).
"""

from __future__ import annotations

import math

import pyarrow as pa

from lakeforge.statements.parser import Statement
from lakeforge.statements.session import Session, StatementResult, rows
from lakeforge.tables import alter
from lakeforge.tables.janitor import MIN_VACUUM_RETENTION_HOURS


def optimize(session: Session, statement: Statement) -> StatementResult:
    """Compact the table's files; the result has ``path`` and ``metrics`` as the reference."""
    command = statement.command
    assert command is not None
    info = session.ws.tables.get(session.object_name(command.name))
    zorder = list(command.zorder) or list(info.properties.get(alter.CLUSTERING_COLUMNS) or [])
    metrics = session.ws.tables.optimize(
        info.name, zorder=zorder, commit_info=session.commit_info(statement)
    )
    data = {"path": [str(session.ws.tables.path(info))], "metrics": pa.array([metrics])}
    added = metrics.get("numFilesAdded", 0)
    removed = metrics.get("numFilesRemoved", 0)
    return rows(statement, f"optimized {info.name.full}: {removed} file(s) -> {added}", data)


def vacuum(session: Session, statement: Statement) -> StatementResult:
    """Delete unreferenced files older than the retention; ``path`` lists them."""
    command = statement.command
    assert command is not None
    name = session.object_name(command.name)
    hours = command.retain_hours
    if hours is None:
        retention = MIN_VACUUM_RETENTION_HOURS
    else:
        # whole hours for the table layer: round towards keeping files, never past the guard
        retention = math.ceil(hours) if hours >= MIN_VACUUM_RETENTION_HOURS else math.floor(hours)
    files = session.ws.tables.vacuum(name, retention_hours=retention, dry_run=command.dry_run)
    verb = "would delete" if command.dry_run else "deleted"
    return rows(
        statement,
        f"vacuum {name.full}: {verb} {len(files)} file(s)",
        {"path": pa.array(files, pa.string())},
    )
