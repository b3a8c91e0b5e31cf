"""The ASGI application of ``lakeforge serve`` (Starlette) and how it is run (uvicorn).

One process serves every endpoint of the workspace. uvicorn runs one worker with httptools and
uvloop when installed: more workers add tens of milliseconds to keep-alive requests (a known
uvicorn issue), and micro-batching (:mod:`lakeforge.serving.batcher`) is what raises throughput.
uvicorn's ``limit_concurrency`` bounds open connections; beyond it clients get 503 at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lakeforge.serving.control_api import ControlApi
from lakeforge.serving.invocation import invoke
from lakeforge.serving.openapi import server_openapi
from lakeforge.serving.responses import error_response, json_response
from lakeforge.serving.server_state import ServerOptions, ServerState, is_loopback

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

log = logging.getLogger("lakeforge.serving")


def _readiness(state: ServerState) -> list[str]:
    problems = []
    for record in state.ws.metadata.endpoints.list():
        live = state.manager.live.get(record.name)
        if live is None:
            message = record.state.get("message") or record.state.get("config_update")
            problems.append(f"endpoint {record.name}: not deployed ({message})")
            continue
        for slot in live.slots.values():
            missing = slot.entity.missing_tables()
            if missing:
                problems.append(
                    f"endpoint {record.name}/{slot.name}: feature tables {missing} are not "
                    "published"
                )
    return problems


def build_app(state: ServerState) -> Starlette:
    """The application for one server state (its lifespan starts and stops the state)."""
    api = ControlApi(state)

    async def health(_: Request) -> Response:
        return json_response({"status": "OK"})

    async def ready(_: Request) -> Response:
        problems = await run_in_threadpool(_readiness, state)
        if problems:
            return json_response({"status": "NOT_READY", "problems": problems}, 503)
        return json_response({"status": "READY"})

    async def metrics(request: Request) -> Response:
        try:
            state.principal(request.headers.get("authorization"))
        except Exception as exc:  # noqa: BLE001
            return error_response(exc, "metrics")
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")

    async def openapi(_: Request) -> Response:
        return json_response(server_openapi())

    async def host_metadata(_: Request) -> Response:
        # what databricks-sdk probes for at client start; nothing to discover locally
        return json_response({})

    async def invocations(request: Request) -> Response:
        return await invoke(state, request)

    async def entity_invocations(request: Request) -> Response:
        return await invoke(state, request, request.path_params["served"])

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(state.start)
        try:
            yield
        finally:
            await run_in_threadpool(state.stop)

    base = "/api/2.0/serving-endpoints"
    routes = [  # invocations first: the most frequent requests match on the first try
        Route("/serving-endpoints/{name}/invocations", invocations, methods=["POST"]),
        Route(
            "/serving-endpoints/{name}/served-models/{served}/invocations",
            entity_invocations,
            methods=["POST"],
        ),
        Route(
            "/serving-endpoints/{name}/served-entities/{served}/invocations",
            entity_invocations,
            methods=["POST"],
        ),
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics),
        Route("/openapi.json", openapi),
        Route("/.well-known/databricks-config", host_metadata),
        Route(base, api.list, methods=["GET"]),
        Route(base, api.create, methods=["POST"]),
        Route(base + "/{name}", api.get, methods=["GET"]),
        Route(base + "/{name}", api.delete, methods=["DELETE"]),
        Route(base + "/{name}/config", api.update_config, methods=["PUT"]),
        Route(base + "/{name}/metrics", api.metrics, methods=["GET"]),
        Route(base + "/{name}/ai-gateway", api.ai_gateway, methods=["PUT"]),
        Route(base + "/{name}/tags", api.tags, methods=["PATCH"]),
        Route(base + "/{name}/openapi", api.openapi, methods=["GET"]),
        Route(base + "/{name}/served-models/{served}/logs", api.logs, methods=["GET"]),
        Route(base + "/{name}/served-models/{served}/build-logs", api.logs, methods=["GET"]),
        Route(
            "/api/2.0/permissions/serving-endpoints/{id}",
            api.permissions,
            methods=["GET", "PUT", "PATCH"],
        ),
    ]

    async def unknown(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        code = "ENDPOINT_NOT_FOUND" if status == 404 else "BAD_REQUEST"
        message = f"{request.method} {request.url.path} is not a route of this server"
        if status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return json_response({"error_code": code, "message": message}, status)

    return Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={404: unknown, 405: unknown}
    )


def serve(
    ws: Workspace,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    auth: bool | None = None,
    options: ServerOptions | None = None,
    limit_concurrency: int = 2048,
) -> None:
    """Run the server until interrupted.

    Args:
        ws: The workspace whose endpoints are served.
        host: Address to bind; auth defaults to on unless it is a loopback address.
        port: TCP port.
        auth: Force bearer-token auth on or off.
        options: Server settings (``auth`` is overridden by the argument when given).
        limit_concurrency: Open connections/requests at most; more get 503 at once.
    """
    import importlib.util
    from dataclasses import replace

    import uvicorn

    chosen = options or ServerOptions()
    wanted_auth = auth if auth is not None else not is_loopback(host)
    chosen = replace(chosen, auth=wanted_auth)
    if not chosen.auth and not is_loopback(host):
        log.warning("auth is off while binding %s: anyone who can reach it may query", host)
    state = ServerState(ws, chosen)
    config = uvicorn.Config(
        build_app(state),
        host=host,
        port=port,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
        access_log=False,
        log_level="warning",
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=30,
        proxy_headers=False,  # served directly; X-Forwarded-* from clients are not trusted
        lifespan="on",
    )
    uvicorn.Server(config).run()


__all__ = ["build_app", "serve"]
