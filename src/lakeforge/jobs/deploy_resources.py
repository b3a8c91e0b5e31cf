"""Create-or-update and remove, per kind of bundle resource (used by :mod:`.deploy`).

Each ``apply_*`` compares the resource with what the workspace holds and returns its
:class:`~.deployment.DeployedResource` with the outcome ``created``, ``updated`` or
``unchanged``; each ``remove_*`` deletes one and returns ``deleted``, ``kept`` (with why) or
``gone`` (already absent). A resource that existed before its first deploy is adopted
(``created=False``) and never removed. Names are used as written (development mode prefixes
job names only, as :mod:`.bundle` does).

Experiments and registered models go through the workspace's MLflow stores
(:mod:`lakeforge.models.tracking`, :class:`~lakeforge.models.registry.Registry`); serving
endpoints through hooks the caller passes (:class:`EndpointHooks`: the serving layer sits above
jobs), the same create-or-update path as ``lakeforge endpoints deploy``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakeforge.errors import (
    EndpointNotFoundError,
    ModelNotFoundError,
    NotEmptyError,
    NotFoundError,
    ValidationError,
)
from lakeforge.jobs.bundle_schema import Job
from lakeforge.jobs.deployment import DeployedResource, Outcome, digest
from lakeforge.jobs.resource_schema import (
    Experiment,
    RegisteredModel,
    SchemaResource,
    ServingEndpoint,
    VolumeResource,
)
from lakeforge.names import parse_name

if TYPE_CHECKING:
    from pydantic import BaseModel

    from lakeforge.tables.volume_store import VolumeStore
    from lakeforge.tables.workspace import Workspace

DESCRIPTION_TAG = "mlflow.note.content"  # where MLflow keeps an experiment's description
_ENDPOINT_OUTCOMES: dict[str, Outcome] = {"created": "created", "updated": "updated"}


@dataclass(frozen=True, slots=True)
class EndpointHooks:
    """Serving's create-or-update and delete, passed in by the caller.

    Attributes:
        deploy: ``(workspace, create body) -> (endpoint id, "created"|"updated"|"unchanged")``.
        delete: ``(workspace, endpoint name) -> None``; raises EndpointNotFoundError if absent.
    """

    deploy: Callable[[Workspace, dict[str, Any]], tuple[str, str]]
    delete: Callable[[Workspace, str], None]


@dataclass(frozen=True, slots=True)
class Context:
    """What every handler needs: the workspace and the endpoint hooks (None: not given)."""

    ws: Workspace
    endpoints: EndpointHooks | None = None


def _entry(
    kind: str,
    key: str,
    spec: BaseModel,
    previous: DeployedResource | None,
    found: tuple[str, str],
    outcome: Outcome,
    definition: dict[str, Any] | None = None,
) -> DeployedResource:
    """The record of one applied resource; ``found`` is ``(name, id)`` in the workspace."""
    name, object_id = found
    # Created by an earlier deploy (same object): still ours to remove on destroy.
    ours = previous is not None and previous.created and previous.id == object_id
    return DeployedResource(
        kind=kind,
        key=key,
        name=name,
        id=object_id,
        digest=digest(spec.model_dump(mode="json")),
        created=outcome == "created" or ours,
        outcome=outcome,
        definition=definition or {},
    )


# -- schemas and volumes ------------------------------------------------------------------------


def apply_schema(
    ctx: Context, key: str, spec: SchemaResource, previous: DeployedResource | None
) -> DeployedResource:
    """A catalog schema (its catalog must exist)."""
    schemas = ctx.ws.schemas
    full = f"{spec.catalog_name}.{spec.name}".lower()
    try:
        info = schemas.get(spec.catalog_name, spec.name)
    except NotFoundError:
        ctx.ws.catalogs.get(spec.catalog_name)  # a missing catalog: its own error and fix
        schemas.create(
            spec.catalog_name, spec.name, comment=spec.comment, owner=ctx.ws.settings.user
        )
        return _entry("schemas", key, spec, previous, (full, full), "created")
    outcome: Outcome = "unchanged"
    if spec.comment is not None and info.comment != spec.comment:
        schemas.set_comment(spec.catalog_name, spec.name, spec.comment)
        outcome = "updated"
    return _entry("schemas", key, spec, previous, (full, full), outcome)


def remove_schema(ctx: Context, resource: DeployedResource) -> tuple[Outcome, str]:
    """Drop a schema the deploy created, unless something else now lives in it."""
    catalog, schema = resource.id.split(".", 1)
    try:
        ctx.ws.schemas.drop(catalog, schema)
    except NotEmptyError as exc:
        return "kept", f"not empty ({', '.join(exc.children[:5])}); drop it with cascade yourself"
    except NotFoundError:
        return "gone", ""
    return "deleted", ""


def _volumes(ctx: Context) -> VolumeStore:
    return ctx.ws.volumes


def apply_volume(
    ctx: Context, key: str, spec: VolumeResource, previous: DeployedResource | None
) -> DeployedResource:
    """A managed volume (its schema must exist)."""
    if spec.volume_type.upper() != "MANAGED":
        raise ValidationError(
            f"resources.volumes.{key}: volume_type {spec.volume_type!r} is not available on one "
            "machine (its files would live outside the workspace)",
            "use volume_type: MANAGED (files under the workspace's volumes/ folder)",
        )
    volumes = _volumes(ctx)
    try:
        info = volumes.get(spec.full_name)
    except NotFoundError:
        info = volumes.create(spec.full_name, comment=spec.comment)
        return _entry("volumes", key, spec, previous, (info.full_name, info.volume_id), "created")
    outcome: Outcome = "unchanged"
    if spec.comment is not None and info.comment != spec.comment:
        volumes.set_comment(spec.full_name, spec.comment)
        outcome = "updated"
    return _entry("volumes", key, spec, previous, (info.full_name, info.volume_id), outcome)


def remove_volume(ctx: Context, resource: DeployedResource) -> tuple[Outcome, str]:
    """Drop a volume the deploy created, with its files."""
    return ("deleted", "") if _volumes(ctx).drop(resource.name, if_exists=True) else ("gone", "")


# -- experiments and models ---------------------------------------------------------------------


def _experiment_tags(spec: Experiment) -> dict[str, str]:
    tags = {tag.key: tag.value for tag in spec.tags}
    if spec.description is not None:
        tags[DESCRIPTION_TAG] = spec.description
    return tags


def apply_experiment(
    ctx: Context, key: str, spec: Experiment, previous: DeployedResource | None
) -> DeployedResource:
    """An MLflow experiment by name (a deleted one is restored); tags and description set."""
    from lakeforge.models import tracking

    name = tracking.validate_experiment_name(spec.name)
    client = tracking.client(ctx.ws.settings)
    found = client.get_experiment_by_name(name)
    wanted = _experiment_tags(spec)
    if found is None:
        experiment_id = str(client.create_experiment(name, tags=wanted or None))
        return _entry("experiments", key, spec, previous, (name, experiment_id), "created")
    experiment_id = str(found.experiment_id)
    outcome: Outcome = "unchanged"
    if found.lifecycle_stage == "deleted":
        client.restore_experiment(experiment_id)
        outcome = "created"
    for tag, value in wanted.items():
        if found.tags.get(tag) != value:
            client.set_experiment_tag(experiment_id, tag, value)
            outcome = "updated" if outcome == "unchanged" else outcome
    return _entry("experiments", key, spec, previous, (name, experiment_id), outcome)


def remove_experiment(ctx: Context, resource: DeployedResource) -> tuple[Outcome, str]:
    """Delete an experiment the deploy created (MLflow keeps it restorable)."""
    from lakeforge.models import tracking

    client = tracking.client(ctx.ws.settings)
    found = client.get_experiment_by_name(resource.name)
    if found is None or found.lifecycle_stage == "deleted":
        return "gone", ""
    client.delete_experiment(str(found.experiment_id))
    return "deleted", ""


def apply_model(
    ctx: Context, kind: str, key: str, spec: RegisteredModel, previous: DeployedResource | None
) -> DeployedResource:
    """A registered model (``catalog.schema.name``; shorter names take the current schema)."""
    from lakeforge.models import tracking
    from lakeforge.models.registry import Registry

    settings = ctx.ws.settings
    full = parse_name(
        spec.full_name,
        current_catalog=settings.current_catalog,
        current_schema=settings.current_schema,
    ).full
    registry = Registry(ctx.ws)
    client = tracking.client(settings)
    wanted = {tag.key: tag.value for tag in spec.tags}
    try:
        info = registry.describe_model(full)  # checks the name and that its schema exists
    except ModelNotFoundError:
        client.create_registered_model(full, tags=wanted or None, description=spec.text)
        return _entry(kind, key, spec, previous, (full, full), "created")
    outcome: Outcome = "unchanged"
    if spec.text is not None and info.description != spec.text:
        client.update_registered_model(full, description=spec.text)
        outcome = "updated"
    for tag, value in wanted.items():
        if info.tags.get(tag) != value:
            client.set_registered_model_tag(full, tag, value)
            outcome = "updated"
    return _entry(kind, key, spec, previous, (full, full), outcome)


def remove_model(ctx: Context, resource: DeployedResource) -> tuple[Outcome, str]:
    """Delete a registered model the deploy created, with its versions and aliases."""
    from lakeforge.models.registry import Registry

    try:
        Registry(ctx.ws).delete_model(resource.id, force=True)
    except NotFoundError:
        return "gone", ""
    return "deleted", ""


# -- jobs and endpoints -------------------------------------------------------------------------


def apply_job(
    ctx: Context, key: str, spec: Job, previous: DeployedResource | None
) -> DeployedResource:
    """A job: its resolved definition is recorded (jobs run from the record's bundle)."""
    definition = spec.model_dump(mode="json")
    changed = previous is None or previous.digest != digest(definition)
    outcome: Outcome = "created" if previous is None else ("updated" if changed else "unchanged")
    found = (spec.name or key, key)
    return _entry("jobs", key, spec, previous, found, outcome, definition)


def remove_job(ctx: Context, resource: DeployedResource) -> tuple[Outcome, str]:
    """A job lives in the deployment record only: removing it from there is all."""
    return "deleted", ""


def _hooks(ctx: Context, key: str) -> EndpointHooks:
    if ctx.endpoints is None:
        raise ValidationError(
            f"resources.model_serving_endpoints.{key} cannot be deployed: no endpoint hooks",
            "deploy with `lakeforge bundle deploy`, or pass endpoints=EndpointHooks(...)",
        )
    return ctx.endpoints


def apply_endpoint(
    ctx: Context, key: str, spec: ServingEndpoint, previous: DeployedResource | None
) -> DeployedResource:
    """A serving endpoint, through serving's create-or-update (a running ``lakeforge serve``
    picks the change up)."""
    endpoint_id, outcome = _hooks(ctx, key).deploy(ctx.ws, spec.body())
    checked = _ENDPOINT_OUTCOMES.get(outcome, "unchanged")
    return _entry("model_serving_endpoints", key, spec, previous, (spec.name, endpoint_id), checked)


def remove_endpoint(ctx: Context, resource: DeployedResource) -> tuple[Outcome, str]:
    """Delete an endpoint the deploy created."""
    try:
        _hooks(ctx, resource.key).delete(ctx.ws, resource.name)
    except EndpointNotFoundError:
        return "gone", ""
    return "deleted", ""


__all__ = [
    "DESCRIPTION_TAG",
    "Context",
    "EndpointHooks",
    "apply_endpoint",
    "apply_experiment",
    "apply_job",
    "apply_model",
    "apply_schema",
    "apply_volume",
    "remove_endpoint",
    "remove_experiment",
    "remove_job",
    "remove_model",
    "remove_schema",
    "remove_volume",
]
