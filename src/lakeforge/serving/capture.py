"""Inference tables: request/response rows written to Delta in background micro-batches.

The request path only appends a row to an in-memory queue; a writer thread appends what has
gathered to each endpoint's ``<catalog>.<schema>.<prefix>_payload`` table every
``flush_interval`` seconds (or sooner when ``flush_rows`` are waiting). Column names follow the
reference (§2.4): the AI-gateway layout for ``ai_gateway.inference_table_config``, the legacy
layout for ``auto_capture_config``; both add ``served_features`` (the model input rows, looked-up
features included, as JSON) so monitoring can read exactly what the model saw.

Logging is best effort and bounded: when ``max_pending`` rows wait, new rows are dropped and
counted (``dropped``), never blocking a request. Payloads over ``max_payload_bytes`` are stored
as null with ``MAX_REQUEST_SIZE_EXCEEDED`` / ``MAX_RESPONSE_SIZE_EXCEEDED``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

log = logging.getLogger("lakeforge.serving")

GATEWAY_SCHEMA = pa.schema(
    [
        ("request_date", pa.date32()),
        ("databricks_request_id", pa.string()),
        ("client_request_id", pa.string()),
        ("request_time", pa.timestamp("us", tz="UTC")),
        ("status_code", pa.int32()),
        ("sampling_fraction", pa.float64()),
        ("execution_duration_ms", pa.int64()),
        ("request", pa.string()),
        ("response", pa.string()),
        ("served_entity_id", pa.string()),
        ("logging_error_codes", pa.list_(pa.string())),
        ("requester", pa.string()),
        ("served_features", pa.string()),
    ]
)

LEGACY_SCHEMA = pa.schema(
    [
        ("databricks_request_id", pa.string()),
        ("client_request_id", pa.string()),
        ("date", pa.date32()),
        ("timestamp_ms", pa.int64()),
        ("status_code", pa.int32()),
        ("sampling_fraction", pa.float64()),
        ("execution_time_ms", pa.int64()),
        ("request", pa.string()),
        ("response", pa.string()),
        ("request_metadata", pa.map_(pa.string(), pa.string())),
        ("served_features", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class CaptureTarget:
    """Where one endpoint's rows go, and in which layout."""

    table: str
    legacy: bool

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CaptureTarget | None:
        """The target of a normalized endpoint config (AI gateway wins over legacy)."""
        for key, legacy in (("inference_table_config", False), ("auto_capture_config", True)):
            given = config.get(key)
            if given:
                table = (
                    f"{given['catalog_name']}.{given['schema_name']}."
                    f"{given['table_name_prefix']}_payload"
                )
                return cls(table.lower(), legacy)
        return None


@dataclass(frozen=True, slots=True)
class Record:
    """One served request, as the handler saw it."""

    request_id: str
    client_request_id: str | None
    time: datetime
    status_code: int
    duration_ms: int
    request: str | None
    response: str | None
    endpoint: str
    entity: str
    model_name: str
    model_version: str
    requester: str
    features: str | None


def _limited(text: str | None, limit: int, code: str, codes: list[str]) -> str | None:
    if text is not None and len(text) > limit:
        codes.append(code)
        return None
    return text


def _row(record: Record, legacy: bool, limit: int) -> dict[str, Any]:
    codes: list[str] = []
    request = _limited(record.request, limit, "MAX_REQUEST_SIZE_EXCEEDED", codes)
    response = _limited(record.response, limit, "MAX_RESPONSE_SIZE_EXCEEDED", codes)
    if legacy:
        return {
            "databricks_request_id": record.request_id,
            "client_request_id": record.client_request_id,
            "date": record.time.date(),
            "timestamp_ms": int(record.time.timestamp() * 1000),
            "status_code": record.status_code,
            "sampling_fraction": 1.0,
            "execution_time_ms": record.duration_ms,
            "request": request,
            "response": response,
            "request_metadata": [
                ("endpoint_name", record.endpoint),
                ("model_name", record.model_name),
                ("model_version", record.model_version),
            ],
            "served_features": record.features,
        }
    return {
        "request_date": record.time.date(),
        "databricks_request_id": record.request_id,
        "client_request_id": record.client_request_id,
        "request_time": record.time,
        "status_code": record.status_code,
        "sampling_fraction": 1.0,
        "execution_duration_ms": record.duration_ms,
        "request": request,
        "response": response,
        "served_entity_id": record.entity,
        "logging_error_codes": codes,
        "requester": record.requester,
        "served_features": record.features,
    }


class CaptureWriter:
    """The background writer of every endpoint's inference table in one server.

    Args:
        ws: The workspace the tables live in.
        flush_interval: Seconds between writes.
        flush_rows: Write sooner when this many rows wait.
        max_pending: Rows kept waiting at most; more are dropped and counted.
        max_payload_bytes: Larger request/response texts are stored as null.
    """

    def __init__(
        self,
        ws: Workspace,
        *,
        flush_interval: float = 1.0,
        flush_rows: int = 5000,
        max_pending: int = 100_000,
        max_payload_bytes: int = 1_000_000,
    ) -> None:
        self._ws = ws
        self._flush_interval = flush_interval
        self._flush_rows = flush_rows
        self._max_pending = max_pending
        self._max_payload = max_payload_bytes
        self._pending: deque[tuple[CaptureTarget, Record]] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.written = 0
        self.dropped = 0
        self.failed = 0

    def ensure_table(self, target: CaptureTarget) -> None:
        """Create the table (and nothing else) if it does not exist yet.

        Raises:
            SchemaNotFoundError: The catalog or schema does not exist.
        """
        schema = LEGACY_SCHEMA if target.legacy else GATEWAY_SCHEMA
        self._ws.tables.create(
            target.table,
            schema=schema,
            description="inference table written by lakeforge serve",
            if_not_exists=True,
        )

    def add(self, target: CaptureTarget, record: Record) -> None:
        """Queue one row (never blocks; drops and counts when the queue is full)."""
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            return
        self._pending.append((target, record))
        if len(self._pending) >= self._flush_rows:
            self._wake.set()

    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="lakeforge-capture", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write every queued row now; returns the number written."""
        with self._lock:
            taken: dict[CaptureTarget, list[Record]] = {}
            while self._pending:
                target, record = self._pending.popleft()
                taken.setdefault(target, []).append(record)
            count = 0
            for target, records in taken.items():
                schema = LEGACY_SCHEMA if target.legacy else GATEWAY_SCHEMA
                rows = [_row(r, target.legacy, self._max_payload) for r in records]
                try:
                    self._ws.tables.append(target.table, pa.Table.from_pylist(rows, schema))
                except Exception:
                    self.failed += len(rows)
                    log.exception(
                        "inference table %s: %d rows not written", target.table, len(rows)
                    )
                    continue
                count += len(rows)
            self.written += count
            return count


def now() -> datetime:
    """The time stamped on captured rows (UTC)."""
    return datetime.now(UTC)


__all__ = ["CaptureTarget", "CaptureWriter", "Record", "now"]
