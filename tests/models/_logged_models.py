"""One small sklearn model logged three ways in the active MLflow run, for registry tests."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Logged:
    """URIs of the three logged models, with the model and its input frame."""

    run_id: str
    good: str  # signature with inputs and outputs
    unsigned: str  # no signature at all
    inputs_only: str  # signature without outputs
    model: Any
    x: Any


def log_signature_variants(run_id: str) -> Logged:
    """Log a linear model into the active run ``run_id`` with a full signature, with none and
    with inputs only (explicit empty requirements: no pip inference subprocess)."""
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    x = pd.DataFrame({"age": [20.0, 30.0, 40.0], "spend": [1.0, 0.0, 2.0]})
    model = LinearRegression().fit(x, np.array([1.0, 2.0, 3.0]))
    for path, signature in (
        ("model", infer_signature(x, model.predict(x))),
        ("unsigned", None),
        ("inputs_only", infer_signature(x)),
    ):
        mlflow.sklearn.log_model(model, name=path, signature=signature, pip_requirements=[])
    uri = f"runs:/{run_id}"
    return Logged(run_id, f"{uri}/model", f"{uri}/unsigned", f"{uri}/inputs_only", model, x)
