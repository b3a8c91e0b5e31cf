"""MERGE INTO: clause kinds and order, counts, duplicates, store assignment, and an oracle."""

from __future__ import annotations

import json
from collections.abc import Callable

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakeforge.errors import (
    AmbiguousMergeError,
    DuplicateKeyError,
    SchemaMismatchError,
    TableNotFoundError,
    UnsupportedStatementError,
)
from lakeforge.statements.runner import execute
from lakeforge.tables.workspace import Workspace, init_workspace

Sql = Callable[..., pa.Table]


@pytest.fixture
def target(ws: Workspace) -> Workspace:
    ws.tables.create(
        "tgt",
        data=pa.table({"id": [1, 2, 3], "v": [10.0, 20.0, 30.0], "note": ["a", "b", "c"]}),
    )
    ws.tables.create(
        "src", data=pa.table({"id": [2, 3, 4], "v": [200.0, 300.0, 400.0], "note": ["x", "y", "z"]})
    )
    return ws


def rows(ws: Workspace, name: str = "tgt") -> list[dict[str, object]]:
    return ws.tables.read(name).sort_by("id").to_pylist()


def test_update_delete_insert_in_clause_order(target: Workspace, sql: Sql) -> None:
    result = sql(
        "MERGE INTO tgt t USING src s ON t.id = s.id"
        " WHEN MATCHED AND s.id = 3 THEN DELETE"
        " WHEN MATCHED THEN UPDATE SET v = s.v, t.note = concat(t.note, s.note)"
        " WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v + 1)"
    )
    assert result.to_pylist() == [
        {
            "num_affected_rows": 3,
            "num_updated_rows": 1,
            "num_deleted_rows": 1,
            "num_inserted_rows": 1,
        }
    ]
    assert rows(target) == [
        {"id": 1, "v": 10.0, "note": "a"},
        {"id": 2, "v": 200.0, "note": "bx"},
        {"id": 4, "v": 401.0, "note": None},
    ]
    entry = target.tables.history("tgt")[0]
    assert entry.operation == "MERGE"
    assert entry.details["userName"] == target.settings.user
    assert entry.parameters["predicate"] == "t.id = s.id"
    assert json.loads(entry.parameters["matchedPredicates"]) == [
        {"actionType": "delete", "predicate": "s.id = 3"},
        {"actionType": "update"},
    ]
    assert json.loads(entry.parameters["notMatchedPredicates"]) == [{"actionType": "insert"}]


def test_update_set_star_insert_star_and_not_matched_by_source(target: Workspace, sql: Sql) -> None:
    sql(
        "MERGE INTO main.default.tgt USING (SELECT * FROM src WHERE id > 2) AS s"
        " ON main.default.tgt.id = s.id"
        " WHEN MATCHED THEN UPDATE SET *"
        " WHEN NOT MATCHED THEN INSERT *"
        " WHEN NOT MATCHED BY SOURCE AND tgt.id = 1 THEN DELETE"
        " WHEN NOT MATCHED BY SOURCE THEN UPDATE SET note = 'gone'"
    )
    assert rows(target) == [
        {"id": 2, "v": 20.0, "note": "gone"},
        {"id": 3, "v": 300.0, "note": "y"},
        {"id": 4, "v": 400.0, "note": "z"},
    ]


def test_star_needs_every_target_column(target: Workspace, sql: Sql) -> None:
    with pytest.raises(SchemaMismatchError, match=r"source lacks \['note'\]"):
        sql(
            "MERGE INTO tgt USING (SELECT id, v FROM src) s ON tgt.id = s.id"
            " WHEN MATCHED THEN UPDATE SET *"
        )


def test_duplicate_source_keys_are_refused_and_nothing_is_written(
    target: Workspace, sql: Sql, version: Callable[[str], int]
) -> None:
    before = version("tgt")
    with pytest.raises(AmbiguousMergeError, match="matched by 2 source rows") as caught:
        sql(
            "MERGE INTO tgt USING (SELECT * FROM src UNION ALL SELECT * FROM src WHERE id = 2) s"
            " ON tgt.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v"
            " WHEN NOT MATCHED THEN INSERT *"
        )
    assert isinstance(caught.value, DuplicateKeyError)
    assert caught.value.example == {"id": 2, "v": 20.0, "note": "b"}
    assert version("tgt") == before
    # the reference allows duplicates when the only MATCHED clause is an unconditional DELETE
    sql(
        "MERGE INTO tgt USING (SELECT * FROM src UNION ALL SELECT * FROM src) s"
        " ON tgt.id = s.id WHEN MATCHED THEN DELETE"
    )
    assert [r["id"] for r in rows(target)] == [1]


def test_values_that_do_not_fit_leave_the_table_unchanged(
    target: Workspace, sql: Sql, version: Callable[[str], int]
) -> None:
    before = version("tgt")
    with pytest.raises(
        SchemaMismatchError, match="column 'v' is double but the statement gives string"
    ):
        sql("MERGE INTO tgt USING src s ON tgt.id = s.id WHEN MATCHED THEN UPDATE SET v = s.note")
    with pytest.raises(SchemaMismatchError, match="'nope' does not exist"):
        sql("MERGE INTO tgt USING src s ON tgt.id = s.id WHEN MATCHED THEN UPDATE SET nope = 1")
    assert version("tgt") == before


