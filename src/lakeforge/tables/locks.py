"""Inter-process locks on table names (POSIX ``flock``; released by the OS if a process dies).

- The *name* lock serializes create and drop of one name, so a half-created table left by a
  killed process can be removed safely by the next creator.
- The *writers* lock is held shared by every write and exclusively by cleanup, so cleanup only
  ever sees files of writers that are gone.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lakeforge.errors import RetryableError
from lakeforge.names import ObjectName


def lock_dir(warehouse: Path) -> Path:
    """Directory holding the lock files of a warehouse."""
    return warehouse / ".locks"


@contextmanager
def _flock(path: Path, mode: int, timeout_s: float, what: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
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
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)


@contextmanager
def name_lock(warehouse: Path, name: ObjectName, timeout_s: float = 60.0) -> Iterator[None]:
    """Exclusive lock for creating or dropping ``name``."""
    path = lock_dir(warehouse) / f"{name.full}.name.lock"
    with _flock(path, fcntl.LOCK_EX, timeout_s, f"table {name.full}"):
        yield


@contextmanager
def writer_lock(
    warehouse: Path, name: ObjectName, *, exclusive: bool = False, timeout_s: float = 60.0
) -> Iterator[None]:
    """Shared lock held while writing ``name``; exclusive for cleanup."""
    path = lock_dir(warehouse) / f"{name.full}.writers.lock"
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    with _flock(path, mode, timeout_s, f"table {name.full}"):
        yield
