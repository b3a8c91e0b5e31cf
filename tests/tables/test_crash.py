"""Writers killed with SIGKILL mid-write: the table stays readable and keeps every acknowledged
batch whole; ``clean`` then removes the files the killed writers left behind."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import re
import signal
import time
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

from lakeforge.tables.workspace import Workspace

_spec = importlib.util.spec_from_file_location(
    "_writer_proc", Path(__file__).with_name("_writer_proc.py")
)
assert _spec is not None and _spec.loader is not None
proc_tools = importlib.util.module_from_spec(_spec)  # the worker script, for its helpers
_spec.loader.exec_module(proc_tools)

TABLE = "main.default.batches"
KILLS = 20
ROWS = 200_000
BATCHES_PER_RUN = 1000  # batch ids of run k start at k * BATCHES_PER_RUN


def _batch_counts(ws: Workspace, version: int | None = None) -> dict[int, int]:
    batches = ws.tables.read(TABLE, columns=["batch"], version=version).column("batch")
    counts = pc.value_counts(batches).to_pylist()
    return {item["values"]: item["counts"] for item in counts}


def _untracked_files(table_dir: Path) -> set[str]:
    """Files outside the log that no version of the table references (found independently of
    lakeforge's janitor: by asking deltalake for the files of every version)."""
    table = DeltaTable(str(table_dir))
    referenced: set[str] = set()
    for version in range(table.version() + 1):
        table.load_as_version(version)
        paths = pa.table(table.get_add_actions(flatten=True)).column("path").to_pylist()
        referenced.update(unquote(p) for p in paths)
    on_disk = {
        p.relative_to(table_dir).as_posix()
        for p in table_dir.rglob("*")
        if p.is_file() and "_delta_log" not in p.parts
    }
    return on_disk - referenced


def _check_after_kill(ws: Workspace, run: int, acked: list[int]) -> dict[int, int]:
    counts = _batch_counts(ws)  # readable through lakeforge
    partial = {b: n for b, n in counts.items() if n != ROWS}
    assert not partial, f"run {run}: batches with missing rows {partial}"
    missing = set(acked) - set(counts)
    assert not missing, f"run {run}: acknowledged batches {sorted(missing)} are missing"
    first = run * BATCHES_PER_RUN
    mine = {b for b in counts if first <= b < first + BATCHES_PER_RUN}
    # at most the batch in flight at the kill may be present without its acknowledgement
    assert mine <= set(acked) | {first + len(acked)}, (run, sorted(mine), acked)
    return counts


def _wait_for_files(
    table_dir: Path, before: set[str], count: int, partial: bool, timeout_s: float
) -> None:
    """Return as soon as ``count`` new data files appear (with ``partial``: staging files
    ``*.parquet#N``, i.e. files being uploaded), or at the timeout."""
    deadline = time.monotonic() + timeout_s
    seen: set[str] = set()
    while len(seen) < count and time.monotonic() < deadline:
        seen.update(n for n in os.listdir(table_dir) if ("#" in n) == partial and n not in before)


def _wait_gone(pid: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, f"writer {pid} survived SIGKILL"
        time.sleep(0.002)


@pytest.mark.slow
def test_sigkilled_writers_never_leave_partial_or_lost_batches(
    ws: Workspace, ws_path: Path, tmp_path: Path
) -> None:
    """20 writers killed at random moments during 200k-row appends and merges: after each kill
    the table reads, every present batch is whole, and every acknowledged batch is present.
    Then ``clean`` removes the files the killed writers left, and every version still reads."""
    ws.tables.create(TABLE, schema=proc_tools.BATCH_SCHEMA, primary_keys=["id"])
    table_dir = ws.tables.path(ws.tables.get(TABLE))
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    # writers are forked by one long-lived process that has imported lakeforge, so each of the
    # 20 kills costs milliseconds of start-up rather than an interpreter start
    zygote = proc_tools.spawn("zygote", ws_path, TABLE, ROWS)
    assert zygote.stdin is not None and zygote.stdout is not None
    alive: set[int] = set()  # forked writers not yet seen dead (pids may be reused after)
    output: list[str] = []

    def fork(run: int) -> int:
        files = [tmp_path / f"{kind}-{run}" for kind in ("ready", "go", "ack")]
        zygote.stdin.write(f"{run * BATCHES_PER_RUN} {' '.join(map(str, files))}\n")
        zygote.stdin.flush()
        while not (line := zygote.stdout.readline()).startswith("PID "):
            assert line, f"writer zygote exited: {''.join(output)}"
            output.append(line)
        pid = int(line.split()[1])
        alive.add(pid)
        return pid

    counts: dict[int, int] = {}
    row_counts: dict[int, int] = {}  # version -> rows, for time travel after clean
    try:
        pid = fork(0)
        for run in range(KILLS):
            proc_tools.wait_for(tmp_path / f"ready-{run}", zygote)
            before = set(os.listdir(table_dir))
            (tmp_path / f"go-{run}").touch()
            following = fork(run + 1) if run + 1 < KILLS else None  # opens while this writes
            if run % 3 == 0:
                time.sleep(rng.uniform(0.0, 0.3))
            else:  # kill during the upload of the n-th data file, or just after it
                partial = run % 3 == 1
                _wait_for_files(table_dir, before, rng.randint(1, 2), partial, timeout_s=2.0)
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid)
            alive.discard(pid)
            acked = [int(line) for line in proc_tools.read_acks(tmp_path / f"ack-{run}")]
            counts = _check_after_kill(ws, run, acked)
            row_counts[ws.tables.snapshot(TABLE).version()] = sum(counts.values())
            pid = following or 0
    finally:
        for child in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        proc_tools.kill_all([zygote])
    assert len(counts) >= KILLS // 2, f"too few batches committed: {counts} (seed {seed})"

    # the killed writers left data files no commit references, and partial uploads
    leftovers = _untracked_files(table_dir)
    partial_uploads = {f for f in leftovers if re.search(r"\.parquet#\d+$", f)}
    assert partial_uploads, f"no kill landed during an upload (seed {seed})"
    assert leftovers - partial_uploads, f"no kill landed between upload and commit (seed {seed})"
    assert all(f.endswith(".parquet") for f in leftovers - partial_uploads), leftovers

    files_before = sum(1 for p in table_dir.rglob("*") if p.is_file())
    report = ws.tables.clean(TABLE)
    files_after = sum(1 for p in table_dir.rglob("*") if p.is_file())
    assert set(report.files) >= leftovers, (sorted(leftovers - set(report.files)), seed)
    others = set(report.files) - leftovers  # besides: only commits a kill left unfinished
    # (a commit file's own partial upload, ``<version>.json#N``, when a kill lands mid-commit)
    unfinished = r"_delta_log/(_commit_[\w-]+\.json\.tmp|\d{20}\.json#\d+)"
    assert all(re.fullmatch(unfinished, f) for f in others), others
    assert files_after == files_before - len(report.files)
    assert report.bytes > 0
    assert not _untracked_files(table_dir)
    assert not [p for p in table_dir.rglob("*") if "#" in p.name], partial_uploads
    assert not [p for p in (table_dir / "_delta_log").iterdir() if p.name.endswith(".tmp")]
    assert _batch_counts(ws) == counts  # the same content after clean
    for version, rows in row_counts.items():  # and the older versions still read
        assert sum(_batch_counts(ws, version).values()) == rows
    assert ws.tables.clean(TABLE).files == ()  # nothing left to remove
