"""What a notebook's ``%pip install`` asks for, compared with the running environment.

``%pip install [-r FILE] [-U] [--quiet] [pip options] REQUIREMENT...`` is read into
requirement lines (``-r`` files expanded, nested ``-r`` relative to the file that names them,
local paths relative to the working directory as pip reads them) and pip options to pass on.
Each requirement is then decided against the running environment:

- ``satisfied``: installed at a version the specifier accepts (``-U`` does not upgrade it:
  the running version stays, and the log says so);
- ``conflict``: installed at another version and one of the packages lakeforge itself runs on
  (its dependencies, transitively, from its own distribution metadata) — replacing it would
  change lakeforge under the task;
- ``install``: missing, or another version of a package lakeforge does not need;
- ``skip``: an environment marker that does not apply here.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from lakeforge.errors import NotebookMagicError
from lakeforge.models.environment import installed_version

Action = Literal["satisfied", "conflict", "install", "skip"]

# pip options passed on as they are: those that take a value, then flags.
_VALUE_OPTIONS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links"}
_VALUE_OPTIONS |= {"--trusted-host", "--upgrade-strategy", "-c", "--constraint"}
_FLAGS = {"--pre", "--no-index", "--no-cache-dir", "--no-build-isolation", "--prefer-binary"}
_FLAGS |= {"--no-deps", "--disable-pip-version-check", "--no-warn-conflicts"}
_QUIET = {"-q", "--quiet", "-qq", "-qqq", "-v", "--verbose", "--no-input", "--no-color"}
_UPGRADE = {"-U", "--upgrade"}
# Options that would install somewhere else than the task's overlay.
_REFUSED = {"-t", "--target", "--prefix", "--root", "--user", "--src", "-e", "--editable"}
_REFUSED |= {"--force-reinstall", "-I", "--ignore-installed"}  # would shadow lakeforge's own
_REQUIREMENT_FILE = {"-r", "--requirement"}
# lakeforge's extras whose packages it runs on when they are installed (not dev tooling).
_RUNTIME_EXTRAS = ("ml", "serve", "postgres", "spark")
_FIX = "write `%pip install [-r requirements.txt] [-U] [--quiet] PACKAGE...`"
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


@dataclass(frozen=True, slots=True)
class PipRequest:
    """A parsed ``%pip install``: requirement lines, pip options, and whether ``-U`` was given."""

    requirements: tuple[str, ...]
    options: tuple[str, ...] = ()
    upgrade: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """What ``%pip`` does with one requirement."""

    requirement: str
    action: Action
    package: str | None = None
    running: str | None = None
    note: str = field(default="")

    def line(self) -> str:
        """One line for the task log."""
        if self.action == "satisfied":
            return (
                f"{self.requirement}: already satisfied ({self.package} {self.running}){self.note}"
            )
        if self.action == "conflict":
            return (
                f"WARNING {self.requirement} conflicts with {self.package} {self.running}, which "
                f"lakeforge runs on: keeping {self.running}"
            )
        if self.action == "skip":
            return f"{self.requirement}: skipped (its environment marker does not apply)"
        return f"{self.requirement}: to install into the notebook's overlay{self.note}"

    def conflict_text(self) -> str:
        """``requirement (running X)`` for run tags."""
        return f"{self.requirement} (running {self.package} {self.running})"


def _is_path(text: str) -> bool:
    return text.startswith((".", "/", "~")) or text.endswith((".whl", ".tar.gz", ".zip"))


def _is_url(text: str) -> bool:
    return "://" in text.split("@")[0] or text.startswith(("git+", "hg+", "svn+", "bzr+"))


def _absolute(text: str, cwd: Path) -> str:
    return str((cwd / Path(text).expanduser()).resolve()) if _is_path(text) else text


def _file_lines(file: Path) -> list[str]:
    """Logical lines of a requirements file: comments dropped, continuations joined."""
    try:
        text = file.read_text()
    except OSError as exc:
        raise NotebookMagicError(
            "%pip install -r", f"cannot read the requirements file {file} ({exc})", _FIX
        ) from None
    text = re.sub(r"\\\n", " ", text)
    lines = [re.sub(r"(^|\s)#.*$", "", line).strip() for line in text.splitlines()]
    return [line for line in lines if line]


def _split_option(token: str) -> tuple[str, str | None]:
    """``--name=value`` and ``-rvalue`` into name and value; other tokens stay whole."""
    if token.startswith("--") and "=" in token:
        name, value = token.split("=", 1)
        return name, value
    if len(token) > 2 and token[0] == "-" and token[1] in "rcfi":
        return token[:2], token[2:]
    return token, None


def _expand(tokens: list[str], cwd: Path, base: Path, seen: set[Path]) -> PipRequest:
    """Requirements and options of ``tokens`` (``base``: the folder ``-r`` paths start from)."""
    requirements: list[str] = []
    options: list[str] = []
    upgrade = False
    items = iter(tokens)
    for token in items:
        name, value = _split_option(token)
        if name in _REQUIREMENT_FILE or name in _VALUE_OPTIONS:
            value = value if value is not None else next(items, "")
        if name in _REQUIREMENT_FILE:
            nested = _read_file((base / str(value)).resolve(), cwd, seen)
            requirements += nested.requirements
            options += nested.options
            upgrade |= nested.upgrade
        elif name in _UPGRADE:
            upgrade = True
        elif name in _QUIET:
            continue
        elif name in _REFUSED:
            raise NotebookMagicError(
                f"%pip install {token}",
                "is not available in a notebook task: it would install outside the task's "
                "overlay, in editable mode, or over packages lakeforge runs on",
                _FIX + " (a local project path works without -e)",
            )
        elif name in _VALUE_OPTIONS:
            local = name in {"-c", "--constraint", "-f", "--find-links"} and "://" not in str(value)
            options += [name, str((base / str(value)).resolve()) if local else str(value)]
        elif name in _FLAGS:
            options.append(name)
        elif name.startswith("-"):
            raise NotebookMagicError(
                f"%pip install {token}", "is not an option lakeforge passes on to pip", _FIX
            )
        else:
            requirements.append(_absolute(token, cwd))
    return PipRequest(tuple(requirements), tuple(options), upgrade)


def _read_file(file: Path, cwd: Path, seen: set[Path]) -> PipRequest:
    if file in seen:
        return PipRequest(())
    seen.add(file)
    tokens: list[str] = []
    for line in _file_lines(file):
        if line.startswith("-"):
            tokens += shlex.split(line)
            continue
        # a requirement may hold spaces (markers); --hash only matters to hash-checking mode
        tokens.append(re.sub(r"\s--hash[= ]\S+", "", line).strip())
    return _expand(tokens, cwd, file.parent, seen)


def parse_pip(line: str, cwd: Path) -> PipRequest:
    """Parse the text after ``%pip``.

    Raises:
        NotebookMagicError: Not an ``install``, an option that installs elsewhere, or a
            requirements file that cannot be read.
    """
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise NotebookMagicError(
            f"%pip {line}", f"cannot be split into words ({exc})", _FIX
        ) from None
    if not tokens or tokens[0] != "install":
        command = tokens[0] if tokens else "(nothing)"
        raise NotebookMagicError(
            f"%pip {command}",
            "only `%pip install` runs in a notebook task (it installs into the task's overlay)",
            _FIX + "; list packages with importlib.metadata or `!pip list`",
        )
    request = _expand(tokens[1:], cwd, cwd, set())
    if not request.requirements:
        raise NotebookMagicError(f"%pip {line}", "names no requirement", _FIX)
    return request


def _runs_on(text: str, top: bool) -> str | None:
    """The distribution a requirement line of lakeforge (``top``) or of a dependency names, if
    the running lakeforge depends on it: base requirements always, lakeforge's own non-tooling
    extras when installed (``mlflow`` with ``[ml]``)."""
    requirement = Requirement(text)
    marker = requirement.marker
    if marker is None or marker.evaluate({"extra": ""}):
        return requirement.name
    extras = _RUNTIME_EXTRAS if top else ()
    if any(marker.evaluate({"extra": extra}) for extra in extras):
        return requirement.name if installed_version(requirement.name) is not None else None
    return None


@functools.cache
def runtime_packages() -> frozenset[str]:
    """Canonical names of the distributions lakeforge runs on: its requirements and those of its
    installed extras (not the ``dev`` tooling), transitively."""
    seen: set[str] = set()
    stack = ["lakeforge"]
    while stack:
        name = canonicalize_name(stack.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        stack += [n for n in (_runs_on(t, name == "lakeforge") for t in requires) if n]
    return frozenset(seen)


def _version_ok(requirement: Requirement) -> bool:
    version = installed_version(requirement.name)
    return version is not None and requirement.specifier.contains(version, prereleases=True)


def _extras_ok(requirement: Requirement) -> bool:
    """Whether what the requirement's extras add is installed too."""
    for extra in requirement.extras:
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            applies = needed.marker is not None and needed.marker.evaluate({"extra": extra})
            needed.marker = None
            if applies and not (_version_ok(needed) and _extras_ok(needed)):
                return False
    return True


