"""Auth on (`lakeforge serve --auth`): the token/permission matrix, and the official
databricks-sdk creating and querying an endpoint with a token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import _serving_world as sw
import pytest

from lakeforge.serving.auth import digest, issue
from lakeforge.serving.server_state import is_loopback
from lakeforge.tables.workspace import Workspace

pytestmark = pytest.mark.serve

TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def authed(
    tmp_path_factory: pytest.TempPathFactory, mlflow_db_template: Path
) -> Iterator[tuple[sw.Served, str]]:
    root = tmp_path_factory.mktemp("sdk")
    ws_path = root / "ws"
    world = sw.build_world(ws_path, mlflow_db_template)
    ws = Workspace.open(ws_path)
    try:
        token, _ = issue(ws, "alice")
        for user in ("bob", "carol", "dave"):
            TOKENS[user] = issue(ws, user)[0]
        TOKENS["admin"] = issue(ws, "root", admin=True)[0]
    finally:
        ws.close()
    with sw.run_server(ws_path, "--auth", home=root / "home") as (url, process, log):
        yield sw.Served(url, ws_path, world, process, log), token


def test_workspace_client_creates_and_queries_an_endpoint(authed: tuple[sw.Served, str]) -> None:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.serving import (
        EndpointCoreConfigInput,
        EndpointStateConfigUpdate,
        EndpointStateReady,
        Route,
        ServedEntityInput,
        TrafficConfig,
    )

    served, token = authed
    client = WorkspaceClient(host=served.url, token=token, auth_type="pat")
    endpoint = client.serving_endpoints.create_and_wait(
        name="sdk-churn",
        config=EndpointCoreConfigInput(
            name="sdk-churn",
            served_entities=[
                ServedEntityInput(
                    entity_name=sw.MODEL,
                    entity_version="1",
                    workload_size="Small",
                    scale_to_zero_enabled=True,
                )
            ],
        ),
    )
    assert endpoint.state is not None
    assert endpoint.state.ready == EndpointStateReady.READY
    assert endpoint.state.config_update == EndpointStateConfigUpdate.NOT_UPDATING
    names = [e.name for e in client.serving_endpoints.list()]
    assert "sdk-churn" in names
    keys = sw.keys_frame([1, 2, 3])
    answer = client.serving_endpoints.query(name="sdk-churn", dataframe_records=sw.records(keys))
    assert answer.predictions is not None and len(answer.predictions) == 3
    assert answer.served_model_name == f"{sw.MODEL.replace('.', '_')}-1"
    routes = TrafficConfig(
        routes=[
            Route(served_entity_name="one", traffic_percentage=50),
            Route(served_entity_name="two", traffic_percentage=50),
        ]
    )
    updated = client.serving_endpoints.update_config_and_wait(
        name="sdk-churn",
        served_entities=[
            ServedEntityInput(name="one", entity_name=sw.MODEL, entity_version="1"),
            ServedEntityInput(name="two", entity_name=sw.MODEL, entity_version="2"),
        ],
        traffic_config=routes,
    )
    assert updated.config is not None and updated.config.served_entities is not None
    assert [e.name for e in updated.config.served_entities] == ["one", "two"]
    answered = {
        client.serving_endpoints.query(
            name="sdk-churn", dataframe_records=sw.records(keys)
        ).served_model_name
        for _ in range(4)
    }
    assert answered == {"one", "two"}
    client.serving_endpoints.delete("sdk-churn")
    assert "sdk-churn" not in [e.name for e in client.serving_endpoints.list()]


def test_auth_matrix(authed: tuple[sw.Served, str]) -> None:
    served, alice = authed
    base = "/api/2.0/serving-endpoints"
    body = sw.endpoint_body("guarded", ("g", "1", 100))
    assert served.request("POST", base, body)[0] == 401
    status, _, created = served.request("POST", base, body, token=alice)
    assert status == 200 and created["permission_level"] == "CAN_MANAGE"
    served.wait_ready("guarded", token=alice)
    query = {"dataframe_records": sw.records(sw.keys_frame([1]))}
    url = "/serving-endpoints/guarded/invocations"
    bad = "lfp_0123456789abcdef_" + "x" * 43
    cases = [(None, 401, "no Authorization"), (bad, 401, "not valid"), ("garbage", 401, "not a")]
    cases += [(TOKENS["bob"], 403, "CAN_QUERY"), (alice, 200, ""), (TOKENS["admin"], 200, "")]
    for token, status, text in cases:
        got, _, answer = served.request("POST", url, query, token=token)
        assert got == status, (token, answer)
        if status != 200:
            assert text in answer["message"]
            assert answer["error_code"] in {"UNAUTHENTICATED", "PERMISSION_DENIED"}
    acl = {"access_control_list": [{"user_name": "carol", "permission_level": "CAN_QUERY"}]}
    perms = f"/api/2.0/permissions/serving-endpoints/{created['id']}"
    assert served.request("PATCH", perms, acl, token=TOKENS["bob"])[0] == 403
    status, _, granted = served.request("PATCH", perms, acl, token=alice)
    assert status == 200
    assert {e["user_name"] for e in granted["access_control_list"]} == {"alice", "carol"}
    assert served.request("POST", url, query, token=TOKENS["carol"])[0] == 200
    # CAN_QUERY may query, not manage; bob sees nothing in the list
    assert served.request("DELETE", f"{base}/guarded", token=TOKENS["carol"])[0] == 403
    assert served.request("GET", base, token=TOKENS["bob"])[2] == {"endpoints": []}
    assert served.request("GET", "/metrics")[0] == 401
    assert served.request("GET", "/health")[0] == 200
    # revoked by another process (what `lakeforge tokens revoke` does): refused within a second
    ws = Workspace.open(served.ws_path)
    try:
        ws.metadata.tokens.revoke(TOKENS["carol"].split("_")[1])
    finally:
        ws.close()
    time.sleep(1.2)
    got, _, answer = served.request("POST", url, query, token=TOKENS["carol"])
    assert (got, answer["error_code"]) == (401, "UNAUTHENTICATED")
    assert "revoked" in answer["message"]


def test_tokens_are_stored_hashed(authed: tuple[sw.Served, str]) -> None:
    served, alice = authed
    secret = alice.split("_", 2)[2]
    assert secret.encode() not in (served.ws_path / "catalog.db").read_bytes()
    ws = Workspace.open(served.ws_path)
    try:
        record = ws.metadata.tokens.get(alice.split("_")[1])
    finally:
        ws.close()
    assert record.secret_hash == digest(secret) and record.principal == "alice"


def test_auth_defaults_on_for_non_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
