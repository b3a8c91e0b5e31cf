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

# deltalake raises CommitFailedError both for conflicts ("Failed to commit transaction: 0" when
# a newer version appeared and no retries are allowed, "... a concurrent transaction added new
# data", "Metadata changed since last commit", ...) and for commits that can never succeed.
_CONFLICT_MARKERS = (
    "failed to commit transaction",
    "commit failed",
    "conflict",
    "concurrent",
    "changed since last commit",
    "version already exists",
    "existing table version",
)
_PERMANENT_MARKERS = (
    "append-only",
    "does not support",
    "unsupported",
    "features required",
    "corrupted",
    "error evaluating predicate",
    "no metadata found",
    "schema",
)


def is_conflict(exc: BaseException) -> bool:
    """True for deltalake errors that mean "another writer committed first": re-running the
    operation on the new snapshot can succeed. Commits refused for good (an append-only table,
    an unsupported protocol, a schema error) are not conflicts."""
    from deltalake.exceptions import CommitFailedError, DeltaError

    if not isinstance(exc, DeltaError):
        return False
    text = str(exc).lower()
    if any(marker in text for marker in _PERMANENT_MARKERS):
        return False
    return isinstance(exc, CommitFailedError) or any(m in text for m in _CONFLICT_MARKERS)


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
