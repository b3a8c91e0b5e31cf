"""Transient errors: the same call may succeed later.

Part of the tree drawn in :mod:`lakeforge.errors`; only the standard library is imported.
"""

from __future__ import annotations

from lakeforge.errors.base import LakeforgeError


class RetryableError(LakeforgeError):
    """A transient failure: the same call may succeed if repeated later."""

    retryable = True


class CommitConflictError(RetryableError):
    """A Delta commit kept conflicting with concurrent writers until the deadline."""

    def __init__(self, table: str, operation: str, attempts: int, seconds: float) -> None:
        self.table = table
        self.operation = operation
        self.attempts = attempts
        self.seconds = seconds
        super().__init__(
            f"{operation} on {table!r} conflicted with concurrent writers {attempts} times "
            f"over {seconds:.1f}s and was not committed",
            "retry the call (this error is retryable), or raise LAKEFORGE_COMMIT_TIMEOUT_S",
        )


class RegistrationTimeoutError(RetryableError):
    """A model version was still pending when ``await_registration_for`` ran out."""

    def __init__(self, name: str, version: int, seconds: float, status: str) -> None:
        self.name = name
        self.version = version
        self.seconds = seconds
        self.status = status
        super().__init__(
            f"version {version} of model {name!r} is still {status} after {seconds:g}s",
            "wait and check it with get_version / `lakeforge models versions NAME` (this error "
            "is retryable), or pass a larger await_registration_for",
        )


class OverloadedError(RetryableError):
    """Every concurrency slot and queue place of a served entity is taken."""

    def __init__(self, entity: str, limit: int, retry_after_s: int) -> None:
        self.entity = entity
        self.limit = limit
        self.retry_after_s = retry_after_s
        super().__init__(
            f"served entity {entity!r} is at its limit of {limit} concurrent and queued requests",
            f"retry after {retry_after_s}s (this error is retryable), or raise the entity's "
            "workload_size / max_provisioned_concurrency",
        )


class NotReadyError(RetryableError):
    """An endpoint, or something its served entities need, is not ready."""

    def __init__(self, resource: str, problem: str, fix: str) -> None:
        self.resource = resource
        self.problem = problem
        super().__init__(f"{resource!r} is not ready: {problem}", fix)
