"""Operating a server: endpoints from the CLI, inference tables, /ready, /metrics, OpenAPI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import _serving_world as sw
import yaml
from typer.testing import CliRunner

from lakeforge.cli.app import app
from lakeforge.cli.exit_codes import exit_code
from lakeforge.errors import LakeforgeError
from lakeforge.online.store import OnlineStore
from lakeforge.scoring.batch import score_batch
from lakeforge.tables.workspace import Workspace

BASE = "/api/2.0/serving-endpoints"


def _cli(ws_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--workspace", str(ws_path), *args])
    if isinstance(result.exception, LakeforgeError):  # what main() maps to an exit code
        return exit_code(result.exception), result.output + str(result.exception)
    return result.exit_code, result.output


def test_cli_endpoints_and_tokens(served: sw.Served, tmp_path: Path) -> None:
    spec = sw.endpoint_body("from-cli", ("c", "1", 100))
    file = tmp_path / "endpoint.yml"
    file.write_text(yaml.safe_dump(spec))
    code, out = _cli(served.ws_path, "endpoints", "create", str(file), "--json")
    assert code == 0, out
    assert json.loads(out)["state"]["config_update"] == "IN_PROGRESS"
    assert served.wait_ready("from-cli")["state"]["ready"] == "READY"  # the server deployed it
    status, headers, _ = served.request(
        "POST",
        "/serving-endpoints/from-cli/invocations",
        {"dataframe_records": sw.records(sw.keys_frame([4]))},
    )
    assert (status, headers["served-model-name"]) == (200, "c")
    code, out = _cli(served.ws_path, "endpoints", "deploy", str(file))
    assert code == 0 and "unchanged" in out
    code, out = _cli(served.ws_path, "endpoints", "list")
    assert code == 0 and "from-cli" in out
    spec["config"]["traffic_config"]["routes"][0]["traffic_percentage"] = 50
    file.write_text(yaml.safe_dump(spec))
    code, out = _cli(served.ws_path, "endpoints", "deploy", str(file))
    assert code == 5 and "sum to 50" in out
    code, out = _cli(served.ws_path, "endpoints", "get", "nope")
    assert code == 3 and "from-cli" in out
    code, out = _cli(served.ws_path, "tokens", "create", "--user", "erin", "--json")
    assert code == 0
    token = json.loads(out)
    assert token["token"].startswith("lfp_") and token["principal"] == "erin"
    code, out = _cli(served.ws_path, "tokens", "list", "--json")
    assert code == 0 and token["token_id"] in out and token["token"] not in out
    code, out = _cli(served.ws_path, "tokens", "revoke", token["token_id"], "--json")
    assert code == 0 and json.loads(out)["revoked_at"]
    code, out = _cli(served.ws_path, "endpoints", "grant", "from-cli", "erin", "CAN_WRITE")
    assert code == 5 and "CAN_QUERY" in out
    code, out = _cli(served.ws_path, "endpoints", "delete", "from-cli")
    assert code == 0


def test_inference_table_rows(served: sw.Served) -> None:
    ws = Workspace.open(served.ws_path)
    ws.schemas.create("main", "logs")
    body = sw.endpoint_body("logged", ("l", "1", 100))
    body["ai_gateway"] = {
        "inference_table_config": {
            "catalog_name": "main",
            "schema_name": "logs",
            "table_name_prefix": "churn",
            "enabled": True,
        }
    }
    assert served.request("POST", BASE, body)[0] == 200
    served.wait_ready("logged")
    url = "/serving-endpoints/logged/invocations"
    for ids in ([1, 2], [3]):
        query = {"dataframe_records": sw.records(sw.keys_frame(ids)), "client_request_id": "c-1"}
        assert served.request("POST", url, query)[0] == 200
    assert served.request("POST", url, {"dataframe_records": [{"customer_id": 1}]})[0] == 400
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                rows = ws.table("main.logs.churn_payload", kind="pandas")
            except Exception:
                rows = None
            if rows is not None and len(rows) == 3:
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.2)
    finally:
        ws.close()
    rows = rows.sort_values("request_time")
    assert rows["status_code"].tolist() == [200, 200, 400]
    assert rows["served_entity_id"].tolist() == ["l", "l", "l"]
    assert rows["client_request_id"].tolist()[:2] == ["c-1", "c-1"]
    first = json.loads(rows["served_features"].iloc[0])
    # the features the served model saw are the ones batch scoring computes for the same keys
    ws = Workspace.open(served.ws_path)
    try:
        batch = score_batch(ws, f"models:/{sw.MODEL}/1", sw.keys_frame([1, 2]))
    finally:
        ws.close()
    assert first == batch[list(first[0])].to_dict(orient="records")
    assert len(first) == 2 and set(first[0]) == {
        "spend",
        "visits",
        "age",
        "tenure",
        "spend_per_visit",
    }
    assert json.loads(rows["response"].iloc[0])["predictions"]
    assert "error_code" in json.loads(rows["response"].iloc[2])
    assert (rows["execution_duration_ms"] >= 0).all()


def test_ready_fails_when_feature_tables_are_missing(served: sw.Served) -> None:
    assert served.request("POST", BASE, sw.endpoint_body("needs-tables", ("n", "1", 100)))[0] == 200
    served.wait_ready("needs-tables")
    assert served.request("GET", "/ready")[0] == 200
    store = OnlineStore(served.ws_path / "online.db")
    store.drop("main.fs.profile_online")
    status, headers, body = served.request("GET", "/ready")
    assert status == 503 and "main.fs.profile" in json.dumps(body)
    query = {"dataframe_records": sw.records(sw.keys_frame([1]))}
    status, headers, body = served.request(
        "POST", "/serving-endpoints/needs-tables/invocations", query
    )
    assert status == 503 and headers["retry-after"] == "1" and "main.fs.profile" in body["message"]
    served.world.fe.publish_table(source_table_name="main.fs.profile")
    assert served.request("GET", "/ready")[0] == 200
    status, _, body = served.request("POST", "/serving-endpoints/needs-tables/invocations", query)
    assert status == 200


def test_metrics_and_openapi(served: sw.Served) -> None:
    assert served.request("POST", BASE, sw.endpoint_body("observed", ("o", "1", 100)))[0] == 200
    served.wait_ready("observed")
    query = {"dataframe_records": sw.records(sw.keys_frame([1]))}
    served.request("POST", "/serving-endpoints/observed/invocations", query)
    status, _, text = served.request("GET", f"{BASE}/observed/metrics")
    assert status == 200
    assert 'lakeforge_requests_total{endpoint="observed",served_entity="o",status="200"} 1' in text
    assert "lakeforge_request_duration_ms_bucket" in text
    status, _, doc = served.request("GET", f"{BASE}/observed/openapi")
    row = doc["paths"]["/serving-endpoints/observed/invocations"]["post"]["requestBody"]
    schema = row["content"]["application/json"]["schema"]["properties"]["dataframe_records"]
    assert schema["items"]["required"] == ["customer_id", "event_ts"]
    assert served.request("GET", "/openapi.json")[2]["openapi"].startswith("3.")
    status, _, body = served.request("GET", "/no/such/route")
    assert (status, body["error_code"]) == (404, "ENDPOINT_NOT_FOUND")


def test_health(served: sw.Served) -> None:
    status, _, body = served.request("GET", "/health")
    assert (status, body) == (200, {"status": "OK"})


def test_ai_gateway_and_tags_routes(served: sw.Served) -> None:
    ws = Workspace.open(served.ws_path)
    try:
        ws.schemas.create("main", "gateway")
    finally:
        ws.close()
    assert served.request("POST", BASE, sw.endpoint_body("gated", ("g", "1", 100)))[0] == 200
    served.wait_ready("gated")
    table = {"catalog_name": "main", "schema_name": "gateway", "table_name_prefix": "gated"}
    status, _, body = served.request(
        "PUT", f"{BASE}/gated/ai-gateway", {"inference_table_config": table}
    )
    assert status == 200 and body["inference_table_config"]["table_name_prefix"] == "gated"
    status, _, body = served.request("PUT", f"{BASE}/gated/ai-gateway", {"guardrails": {"x": 1}})
    assert status == 400 and "guardrails" in body["message"]
    done = served.wait_ready("gated")
    assert done["ai_gateway"]["inference_table_config"]["schema_name"] == "gateway"
    query = {"dataframe_records": sw.records(sw.keys_frame([1]))}
    assert served.request("POST", "/serving-endpoints/gated/invocations", query)[0] == 200
    status, _, body = served.request(
        "PATCH", f"{BASE}/gated/tags", {"add_tags": [{"key": "team", "value": "growth"}]}
    )
    assert (status, body) == (200, {"tags": [{"key": "team", "value": "growth"}]})
    status, _, body = served.request("PATCH", f"{BASE}/gated/tags", {"delete_tags": ["team"]})
    assert (status, body) == (200, {"tags": []})
    ws = Workspace.open(served.ws_path)
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                rows = ws.table("main.gateway.gated_payload", kind="pandas")
            except Exception:  # not created/written yet
                rows = None
            if rows is not None and len(rows) == 1:
                break
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        ws.close()
    assert rows["served_entity_id"].tolist() == ["g"]
