"""Value objects of the model registry: registered models, versions, alias changes.

Built from MLflow's registry entities by :func:`version_info` and :func:`model_info`; plain
frozen dataclasses so the CLI renders them and callers never hold MLflow objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelVersionInfo:
    """One version of a registered model.

    Attributes:
        name: ``catalog.schema.model``.
        version: Version number (from 1).
        status: ``READY``, ``PENDING_REGISTRATION`` or ``FAILED_REGISTRATION``.
        source: Where the version's files come from (a run, logged model or another version).
        run_id: Run that produced the model, if known.
        aliases: Aliases pointing at this version.
        tags: Version tags.
        description: Version description.
        created_at: Creation time, epoch milliseconds.
        updated_at: Last update time, epoch milliseconds.
    """

    name: str
    version: int
    status: str
    source: str
    run_id: str | None = None
    aliases: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    created_at: int = 0
    updated_at: int = 0

    @property
    def uri(self) -> str:
        """``models:/catalog.schema.model/<version>``."""
        return f"models:/{self.name}/{self.version}"


@dataclass(frozen=True, slots=True)
class RegisteredModelInfo:
    """A registered model.

    Attributes:
        name: ``catalog.schema.model``.
        latest_version: Highest version number, or None without versions.
        aliases: Alias → version number.
        tags: Model tags.
        description: Model description.
        created_at: Creation time, epoch milliseconds.
        updated_at: Last update time, epoch milliseconds.
        versions: Every version, oldest first (filled by ``describe_model`` only).
    """

    name: str
    latest_version: int | None = None
    aliases: dict[str, int] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    created_at: int = 0
    updated_at: int = 0
    versions: tuple[ModelVersionInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class AliasChange:
    """The result of setting an alias: where it points now and where it pointed before."""

    name: str
    alias: str
    version: int
    previous_version: int | None = None


def version_info(mv: Any) -> ModelVersionInfo:
    """A :class:`ModelVersionInfo` from an MLflow ``ModelVersion``."""
    return ModelVersionInfo(
        name=str(mv.name),
        version=int(mv.version),
        status=str(mv.status),
        source=str(mv.source),
        run_id=mv.run_id or None,
        aliases=tuple(sorted(mv.aliases or ())),
        tags=dict(mv.tags or {}),
        description=mv.description or None,
        created_at=int(mv.creation_timestamp or 0),
        updated_at=int(mv.last_updated_timestamp or 0),
    )


def model_info(rm: Any, versions: tuple[ModelVersionInfo, ...] = ()) -> RegisteredModelInfo:
    """A :class:`RegisteredModelInfo` from an MLflow ``RegisteredModel``."""
    latest = [int(v.version) for v in rm.latest_versions or ()]
    return RegisteredModelInfo(
        name=str(rm.name),
        latest_version=max(latest) if latest else None,
        aliases={str(k): int(v) for k, v in sorted((rm.aliases or {}).items())},
        tags=dict(rm.tags or {}),
        description=rm.description or None,
        created_at=int(rm.creation_timestamp or 0),
        updated_at=int(rm.last_updated_timestamp or 0),
        versions=versions,
    )
