"""Bundle variables and ``${...}`` references (api-compat §6.1).

Precedence, highest first: ``--var name=value`` → ``BUNDLE_VAR_<name>`` environment variable →
``.databricks/bundle/<target>/variable-overrides.json`` → ``targets.<target>.variables`` → the
variable's ``default``. Every declared variable must resolve for the target, even if unused, and
must not expand to an empty string; ``--var`` for an undeclared variable is an error.

References replaced in every string of the bundle: ``${var.<name>}``, ``${bundle.name}``,
``${bundle.target}``, ``${workspace.current_user.userName}``,
``${workspace.current_user.short_name}``, ``${workspace.root_path}``,
``${workspace.file_path}`` (both the local bundle root: files are not synced anywhere),
``${workspace.host}``, ``${resources.jobs.<key>.id}`` and ``.name`` (a job's id is its key
locally) and ``${bundle.git.origin_url|branch|commit}`` (empty outside a git checkout, with a
note, as in the reference). A complex variable (``type: complex``) may only be used as a whole
value. Run-time references (``{{job.parameters.x}}``) are left for the runner.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakeforge.errors import BundleError, VariableError
from lakeforge.jobs.bundle_notes import BundleNote
from lakeforge.jobs.bundle_schema import Variable

REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")


@dataclass(frozen=True, slots=True)
class VariableSources:
    """Where variable values can come from, highest precedence first."""

    flags: Mapping[str, str]
    environment: Mapping[str, str]
    overrides_file: Path
    target: Mapping[str, Any]


def parse_flags(values: list[str] | tuple[str, ...], file: str) -> dict[str, str]:
    """``["k=v", ...]`` from ``--var`` flags as a mapping (the value may contain ``=``)."""
    parsed: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise VariableError(
                file, item, "a --var value must look like name=value", 'pass --var="name=value"'
            )
        parsed[name.strip()] = value
    return parsed


def _overrides(path: Path, file: str) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BundleError(
            str(path), "", f"is not valid JSON ({exc})", "fix or delete the overrides file"
        ) from exc
    if not isinstance(loaded, dict):
        raise BundleError(str(path), "", "must hold a JSON object", '{"name": "value"}')
    return loaded


def raw_values(
    declared: Mapping[str, Variable], sources: VariableSources, target: str, file: str
) -> dict[str, Any]:
    """Each declared variable's value by precedence (references in it not yet expanded).

    Raises:
        VariableError: ``--var`` names an undeclared variable, a target sets one, or a variable
            has no value for the target.
    """
    for name in sources.flags:
        if name not in declared:
            raise VariableError(
                file,
                name,
                f"--var sets {name!r}, which the bundle does not declare "
                f"(declared: {sorted(declared)})",
                f"declare it under variables: {{{name}: {{default: ...}}}} or drop the --var",
            )
    for name in sources.target:
        if name not in declared:
            raise VariableError(
                file,
                name,
                f"targets.{target}.variables sets undeclared variable {name!r}",
                f"declare it under the top-level variables: {{{name}: ...}}",
            )
    overrides = _overrides(sources.overrides_file, file)
    values: dict[str, Any] = {}
    for name, variable in declared.items():
        layers = (sources.flags, sources.environment, overrides, sources.target)
        found = next((layer[name] for layer in layers if name in layer), variable.default)
        if found is None:
            raise VariableError(
                file,
                name,
                f"variable {name!r} has no value for target {target!r}",
                f'pass --var="{name}=<value>" or set the environment variable '
                f"BUNDLE_VAR_{name}, or give it a default",
            )
        values[name] = found
    return values


class References:
    """Expands ``${...}`` references; variables may reference other variables."""

    def __init__(
        self,
        file: str,
        static: Mapping[str, str],
        raw_variables: Mapping[str, Any],
        declared: Mapping[str, Variable],
        git: Callable[[str], str],
    ) -> None:
        self._file = file
        self._static = dict(static)
        self._raw = dict(raw_variables)
        self._declared = declared
        self._git = git
        self._resolved: dict[str, Any] = {}
        self._resolving: list[str] = []

    def variable(self, name: str, where: str) -> Any:
        """A variable's final value (its own references expanded)."""
        if name in self._resolved:
            return self._resolved[name]
        if name not in self._raw:
            raise BundleError(
                self._file,
                where,
                f"${{var.{name}}} refers to an undeclared variable",
                f"declare variables: {{{name}: {{default: ...}}}} (declared: {sorted(self._raw)})",
            )
        if name in self._resolving:
            cycle = " -> ".join([*self._resolving, name])
            raise VariableError(self._file, name, f"variables refer to each other: {cycle}", "")
        self._resolving.append(name)
        try:
            value = self.expand(self._raw[name], f"variables.{name}")
        finally:
            self._resolving.pop()
        if isinstance(value, str) and not value.strip():
            raise VariableError(
                self._file,
                name,
                f"variable {name!r} expands to an empty string",
                f'give it a value: --var="{name}=<value>" or BUNDLE_VAR_{name}',
            )
        self._resolved[name] = value
        return value

    def all_variables(self) -> dict[str, Any]:
        """Every declared variable resolved (so unused ones are checked too)."""
        return {name: self.variable(name, f"variables.{name}") for name in self._raw}

    def _lookup(self, ref: str, where: str) -> Any:
        if ref.startswith("var."):
            return self.variable(ref[4:], where)
        if ref in self._static:
            return self._static[ref]
        if ref.startswith("bundle.git."):
            return self._git(ref.rsplit(".", 1)[1])
        raise BundleError(
            self._file,
            where,
            f"${{{ref}}} is not a reference lakeforge knows",
            "use ${var.<name>}, ${bundle.name}, ${bundle.target}, ${workspace.file_path}, "
            "${workspace.current_user.userName} or ${resources.jobs.<key>.id}",
        )

    def expand(self, value: Any, where: str) -> Any:
        """``value`` with every reference replaced (dicts and lists walked)."""
        if isinstance(value, dict):
            return {k: self.expand(v, f"{where}.{k}" if where else k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = REFERENCE.fullmatch(value)
        if whole:
            return self._lookup(whole.group(1), where)

        def replace(match: re.Match[str]) -> str:
            found = self._lookup(match.group(1), where)
            if isinstance(found, dict | list):
                raise BundleError(
                    self._file,
                    where,
                    f"complex value ${{{match.group(1)}}} is used inside a string",
                    "use a complex variable only as a whole value",
                )
            return _as_text(found)

        return REFERENCE.sub(replace, value)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def git_value(root: Path, file: str, notes: list[BundleNote] | None = None) -> Callable[[str], str]:
    """A reader of ``bundle.git.*`` values from the repository holding ``root``.

    Outside a git checkout (or without that value, e.g. no ``origin`` remote) a value is the
    empty string, as in the reference CLI, and one note per value is added to ``notes``.
    """
    commands = {
        "origin_url": ["git", "config", "--get", "remote.origin.url"],
        "branch": ["git", "rev-parse", "--abbrev-ref", "HEAD"],
        "commit": ["git", "rev-parse", "HEAD"],
    }
    seen: dict[str, str] = {}

    def read(key: str) -> str:
        command = commands.get(key)
        if command is None:
            raise BundleError(
                file, f"bundle.git.{key}", "is not a git value", "use origin_url, branch or commit"
            )
        if key in seen:
            return seen[key]
        try:
            proc = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
            value = "" if proc.returncode else proc.stdout.strip()
        except OSError:  # no git program
            value = ""
        if not value and notes is not None:
            notes.append(
                BundleNote(
                    "not_applicable",
                    "",
                    f"bundle.git.{key}",
                    f"{root} is not a git checkout with this value: ${{bundle.git.{key}}} "
                    "expands to an empty string",
                )
            )
        seen[key] = value
        return value

    return read


__all__ = ["REFERENCE", "References", "VariableSources", "git_value", "parse_flags", "raw_values"]
