"""Process exit codes for lakeforge errors (the only place they are decided)."""

from __future__ import annotations

from lakeforge.errors import (
    AlreadyExistsError,
    ConfigurationError,
    InvalidNameError,
    JobRunError,
    LakeforgeError,
    NotEmptyError,
    NotFoundError,
    RetryableError,
    SqlError,
    ValidationError,
    WorkspaceError,
)

OK = 0
FAILURE = 1
USAGE = 2
NOT_FOUND = 3
ALREADY_EXISTS = 4
INVALID_INPUT = 5
CONFIGURATION = 6
PARTIAL_FAILURE = 9  # a pipeline run where some models failed and the others went through
TEMPORARY_FAILURE = 75  # sysexits EX_TEMPFAIL: retry later

_ORDER: tuple[tuple[type[LakeforgeError], int], ...] = (
    (RetryableError, TEMPORARY_FAILURE),
    (NotFoundError, NOT_FOUND),
    (AlreadyExistsError, ALREADY_EXISTS),
    (NotEmptyError, INVALID_INPUT),
    (InvalidNameError, INVALID_INPUT),
    (ValidationError, INVALID_INPUT),
    (SqlError, INVALID_INPUT),
    (WorkspaceError, CONFIGURATION),
    (ConfigurationError, CONFIGURATION),
)


def exit_code(error: LakeforgeError) -> int:
    """Exit code for an error: the first matching class in a fixed order."""
    if isinstance(error, JobRunError) and error.state == "PARTIAL_FAILURE":
        return PARTIAL_FAILURE
    for cls, code in _ORDER:
        if isinstance(error, cls):
            return code
    return FAILURE
