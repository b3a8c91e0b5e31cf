"""Writer process for the concurrency and crash tests (run with ``sys.executable``).

Every write that returns is acknowledged by appending one line to ``ack_file`` and fsyncing it,
so the tests can check that each acknowledged write is in the table. The tests load this file
(by path: tests is not a package) for its schemas and process helpers.

Modes::

    mix   WS TABLE PROC N START ACK    wait for START to exist, then N writes: even i merges
                                       counter-PROC=i plus row op-PROC-i, odd i appends op-PROC-i;
                                       acknowledges "KIND I VERSION"
    batch WS TABLE FIRST ROWS READY GO ACK [MAX]
                                       open the workspace, touch READY, wait for GO, then write
                                       batches FIRST, FIRST+1, ... of ROWS rows each (even ids
                                       appended, odd ids merged) until killed or MAX batches are
                                       written; acknowledges "BATCH"
    hold  WS TABLE ACQUIRED RELEASE    touch ACQUIRED.trying, take the table's writers lock (as
                                       every write does), touch ACQUIRED, and hold it until
                                       RELEASE exists
    zygote WS TABLE ROWS               fork a ``batch`` writer per stdin line "FIRST READY GO ACK"
                                       and print its pid
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pyarrow as pa

from lakeforge.tables.locks import writer_lock
from lakeforge.tables.workspace import Workspace

ROW_SCHEMA = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("proc", pa.int64()),
        pa.field("op", pa.int64()),
        pa.field("kind", pa.string()),
        pa.field("value", pa.int64()),
    ]
)
BATCH_SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("batch", pa.int64()),
        pa.field("payload", pa.float64()),
    ]
)
KEYS_PER_BATCH = 1_000_000


def spawn(*args: str | Path | int) -> subprocess.Popen[str]:
    """Start this script in a new Python process with ``args``; stdin and output are pipes."""
    return subprocess.Popen(
        [sys.executable, __file__, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_all(procs: list[subprocess.Popen[str]]) -> None:
    """SIGKILL and reap every process still running."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, ValueError):
            proc.communicate(timeout=10)


def wait_for(path: Path, proc: subprocess.Popen[str], timeout_s: float = 60.0) -> None:
    """Wait until ``path`` exists; fail with the process output if it exits or times out."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.communicate(timeout=10)[0] if proc.poll() is not None else "(running)"
            raise AssertionError(f"{path.name} never appeared; exit {proc.returncode}: {out}")
        time.sleep(0.005)


def read_acks(path: Path) -> list[str]:
    """Acknowledged lines (none when the file was never created)."""
    return path.read_text().splitlines() if path.exists() else []


def acknowledge(ack: Path, line: str) -> None:
    """Append ``line`` to the acknowledgement file and force it to disk."""
    with open(ack, "a") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _wait_for(path: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"start file {path} never appeared")
        time.sleep(0.005)


def mix(ws_path: Path, table: str, proc: int, count: int, start: Path, ack: Path) -> None:
    ws = Workspace.open(ws_path)
    _wait_for(start)
    for i in range(1, count + 1):
        unique = {"key": f"op-{proc}-{i}", "proc": proc, "op": i, "value": i}
        if i % 2 == 0:
            rows = [
                {"key": f"counter-{proc}", "proc": proc, "op": i, "kind": "counter", "value": i},
                {**unique, "kind": "merge"},
            ]
            result = ws.tables.merge(table, pa.Table.from_pylist(rows, schema=ROW_SCHEMA))
            acknowledge(ack, f"merge {i} {result.version}")
        else:
            rows = [{**unique, "kind": "append"}]
            result = ws.tables.append(table, pa.Table.from_pylist(rows, schema=ROW_SCHEMA))
            acknowledge(ack, f"append {i} {result.version}")
    ws.close()


def batch_table(batch: int, rows: int) -> pa.Table:
    """Rows of one batch: ids ``batch * KEYS_PER_BATCH + 0 .. rows - 1``."""
    first = batch * KEYS_PER_BATCH
    ids = pa.array(np.arange(first, first + rows, dtype=np.int64))
    same = np.full(rows, batch, dtype=np.int64)
    return pa.table([ids, pa.array(same), pa.array(same * 0.5)], schema=BATCH_SCHEMA)


def batches(
    ws_path: Path, table: str, first: int, rows: int, ready: Path, go: Path, ack: Path, limit: int
) -> None:
    ws = Workspace.open(ws_path)
    ready.touch()
    _wait_for(go)
    batch = first
    while limit <= 0 or batch < first + limit:
        data = batch_table(batch, rows)
        if batch % 2 == 0:
            ws.tables.append(table, data)
        else:
            ws.tables.merge(table, data)
        acknowledge(ack, str(batch))
        batch += 1
    ws.close()


def hold(ws_path: Path, table: str, acquired: Path, release: Path) -> None:
    """Hold the table's writers lock as a write does, from taking it until RELEASE exists."""
    ws = Workspace.open(ws_path)
    info = ws.metadata.tables.get(ws.tables.resolve(table))
    acquired.with_name(acquired.name + ".trying").touch()
    with writer_lock(ws.settings.warehouse, info.name):
        acquired.touch()
        _wait_for(release)
    ws.close()


def zygote(ws_path: Path, table: str, rows: int) -> None:
    """Fork one ``batches`` writer per stdin line "FIRST READY GO ACK"; print each child's pid.

    Forking from this process, which has imported everything but touched no table, spares each
    writer the interpreter start-up; children are reaped by the kernel (SIGCHLD ignored).
    """
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:  # until the test closes stdin
        first, ready, go, ack = line.split()
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                batches(ws_path, table, int(first), rows, Path(ready), Path(go), Path(ack), 0)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(f"PID {pid}", flush=True)


def main(argv: list[str]) -> None:
    mode, ws_path, table = argv[0], Path(argv[1]), argv[2]
    if mode == "mix":
        mix(ws_path, table, int(argv[3]), int(argv[4]), Path(argv[5]), Path(argv[6]))
    elif mode == "batch":
        first, rows, ready, go, ack = int(argv[3]), int(argv[4]), *map(Path, argv[5:8])
        limit = int(argv[8]) if len(argv) > 8 else 0
        batches(ws_path, table, first, rows, ready, go, ack, limit)
    elif mode == "hold":
        hold(ws_path, table, Path(argv[3]), Path(argv[4]))
    elif mode == "zygote":
        zygote(ws_path, table, int(argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
