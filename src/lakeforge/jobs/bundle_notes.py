"""What a bundle holds that lakeforge accepts but does not use, reported one line each.

Nothing in a bundle is dropped silently. Three kinds of notes, as the reference CLI's warnings:

- ``unknown_field``: a key no bundle field declares (file and YAML path, one line each; custom
  top-level keys that only hold YAML anchors are such keys, and the reference warns too);
- ``not_applicable``: cluster settings (``job_clusters``, ``new_cluster``,
  ``existing_cluster_id``, ``job_cluster_key``, ``libraries``, ``resources.clusters``): one line
  for the whole bundle, since every task runs as a local process;
- ``not_applied``: ``permissions`` and ``grants``, one line per resource that has them (there is
  no governance layer yet: the workspace's user owns everything).

The CLI prints them on stderr once per command and lists them in ``--json`` output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lakeforge.jobs.bundle_schema import Job, Resources, Target
from lakeforge.yaml_file import unknown_keys

NoteKind = Literal["unknown_field", "not_applicable", "not_applied", "not_deployed"]
_CLUSTER_TASK_FIELDS = ("new_cluster", "existing_cluster_id", "job_cluster_key", "libraries")


@dataclass(frozen=True, slots=True)
class BundleNote:
    """One reported bundle value.

    Attributes:
        kind: ``unknown_field``, ``not_applicable``, ``not_applied`` or ``not_deployed``.
        file: The YAML file, relative to the bundle root when inside it ('' for the bundle).
        path: YAML path of the value ('' for a note about the whole bundle).
        message: What lakeforge does with it.
    """

    kind: NoteKind
    file: str
    path: str
    message: str

    def line(self) -> str:
        """``file: path: message`` (empty parts left out)."""
        where = ": ".join(part for part in (self.file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, str]:
        """Plain data for ``--json`` output."""
        return {"kind": self.kind, "file": self.file, "path": self.path, "message": self.message}


def shown_file(file: Path, root: Path) -> str:
    """``file`` relative to the bundle root when it lies inside it, else as given."""
    try:
        return str(file.relative_to(root))
    except ValueError:
        return str(file)


def unknown_field_notes(model: Any, file: Path, root: Path, prefix: str = "") -> list[BundleNote]:
    """One note per key of ``model`` (a validated bundle model) that no field declares."""
    shown = shown_file(file, root)
    return [
        BundleNote("unknown_field", shown, path, "unknown field, ignored")
        for path in unknown_keys(model, prefix)
    ]


def _cluster_uses(jobs: Mapping[str, Job]) -> dict[str, int]:
    uses = dict.fromkeys(("job_clusters", *_CLUSTER_TASK_FIELDS), 0)
    for job in jobs.values():
        uses["job_clusters"] += len(job.job_clusters)
        for task in job.tasks:
            for name in _CLUSTER_TASK_FIELDS:
                uses[name] += 1 if getattr(task, name) else 0
    return {name: count for name, count in uses.items() if count}


def cluster_note(resources: Resources) -> list[BundleNote]:
    """At most one note naming every cluster setting of the bundle, with counts."""
    uses = _cluster_uses(resources.jobs)
    if resources.clusters:
        uses["resources.clusters"] = len(resources.clusters)
    if not uses:
        return []
    listed = ", ".join(f"{name} x{count}" for name, count in uses.items())
    return [
        BundleNote(
            "not_applicable",
            "",
            "",
            f"cluster settings are not applicable on one machine and are ignored ({listed}): "
            "every task runs as a local process with this Python",
        )
    ]


def _grant_count(resource: Any) -> tuple[str, int] | None:
    """``(field, entries)`` of a resource's permissions or grants, if it has any."""
    for name in ("permissions", "grants"):
        value = resource.get(name) if isinstance(resource, dict) else getattr(resource, name, None)
        if value:
            return name, len(value)
    return None


def _resources_with_grants(resources: Resources) -> Iterable[tuple[str, str, str, int]]:
    """``(section, key, field, entries)`` for every resource carrying permissions/grants."""
    for section in type(resources).model_fields:
        items = getattr(resources, section)
        for key, resource in (items or {}).items():
            found = _grant_count(resource)
            if found:
                yield section, key, found[0], found[1]


def grant_notes(
    resources: Resources,
    origins: Mapping[str, Mapping[str, Path]],
    root_file: Path,
    top: Mapping[str, Any],
    target: tuple[str, Target],
) -> list[BundleNote]:
    """One note per resource (and per top-level or target ``permissions``) not applied."""
    root = root_file.parent
    fix = "not applied (lakeforge has no governance layer yet)"
    notes: list[BundleNote] = []
    for section, key, field, count in _resources_with_grants(resources):
        file = origins.get(section, {}).get(key, root_file)
        path = f"resources.{section}.{key}.{field}"
        notes.append(
            BundleNote(
                "not_applied", shown_file(file, root), path, f"{count} entr{_ies(count)} {fix}"
            )
        )
    name, spec = target
    for path, value in (
        ("permissions", top.get("permissions")),
        (f"targets.{name}.permissions", spec.permissions),
    ):
        if value:
            count = len(value)
            notes.append(
                BundleNote(
                    "not_applied",
                    shown_file(root_file, root),
                    path,
                    f"{count} entr{_ies(count)} {fix}",
                )
            )
    return notes


def _ies(count: int) -> str:
    return "y" if count == 1 else "ies"


__all__ = [
    "BundleNote",
    "NoteKind",
    "cluster_note",
    "grant_notes",
    "shown_file",
    "unknown_field_notes",
]
