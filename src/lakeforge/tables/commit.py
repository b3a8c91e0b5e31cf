"""Retry Delta commits that conflict with concurrent writers, with jittered backoff.

deltalake retries a conflicting commit a few times with no pause; under several writers that
loses writes. Each write is therefore wrapped here: on a commit conflict the whole operation is
re-run against the new table snapshot (a merge re-reads the target), sleeping a random, growing
interval, until a deadline; then :class:`~lakeforge.errors.CommitConflictError` (retryable).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from lakeforge.errors import CommitConflictError

T = TypeVar("T")

_CONFLICT_MARKERS = (
    "commit failed",
    "conflict",
    "concurrent",
    "version already exists",
    "already exists",
    "transaction",
)


def is_conflict(exc: BaseException) -> bool:
    """True for deltalake errors that mean "another writer committed first"."""
    from deltalake.exceptions import CommitFailedError, DeltaError

    if isinstance(exc, CommitFailedError):
        return True
    if isinstance(exc, DeltaError):
        text = str(exc).lower()
        return any(marker in text for marker in _CONFLICT_MARKERS) and "schema" not in text
    return False


def with_commit_retry(
    operation: Callable[[], T],
    *,
    table: str,
    name: str,
    timeout_s: float,
    base_delay_s: float = 0.005,
    max_delay_s: float = 0.5,
) -> T:
    """Run ``operation`` until it commits, retrying conflicts until ``timeout_s`` has passed."""
    start = time.monotonic()
    attempts = 0
    delay = base_delay_s
    while True:
        attempts += 1
        try:
            return operation()
        except Exception as exc:
            if not is_conflict(exc):
                raise
            elapsed = time.monotonic() - start
            if elapsed >= timeout_s:
                raise CommitConflictError(table, name, attempts, elapsed) from exc
            time.sleep(min(random.uniform(0, delay), max(0.0, timeout_s - elapsed)))
            delay = min(max_delay_s, delay * 2)
