"""The feature spec: which columns a model takes and where each comes from.

Serialized as ``feature_spec.yaml`` in the reference layout (serialization version 11), so
models packaged by lakeforge and by the reference client read each other's specs. Column kinds:
source columns from the input (``training_data``), looked-up features (``feature_store``) and
on-demand function outputs (``on_demand_feature``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lakeforge.errors import ValidationError

SERIALIZATION_VERSION = 11
CLIENT_VERSION = "0.18.2"
SOURCES = ("training_data", "feature_store", "on_demand_feature")


@dataclass(frozen=True, slots=True)
class SourceColumn:
    """A column taken from the input DataFrame."""

    name: str
    data_type: str
    topological_ordering: int = 0
    include: bool = True


@dataclass(frozen=True, slots=True)
class FeatureColumn:
    """A feature looked up from a feature table."""

    name: str
    table_name: str
    feature_name: str
    lookup_key: tuple[str, ...]
    data_type: str
    topological_ordering: int
    timestamp_lookup_key: tuple[str, ...] = ()
    default_value: str | None = None
    include: bool = True


@dataclass(frozen=True, slots=True)
class FunctionColumn:
    """The output of an on-demand feature function."""

    name: str
    udf_name: str
    input_bindings: Mapping[str, str]
    data_type: str
    topological_ordering: int
    include: bool = True


Column = SourceColumn | FeatureColumn | FunctionColumn


@dataclass(frozen=True, slots=True)
class TableInfoRef:
    """A feature table a spec reads, with its identity and lookback."""

    table_name: str
    table_id: str
    lookback_window: float | None = None


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Ordered input columns plus the tables and functions they come from."""

    input_columns: tuple[Column, ...]
    input_tables: tuple[TableInfoRef, ...] = ()
    input_functions: tuple[str, ...] = ()
    workspace_id: str = "0"
    feature_store_client_version: str = CLIENT_VERSION
    serialization_version: int = SERIALIZATION_VERSION

    def column_names(self, *, included_only: bool = True) -> list[str]:
        """Output names in spec order."""
        return [c.name for c in self.input_columns if c.include or not included_only]

    def to_dict(self) -> dict[str, Any]:
        """The reference YAML document as plain data."""
        return {
            "input_columns": [{c.name: _column_dict(c)} for c in self.input_columns],
            "input_tables": [{t.table_name: _table_dict(t)} for t in self.input_tables],
            "input_functions": [{name: {}} for name in self.input_functions],
            "workspace_id": self.workspace_id,
            "feature_store_client_version": self.feature_store_client_version,
            "serialization_version": self.serialization_version,
        }

    def to_yaml(self) -> str:
        """``feature_spec.yaml`` text."""
        import yaml

        return str(yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=False))

    @classmethod
    def from_yaml(cls, text: str) -> FeatureSpec:
        """Parse and validate ``feature_spec.yaml`` text (lakeforge's or the reference's)."""
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(f"feature_spec.yaml is not valid YAML: {exc}", _FIX) from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> FeatureSpec:
        """Build from the YAML document's data, checking the reference's load-time rules."""
        if not isinstance(data, dict):
            raise ValidationError("feature_spec.yaml must hold a mapping", _FIX)
        columns = tuple(_parse_column(entry) for entry in _entries(data, "input_columns"))
        if not columns:
            raise ValidationError("feature spec has no input_columns", _FIX)
        tables = tuple(
            TableInfoRef(name, str(body.get("table_id", "")), _float(body.get("lookback_window")))
            for name, body in (_single(e, "input_tables") for e in data.get("input_tables") or [])
        )
        functions = tuple(
            _single(e, "input_functions")[0] for e in data.get("input_functions") or []
        )
        spec = cls(
            input_columns=columns,
            input_tables=tables,
            input_functions=functions,
            workspace_id=str(data.get("workspace_id", "0")),
            feature_store_client_version=str(data.get("feature_store_client_version", "")),
            serialization_version=int(data.get("serialization_version", SERIALIZATION_VERSION)),
        )
        spec.check_references()
        return spec

    def check_references(self) -> None:
        """``input_tables``/``input_functions`` must be exactly those the columns use."""
        used_tables = {c.table_name for c in self.input_columns if isinstance(c, FeatureColumn)}
        used_functions = {c.udf_name for c in self.input_columns if isinstance(c, FunctionColumn)}
        listed_tables = {t.table_name for t in self.input_tables}
        if used_tables != listed_tables:
            raise ValidationError(
                f"feature spec input_tables {sorted(listed_tables)} differ from the tables its "
                f"columns use {sorted(used_tables)}",
                _FIX,
            )
        if used_functions != set(self.input_functions):
            raise ValidationError(
                f"feature spec input_functions {sorted(self.input_functions)} differ from the "
                f"functions its columns use {sorted(used_functions)}",
                _FIX,
            )


_FIX = "regenerate the spec with create_training_set/log_model, or fix the file by hand"


def _column_dict(column: Column) -> dict[str, Any]:
    body: dict[str, Any]
    if isinstance(column, SourceColumn):
        body = {"data_type": column.data_type}
        source = "training_data"
    elif isinstance(column, FeatureColumn):
        body = {
            "table_name": column.table_name,
            "feature_name": column.feature_name,
            "lookup_key": list(column.lookup_key),
        }
        if column.timestamp_lookup_key:
            body["timestamp_lookup_key"] = list(column.timestamp_lookup_key)
        if column.default_value is not None:
            body["default_value"] = column.default_value
        body["data_type"] = column.data_type
        source = "feature_store"
    else:
        body = {
            "udf_name": column.udf_name,
            "input_bindings": dict(column.input_bindings),
            "data_type": column.data_type,
        }
        source = "on_demand_feature"
    if not column.include:
        body["include"] = False
    body["topological_ordering"] = column.topological_ordering
    body["source"] = source
    return body


def _table_dict(table: TableInfoRef) -> dict[str, Any]:
    body: dict[str, Any] = {"table_id": table.table_id}
    if table.lookback_window is not None:
        body["lookback_window"] = table.lookback_window
    return body


def _entries(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ValidationError(f"feature spec {key} must be a list", _FIX)
    return value


def _single(entry: Any, key: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(entry, dict) or len(entry) != 1:
        raise ValidationError(f"each {key} entry must be a one-key mapping, got {entry!r}", _FIX)
    ((name, body),) = entry.items()
    return str(name), dict(body or {})


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _parse_column(entry: Any) -> Column:
    name, body = _single(entry, "input_columns")
    source = body.get("source")
    include = bool(body.get("include", True))
    order = int(body.get("topological_ordering", 0))
    data_type = str(body.get("data_type", ""))
    if source == "training_data":
        return SourceColumn(name, data_type, order, include)
    if source == "feature_store":
        return FeatureColumn(
            name=name,
            table_name=str(body["table_name"]),
            feature_name=str(body["feature_name"]),
            lookup_key=tuple(body.get("lookup_key") or ()),
            data_type=data_type,
            topological_ordering=order,
            timestamp_lookup_key=tuple(body.get("timestamp_lookup_key") or ()),
            default_value=None if body.get("default_value") is None else str(body["default_value"]),
            include=include,
        )
    if source == "on_demand_feature":
        return FunctionColumn(
            name,
            str(body["udf_name"]),
            dict(body.get("input_bindings") or {}),
            data_type,
            order,
            include,
        )
    raise ValidationError(
        f"feature spec column {name!r} has source {source!r}", f"use one of {list(SOURCES)}"
    )