def test_constants_and_reported_casts(target: Workspace, results: Callable[[str], list]) -> None:
    (result,) = results(
        "MERGE INTO tgt USING (SELECT 9 AS id, CAST(5 AS DECIMAL(3,1)) AS v) s ON tgt.id = s.id"
        " WHEN NOT MATCHED THEN INSERT (id, v, note) VALUES (s.id, s.v, 'new')"
    )
    assert [(c.column, c.reason) for c in result.casts] == [
        ("id", "widened"),  # s.id is an int column of the source
        ("v", "store assignment"),
    ]
    assert rows(target)[-1] == {"id": 9, "v": 5.0, "note": "new"}


def test_missing_tables(target: Workspace, sql: Sql) -> None:
    with pytest.raises(TableNotFoundError):
        sql("MERGE INTO nope USING src ON nope.id = src.id WHEN MATCHED THEN DELETE")
    with pytest.raises(TableNotFoundError):
        sql("MERGE INTO tgt USING nope ON tgt.id = nope.id WHEN MATCHED THEN DELETE")


def test_unsupported_clauses(target: Workspace, sql: Sql) -> None:
    with pytest.raises(UnsupportedStatementError, match="WHEN NOT MATCHED THEN DELETE"):
        sql("MERGE INTO tgt USING src ON tgt.id = src.id WHEN NOT MATCHED THEN DELETE")


def test_source_at_an_older_version_and_partitioned_target(ws: Workspace, sql: Sql) -> None:
    sql("CREATE TABLE p (id INT, day STRING, v INT) PARTITIONED BY (day)")
    sql("INSERT INTO p VALUES (1, 'mon', 1), (2, 'tue', 2)")
    sql("UPDATE p SET v = 100")
    sql(
        "MERGE INTO p USING (SELECT * FROM p VERSION AS OF 1) old"
        " ON p.id = old.id AND p.day = 'mon'"
        " WHEN MATCHED THEN UPDATE SET v = old.v"
    )
    assert ws.tables.read("p").sort_by("id").to_pylist() == [
        {"id": 1, "day": "mon", "v": 1},
        {"id": 2, "day": "tue", "v": 100},
    ]


def test_nulls_nan_and_nested_values_are_matched_as_rows(ws: Workspace, sql: Sql) -> None:
    ws.tables.create(
        "n",
        data=pa.table(
            {
                "k": [1, 1, 2, 3],
                "f": [float("nan"), float("nan"), None, -0.0],
                "l": [[1], [1], None, [3]],
                "m": pa.array(
                    [[("a", 1)], [("a", 1)], None, None], pa.map_(pa.string(), pa.int64())
                ),
            }
        ),
    )
    assert sql("UPDATE n SET k = k * 10").to_pylist() == [{"num_affected_rows": 4}]
    assert sorted(ws.tables.read("n").column("k").to_pylist()) == [10, 10, 20, 30]
    assert sql("DELETE FROM n WHERE k = 10").to_pylist() == [{"num_affected_rows": 2}]
    assert ws.tables.read("n").num_rows == 2


# -- oracle -------------------------------------------------------------------------------

KEYS = st.integers(min_value=0, max_value=6)
VALUES = st.one_of(st.none(), st.integers(min_value=-5, max_value=5))


def oracle(
    target: list[tuple[int, int | None]],
    source: dict[int, int | None],
    clauses: tuple[bool, bool, bool],
) -> list[tuple[int, int | None]]:
    """Reference semantics for: WHEN MATCHED AND s.v < 0 THEN DELETE (if clauses[0]),
    WHEN MATCHED THEN UPDATE SET v = s.v (clauses[1]), WHEN NOT MATCHED THEN INSERT *
    (clauses[2])."""
    delete, update, insert = clauses
    out: list[tuple[int, int | None]] = []
    for key, value in target:
        if key in source:
            new = source[key]
            if delete and new is not None and new < 0:
                continue
            if update:
                out.append((key, new))
                continue
        out.append((key, value))
    if insert:
        present = {k for k, _ in target}
        out += [(k, v) for k, v in source.items() if k not in present]
    return sorted(out, key=lambda r: (r[0], r[1] is None, r[1] or 0))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    target=st.lists(st.tuples(KEYS, VALUES), max_size=8),
    source=st.dictionaries(KEYS, VALUES, max_size=6),
    clauses=st.tuples(st.booleans(), st.booleans(), st.booleans()).filter(any),
)
def test_merge_matches_a_pure_python_oracle(
    tmp_path_factory: pytest.TempPathFactory,
    target: list[tuple[int, int | None]],
    source: dict[int, int | None],
    clauses: tuple[bool, bool, bool],
) -> None:
    ws = init_workspace(tmp_path_factory.mktemp("oracle") / "ws")
    try:
        schema = pa.schema([("k", pa.int64()), ("v", pa.int64())])
        ws.tables.create(
            "t", data=pa.Table.from_pylist([{"k": k, "v": v} for k, v in target], schema)
        )
        ws.tables.create(
            "s", data=pa.Table.from_pylist([{"k": k, "v": v} for k, v in source.items()], schema)
        )
        whens = []
        if clauses[0]:
            whens.append("WHEN MATCHED AND s.v < 0 THEN DELETE")
        if clauses[1]:
            whens.append("WHEN MATCHED THEN UPDATE SET v = s.v")
        if clauses[2]:
            whens.append("WHEN NOT MATCHED THEN INSERT *")
        execute(ws, f"MERGE INTO t USING s ON t.k = s.k {' '.join(whens)}")
        got = [(r["k"], r["v"]) for r in ws.tables.read("t").to_pylist()]
        assert sorted(got, key=lambda r: (r[0], r[1] is None, r[1] or 0)) == oracle(
            target, source, clauses
        )
    finally:
        ws.close()
