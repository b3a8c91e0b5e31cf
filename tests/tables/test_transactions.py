"""Idempotent appends: a Delta transaction id recorded in the same commit as the rows."""

from __future__ import annotations

import pyarrow as pa

from lakeforge.tables.workspace import Workspace


def test_an_append_with_a_transaction_id_lands_once(ws: Workspace) -> None:
    ws.tables.create("main.default.scores", data=pa.table({"id": [0], "p": [0.0]}))
    batch = pa.table({"id": [1, 2], "p": [0.5, 0.7]})
    first = ws.tables.append("main.default.scores", batch, transaction=("job:model-a", 7))
    again = ws.tables.append("main.default.scores", batch, transaction=("job:model-a", 7))
    older = ws.tables.append("main.default.scores", batch, transaction=("job:model-a", 3))
    assert (first.rows_inserted, first.already_applied) == (2, False)
    assert (again.rows_inserted, again.already_applied) == (0, True)
    assert older.already_applied and again.version == first.version
    other = ws.tables.append("main.default.scores", batch, transaction=("job:model-b", 7))
    newer = ws.tables.append("main.default.scores", batch, transaction=("job:model-a", 8))
    assert not other.already_applied and not newer.already_applied
    assert ws.tables.read("main.default.scores").num_rows == 1 + 2 * 3
