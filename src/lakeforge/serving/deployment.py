"""Deployments: what one server is serving right now, kept in step with the catalog.

A deployer thread reconciles the live endpoints with the catalog records (after every change
made through the server, and every ``poll_interval`` seconds for changes made elsewhere):

- a record whose accepted config is newer than the live one is deployed: its entities are
  loaded (reusing loaded ones that did not change), their feature tables checked, and only then
  the live endpoint is swapped in one assignment — requests never see a half-built endpoint and
  the old config serves until then. A config that fails to load leaves the old one serving
  (``UPDATE_FAILED``);
- a served entity that follows an alias is re-resolved; when the alias moved, the new version
  is loaded beside the old one and swapped in, so no request fails during the move;
- a deleted record stops being served.

States are written back to the record so ``GET`` and ``lakeforge endpoints get`` show them.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lakeforge.errors import ConflictError, EndpointNotFoundError, LakeforgeError
from lakeforge.serving import control
from lakeforge.serving.batcher import Batcher
from lakeforge.serving.capture import CaptureTarget, CaptureWriter
from lakeforge.serving.config import routes_of
from lakeforge.serving.entity import LoadedEntity, Target, load_entity
from lakeforge.serving.routing import TrafficRouter

if TYPE_CHECKING:
    from lakeforge.catalog.endpoint_repo import EndpointRecord
    from lakeforge.models.registry import Registry
    from lakeforge.online.store import OnlineStore
    from lakeforge.tables.workspace import Workspace

log = logging.getLogger("lakeforge.serving")


def _target(entity: Mapping[str, Any]) -> Target:
    version = entity.get("entity_version")
    return Target(entity["entity_name"], int(version) if version else None, entity.get("alias"))


@dataclass(slots=True)
class EntitySlot:
    """A served entity of a live endpoint: its loaded model (swappable) and its queue.

    Attributes:
        limit: Requests queued or being scored at most; more get 429.
    """

    name: str
    target: Target
    entity: LoadedEntity
    limit: int
    batcher: Batcher = field(init=False)
    executor: Executor | None = None

    def __post_init__(self) -> None:
        assert self.executor is not None
        self.batcher = Batcher(self.executor, lambda: self.entity)

    @property
    def outstanding(self) -> int:
        return self.batcher.outstanding


@dataclass(slots=True)
class LiveEndpoint:
    """An endpoint as it is served: one deployed config."""

    name: str
    endpoint_id: str
    config_version: int
    config: dict[str, Any]
    slots: dict[str, EntitySlot]
    router: TrafficRouter
    shadow: str | None
    capture: CaptureTarget | None


class DeploymentManager:
    """Keeps this server's live endpoints in step with the catalog.

    Args:
        ws: The workspace.
        store: Its online store.
        executor: Threads that score requests.
        capture: The inference table writer.
        queue_factor: Requests queued per unit of an entity's concurrency.
        poll_interval: Seconds between checks for changes made elsewhere and alias moves.
    """

    def __init__(
        self,
        ws: Workspace,
        store: OnlineStore,
        executor: Executor,
        capture: CaptureWriter,
        *,
        queue_factor: int = 8,
        poll_interval: float = 1.0,
    ) -> None:
        self.ws = ws
        self.store = store
        self.executor = executor
        self.capture = capture
        self.queue_factor = queue_factor
        self.poll_interval = poll_interval
        self.live: dict[str, LiveEndpoint] = {}
        self._registry: Registry | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cycles = 0

    @property
    def registry(self) -> Registry:
        """One registry client for every resolve and load (created on first use)."""
        if self._registry is None:
            from lakeforge.models.registry import Registry

            self._registry = Registry(self.ws)
        return self._registry

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Deploy what the catalog holds, then keep reconciling in a thread."""
        self.reconcile()
        self._thread = threading.Thread(target=self._run, name="lakeforge-deployer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reconciling."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wake(self) -> None:
        """Reconcile now (after a change made through this server)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            try:
                self.reconcile()
            except Exception:
                log.exception("deployment cycle failed")

    # -- reconciling ---------------------------------------------------------------------------

    def reconcile(self) -> None:
        """One cycle: deploy changed configs, follow aliases, drop deleted endpoints."""
        before = [(live.config_version, id(live)) for live in self.live.values()]
        self._reconcile()
        if [(live.config_version, id(live)) for live in self.live.values()] != before:
            # Loaded models are long-lived: move them out of the collector's reach so full
            # collections stay short (they paused requests for 100+ ms otherwise).
            gc.freeze()

    def _reconcile(self) -> None:
        records = {r.name: r for r in self.ws.metadata.endpoints.list()}
        for name in list(self.live):
            if name not in records or records[name].endpoint_id != self.live[name].endpoint_id:
                del self.live[name]
        for record in records.values():
            live = self.live.get(record.name)
            if record.pending_config is not None and record.state.get("config_update") == (
                control.IN_PROGRESS
            ):
                self._deploy(record, record.pending_config, record.config_version, pending=True)
            elif record.config is not None and (
                live is None or live.config_version != record.config_version
            ):
                version = record.config_version - (1 if record.pending_config else 0)
                self._deploy(record, record.config, version, pending=False)
            elif live is not None:
                self._follow_aliases(live)
        self.cycles += 1

    def _load(
        self, config: Mapping[str, Any], live: LiveEndpoint | None
    ) -> tuple[dict[str, EntitySlot], dict[str, Any], list[str]]:
        slots: dict[str, EntitySlot] = {}
        states: dict[str, Any] = {}
        failed: list[str] = []
        for spec in config["served_entities"]:
            name, target = spec["name"], _target(spec)
            limit = int(spec["max_concurrency"]) * self.queue_factor
            try:
                reuse = live.slots.get(name) if live else None
                entity = self._reusable(reuse, target) or load_entity(
                    self.ws, self.store, self.registry, name, target
                )
                entity.check_ready()
            except Exception as exc:
                if not isinstance(exc, LakeforgeError):
                    log.exception("endpoint entity %s failed to load", name)
                states[name] = {"deployment": "DEPLOYMENT_FAILED", "message": str(exc)}
                failed.append(f"{name}: {exc}")
                continue
            slots[name] = EntitySlot(name, target, entity, limit, executor=self.executor)
            states[name] = {
                "deployment": "DEPLOYMENT_READY",
                "message": f"serving {entity.model_name} version {entity.version}",
                "version": entity.version,
            }
        return slots, states, failed

    def _reusable(self, slot: EntitySlot | None, target: Target) -> LoadedEntity | None:
        if slot is None or slot.target != target:
            return None
        if target.is_feature_spec:
            return None  # cheap to rebuild; picks up a replaced spec
        moved = (
            target.alias is not None
            and self.registry.resolve_uri(target.uri)[1] != slot.entity.version
        )
        return None if moved else slot.entity

    def _deploy(
        self, record: EndpointRecord, config: dict[str, Any], version: int, *, pending: bool
    ) -> None:
        live = self.live.get(record.name)
        try:
            slots, states, failed = self._load(config, live)
            if failed:
                self._failed(record, states, "; ".join(failed), pending, live)
                return
            capture = CaptureTarget.from_config(config)
            if capture is not None:
                self.capture.ensure_table(capture)
        except LakeforgeError as exc:
            self._failed(record, {}, str(exc), pending, live)
            return
        except Exception as exc:  # a bug must not leave the endpoint IN_PROGRESS forever
            log.exception("endpoint %s: deployment failed", record.name)
            self._failed(record, {}, f"internal error: {type(exc).__name__}: {exc}", pending, live)
            return
        shadow = config["traffic_config"].get("shadow_entity_name")
        self.live[record.name] = LiveEndpoint(
            record.name,
            record.endpoint_id,
            record.config_version if pending else version,
            config,
            slots,
            TrafficRouter(routes_of(config)),
            shadow,
            capture,
        )
        state = {"ready": control.READY, "config_update": control.NOT_UPDATING, "entities": states}
        values: dict[str, Any] = {"state": state}
        if pending:
            values.update(config=config, pending_config=None)
        self._write(record, values)

    def _failed(
        self,
        record: EndpointRecord,
        states: dict[str, Any],
        message: str,
        pending: bool,
        live: LiveEndpoint | None,
    ) -> None:
        log.warning(
            "endpoint %s: config %d failed: %s", record.name, record.config_version, message
        )
        ready = control.READY if live is not None else control.NOT_READY
        state = {
            "ready": ready,
            "config_update": control.UPDATE_FAILED if pending else control.NOT_UPDATING,
            "entities": states,
            "message": message,
        }
        values: dict[str, Any] = {"state": state}
        if pending:
            values.update(pending_config=None, config_version=record.config_version - 1)
        self._write(record, values)

    def _write(self, record: EndpointRecord, values: dict[str, Any]) -> None:
        try:
            self.ws.metadata.endpoints.update(
                record.name, expect_version=record.config_version, **values
            )
        except (ConflictError, EndpointNotFoundError):
            log.info("endpoint %s changed while deploying; the next cycle catches up", record.name)

    def _follow_aliases(self, live: LiveEndpoint) -> None:
        for slot in live.slots.values():
            if slot.target.alias is None:
                continue
            try:
                _, version = self.registry.resolve_uri(slot.target.uri)
                if version == slot.entity.version:
                    continue
                entity = load_entity(self.ws, self.store, self.registry, slot.name, slot.target)
                entity.check_ready()
            except LakeforgeError as exc:
                log.warning("endpoint %s: alias of %s not followed: %s", live.name, slot.name, exc)
                continue
            slot.entity = entity  # one assignment: the next batch scores with the new version
            gc.freeze()
            log.info("endpoint %s: %s now serves version %d", live.name, slot.name, version)
            self._record_entity(live.name, slot.name, entity)

    def _record_entity(self, endpoint: str, served: str, entity: LoadedEntity) -> None:
        try:
            record = self.ws.metadata.endpoints.get(endpoint)
            entities = dict(record.state.get("entities", {}))
            entities[served] = {
                "deployment": "DEPLOYMENT_READY",
                "message": f"serving {entity.model_name} version {entity.version}",
                "version": entity.version,
            }
            self.ws.metadata.endpoints.update(
                endpoint,
                expect_version=record.config_version,
                state={**record.state, "entities": entities},
            )
        except (ConflictError, EndpointNotFoundError):
            pass  # changed meanwhile: the next deployment writes its own states


__all__ = ["DeploymentManager", "EntitySlot", "LiveEndpoint"]
