"""Maintenance next to live writers: clean never touches a running write; vacuum keeps 7 days."""

from __future__ import annotations

import importlib.util
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lakeforge.errors import UnsafeOperationError
from lakeforge.tables import janitor
from lakeforge.tables.locks import writer_lock
from lakeforge.tables.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "_writer_proc", Path(__file__).with_name("_writer_proc.py")
)
assert _spec is not None and _spec.loader is not None
proc_tools = importlib.util.module_from_spec(_spec)  # the worker script, for its helpers
_spec.loader.exec_module(proc_tools)

TABLE = "main.default.live"


def _batch_counts(ws: Workspace) -> dict[int, int]:
    counts = pc.value_counts(ws.tables.read(TABLE, columns=["batch"]).column("batch"))
    return {item["values"]: item["counts"] for item in counts.to_pylist()}


@pytest.mark.slow
def test_clean_beside_busy_writers_loses_nothing_and_is_not_starved(
    ws: Workspace, ws_path: Path, tmp_path: Path
) -> None:
    """Three writer processes append and merge batches (their writes overlap, so some write is
    nearly always running) while clean runs over and over: the writers never fail, every
    acknowledged batch is whole, clean removed no file any version references, and each clean
    got its turn promptly instead of waiting for a gap between writes."""
    rows, per_writer, writers = 10_000, 25, 3
    ws.tables.create(TABLE, schema=proc_tools.BATCH_SCHEMA, primary_keys=["id"])
    table_dir = ws.tables.path(ws.tables.get(TABLE))
    go = tmp_path / "go"
    acks = [tmp_path / f"ack-{w}" for w in range(writers)]
    procs: list[subprocess.Popen[str]] = []
    removed: list[str] = []
    waits: list[float] = []
    try:
        for w in range(writers):
            ready = tmp_path / f"ready-{w}"
            args = ("batch", ws_path, TABLE, w * 1000, rows, ready, go, acks[w], per_writer)
            procs.append(proc_tools.spawn(*args))
        for w, proc in enumerate(procs):
            proc_tools.wait_for(tmp_path / f"ready-{w}", proc)
        go.touch()
        deadline = time.monotonic() + 120
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            started = time.monotonic()
            removed.extend(ws.tables.clean(TABLE).files)
            waits.append(time.monotonic() - started)
            ws.tables.read(TABLE, columns=["batch"])  # readable between cleans
        outputs = [p.communicate(timeout=30)[0] for p in procs]
    finally:
        proc_tools.kill_all(procs)
    for proc, out in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-3000:]
    assert len(waits) >= 5, f"clean ran only {len(waits)} times beside the writers"
    assert max(waits) < 10, f"a clean waited {max(waits):.1f}s for the writers"

    acked = {int(line) for ack in acks for line in proc_tools.read_acks(ack)}
    assert len(acked) == writers * per_writer
    assert _batch_counts(ws) == dict.fromkeys(acked, rows)
    assert not set(removed) & janitor.referenced_files(table_dir)
    assert ws.tables.history(TABLE)[0].version == writers * per_writer


def test_clean_waits_for_an_in_flight_write(ws: Workspace) -> None:
    """While a write holds the table's writers lock, clean blocks and leaves its not yet
    committed file alone; once the write ends, clean runs and removes what is still
    unreferenced."""
    info = ws.tables.create(TABLE, data=pa.table({"id": [1, 2]}), primary_keys=["id"])
    table_dir = ws.tables.path(info)
    staged = table_dir / "part-00000-in-flight-c000.snappy.parquet"
    finished = threading.Event()
    reports: list[janitor.CleanReport] = []

    def run_clean() -> None:
        reports.append(ws.tables.clean(TABLE))
        finished.set()

    with writer_lock(ws.settings.warehouse, info.name):  # what every write holds
        staged.write_bytes(b"PAR1 not committed yet")
        thread = threading.Thread(target=run_clean)
        thread.start()
        assert not finished.wait(0.5), "clean ran while a write was in flight"
        assert staged.exists()
    thread.join(timeout=30)
    assert finished.is_set()
    assert reports[0].files == (staged.name,)
    assert not staged.exists()
    assert ws.tables.read(TABLE).num_rows == 2


