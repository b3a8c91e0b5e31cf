"""REST handlers of the control plane (``/api/2.0/serving-endpoints``, permissions).

Handlers check the token and permission, then run the blocking catalog/registry work of
:mod:`lakeforge.serving.control` in a worker thread, and wake the deployer after changes.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from lakeforge.errors import ValidationError
from lakeforge.serving import control
from lakeforge.serving.auth import Principal
from lakeforge.serving.openapi import endpoint_openapi
from lakeforge.serving.responses import error_response, json_response

if TYPE_CHECKING:
    from lakeforge.catalog.endpoint_repo import EndpointRecord
    from lakeforge.serving.server_state import ServerState

MAX_CONTROL_BODY = 1024 * 1024


async def _json_body(request: Request) -> Any:
    from lakeforge.serving.invocation import read_body

    raw = await read_body(request, MAX_CONTROL_BODY)
    try:
        return json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ValidationError("the body is not valid JSON", "send a JSON object") from None


class ControlApi:
    """The control plane handlers of one server."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def _principal(self, request: Request) -> Principal:
        return self.state.principal(request.headers.get("authorization"))

    def _level(self, principal: Principal, record: EndpointRecord) -> str | None:
        if self.state.auth is None:
            return "CAN_MANAGE"
        return self.state.auth.level(principal, record.endpoint_id)

    async def _record(
        self, principal: Principal, name: str, level: str, action: str
    ) -> EndpointRecord:
        record = await run_in_threadpool(self.state.ws.metadata.endpoints.get, name)
        self.state.require(principal, name, record.endpoint_id, level, action)
        return record

    async def _guard(self, request: Request, work: Any) -> Response:
        request_id = uuid.uuid4().hex
        try:
            response: Response = await work(self._principal(request))
            return response
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error response
            return error_response(exc, request_id)

    def _changed(self) -> None:
        self.state.manager.wake()
        if self.state.auth is not None:
            self.state.auth.forget()

    async def create(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            body = await _json_body(request)
            record = await run_in_threadpool(
                control.create_endpoint, self.state.ws, body, principal.name
            )
            self._changed()
            return json_response(control.render(record, permission_level="CAN_MANAGE"))

        return await self._guard(request, work)

    async def list(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            def visible() -> list[dict[str, Any]]:
                records = self.state.ws.metadata.endpoints.list()
                levels = [(r, self._level(principal, r)) for r in records]
                return [control.render(r, permission_level=lvl) for r, lvl in levels if lvl]

            return json_response({"endpoints": await run_in_threadpool(visible)})

        return await self._guard(request, work)

    async def get(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            record = await self._record(principal, name, "CAN_VIEW", "view")
            level = await run_in_threadpool(self._level, principal, record)
            return json_response(control.render(record, permission_level=level))

        return await self._guard(request, work)

    async def delete(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            await self._record(principal, name, "CAN_MANAGE", "delete")
            await run_in_threadpool(control.delete_endpoint, self.state.ws, name)
            self.state.manager.live.pop(name, None)  # stop serving it now, not next cycle
            self._changed()
            return json_response({})

        return await self._guard(request, work)

    async def update_config(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            await self._record(principal, name, "CAN_MANAGE", "update")
            body = await _json_body(request)
            record = await run_in_threadpool(control.update_config, self.state.ws, name, body)
            self._changed()
            return json_response(control.render(record, permission_level="CAN_MANAGE"))

        return await self._guard(request, work)

    async def ai_gateway(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            await self._record(principal, name, "CAN_MANAGE", "update")
            body = await _json_body(request)
            record = await run_in_threadpool(control.put_ai_gateway, self.state.ws, name, body)
            self._changed()
            gateway = (record.pending_config or {}).get("inference_table_config")
            return json_response({"inference_table_config": gateway or {"enabled": False}})

        return await self._guard(request, work)

    async def tags(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            await self._record(principal, name, "CAN_MANAGE", "tag")
            body = await _json_body(request)
            tags = await run_in_threadpool(control.patch_tags, self.state.ws, name, body)
            return json_response({"tags": tags})

        return await self._guard(request, work)

    async def metrics(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            await self._record(principal, name, "CAN_VIEW", "view")
            text = self.state.metrics.render()
            mark = f'endpoint="{name}"'
            lines = [ln for ln in text.splitlines() if ln.startswith("#") or mark in ln]
            return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

        return await self._guard(request, work)

    async def openapi(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            await self._record(principal, name, "CAN_QUERY", "read the schema of")
            live = self.state.manager.live.get(name)
            if live is None:
                raise ValidationError(
                    f"endpoint {name!r} has no deployed config yet", "wait until it is READY"
                )
            return json_response(endpoint_openapi(live))

        return await self._guard(request, work)

    async def logs(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            name = request.path_params["name"]
            served = request.path_params["served"]
            record = await self._record(principal, name, "CAN_VIEW", "view")
            entity = record.state.get("entities", {}).get(served)
            if entity is None:
                raise ValidationError(
                    f"endpoint {name!r} has no served entity {served!r}",
                    f"choose from {sorted(record.state.get('entities', {}))}",
                )
            return json_response({"logs": f"{entity.get('deployment')}: {entity.get('message')}"})

        return await self._guard(request, work)

    async def permissions(self, request: Request) -> Response:
        async def work(principal: Principal) -> Response:
            ident = request.path_params["id"]
            record = await run_in_threadpool(control.endpoint_by_id, self.state.ws, ident)
            if request.method == "GET":
                self.state.require(principal, record.name, record.endpoint_id, "CAN_VIEW", "view")
                acl = await run_in_threadpool(
                    self.state.ws.metadata.permissions.levels,
                    "serving-endpoints",
                    record.endpoint_id,
                )
            else:
                self.state.require(
                    principal,
                    record.name,
                    record.endpoint_id,
                    "CAN_MANAGE",
                    "change permissions of",
                )
                body = await _json_body(request)
                acl = await run_in_threadpool(
                    control.set_permissions,
                    self.state.ws,
                    record.endpoint_id,
                    body.get("access_control_list") if isinstance(body, dict) else None,
                    replace=request.method == "PUT",
                )
                self._changed()
            return json_response(
                {
                    "object_id": f"/serving-endpoints/{record.endpoint_id}",
                    "object_type": "serving-endpoint",
                    "access_control_list": [
                        {
                            "user_name": who,
                            "all_permissions": [{"permission_level": lvl, "inherited": False}],
                        }
                        for who, lvl in acl.items()
                    ],
                }
            )

        return await self._guard(request, work)


__all__ = ["ControlApi"]
