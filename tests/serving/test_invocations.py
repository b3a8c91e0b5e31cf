"""Invocations over HTTP against a real `lakeforge serve`: formats, features, strict errors."""

from __future__ import annotations

import _serving_world as sw
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
