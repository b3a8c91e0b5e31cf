"""FeatureEngineeringClient end to end: feature tables → functions → point-in-time training set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from lakeforge.errors import ValidationError
from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureFunction, FeatureLookup
from lakeforge.feature_engineering.entities.feature_lookup import FeatureLookup as EntityLookup
from lakeforge.tables.workspace import Workspace

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def ratio(spend: float, visits: int) -> float:
    return spend / visits if visits else 0.0


@pytest.fixture
def fe(ws: Workspace, ws_path: Path) -> FeatureEngineeringClient:
    ws.schemas.create("main", "fs")
    client = FeatureEngineeringClient(workspace=ws_path)
    client.create_table(
        name="main.fs.spend",
        primary_keys=["customer_id", "ts"],
        timeseries_column="ts",
        df=pd.DataFrame(
            {
                "customer_id": [1, 1, 2, 2],
                "ts": [T0, T0 + timedelta(days=2), T0, T0 + timedelta(days=40)],
                "spend": [10.0, 20.0, 5.0, 7.0],
            }
        ),
        description="spend per customer",
    )
    client.create_table(
        name="main.fs.profile",
        primary_keys="customer_id",
        df=pl.DataFrame({"customer_id": [1, 2], "visits": [4, 0], "segment": ["a", "b"]}),
    )
    client.create_function(name="main.fs.ratio", function=ratio)
    return client


def spine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [2, 1, 1, 3],
            "event_ts": [
                T0 + timedelta(days=45),
                T0 + timedelta(days=1),
                T0 + timedelta(days=3),
                T0,
            ],
            "churned": [1.0, 0.0, 1.0, 0.0],
        }
    )


def lookups() -> list[object]:
    return [
        FeatureLookup(
            table_name="main.fs.spend",
            lookup_key="customer_id",
            timestamp_lookup_key="event_ts",
            lookback_window=timedelta(days=30),
        ),
        FeatureLookup(
            table_name="main.fs.profile",
            lookup_key=["customer_id"],
            feature_names=["visits"],
            default_values={"visits": 1},
        ),
        FeatureFunction(
            udf_name="main.fs.ratio",
            input_bindings={"spend": "spend", "visits": "visits"},
            output_name="spend_per_visit",
        ),
    ]


def test_training_set_joins_point_in_time_in_spec_order(fe: FeatureEngineeringClient) -> None:
    ts = fe.create_training_set(
        df=spine(), feature_lookups=lookups(), label="churned", problem_type="classification"
    )
    out = ts.load_df()
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [
        "customer_id",
        "event_ts",
        "spend",
        "visits",
        "spend_per_visit",
        "churned",
    ]
    # customer 2 at day 45: the day-40 row is within 30 days; customer 1 at day 1 sees day 0
    assert out["spend"].tolist()[:3] == [7.0, 10.0, 20.0]
    assert pd.isna(out["spend"].tolist()[3])  # customer 3 has no rows
    assert out["visits"].tolist() == [0, 4, 4, 1]  # default fills the missing customer
    assert out["spend_per_visit"].tolist()[:3] == [0.0, 2.5, 5.0]
    assert out["churned"].dtype == "int64"
    assert any("cast double -> bigint" in line for line in ts.report)
    assert [c.name for c in ts.feature_spec.input_columns] == [
        "customer_id",
        "event_ts",
        "spend",
        "visits",
        "spend_per_visit",
    ]
    assert "churned" not in ts.feature_spec.column_names()


def test_load_df_is_reproducible_after_later_writes(fe: FeatureEngineeringClient) -> None:
    ts = fe.create_training_set(df=spine(), feature_lookups=lookups(), label="churned")
    before = ts.load_df()
    fe.write_table(
        name="main.fs.spend",
        df=pd.DataFrame({"customer_id": [1], "ts": [T0], "spend": [999.0]}),
    )
    pd.testing.assert_frame_equal(ts.load_df(), before)
    assert ts.table_versions == {"main.fs.spend": 0, "main.fs.profile": 0}
    fresh = fe.create_training_set(df=spine(), feature_lookups=lookups(), label="churned")
    assert fresh.load_df()["spend"].tolist()[1] == 999.0


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_load_df_returns_the_input_kind(fe: FeatureEngineeringClient, kind: str) -> None:
    frame = pa.Table.from_pandas(spine(), preserve_index=False)
    given = {"pandas": spine(), "polars": pl.from_arrow(frame), "arrow": frame}[kind]
    out = fe.create_training_set(df=given, feature_lookups=lookups(), label="churned").load_df()
    assert (
        type(out).__module__.split(".")[0]
        == {"pandas": "pandas", "polars": "polars", "arrow": "pyarrow"}[kind]
    )


def test_excluded_key_stays_in_spec_but_not_in_output(fe: FeatureEngineeringClient) -> None:
    ts = fe.create_training_set(
        df=spine(), feature_lookups=lookups(), label="churned", exclude_columns=["customer_id"]
    )
    assert "customer_id" not in list(ts.load_df().columns)
    names = ts.feature_spec.column_names(included_only=False)
    assert names[0] == "customer_id"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(customer_id=d.customer_id.astype("int32")), "customer_id.*int.*bigint"),
        (lambda d: d.drop(columns="event_ts"), "event_ts"),
        (lambda d: d.assign(spend=1.0), "collides with DataFrame column 'spend'"),
    ],
)
def test_invalid_inputs_name_the_fix(fe: FeatureEngineeringClient, change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match=message):
        fe.create_training_set(df=change(spine()), feature_lookups=lookups(), label="churned")


def test_label_rules(fe: FeatureEngineeringClient) -> None:
    with pytest.raises(ValidationError, match="label 'nope' is not a column"):
        fe.create_training_set(df=spine(), feature_lookups=lookups(), label="nope")
    with pytest.raises(ValidationError, match="also in exclude_columns"):
        fe.create_training_set(
            df=spine(), feature_lookups=lookups(), label="churned", exclude_columns=["churned"]
        )
    with pytest.raises(ValidationError, match="listed twice"):
        fe.create_training_set(df=spine(), feature_lookups=lookups(), label=["churned", "churned"])
    leaky = [
        FeatureLookup(
            table_name="main.fs.spend",
            lookup_key="customer_id",
            timestamp_lookup_key="event_ts",
            rename_outputs={"spend": "churned"},
        )
    ]
    with pytest.raises(ValidationError, match="same name as the label"):
        fe.create_training_set(df=spine(), feature_lookups=leaky, label="churned")


def test_key_count_mismatch_lists_both(fe: FeatureEngineeringClient) -> None:
    no_ts = [FeatureLookup(table_name="main.fs.spend", lookup_key="customer_id")]
    with pytest.raises(ValidationError, match=r"timestamp_lookup_key \[\] has 0 column"):
        fe.create_training_set(df=spine(), feature_lookups=no_ts, label="churned")


def test_exactly_one_feature_source(fe: FeatureEngineeringClient) -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        fe.create_training_set(df=spine(), label="churned")
    with pytest.raises(TypeError, match="unexpected keyword"):
        fe.create_training_set(df=spine(), feature_lookups=lookups(), label=None, bogus=1)
    with pytest.raises(TypeError, match="must be a list"):
        fe.create_training_set(df=spine(), feature_lookups=lookups()[0], label=None)  # type: ignore[arg-type]


def test_entity_modules_are_the_same_classes() -> None:
    assert EntityLookup is FeatureLookup


def test_client_table_round_trip(fe: FeatureEngineeringClient) -> None:
    table = fe.get_table(name="main.fs.spend")
    assert table.primary_keys == ["customer_id", "ts"]
    assert table.timestamp_keys == ["ts"]
    fe.set_feature_table_tag(name="main.fs.spend", key="team", value="growth")
    assert fe.get_table(name="main.fs.spend").tags == {"team": "growth"}
    assert len(fe.read_table(name="main.fs.spend")) == 4
    assert isinstance(fe.read_table(name="main.fs.spend", kind="polars"), pl.DataFrame)


def test_legacy_feature_store_paths_are_the_same_classes() -> None:
    from lakeforge.feature_engineering.entities.training_set import TrainingSet
    from lakeforge.feature_store import FeatureFunction as LegacyFunction
    from lakeforge.feature_store import FeatureLookup as LegacyLookup
    from lakeforge.feature_store.entities.training_set import TrainingSet as LegacyTrainingSet

    assert LegacyLookup is FeatureLookup
    assert LegacyFunction is FeatureFunction
    assert LegacyTrainingSet is TrainingSet
