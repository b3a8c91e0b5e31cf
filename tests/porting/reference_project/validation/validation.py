"""Validation rules of the taxi model: custom metrics, thresholds, evaluator config."""

import numpy as np
from mlflow.models import MetricThreshold, make_metric


def custom_metrics():
    """Custom metrics computed next to the default evaluator's."""

    def squared_diff_plus_one(predictions, targets, metrics):
        return np.sum(np.abs(predictions - targets + 1) ** 2)

    return [make_metric(eval_fn=squared_diff_plus_one, greater_is_better=False)]


def validation_thresholds():
    """Thresholds a candidate model must meet."""
    return {
        "max_error": MetricThreshold(threshold=500, greater_is_better=False),
        "mean_squared_error": MetricThreshold(threshold=500, greater_is_better=False),
    }


def evaluator_config():
    """Extra configuration of the default evaluator."""
    return {"log_model_explainability": False}
