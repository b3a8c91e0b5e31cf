"""The ``train`` stage for one manifest model: training set, fit, metrics, MLflow run, registry.

The spine comes from ``training_sql`` (keys, event time, label); features are joined point in
time through the model's lookups, with the label guardrails of the training set (a rate label
binarized at its threshold, single-class labels refused, casts reported). Fits run in
parallel; logging and registration one model at a time. The split is by time
when the lookups have a timestamp key (the latest ``test_fraction`` of rows is the test set),
otherwise seeded and random. The run lands in experiment ``/lakeforge/<manifest>/<model>``
with the standard tags, the algorithm's parameters and the metrics; the model is logged with
its feature spec and registered; ``champion`` moves to the new version only when the manifest's
champion rule passes on the test metrics.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import ValidationError
from lakeforge.features.label import LabelPolicy
from lakeforge.features.lookup import FeatureLookup
from lakeforge.features.training_set import TrainingSet, create_training_set
from lakeforge.models import tracking
from lakeforge.models.packaging import log_model
from lakeforge.models.registry import Registry
from lakeforge.names import parse_name
from lakeforge.pipeline import estimators
from lakeforge.pipeline.manifest import Manifest, ModelSpec

if TYPE_CHECKING:
    import pandas as pd

    from lakeforge.tables.workspace import Workspace

CHAMPION = "champion"
# Models fit in parallel but log one at a time: MLflow's logging path saves and restores the
# process-wide warning filters (not thread-safe) and writes the same SQLite stores.
_LOGGING = threading.Lock()


@dataclass
class TrainResult:
    """What training one model did."""

    name: str
    version: int | None = None
    run_id: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    champion: bool = False
    champion_note: str = ""
    rows: int = 0
    report: list[str] = field(default_factory=list)


def experiment_name(manifest: Manifest, spec: ModelSpec) -> str:
    """The model's experiment: ``/lakeforge/<manifest>/<model name>``."""
    return f"/lakeforge/{manifest.name}/{parse_name(spec.name).name}"


def _lookups(spec: ModelSpec) -> list[FeatureLookup]:
    return [
        FeatureLookup(
            table_name=lookup.table,
            lookup_key=list(lookup.lookup_key),
            timestamp_lookup_key=lookup.timestamp_lookup_key,
            feature_names=lookup.features,
            lookback_window=(
                timedelta(days=lookup.lookback_days) if lookup.lookback_days is not None else None
            ),
            rename_outputs=dict(lookup.rename) or None,
            default_values=dict(lookup.defaults) or None,
        )
        for lookup in spec.lookups
    ]


def _policy(spec: ModelSpec) -> LabelPolicy | None:
    if spec.label is None or spec.problem_type == "anomaly_detection":
        return None
    if spec.problem_type == "classification":
        return LabelPolicy("classification", spec.label.threshold)
    return LabelPolicy("regression")


def training_set(ws: Workspace, spec: ModelSpec) -> TrainingSet:
    """The model's point-in-time training set over its spine query."""
    spine = ws.sql(spec.training_sql, kind="arrow")
    if spine.num_rows == 0:
        raise ValidationError(
            f"training_sql of {spec.name} returned no rows", "check the query and the gold data"
        )
    label = spec.label.column if spec.label is not None else None
    return create_training_set(
        ws, spine, _lookups(spec), label, spec.exclude_columns, _policy(spec)
    )


