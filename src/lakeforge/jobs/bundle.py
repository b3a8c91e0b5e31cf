"""Loading a bundle: ``databricks.yml`` + includes → one validated :class:`Bundle` for a target.

Steps (api-compat §6.1): every file is read with ``yaml.safe_load`` (anchors, aliases and merge
keys anywhere) and validated on its own (errors name the file and the YAML path; unknown keys
become :class:`~.bundle_notes.BundleNote` warnings with the same file and path); relative paths
are made absolute against the file that contains them; includes (globs relative to the root
file) are merged, a job or variable defined twice being an error; the target is chosen (``-t``,
else the one marked ``default: true``, else the only one); its ``resources`` are merged over the
top-level ones (tasks by ``task_key``, environments by ``environment_key``, parameters by
``name``); variables are resolved (:mod:`.variables`) and ``${...}`` references expanded; then
jobs are checked (:mod:`.job_checks`) and the settings without local effect noted
(:mod:`.bundle_notes`). ``mode: development`` prefixes job names with ``[dev <user>]``, tags
jobs ``dev`` and pauses schedules, as the reference does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeforge.errors import BundleError, JobNotFoundError
from lakeforge.jobs import job_checks
from lakeforge.jobs.bundle_notes import BundleNote, cluster_note, grant_notes, unknown_field_notes
from lakeforge.jobs.bundle_paths import absolute_paths
from lakeforge.jobs.bundle_schema import BundleFile, Job, Resources, Target, Variable
from lakeforge.jobs.variables import References, VariableSources, git_value, raw_values
from lakeforge.yaml_file import read_mapping
from lakeforge.yaml_file import validate as _validate

BUNDLE_FILES = ("databricks.yml", "databricks.yaml", "bundle.yml", "bundle.yaml")
DEFAULT_TARGET = "default"
_MERGE_KEYS = {"tasks": "task_key", "environments": "environment_key", "parameters": "name"}
_MERGE_KEYS |= {"job_clusters": "job_cluster_key"}


@dataclass(frozen=True, slots=True)
class Bundle:
    """A bundle resolved for one target.

    Attributes:
        name: ``bundle.name``.
        target: The selected target.
        mode: The target's mode (``development``/``production``) or None.
        root: Directory of the root bundle file (put on each task's import path).
        files: Every YAML file read, root first.
        variables: Resolved variable values.
        jobs: Job resources by key, references expanded, paths absolute.
        user: The user the bundle runs as (``workspace.current_user.userName``).
        targets: Every target the bundle defines.
        resources: Every resource (jobs as in ``jobs``), references expanded.
        notes: Unknown keys and settings without local effect, one line each.
    """

    name: str
    target: str
    mode: str | None
    root: Path
    files: tuple[Path, ...]
    variables: Mapping[str, Any]
    jobs: Mapping[str, Job]
    user: str
    targets: tuple[str, ...] = field(default=())
    resources: Resources = field(default_factory=Resources)
    notes: tuple[BundleNote, ...] = field(default=())

    def job(self, key: str) -> Job:
        """The job resource ``key``.

        Raises:
            JobNotFoundError: No such job (the message lists the bundle's jobs).
        """
        if key not in self.jobs:
            raise JobNotFoundError(key, sorted(self.jobs), "pass one of the bundle's job keys")
        return self.jobs[key]


def find_root_file(path: str | Path) -> Path:
    """The root bundle file: ``path`` itself, or the bundle file in directory ``path``."""
    given = Path(path)
    if given.is_file():
        return given.resolve()
    for name in BUNDLE_FILES:
        if (given / name).is_file():
            return (given / name).resolve()
    raise BundleError(
        str(given),
        "",
        f"no bundle file ({', '.join(BUNDLE_FILES)}) found",
        "run from the bundle's directory or pass its path",
    )


def _load_file(
    path: Path, root_dir: Path, *, root: bool
) -> tuple[dict[str, Any], list[BundleNote]]:
    """One file read, validated on its own and with its paths made absolute; its unknown
    keys as notes."""
    raw = read_mapping(path)
    model = _validate(BundleFile, raw, path)  # types, with this file's YAML paths
    notes = unknown_field_notes(model, path, root_dir)
    if not root and "bundle" in raw:
        raise BundleError(
            str(path), "bundle", "only the root bundle file may set bundle:", "move it there"
        )
    absolute_paths(raw.get("resources"), path.parent)
    for target in (raw.get("targets") or {}).values():
        if isinstance(target, dict):
            absolute_paths(target.get("resources"), path.parent)
    return raw, notes


def _includes(root_file: Path, patterns: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for index, pattern in enumerate(patterns):
        matches = sorted(root_file.parent.glob(pattern))
        if not matches and not any(c in pattern for c in "*?["):
            raise BundleError(
                str(root_file),
                f"include[{index}]",
                f"{pattern!r} matches no file",
                "fix the path (relative to the root bundle file) or remove it",
            )
        found += [Path(m).resolve() for m in matches if Path(m).resolve() != root_file]
    return list(dict.fromkeys(found))


def _merge_section(
    merged: dict[str, Any], origin: dict[str, Path], section: str, items: Any, path: Path
) -> None:
    for key, value in (items or {}).items():
        if key in merged:
            raise BundleError(
                str(path),
                f"{section}.{key}",
                f"is also defined in {origin[key]}",
                "define it in one file only",
            )
        merged[key] = value
        origin[key] = path


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` over ``base``: mappings merged key by key, keyed lists (tasks by
    ``task_key`` ...) merged item by item, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            if key in _MERGE_KEYS and isinstance(value, list) and isinstance(out.get(key), list):
                out[key] = _merge_list(out[key], value, _MERGE_KEYS[key])
            else:
                out[key] = deep_merge(out.get(key), value) if key in out else value
        return out
    return override


def _merge_list(base: list[Any], override: list[Any], key: str) -> list[Any]:
    out = list(base)
    index = {item.get(key): i for i, item in enumerate(out) if isinstance(item, dict)}
    for item in override:
        name = item.get(key) if isinstance(item, dict) else None
        if name is not None and name in index:
            out[index[name]] = deep_merge(out[index[name]], item)
        else:
            out.append(item)
    return out


def _select_target(targets: Mapping[str, Any], wanted: str | None, file: Path) -> str:
    if wanted is not None:
        if targets and wanted not in targets:
            raise BundleError(
                str(file),
                f"targets.{wanted}",
                f"target {wanted!r} is not defined (targets: {sorted(targets)})",
                "pass -t with one of the defined targets",
            )
        return wanted
    defaults = [name for name, t in targets.items() if (t or {}).get("default") is True]
    if len(defaults) > 1:
        raise BundleError(
            str(file), "targets", f"several targets are default: {defaults}", "mark only one"
        )
    if defaults:
        return defaults[0]
    if len(targets) == 1:
        return next(iter(targets))
    if not targets:
        return DEFAULT_TARGET
    raise BundleError(
        str(file),
        "targets",
        f"no target selected and none is marked default (targets: {sorted(targets)})",
        "pass -t <target> or set default: true on one target",
    )


def short_name(user: str) -> str:
    """``workspace.current_user.short_name``: the user name before ``@``, as an identifier."""
    return re.sub(r"[^A-Za-z0-9]", "_", user.split("@", 1)[0]).lower()


@dataclass(frozen=True, slots=True)
class _Merged:
    files: list[Path]
    resources: dict[str, Any]
    variables: dict[str, Any]
    targets: dict[str, Any]
    workspace: dict[str, Any]
    origins: dict[str, dict[str, Path]]
    notes: list[BundleNote]


def _merge_files(root_file: Path, root_raw: dict[str, Any], notes: list[BundleNote]) -> _Merged:
    files = [root_file, *_includes(root_file, root_raw.get("include") or [])]
    resources: dict[str, Any] = {}
    origins: dict[str, dict[str, Path]] = {}
    variables: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    var_origin: dict[str, Path] = {}
    target_origin: dict[str, Path] = {}
    for path in files:
        if path == root_file:
            raw = root_raw
        else:
            raw, file_notes = _load_file(path, root_file.parent, root=False)
            notes += file_notes
        for section, items in (raw.get("resources") or {}).items():
            merged = resources.setdefault(section, {})
            origin = origins.setdefault(section, {})
            _merge_section(merged, origin, f"resources.{section}", items, path)
        _merge_section(variables, var_origin, "variables", raw.get("variables"), path)
        _merge_section(targets, target_origin, "targets", raw.get("targets"), path)
    workspace = dict(root_raw.get("workspace") or {})
    return _Merged(files, resources, variables, targets, workspace, origins, notes)


def load_bundle(
    path: str | Path,
    *,
    target: str | None = None,
    variables: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    user: str = "lakeforge",
) -> Bundle:
    """Read, merge, resolve and check a bundle for one target.

    Args:
        path: The root bundle file or its directory.
        target: Target name (default: the target marked ``default: true``).
        variables: ``--var`` values.
        environment: ``BUNDLE_VAR_<name>`` values (see ``settings.bundle_variable_environment``).
        user: ``workspace.current_user.userName``.

    Raises:
        BundleError: A file is unreadable or invalid (file and YAML path named), a reference
            or variable cannot be resolved, or a job is inconsistent (see :mod:`.job_checks`).
    """
    root_file = find_root_file(path)
    root_raw, notes = _load_file(root_file, root_file.parent, root=True)
    if not isinstance(root_raw.get("bundle"), dict):
        raise BundleError(
            str(root_file), "bundle", "the root bundle file needs bundle: {name: ...}", ""
        )
    merged = _merge_files(root_file, root_raw, notes)
    chosen = _select_target(merged.targets, target, root_file)
    spec = Target.model_validate(merged.targets.get(chosen) or {})
    resources = deep_merge(merged.resources, spec.resources)
    declared = {n: Variable.model_validate(v or {}) for n, v in merged.variables.items()}
    sources = VariableSources(
        flags=dict(variables or {}),
        environment=dict(environment or {}),
        overrides_file=root_file.parent
        / ".databricks"
        / "bundle"
        / chosen
        / "variable-overrides.json",
        target=spec.variables,
    )
    raw_vars = raw_values(declared, sources, chosen, str(root_file))
    name = str(root_raw["bundle"]["name"])
    workspace = deep_merge(merged.workspace, spec.workspace)
    static = {
        "bundle.name": name,
        "bundle.target": chosen,
        "workspace.current_user.userName": user,
        "workspace.current_user.short_name": short_name(user),
        "workspace.root_path": str(root_file.parent),
        "workspace.file_path": str(root_file.parent),
        "workspace.host": str(workspace.get("host") or ""),
    }
    static |= {f"resources.jobs.{key}.id": key for key in (resources.get("jobs") or {})}
    refs = References(
        str(root_file),
        static,
        raw_vars,
        declared,
        git_value(root_file.parent, str(root_file), notes),
    )
    values = refs.all_variables()
    expanded = refs.expand(resources, "resources")
    typed = _validate_merged(
        expanded, lambda: refs.expand(merged.resources, "resources"), chosen, root_file
    )
    jobs = {key: _for_mode(job, spec.mode, user) for key, job in typed.jobs.items()}
    for key, job in jobs.items():
        job_checks.check_job(str(root_file), key, job)
    notes = _all_notes(merged, typed, root_file, root_raw, (chosen, spec))
    return Bundle(
        name=name,
        target=chosen,
        mode=spec.mode,
        root=root_file.parent,
        files=tuple(merged.files),
        variables=values,
        jobs=jobs,
        user=user,
        targets=tuple(merged.targets) or (DEFAULT_TARGET,),
        resources=typed.model_copy(update={"jobs": jobs}),
        notes=tuple(notes),
    )


def _all_notes(
    merged: _Merged,
    typed: Resources,
    root_file: Path,
    root_raw: dict[str, Any],
    target: tuple[str, Target],
) -> list[BundleNote]:
    """The files' notes, then unknown keys only the target's overrides bring (reported under
    ``targets.<target>.resources``), then cluster and permission notes."""
    notes = list(merged.notes)
    seen = {n.path for n in notes if n.kind == "unknown_field"}
    for note in unknown_field_notes(typed, root_file, root_file.parent, "resources"):
        if note.path not in seen:
            path = f"targets.{target[0]}.resources ({note.path})"
            notes.append(BundleNote(note.kind, note.file, path, note.message))
    notes += cluster_note(typed)
    notes += grant_notes(typed, merged.origins, root_file, root_raw, target)
    return notes


def _validate_merged(
    expanded: dict[str, Any], base: Callable[[], Any], target: str, file: Path
) -> Resources:
    """Validate resources with the target's overrides merged in; an error that only the
    overrides cause is reported under ``targets.<target>.resources``. The resources without
    the overrides (``base``) are expanded only to place such an error."""
    try:
        resources: Resources = _validate(Resources, expanded, file, "resources")
        return resources
    except BundleError as exc:
        try:
            _validate(Resources, base(), file, "resources")
        except BundleError:
            raise exc from None
        raise BundleError(
            str(file), f"targets.{target}.resources ({exc.yaml_path})", exc.problem, exc.fix or ""
        ) from None


def _for_mode(job: Job, mode: str | None, user: str) -> Job:
    """Development mode: ``[dev <user>]`` name prefix, ``dev`` tag, schedules paused."""
    if mode != "development":
        return job
    who = short_name(user)
    changes: dict[str, Any] = {
        "name": f"[dev {who}] {job.name}" if job.name else f"[dev {who}]",
        "tags": {**job.tags, "dev": who},
    }
    if job.schedule is not None:
        changes["schedule"] = job.schedule.model_copy(update={"pause_status": "PAUSED"})
    return job.model_copy(update=changes)


__all__ = ["BUNDLE_FILES", "Bundle", "deep_merge", "find_root_file", "load_bundle", "short_name"]
