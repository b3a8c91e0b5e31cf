"""Serving-time features from the online store equal batch scoring's (training/serving skew)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import _feature_world as fw  # tests/models on the path (pytest pythonpath)
import pandas as pd
import pyarrow as pa
import pytest

from lakeforge.errors import OnlineTableNotFoundError
from lakeforge.models.feature_model import load
from lakeforge.models.packaging import log_model
from lakeforge.scoring.batch import score_batch
from lakeforge.tables.workspace import Workspace

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]


def test_online_and_batch_features_and_predictions_are_identical(
    ws: Workspace, ws_path: Path, mlflow_db_template: Path
) -> None:
    import mlflow.lightgbm

    fw.seed_mlflow_db(ws, mlflow_db_template)
    world = fw.build(ws, ws_path)
    model = fw.lightgbm_model(world)  # takes missing values: unknown keys score too
    uri = str(log_model(ws, model, "model", mlflow.lightgbm, world.training_set).model_uri)
    loaded = load(ws.settings, uri)
    # keys at a time after every event, so point-in-time = latest per key
    keys = pd.DataFrame(
        {
            "customer_id": [*range(1, fw.CUSTOMERS + 1), 999],
            "event_ts": fw.T0 + timedelta(days=35),
        }
    )
    table = pa.Table.from_pandas(keys, preserve_index=False)
    plan = loaded.plan(ws, table.schema)
    with pytest.raises(OnlineTableNotFoundError, match="publish it first"):
        loaded.score_online(world.fe.online_store(), plan, table)
    for name in ("main.fs.activity", "main.fs.profile"):
        world.fe.publish_table(source_table_name=name)
    online = loaded.score_online(world.fe.online_store(), plan, table).to_pandas()
    batch = score_batch(ws, uri, keys)
    pd.testing.assert_frame_equal(online, batch)
    assert online["spend"].isna().tolist()[-1]  # unknown key: no features either way
    # beyond the 30-day lookback both paths give no activity features
    late = keys.assign(event_ts=fw.T0 + timedelta(days=90))
    late_table = pa.Table.from_pandas(late, preserve_index=False)
    late_online = loaded.score_online(world.fe.online_store(), plan, late_table).to_pandas()
    pd.testing.assert_frame_equal(late_online, score_batch(ws, uri, late))
    assert late_online["spend"].isna().all()


def test_single_row_requests_take_the_fast_path_to_the_same_answer(
    ws: Workspace, ws_path: Path, mlflow_db_template: Path
) -> None:
    import mlflow.lightgbm

    fw.seed_mlflow_db(ws, mlflow_db_template)
    world = fw.build(ws, ws_path)
    uri = str(
        log_model(
            ws, fw.lightgbm_model(world), "model", mlflow.lightgbm, world.training_set
        ).model_uri
    )
    loaded = load(ws.settings, uri)
    for name in ("main.fs.activity", "main.fs.profile"):
        world.fe.publish_table(source_table_name=name)
    keys = pd.DataFrame({"customer_id": [3, 17, 999, 42], "event_ts": fw.T0 + timedelta(days=35)})
    for index in range(len(keys)):
        single = keys.iloc[[index]].reset_index(drop=True)
        row = pa.Table.from_pandas(single, preserve_index=False)
        one = loaded.score_online(world.fe.online_store(), loaded.plan(ws, row.schema), row)
        pd.testing.assert_frame_equal(one.to_pandas(), score_batch(ws, uri, single))
