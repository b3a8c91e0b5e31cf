"""Endpoint configs: the reference REST shapes (Pydantic) and their checked, normalized form.

``POST /api/2.0/serving-endpoints`` and ``PUT .../{name}/config`` bodies are validated here, as
are endpoint YAML files (the same fields). Unknown fields are refused with their path. The
normalized config is what the catalog stores and what a server deploys: every served entity has
its name, a version *or* an alias, and a concurrency limit; routes are complete and sum to 100.

lakeforge additions (``[free]`` in the spec): ``entity_version`` may name an alias
(``"champion"``), which the server follows as it moves; ``traffic_config.shadow_entity_name``
names a served entity that gets a copy of every request without affecting responses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticError

from lakeforge.errors import ValidationError
from lakeforge.serving.routing import check_routes
from lakeforge.yaml_file import yaml_path

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,63}")
WORKLOAD_CONCURRENCY = {"Small": 4, "Medium": 16, "Large": 64}
MAX_ENTITIES = 15
S = TypeVar("S", bound=BaseModel)
LEVELS = ("CAN_VIEW", "CAN_QUERY", "CAN_MANAGE")


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServedEntityInput(_Shape):
    """``served_entities[]`` (reference fields; GPU and external-model fields are refused)."""

    entity_name: str
    entity_version: str | int | None = None
    name: str | None = None
    workload_size: Literal["Small", "Medium", "Large"] = "Small"
    scale_to_zero_enabled: bool = True
    workload_type: Literal["CPU"] = "CPU"
    min_provisioned_concurrency: int | None = Field(default=None, ge=0)
    max_provisioned_concurrency: int | None = Field(default=None, ge=1, le=256)
    environment_vars: dict[str, str] | None = None
    instance_profile_arn: str | None = None


class ServedModelInput(_Shape):
    """Legacy ``served_models[]``."""

    model_name: str
    model_version: str | int
    name: str | None = None
    workload_size: Literal["Small", "Medium", "Large"] = "Small"
    scale_to_zero_enabled: bool = True
    workload_type: Literal["CPU"] = "CPU"
    environment_vars: dict[str, str] | None = None
    instance_profile_arn: str | None = None


class RouteInput(_Shape):
    """One traffic route (``served_entity_name`` or legacy ``served_model_name``)."""

    served_entity_name: str | None = None
    served_model_name: str | None = None
    traffic_percentage: int

    @model_validator(mode="after")
    def _one_name(self) -> RouteInput:
        if (self.served_entity_name is None) == (self.served_model_name is None):
            raise ValueError("give exactly one of served_entity_name, served_model_name")
        return self

    @property
    def target(self) -> str:
        return self.served_entity_name or self.served_model_name or ""


class TrafficConfigInput(_Shape):
    """``traffic_config``; ``shadow_entity_name`` is a lakeforge addition."""

    routes: list[RouteInput] = []
    shadow_entity_name: str | None = None


class TableConfigInput(_Shape):
    """``auto_capture_config`` (legacy) or ``ai_gateway.inference_table_config``."""

    catalog_name: str
    schema_name: str
    table_name_prefix: str | None = None
    enabled: bool = True


class EndpointConfigInput(_Shape):
    """``config`` of create, and the body of ``PUT .../config``."""

    name: str | None = None  # the SDK repeats the endpoint name in update bodies
    served_entities: list[ServedEntityInput] | None = None
    served_models: list[ServedModelInput] | None = None
    traffic_config: TrafficConfigInput | None = None
    auto_capture_config: TableConfigInput | None = None


class AiGatewayInput(_Shape):
    """``ai_gateway``: only the inference table is implemented locally (the other features
    are accepted empty, so SDK bodies validate)."""

    inference_table_config: TableConfigInput | None = None
    usage_tracking_config: dict[str, Any] | None = None
    guardrails: dict[str, Any] | None = None
    rate_limits: list[dict[str, Any]] | None = None
    fallback_config: dict[str, Any] | None = None


class TagInput(_Shape):
    key: str
    value: str | None = None


class CreateEndpointInput(_Shape):
    """Body of ``POST /api/2.0/serving-endpoints`` (and of an endpoint YAML file)."""

    name: str
    config: EndpointConfigInput | None = None
    ai_gateway: AiGatewayInput | None = None
    tags: list[TagInput] | None = None
    description: str | None = None
    route_optimized: bool | None = None
    budget_policy_id: str | None = None
    email_notifications: dict[str, Any] | None = None
    rate_limits: list[dict[str, Any]] | None = None
    telemetry_config: dict[str, Any] | None = None


def _pydantic_problem(error: PydanticError, where: str) -> ValidationError:
    first = error.errors()[0]
    path = yaml_path(tuple(first["loc"]))
    given = first.get("input")
    shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
    return ValidationError(
        f"{where}: field {path or '<body>'}: {first['msg']}{shown}",
        "see the reference shape: docs/serving.md#endpoint-config",
    )


def _validated(shape: type[S], body: Any, where: str, example: str | None) -> S:
    """``body`` as ``shape``; with ``example``, a non-mapping body is refused first."""
    if example is not None and not isinstance(body, Mapping):
        raise ValidationError(f"{where} must be an object, got {type(body).__name__}", example)
    try:
        return shape.model_validate(body)
    except PydanticError as exc:
        raise _pydantic_problem(exc, where) from None


def parse_create(body: Any) -> CreateEndpointInput:
    """Validate a create body (a mapping).

    Raises:
        ValidationError: Naming the field path, the problem and the value.
    """
    example = 'send {"name": ..., "config": {"served_entities": [...]}}'
    return _validated(CreateEndpointInput, body, "endpoint definition", example)


def parse_config(body: Any) -> EndpointConfigInput:
    """Validate an update-config body.

    Raises:
        ValidationError: Naming the field path, the problem and the value.
    """
    example = 'send {"served_entities": [...], "traffic_config": {...}}'
    return _validated(EndpointConfigInput, body, "endpoint config", example)


def parse_ai_gateway(body: Any) -> AiGatewayInput:
    """Validate an ``ai_gateway`` object.

    Raises:
        ValidationError: Naming the field path, the problem and the value.
    """
    return _validated(AiGatewayInput, body, "ai_gateway", None)


def check_endpoint_name(name: str) -> str:
    """Endpoint names: letters, digits, ``-`` and ``_``, 1 to 63 characters.

    Raises:
        ValidationError: Naming the value.
    """
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            f"endpoint name {name!r} is invalid",
            "use 1 to 63 letters, digits, '-' or '_'",
        )
    return name


def _version_or_alias(entity_name: str, given: str | int | None) -> dict[str, Any]:
    from lakeforge.models.alias import check_version, validate_alias

    if given is None or (isinstance(given, str) and not given.strip()):
        return {}  # a FEATURE_SPEC function (checked against the catalog when accepted)
    text = str(given).strip().lstrip("@")
    if text.isdigit():
        return {"entity_version": str(check_version(text))}
    return {"alias": validate_alias(text)}


def _entity(item: ServedEntityInput | ServedModelInput) -> dict[str, Any]:
    version: str | int | None
    if isinstance(item, ServedModelInput):
        entity_name, version = item.model_name, item.model_version
        concurrency = WORKLOAD_CONCURRENCY[item.workload_size]
    else:
        entity_name, version = item.entity_name, item.entity_version
        concurrency = item.max_provisioned_concurrency or WORKLOAD_CONCURRENCY[item.workload_size]
    target = _version_or_alias(entity_name, version)
    version_text = target.get("entity_version") or target.get("alias")
    default_name = f"{entity_name}-{version_text}" if version_text else entity_name
    name = item.name or re.sub(r"[^A-Za-z0-9_-]", "_", default_name)
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationError(
            f"served entity name {name!r} is invalid", "use 1 to 63 letters, digits, '-' or '_'"
        )
    return {
        "name": name,
        "entity_name": entity_name,
        **target,
        "workload_size": item.workload_size,
        "scale_to_zero_enabled": item.scale_to_zero_enabled,
        "workload_type": item.workload_type,
        "max_concurrency": concurrency,
        "environment_vars": dict(item.environment_vars or {}),
    }


def _table_config(given: TableConfigInput | None, endpoint: str) -> dict[str, Any] | None:
    if given is None or not given.enabled:
        return None
    prefix = given.table_name_prefix or endpoint.replace("-", "_")
    return {
        "catalog_name": given.catalog_name,
        "schema_name": given.schema_name,
        "table_name_prefix": prefix,
        "enabled": True,
    }


def _routes(config: EndpointConfigInput, names: list[str]) -> dict[str, int]:
    given = config.traffic_config.routes if config.traffic_config else []
    if not given:
        if len(names) == 1:
            return {names[0]: 100}
        raise ValidationError(
            f"the endpoint serves {len(names)} entities {names} but has no traffic_config",
            'add traffic_config: {"routes": [{"served_entity_name": ..., '
            '"traffic_percentage": ...}]} with percentages summing to 100',
        )
    routes: dict[str, int] = {}
    for route in given:
        if route.target in routes:
            raise ValidationError(
                f"traffic_config routes name {route.target!r} twice", "give one route per entity"
            )
        routes[route.target] = route.traffic_percentage
    check_routes(routes, set(names))
    return routes


def normalize(
    endpoint: str, config: EndpointConfigInput, ai_gateway: AiGatewayInput | None = None
) -> dict[str, Any]:
    """The stored form of a config: complete, checked, JSON-serializable.

    Raises:
        ValidationError: No or too many entities, duplicate names, bad versions/aliases,
            routes that do not name served entities or do not sum to 100, a bad shadow.
    """
    items: list[ServedEntityInput | ServedModelInput] = [
        *(config.served_entities or []),
        *(config.served_models or []),
    ]
    if not items:
        raise ValidationError(
            f"endpoint {endpoint!r} config has no served_entities",
            'add served_entities: [{"entity_name": "main.ml.model", "entity_version": "1"}]',
        )
    if len(items) > MAX_ENTITIES:
        raise ValidationError(
            f"endpoint {endpoint!r} has {len(items)} served entities, over {MAX_ENTITIES}",
            "split them over several endpoints",
        )
    entities = [_entity(item) for item in items]
    names = [e["name"] for e in entities]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError(
            f"served entity names {dupes} are used twice in endpoint {endpoint!r}",
            "give each served entity a unique name",
        )
    routes = _routes(config, names)
    shadow = config.traffic_config.shadow_entity_name if config.traffic_config else None
    if shadow is not None and (shadow not in names or routes.get(shadow, 0) != 0):
        raise ValidationError(
            f"shadow_entity_name {shadow!r} must be a served entity with no live traffic "
            f"(served: {names}; routes: {routes})",
            "serve it with traffic_percentage 0 (or no route) and name it as the shadow",
        )
    capture = _table_config(config.auto_capture_config, endpoint)
    gateway = _table_config(ai_gateway.inference_table_config if ai_gateway else None, endpoint)
    return {
        "served_entities": entities,
        "traffic_config": {
            "routes": [
                {"served_entity_name": n, "traffic_percentage": p} for n, p in routes.items()
            ],
            **({"shadow_entity_name": shadow} if shadow else {}),
        },
        "auto_capture_config": capture,
        "inference_table_config": gateway,
    }


def routes_of(config: Mapping[str, Any]) -> dict[str, int]:
    """Served entity name -> percentage of a normalized config."""
    return {
        r["served_entity_name"]: int(r["traffic_percentage"])
        for r in config["traffic_config"]["routes"]
    }


__all__ = [
    "LEVELS",
    "CreateEndpointInput",
    "EndpointConfigInput",
    "check_endpoint_name",
    "normalize",
    "parse_config",
    "parse_create",
    "routes_of",
]