def _features(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    label = spec.label.column if spec.label is not None else None
    x = frame.drop(columns=[label]) if label else frame
    wrong = [c for c in x.columns if x[c].dtype.kind not in "biuf"]
    if wrong:
        raise ValidationError(
            f"model {spec.name} would get non-numeric features {wrong}",
            "add them to exclude_columns (keys) or encode them as numbers in the feature SQL",
        )
    return x.astype("float64")


def _split(manifest: Manifest, spine: pa.Table, time_key: str | None, keys: list[str]) -> Any:
    """Train and test row positions: the latest rows by time (ties broken by the lookup keys,
    so the split does not depend on the order the query returned rows in), else random."""
    rows = spine.num_rows
    test = max(1, round(rows * manifest.defaults.test_fraction))
    if time_key is not None:
        sort_keys = [(time_key, "ascending"), *((k, "ascending") for k in keys if k != time_key)]
        order = pc.sort_indices(spine, sort_keys=sort_keys).to_numpy()
    else:
        order = np.random.default_rng(manifest.defaults.seed).permutation(rows)
    return order[: rows - test], order[rows - test :]


def train_model(
    ws: Workspace, manifest: Manifest, spec: ModelSpec, pipeline_run: str
) -> TrainResult:
    """Train, log, register and maybe promote one model.

    Raises:
        LakeforgeError: Any step failed (the caller isolates models from each other).
    """
    result = TrainResult(spec.name)
    parsed = parse_name(spec.name)
    ws.schemas.create(parsed.catalog, parsed.schema, if_not_exists=True)
    tset = training_set(ws, spec)
    result.report = list(tset.report)
    frame = tset.load_df().to_pandas()
    result.rows = len(frame)
    train_rows, test_rows = _split(
        manifest, tset.label_table(), spec.time_column(), spec.key_columns()
    )
    x = _features(frame, spec)
    y = frame[spec.label.column].to_numpy() if spec.label is not None else None
    learner = estimators.learner(spec, manifest.defaults.seed)
    model = learner.estimator
    if spec.problem_type == "anomaly_detection":
        model.fit(x.iloc[train_rows])
    else:
        model.fit(x.iloc[train_rows], y[train_rows] if y is not None else None)
    y_test = y[test_rows] if y is not None else None
    result.metrics = estimators.metrics(spec, model, x.iloc[test_rows], y_test)
    with _LOGGING:
        _log(ws, manifest, spec, pipeline_run, tset, learner, result)
        _promote(ws, spec, result)
    return result


def _log(
    ws: Workspace,
    manifest: Manifest,
    spec: ModelSpec,
    pipeline_run: str,
    tset: TrainingSet,
    learner: estimators.Learner,
    result: TrainResult,
) -> None:
    settings = ws.settings
    tags = {
        "lakeforge.pipeline": manifest.name,
        "lakeforge.pipeline_run": pipeline_run,
        "lakeforge.model": spec.name,
        "lakeforge.domain": spec.domain,
        "lakeforge.problem_type": spec.problem_type,
        "lakeforge.algorithm": spec.algorithm,
    }
    run_name = f"{parsed_short(spec)}-{pipeline_run}"
    with tracking.start_run(
        settings, experiment_name(manifest, spec), run_name=run_name, tags=tags
    ) as run:
        params = {"algorithm": spec.algorithm, "rows": result.rows, **spec.params}
        report = {"lakeforge.label_report": "; ".join(result.report)} if result.report else {}
        tracking.log_run_data(
            settings, run.run_id, params=params, metrics=result.metrics, tags=report
        )
        info = log_model(
            ws,
            learner.estimator,
            "model",
            tracking.flavor(learner.flavor),
            tset,
            registered_model_name=spec.name,
        )
    result.run_id = run.run_id
    result.version = int(info.registered_model_version) if info.registered_model_version else None


def parsed_short(spec: ModelSpec) -> str:
    """The model's short name (last part of its three-level name)."""
    return parse_name(spec.name).name


def _promote(ws: Workspace, spec: ModelSpec, result: TrainResult) -> None:
    rule = spec.champion
    if result.version is None:
        return
    registry = Registry(ws)
    for key, value in result.metrics.items():
        registry.set_version_tag(spec.name, result.version, f"metric.{key}", f"{value:.6g}")
    if rule is None:
        result.champion_note = "no champion rule"
        return
    found = result.metrics.get(rule.metric)
    bound = f">= {rule.min}" if rule.min is not None else f"<= {rule.max}"
    if found is None:
        result.champion_note = f"{rule.metric} not computed: champion not moved"
        return
    value = float(found)
    if rule.passes(value):
        registry.set_alias(spec.name, CHAMPION, result.version)
        result.champion = True
        result.champion_note = f"{rule.metric}={value:.4g} {bound}: champion -> v{result.version}"
    else:
        result.champion_note = f"{rule.metric}={value:.4g} not {bound}: champion not moved"


__all__ = ["CHAMPION", "TrainResult", "experiment_name", "train_model", "training_set"]
