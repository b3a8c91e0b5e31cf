"""The workspace registry store: catalog-registry rules for plain MLflow calls (guardrail 4)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from _logged_models import Logged, log_signature_variants

from lakeforge.errors import (
    InvalidAliasError,
    InvalidNameError,
    SignatureRequiredError,
    StagesUnsupportedError,
)
from lakeforge.models import tracking
from lakeforge.models.registry_store import WorkspaceRegistryStore, is_catalog_name
from lakeforge.tables.workspace import Workspace

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]


@pytest.fixture
def logged(ws: Workspace, mlflow_db_template: Path) -> Logged:
    import mlflow

    shutil.copyfile(mlflow_db_template, ws.settings.mlflow_db)
    tracking.bind(ws.settings.workspace)
    mlflow.set_experiment("/Users/x/registry")
    with mlflow.start_run() as run:
        return log_signature_variants(run.info.run_id)


def test_the_workspace_registry_is_this_store(logged: Logged) -> None:
    from mlflow import MlflowClient

    store = MlflowClient()._get_registry_client().store
    assert isinstance(store, WorkspaceRegistryStore)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.b.c", True), ("churn", False), ("ml.churn", False), ("a..c", False), ("a.b.c.d", False)],
)
def test_only_three_level_names_follow_the_catalog_rules(name: str, expected: bool) -> None:
    assert is_catalog_name(name) is expected


def test_register_model_refuses_versions_without_outputs(logged: Logged) -> None:
    import mlflow

    with pytest.raises(SignatureRequiredError, match="logged without a signature") as caught:
        mlflow.register_model(logged.unsigned, "main.default.churn")
    assert "signature=infer_signature" in str(caught.value)
    with pytest.raises(SignatureRequiredError, match="inputs only"):
        mlflow.register_model(logged.inputs_only, "main.default.churn")
    version = mlflow.register_model(logged.good, "main.default.churn")
    assert (int(version.version), version.status) == (1, "READY")


def test_client_create_model_version_refuses_unsigned_sources(logged: Logged) -> None:
    from mlflow import MlflowClient

    client = MlflowClient()
    client.create_registered_model("main.default.raw")
    source = client.get_logged_model(_model_id(client, logged, "unsigned")).artifact_location
    for uri in (source, f"models:/{_model_id(client, logged, 'unsigned')}"):
        with pytest.raises(SignatureRequiredError):
            client.create_model_version("main.default.raw", uri, run_id=logged.run_id)
    assert client.search_model_versions("name = 'main.default.raw'") == []


def test_log_model_with_a_registered_name_needs_a_signature(logged: Logged) -> None:
    import mlflow
    import mlflow.sklearn

    with mlflow.start_run(), pytest.raises(SignatureRequiredError):
        mlflow.sklearn.log_model(
            logged.model, name="m", pip_requirements=[], registered_model_name="main.default.m"
        )


@pytest.mark.filterwarnings("ignore:.*stages:FutureWarning")  # MLflow deprecates stages itself
def test_legacy_names_keep_mlflows_behaviour(logged: Logged) -> None:
    import mlflow
    from mlflow import MlflowClient

    assert int(mlflow.register_model(logged.unsigned, "churn-legacy").version) == 1
    assert [int(v.version) for v in MlflowClient().get_latest_versions("churn-legacy")] == [1]


@pytest.mark.filterwarnings("ignore:.*stages:FutureWarning")
def test_stage_apis_are_refused_for_three_level_names(logged: Logged) -> None:
    import mlflow
    from mlflow import MlflowClient

    mlflow.register_model(logged.good, "main.default.churn")
    client = MlflowClient()
    with pytest.raises(StagesUnsupportedError, match="transition_model_version_stage") as caught:
        client.transition_model_version_stage("main.default.churn", "1", "Production")
    assert "models:/catalog.schema.model@champion" in str(caught.value)
    with pytest.raises(StagesUnsupportedError, match="get_latest_versions"):
        client.get_latest_versions("main.default.churn")


# MLflow checks the characters and length itself; the reserved names are the store's to add.
@pytest.mark.parametrize("alias", ["Latest", "LATEST"])
def test_alias_rules_hold_for_plain_client_calls(logged: Logged, alias: str) -> None:
    import mlflow
    from mlflow import MlflowClient

    mlflow.register_model(logged.good, "main.default.churn")
    with pytest.raises(InvalidAliasError):
        MlflowClient().set_registered_model_alias("main.default.churn", alias, "1")
    MlflowClient().set_registered_model_alias("main.default.churn", "Champion", "1")
    assert MlflowClient().get_model_version_by_alias("main.default.churn", "Champion").version


@pytest.mark.parametrize(
    ("name", "problem"),
    [("Main.ML.Churn", "upper-case"), ("main.ml.a@b", "'@'"), ("main.ml.a b", "a b")],
)
def test_three_level_names_must_be_valid_lowercase(logged: Logged, name: str, problem: str) -> None:
    from mlflow import MlflowClient

    with pytest.raises(InvalidNameError, match=problem):
        MlflowClient().create_registered_model(name)
    MlflowClient().create_registered_model("main.ml.ok")
    with pytest.raises(InvalidNameError):
        MlflowClient().rename_registered_model("main.ml.ok", name)


def test_copying_an_unsigned_version_is_refused(logged: Logged, ws: Workspace) -> None:
    from mlflow import MlflowClient

    # A version written past the store's rules (MLflow's own SQLite store on the same file).
    bypass = MlflowClient(registry_uri=f"sqlite:///{ws.settings.mlflow_db}")
    bypass.create_registered_model("main.default.legacy")
    bypass.create_model_version("main.default.legacy", logged.unsigned, run_id=logged.run_id)
    bypass.set_registered_model_alias("main.default.legacy", "old", "1")
    for source in ("models:/main.default.legacy/1", "models:/main.default.legacy@old"):
        with pytest.raises(SignatureRequiredError, match="logged without a signature"):
            MlflowClient().copy_model_version(source, "main.default.copy")


def _model_id(client: Any, logged: Logged, name: str) -> str:
    run = client.get_run(logged.run_id)
    found = [m for m in client.search_logged_models(experiment_ids=[run.info.experiment_id])]
    return str(next(m.model_id for m in found if m.name == name))
