"""HTTP responses, and the one mapping from lakeforge errors to HTTP statuses.

Error bodies are ``{"error_code": ..., "message": ...}``: the message is the error's own text
(what failed and how to fix it), never a stack trace and never the request payload. Errors that
are not lakeforge errors are logged with their request id and answered with a generic 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import Response

from lakeforge import errors as e

log = logging.getLogger("lakeforge.serving")

# (error class, status, error_code); the first match wins, so subclasses come first.
_STATUS: tuple[tuple[type[e.LakeforgeError], int, str], ...] = (
    (e.PayloadTooLargeError, 413, "BAD_REQUEST"),
    (e.UnsupportedMediaTypeError, 415, "BAD_REQUEST"),
    (e.AuthenticationError, 401, "UNAUTHENTICATED"),
    (e.PermissionDeniedError, 403, "PERMISSION_DENIED"),
    (e.OverloadedError, 429, "REQUEST_LIMIT_EXCEEDED"),
    (e.NotReadyError, 503, "TEMPORARILY_UNAVAILABLE"),
    (e.ConflictError, 409, "RESOURCE_CONFLICT"),
    (e.NotFoundError, 404, "RESOURCE_DOES_NOT_EXIST"),
    (e.AlreadyExistsError, 409, "RESOURCE_ALREADY_EXISTS"),
    (e.ScoringInputError, 400, "BAD_REQUEST"),
    (e.ValidationError, 400, "INVALID_PARAMETER_VALUE"),
    (e.InvalidNameError, 400, "INVALID_PARAMETER_VALUE"),
    (e.ScoringError, 400, "BAD_REQUEST"),
    (e.RetryableError, 503, "TEMPORARILY_UNAVAILABLE"),
)


def status_of(error: e.LakeforgeError) -> tuple[int, str]:
    """HTTP status and reference error code for a lakeforge error."""
    for cls, status, code in _STATUS:
        if isinstance(error, cls):
            return status, code
    return 500, "INTERNAL_ERROR"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (strict JSON: no NaN)."""
    text = json.dumps(body, allow_nan=False, default=str, separators=(",", ":"))
    return Response(text, status, headers, media_type="application/json")


def error_response(error: BaseException, request_id: str, *, invocation: bool = False) -> Response:
    """The response for an error raised while handling a request.

    Args:
        error: What was raised.
        request_id: Echoed in a header, and in the log for unexpected errors.
        invocation: Validation errors of invocations use ``BAD_REQUEST`` (reference §2.3).
    """
    headers = {"x-request-id": request_id}
    if not isinstance(error, e.LakeforgeError):
        log.error("request %s failed", request_id, exc_info=error)
        body = {
            "error_code": "INTERNAL_ERROR",
            "message": f"internal error; the server log has details under request id {request_id}",
        }
        return json_response(body, 500, headers)
    status, code = status_of(error)
    if invocation and code == "INVALID_PARAMETER_VALUE":
        code = "BAD_REQUEST"
    if isinstance(error, e.OverloadedError):
        headers["Retry-After"] = str(error.retry_after_s)
    elif status == 503:
        headers["Retry-After"] = "1"
    if status >= 500:
        log.warning("request %s: %s", request_id, error)
    return json_response({"error_code": code, "message": str(error)}, status, headers)


__all__ = ["error_response", "json_response", "status_of"]
