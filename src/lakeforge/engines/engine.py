"""The :class:`Engine` seam: what lakeforge asks of a compute engine, and how one is loaded.

Engines know nothing of features or models. They run SQL over named relations that the
caller resolves (Delta snapshots handed over as Arrow datasets) and return Arrow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from lakeforge.engines.asof import AsofStep
from lakeforge.errors import ConfigurationError

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads

# (catalog, schema, name) as written in the query ("" for omitted parts) -> a relation or None
RelationResolver = Callable[[str, str, str], "pads.Dataset | pa.Table | None"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What an engine can do natively."""

    sql: bool = True
    asof_join: bool = False
    streaming_results: bool = False
    distributed: bool = False


class PreparedJoin(Protocol):
    """An as-of join plan with its right sides prepared once, run on many spines."""

    def run(self, spine: pa.Table) -> pa.Table:
        """Execute the plan on ``spine`` (contract in :mod:`lakeforge.engines.asof`)."""
        ...


class Engine(Protocol):
    """A compute engine lakeforge can run queries on."""

    name: str
    capabilities: Capabilities

    def query(
        self, sql: str, resolve: RelationResolver, *, hugeint_as_bigint: bool = False
    ) -> pa.Table:
        """Run one SELECT statement; table references are handed to ``resolve``.

        ``hugeint_as_bigint``: integer results wider than 64 bits (e.g. DuckDB's ``sum`` of
        integers) come back as 64-bit integers, as the reference types them; overflow raises.
        """
        ...

    def query_batches(
        self,
        sql: str,
        resolve: RelationResolver,
        batch_size: int = 65536,
        *,
        hugeint_as_bigint: bool = False,
    ) -> pa.RecordBatchReader:
        """Like :meth:`query` but streams the result in record batches."""
        ...

    def point_in_time(self, spine: pa.Table, steps: Sequence[AsofStep]) -> pa.Table:
        """Execute an as-of join plan (contract in :mod:`lakeforge.engines.asof`)."""
        ...

    def prepare_point_in_time(self, steps: Sequence[AsofStep]) -> PreparedJoin:
        """Prepare a plan's right sides once for spines joined one after another (chunks)."""
        ...


ENGINES = ("duckdb",)


def load_engine(name: str = "duckdb") -> Engine:
    """Return an engine by name, importing its library only now."""
    if name == "duckdb":
        from lakeforge.engines.duck import DuckDBEngine

        return DuckDBEngine()
    raise ConfigurationError("engine", name, "is not a known engine", f"use one of {ENGINES}")
