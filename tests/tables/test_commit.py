"""Commit-conflict retry: retried until success, or a retryable error at the deadline."""

from __future__ import annotations

import pytest
from deltalake.exceptions import CommitFailedError, DeltaError

from lakeforge.errors import CommitConflictError, RetryableError
from lakeforge.tables.commit import is_conflict, with_commit_retry


def test_conflicts_are_retried_until_the_operation_commits() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise CommitFailedError("Commit failed: a concurrent transaction added new data")
        return "committed"

    assert with_commit_retry(flaky, table="t", name="merge", timeout_s=10) == "committed"
    assert len(calls) == 4


def test_persistent_conflict_becomes_retryable_error_naming_table_and_attempts() -> None:
    def always() -> None:
        raise CommitFailedError("Commit failed: concurrent transaction")

    with pytest.raises(CommitConflictError) as info:
        with_commit_retry(always, table="main.gold.orders", name="merge", timeout_s=0.2)
    error = info.value
    assert isinstance(error, RetryableError)
    assert error.retryable
    assert error.attempts >= 2
    assert "main.gold.orders" in str(error)
    assert "LAKEFORGE_COMMIT_TIMEOUT_S" in str(error)


def test_other_errors_are_not_retried() -> None:
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bad predicate")

    with pytest.raises(ValueError, match="bad predicate"):
        with_commit_retry(broken, table="t", name="delete", timeout_s=5)
    assert len(calls) == 1


def test_conflict_detection() -> None:
    assert is_conflict(CommitFailedError("x"))
    assert is_conflict(DeltaError("Transaction failed: version already exists"))
    assert not is_conflict(DeltaError("Schema error: cannot cast"))
    assert not is_conflict(ValueError("conflict"))
