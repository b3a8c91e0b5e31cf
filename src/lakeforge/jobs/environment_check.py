"""A job environment's ``dependencies`` checked against the running Python (guardrail 0).

Locally every task runs in the current environment, so declared dependencies are not
installed: they are compared with what is installed and the result recorded on the run.
A package that is missing, or a local wheel/path that does not exist, stops the task (it
could not import anyway). A version outside the declared specifier is a warning when only the
patch differs or the specifier is a range, and — as for models — a major.minor difference from
an exact pin is a warning by default and stops the task under ``strict_environment``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from lakeforge.models.environment import installed_version, major_minor


@dataclass(frozen=True, slots=True)
class DependencyCheck:
    """One declared dependency compared with the environment."""

    requirement: str
    installed: str | None
    problem: str | None = None
    fatal: bool = False

    def line(self) -> str:
        """A one-line summary for logs and run records."""
        state = f"installed {self.installed}" if self.installed else "not installed"
        return f"{self.requirement}: {self.problem or 'ok'} ({state})"


def _exact_pin(requirement: Requirement) -> str | None:
    pins = [s.version for s in requirement.specifier if s.operator in {"==", "==="}]
    return pins[0] if len(pins) == 1 else None


def check_dependency(text: str, *, strict: bool) -> DependencyCheck:
    """Compare one dependency line with the environment."""
    if text.endswith(".whl") or text.startswith(("/", "./", "../")):
        found = Path(text).exists()
        return DependencyCheck(text, None, None if found else "file not found", fatal=not found)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        return DependencyCheck(text, None, f"not a requirement ({exc})", fatal=True)
    installed = installed_version(requirement.name)
    if installed is None:
        return DependencyCheck(text, None, "not installed", fatal=True)
    if not requirement.specifier or requirement.specifier.contains(installed, prereleases=True):
        return DependencyCheck(text, installed)
    pin = _exact_pin(requirement)
    if pin is not None and major_minor(pin) != major_minor(installed):
        problem = f"major.minor differs from {pin}"
        return DependencyCheck(text, installed, problem, fatal=strict)
    return DependencyCheck(text, installed, f"outside {requirement.specifier}")


def check_dependencies(lines: Sequence[str], *, strict: bool = False) -> list[DependencyCheck]:
    """Every dependency of an environment spec, in order."""
    return [check_dependency(line, strict=strict) for line in lines]


__all__ = ["DependencyCheck", "check_dependencies", "check_dependency"]
