"""Learners and metrics of manifest models: one table from (problem type, algorithm) to a
scikit-learn-compatible estimator with its MLflow flavor, and the metrics each problem logs.

Regression logs ``rmse``, ``mae`` and ``r2``; classification ``auc`` (when the test split has
both classes), ``f1``, ``accuracy``, ``precision`` and ``recall``; anomaly detection the
``anomaly_rate`` of the test split (an isolation forest predicts ``-1`` for anomalies) and,
when the manifest gives a label, ``precision``/``recall`` of the anomalies against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lakeforge.pipeline.manifest import ModelSpec


@dataclass(frozen=True, slots=True)
class Learner:
    """An unfitted estimator and the name of the MLflow flavor that saves it."""

    estimator: Any
    flavor: str


def _sklearn(kind: str, algorithm: str, params: Mapping[str, Any]) -> Any:
    from sklearn import ensemble, linear_model  # type: ignore[import-untyped]

    table: dict[tuple[str, str], Any] = {
        ("regression", "hist_gradient_boosting"): ensemble.HistGradientBoostingRegressor,
        ("regression", "random_forest"): ensemble.RandomForestRegressor,
        ("regression", "linear"): linear_model.Ridge,
        ("classification", "hist_gradient_boosting"): ensemble.HistGradientBoostingClassifier,
        ("classification", "random_forest"): ensemble.RandomForestClassifier,
        ("classification", "linear"): linear_model.LogisticRegression,
        ("anomaly_detection", "isolation_forest"): ensemble.IsolationForest,
    }
    return table[(kind, algorithm)](**dict(params))


def learner(spec: ModelSpec, seed: int) -> Learner:
    """The estimator a manifest model asks for (``random_state`` defaults to the seed)."""
    params = dict(spec.params)
    if spec.algorithm == "lightgbm":
        import lightgbm

        params.setdefault("random_state", seed)
        params.setdefault("verbose", -1)
        cls = (
            lightgbm.LGBMRegressor if spec.problem_type == "regression" else lightgbm.LGBMClassifier
        )
        return Learner(cls(**params), "lightgbm")
    if spec.algorithm != "linear" or spec.problem_type == "classification":
        params.setdefault("random_state", seed)
    if spec.algorithm == "linear" and spec.problem_type == "classification":
        params.setdefault("max_iter", 2000)
    return Learner(_sklearn(spec.problem_type, spec.algorithm, params), "sklearn")


def metrics(spec: ModelSpec, model: Any, x: Any, y: Any | None) -> dict[str, float]:
    """The problem type's metrics of a fitted model on a test split."""
    from sklearn import metrics as m

    predicted = np.asarray(model.predict(x))
    if spec.problem_type == "regression":
        return {
            "rmse": float(np.sqrt(m.mean_squared_error(y, predicted))),
            "mae": float(m.mean_absolute_error(y, predicted)),
            "r2": float(m.r2_score(y, predicted)),
        }
    if spec.problem_type == "classification":
        values = {
            "f1": float(m.f1_score(y, predicted, zero_division=0)),
            "accuracy": float(m.accuracy_score(y, predicted)),
            "precision": float(m.precision_score(y, predicted, zero_division=0)),
            "recall": float(m.recall_score(y, predicted, zero_division=0)),
        }
        if len(np.unique(np.asarray(y))) == 2 and hasattr(model, "predict_proba"):
            values["auc"] = float(m.roc_auc_score(y, model.predict_proba(x)[:, 1]))
        return values
    flagged = predicted == -1
    values = {"anomaly_rate": float(flagged.mean()) if len(flagged) else 0.0}
    if y is not None:
        truth = np.asarray(y) == 1
        values["precision"] = float(m.precision_score(truth, flagged, zero_division=0))
        values["recall"] = float(m.recall_score(truth, flagged, zero_division=0))
    return values


__all__ = ["Learner", "learner", "metrics"]
