"""The root of the error tree and the errors of settings, workspaces, names and existence.

Part of the tree drawn in :mod:`lakeforge.errors`; only the standard library is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _rebuild_error(cls: type[LakeforgeError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle a lakeforge error without calling its (keyword-specific) ``__init__``."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class LakeforgeError(Exception):
    """Base of every error lakeforge raises on purpose.

    Args:
        what: What failed, e.g. ``"table main.gold.orders not found"``.
        fix: The next action for the user (an option, a command, an install line).
    """

    retryable: bool = False

    def __init__(self, what: str, fix: str | None = None) -> None:
        self.what = what
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        return self.what if not self.fix else f"{self.what}. Fix: {self.fix}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take structured arguments, so the default ``cls(*self.args)`` cannot
        # rebuild them; restore the attributes instead (errors cross process boundaries).
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(LakeforgeError):
    """A setting, config-file entry or environment value is invalid."""

    def __init__(self, setting: str, value: object, problem: str, fix: str) -> None:
        self.setting = setting
        self.value = value
        super().__init__(f"setting {setting}={value!r} is invalid: {problem}", fix)


class MissingExtraError(ConfigurationError):
    """An optional dependency needed for a feature is not installed."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        self.package = package
        self.extra = extra
        LakeforgeError.__init__(
            self,
            f"{feature} needs the package {package!r}, which is not installed",
            f'pip install "lakeforge[{extra}]"',
        )


class WorkspaceError(LakeforgeError):
    """The workspace is missing, unreadable or was written by a newer lakeforge."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        super().__init__(f"workspace {path}: {problem}", fix)


class MigrationError(WorkspaceError):
    """The metadata store cannot be brought to this lakeforge's schema version."""


class InvalidNameError(LakeforgeError):
    """A name or one of its parts is not a valid identifier."""

    def __init__(self, name: str, part: str, problem: str, fix: str | None = None) -> None:
        self.name = name
        self.part = part
        self.problem = problem
        super().__init__(
            f"invalid name {name!r}: part {part!r} {problem}",
            fix
            or "use catalog.schema.name (or one part for the current schema); parts may not "
            "contain '.', spaces, '/', or control characters and are at most 255 characters",
        )


class PathEscapeError(InvalidNameError):
    """A name would resolve to a storage path outside the workspace."""

    def __init__(self, name: str, path: str, root: str) -> None:
        self.path = path
        self.root = root
        LakeforgeError.__init__(
            self,
            f"name {name!r} resolves to {path}, outside the workspace root {root}",
            "use plain identifier parts; storage paths are always derived inside the workspace",
        )
        self.name = name
        self.part = name
        self.problem = "escapes the workspace"


class AlreadyExistsError(LakeforgeError):
    """An object exists and the caller did not ask for IF NOT EXISTS."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(
            f"{kind} {name!r} already exists",
            "pass if_not_exists=True (CLI: --if-not-exists) or drop it first",
        )


class NotEmptyError(LakeforgeError):
    """A catalog or schema still holds objects and cascade was not asked."""

    def __init__(self, kind: str, name: str, children: Sequence[str]) -> None:
        self.kind = kind
        self.name = name
        self.children = list(children)
        more = f" (and {len(self.children) - 10} more)" if len(self.children) > 10 else ""
        super().__init__(
            f"{kind} {name!r} is not empty; it holds {', '.join(self.children[:10])}{more}",
            "drop those first or pass cascade=True (CLI: --cascade)",
        )
