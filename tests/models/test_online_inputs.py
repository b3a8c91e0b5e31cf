"""Serving-time features from the online store equal batch scoring's (training/serving skew)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from lakeforge.errors import OnlineTableNotFoundError
from lakeforge.models.feature_model import load
from lakeforge.models.packaging import log_model
from lakeforge.scoring.batch import score_batch
from lakeforge.tables.workspace import Workspace

pytestmark = pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning")


def _load_world() -> Any:
    if "_feature_world" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "_feature_world", Path(__file__).with_name("_feature_world.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["_feature_world"] = module
        spec.loader.exec_module(module)
    return sys.modules["_feature_world"]


fw = _load_world()


@pytest.fixture(autouse=True)
def _no_active_run() -> Iterator[None]:
    import mlflow

    while mlflow.active_run() is not None:
        mlflow.end_run()
    yield


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(fw.mlflow_db_template(tmp_path_factory.mktemp("mlflow")))


def test_online_and_batch_features_and_predictions_are_identical(
    ws: Workspace, ws_path: Path, mlflow_template: Path
) -> None:
    import mlflow.lightgbm

    fw.seed_mlflow_db(ws, mlflow_template)
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
