"""score_batch: keys in, features looked up as in training, predictions out (api-compat §1.15).

Acceptance: feature tables → training set → scikit-learn and LightGBM models → log_model →
score_batch with keys only → predictions equal ``model.predict`` on the training features.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import _feature_world as fw  # tests/models on the path (pytest pythonpath)
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import yaml

from lakeforge.errors import (
    ConfigurationError,
    EnvironmentMismatchError,
    ModelLayoutError,
    ScoringError,
    ScoringInputError,
    ValidationError,
)
from lakeforge.models.environment import EnvironmentMismatchWarning
from lakeforge.models.feature_inputs import FeatureTableChangedWarning
from lakeforge.models.packaging import log_model
from lakeforge.scoring.batch import iter_score_batches, score_batch
from lakeforge.tables.workspace import Workspace

# MLflow warns once per process when mlflow.pyfunc is first imported (its own response types use
# `Any` hints); whichever test imports a flavor first would fail on it. Only that message.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]
FIXTURE = Path(__file__).parents[1] / "models" / "fixtures" / "reference_model"


@pytest.fixture
def world(ws: Workspace, ws_path: Path, mlflow_db_template: Path) -> Any:
    fw.seed_mlflow_db(ws, mlflow_db_template)
    return fw.build(ws, ws_path)


@pytest.fixture
def sk(world: Any) -> Any:
    return fw.sklearn_model(world)


@pytest.fixture
def sk_uri(ws: Workspace, world: Any, sk: Any) -> str:
    import mlflow.sklearn

    return str(log_model(ws, sk, "model", mlflow.sklearn, world.training_set).model_uri)


def test_keys_only_scoring_matches_training_predictions_for_sklearn_and_lightgbm(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.lightgbm
    import mlflow.sklearn

    lgbm = fw.lightgbm_model(world)
    for model, flavor in ((sk, mlflow.sklearn), (lgbm, mlflow.lightgbm)):
        info = log_model(ws, model, "model", flavor, world.training_set)
        scored = score_batch(ws, info.model_uri, world.keys)
        expected = model.predict(world.x)
        assert len(scored) == len(world.spine)
        mismatches = int((scored["prediction"].to_numpy() != expected.astype("float64")).sum())
        assert mismatches == 0, type(model).__name__
        # the features were looked up exactly as for training
        pd.testing.assert_frame_equal(
            scored[fw.FEATURES].reset_index(drop=True), world.x.reset_index(drop=True)
        )
        assert list(scored.columns) == ["customer_id", "event_ts", *fw.FEATURES, "prediction"]
        assert scored["prediction"].dtype == "float64"


def test_output_keeps_input_columns_first_and_adds_only_missing_features(
    ws: Workspace, world: Any, sk_uri: str
) -> None:
    df = world.keys.assign(note="x")[["note", "event_ts", "customer_id"]]
    df["age"] = 50.0  # an override: kept in place, not looked up
    scored = score_batch(ws, sk_uri, df)
    assert list(scored.columns) == [
        "note",
        "event_ts",
        "customer_id",
        "age",
        "spend",
        "visits",
        "tenure",
        "spend_per_visit",
        "prediction",
    ]
    assert (scored["age"] == 50.0).all()


def test_feature_columns_in_the_input_override_lookups(
    ws: Workspace, world: Any, sk: Any, sk_uri: str
) -> None:
    df = world.keys
    df["spend"] = 1e6
    scored = score_batch(ws, sk_uri, df)
    x = world.x.copy()
    x["spend"] = 1e6
    # spend_per_visit is computed from the overriding spend, as the function is replayed on it
    x["spend_per_visit"] = x["spend"] / x["visits"]
    assert np.array_equal(scored["prediction"].to_numpy(), sk.predict(x).astype("float64"))
    assert np.allclose(scored["spend_per_visit"], x["spend_per_visit"])


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow", "reader"])
def test_input_kind_is_preserved_and_batches_give_the_same_result(
    ws: Workspace, world: Any, sk_uri: str, kind: str
) -> None:
    expected = score_batch(ws, sk_uri, world.keys)
    table = pa.Table.from_pandas(world.keys, preserve_index=False)
    given: Any = {
        "pandas": world.keys,
        "polars": pl.from_arrow(table),
        "arrow": table,
        "reader": pa.RecordBatchReader.from_batches(
            table.schema, table.to_batches(max_chunksize=7)
        ),
    }[kind]
    scored = score_batch(ws, sk_uri, given, batch_rows=50)
    kinds = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "arrow": pa.Table}
    assert isinstance(scored, kinds.get(kind, pa.Table))
    frame = scored if kind == "pandas" else scored.to_pandas()
    pd.testing.assert_frame_equal(frame, expected)


def test_iter_score_batches_streams_chunks_in_order(ws: Workspace, world: Any, sk_uri: str) -> None:
    from lakeforge.models.feature_model import load

    model = load(ws.settings, sk_uri)
    chunks = list(iter_score_batches(ws, model, world.keys, batch_rows=100))
    assert [c.num_rows for c in chunks] == [100, 100, 40]
    whole = pa.concat_tables(chunks).to_pandas()
    pd.testing.assert_frame_equal(whole, score_batch(ws, sk_uri, world.keys))


def test_client_streams_a_reader_chunk_by_chunk_and_checks_input_up_front(
    world: Any, sk_uri: str
) -> None:
    fe = world.fe
    table = pa.Table.from_pandas(world.keys, preserve_index=False)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=30))
    chunks = fe.iter_score_batches(model_uri=sk_uri, df=reader, batch_rows=100)
    parts = list(chunks)
    assert [p.num_rows for p in parts] == [100, 100, 40]
    assert all(isinstance(p, pa.Table) for p in parts)
    expected = fe.score_batch(model_uri=sk_uri, df=world.keys)
    pd.testing.assert_frame_equal(pa.concat_tables(parts).to_pandas(), expected)
    # bad input fails when the call is made, not at the first iteration
    with pytest.raises(ScoringInputError, match="required columns are missing"):
        fe.iter_score_batches(model_uri=sk_uri, df=pd.DataFrame({"other": [1]}))


class _Doubler:
    """A transformer outside scikit-learn: skops does not trust it."""

    def fit(self, x: Any, y: Any = None) -> _Doubler:
        return self

    def transform(self, x: Any) -> Any:
        return x * 2


def test_tree_ensembles_log_and_score_without_naming_skops_types(ws: Workspace, world: Any) -> None:
    import mlflow.sklearn
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(world.x, world.y)
    boosted = GradientBoostingClassifier(n_estimators=5).fit(world.x, world.y)
    for model in (forest, boosted):
        info = log_model(ws, model, "model", mlflow.sklearn, world.training_set)
        scored = score_batch(ws, info.model_uri, world.keys)
        expected = model.predict(world.x).astype("float64")
        assert int((scored["prediction"].to_numpy() != expected).sum()) == 0


def test_types_skops_does_not_trust_stop_logging_with_the_fix(ws: Workspace, world: Any) -> None:
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    doubler = _Doubler()
    pipeline = make_pipeline(
        FunctionTransformer(doubler.transform), LogisticRegression(max_iter=2000)
    ).fit(world.x, world.y)
    with pytest.raises(ValidationError, match="skops does not trust") as caught:
        log_model(ws, pipeline, "model", mlflow.sklearn, world.training_set)
    assert "_Doubler" in str(caught.value)
    assert "skops_trusted_types=" in str(caught.value)
    # the user's explicit choice is respected
    info = log_model(
        ws,
        pipeline,
        "model",
        mlflow.sklearn,
        world.training_set,
        serialization_format="cloudpickle",
    )
    scored = score_batch(ws, info.model_uri, world.keys)
    assert scored["prediction"].notna().all()


def test_missing_required_columns_are_all_listed(ws: Workspace, world: Any, sk_uri: str) -> None:
    with pytest.raises(ScoringInputError, match="required columns are missing") as caught:
        score_batch(ws, sk_uri, pd.DataFrame({"other": [1]}))
    assert caught.value.columns == ["customer_id", "event_ts"]


def test_reserved_and_duplicate_columns_are_refused(ws: Workspace, world: Any, sk_uri: str) -> None:
    with pytest.raises(ScoringInputError, match="'prediction'"):
        score_batch(ws, sk_uri, world.keys.assign(prediction=1.0))
    duplicated = pa.table([[1], [2]], names=["customer_id", "customer_id"])
    with pytest.raises(ScoringInputError, match="duplicate") as caught:
        score_batch(ws, sk_uri, duplicated)
    assert caught.value.columns == ["customer_id"]


def test_wrong_types_name_the_columns(ws: Workspace, world: Any, sk_uri: str) -> None:
    df = world.keys.astype({"customer_id": "int32"})
    df["event_ts"] = df["event_ts"].astype(str)
    df["age"] = "old"
    with pytest.raises(ScoringInputError, match="other types") as caught:
        score_batch(ws, sk_uri, df)
    assert caught.value.columns == [
        "customer_id (int, model expects bigint)",
        "event_ts (string, model expects timestamp_ntz)",
        "age (string, model expects double)",
    ]


def test_nan_for_a_model_that_cannot_take_it_names_the_columns(
    ws: Workspace, world: Any, sk_uri: str
) -> None:
    unknown = pd.DataFrame({"customer_id": [1, 999], "event_ts": [fw.T0 + timedelta(days=5)] * 2})
    with pytest.raises(ScoringInputError, match="LogisticRegression cannot take") as caught:
        score_batch(ws, sk_uri, unknown)
    assert caught.value.columns == [
        "spend (1 rows)",
        "visits (1 rows)",
        "age (1 rows)",
        "tenure (1 rows)",
    ]
    assert caught.value.__context__ is None  # refused before the learner ran
    with pytest.raises(ScoringInputError, match="infinite") as caught:
        score_batch(ws, sk_uri, unknown.head(1).assign(spend=np.inf))
    assert caught.value.columns == ["spend (1 rows)", "spend_per_visit (1 rows)"]


def test_lightgbm_and_histgradientboosting_take_missing_values(ws: Workspace, world: Any) -> None:
    import mlflow.lightgbm
    import mlflow.sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier

    unknown = pd.DataFrame({"customer_id": [1, 999], "event_ts": [fw.T0 + timedelta(days=5)] * 2})
    hgb = HistGradientBoostingClassifier(max_iter=10).fit(world.x, world.y)
    for model, flavor in ((fw.lightgbm_model(world), mlflow.lightgbm), (hgb, mlflow.sklearn)):
        info = log_model(ws, model, "model", flavor, world.training_set)
        scored = score_batch(ws, info.model_uri, unknown)
        assert scored["prediction"].notna().all()
        assert scored["spend"].isna().tolist() == [False, True]


def test_a_learner_failure_on_nan_in_a_pipeline_is_a_column_level_error(
    ws: Workspace, world: Any
) -> None:
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(world.x, world.y)
    info = log_model(ws, pipeline, "model", mlflow.sklearn, world.training_set)
    unknown = pd.DataFrame({"customer_id": [999], "event_ts": [fw.T0]})
    with pytest.raises(ScoringInputError, match=r"Pipeline cannot take.*ValueError") as caught:
        score_batch(ws, info.model_uri, unknown)
    assert "age (1 rows)" in caught.value.columns


def test_result_type_types_the_prediction(ws: Workspace, world: Any, sk_uri: str) -> None:
    scored = score_batch(ws, sk_uri, world.keys, result_type="string")
    assert set(scored["prediction"]) <= {"0", "1"}
    as_int = score_batch(ws, sk_uri, pl.from_pandas(world.keys), result_type="bigint")
    assert as_int["prediction"].dtype == pl.Int64
    with pytest.raises(ScoringError, match="result_type 'array<double>'"):
        score_batch(ws, sk_uri, world.keys, result_type="array<double>")


def test_output_table_appends_scores_with_model_identity(
    ws: Workspace, world: Any, sk: Any
) -> None:
    import mlflow.sklearn

    info = log_model(
        ws, sk, "model", mlflow.sklearn, world.training_set, registered_model_name="main.fs.churn"
    )
    assert info.registered_model_version == 1
    from lakeforge.models.registry import Registry

    Registry(ws).set_alias("main.fs.churn", "Champion", 1)
    score_batch(ws, "models:/main.fs.churn/1", world.keys.head(3), output_table="main.fs.scores")
    score_batch(ws, "models:/main.fs.churn@Champion", world.keys.head(2), output_table="scores")
    stored = ws.table("main.default.scores", kind="pandas")
    assert len(stored) == 2
    stored = ws.table("main.fs.scores", kind="pandas")
    assert len(stored) == 3
    assert set(stored["model_name"]) == {"main.fs.churn"}
    assert set(stored["model_version"]) == {"1"}
    assert set(stored["model_uri"]) == {"models:/main.fs.churn/1"}
    assert str(stored["scored_at"].dtype).startswith("datetime64")
    score_batch(ws, info.model_uri, world.keys.head(4), output_table="main.fs.scores")
    again = ws.table("main.fs.scores", kind="pandas")
    assert len(again) == 7 and again["model_name"].isna().sum() == 4


def test_framework_version_mismatch_warns_or_refuses(
    ws: Workspace, world: Any, sk_uri: str, tmp_path: Path
) -> None:
    import mlflow

    local = Path(mlflow.artifacts.download_artifacts(sk_uri, dst_path=str(tmp_path / "copy")))
    mlmodel = local / "MLmodel"
    doc = yaml.safe_load(mlmodel.read_text())
    doc["metadata"]["lakeforge"]["versions"]["scikit-learn"] = "0.24.2"
    mlmodel.write_text(yaml.safe_dump(doc))
    with pytest.warns(EnvironmentMismatchWarning, match=r"scikit-learn==0\.24\.2") as caught:
        scored = score_batch(ws, str(local), world.keys.head(5))
    assert len(scored) == 5
    import sklearn

    assert f"scikit-learn=={sklearn.__version__} is installed" in str(caught[0].message)
    with pytest.raises(EnvironmentMismatchError, match="scikit-learn") as refused:
        score_batch(ws, str(local), world.keys.head(5), strict_environment=True)
    assert (refused.value.required, refused.value.current) == ("0.24.2", sklearn.__version__)


def _reference_model(
    ws: Workspace, world: Any, target: Path, *, real_ids: bool
) -> tuple[Path, Any]:
    """The hand-made reference-layout fixture plus a raw sklearn model trained on its spec."""
    import mlflow.sklearn
    from sklearn.ensemble import RandomForestClassifier

    shutil.copytree(FIXTURE, target)
    spec_file = target / "data" / "feature_store" / "feature_spec.yaml"
    if real_ids:
        text = spec_file.read_text()
        for placeholder, table in (
            ("9c4e3b1a-reference-table-id", "main.fs.activity"),
            ("5f7d2c8e-reference-table-id", "main.fs.profile"),
        ):
            text = text.replace(placeholder, ws.tables.get(table).table_id)
        spec_file.write_text(text)
    columns = ["spend", "visits", "age"]
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(world.x[columns], world.y)
    mlflow.sklearn.save_model(
        model,
        str(target / "data" / "feature_store" / "raw_model"),
        pip_requirements=[f"scikit-learn=={__import__('sklearn').__version__}"],
        skops_trusted_types=["sklearn.tree._tree.Tree"],  # MLflow's skops format needs it for RF
    )
    return target, model


def test_reference_layout_directory_scores_locally(
    ws: Workspace, world: Any, tmp_path: Path
) -> None:
    path, model = _reference_model(ws, world, tmp_path / "ref", real_ids=True)
    scored = score_batch(ws, str(path), world.keys)
    expected = model.predict(world.x[["spend", "visits", "age"]]).astype("float64")
    assert np.array_equal(scored["prediction"].to_numpy(), expected)
    assert list(scored.columns) == [
        "customer_id",
        "event_ts",
        "spend",
        "visits",
        "age",
        "prediction",
    ]


def test_recreated_feature_table_warns_with_both_table_ids(
    ws: Workspace, world: Any, tmp_path: Path
) -> None:
    path, _ = _reference_model(ws, world, tmp_path / "ref", real_ids=False)
    with pytest.warns(FeatureTableChangedWarning) as caught:
        score_batch(ws, path.as_uri(), world.keys.head(3))
    messages = sorted(str(w.message) for w in caught)
    activity = ws.tables.get("main.fs.activity").table_id
    assert len(messages) == 2
    assert "'main.fs.activity' has table_id " + activity in messages[0]
    assert "logged against table_id 9c4e3b1a-reference-table-id" in messages[0]
    assert "'main.fs.profile'" in messages[1]


def test_not_a_feature_model_and_bad_uris_are_clear_errors(
    ws: Workspace, world: Any, sk: Any, tmp_path: Path
) -> None:
    import mlflow.sklearn

    plain = tmp_path / "plain"
    mlflow.sklearn.save_model(sk, str(plain), pip_requirements=["scikit-learn"])
    with pytest.raises(ModelLayoutError, match=r"loader_module is 'mlflow\.sklearn'"):
        score_batch(ws, str(plain), world.keys)
    with pytest.raises(ModelLayoutError, match="MLmodel is missing"):
        score_batch(ws, str(tmp_path / "nothing"), world.keys)
    with pytest.raises(ModelLayoutError, match="cannot be downloaded"):
        score_batch(ws, "runs:/0123456789abcdef/model", world.keys)
    with pytest.raises(ValidationError, match="env_manager"):
        score_batch(ws, str(plain), world.keys, env_manager="virtualenv")
    with pytest.raises(ConfigurationError, match="registry_uri"):
        score_batch(ws, str(plain), world.keys, registry_uri="sqlite:////tmp/other.db")
    with pytest.raises(ValidationError, match="batch_rows"):
        list(iter_score_batches(ws, None, world.keys, batch_rows=0))  # type: ignore[arg-type]


def test_client_facade_logs_and_scores(world: Any, sk: Any) -> None:
    import mlflow.sklearn

    fe = world.fe
    info = fe.log_model(
        model=sk, artifact_path="model", flavor=mlflow.sklearn, training_set=world.training_set
    )
    by_run = f"runs:/{info.run_id}/model"  # the reference's URI form, besides models:/m-<id>
    scored = fe.score_batch(model_uri=by_run, df=pl.from_pandas(world.keys))
    assert isinstance(scored, pl.DataFrame)
    assert scored["prediction"].to_list() == sk.predict(world.x).astype("float64").tolist()


def test_empty_input_gives_an_empty_typed_result(ws: Workspace, world: Any, sk_uri: str) -> None:
    empty = pa.Table.from_pandas(world.keys.head(0), preserve_index=False)
    reader = pa.RecordBatchReader.from_batches(empty.schema, [])
    scored = score_batch(ws, sk_uri, reader, result_type="string")
    assert scored.num_rows == 0
    assert scored.column_names[-1] == "prediction"
    assert scored.schema.field("prediction").type == pa.string()
