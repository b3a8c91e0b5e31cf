"""Shared fixtures: every test gets a fresh workspace in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakeforge.tables.workspace import Workspace, init_workspace


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's LAKEFORGE_*/MLflow settings or writes to their home."""
    import os

    for key in list(os.environ):
        # mlflow.set_tracking_uri/set_registry_uri write both variables into os.environ
        if key.startswith("LAKEFORGE_") or key in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    """Path of the test's workspace."""
    return tmp_path / "ws"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    """A fresh, initialized workspace with catalog ``main`` and schema ``main.default``."""
    workspace = init_workspace(ws_path)
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def mlflow_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated mlflow.db: copying it saves each test MLflow's ~2 s of migrations."""
    from lakeforge.models import tracking

    workspace = init_workspace(tmp_path_factory.mktemp("mlflow-template") / "ws")
    try:
        tracking.client(workspace.settings)
    finally:
        workspace.close()
    return workspace.settings.mlflow_db


@pytest.fixture
def fresh_mlflow() -> Iterator[None]:
    """No MLflow run is active before or after the test."""
    import mlflow

    while mlflow.active_run() is not None:
        mlflow.end_run()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    while mlflow.active_run() is not None:
        mlflow.end_run()
