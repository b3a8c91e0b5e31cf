"""Inter-process locks on table names (POSIX ``flock``; released by the OS if a process dies).

- The *name* lock serializes create and drop of one name, so a half-created table left by a
  killed process can be removed safely by the next creator.
- The *writers* lock is held shared by every write and exclusively by cleanup, so cleanup only
  ever sees files of writers that are gone.
- The *gate* lock keeps cleanup from starving: ``flock`` grants a shared lock whenever no
  exclusive one is held, so writers whose writes overlap would hold the writers lock forever.
  A writer passes the gate (shared, only while taking the writers lock); cleanup closes it
  (exclusive) first, so new writers queue at the gate while the running writes drain.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from lakeforge.errors import RetryableError
from lakeforge.names import ObjectName

_MAX_STEM_BYTES = 200  # file names are limited to 255 bytes; names can be 3 x 255 characters
_POLL_MAX_S = 0.01


def lock_dir(warehouse: Path) -> Path:
    """Directory holding the lock files of a warehouse."""
    return warehouse / ".locks"


def lock_path(warehouse: Path, name: ObjectName, kind: str) -> Path:
    """Lock file of ``kind`` for ``name``: the full name, or for long names a prefix of it and
    a digest of the whole (a file name may not be longer than 255 bytes)."""
    stem = name.full
    encoded = stem.encode()
    if len(encoded) > _MAX_STEM_BYTES:
        digest = hashlib.sha256(encoded).hexdigest()[:32]
        stem = encoded[:100].decode(errors="ignore") + "~" + digest
    return lock_dir(warehouse) / f"{stem}.{kind}.lock"


@contextmanager
def _flock(path: Path, mode: int, timeout_s: float, what: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RetryableError(
                        f"{what} is busy (lock {path} held by another process for "
                        f"{timeout_s:.0f}s)",
                        "retry shortly; if no lakeforge process is running, the lock is stale "
                        "only while a process holds it, so check for hung processes",
                    ) from None
                time.sleep(pause)
                pause = min(_POLL_MAX_S, pause * 2)
        yield
    finally:
        os.close(fd)


@contextmanager
def file_lock(path: Path, what: str, timeout_s: float = 60.0) -> Iterator[None]:
    """Exclusive lock on the file ``path`` (created, with its folder, when missing)."""
    with _flock(path, fcntl.LOCK_EX, timeout_s, what):
        yield


@contextmanager
def name_lock(warehouse: Path, name: ObjectName, timeout_s: float = 60.0) -> Iterator[None]:
    """Exclusive lock for creating or dropping ``name``."""
    path = lock_path(warehouse, name, "name")
    with _flock(path, fcntl.LOCK_EX, timeout_s, f"table {name.full}"):
        yield


@contextmanager
def writer_lock(
    warehouse: Path, name: ObjectName, *, exclusive: bool = False, timeout_s: float = 60.0
) -> Iterator[None]:
    """Shared lock held while writing ``name``; exclusive for cleanup (which waits for the
    running writes and holds new ones back, however busy the table is)."""
    what = f"table {name.full}"
    gate = lock_path(warehouse, name, "gate")
    writers = lock_path(warehouse, name, "writers")
    deadline = time.monotonic() + timeout_s
    with ExitStack() as stack:
        if exclusive:
            stack.enter_context(_flock(gate, fcntl.LOCK_EX, timeout_s, what))
            left = max(0.0, deadline - time.monotonic())
            stack.enter_context(_flock(writers, fcntl.LOCK_EX, left, what))
        else:
            with _flock(gate, fcntl.LOCK_SH, timeout_s, what):
                left = max(0.0, deadline - time.monotonic())
                stack.enter_context(_flock(writers, fcntl.LOCK_SH, left, what))
        yield


@contextmanager
def volume_lock(warehouse: Path, name: ObjectName, timeout_s: float = 60.0) -> Iterator[None]:
    """Exclusive lock for creating or dropping volume ``name`` (a name space of its own)."""
    path = lock_path(warehouse, name, "volume")
    with _flock(path, fcntl.LOCK_EX, timeout_s, f"volume {name.full}"):
        yield
