"""``POST /serving-endpoints/{name}/invocations`` (and the per-entity path).

Order of checks, cheapest first, so refusals cost almost nothing under overload: token,
endpoint, permission, route, admission (429 when the entity's queue is full), body size (413
from ``Content-Length`` before reading, or while reading), parse (400), score. The answer names
its entity in ``served-model-name``. Shadow copies and inference rows are handled after the
response is built and never change it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from lakeforge.errors import (
    NotFoundError,
    NotReadyError,
    OverloadedError,
    PayloadTooLargeError,
)
from lakeforge.serving.capture import Record, now
from lakeforge.serving.payload import PARQUET_TYPE, Invocation, media_type, parse
from lakeforge.serving.responses import error_response, json_response

if TYPE_CHECKING:
    from lakeforge.serving.deployment import EntitySlot, LiveEndpoint
    from lakeforge.serving.entity import Scored
    from lakeforge.serving.server_state import ServerState

INLINE_PARSE_BYTES = 64 * 1024
DRAIN_FACTOR = 4
_background: set[asyncio.Task[None]] = set()


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to be over ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        # Discard (never keep or parse) what the client is still sending, so it gets to read
        # the 413 instead of a connection reset; give up draining beyond a few times the limit.
        drained = 0
        async for chunk in request.stream():
            drained += len(chunk)
            if drained > DRAIN_FACTOR * limit:
                break
        raise PayloadTooLargeError(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _live(state: ServerState, name: str) -> LiveEndpoint:
    live = state.manager.live.get(name)
    if live is not None:
        return live
    record = await run_in_threadpool(state.ws.metadata.endpoints.get, name)
    problem = record.state.get("message") or f"config_update is {record.state.get('config_update')}"
    raise NotReadyError(
        name,
        f"no config of it is deployed yet ({problem})",
        "wait for state.ready READY (a running `lakeforge serve` deploys it); retry later",
    )


def _slot(live: LiveEndpoint, entity: str | None) -> EntitySlot:
    name = entity if entity is not None else live.router.pick()
    slot = live.slots.get(name)
    if slot is None:
        raise NotFoundError(
            f"{live.name}/{name}",
            [f"{live.name}/{s}" for s in live.slots],
            "query a served entity of the endpoint (GET /api/2.0/serving-endpoints/NAME)",
        )
    if slot.outstanding >= slot.limit:
        raise OverloadedError(slot.name, slot.limit, 1)
    return slot


async def _parse(state: ServerState, slot: EntitySlot, body: bytes, kind: str | None) -> Invocation:
    schema = slot.entity.schema
    if len(body) <= INLINE_PARSE_BYTES:
        return parse(body, kind, schema)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(state.executor, parse, body, kind, schema)


def _features_json(scored: Scored) -> str:
    return json.dumps(scored.features.to_pylist(), default=str, allow_nan=False)


class _Call:
    """One invocation's facts, for metrics and the inference table."""

    def __init__(self, endpoint: str) -> None:
        self.id = uuid.uuid4().hex
        self.endpoint = endpoint
        self.start = time.perf_counter()
        self.time = now()
        self.requester = ""
        self.body: bytes | None = None
        self.kind: str | None = None
        self.invocation: Invocation | None = None
        self.scored: Scored | None = None


def _capture(
    state: ServerState,
    live: LiveEndpoint | None,
    slot: EntitySlot | None,
    call: _Call,
    status: int,
    response: bytes | None,
) -> None:
    if live is None or live.capture is None or slot is None:
        return
    # the body is only read once its content type passed media_type, so this cannot raise
    text_body = call.body is not None and media_type(call.kind) != PARQUET_TYPE
    state.capture.add(
        live.capture,
        Record(
            request_id=call.id,
            client_request_id=call.invocation.client_request_id if call.invocation else None,
            time=call.time,
            status_code=status,
            duration_ms=int((time.perf_counter() - call.start) * 1000),
            request=call.body.decode("utf-8", "replace") if text_body and call.body else None,
            response=response.decode() if response is not None else None,
            endpoint=live.name,
            entity=slot.name,
            model_name=slot.entity.model_name,
            model_version=str(slot.entity.version),
            requester=call.requester,
            features=_features_json(call.scored) if call.scored is not None else None,
        ),
    )


async def _shadow(state: ServerState, live: LiveEndpoint, call: _Call) -> None:
    slot = live.slots.get(live.shadow or "")
    if slot is None or call.invocation is None:
        return
    if slot.outstanding >= slot.limit:
        state.metrics.shadowed(live.name, slot.name, "skipped")
        return
    shadow_call = _Call(live.name)
    shadow_call.body, shadow_call.kind, shadow_call.requester = call.body, call.kind, call.requester
    shadow_call.invocation = call.invocation
    try:
        shadow_call.scored = await slot.batcher.submit(call.invocation)
    except Exception:  # noqa: BLE001 - a shadow failure never reaches the caller
        state.metrics.shadowed(live.name, slot.name, "error")
        _capture(state, live, slot, shadow_call, 500, None)
        return
    state.metrics.shadowed(live.name, slot.name, "ok")
    answer = json.dumps({"predictions": shadow_call.scored.predictions}, default=str)
    _capture(state, live, slot, shadow_call, 200, answer.encode())


async def invoke(state: ServerState, request: Request, entity: str | None = None) -> Response:
    """Answer one invocation."""
    name = request.path_params["name"]
    call = _Call(name)
    live: LiveEndpoint | None = None
    slot: EntitySlot | None = None
    try:
        principal = state.principal(request.headers.get("authorization"))
        call.requester = principal.name
        live = await _live(state, name)
        state.require(principal, name, live.endpoint_id, "CAN_QUERY", "query")
        slot = _slot(live, entity)
        call.kind = request.headers.get("content-type")
        media_type(call.kind)  # 415 before reading the body
        call.body = await read_body(request, state.options.max_body_bytes)
        call.invocation = await _parse(state, slot, call.body, call.kind)
        call.scored = await slot.batcher.submit(call.invocation)
        key = "outputs" if slot.entity.outputs else "predictions"
        body: Any = {key: call.scored.predictions}
        response = json_response(
            body, 200, {"served-model-name": slot.name, "x-request-id": call.id}
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes an error response
        response = error_response(exc, call.id, invocation=True)
        if slot is not None:
            response.headers["served-model-name"] = slot.name
        if slot is None:
            state.metrics.reject(name, str(response.status_code))
    millis = (time.perf_counter() - call.start) * 1000
    if slot is not None:
        state.metrics.request(name, slot.name, response.status_code, millis)
    _capture(state, live, slot, call, response.status_code, bytes(response.body))
    if live is not None and live.shadow and call.scored is not None and entity is None:
        task = asyncio.create_task(_shadow(state, live, call))
        _background.add(task)
        task.add_done_callback(_background.discard)
    return response


__all__ = ["invoke", "read_body"]