@pytest.mark.slow
def test_a_waiting_clean_goes_before_writers_that_arrive_after_it(
    ws: Workspace, ws_path: Path, tmp_path: Path
) -> None:
    """Writer A is mid-write when clean starts; writer B arrives while clean waits. B must wait
    for clean (else overlapping writes could keep clean out forever), and clean runs as soon
    as A is done."""
    ws.tables.create(TABLE, data=pa.table({"id": [1, 2]}), primary_keys=["id"])
    has = {w: tmp_path / f"{w}-has-lock" for w in "ab"}
    release = {w: tmp_path / f"{w}-release" for w in "ab"}
    procs: list[subprocess.Popen[str]] = []
    finished: list[float] = []
    try:
        procs.append(proc_tools.spawn("hold", ws_path, TABLE, has["a"], release["a"]))
        proc_tools.wait_for(has["a"], procs[0])
        cleaner = threading.Thread(
            target=lambda: (ws.tables.clean(TABLE), finished.append(time.monotonic()))
        )
        cleaner.start()
        time.sleep(0.3)
        procs.append(proc_tools.spawn("hold", ws_path, TABLE, has["b"], release["b"]))
        proc_tools.wait_for(tmp_path / "b-has-lock.trying", procs[1])
        time.sleep(0.5)  # ample time for B to take the lock if it could
        assert not finished, "clean ran while writer A held the lock"
        assert not has["b"].exists(), "writer B overtook the waiting clean"
        release["a"].touch()
        cleaner.join(timeout=30)
        assert finished, "clean did not run after writer A finished"
        proc_tools.wait_for(has["b"], procs[1])
        release["b"].touch()
        for proc in procs:
            assert proc.wait(timeout=30) == 0, proc.communicate()[0]
    finally:
        for path in release.values():
            path.touch()
        proc_tools.kill_all(procs)


def test_clean_removes_unfinished_commits_but_keeps_unknown_log_files(ws: Workspace) -> None:
    """In _delta_log only temporary files are removed; anything else is Delta's business."""
    info = ws.tables.create(TABLE, data=pa.table({"id": [1, 2]}), primary_keys=["id"])
    log = ws.tables.path(info) / "_delta_log"
    unfinished = log / "_commit_2b7e1d5c-8a4f-4f0e-9d3c-5a6b7c8d9e0f.json.tmp"
    partial = log / "00000000000000000001.json#1"
    compacted = log / "00000000000000000000.00000000000000000000.compacted.json"
    for path in (unfinished, partial, compacted):
        path.write_text("{}\n")
    deletion_vector = ws.tables.path(info) / "deletion_vector_0a1b2c3d.bin"
    deletion_vector.write_bytes(b"dv")

    report = ws.tables.clean(TABLE)
    assert sorted(report.files) == sorted(f"_delta_log/{p.name}" for p in (unfinished, partial))
    assert compacted.exists()
    assert deletion_vector.exists()
    assert ws.tables.read(TABLE).num_rows == 2


@pytest.mark.parametrize("hours", [0, 1, 24, 167])
def test_vacuum_refuses_retention_below_seven_days(ws: Workspace, hours: int) -> None:
    """Retention under 168 h is refused, naming the value and the fix; nothing is deleted."""
    ws.tables.create(TABLE, data=pa.table({"id": [1, 2]}), primary_keys=["id"])
    ws.tables.overwrite(TABLE, pa.table({"id": [3]}))
    files_before = sorted(ws.tables.path(ws.tables.get(TABLE)).rglob("*"))
    with pytest.raises(UnsafeOperationError) as info:
        ws.tables.vacuum(TABLE, retention_hours=hours)
    message = str(info.value)
    assert f"retention {hours}h" in message
    assert "168" in message
    assert "retention_hours >= 168" in (info.value.fix or "")
    assert "clean" in (info.value.fix or "")
    assert sorted(ws.tables.path(ws.tables.get(TABLE)).rglob("*")) == files_before


def test_vacuum_with_seven_days_runs(ws: Workspace) -> None:
    """Vacuum at the 168 h minimum works: a dry run lists nothing (no file is 7 days old), and
    the real run deletes nothing either; every version still reads."""
    ws.tables.create(TABLE, data=pa.table({"id": [1, 2]}), primary_keys=["id"])
    ws.tables.overwrite(TABLE, pa.table({"id": [3]}))
    assert ws.tables.vacuum(TABLE, retention_hours=168, dry_run=True) == []
    assert ws.tables.vacuum(TABLE, dry_run=True) == []
    assert ws.tables.vacuum(TABLE) == []
    assert ws.tables.read(TABLE, version=0).num_rows == 2
    assert ws.tables.read(TABLE).num_rows == 1
