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
