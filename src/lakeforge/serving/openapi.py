"""OpenAPI documents: the server's routes, and each endpoint's request schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from lakeforge.serving.deployment import LiveEndpoint

ERROR = {
    "type": "object",
    "properties": {"error_code": {"type": "string"}, "message": {"type": "string"}},
}


def _json_type(kind: pa.DataType) -> dict[str, Any]:
    if pa.types.is_boolean(kind):
        return {"type": "boolean"}
    if pa.types.is_integer(kind):
        return {"type": "integer", "format": "int64"}
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return {"type": "number"}
    if pa.types.is_timestamp(kind):
        return {"type": "string", "format": "date-time"}
    if pa.types.is_date(kind):
        return {"type": "string", "format": "date"}
    if pa.types.is_list(kind):
        return {"type": "array", "items": _json_type(kind.value_type)}
    return {"type": "string"}


def endpoint_openapi(live: LiveEndpoint) -> dict[str, Any]:
    """The invocation schema of a live endpoint (from its first served entity)."""
    slot = next(iter(live.slots.values()))
    schema = slot.entity.schema
    row = {
        "type": "object",
        "properties": {n: {**_json_type(t), "nullable": True} for n, t in schema.fields.items()},
        "required": list(schema.required),
        "additionalProperties": False,
    }
    body = {
        "type": "object",
        "properties": {
            "dataframe_records": {"type": "array", "items": row},
            "dataframe_split": {
                "type": "object",
                "properties": {
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "data": {"type": "array", "items": {"type": "array"}},
                },
            },
            "instances": {"type": "array", "items": row},
            "inputs": {"type": "object"},
            "params": {"type": "object"},
            "client_request_id": {"type": "string"},
        },
    }
    answer = {"type": "object", "properties": {"predictions": {"type": "array"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{live.name} serving endpoint", "version": str(live.config_version)},
        "paths": {
            f"/serving-endpoints/{live.name}/invocations": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {
                        "200": {"content": {"application/json": {"schema": answer}}},
                        "400": {"content": {"application/json": {"schema": ERROR}}},
                    },
                }
            }
        },
    }


_ROUTES = {
    "/health": ("get", "Liveness"),
    "/ready": ("get", "Readiness: every endpoint READY and its feature tables published"),
    "/metrics": ("get", "Prometheus metrics"),
    "/api/2.0/serving-endpoints": ("get|post", "List or create endpoints"),
    "/api/2.0/serving-endpoints/{name}": ("get|delete", "Get or delete an endpoint"),
    "/api/2.0/serving-endpoints/{name}/config": ("put", "Replace an endpoint's config"),
    "/api/2.0/serving-endpoints/{name}/metrics": ("get", "An endpoint's metrics"),
    "/api/2.0/serving-endpoints/{name}/openapi": ("get", "An endpoint's request schema"),
    "/api/2.0/serving-endpoints/{name}/ai-gateway": ("put", "Set the inference table"),
    "/api/2.0/serving-endpoints/{name}/tags": ("patch", "Add and delete tags"),
    "/api/2.0/permissions/serving-endpoints/{id}": ("get|put|patch", "Endpoint permissions"),
    "/serving-endpoints/{name}/invocations": ("post", "Score with the traffic split"),
    "/serving-endpoints/{name}/served-models/{served}/invocations": (
        "post",
        "Score with one served entity",
    ),
}


def server_openapi() -> dict[str, Any]:
    """The server's routes."""
    paths: dict[str, Any] = {}
    for path, (methods, summary) in _ROUTES.items():
        paths[path] = {
            m: {
                "summary": summary,
                "responses": {
                    "200": {"description": "OK"},
                    "default": {"content": {"application/json": {"schema": ERROR}}},
                },
            }
            for m in methods.split("|")
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "lakeforge serving", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


__all__ = ["endpoint_openapi", "server_openapi"]
