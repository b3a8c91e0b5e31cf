"""The control plane over HTTP: validation, states, updates, traffic, shadow, aliases."""

from __future__ import annotations

import time

import _serving_world as sw

from lakeforge.models.registry import Registry
from lakeforge.tables.workspace import Workspace

BASE = "/api/2.0/serving-endpoints"


def _query(served: sw.Served, path: str, ids: list[int]) -> tuple[int, dict[str, str], object]:
    body = {"dataframe_records": sw.records(sw.keys_frame(ids))}
    return served.request("POST", path, body)


def test_invalid_configs_are_refused_with_the_field_and_value(served: sw.Served) -> None:
    cases = [
        (sw.endpoint_body("bad-sum", ("a", "1", 60), ("b", "2", 30)), 400, "sum to 90"),
        (sw.endpoint_body("bad name!", ("a", "1", 100)), 400, "'bad name!'"),
        (sw.endpoint_body("bad-version", ("a", "9", 100)), 404, "9"),
        (sw.endpoint_body("bad-alias", ("a", "nope", 100)), 404, "nope"),
        (sw.endpoint_body("bad-route", ("a", "1", 100), traffic={}) | {}, 200, ""),
        (
            sw.endpoint_body("bad-field", ("a", "1", 100), config={"servd_entities": []}),
            400,
            "servd_entities",
        ),
        (
            sw.endpoint_body("bad-pct", ("a", "1", 100.5)),  # type: ignore[arg-type]
            400,
            "traffic_percentage",
        ),
    ]
    for body, status, text in cases:
        got, _, answer = served.request("POST", BASE, body)
        assert got == status, (body["name"], answer)
        if status != 200:
            assert answer["error_code"] in {"INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST"}
            assert text in answer["message"], answer
    served.request("DELETE", f"{BASE}/bad-route")
    status, _, answer = served.request("POST", BASE, sw.endpoint_body("bad-route", ("a", "1", 100)))
    assert status == 200
    status, _, answer = served.request("POST", BASE, sw.endpoint_body("bad-route", ("a", "1", 100)))
    assert (status, answer["error_code"]) == (409, "RESOURCE_ALREADY_EXISTS")
    status, _, answer = served.request("GET", f"{BASE}/missing")
    assert (status, answer["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    assert "bad-route" in answer["message"]  # existing endpoints are listed


def test_split_per_entity_path_and_bad_update_keeps_the_old_config(served: sw.Served) -> None:
    body = sw.endpoint_body("split", ("one", "1", 80), ("two", "2", 20))
    assert served.request("POST", BASE, body)[0] == 200
    assert served.wait_ready("split")["state"]["ready"] == "READY"
    names = [
        _query(served, "/serving-endpoints/split/invocations", [1])[1]["served-model-name"]
        for _ in range(10)
    ]
    assert names.count("one") == 8 and names.count("two") == 2
    status, headers, _ = _query(
        served, "/serving-endpoints/split/served-models/two/invocations", [1]
    )
    assert (status, headers["served-model-name"]) == (200, "two")
    status, _, answer = _query(
        served, "/serving-endpoints/split/served-models/nine/invocations", [1]
    )
    assert status == 404 and "split/nine" in answer["message"]
    bad = {
        "served_entities": body["config"]["served_entities"],
        "traffic_config": {"routes": [{"served_entity_name": "one", "traffic_percentage": 101}]},
    }
    status, _, answer = served.request("PUT", f"{BASE}/split/config", bad)
    assert status == 400 and "101" in answer["message"]
    endpoint = served.request("GET", f"{BASE}/split")[2]
    assert endpoint["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}
    routes = endpoint["config"]["traffic_config"]["routes"]
    assert [r["traffic_percentage"] for r in routes] == [80, 20]
    assert _query(served, "/serving-endpoints/split/invocations", [1])[0] == 200
    # a good update: only v2; a second update while it is in progress is refused
    good = {
        "served_entities": [{"name": "two", "entity_name": sw.MODEL, "entity_version": "2"}],
    }
    status, _, answer = served.request("PUT", f"{BASE}/split/config", good)
    assert status == 200 and answer["state"]["config_update"] == "IN_PROGRESS"
    assert answer["pending_config"]["config_version"] == 2
    again = served.request("PUT", f"{BASE}/split/config", good)
    if again[0] != 200:  # the deployer may already be done
        assert (again[0], again[2]["error_code"]) == (409, "RESOURCE_CONFLICT")
    done = served.wait_ready("split")
    assert done["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}
    assert [e["name"] for e in done["config"]["served_entities"]] == ["two"]
    assert (
        _query(served, "/serving-endpoints/split/invocations", [1])[1]["served-model-name"] == "two"
    )
    assert served.request("DELETE", f"{BASE}/split")[0] == 200
    status, _, answer = _query(served, "/serving-endpoints/split/invocations", [1])
    assert status == 404


def test_shadow_entity_gets_copies_and_never_answers(served: sw.Served) -> None:
    body = sw.endpoint_body(
        "shadowed", ("live", "1", 100), ("shadow", "2", 0), traffic={"shadow_entity_name": "shadow"}
    )
    assert served.request("POST", BASE, body)[0] == 200
    served.wait_ready("shadowed")
    for _ in range(20):
        status, headers, _ = _query(served, "/serving-endpoints/shadowed/invocations", [3])
        assert (status, headers["served-model-name"]) == (200, "live")
    deadline = time.monotonic() + 10
    while True:
        metrics = served.request("GET", "/metrics")[2]
        line = (
            "lakeforge_shadow_requests_total"
            '{endpoint="shadowed",served_entity="shadow",outcome="ok"}'
        )
        counts = [ln.split()[-1] for ln in metrics.splitlines() if ln.startswith(line)]
        if counts and int(counts[0]) == 20:
            break
        assert time.monotonic() < deadline, metrics
        time.sleep(0.1)
    bad = sw.endpoint_body(
        "shadow-bad",
        ("live", "1", 50),
        ("shadow", "2", 50),
        traffic={"shadow_entity_name": "shadow"},
    )
    status, _, answer = served.request("POST", BASE, bad)
    assert status == 400 and "no live traffic" in answer["message"]


def test_alias_move_is_followed(served: sw.Served) -> None:
    body = sw.endpoint_body("aliased", ("champ", "champion", 100))
    assert served.request("POST", BASE, body)[0] == 200
    first = served.wait_ready("aliased")
    assert first["config"]["served_entities"][0]["resolved_version"] == "1"
    before = _query(served, "/serving-endpoints/aliased/invocations", list(range(1, 61)))[2]
    v2 = _query(served, "/serving-endpoints/split-less/invocations", [1])  # unknown endpoint
    assert v2[0] == 404
    ws = Workspace.open(served.ws_path)
    try:
        Registry(ws).set_alias(sw.MODEL, "champion", 2)
        deadline = time.monotonic() + 20
        while True:
            now = _query(served, "/serving-endpoints/aliased/invocations", list(range(1, 61)))[2]
            if now != before:
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        Registry(ws).set_alias(sw.MODEL, "champion", 1)
        ws.close()
