"""Value objects describing catalog objects (metadata only, never table data)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from lakeforge.names import ObjectName


def now_ms() -> int:
    """Current time in epoch milliseconds (the unit of every catalog timestamp)."""
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """A catalog (top level of the namespace)."""

    name: str
    comment: str | None = None
    owner: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created_at: int = 0
    updated_at: int = 0


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """A schema inside a catalog."""

    catalog: str
    name: str
    comment: str | None = None
    owner: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created_at: int = 0
    updated_at: int = 0

    @property
    def full_name(self) -> str:
        """``catalog.schema``."""
        return f"{self.catalog}.{self.name}"


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column of a table; ``data_type`` is a Spark SQL type name (``bigint``, ``string``)."""

    name: str
    data_type: str
    nullable: bool = True
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A table registered in the catalog.

    ``location`` is relative to the workspace warehouse so a workspace can be moved.
    ``primary_keys`` includes the timeseries key when there is one (reference behaviour).
    """

    name: ObjectName
    table_id: str
    location: str
    columns: tuple[ColumnInfo, ...]
    primary_keys: tuple[str, ...] = ()
    timeseries_key: str | None = None
    partition_columns: tuple[str, ...] = ()
    description: str | None = None
    owner: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    table_type: str = "MANAGED"
    data_format: str = "DELTA"
    created_at: int = 0
    updated_at: int = 0

    @property
    def column_names(self) -> list[str]:
        """Column names in table order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True, slots=True)
class FunctionParameter:
    """One parameter of a catalog function."""

    name: str
    data_type: str


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """A Python function registered in the catalog (used by on-demand features)."""

    name: ObjectName
    function_id: str
    source: str
    entry_point: str
    parameters: tuple[FunctionParameter, ...]
    return_type: str
    language: str = "PYTHON"
    description: str | None = None
    owner: str | None = None
    created_at: int = 0
    updated_at: int = 0


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    """A volume: a folder of files registered in the catalog as ``catalog.schema.volume``.

    ``storage_location`` is relative to the workspace's volumes root so a workspace can be
    moved; ``volume_type`` is ``MANAGED`` (lakeforge keeps the files).
    """

    catalog: str
    schema: str
    name: str
    volume_id: str
    storage_location: str
    volume_type: str = "MANAGED"
    comment: str | None = None
    owner: str | None = None
    created_at: int = 0
    updated_at: int = 0

    @property
    def full_name(self) -> str:
        """``catalog.schema.volume``."""
        return f"{self.catalog}.{self.schema}.{self.name}"

    @property
    def path(self) -> str:
        """The volume's path in the reference's file namespace: ``/Volumes/c/s/v``."""
        return f"/Volumes/{self.catalog}/{self.schema}/{self.name}"


@dataclass(frozen=True, slots=True)
class SecretScopeInfo:
    """A secret scope (``backend_type`` as the reference names the workspace-backed kind)."""

    name: str
    backend_type: str = "DATABRICKS"
    created_at: int = 0


@dataclass(frozen=True, slots=True)
class SecretInfo:
    """The metadata of one secret: never its value."""

    scope: str
    key: str
    created_at: int = 0
    last_updated_timestamp: int = 0
