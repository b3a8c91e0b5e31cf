"""Tracking bound to the workspace: stores, telemetry, experiments, no silent fallback."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from lakeforge.errors import ValidationError
from lakeforge.models import tracking
from lakeforge.settings import resolve_settings
from lakeforge.tables.workspace import Workspace

pytestmark = pytest.mark.usefixtures("fresh_mlflow")


def test_runs_and_artifacts_live_in_the_workspace(ws: Workspace, tmp_path: Path) -> None:
    with tracking.start_run(ws.settings, "churn") as run:
        import mlflow

        mlflow.log_metric("auc", 0.9)
        mlflow.log_text("hello", "note.txt")
    assert run.experiment_name == "churn"
    assert (ws.settings.workspace / "mlflow.db").is_file()
    assert run.artifact_uri.startswith(ws.settings.mlartifacts.as_uri())
    assert not (tmp_path / "mlruns").exists()
    found = tracking.client(ws.settings).get_run(run.run_id)
    assert found.data.metrics == {"auc": 0.9}
    assert found.info.experiment_id == run.experiment_id != "0"


def test_user_tracking_uri_wins(tmp_path: Path) -> None:
    settings = resolve_settings(
        tmp_path / "ws", env={"MLFLOW_TRACKING_URI": "sqlite:////tmp/elsewhere.db"}
    )
    assert settings.tracking_uri == "sqlite:////tmp/elsewhere.db"
    assert settings.registry_uri == settings.tracking_uri
    default = resolve_settings(tmp_path / "ws", env={})
    assert default.tracking_uri == f"sqlite:///{tmp_path / 'ws' / 'mlflow.db'}"


def test_telemetry_is_off_unless_allowed(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_DISABLE_TELEMETRY", raising=False)
    tracking.mlflow_module(ws.settings)
    import os

    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    allowed = resolve_settings(ws.settings.workspace, env={"LAKEFORGE_MLFLOW_TELEMETRY": "1"})
    assert allowed.mlflow_telemetry


@pytest.mark.parametrize("name", ["", "  ", " lead", "tab\there", "x" * 501, None])
def test_bad_experiment_names_are_refused(name: object) -> None:
    with pytest.raises(ValidationError, match="experiment name"):
        tracking.validate_experiment_name(name)


def test_same_experiment_reuses_the_active_run(ws: Workspace) -> None:
    with (
        tracking.start_run(ws.settings, "a") as outer,
        tracking.start_run(ws.settings, "a") as inner,
    ):
        assert inner.run_id == outer.run_id


def test_active_run_in_another_experiment_is_an_error(ws: Workspace) -> None:
    with (
        tracking.start_run(ws.settings, "a"),
        pytest.raises(ValidationError, match="active in experiment"),
        tracking.start_run(ws.settings, "b"),
    ):
        pass


def test_deleted_experiment_is_not_reused_silently(ws: Workspace) -> None:
    experiment_id = tracking.ensure_experiment(ws.settings, "gone")
    tracking.client(ws.settings).delete_experiment(experiment_id)
    with pytest.raises(ValidationError, match="was deleted"):
        tracking.ensure_experiment(ws.settings, "gone")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_ui_serves_the_workspace_store_on_loopback(ws: Workspace) -> None:
    port = _free_port()
    command = tracking.ui_command(ws.settings, "127.0.0.1", port)
    assert "127.0.0.1" in command and ws.settings.tracking_uri in command
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_second_workspace_in_one_process_keeps_its_own_stores(
    ws: Workspace, tmp_path: Path
) -> None:
    """MLflow exports the URIs it is given; lakeforge must not read them back as the user's."""
    tracking.mlflow_module(ws.settings)
    other = resolve_settings(tmp_path / "other")
    assert other.mlflow_tracking_uri is None
    assert other.tracking_uri == f"sqlite:///{tmp_path / 'other' / 'mlflow.db'}"
