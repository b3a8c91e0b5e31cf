"""Invocations over HTTP against a real `lakeforge serve`: formats, features, strict errors."""

from __future__ import annotations

import warnings

import _serving_world as sw
import pandas as pd
import pytest

from lakeforge.scoring.batch import score_batch
from lakeforge.tables.workspace import Workspace

pytestmark = [
    pytest.mark.serve,
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
]


@pytest.fixture(scope="module")
def endpoint(served: sw.Served) -> str:
    status, _, body = served.request(
        "POST", "/api/2.0/serving-endpoints", sw.endpoint_body("churn", ("v1", "1", 100))
    )
    assert status == 200, body
    assert body["state"] == {"ready": "NOT_READY", "config_update": "IN_PROGRESS"}
    ready = served.wait_ready("churn")
    assert ready["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}, ready
    return "churn"


def test_http_answers_equal_score_batch(served: sw.Served, endpoint: str) -> None:
    keys = sw.keys_frame([*range(1, 61), 999])
    status, headers, body = served.request(
        "POST",
        f"/serving-endpoints/{endpoint}/invocations",
        {"dataframe_records": sw.records(keys)},
    )
    assert status == 200, body
    assert headers["served-model-name"] == "v1"
    ws = Workspace.open(served.ws_path)
    try:
        batch = score_batch(ws, f"models:/{sw.MODEL}/1", keys)
    finally:
        ws.close()
    assert body["predictions"] == batch["prediction"].tolist()


def test_request_values_override_lookups(served: sw.Served, endpoint: str) -> None:
    keys = sw.keys_frame([1, 2])
    rows = sw.records(keys)
    rows[0]["age"] = 99.5
    url = f"/serving-endpoints/{endpoint}/invocations"
    status, _, body = served.request("POST", url, {"dataframe_records": rows})
    assert status == 200
    ws = Workspace.open(served.ws_path)
    try:
        batch = score_batch(ws, f"models:/{sw.MODEL}/1", keys.assign(age=[99.5, None]))
    finally:
        ws.close()
    assert body["predictions"][0] == batch["prediction"].tolist()[0]
    status, _, body = served.request(
        "POST", url, {"dataframe_records": rows[:1], "params": {"result_type": "string"}}
    )
    assert status == 200 and isinstance(body["predictions"][0], str)


def test_feature_spec_endpoint_returns_outputs(served: sw.Served) -> None:
    import _feature_world as fw

    ws = Workspace.open(served.ws_path)
    try:
        from lakeforge.feature_engineering import FeatureEngineeringClient

        fe = FeatureEngineeringClient(workspace=served.ws_path)
        info = fe.create_feature_spec(name="main.fs.churn_features", features=fw.lookups())
        assert info.language == "FEATURE_SPEC"
        keys = sw.keys_frame([1, 2, 999])
        batch = score_batch(ws, f"models:/{sw.MODEL}/1", keys)
    finally:
        ws.close()
    body = {
        "name": "features",
        "config": {"served_entities": [{"entity_name": "main.fs.churn_features"}]},
    }
    status, _, answer = served.request("POST", "/api/2.0/serving-endpoints", body)
    assert status == 200, answer
    assert served.wait_ready("features")["state"]["ready"] == "READY"
    status, headers, answer = served.request(
        "POST", "/serving-endpoints/features/invocations", {"dataframe_records": sw.records(keys)}
    )
    assert status == 200, answer
    assert headers["served-model-name"] == "main_fs_churn_features"  # names: [A-Za-z0-9_-]
    expected = batch[fw.FEATURES].astype(object).where(batch[fw.FEATURES].notna(), None)
    assert answer["outputs"] == expected.to_dict(orient="records")
    missing = {"name": "no-spec", "config": {"served_entities": [{"entity_name": "main.fs.nope"}]}}
    status, _, answer = served.request("POST", "/api/2.0/serving-endpoints", missing)
    assert status == 400 and "not a feature spec" in answer["message"]


def test_plain_mlflow_model_is_served_with_its_signature(served: sw.Served) -> None:
    import mlflow.sklearn
    import numpy as np
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    from lakeforge.models import tracking
    from lakeforge.models.registry import Registry

    x = pd.DataFrame({"age": [20.0, 30.0, 40.0], "visits": [1, 0, 2]})
    model = LinearRegression().fit(x, np.array([1.0, 2.0, 3.0]))
    ws = Workspace.open(served.ws_path)
    try:
        with tracking.start_run(ws.settings, "plain") as run, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLflow's hint about integer columns
            signature = infer_signature(x, model.predict(x))
            mlflow.sklearn.log_model(model, name="m", signature=signature, pip_requirements=[])
        Registry(ws).register_model(f"runs:/{run.run_id}/m", "main.ml.plain")
    finally:
        ws.close()
    body = {
        "name": "plain",
        "config": {"served_entities": [{"entity_name": "main.ml.plain", "entity_version": "1"}]},
    }
    assert served.request("POST", "/api/2.0/serving-endpoints", body)[0] == 200
    assert served.wait_ready("plain")["state"]["ready"] == "READY"
    url = "/serving-endpoints/plain/invocations"
    query = {"dataframe_split": {"columns": ["age", "visits"], "data": [[25.0, 1], [35.5, 2]]}}
    status, _, answer = served.request("POST", url, query)
    assert status == 200, answer
    expected = model.predict(pd.DataFrame({"age": [25.0, 35.5], "visits": [1, 2]}))
    assert answer["predictions"] == pytest.approx(expected.tolist(), rel=1e-12)
    bad = {"dataframe_split": {"columns": ["age", "visits"], "data": [[25.0, 1.5]]}}
    status, _, answer = served.request("POST", url, bad)
    assert status == 400 and "'visits'" in answer["message"]  # no silent 1.5 -> 1
