"""The ML manifest (``ml-manifest.yaml``): feature tables, models and inference in one file.

::

    name: platform_health                  # experiments live under /lakeforge/<name>/<model>
    defaults: {fill_value: 0.0, max_parallel: 2, seed: 7}
    feature_tables:
      - name: main.features.cost_daily
        primary_keys: [workspace_id, usage_date]
        timeseries_key: usage_date          # optional
        source_sql: SELECT ... FROM main.gold.billing_usage GROUP BY ...
        null_keys: error | drop             # rows whose primary key is null
        fill_value: 0.0                     # replaces NaN/±Inf in float columns
    models:
      - name: main.ml.budget_forecaster
        domain: cost
        problem_type: regression | classification | anomaly_detection
        algorithm: lightgbm | hist_gradient_boosting | random_forest | linear | isolation_forest
        params: {n_estimators: 200}
        training_sql: SELECT workspace_id, usage_date, cost_next_7d AS label FROM ...
        lookups:
          - {table: main.features.cost_daily, lookup_key: [workspace_id],
             timestamp_lookup_key: usage_date, features: [...], lookback_days: 7}
        label: {column: label, type: double | int | rate, threshold: 0.5}
        exclude_columns: [workspace_id, usage_date]
        champion: {metric: r2, min: 0.2}    # or max: for lower-is-better metrics
        scoring_sql: SELECT workspace_id, usage_date FROM ...   # inference input (keys)
    inference:
      output_table: main.ml.predictions
      models: [main.ml.budget_forecaster]   # default: every model
      alias: champion

Validated with Pydantic at the boundary; unknown keys and bad types are errors carrying the
file and YAML path (:class:`~lakeforge.errors.BundleError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from lakeforge.yaml_file import StrictModel, read_mapping, validate

ProblemType = Literal["regression", "classification", "anomaly_detection"]
Algorithm = Literal[
    "lightgbm", "hist_gradient_boosting", "random_forest", "linear", "isolation_forest"
]
_FOR_PROBLEM: dict[str, tuple[str, ...]] = {
    "regression": ("lightgbm", "hist_gradient_boosting", "random_forest", "linear"),
    "classification": ("lightgbm", "hist_gradient_boosting", "random_forest", "linear"),
    "anomaly_detection": ("isolation_forest",),
}
METRICS: dict[str, tuple[str, ...]] = {
    "regression": ("rmse", "mae", "r2"),
    "classification": ("auc", "f1", "accuracy", "precision", "recall"),
    "anomaly_detection": ("anomaly_rate", "precision", "recall"),
}


class Defaults(StrictModel):
    fill_value: float = 0.0
    max_parallel: int = Field(default=2, ge=1)
    seed: int = 7
    test_fraction: float = Field(default=0.2, gt=0, lt=1)


class FeatureTableSpec(StrictModel):
    name: str
    primary_keys: list[str] = Field(min_length=1)
    timeseries_key: str | None = None
    source_sql: str = Field(min_length=1)
    null_keys: Literal["error", "drop"] = "error"
    fill_value: float | None = None
    description: str | None = None


class LookupSpec(StrictModel):
    table: str
    lookup_key: list[str] = Field(min_length=1)
    timestamp_lookup_key: str | None = None
    features: list[str] | None = None
    lookback_days: float | None = Field(default=None, ge=0)
    rename: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)


class LabelSpec(StrictModel):
    column: str
    type: Literal["double", "int", "rate"] = "double"
    threshold: float | None = None

    @model_validator(mode="after")
    def _rate_needs_threshold(self) -> LabelSpec:
        if self.type == "rate" and self.threshold is None:
            raise ValueError(
                "a rate label (values in 0..1) needs threshold: to binarize it for classification"
            )
        return self


class ChampionRule(StrictModel):
    metric: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> ChampionRule:
        if (self.min is None) == (self.max is None):
            raise ValueError(
                "give exactly one of min: (higher is better) or max: (lower is better)"
            )
        return self

    def passes(self, value: float) -> bool:
        """Whether a metric value earns the champion alias."""
        return value >= self.min if self.min is not None else value <= float(self.max or 0.0)


class ModelSpec(StrictModel):
    name: str
    domain: str = "general"
    problem_type: ProblemType
    algorithm: Algorithm
    params: dict[str, Any] = Field(default_factory=dict)
    training_sql: str = Field(min_length=1)
    lookups: list[LookupSpec] = Field(min_length=1)
    label: LabelSpec | None = None
    exclude_columns: list[str] = Field(default_factory=list)
    champion: ChampionRule | None = None
    scoring_sql: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        allowed = _FOR_PROBLEM[self.problem_type]
        if self.algorithm not in allowed:
            raise ValueError(
                f"algorithm {self.algorithm!r} does not fit problem_type {self.problem_type!r} "
                f"(use one of {list(allowed)})"
            )
        if self.problem_type != "anomaly_detection" and self.label is None:
            raise ValueError(f"problem_type {self.problem_type!r} needs label: {{column: ...}}")
        if self.champion is not None and self.champion.metric not in METRICS[self.problem_type]:
            raise ValueError(
                f"champion metric {self.champion.metric!r} is not computed for "
                f"{self.problem_type} (metrics: {list(METRICS[self.problem_type])})"
            )
        return self

    def key_columns(self) -> list[str]:
        """The lookup keys of every lookup, each once, in order."""
        return list(dict.fromkeys(k for lookup in self.lookups for k in lookup.lookup_key))

    def time_column(self) -> str | None:
        """The spine's event-time column (the first lookup's ``timestamp_lookup_key``)."""
        return next(
            (lk.timestamp_lookup_key for lk in self.lookups if lk.timestamp_lookup_key), None
        )


class InferenceSpec(StrictModel):
    output_table: str
    models: list[str] | None = None
    alias: str = "champion"


class Manifest(StrictModel):
    """A whole ``ml-manifest.yaml``."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str | None = None
    defaults: Defaults = Field(default_factory=Defaults)
    feature_tables: list[FeatureTableSpec] = Field(default_factory=list)
    models: list[ModelSpec] = Field(default_factory=list)
    inference: InferenceSpec | None = None

    @model_validator(mode="after")
    def _references(self) -> Manifest:
        names = [m.name for m in self.models]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"models {twice} are declared twice")
        if self.inference is not None and self.inference.models is not None:
            unknown = sorted(set(self.inference.models) - set(names))
            if unknown:
                raise ValueError(f"inference.models names undeclared models {unknown}")
        return self

    def inference_models(self) -> list[ModelSpec]:
        """The models the inference stage scores."""
        if self.inference is None:
            return []
        wanted = self.inference.models
        return [m for m in self.models if wanted is None or m.name in wanted]


def load_manifest(path: str | Path) -> Manifest:
    """Read and validate a manifest (``yaml.safe_load`` only).

    Raises:
        BundleError: Unreadable YAML, unknown keys or bad values (file and YAML path named).
    """
    file = Path(path)
    return validate(Manifest, read_mapping(file), file)


__all__ = [
    "METRICS",
    "Algorithm",
    "ChampionRule",
    "Defaults",
    "FeatureTableSpec",
    "InferenceSpec",
    "LabelSpec",
    "LookupSpec",
    "Manifest",
    "ModelSpec",
    "ProblemType",
    "load_manifest",
]
