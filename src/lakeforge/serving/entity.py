"""A served entity: one registered model version, loaded and ready to score requests.

Scoring goes through :meth:`FeatureModel.score_online` — the batch plan with values from the
online store — so HTTP answers equal ``score_batch`` for the same keys. Plans are bound once per
distinct request schema and cached (most traffic has one schema).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import (
    ModelLayoutError,
    NotReadyError,
    OnlineTableNotFoundError,
    ValidationError,
)
from lakeforge.features.spec import FeatureColumn, FeatureSpec, SourceColumn
from lakeforge.serving.payload import InputSchema

if TYPE_CHECKING:
    from lakeforge.models.feature_inputs import InputPlan
    from lakeforge.models.feature_model import FeatureModel
    from lakeforge.models.plain_model import PlainModel
    from lakeforge.models.registry import Registry
    from lakeforge.online.store import OnlineStore
    from lakeforge.tables.workspace import Workspace

PREDICTION = "prediction"


@dataclass(frozen=True, slots=True)
class Target:
    """What a served entity points at: a model and a version number or an alias."""

    model: str
    version: int | None = None
    alias: str | None = None

    @property
    def is_feature_spec(self) -> bool:
        """A target without version or alias is a FEATURE_SPEC function."""
        return self.version is None and self.alias is None

    @property
    def uri(self) -> str:
        return f"models:/{self.model}@{self.alias}" if self.alias else self.versioned(self.version)

    def versioned(self, version: int | None) -> str:
        return f"models:/{self.model}/{version}"


@dataclass(frozen=True, slots=True)
class Scored:
    """One request's answer: predictions plus the model input rows (for inference tables)."""

    predictions: list[Any]
    features: pa.Table


@dataclass(slots=True)
class LoadedEntity:
    """A model version loaded for serving.

    Attributes:
        name: The served entity name (answers go out with it in ``served-model-name``).
        model_name: Registered model name.
        version: The loaded version (an alias target is resolved to it).
        model: The loaded feature model (None for a feature spec: answers are its features).
        schema: Columns a request may and must carry.
        spec: The feature spec (the model's, or the served FEATURE_SPEC function; empty for a
            plain MLflow model).
        plain: A registered MLflow model without a feature spec (its signature's columns in).
    """

    name: str
    model_name: str
    version: int
    model: FeatureModel | None
    schema: InputSchema
    ws: Workspace
    store: OnlineStore
    spec: FeatureSpec
    plain: PlainModel | None = None
    _plans: dict[tuple[tuple[str, str], ...], InputPlan] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, schema: pa.Schema) -> InputPlan:
        """The bound plan for requests of ``schema`` (cached)."""
        key = tuple((f.name, str(f.type)) for f in schema)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key)
                if plan is None:
                    from lakeforge.models.feature_inputs import plan_inputs

                    plan = self._plans[key] = plan_inputs(self.ws, self.spec, schema)
        return plan

    @property
    def outputs(self) -> bool:
        """Whether answers are features (``{"outputs": ...}``) rather than predictions."""
        return self.model is None and self.plain is None

    def feature_tables(self) -> list[str]:
        """Feature tables the model looks up (each must be published)."""
        tables = {c.table_name for c in self.spec.input_columns if isinstance(c, FeatureColumn)}
        return sorted(tables)

    def missing_tables(self) -> list[str]:
        """Feature tables with no online table (serving them would give silent nulls)."""
        missing = []
        for table in self.feature_tables():
            try:
                self.store.for_source(table)
            except OnlineTableNotFoundError:
                missing.append(table)
        return missing

    def check_ready(self) -> None:
        """Raises NotReadyError naming unpublished feature tables."""
        missing = self.missing_tables()
        if missing:
            raise NotReadyError(
                f"{self.model_name}/{self.version}",
                f"feature tables {missing} are not published to the online store",
                "publish them: fe.publish_table(source_table_name=...) for each",
            )

    def score(self, table: pa.Table, params: Mapping[str, Any]) -> pa.Table:
        """Input columns, looked-up/computed features and ``prediction``."""
        options = dict(params)
        result_type = options.pop("result_type", "double")
        if not isinstance(result_type, str):
            raise ValidationError(
                "params.result_type must be a type name such as 'double'", "fix params"
            )
        try:
            if self.model is None:
                from lakeforge.models.online_inputs import compute_online

                return compute_online(self.store, self.plan(table.schema), table)
            return self.model.score_online(
                self.store,
                self.plan(table.schema),
                table,
                result_type=result_type,
                params=options or None,
            )
        except OnlineTableNotFoundError as exc:
            raise NotReadyError(
                f"{self.model_name}/{self.version}", exc.what, exc.fix or "publish the table"
            ) from None

    def answer(self, table: pa.Table, params: Mapping[str, Any]) -> Scored:
        """Score ``table`` and split the result into JSON predictions and model input rows."""
        if self.plain is not None:
            return Scored(self.plain.predict(table, params), table)
        scored = self.score(table, params)
        if self.model is None:
            names = [c.name for c in self.spec.input_columns if not isinstance(c, SourceColumn)]
            included = [c.name for c in self.spec.input_columns if c.include and c.name in names]
            features = scored.select(included)
            return Scored(_json_safe(features).to_pylist(), features)
        predictions = _nan_to_null(scored.column(PREDICTION))
        features = scored.select(self.spec.column_names())
        return Scored(predictions.to_pylist(), features)


def _nan_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A float column's NaNs as nulls (JSON has no NaN); other columns unchanged."""
    if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
        return pc.if_else(pc.is_nan(column), None, column)
    return column


def _json_safe(table: pa.Table) -> pa.Table:
    """Every float column's NaNs as nulls."""
    for index, field_ in enumerate(table.schema):
        table = table.set_column(index, field_, _nan_to_null(table.column(index)))
    return table


def load_entity(
    ws: Workspace, store: OnlineStore, registry: Registry, name: str, target: Target
) -> LoadedEntity:
    """Resolve ``target`` in the registry and load that version.

    Raises:
        ModelNotFoundError, ModelVersionNotFoundError, AliasNotFoundError: Unknown target.
        ModelLayoutError: The version is not a feature model.
    """
    from lakeforge.models.feature_model import load

    if target.is_feature_spec:
        spec = feature_spec(ws, target.model)
        full = ws.tables.resolve(target.model).full
        return LoadedEntity(name, full, 0, None, InputSchema.from_spec(spec), ws, store, spec)
    model_name, version = registry.resolve_uri(target.uri)
    try:
        model = load(ws.settings, target.versioned(version))
    except ModelLayoutError:
        from lakeforge.models.plain_model import load_plain

        plain = load_plain(ws.settings, target.versioned(version))
        schema = InputSchema(plain.fields, plain.required)
        return LoadedEntity(
            name, model_name, version, None, schema, ws, store, FeatureSpec(()), plain
        )
    schema = InputSchema.from_spec(model.spec)
    return LoadedEntity(name, model_name, version, model, schema, ws, store, model.spec)


def feature_spec(ws: Workspace, name: str) -> FeatureSpec:
    """The FEATURE_SPEC function ``name``.

    Raises:
        ValidationError: ``name`` is not a feature spec (and no version was given).
    """
    from lakeforge.features.served_spec import find_feature_spec

    spec = find_feature_spec(ws, name)
    if spec is None:
        raise ValidationError(
            f"served entity {name!r} has no entity_version and is not a feature spec",
            'give a version number ("3") or an alias ("champion") of the registered model, '
            "or create the spec with fe.create_feature_spec",
        )
    return spec


__all__ = ["LoadedEntity", "Scored", "Target", "load_entity"]
