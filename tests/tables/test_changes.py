"""Row changes applied by full-row identity in one commit (SQL UPDATE/DELETE/MERGE)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from lakeforge.errors import SchemaMismatchError
from lakeforge.tables.changes import RowChanges
from lakeforge.tables.workspace import Workspace

SCHEMA = pa.schema([("k", pa.int64()), ("v", pa.float64())])


def changes(
    updated: list[tuple[dict[str, object], dict[str, object]]] = (),  # type: ignore[assignment]
    deleted: list[dict[str, object]] = (),  # type: ignore[assignment]
    inserted: list[dict[str, object]] = (),  # type: ignore[assignment]
) -> RowChanges:
    return RowChanges(
        updated_old=pa.Table.from_pylist([o for o, _ in updated], SCHEMA),
        updated_new=pa.Table.from_pylist([n for _, n in updated], SCHEMA),
        deleted=pa.Table.from_pylist(list(deleted), SCHEMA),
        inserted=pa.Table.from_pylist(list(inserted), SCHEMA),
    )


@pytest.fixture
def table(ws: Workspace) -> Workspace:
    rows = [
        {"k": 1, "v": 1.0},
        {"k": 1, "v": 1.0},
        {"k": 2, "v": None},
        {"k": 3, "v": float("nan")},
    ]
    ws.tables.create("t", data=pa.Table.from_pylist(rows, SCHEMA))
    return ws


def test_update_delete_insert_in_one_commit(table: Workspace) -> None:
    before = table.tables.snapshot("t").version()
    result = table.tables.apply_changes(
        "t",
        lambda snapshot: changes(
            updated=[({"k": 1, "v": 1.0}, {"k": 1, "v": 5.0})],
            deleted=[{"k": 2, "v": None}, {"k": 3, "v": float("nan")}],
            inserted=[{"k": 4, "v": 4.0}],
        ),
        operation="MERGE",
        commit_info={"lakeforge.operation": "MERGE"},
    )
    assert (result.rows_updated, result.rows_deleted, result.rows_inserted) == (2, 2, 1)
    assert result.version == before + 1
    assert table.tables.read("t").sort_by("k").to_pylist() == [
        {"k": 1, "v": 5.0},
        {"k": 1, "v": 5.0},
        {"k": 4, "v": 4.0},
    ]


def test_nothing_to_change_makes_no_commit(table: Workspace) -> None:
    before = table.tables.snapshot("t").version()
    result = table.tables.apply_changes("t", lambda snapshot: changes(), operation="UPDATE")
    assert result.version == before == table.tables.snapshot("t").version()


def test_new_values_are_checked_before_any_commit(table: Workspace) -> None:
    before = table.tables.snapshot("t").version()
    bad = RowChanges(
        updated_old=pa.Table.from_pylist([{"k": 1, "v": 1.0}], SCHEMA),
        updated_new=pa.table({"k": [1], "v": ["x"]}),
        deleted=SCHEMA.empty_table(),
        inserted=SCHEMA.empty_table(),
    )
    with pytest.raises(SchemaMismatchError):
        table.tables.apply_changes("t", lambda snapshot: bad, operation="UPDATE")
    assert table.tables.snapshot("t").version() == before


def test_a_conflict_recomputes_on_the_new_snapshot(table: Workspace) -> None:
    seen: list[int] = []

    def compute(snapshot: DeltaTable) -> RowChanges:
        seen.append(snapshot.version())
        if len(seen) == 1:  # another writer rewrites the rows between compute and commit
            table.tables.delete("t", "k = 2")
        rows = snapshot.to_pyarrow_table().to_pylist()
        return changes(deleted=[r for r in rows if r["k"] == 1][:1])

    result = table.tables.apply_changes("t", compute, operation="DELETE")
    assert len(seen) == 2 and seen[1] == seen[0] + 1
    assert result.rows_deleted == 2
    assert sorted(table.tables.read("t").column("k").to_pylist()) == [3]
