"""Shared fixtures: every test gets a fresh workspace in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakeforge.tables.workspace import Workspace, init_workspace

# What MLflow writes into os.environ itself (set_tracking_uri, set_registry_uri, set_experiment).
_MLFLOW_EXPORTS = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's LAKEFORGE_*/MLflow settings or writes to their home, and MLflow
    starts each test unbound, as in a fresh process (no URI left by an earlier test)."""
    import os
    import sys

    for key in list(os.environ):
        if key.startswith("LAKEFORGE_") or key in _MLFLOW_EXPORTS:
            monkeypatch.delenv(key, raising=False)
    mlflow = sys.modules.get("mlflow")
    if mlflow is not None:
        mlflow.set_tracking_uri(None)  # also removes MLFLOW_TRACKING_URI
        mlflow.set_registry_uri(None)
        mlflow.tracking.fluent._active_experiment_id = None  # set_experiment's, no public reset
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _forget_default_workspaces() -> Iterator[None]:
    """Top-level calls (lakeforge.sql, FeatureEngineeringClient(), ...) cache the workspaces they
    open; close and forget them after each test."""
    from lakeforge.tables.workspace import close_default_workspaces

    yield
    close_default_workspaces()


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
    """An empty, migrated mlflow.db: copying it saves each test MLflow's ~2 s of migrations.

    Its ``Default`` experiment keeps the template's artifact location; lakeforge never logs there.
    """
    from lakeforge.models import plugin

    workspace = init_workspace(tmp_path_factory.mktemp("mlflow-template") / "ws")
    try:
        plugin.tracking_store(workspace.settings.tracking_uri)  # the store migrates; nothing bound
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
