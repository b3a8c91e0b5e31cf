"""Bundle resources other than jobs (``resources.<kind>.<key>``), as ``bundle deploy`` reads them.

Field names follow the reference bundle format (api-compat §6.2). Unknown fields are kept aside
and reported as warnings (:class:`~lakeforge.yaml_file.LenientModel`), as the reference CLI does.
``permissions`` and ``grants`` are accepted and reported as not applied; a serving endpoint's
``config`` is checked when it is deployed, by the same code as ``lakeforge endpoints deploy``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lakeforge.yaml_file import LenientModel

Grants = list[dict[str, Any]]


class ResourceTag(LenientModel):
    key: str = Field(min_length=1)
    value: str = ""


class Experiment(LenientModel):
    """``resources.experiments.<key>``: an MLflow experiment by name."""

    name: str = Field(min_length=1)
    description: str | None = None
    tags: list[ResourceTag] = Field(default_factory=list)
    permissions: Grants = Field(default_factory=list)


class RegisteredModel(LenientModel):
    """``resources.registered_models.<key>`` (catalog models) and the legacy
    ``resources.models.<key>`` (workspace registry models, ``description`` instead of
    ``comment``)."""

    name: str = Field(min_length=1)
    catalog_name: str | None = None
    schema_name: str | None = None
    comment: str | None = None
    description: str | None = None
    grants: Grants = Field(default_factory=list)
    permissions: Grants = Field(default_factory=list)
    tags: list[ResourceTag] = Field(default_factory=list)

    @property
    def full_name(self) -> str:
        """``catalog.schema.name`` when both parts are given, else the name as written."""
        parts = [p for p in (self.catalog_name, self.schema_name) if p]
        return ".".join([*parts, self.name]) if len(parts) == 2 else self.name

    @property
    def text(self) -> str | None:
        """The model's description (``comment``, or the legacy ``description``)."""
        return self.comment if self.comment is not None else self.description


class SchemaResource(LenientModel):
    """``resources.schemas.<key>``: a catalog schema."""

    catalog_name: str = Field(min_length=1)
    name: str = Field(min_length=1)
    comment: str | None = None
    grants: Grants = Field(default_factory=list)


class VolumeResource(LenientModel):
    """``resources.volumes.<key>``: a catalog volume."""

    catalog_name: str = Field(min_length=1)
    schema_name: str = Field(min_length=1)
    name: str = Field(min_length=1)
    volume_type: str = "MANAGED"
    comment: str | None = None
    storage_location: str | None = None
    grants: Grants = Field(default_factory=list)

    @property
    def full_name(self) -> str:
        """``catalog.schema.volume``."""
        return f"{self.catalog_name}.{self.schema_name}.{self.name}"


# The create body of ``lakeforge endpoints deploy`` (serving's CreateEndpointInput fields).
ENDPOINT_BODY_FIELDS = (
    "name",
    "config",
    "ai_gateway",
    "tags",
    "description",
    "route_optimized",
    "budget_policy_id",
    "email_notifications",
    "rate_limits",
    "telemetry_config",
)


class ServingEndpoint(LenientModel):
    """``resources.model_serving_endpoints.<key>``: the REST create body plus permissions."""

    name: str = Field(min_length=1)
    config: dict[str, Any] | None = None
    ai_gateway: dict[str, Any] | None = None
    tags: list[dict[str, Any]] | None = None
    description: str | None = None
    route_optimized: bool | None = None
    budget_policy_id: str | None = None
    email_notifications: dict[str, Any] | None = None
    rate_limits: list[dict[str, Any]] | None = None
    telemetry_config: dict[str, Any] | None = None
    permissions: Grants = Field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """The create body: declared fields that are set (no permissions, no unknown keys)."""
        given = {name: getattr(self, name) for name in ENDPOINT_BODY_FIELDS}
        return {k: v for k, v in given.items() if v is not None}


__all__ = [
    "ENDPOINT_BODY_FIELDS",
    "Experiment",
    "RegisteredModel",
    "ResourceTag",
    "ServingEndpoint",
    "SchemaResource",
    "VolumeResource",
]
