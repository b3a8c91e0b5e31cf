"""Issue acceptance, end to end: feature tables → training set → sklearn and LightGBM models →
log with the feature spec → register ``main.ml.churn`` → alias ``champion`` → ``score_batch``
with keys only → predictions equal ``model.predict`` on the training features (0 mismatches)."""

from __future__ import annotations

from pathlib import Path

import _feature_world as fw  # tests/models on the path (pytest pythonpath)
import numpy as np
import pandas as pd
import pytest

from lakeforge.models.registry import Registry
from lakeforge.tables.workspace import Workspace

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]


def test_register_alias_and_score_with_keys_only_matches_training(
    ws: Workspace, ws_path: Path, mlflow_db_template: Path
) -> None:
    import mlflow.lightgbm
    import mlflow.sklearn

    fw.seed_mlflow_db(ws, mlflow_db_template)
    world = fw.build(ws, ws_path)
    fe = world.fe
    ws.schemas.create("main", "ml")
    registry = Registry(ws)
    models = [
        (fw.sklearn_model(world), mlflow.sklearn),
        (fw.lightgbm_model(world), mlflow.lightgbm),
    ]
    for model, flavor in models:
        info = fe.log_model(
            model=model,
            artifact_path="model",
            flavor=flavor,
            training_set=world.training_set,
            registered_model_name="main.ml.churn",
        )
        version = info.registered_model_version
        registry.set_alias("main.ml.churn", "champion", version)
        keys = world.keys  # lookup keys and the event time only: no features, no label
        assert list(keys.columns) == ["customer_id", "event_ts"]
        scored = fe.score_batch(
            model_uri="models:/main.ml.churn@champion",
            df=keys,
            output_table="main.ml.churn_scores",
        )
        expected = model.predict(world.x).astype("float64")
        mismatches = int((scored["prediction"].to_numpy() != expected).sum())
        assert mismatches == 0, type(model).__name__
        pd.testing.assert_frame_equal(
            scored[fw.FEATURES].reset_index(drop=True), world.x.reset_index(drop=True)
        )
        recorded = ws.tables.read("main.ml.churn_scores").to_pandas()
        latest = recorded[recorded["model_version"] == str(version)]
        assert len(latest) == len(keys)
        assert np.array_equal(latest["prediction"].to_numpy(), expected)
    assert sorted(v.version for v in registry.list_versions("main.ml.churn")) == [1, 2]
    assert registry.get_version_by_alias("main.ml.churn", "champion").version == 2
