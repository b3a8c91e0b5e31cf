"""Concurrent writers in separate processes: no acknowledged write is lost or doubled."""

from __future__ import annotations

import importlib.util
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from lakeforge.tables.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "_writer_proc", Path(__file__).with_name("_writer_proc.py")
)
assert _spec is not None and _spec.loader is not None
proc_tools = importlib.util.module_from_spec(_spec)  # the worker script, for its helpers
_spec.loader.exec_module(proc_tools)

PROCESSES = 4
WRITES = 50
TABLE = "main.default.events"


@pytest.mark.slow
def test_four_processes_merging_and_appending_lose_no_acknowledged_write(
    ws: Workspace, ws_path: Path, tmp_path: Path
) -> None:
    """4 processes x 50 writes (merges and appends) into one table: every acknowledged write is
    present exactly once, counters are exact, and the Delta log has one version per write."""
    ws.tables.create(TABLE, schema=proc_tools.ROW_SCHEMA, primary_keys=["key"])
    start = tmp_path / "start"
    acks = [tmp_path / f"ack-{p}.txt" for p in range(PROCESSES)]
    procs: list[subprocess.Popen[str]] = []
    try:
        for p in range(PROCESSES):
            procs.append(proc_tools.spawn("mix", ws_path, TABLE, p, WRITES, start, acks[p]))
        time.sleep(0.5)
        start.touch()  # the barrier: the writers begin together
        deadline = time.monotonic() + 240
        outputs = [
            proc.communicate(timeout=max(1.0, deadline - time.monotonic()))[0] for proc in procs
        ]
    finally:
        proc_tools.kill_all(procs)
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-3000:]

    table = ws.tables.read(TABLE)
    duplicates = [k for k, n in Counter(table.column("key").to_pylist()).items() if n > 1]
    assert not duplicates, duplicates[:10]
    rows = {r["key"]: r for r in table.to_pylist()}
    history = ws.tables.history(TABLE)
    versions = sorted(h.version for h in history)
    assert versions == list(range(1 + PROCESSES * WRITES)), "versions must be 0..N, no gaps"
    operation_of = {h.version: h.operation for h in history}

    reported: list[int] = []
    for p in range(PROCESSES):
        acked = proc_tools.read_acks(acks[p])
        assert len(acked) == WRITES  # the process exited 0, so every call returned
        for line in acked:
            kind, i, version = line.split()
            row = rows.get(f"op-{p}-{i}")
            assert row is not None, f"acknowledged {kind} {i} of process {p} is missing"
            assert (row["kind"], row["value"]) == (kind, int(i))
            assert operation_of[int(version)] == {"append": "WRITE", "merge": "MERGE"}[kind]
            reported.append(int(version))
        assert rows[f"counter-{p}"]["value"] == WRITES
    assert len(rows) == PROCESSES * (WRITES + 1)
    # every write reported the version it committed: all distinct, together versions 1..N
    repeated = [(v, n) for v, n in Counter(reported).items() if n > 1]
    assert sorted(reported) == list(range(1, 1 + PROCESSES * WRITES)), repeated


def test_write_results_report_their_own_version(ws: Workspace) -> None:
    """Each write returns the version it committed (versions grow by one per write)."""
    schema = proc_tools.ROW_SCHEMA
    ws.tables.create(TABLE, schema=schema, primary_keys=["key"])
    row = {"key": "a", "proc": 0, "op": 1, "kind": "append", "value": 1}
    first = ws.tables.append(TABLE, pa.Table.from_pylist([row], schema=schema))
    second = ws.tables.merge(TABLE, pa.Table.from_pylist([{**row, "value": 2}], schema=schema))
    assert (first.version, second.version) == (1, 2)
    assert ws.tables.read(TABLE).column("value").to_pylist() == [2]


def test_real_deltalake_conflicts_are_retried_and_refusals_are_not(tmp_path: Path) -> None:
    """The errors deltalake raises when another writer committed first count as conflicts;
    a commit refused for good (append-only table) does not, so it fails at once."""
    from deltalake import CommitProperties, DeltaTable, write_deltalake
    from deltalake.exceptions import DeltaError

    from lakeforge.tables.commit import is_conflict

    path = str(tmp_path / "t")
    write_deltalake(path, pa.table({"a": [1, 2]}))
    no_retry = CommitProperties(max_commit_retries=0)
    stale, stale_too = DeltaTable(path), DeltaTable(path)
    write_deltalake(path, pa.table({"a": [3]}), mode="append")
    errors: list[DeltaError] = []
    with pytest.raises(DeltaError) as append_race:
        write_deltalake(stale, pa.table({"a": [4]}), mode="append", commit_properties=no_retry)
    errors.append(append_race.value)
    merge = stale_too.merge(
        pa.table({"a": [3]}),
        predicate="t.a = s.a",
        source_alias="s",
        target_alias="t",
        commit_properties=CommitProperties(max_commit_retries=3),
    )
    with pytest.raises(DeltaError) as merge_race:
        merge.when_not_matched_insert_all().execute()
    errors.append(merge_race.value)
    assert all(is_conflict(e) for e in errors), [str(e) for e in errors]

    DeltaTable(path).alter.set_table_properties({"delta.appendOnly": "true"})
    with pytest.raises(DeltaError) as refused:
        DeltaTable(path).delete("a = 1", commit_properties=no_retry)
    assert not is_conflict(refused.value), str(refused.value)


def test_a_refused_commit_fails_at_once_instead_of_retrying(ws: Workspace, ws_path: Path) -> None:
    """A write the table refuses for good (delete from an append-only table) is not retried
    until the commit deadline and is not reported as a conflict."""
    from deltalake import DeltaTable

    from lakeforge.errors import CommitConflictError, LakeforgeError

    info = ws.tables.create(TABLE, data=pa.table({"id": [1, 2]}), primary_keys=["id"])
    DeltaTable(str(ws.tables.path(info))).alter.set_table_properties({"delta.appendOnly": "true"})
    patient = Workspace.open(ws_path, commit_timeout_s=5)
    try:
        started = time.monotonic()
        with pytest.raises(LakeforgeError) as error:
            patient.tables.delete(TABLE, "id = 1")
        assert not isinstance(error.value, CommitConflictError), str(error.value)
        assert "append-only" in str(error.value)
        assert time.monotonic() - started < 2
    finally:
        patient.close()
    assert ws.tables.read(TABLE).num_rows == 2
