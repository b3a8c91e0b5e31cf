"""``bundle deploy`` and ``bundle destroy``: a bundle's resources made real in the workspace.

Deploy creates or updates, in this order, the bundle's schemas, volumes, experiments,
registered models (``registered_models`` and the legacy ``models``), jobs and serving endpoints
(:mod:`.deploy_resources`), then removes what an earlier deploy of the same target created and
the bundle no longer declares. It is idempotent: deploying twice reports every resource
``unchanged`` the second time. The outcome is a :class:`~.deployment.DeploymentRecord`
(``<workspace>/deployments/<bundle>/<target>.json``), saved even when a resource fails, so a
rerun after the fix continues and ``destroy`` still knows what exists. Kinds lakeforge cannot
deploy on one machine (``quality_monitors`` until there is a monitoring module, ``pipelines``,
``clusters``, ``dashboards``, ``apps``) are reported one line each, not errors.

Destroy removes, in reverse order, the resources a deploy created, and only those; adopted ones
(they existed before the first deploy) and non-empty schemas are kept and reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakeforge.errors import DeploymentError, LakeforgeError
from lakeforge.jobs import deploy_resources as kinds
from lakeforge.jobs.bundle_notes import BundleNote
from lakeforge.jobs.deploy_resources import Context, EndpointHooks
from lakeforge.jobs.deployment import (
    DeployedResource,
    DeploymentRecord,
    DeploymentStore,
    Outcome,
)

if TYPE_CHECKING:
    from lakeforge.jobs.bundle import Bundle
    from lakeforge.tables.workspace import Workspace

Apply = Callable[[Context, str, Any, DeployedResource | None], DeployedResource]
Remove = Callable[[Context, DeployedResource], tuple[Outcome, str]]

KINDS: dict[str, tuple[Apply, Remove]] = {
    "schemas": (kinds.apply_schema, kinds.remove_schema),
    "volumes": (kinds.apply_volume, kinds.remove_volume),
    "experiments": (kinds.apply_experiment, kinds.remove_experiment),
    "registered_models": (
        lambda ctx, key, spec, prior: kinds.apply_model(ctx, "registered_models", key, spec, prior),
        kinds.remove_model,
    ),
    "models": (
        lambda ctx, key, spec, prior: kinds.apply_model(ctx, "models", key, spec, prior),
        kinds.remove_model,
    ),
    "jobs": (kinds.apply_job, kinds.remove_job),
    "model_serving_endpoints": (kinds.apply_endpoint, kinds.remove_endpoint),
}
NOT_DEPLOYED = {
    "quality_monitors": "lakeforge has no monitoring module yet",
    "pipelines": "declarative pipelines do not run on one machine",
    "clusters": "there are no clusters on one machine",
    "dashboards": "dashboards are not part of lakeforge",
    "apps": "apps are not part of lakeforge",
}


@dataclass(frozen=True, slots=True)
class DeployResult:
    """What a deploy or destroy did.

    Attributes:
        record: The deployment record as saved (None after a destroy that left nothing).
        path: The record file.
        resources: Every resource touched, in order, with its outcome.
        notes: The bundle's notes (unknown keys, settings without local effect) and one note
            per resource that was not deployed.
    """

    record: DeploymentRecord | None
    path: Path
    resources: tuple[DeployedResource, ...]
    notes: tuple[BundleNote, ...] = ()


def _not_deployed(bundle: Bundle) -> list[BundleNote]:
    notes = []
    for kind, reason in NOT_DEPLOYED.items():
        for key in getattr(bundle.resources, kind):
            path = f"resources.{kind}.{key}"
            notes.append(BundleNote("not_deployed", "", path, f"not deployed: {reason}"))
    return notes


def _apply_all(
    ctx: Context, bundle: Bundle, previous: DeploymentRecord | None, done: list[DeployedResource]
) -> None:
    for kind, (apply, _) in KINDS.items():
        for key, spec in getattr(bundle.resources, kind).items():
            prior = previous.find(kind, key) if previous is not None else None
            try:
                done.append(apply(ctx, key, spec, prior))
            except LakeforgeError as exc:
                raise DeploymentError(
                    bundle.name, bundle.target, f"resources.{kind}.{key}", exc.what, exc.fix
                ) from exc


def _remove_stale(
    ctx: Context, previous: DeploymentRecord | None, done: list[DeployedResource]
) -> list[DeployedResource]:
    """Resources an earlier deploy recorded that the bundle no longer declares."""
    current = {(r.kind, r.key) for r in done}
    stale = [r for r in (previous.resources if previous else []) if (r.kind, r.key) not in current]
    return [_removed(ctx, r) for r in _reverse(stale)]


def _carried(
    previous: DeploymentRecord | None, done: list[DeployedResource]
) -> list[DeployedResource]:
    """Earlier records a failed deploy did not reach: kept so destroy still knows them."""
    reached = {(r.kind, r.key) for r in done}
    return [r for r in (previous.resources if previous else []) if (r.kind, r.key) not in reached]


def deploy_bundle(
    ws: Workspace, bundle: Bundle, *, endpoints: EndpointHooks | None = None
) -> DeployResult:
    """Create or update a bundle's resources for its target and record them.

    Args:
        ws: The workspace to deploy into.
        bundle: The loaded bundle (its target selected).
        endpoints: How serving endpoints are deployed (the CLI passes serving's).

    Raises:
        DeploymentError: A resource could not be deployed (named, with the cause); what was
            deployed before it is recorded.
    """
    store = DeploymentStore(ws.settings)
    previous = store.get(bundle.name, bundle.target)
    ctx = Context(ws, endpoints)
    notes = [*bundle.notes, *_not_deployed(bundle)]
    record = DeploymentRecord(
        bundle=bundle.name,
        target=bundle.target,
        mode=bundle.mode,
        root=str(bundle.root),
        user=bundle.user,
        notes=[note.line() for note in notes],
    )
    done: list[DeployedResource] = []
    try:
        _apply_all(ctx, bundle, previous, done)
        removed = _remove_stale(ctx, previous, done)
        record.resources = [*done, *(r for r in removed if r.outcome == "kept" and r.created)]
    except BaseException:
        record.resources = [*done, *_carried(previous, done)]
        raise
    finally:
        path = store.save(record)
    return DeployResult(record, path, (*done, *removed), tuple(notes))


def _reverse(resources: list[DeployedResource]) -> list[DeployedResource]:
    order = list(KINDS)
    return sorted(resources, key=lambda r: -order.index(r.kind) if r.kind in order else 0)


def _removed(ctx: Context, resource: DeployedResource) -> DeployedResource:
    if not resource.created:
        detail = "existed before the first deploy; left in place"
        return resource.model_copy(update={"outcome": "kept", "detail": detail, "created": False})
    remove = KINDS[resource.kind][1] if resource.kind in KINDS else None
    outcome, detail = remove(ctx, resource) if remove else ("gone", "")
    return resource.model_copy(update={"outcome": outcome, "detail": detail})


def destroy_bundle(
    ws: Workspace, bundle: str, target: str, *, endpoints: EndpointHooks | None = None
) -> DeployResult:
    """Remove what deploys of ``bundle``'s ``target`` created (idempotent: nothing deployed,
    nothing done).

    Resources the deploy adopted are left in place and forgotten; one it created but could
    not remove (a schema that now holds tables) stays in the record and is reported ``kept``.
    """
    store = DeploymentStore(ws.settings)
    path = store.path(bundle, target)
    previous = store.get(bundle, target)
    if previous is None:
        return DeployResult(None, path, ())
    ctx = Context(ws, endpoints)
    results = [_removed(ctx, r) for r in _reverse(list(previous.resources))]
    left = [r for r in results if r.outcome == "kept" and r.created]
    if left:
        previous.resources = left
        store.save(previous)
        return DeployResult(previous, path, tuple(results))
    store.delete(bundle, target)
    return DeployResult(None, path, tuple(results))


def summary(record: DeploymentRecord) -> dict[str, Any]:
    """A deployment record as plain data for ``bundle summary``."""
    return {
        "deployed_at": record.deployed_at.isoformat(),
        "user": record.user,
        "root": record.root,
        "resources": [
            {"kind": r.kind, "key": r.key, "name": r.name, "id": r.id, "outcome": r.outcome}
            for r in record.resources
        ],
    }


__all__ = [
    "KINDS",
    "NOT_DEPLOYED",
    "DeployResult",
    "EndpointHooks",
    "deploy_bundle",
    "destroy_bundle",
    "summary",
]
