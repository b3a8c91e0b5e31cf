"""bundle deploy / destroy: create, redeploy unchanged, update, remove stale, destroy."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lakeforge.errors import DeploymentError, NotFoundError
from lakeforge.jobs.bundle import load_bundle
from lakeforge.jobs.deploy import DeployResult, deploy_bundle, destroy_bundle
from lakeforge.jobs.deploy_resources import DESCRIPTION_TAG, EndpointHooks
from lakeforge.jobs.deployment import DeploymentStore, deployed_jobs
from lakeforge.tables.workspace import Workspace

ROOT = """
bundle: {name: taxi}
include: [resources/*.yml]
variables:
  catalog: {default: main}
  model_catalog: {default: main}
targets:
  dev: {default: true, mode: development}
"""
RESOURCES = """
resources:
  schemas:
    taxi:
      catalog_name: ${var.catalog}
      name: taxi
      comment: taxi project
  volumes:
    landing:
      catalog_name: ${var.catalog}
      schema_name: taxi
      name: landing
  experiments:
    experiment:
      name: /Users/${workspace.current_user.userName}/${bundle.target}-taxi
      description: taxi runs
  registered_models:
    model:
      catalog_name: ${var.model_catalog}
      schema_name: taxi
      name: fare_model
      comment: fares
  model_serving_endpoints:
    features:
      name: taxi-features
      config:
        served_entities: [{entity_name: main.fs.trip_features}]
  quality_monitors:
    fares:
      table_name: main.taxi.predictions
  jobs:
    train:
      name: train
      tasks:
        - task_key: Train
          spark_python_task: {python_file: ../src/train.py}
"""
ADOPTED = """
resources:
  schemas:
    fs: {catalog_name: main, name: fs}
"""
USER = "ann@example.com"
EXPERIMENT = f"/Users/{USER}/dev-taxi"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def hooks() -> EndpointHooks:
    from lakeforge.serving.control import delete_endpoint, deploy_endpoint

    def deploy(ws: Workspace, body: dict[str, Any]) -> tuple[str, str]:
        record, outcome = deploy_endpoint(ws, body, ws.settings.user)
        return record.endpoint_id, outcome

    return EndpointHooks(deploy=deploy, delete=delete_endpoint)


@pytest.fixture
def world(ws: Workspace, mlflow_db_template: Path, tmp_path: Path) -> Path:
    """A bundle directory; a workspace with MLflow migrated and a feature spec to serve in
    schema ``main.fs``, which exists before any deploy."""
    from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

    shutil.copyfile(mlflow_db_template, ws.settings.mlflow_db)
    ws.schemas.create("main", "fs")
    fe = FeatureEngineeringClient(workspace=ws.settings.workspace)
    trips = pd.DataFrame({"zip": [1], "fare": [2.0]})
    fe.create_table(name="main.fs.trips", primary_keys="zip", df=trips)
    lookups = [FeatureLookup(table_name="main.fs.trips", lookup_key="zip")]
    fe.create_feature_spec(name="main.fs.trip_features", features=lookups)
    files = {"databricks.yml": ROOT, "resources/all.yml": RESOURCES, "src/train.py": "print(1)\n"}
    return write(tmp_path / "taxi", files)


def deploy(ws: Workspace, folder: Path, **variables: str) -> DeployResult:
    bundle = load_bundle(folder, user=USER, variables=variables)
    return deploy_bundle(ws, bundle, endpoints=hooks())


def outcomes(result: DeployResult) -> dict[str, str]:
    return {f"{r.kind}.{r.key}": r.outcome for r in result.resources}


def edit(folder: Path, *changes: tuple[str, str]) -> None:
    path = folder / "resources" / "all.yml"
    text = path.read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)


def test_deploy_creates_everything_then_redeploy_is_unchanged(ws: Workspace, world: Path) -> None:
    from lakeforge.models import tracking
    from lakeforge.models.registry import Registry
    from lakeforge.tables.volume_store import VolumeStore

    result = deploy(ws, world)
    assert outcomes(result) == {
        "schemas.taxi": "created",
        "volumes.landing": "created",
        "experiments.experiment": "created",
        "registered_models.model": "created",
        "jobs.train": "created",
        "model_serving_endpoints.features": "created",
    }
    assert all(r.created for r in result.resources)
    assert ws.schemas.get("main", "taxi").comment == "taxi project"
    assert VolumeStore(ws.settings, ws.metadata).get("main.taxi.landing").name == "landing"
    experiment = tracking.client(ws.settings).get_experiment_by_name(EXPERIMENT)
    assert experiment is not None and experiment.tags[DESCRIPTION_TAG] == "taxi runs"
    assert Registry(ws).describe_model("main.taxi.fare_model").description == "fares"
    record = result.record
    assert record is not None
    endpoint = record.find("model_serving_endpoints", "features")
    assert endpoint is not None
    assert ws.metadata.endpoints.get("taxi-features").endpoint_id == endpoint.id
    [(deployment, job)] = deployed_jobs(ws.settings)
    assert (deployment.bundle, deployment.target, job.key) == ("taxi", "dev", "train")
    assert job.name == "[dev ann] train"
    assert job.definition["tasks"][0]["task_key"] == "Train"
    not_deployed = [n.line() for n in result.notes if n.kind == "not_deployed"]
    assert not_deployed == [
        "resources.quality_monitors.fares: not deployed: lakeforge has no monitoring module yet"
    ]
    assert result.path == DeploymentStore(ws.settings).path("taxi", "dev")
    again = deploy(ws, world)
    assert set(outcomes(again).values()) == {"unchanged"}


def test_redeploy_updates_changes_and_removes_what_left_the_bundle(
    ws: Workspace, world: Path
) -> None:
    from lakeforge.models import tracking
    from lakeforge.models.registry import Registry
    from lakeforge.tables.volume_store import VolumeStore

    deploy(ws, world)
    edit(
        world,
        ("comment: taxi project", "comment: the taxi project"),
        ("comment: fares", "comment: fare model"),
        ("description: taxi runs", "description: every taxi run"),
        (
            "{python_file: ../src/train.py}",
            "{python_file: ../src/train.py}\n          max_retries: 2",
        ),
        (
            "  volumes:\n    landing:\n      catalog_name: ${var.catalog}\n"
            "      schema_name: taxi\n      name: landing\n",
            "",
        ),
    )
    result = deploy(ws, world)
    assert outcomes(result) == {
        "schemas.taxi": "updated",
        "experiments.experiment": "updated",
        "registered_models.model": "updated",
        "jobs.train": "updated",
        "model_serving_endpoints.features": "unchanged",
        "volumes.landing": "deleted",
    }
    assert ws.schemas.get("main", "taxi").comment == "the taxi project"
    assert Registry(ws).describe_model("main.taxi.fare_model").description == "fare model"
    found = tracking.client(ws.settings).get_experiment_by_name(EXPERIMENT)
    assert found is not None and found.tags[DESCRIPTION_TAG] == "every taxi run"
    with pytest.raises(NotFoundError):
        VolumeStore(ws.settings, ws.metadata).get("main.taxi.landing")
    record = DeploymentStore(ws.settings).get("taxi", "dev")
    assert record is not None and record.find("volumes", "landing") is None
    job = record.find("jobs", "train")
    assert job is not None and job.definition["tasks"][0]["max_retries"] == 2


def test_destroy_removes_what_deploy_created_and_only_that(ws: Workspace, world: Path) -> None:
    from lakeforge.models.registry import Registry

    write(world, {"resources/adopted.yml": ADOPTED})
    first = deploy(ws, world)
    assert outcomes(first)["schemas.fs"] == "unchanged"
    record = first.record
    assert record is not None
    adopted = record.find("schemas", "fs")
    assert adopted is not None and not adopted.created
    ws.tables.create("main.taxi.extra", schema="id bigint")  # not the deploy's: keeps the schema
    result = destroy_bundle(ws, "taxi", "dev", endpoints=hooks())
    assert outcomes(result) == {
        "model_serving_endpoints.features": "deleted",
        "jobs.train": "deleted",
        "registered_models.model": "deleted",
        "experiments.experiment": "deleted",
        "volumes.landing": "deleted",
        "schemas.taxi": "kept",
        "schemas.fs": "kept",
    }
    details = {r.key: r.detail for r in result.resources if r.kind == "schemas"}
    assert "main.taxi.extra" in details["taxi"] and "before the first deploy" in details["fs"]
    assert next(iter(outcomes(result))) == "model_serving_endpoints.features"  # reverse order
    ws.schemas.get("main", "fs")
    with pytest.raises(NotFoundError):
        Registry(ws).describe_model("main.taxi.fare_model")
    with pytest.raises(NotFoundError):
        ws.metadata.endpoints.get("taxi-features")
    left = DeploymentStore(ws.settings).get("taxi", "dev")
    assert left is not None and [(r.kind, r.key) for r in left.resources] == [("schemas", "taxi")]
    ws.tables.drop("main.taxi.extra")
    assert outcomes(destroy_bundle(ws, "taxi", "dev")) == {"schemas.taxi": "deleted"}
    assert DeploymentStore(ws.settings).get("taxi", "dev") is None
    assert destroy_bundle(ws, "taxi", "dev").resources == ()  # nothing left: nothing done
    redeployed = deploy(ws, world)  # the deleted experiment is restored, not refused
    assert outcomes(redeployed)["experiments.experiment"] == "created"


def test_a_failing_resource_names_itself_and_keeps_the_record(ws: Workspace, world: Path) -> None:
    with pytest.raises(DeploymentError) as raised:
        deploy(ws, world, model_catalog="nope")
    message = str(raised.value)
    assert "resources.registered_models.model" in message and "nope" in message
    assert "rerun `lakeforge bundle deploy -t dev`" in message
    record = DeploymentStore(ws.settings).get("taxi", "dev")
    assert record is not None
    assert [r.kind for r in record.resources] == ["schemas", "volumes", "experiments"]
    assert set(outcomes(deploy(ws, world)).values()) == {"created", "unchanged"}


def test_endpoints_need_the_serving_hooks(ws: Workspace, world: Path) -> None:
    with pytest.raises(DeploymentError, match="endpoint hooks"):
        deploy_bundle(ws, load_bundle(world))
