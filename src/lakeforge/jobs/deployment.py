"""Deployment records: what ``bundle deploy`` put in the workspace, per bundle and target.

::

    deployments/<bundle>/<target>.json     one DeploymentRecord, rewritten atomically

A record lists every deployed resource with its workspace id, a digest of its definition and
whether the deploy created it (``bundle destroy`` removes only those). Jobs have no other home:
their record holds the resolved job definition, so ``bundle summary`` and ``lakeforge jobs``
can list deployed jobs without the bundle files.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from lakeforge.jobs.records import now, write_atomically
from lakeforge.names import validate_part
from lakeforge.settings import Settings

Outcome = Literal["created", "updated", "unchanged", "deleted", "kept", "gone"]
DEPLOYMENTS_DIR = "deployments"


class DeployedResource(BaseModel):
    """One resource as deployed.

    Attributes:
        kind: The resource section (``jobs``, ``experiments``, ``registered_models`` ...).
        key: Its key in the bundle (``resources.<kind>.<key>``).
        name: Its name in the workspace (a job's name, a model's ``catalog.schema.name`` ...).
        id: Its workspace id (experiment id, endpoint id; the name where that is the id).
        digest: SHA-256 of its definition, to tell an update from no change.
        created: Whether a deploy created it (``destroy`` removes only such resources).
        outcome: What the last deploy or destroy did to it.
        detail: Why, when the outcome needs a reason (``kept: schema not empty``).
        definition: The resolved definition (jobs only).
    """

    kind: str
    key: str
    name: str
    id: str
    digest: str
    created: bool
    outcome: Outcome
    detail: str = ""
    definition: dict[str, Any] = Field(default_factory=dict)

    def line(self) -> str:
        """``kind.key (name): outcome`` for the CLI."""
        shown = f" ({self.name})" if self.name and self.name != self.key else ""
        reason = f" - {self.detail}" if self.detail else ""
        return f"{self.kind}.{self.key}{shown}: {self.outcome}{reason}"


class DeploymentRecord(BaseModel):
    """Everything one ``bundle deploy`` of one target left in the workspace."""

    bundle: str
    target: str
    mode: str | None = None
    root: str
    user: str
    deployed_at: datetime = Field(default_factory=now)
    resources: list[DeployedResource] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def find(self, kind: str, key: str) -> DeployedResource | None:
        """The deployed resource ``kind.key``, if any."""
        return next((r for r in self.resources if r.kind == kind and r.key == key), None)


def digest(definition: Any) -> str:
    """SHA-256 of a definition's canonical JSON."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class DeploymentStore:
    """Deployment records of one workspace (``<workspace>/deployments``)."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.workspace / DEPLOYMENTS_DIR

    def path(self, bundle: str, target: str) -> Path:
        """The record file of a bundle's target (names validated: they become paths)."""
        folder = validate_part(bundle, role="bundle name")
        return self.root / folder / f"{validate_part(target, role='target')}.json"

    def get(self, bundle: str, target: str) -> DeploymentRecord | None:
        """The record, or None when the target was never deployed (or was destroyed)."""
        path = self.path(bundle, target)
        if not path.is_file():
            return None
        return DeploymentRecord.model_validate_json(path.read_text())

    def save(self, record: DeploymentRecord) -> Path:
        """Write a record atomically (readers never see half a file)."""
        path = self.path(record.bundle, record.target)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, record.model_dump_json(indent=2))
        return path

    def delete(self, bundle: str, target: str) -> None:
        """Remove a record (nothing left deployed)."""
        self.path(bundle, target).unlink(missing_ok=True)

    def all(self) -> list[DeploymentRecord]:
        """Every record of the workspace, by bundle and target."""
        if not self.root.is_dir():
            return []
        files = sorted(self.root.glob("*/*.json"))
        return [DeploymentRecord.model_validate_json(f.read_text()) for f in files]


def deployed_jobs(settings: Settings) -> list[tuple[DeploymentRecord, DeployedResource]]:
    """Every deployed job of the workspace with its deployment, by bundle, target and key."""
    return [
        (record, resource)
        for record in DeploymentStore(settings).all()
        for resource in record.resources
        if resource.kind == "jobs"
    ]


__all__ = [
    "DEPLOYMENTS_DIR",
    "DeployedResource",
    "DeploymentRecord",
    "DeploymentStore",
    "Outcome",
    "deployed_jobs",
    "digest",
]
