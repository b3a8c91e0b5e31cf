"""The stores behind lakeforge: URIs: the workspace's mlflow.db, artifacts under mlartifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakeforge.errors import ConfigurationError, WorkspaceError
from lakeforge.models import plugin, tracking
from lakeforge.models.registry_store import WorkspaceRegistryStore
from lakeforge.settings import workspace_mlflow_uri
from lakeforge.tables.workspace import Workspace

pytestmark = pytest.mark.usefixtures("fresh_mlflow")


def test_a_missing_workspace_is_created_on_first_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlflow import MlflowClient

    root = tmp_path / "new-ws"
    client = MlflowClient(tracking_uri=workspace_mlflow_uri(root))
    experiment_id = client.create_experiment("/Users/x/exp")
    assert (root / "lakeforge.toml").is_file() and (root / "mlflow.db").is_file()
    assert "created workspace" in capsys.readouterr().err
    location = client.get_experiment(experiment_id).artifact_location
    assert location == f"{(root / 'mlartifacts').as_uri()}/{experiment_id}"


def test_plain_set_experiment_keeps_artifacts_in_the_workspace(
    ws: Workspace, tmp_path: Path
) -> None:
    import mlflow

    tracking.bind(ws.settings.workspace)
    mlflow.set_experiment("/Users/x/plain")
    with mlflow.start_run() as run:
        mlflow.log_text("hello", "note.txt")
    assert run.info.artifact_uri.startswith(ws.settings.mlartifacts.as_uri() + "/")
    assert (Path(run.info.artifact_uri.removeprefix("file://")) / "note.txt").is_file()
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlflow.db").exists()


def test_the_empty_uri_opens_the_default_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEFORGE_HOME", str(tmp_path / "home-ws"))
    store = plugin.tracking_store("lakeforge://")
    assert store.artifact_root_uri == (tmp_path / "home-ws" / "mlartifacts").as_uri()
    registry = plugin.registry_store("lakeforge://", None)
    assert isinstance(registry, WorkspaceRegistryStore)
    assert registry.db_uri == f"sqlite:///{tmp_path / 'home-ws' / 'mlflow.db'}"


def test_a_servers_artifact_root_is_kept(ws: Workspace, mlflow_db_template: Path) -> None:
    import shutil

    shutil.copyfile(mlflow_db_template, ws.settings.mlflow_db)
    store = plugin.tracking_store(ws.settings.tracking_uri, "mlflow-artifacts:/")
    assert store.artifact_root_uri == "mlflow-artifacts:/"


def test_a_non_empty_directory_that_is_no_workspace_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not empty"):
        plugin.tracking_store(workspace_mlflow_uri(tmp_path / "data"))
    assert not (tmp_path / "data" / "mlflow.db").exists()


def test_bad_uris_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="relative path"):
        plugin.tracking_store("lakeforge:ws")


@pytest.mark.filterwarnings("ignore:.*Any type hint is inferred")  # mlflow.pyfunc's import
def test_reference_uris_mean_the_workspace_where_one_is_in_effect(
    ws: Workspace, tmp_path: Path
) -> None:
    """Ported code keeps `mlflow.set_registry_uri("databricks-uc")`, `MlflowClient(registry_uri=
    "databricks-uc")` and `set_tracking_uri("databricks")`: registering, aliases and loading
    `models:/` URIs all use the workspace's stores."""
    import mlflow
    import numpy as np
    from mlflow import MlflowClient
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    ws.schemas.create("main", "ml")
    tracking.bind(ws.settings.workspace)
    mlflow.set_registry_uri("databricks-uc")
    mlflow.set_experiment("/Users/me@example.com/uc")
    x = np.arange(6.0).reshape(-1, 1)
    model = LinearRegression().fit(x, 2 * x[:, 0])
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(x, 2 * x[:, 0]),
            pip_requirements=["scikit-learn"],
            registered_model_name="main.ml.uc",
        )
    client = MlflowClient(registry_uri="databricks-uc")
    client.set_registered_model_alias("main.ml.uc", "champion", 1)
    assert int(client.get_model_version_by_alias("main.ml.uc", "champion").version) == 1
    loaded = mlflow.pyfunc.load_model("models:/main.ml.uc@champion")
    assert loaded.predict(x[:2]).round(6).tolist() == [0.0, 2.0]
    assert run.info.artifact_uri.startswith(ws.settings.mlartifacts.as_uri())
    found = MlflowClient(tracking_uri=workspace_mlflow_uri(ws.settings.workspace))
    assert found.get_run(run.info.run_id).info.run_id == run.info.run_id
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "mlruns").exists()


def test_tracking_uri_databricks_means_the_workspace_where_one_is_in_effect(
    ws: Workspace, tmp_path: Path
) -> None:
    import mlflow
    from mlflow import MlflowClient

    tracking.bind(ws.settings.workspace)
    mlflow.set_tracking_uri("databricks")
    mlflow.set_experiment("/Users/me@example.com/metrics")
    with mlflow.start_run() as run:
        mlflow.log_metric("rmse", 0.25)
    found = MlflowClient(tracking_uri=workspace_mlflow_uri(ws.settings.workspace))
    assert found.get_run(run.info.run_id).data.metrics == {"rmse": 0.25}
    assert run.info.artifact_uri.startswith(ws.settings.mlartifacts.as_uri())
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "mlruns").exists()


_NO_WORKSPACE = """
from mlflow import MlflowClient
try:
    MlflowClient(registry_uri="databricks-uc").get_model_version_by_alias("a.b.c", "x")
except Exception as exc:
    print(type(exc).__name__, "Databricks" in str(exc))
"""


def test_reference_uris_are_mlflows_own_where_no_workspace_is_in_effect(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEFORGE_", "MLFLOW_"))}
    env |= {"MLFLOW_DISABLE_TELEMETRY": "true", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", _NO_WORKSPACE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip() == "MlflowException True", done.stderr
    assert not (tmp_path / ".lakeforge").exists()
