"""Load and fault tests on 127.0.0.1 with bounded counts: split accuracy, alias swap under
load, overload, malformed inputs. Statuses are counted client side with aiohttp."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from typing import Any

import _serving_world as sw
import aiohttp

from lakeforge.models.registry import Registry
from lakeforge.tables.workspace import Workspace

BASE = "/api/2.0/serving-endpoints"


def _create(served: sw.Served, body: dict[str, Any]) -> None:
    status, _, answer = served.request("POST", BASE, body)
    assert status == 200, answer
    assert served.wait_ready(body["name"])["state"]["ready"] == "READY"


async def _hammer(
    url: str,
    bodies: list[bytes],
    *,
    workers: int,
    timeout: float = 10.0,
    stop: threading.Event | None = None,
) -> tuple[Counter[str], Counter[int], int]:
    """Send every body once over ``workers`` connections; returns (served-model-name counts,
    status counts, client timeouts)."""
    names: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    timeouts = 0
    queue = list(reversed(bodies))

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal timeouts
        while queue and not (stop is not None and stop.is_set()):
            body = queue.pop()
            try:
                async with session.post(
                    url, data=body, headers={"Content-Type": "application/json"}
                ) as resp:
                    await resp.read()
                    statuses[resp.status] += 1
                    if resp.status == 200:
                        names[resp.headers["served-model-name"]] += 1
                    if resp.status == 429:
                        assert resp.headers["Retry-After"].isdigit()
            except TimeoutError:
                timeouts += 1

    limits = aiohttp.TCPConnector(limit=workers)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=limits, timeout=client_timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(workers)))
    return names, statuses, timeouts


def _body(ids: list[int]) -> bytes:
    return json.dumps({"dataframe_records": sw.records(sw.keys_frame(ids))}).encode()


def test_ninety_ten_split_over_20000_requests(served: sw.Served) -> None:
    _create(served, sw.endpoint_body("split", ("a", "1", 90), ("b", "2", 10)))
    bodies = [_body([1 + i % 60]) for i in range(20_000)]
    names, statuses, timeouts = asyncio.run(
        _hammer(served.url + "/serving-endpoints/split/invocations", bodies, workers=16)
    )
    assert (statuses, timeouts) == (Counter({200: 20_000}), 0)
    share = names["a"] / 20_000
    assert abs(share - 0.90) <= 0.01, names


def test_alias_swap_under_load_fails_no_request(served: sw.Served) -> None:
    _create(served, sw.endpoint_body("swap", ("champ", "champion", 100)))
    bodies = [_body([1 + i % 60, 2 + i % 50]) for i in range(4000)]
    ws = Workspace.open(served.ws_path)

    def move() -> None:
        time.sleep(0.5)
        Registry(ws).set_alias(sw.MODEL, "champion", 2)

    mover = threading.Thread(target=move)
    mover.start()
    try:
        _, statuses, timeouts = asyncio.run(
            _hammer(served.url + "/serving-endpoints/swap/invocations", bodies, workers=8)
        )
        mover.join()
        deadline = time.monotonic() + 20
        while True:
            entity = served.request("GET", f"{BASE}/swap")[2]["config"]["served_entities"][0]
            if entity["state"]["deployment_state_message"].endswith("version 2") or (
                time.monotonic() > deadline
            ):
                break
            time.sleep(0.1)
    finally:
        Registry(ws).set_alias(sw.MODEL, "champion", 1)
        ws.close()
    assert (statuses, timeouts) == (Counter({200: 4000}), 0)
    assert entity["resolved_version"] == "2", entity


def test_four_times_overload_gets_only_2xx_429_503(served: sw.Served) -> None:
    body = sw.endpoint_body("tight", ("t", "1", 100))
    body["config"]["served_entities"][0]["max_provisioned_concurrency"] = 1  # 8 outstanding
    _create(served, body)
    heavy = [_body(list(range(1, 61)) * 4) for _ in range(3000)]
    stop = threading.Event()
    timer = threading.Timer(6.0, stop.set)
    timer.start()
    try:
        _, statuses, timeouts = asyncio.run(
            _hammer(
                served.url + "/serving-endpoints/tight/invocations", heavy, workers=32, stop=stop
            )
        )
    finally:
        timer.cancel()
    assert timeouts == 0
    assert set(statuses) <= {200, 429, 503}, statuses
    assert statuses[429] > 0 and statuses[200] > 0, statuses


def test_malformed_inputs_get_4xx_and_never_5xx(served: sw.Served) -> None:
    _create(served, sw.endpoint_body("strict", ("s", "1", 100)))
    secret = "SECRET-VALUE-4711"
    good = {"customer_id": 1, "event_ts": "2024-02-05T00:00:00"}
    cases: list[tuple[bytes, str, int, str]] = [
        (b'{"dataframe_records": [', "application/json", 400, "not valid JSON"),
        (b'[{"customer_id": 1}]', "application/json", 400, "JSON object"),
        (json.dumps({}).encode(), "application/json", 400, "exactly one of"),
        (
            json.dumps({"dataframe_records": [good], "instances": [good]}).encode(),
            "application/json",
            400,
            "exactly one of",
        ),
        (
            json.dumps({"dataframe_records": [{**good, "customer_id": secret}]}).encode(),
            "application/json",
            400,
            "'customer_id'",
        ),
        (
            json.dumps({"dataframe_records": [{**good, "customer_id": 1.5}]}).encode(),
            "application/json",
            400,
            "'customer_id'",
        ),
        (
            json.dumps({"dataframe_records": [{**good, "customer_id": True}]}).encode(),
            "application/json",
            400,
            "'customer_id'",
        ),
        (
            json.dumps({"dataframe_records": [{"customer_id": 1}]}).encode(),
            "application/json",
            400,
            "'event_ts'",
        ),
        (
            json.dumps({"dataframe_records": [{**good, "event_ts": secret}]}).encode(),
            "application/json",
            400,
            "'event_ts'",
        ),
        (
            json.dumps({"dataframe_records": [{**good, "spnd": 1.0}]}).encode(),
            "application/json",
            400,
            "'spnd'",
        ),
        (
            b'{"dataframe_records": [{"customer_id": 1, "event_ts": "2024-02-05T00:00:00", '
            b'"spend": NaN}]}',
            "application/json",
            400,
            "NaN",
        ),
        (
            json.dumps({"dataframe_records": [{**good, "customer_id": 2**70}]}).encode(),
            "application/json",
            400,
            "'customer_id'",
        ),
        (
            json.dumps(
                {"dataframe_split": {"columns": ["customer_id", "event_ts"], "data": [[1]]}}
            ).encode(),
            "application/json",
            400,
            "row 0",
        ),
        (b"[" * 200_000 + b"]" * 200_000, "application/json", 400, ""),
        (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "application/json", 400, ""),
        (b"\xff\xfe{", "application/json", 400, "UTF-8"),
        (b"customer_id,event_ts\nx,2024-01-01", "text/csv", 400, "'customer_id'"),
        (b"customer_id\n1", "text/csv", 400, "'event_ts'"),
        (b"<xml/>", "application/xml", 415, "application/xml"),
        (
            json.dumps({"dataframe_records": [good]}).encode(),
            "application/json; charset=latin-1",
            415,
            "",
        ),
        (b" " * (16 * 1024 * 1024 + 1), "application/json", 413, "16777217"),
    ]
    url = "/serving-endpoints/strict/invocations"
    for raw, kind, status, text in cases:
        got, _, answer = served.request("POST", url, raw=raw, headers={"Content-Type": kind})
        assert got == status, (raw[:80], answer)
        assert set(answer) == {"error_code", "message"}, answer
        assert text in answer["message"], answer
        assert secret not in answer["message"] and "Traceback" not in answer["message"]
    csv = b"customer_id,event_ts\n1,2024-02-05T00:00:00\n2,2024-02-05T00:00:00\n"
    got, _, answer = served.request("POST", url, raw=csv, headers={"Content-Type": "text/csv"})
    assert got == 200 and len(answer["predictions"]) == 2
    split = {
        "dataframe_split": {"columns": ["customer_id", "event_ts"], "data": [[1, good["event_ts"]]]}
    }
    inputs = {"inputs": {"customer_id": [1], "event_ts": [good["event_ts"]]}, "params": {}}
    for body in ({"dataframe_records": [good]}, {"instances": [good]}, split, inputs):
        got, _, answer = served.request("POST", url, body)
        assert got == 200, (body, answer)
    metrics = served.request("GET", "/metrics")[2]
    assert 'status="500"' not in metrics
