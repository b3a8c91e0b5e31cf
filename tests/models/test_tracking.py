"""Tracking bound to the workspace: stores, telemetry, experiments, no silent fallback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lakeforge.errors import ValidationError
from lakeforge.models import tracking
from lakeforge.models.registry import Registry
from lakeforge.settings import resolve_settings
from lakeforge.tables.workspace import Workspace, init_workspace

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
    assert default.tracking_uri == f"lakeforge://{tmp_path / 'ws'}"


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
    assert other.tracking_uri == f"lakeforge://{tmp_path / 'other'}"


# -- binding: plain MLflow code in a lakeforge process lands in the workspace -----------------


def test_importing_the_facade_binds_without_importing_mlflow(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "import lakeforge.feature_engineering\n"
        "assert 'mlflow' not in sys.modules, 'imported mlflow'\n"
        "print(os.environ['MLFLOW_TRACKING_URI'], os.environ['MLFLOW_REGISTRY_URI'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    uri = f"lakeforge://{tmp_path.resolve() / '.lakeforge'}"
    assert done.stdout.split() == [uri, uri]
    assert not (tmp_path / ".lakeforge").exists()  # created on first use, not on import


def _plain_run(experiment: str) -> str:
    import mlflow

    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
    return str(run.info.run_id)


def _run_ids(tracking_uri: str) -> set[str]:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    return {r.info.run_id for r in client.search_runs(experiments)}


def test_two_workspaces_one_after_the_other_get_their_own_runs(
    tmp_path: Path, mlflow_db_template: Path
) -> None:
    import mlflow
    from mlflow import MlflowClient

    from lakeforge.feature_engineering import FeatureEngineeringClient

    first = init_workspace(tmp_path / "one")
    second = init_workspace(tmp_path / "two")
    for ws in (first, second):
        shutil.copyfile(mlflow_db_template, ws.settings.mlflow_db)
    FeatureEngineeringClient(workspace=first.settings.workspace)
    in_first = _plain_run("/Users/x/exp")
    FeatureEngineeringClient(workspace=second.settings.workspace)
    assert mlflow.get_tracking_uri() == second.settings.tracking_uri
    with mlflow.start_run() as run:  # the experiment set in the first workspace, by name
        pass
    in_second = _plain_run("/Users/x/exp")
    assert _run_ids(first.settings.tracking_uri) == {in_first}
    assert _run_ids(second.settings.tracking_uri) == {in_second, run.info.run_id}
    (experiment,) = [
        e
        for e in MlflowClient(second.settings.tracking_uri).search_experiments()
        if e.name == "/Users/x/exp"
    ]
    assert run.info.experiment_id == experiment.experiment_id
    assert resolve_settings(second.settings.workspace).mlflow_tracking_uri is None


def test_a_uri_the_user_set_before_is_kept(ws: Workspace, tmp_path: Path) -> None:
    import mlflow

    own = f"sqlite:///{tmp_path / 'own.db'}"
    mlflow.set_tracking_uri(own)
    tracking.bind(ws.settings.workspace)
    Registry(ws)
    assert mlflow.get_tracking_uri() == own
    assert mlflow.get_registry_uri() == own  # MLflow's default: the tracking store
    assert resolve_settings(ws.settings.workspace).tracking_uri == own


def test_a_uri_in_the_environment_is_kept(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    own = f"sqlite:///{tmp_path / 'own.db'}"
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", own)
    tracking.bind(ws.settings.workspace)
    assert mlflow.get_tracking_uri() == ws.settings.tracking_uri
    assert mlflow.get_registry_uri() == own


def test_binding_refuses_to_orphan_an_active_run(
    ws: Workspace, tmp_path: Path, mlflow_db_template: Path
) -> None:
    import mlflow

    first = init_workspace(tmp_path / "first")
    shutil.copyfile(mlflow_db_template, first.settings.mlflow_db)
    tracking.bind(first.settings.workspace)
    with mlflow.start_run() as run:
        with pytest.raises(ValidationError, match=f"run {run.info.run_id} is active in") as caught:
            tracking.bind(ws.settings.workspace)
        assert mlflow.get_tracking_uri() == first.settings.tracking_uri  # nothing moved
    assert "mlflow.end_run()" in str(caught.value)
    tracking.bind(ws.settings.workspace)  # no run active: MLflow moves
    assert mlflow.get_tracking_uri() == ws.settings.tracking_uri
