"""log_model: reference layout, signature, pinned requirements, lineage on the run, loading."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import _feature_world as fw  # tests/models on the path (pytest pythonpath)
import pandas as pd
import pytest
import yaml

from lakeforge.errors import SignatureRequiredError, UnsupportedFlavorError, ValidationError
from lakeforge.features.spec import FeatureSpec
from lakeforge.models import feature_model, tracking
from lakeforge.models.packaging import feature_signature, log_model, mlflow_type
from lakeforge.tables.workspace import Workspace

# MLflow warns once per process when mlflow.pyfunc is first imported (its own response types use
# `Any` hints); whichever test imports a flavor first would fail on it. Only that message.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]


@pytest.fixture
def world(ws: Workspace, ws_path: Path, mlflow_db_template: Path) -> Any:
    fw.seed_mlflow_db(ws, mlflow_db_template)
    return fw.build(ws, ws_path)


@pytest.fixture
def sk(world: Any) -> Any:
    return fw.sklearn_model(world)


def _local(ws: Workspace, uri: str, tmp_path: Path) -> Path:
    mlflow = tracking.mlflow_module(ws.settings)
    return Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path / "download")))


def test_log_model_writes_the_reference_layout(
    ws: Workspace, world: Any, sk: Any, tmp_path: Path
) -> None:
    import mlflow.sklearn
    import sklearn

    info = log_model(ws, sk, "churn_model", mlflow.sklearn, world.training_set)
    root = _local(ws, info.model_uri, tmp_path)
    mlmodel = yaml.safe_load((root / "MLmodel").read_text())
    pyfunc = mlmodel["flavors"]["python_function"]
    assert pyfunc["loader_module"] == "lakeforge.models.feature_model"
    assert pyfunc["data"] == "data/feature_store"
    store = root / "data" / "feature_store"
    spec_text = (store / "feature_spec.yaml").read_text()
    assert spec_text == world.training_set.feature_spec.to_yaml()
    assert "serialization_version: 11" in spec_text
    raw = yaml.safe_load((store / "raw_model" / "MLmodel").read_text())
    assert raw["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
    assert "signature" not in raw  # the raw model's signature has no inputs (reference)
    import lakeforge

    requirements = (root / "requirements.txt").read_text().split()
    assert requirements == [
        f"scikit-learn=={sklearn.__version__}",
        f"mlflow=={mlflow.__version__}",
        f"lakeforge=={lakeforge.__version__}",
    ]
    assert (store / "raw_model" / "requirements.txt").read_text().split() == requirements[:2]
    versions = mlmodel["metadata"]["lakeforge"]
    assert versions["framework"] == "scikit-learn"
    assert versions["versions"]["scikit-learn"] == sklearn.__version__


def test_signature_sources_required_features_optional_outputs_from_labels(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.sklearn

    info = log_model(ws, sk, "model", mlflow.sklearn, world.training_set)
    inputs = {c["name"]: (c["type"], c["required"]) for c in info.signature.inputs.to_dict()}
    assert inputs == {
        "customer_id": ("long", True),
        "event_ts": ("datetime", True),
        "spend": ("double", False),
        "visits": ("long", False),
        "age": ("double", False),
        "tenure": ("long", False),
        "spend_per_visit": ("double", False),
    }
    assert info.signature.outputs.to_dict() == [
        {"type": "long", "name": "churned", "required": True}
    ]
    params = info.signature.params.to_dict()
    assert params == [
        {"name": "result_type", "type": "string", "default": "NO_RESULT_TYPE", "shape": None}
    ]


def test_output_schema_wins_and_unlabelled_sets_infer_outputs_from_predictions(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.sklearn
    from mlflow.types import ColSpec, Schema

    given = Schema([ColSpec("double", "score")])
    info = log_model(ws, sk, "a", mlflow.sklearn, world.training_set, output_schema=given)
    assert info.signature.outputs == given
    unlabelled = world.fe.create_training_set(
        df=world.keys,
        feature_lookups=fw.lookups(),
        label=None,
        exclude_columns=["customer_id", "event_ts"],
    )
    inferred = log_model(ws, sk, "b", mlflow.sklearn, unlabelled)
    assert inferred.signature.outputs.to_dict() == [
        {"type": "long", "name": "prediction", "required": True}
    ]


def test_mlflow_types_cover_nested_and_decimal_columns() -> None:
    from mlflow.types import DataType
    from mlflow.types.schema import Array, Map, Object, Property

    assert mlflow_type("int") == DataType.integer
    assert mlflow_type("smallint") == DataType.integer
    assert mlflow_type("bigint") == DataType.long
    assert mlflow_type("timestamp") == DataType.datetime
    assert mlflow_type("date") == DataType.datetime
    assert mlflow_type("decimal(10,2)") == DataType.double
    assert mlflow_type("array<double>") == Array(DataType.double)
    assert mlflow_type("map<string,array<bigint>>") == Map(Array(DataType.long))
    assert mlflow_type("struct<a:int,b:string>") == Object(
        [Property("a", DataType.integer), Property("b", DataType.string)]
    )
    with pytest.raises(ValidationError, match="map<bigint,double>"):
        mlflow_type("map<bigint,double>")


def test_lineage_and_versions_are_recorded_on_the_run(ws: Workspace, world: Any, sk: Any) -> None:
    import mlflow
    import sklearn

    info = log_model(ws, sk, "model", mlflow.sklearn, world.training_set)
    run = tracking.client(ws.settings).get_run(info.run_id)
    tags = run.data.tags
    assert tags["lakeforge.env.scikit-learn"] == sklearn.__version__
    assert tags["lakeforge.env.mlflow"] == mlflow.__version__
    assert tags["lakeforge.env.lakeforge"] == __import__("lakeforge").__version__
    pinned = world.training_set.table_versions
    assert pinned == {"main.fs.activity": 0, "main.fs.profile": 0}
    for table, version in pinned.items():
        assert tags[f"lakeforge.feature_table.{table}"] == str(version)
    assert json.loads(tags["lakeforge.labels"]) == [{"name": "churned", "type": "bigint"}]
    inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
    assert set(inputs) == {"main.fs.activity", "main.fs.profile", "label_table"}
    label_table = inputs["label_table"]
    assert [(t.key, t.value) for t in label_table.tags] == [("mlflow.data.context", "training")]
    assert json.loads(label_table.dataset.profile) == {"num_rows": len(world.spine)}
    label_columns = json.loads(label_table.dataset.schema)["mlflow_colspec"]
    assert [c["name"] for c in label_columns] == ["customer_id", "event_ts", "churned"]
    activity = inputs["main.fs.activity"]
    source = json.loads(activity.dataset.source)
    assert activity.dataset.source_type == "delta_table"
    assert source["delta_table_version"] == 0
    assert source["delta_table_id"] == ws.tables.get("main.fs.activity").table_id
    assert [(t.key, t.value) for t in activity.tags] == [("mlflow.data.context", "feature_table")]
    schema = json.loads(activity.dataset.schema)["mlflow_colspec"]
    assert [c["name"] for c in schema] == ["spend", "visits"]


def test_a_training_set_built_inside_a_run_is_recorded_on_that_run(
    ws: Workspace, world: Any
) -> None:
    """Guardrail 2: lineage lands on the active run without the user logging anything."""
    fe = world.fe
    spine = world.spine
    with tracking.start_run(ws.settings, "/lineage") as run:
        training_set = fe.create_training_set(
            df=spine, feature_lookups=fw.lookups(), label="churned", exclude_columns=["event_ts"]
        )
    recorded = tracking.client(ws.settings).get_run(run.run_id)
    inputs = {d.dataset.name: d.dataset for d in recorded.inputs.dataset_inputs}
    assert set(inputs) == {"main.fs.activity", "main.fs.profile", "label_table"}
    source = json.loads(inputs["main.fs.profile"].source)
    assert source["delta_table_version"] == training_set.table_versions["main.fs.profile"]
    assert recorded.data.tags["lakeforge.feature_table.main.fs.activity"] == "0"
    # the same labels give the same digest; other labels another one
    from lakeforge.models.lineage import table_digest

    assert inputs["label_table"].digest == table_digest(training_set.label_table())
    changed = spine.assign(churned=1 - spine["churned"])
    other = fe.create_training_set(df=changed, feature_lookups=fw.lookups(), label="churned")
    assert table_digest(other.label_table()) != inputs["label_table"].digest
    # outside a run nothing is recorded anywhere (and no run is started)
    assert not tracking.client(ws.settings).search_runs(
        [recorded.info.experiment_id], filter_string=f"attributes.run_id != '{run.run_id}'"
    )


def test_a_run_is_started_in_an_experiment_named_after_the_model_or_the_active_one_is_used(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.sklearn

    client = tracking.client(ws.settings)
    named = log_model(ws, sk, "model", mlflow.sklearn, world.training_set)
    assert client.get_experiment(client.get_run(named.run_id).info.experiment_id).name == "model"
    assert mlflow.active_run() is None
    with tracking.start_run(ws.settings, "training") as run:
        inside = log_model(ws, sk, "model", mlflow.sklearn, world.training_set)
        lgbm = log_model(ws, fw.lightgbm_model(world), "lgbm", mlflow.lightgbm, world.training_set)
    assert inside.run_id == lgbm.run_id == run.run_id
    tags = client.get_run(run.run_id).data.tags
    assert "lakeforge.env.scikit-learn" in tags and "lakeforge.env.lightgbm" in tags
    chosen = log_model(ws, sk, "m", mlflow.sklearn, world.training_set, experiment_name="x/y")
    assert client.get_experiment(client.get_run(chosen.run_id).info.experiment_id).name == "x/y"


def test_flavors_without_python_function_are_refused_by_name(
    ws: Workspace, world: Any, sk: Any
) -> None:
    no_save = types.ModuleType("my.flavorless")
    with pytest.raises(UnsupportedFlavorError, match=r"'my\.flavorless'.*no save_model"):
        log_model(ws, sk, "model", no_save, world.training_set)  # type: ignore[arg-type]

    def save_model(model: Any, path: str, **kwargs: Any) -> None:
        Path(path).mkdir(parents=True)
        (Path(path) / "MLmodel").write_text("flavors:\n  custom_only: {}\n")

    custom = types.ModuleType("my.custom_flavor")
    custom.save_model = save_model  # type: ignore[attr-defined]
    with pytest.raises(UnsupportedFlavorError, match=r"custom_only.*no python_function") as err:
        log_model(ws, sk, "model", custom, world.training_set)  # type: ignore[arg-type]
    assert err.value.flavor == "my.custom_flavor"


def test_training_set_or_spec_path_exactly_one(
    ws: Workspace, world: Any, sk: Any, tmp_path: Path
) -> None:
    import mlflow.sklearn

    with pytest.raises(ValidationError, match="exactly one"):
        log_model(ws, sk, "model", mlflow.sklearn)
    with pytest.raises(ValidationError, match=r"feature_spec\.yaml"):
        log_model(ws, sk, "model", mlflow.sklearn, feature_spec_path=str(tmp_path / "x.yaml"))
    path = tmp_path / "feature_spec.yaml"
    path.write_text(world.training_set.feature_spec.to_yaml())
    info = log_model(ws, sk, "model", mlflow.sklearn, feature_spec_path=str(path))
    assert info.signature.outputs is None  # no labels, no output_schema: inputs only
    with pytest.raises(SignatureRequiredError):  # ... so the catalog registry refuses it
        log_model(
            ws, sk, "m2", mlflow.sklearn, feature_spec_path=str(path), registered_model_name="c"
        )


def test_logging_never_infers_requirements(
    ws: Workspace, world: Any, sk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requirement inference runs a subprocess per model (seconds); pins replace it. Speed
    itself is measured in bench/log_model.py, not asserted here."""
    import mlflow.sklearn
    import mlflow.utils.requirements_utils as requirements_utils

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pip requirement inference ran (a subprocess per model)")

    monkeypatch.setattr(requirements_utils, "_infer_requirements", refuse)
    info = log_model(ws, sk, "model", mlflow.sklearn, world.training_set)
    import mlflow.artifacts

    uri = f"runs:/{info.run_id}/model/requirements.txt"
    requirements = Path(mlflow.artifacts.download_artifacts(uri))
    pins = requirements.read_text().split()
    assert any(p.startswith("scikit-learn==") for p in pins), pins
    assert any(p.startswith("mlflow==") for p in pins), pins