def _decide_file(text: str, runtime: frozenset[str]) -> Decision:
    match = _WHEEL.match(Path(text).name)
    if match is None:
        return Decision(text, "install")
    package = canonicalize_name(match.group("name"))
    running = installed_version(package)
    if running is not None and running == match.group("version"):
        return Decision(text, "satisfied", package, running)
    if running is not None and package in runtime:
        return Decision(text, "conflict", package, running)
    return Decision(text, "install", package)


def decide(text: str, runtime: frozenset[str], *, upgrade: bool = False) -> Decision:
    """Decide one requirement line against the running environment (see the module doc).

    Raises:
        NotebookMagicError: The line is not a requirement pip could read.
    """
    if _is_path(text) or _is_url(text):
        return _decide_file(text, runtime)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise NotebookMagicError(
            f"%pip install {text}", f"is not a requirement ({exc})", _FIX
        ) from None
    if requirement.marker is not None and not requirement.marker.evaluate():
        return Decision(text, "skip")
    package = canonicalize_name(requirement.name)
    running = installed_version(package)
    if requirement.url is None and _version_ok(requirement):
        if not _extras_ok(requirement):  # pip adds what the extras need, the version stays
            return Decision(text, "install", package, running, " (what its extras need)")
        note = " (-U: the running version stays; pin a version to get another)" if upgrade else ""
        return Decision(text, "satisfied", package, running, note)
    if running is not None and package in runtime:
        return Decision(text, "conflict", package, running)
    note = f" (shadows the installed {running})" if running is not None else ""
    return Decision(text, "install", package, running, note)


__all__ = ["Decision", "PipRequest", "decide", "parse_pip", "runtime_packages"]
