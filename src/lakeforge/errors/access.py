"""Errors of authentication, permissions and busy objects (serving).

Part of the tree drawn in :mod:`lakeforge.errors`; only the standard library is imported.
"""

from __future__ import annotations

from lakeforge.errors.base import LakeforgeError


class AuthenticationError(LakeforgeError):
    """A request without a valid bearer token (missing, unknown, revoked or expired)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"authentication failed: {problem}",
            "send 'Authorization: Bearer <token>' with a token from `lakeforge tokens create`",
        )


class PermissionDeniedError(LakeforgeError):
    """An authenticated principal lacks the permission level an action needs."""

    def __init__(self, principal: str, action: str, needed: str, resource: str) -> None:
        self.principal = principal
        self.action = action
        self.needed = needed
        self.resource = resource
        super().__init__(
            f"{principal!r} may not {action} {resource!r}: it needs {needed}",
            f"ask a manager of {resource!r} to grant it: "
            f"`lakeforge endpoints grant {resource} {principal} {needed}`",
        )


class ConflictError(LakeforgeError):
    """The object is busy with another change; try again when it is done."""

    def __init__(self, resource: str, problem: str, fix: str) -> None:
        self.resource = resource
        super().__init__(f"{resource!r} {problem}", fix)