# MLflow 3.17 saving a pandas input example compares columns with a range, which pandas 3.1
# deprecates (mlflow.models.utils._convert_dataframe_to_split_dict). Only that message.
@pytest.mark.filterwarnings(
    "ignore:Operation with range is deprecated:pandas.errors.Pandas4Warning"
)
def test_pyfunc_models_and_mlflow_load_model_score_with_lookups(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.pyfunc

    class Doubler(mlflow.pyfunc.PythonModel):  # type: ignore[misc,name-defined]
        def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
            return model_input["age"] * 2

    info = log_model(
        ws, Doubler(), "doubler", mlflow.pyfunc, world.training_set, infer_input_example=True
    )
    assert info.saved_input_example_info is not None
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    with feature_model.use_workspace(ws):
        predictions = loaded.predict(world.keys.head(4))
        as_text = loaded.predict(world.keys.head(4), params={"result_type": "string"})
    assert isinstance(predictions, pd.Series) and predictions.name == "prediction"
    assert predictions.tolist() == (world.x["age"].head(4) * 2).tolist()
    assert as_text.tolist() == [str(v) for v in predictions.tolist()]


def test_mlflow_load_model_uses_the_default_workspace(
    ws: Workspace, ws_path: Path, world: Any, sk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow.pyfunc
    import mlflow.sklearn

    from lakeforge.tables import workspace as workspace_module

    info = log_model(ws, sk, "model", mlflow.sklearn, world.training_set)
    monkeypatch.setenv("LAKEFORGE_HOME", str(ws_path))
    try:
        loaded = mlflow.pyfunc.load_model(info.model_uri)
        predictions = loaded.predict(world.keys)
    finally:
        workspace_module.close_default_workspaces()
    assert predictions.tolist() == sk.predict(world.x).astype("float64").tolist()


def test_registered_model_name_registers_a_ready_version(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.sklearn

    info = log_model(
        ws, sk, "model", mlflow.sklearn, world.training_set, registered_model_name="main.fs.Churn"
    )
    assert info.registered_model_version == 1
    from lakeforge.models.registry import Registry

    version = Registry(ws).get_version("main.fs.churn", 1)
    assert version.status == "READY" and version.run_id == info.run_id


def test_feature_signature_of_a_parsed_reference_spec() -> None:
    text = Path(__file__).parent / "fixtures/reference_model/data/feature_store/feature_spec.yaml"
    spec = FeatureSpec.from_yaml(text.read_text())
    signature = feature_signature(spec, [("churned", "bigint")])
    assert [c["name"] for c in signature.inputs.to_dict() if c["required"]] == [
        "customer_id",
        "event_ts",
    ]
