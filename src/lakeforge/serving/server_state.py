"""What one running server holds: workspace, deployments, auth, metrics, inference logging."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakeforge.serving.auth import Authenticator, Principal
from lakeforge.serving.capture import CaptureWriter
from lakeforge.serving.deployment import DeploymentManager
from lakeforge.serving.metrics import Labels, Metrics

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lakeforge.tables.workspace import Workspace

MAX_BODY_BYTES = 16 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Server settings.

    Attributes:
        auth: Require bearer tokens (default: on unless bound to a loopback address).
        max_body_bytes: Larger invocation bodies get 413 before they are parsed.
        queue_factor: Requests queued per unit of an entity's concurrency before 429.
        poll_interval: Seconds between checks for catalog changes and alias moves.
        capture_interval: Seconds between inference table writes.
        workers: Threads that score requests.
    """

    auth: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    queue_factor: int = 8
    poll_interval: float = 1.0
    capture_interval: float = 1.0
    workers: int = 4


def _one_native_thread() -> None:
    """Scoring threads run native learners (OpenMP, BLAS) single-threaded: requests already
    run in parallel, and per-call thread teams only oversubscribe the cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return
    threadpool_limits(1)


class ServerState:
    """The parts of a running server, shared by its request handlers."""

    def __init__(self, ws: Workspace, options: ServerOptions) -> None:
        from lakeforge.online.store import OnlineStore

        self.ws = ws
        self.options = options
        self.store = OnlineStore(ws.settings.online_db)
        self.executor = ThreadPoolExecutor(
            options.workers, thread_name_prefix="lakeforge-score", initializer=_one_native_thread
        )
        self.capture = CaptureWriter(ws, flush_interval=options.capture_interval)
        self.manager = DeploymentManager(
            ws,
            self.store,
            self.executor,
            self.capture,
            queue_factor=options.queue_factor,
            poll_interval=options.poll_interval,
        )
        self.auth = Authenticator(ws) if options.auth else None
        self.metrics = Metrics()
        self.metrics.gauge("lakeforge_outstanding_requests", "Queued or scoring.", self._queued)
        self.metrics.gauge("lakeforge_inference_rows", "Inference table rows.", self._captured)
        self.local = Principal(ws.settings.user, admin=True)

    def _queued(self) -> Iterable[tuple[Labels, float]]:
        for live in list(self.manager.live.values()):
            for slot in live.slots.values():
                yield (("endpoint", live.name), ("served_entity", slot.name)), slot.outstanding

    def _captured(self) -> Iterable[tuple[Labels, float]]:
        yield (("outcome", "written"),), self.capture.written
        yield (("outcome", "dropped"),), self.capture.dropped
        yield (("outcome", "failed"),), self.capture.failed

    def principal(self, header: str | None) -> Principal:
        """Who the request acts for (auth off: the workspace user, as admin).

        Raises:
            AuthenticationError: Auth is on and the token is not valid.
        """
        if self.auth is None:
            return self.local
        return self.auth.authenticate(header)

    def require(
        self, principal: Principal, endpoint: str, endpoint_id: str, level: str, action: str
    ) -> None:
        """Raises PermissionDeniedError when auth is on and the level is not held."""
        if self.auth is not None:
            self.auth.require(principal, endpoint, endpoint_id, level, action)

    def start(self) -> None:
        """Deploy the catalog's endpoints and start the background threads."""
        self.capture.start()
        self.manager.start()

    def stop(self) -> None:
        """Stop background threads; queued inference rows are written first."""
        self.manager.stop()
        self.capture.stop()
        self.executor.shutdown(wait=True, cancel_futures=False)


__all__ = ["MAX_BODY_BYTES", "ServerOptions", "ServerState", "is_loopback"]
