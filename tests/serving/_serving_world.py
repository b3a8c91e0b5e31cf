"""A served world for HTTP tests: feature tables published online, a model with two versions
(``champion`` -> v1), and a real ``lakeforge serve`` subprocess on 127.0.0.1.

Built once per test module (a server start costs seconds); tests that change endpoints use
their own endpoint names.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import _feature_world as fw
import pandas as pd

from lakeforge.tables.workspace import Workspace, init_workspace

MODEL = "main.ml.churn"


@dataclass
class Served:
    """A running server over a built world."""

    url: str
    ws_path: Path
    world: fw.World
    process: subprocess.Popen[bytes]
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, dict[str, str], Any]:
        """One HTTP request; returns (status, headers, parsed JSON or text)."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, got, text = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, got, text = err.code, dict(err.headers), err.read()
        try:
            return status, {k.lower(): v for k, v in got.items()}, json.loads(text)
        except ValueError:
            return status, {k.lower(): v for k, v in got.items()}, text.decode()

    def wait_ready(
        self, name: str, timeout: float = 60.0, token: str | None = None
    ) -> dict[str, Any]:
        """Poll an endpoint until its config update is done; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            status, _, body = self.request("GET", f"/api/2.0/serving-endpoints/{name}", token=token)
            assert status == 200, body
            if body["state"]["config_update"] != "IN_PROGRESS":
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_world(ws_path: Path, template: Path) -> fw.World:
    """Feature tables, a function, model versions 1 and 2 (alias champion -> 1), published."""
    import lightgbm as lgb
    import mlflow.lightgbm

    ws: Workspace = init_workspace(ws_path)
    try:
        fw.seed_mlflow_db(ws, template)
        world = fw.build(ws, ws_path)
        ws.schemas.create("main", "ml")
        for trees in (25, 40):
            model = lgb.LGBMClassifier(n_estimators=trees, min_child_samples=5, verbose=-1)
            world.fe.log_model(
                model=model.fit(world.x, world.y),
                artifact_path="model",
                flavor=mlflow.lightgbm,
                training_set=world.training_set,
                registered_model_name=MODEL,
            )
        from lakeforge.models.registry import Registry

        Registry(ws).set_alias(MODEL, "champion", 1)
        for name in ("main.fs.activity", "main.fs.profile"):
            world.fe.publish_table(source_table_name=name)
        return world
    finally:
        ws.close()


@contextmanager
def run_server(
    ws_path: Path, *args: str, home: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``lakeforge serve`` in a subprocess until the block ends."""
    port = free_port()
    log = ws_path.parent / f"serve-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEFORGE_", "MLFLOW_"))}
    env["HOME"] = str(home)
    command = [
        sys.executable,
        "-m",
        "lakeforge",
        "--workspace",
        str(ws_path),
        "serve",
        "--port",
        str(port),
        "--poll-interval",
        "0.2",
        *args,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def keys_frame(ids: list[int], days: float = 35) -> pd.DataFrame:
    """Request rows: customer ids at one time after every feature event."""
    return pd.DataFrame({"customer_id": ids, "event_ts": fw.T0 + timedelta(days=days)})


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON rows of a key frame (timestamps as ISO text)."""
    return [
        {"customer_id": int(r.customer_id), "event_ts": r.event_ts.isoformat()}
        for r in frame.itertuples()
    ]


def endpoint_body(name: str, *entities: tuple[str, str, int], **extra: Any) -> dict[str, Any]:
    """A create body: entities as (served name, version or alias, percentage)."""
    return {
        "name": name,
        "config": {
            "served_entities": [
                {"name": served, "entity_name": MODEL, "entity_version": version}
                for served, version, _ in entities
            ],
            "traffic_config": {
                "routes": [
                    {"served_entity_name": served, "traffic_percentage": pct}
                    for served, _, pct in entities
                ],
                **extra.pop("traffic", {}),
            },
            **extra.pop("config", {}),
        },
        **extra,
    }
