"""The control plane: create, read, update and delete endpoints in the workspace catalog.

These run in the REST handlers of ``lakeforge serve`` and in ``lakeforge endpoints``; both write
the same catalog records, and a running server deploys what changed (see
:mod:`lakeforge.serving.deployment`). A change is accepted only when its config is valid and
every served model version/alias exists; an invalid update leaves the serving config as it was.
An accepted change is ``IN_PROGRESS`` until a server has loaded it; a second update meanwhile is
refused (``ConflictError``), as in the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lakeforge.catalog.endpoint_repo import EndpointRecord
from lakeforge.errors import ConflictError, ValidationError
from lakeforge.serving import config as cfg
from lakeforge.serving.auth import OBJECT_TYPE, check_level

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

IN_PROGRESS = "IN_PROGRESS"
NOT_UPDATING = "NOT_UPDATING"
UPDATE_FAILED = "UPDATE_FAILED"
READY = "READY"
NOT_READY = "NOT_READY"


def _check_targets(ws: Workspace, config: Mapping[str, Any]) -> None:
    """Every served model version or alias must exist now (404 otherwise)."""
    from lakeforge.models.registry import Registry
    from lakeforge.serving.entity import feature_spec

    registry = Registry(ws)
    for entity in config["served_entities"]:
        if "alias" not in entity and "entity_version" not in entity:
            feature_spec(ws, entity["entity_name"])
            continue
        target = (
            f"models:/{entity['entity_name']}@{entity['alias']}"
            if "alias" in entity
            else f"models:/{entity['entity_name']}/{entity['entity_version']}"
        )
        registry.resolve_uri(target)


def _check_capture(ws: Workspace, config: Mapping[str, Any]) -> None:
    for key in ("inference_table_config", "auto_capture_config"):
        given = config.get(key)
        if given:
            ws.schemas.get(given["catalog_name"], given["schema_name"])


def _accept(ws: Workspace, name: str, body_config: Any, ai_gateway: Any) -> dict[str, Any]:
    normalized = cfg.normalize(name, body_config, ai_gateway)
    _check_targets(ws, normalized)
    _check_capture(ws, normalized)
    return normalized


def _pending_state(record: EndpointRecord | None) -> dict[str, Any]:
    ready = READY if record is not None and record.state.get("ready") == READY else NOT_READY
    entities = dict(record.state.get("entities", {})) if record is not None else {}
    return {"ready": ready, "config_update": IN_PROGRESS, "entities": entities}


def create_endpoint(ws: Workspace, body: Any, creator: str) -> EndpointRecord:
    """Accept a new endpoint (deployed by a running server).

    Raises:
        ValidationError: Bad name or config (field named).
        NotFoundError: A served model, version or alias does not exist.
        AlreadyExistsError: The name is taken.
    """
    given = cfg.parse_create(body)
    name = cfg.check_endpoint_name(given.name)
    if given.config is None:
        raise ValidationError(
            f"endpoint {name!r} has no config", 'add "config": {"served_entities": [...]}'
        )
    pending = _accept(ws, name, given.config, given.ai_gateway)
    tags = [{"key": t.key, "value": t.value or ""} for t in given.tags or []]
    record = ws.metadata.endpoints.create(
        EndpointRecord(
            name=name,
            creator=creator,
            pending_config=pending,
            config_version=1,
            state=_pending_state(None),
            tags=tags,
            description=given.description,
        )
    )
    ws.metadata.permissions.set(
        OBJECT_TYPE, record.endpoint_id, {creator: "CAN_MANAGE"}, replace=False
    )
    return record


def update_config(ws: Workspace, name: str, body: Any, *, ai_gateway: Any = None) -> EndpointRecord:
    """Accept a new config for an endpoint; the old one serves until it is deployed.

    Raises:
        EndpointNotFoundError: No such endpoint.
        ConflictError: Another update is still in progress.
        ValidationError, NotFoundError: As for :func:`create_endpoint`.
    """
    record = ws.metadata.endpoints.get(name)
    if record.state.get("config_update") == IN_PROGRESS:
        raise ConflictError(
            name,
            "has a config update in progress",
            "wait until its state.config_update is NOT_UPDATING (lakeforge endpoints get "
            f"{name}), then update again; a running `lakeforge serve` deploys it",
        )
    given = cfg.parse_config(body)
    gateway = ai_gateway
    if gateway is None and record.config and record.config.get("inference_table_config"):
        gateway = cfg.AiGatewayInput.model_validate(
            {"inference_table_config": record.config["inference_table_config"]}
        )
    pending = _accept(ws, name, given, gateway)
    return ws.metadata.endpoints.update(
        name,
        expect_version=record.config_version,
        pending_config=pending,
        config_version=record.config_version + 1,
        state=_pending_state(record),
    )


def put_ai_gateway(ws: Workspace, name: str, body: Any) -> EndpointRecord:
    """Set the endpoint's AI-gateway inference table (a config change deployed like others).

    Raises:
        ValidationError: Features other than the inference table, or a bad table config.
        ConflictError: A config update is in progress, or the endpoint has no config yet.
    """
    if not isinstance(body, Mapping):
        raise ValidationError("ai-gateway body must be an object", "send {inference_table_config}")
    unsupported = sorted(k for k, v in body.items() if k != "inference_table_config" and v)
    if unsupported:
        raise ValidationError(
            f"ai-gateway features {unsupported} are not available locally",
            "send only inference_table_config (usage tracking, guardrails, rate limits and "
            "fallbacks are not implemented)",
        )
    record = ws.metadata.endpoints.get(name)
    current = record.config or record.pending_config
    if current is None or record.state.get("config_update") == IN_PROGRESS:
        raise ConflictError(
            name,
            "has a config update in progress",
            "wait until state.config_update is NOT_UPDATING, then set the ai-gateway again",
        )
    gateway = cfg.parse_ai_gateway(body)
    config = {
        "served_entities": [_entity_input(e) for e in current["served_entities"]],
        "traffic_config": current["traffic_config"],
        "auto_capture_config": current.get("auto_capture_config"),
    }
    return update_config(ws, name, config, ai_gateway=gateway)


def _entity_input(entity: Mapping[str, Any]) -> dict[str, Any]:
    """A normalized served entity back in request form."""
    version = entity.get("entity_version") or entity.get("alias")
    return {
        "name": entity["name"],
        "entity_name": entity["entity_name"],
        **({"entity_version": version} if version else {}),
        "workload_size": entity["workload_size"],
        "scale_to_zero_enabled": entity["scale_to_zero_enabled"],
        "max_provisioned_concurrency": entity["max_concurrency"],
        **({"environment_vars": entity["environment_vars"]} if entity["environment_vars"] else {}),
    }


def patch_tags(ws: Workspace, name: str, body: Any) -> list[dict[str, str]]:
    """Add and delete endpoint tags (``{add_tags: [{key, value}], delete_tags: [key]}``).

    Raises:
        ValidationError: A malformed body.
    """
    if not isinstance(body, Mapping):
        raise ValidationError("tags body must be an object", "send {add_tags, delete_tags}")
    add = body.get("add_tags") or []
    delete = body.get("delete_tags") or []
    if not isinstance(add, list) or not all(isinstance(t, Mapping) and "key" in t for t in add):
        raise ValidationError("add_tags must be a list of {key, value}", "fix add_tags")
    if not isinstance(delete, list) or not all(isinstance(k, str) for k in delete):
        raise ValidationError("delete_tags must be a list of keys", "fix delete_tags")
    record = ws.metadata.endpoints.get(name)
    tags = {t["key"]: t.get("value", "") for t in record.tags}
    tags.update({str(t["key"]): str(t.get("value") or "") for t in add})
    for key in delete:
        tags.pop(key, None)
    merged = [{"key": k, "value": v} for k, v in tags.items()]
    ws.metadata.endpoints.update(name, tags=merged)
    return merged


def deploy_endpoint(ws: Workspace, body: Any, creator: str) -> tuple[EndpointRecord, str]:
    """Create the endpoint, or update its config when it exists and differs (idempotent).

    Returns:
        The record and what happened: ``created``, ``updated`` or ``unchanged``.
    """
    given = cfg.parse_create(body)
    name = cfg.check_endpoint_name(given.name)
    existing = {r.name for r in ws.metadata.endpoints.list()}
    if name not in existing:
        return create_endpoint(ws, body, creator), "created"
    record = ws.metadata.endpoints.get(name)
    wanted = cfg.normalize(name, given.config or cfg.EndpointConfigInput(), given.ai_gateway)
    if wanted in (record.config, record.pending_config):
        return record, "unchanged"
    return update_config(ws, name, body["config"], ai_gateway=given.ai_gateway), "updated"


def delete_endpoint(ws: Workspace, name: str) -> None:
    """Remove an endpoint and its grants (a running server stops serving it).

    Raises:
        EndpointNotFoundError: No such endpoint.
    """
    record = ws.metadata.endpoints.get(name)
    ws.metadata.endpoints.delete(name)
    ws.metadata.permissions.drop(OBJECT_TYPE, record.endpoint_id)


def set_permissions(ws: Workspace, endpoint_id: str, acl: Any, *, replace: bool) -> dict[str, str]:
    """Grant levels from an ``access_control_list``; returns the endpoint's new ACL.

    Raises:
        ValidationError: A bad entry or level.
    """
    if not isinstance(acl, list):
        raise ValidationError(
            "access_control_list must be a list",
            '[{"user_name": "bob", "permission_level": "CAN_QUERY"}]',
        )
    wanted: dict[str, str] = {}
    for entry in acl:
        who = (
            entry.get("user_name") or entry.get("service_principal_name") or entry.get("group_name")
            if isinstance(entry, Mapping)
            else None
        )
        if not isinstance(who, str) or not who:
            raise ValidationError(
                "each access_control_list entry needs user_name and permission_level",
                '{"user_name": "bob", "permission_level": "CAN_QUERY"}',
            )
        wanted[who] = check_level(entry.get("permission_level"))
    return ws.metadata.permissions.set(OBJECT_TYPE, endpoint_id, wanted, replace=replace)


def endpoint_by_id(ws: Workspace, endpoint_id: str) -> EndpointRecord:
    """The endpoint with this id (or name).

    Raises:
        EndpointNotFoundError: No endpoint has that id or name.
    """
    for record in ws.metadata.endpoints.list():
        if endpoint_id in (record.endpoint_id, record.name):
            return record
    return ws.metadata.endpoints.get(endpoint_id)


def _entity_view(
    entity: Mapping[str, Any], state: Mapping[str, Any], record: EndpointRecord
) -> dict[str, Any]:
    version = entity.get("entity_version") or entity.get("alias")
    view: dict[str, Any] = {
        "name": entity["name"],
        "entity_name": entity["entity_name"],
        "entity_version": version,
        "workload_size": entity["workload_size"],
        "workload_type": entity["workload_type"],
        "scale_to_zero_enabled": entity["scale_to_zero_enabled"],
        "max_provisioned_concurrency": entity["max_concurrency"],
        "creator": record.creator,
        "creation_timestamp": record.created_at,
    }
    if "alias" in entity:
        view["alias"] = entity["alias"]
    found = state.get(entity["name"])
    if found:
        view["state"] = {
            "deployment": found.get("deployment", "DEPLOYMENT_CREATING"),
            "deployment_state_message": found.get("message", ""),
        }
        if found.get("version") is not None:
            view["resolved_version"] = str(found["version"])
    return view


def _config_view(
    config: Mapping[str, Any], record: EndpointRecord, version: int, entities: Mapping[str, Any]
) -> dict[str, Any]:
    served = [_entity_view(e, entities, record) for e in config["served_entities"]]
    view: dict[str, Any] = {
        "served_entities": served,
        "served_models": [
            {
                "name": s["name"],
                "model_name": s["entity_name"],
                "model_version": s["entity_version"],
                **({"state": s["state"]} if "state" in s else {}),
            }
            for s in served
        ],
        "traffic_config": config["traffic_config"],
        "config_version": version,
    }
    if config.get("auto_capture_config"):
        view["auto_capture_config"] = config["auto_capture_config"]
    return view


def render(record: EndpointRecord, *, permission_level: str | None = None) -> dict[str, Any]:
    """The reference JSON of an endpoint (``GET /api/2.0/serving-endpoints/{name}``)."""
    entities = record.state.get("entities", {})
    view: dict[str, Any] = {
        "name": record.name,
        "id": record.endpoint_id,
        "creator": record.creator,
        "creation_timestamp": record.created_at,
        "last_updated_timestamp": record.updated_at,
        "state": {
            "ready": record.state.get("ready", NOT_READY),
            "config_update": record.state.get("config_update", NOT_UPDATING),
        },
        "tags": record.tags,
    }
    if record.description:
        view["description"] = record.description
    active_version = record.config_version - (1 if record.pending_config else 0)
    if record.config:
        view["config"] = _config_view(record.config, record, active_version, entities)
        gateway = record.config.get("inference_table_config")
        if gateway:
            view["ai_gateway"] = {"inference_table_config": gateway}
    if record.pending_config:
        view["pending_config"] = {
            **_config_view(record.pending_config, record, record.config_version, entities),
            "start_time": record.updated_at,
        }
    if record.state.get("message"):
        view["state"]["message"] = record.state["message"]
    if permission_level:
        view["permission_level"] = permission_level
    return view


__all__ = [
    "create_endpoint",
    "delete_endpoint",
    "deploy_endpoint",
    "endpoint_by_id",
    "render",
    "set_permissions",
    "update_config",
]
