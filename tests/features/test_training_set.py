"""create_training_set validation rules (api-compat §1.11) and chaining, each provoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from lakeforge.errors import ValidationError
from lakeforge.features.feature_table import create_feature_table
from lakeforge.features.function import FeatureFunction, create_function
from lakeforge.features.lookup import FeatureLookup
from lakeforge.features.training_set import MAX_FUNCTIONS, create_training_set
from lakeforge.tables.workspace import Workspace

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def region_of(store_id: int) -> str:
    return "r" + str(store_id % 2)


@pytest.fixture
def setup(ws: Workspace) -> Workspace:
    create_feature_table(
        ws,
        "stores",
        ["store_id", "ts"],
        timeseries_column="ts",
        df=pa.table(
            {
                "store_id": [1, 2],
                "ts": pa.array([T0, T0], pa.timestamp("us", tz="UTC")),
                "sales": [10.0, 20.0],
                "manager_id": [7, 8],
            }
        ),
    )
    create_feature_table(
        ws, "managers", ["manager_id"], df=pa.table({"manager_id": [7, 8], "tenure": [3, 9]})
    )
    create_feature_table(
        ws, "regions", ["region"], df=pa.table({"region": ["r0", "r1"], "tax": [0.1, 0.2]})
    )
    ws.tables.create("plain", data=pa.table({"store_id": [1], "x": [1.0]}))
    create_function(ws, "region_of", region_of)
    return ws


def spine() -> pa.Table:
    return pa.table(
        {
            "store_id": [1, 2, 3],
            "at": pa.array([T0 + timedelta(hours=1)] * 3, pa.timestamp("us", tz="UTC")),
            "y": [0, 1, 0],
        }
    )


def stores(**kwargs: object) -> FeatureLookup:
    return FeatureLookup(
        table_name="stores", lookup_key="store_id", timestamp_lookup_key="at", **kwargs
    )  # type: ignore[arg-type]


def test_chained_lookups_and_functions_run_in_dependency_order(setup: Workspace) -> None:
    items = [
        FeatureLookup(table_name="regions", lookup_key="region"),  # needs the function output
        FeatureLookup(table_name="managers", lookup_key="manager_id"),  # needs a lookup output
        FeatureFunction(
            udf_name="region_of", input_bindings={"store_id": "store_id"}, output_name="region"
        ),
        stores(),
    ]
    ts = create_training_set(setup, spine(), items, label="y")
    out = ts.load_df()
    # spec order: source, lookups as given, then functions; execution follows dependencies
    expected = ["store_id", "at", "tax", "tenure", "sales", "manager_id", "region", "y"]
    assert out.column_names == expected
    assert out.column("tenure").to_pylist() == [3, 9, None]
    assert out.column("tax").to_pylist() == [0.2, 0.1, 0.2]
    orders = {c.name: c.topological_ordering for c in ts.feature_spec.input_columns}
    assert orders["sales"] == 1 and orders["region"] == 1
    assert orders["tenure"] == 2 and orders["tax"] == 2


def test_all_non_key_columns_are_frozen_when_feature_names_is_omitted(setup: Workspace) -> None:
    ts = create_training_set(setup, spine(), [stores()], label="y")
    setup.tables.append(
        "stores",
        pa.table(
            {
                "store_id": [9],
                "ts": pa.array([T0], pa.timestamp("us", tz="UTC")),
                "sales": [1.0],
                "manager_id": [1],
                "extra": [1.0],
            }
        ),
    )
    assert ts.feature_spec.column_names() == ["store_id", "at", "sales", "manager_id"]
    assert "extra" not in ts.load_df().column_names


def test_missing_feature_names_the_table(setup: Workspace) -> None:
    with pytest.raises(
        ValidationError, match=r"features \['nope'\] are not in table 'main.default.stores'"
    ):
        create_training_set(setup, spine(), [stores(feature_names=["nope"])], label="y")


def test_lookup_on_a_table_without_primary_key(setup: Workspace) -> None:
    lookup = FeatureLookup(table_name="plain", lookup_key="store_id")
    with pytest.raises(ValidationError, match="no primary key"):
        create_training_set(setup, spine(), [lookup], label="y")


def test_timestamp_key_on_a_table_without_timeseries_key(setup: Workspace) -> None:
    lookup = FeatureLookup(table_name="managers", lookup_key="store_id", timestamp_lookup_key="at")
    with pytest.raises(ValidationError, match=r"timestamp_lookup_key \['at'\] has 1 column"):
        create_training_set(setup, spine(), [lookup], label="y")


def test_key_count_mismatch_names_both_lists(setup: Workspace) -> None:
    lookup = FeatureLookup(table_name="managers", lookup_key=["store_id", "y"])
    with pytest.raises(ValidationError, match=r"\['store_id', 'y'\].*\['manager_id'\]"):
        create_training_set(setup, spine(), [lookup], label=None)


def test_never_produced_input_is_listed(setup: Workspace) -> None:
    lookup = FeatureLookup(table_name="managers", lookup_key="boss_id")
    with pytest.raises(ValidationError, match=r"\['boss_id'\] are neither in the DataFrame"):
        create_training_set(setup, spine(), [lookup], label="y")


def test_duplicate_output_names(setup: Workspace) -> None:
    with pytest.raises(ValidationError, match="'sales' is produced twice"):
        create_training_set(setup, spine(), [stores(), stores()], label="y")


def test_lookbacks_on_one_table_must_agree(setup: Workspace) -> None:
    a = stores(feature_names=["sales"], lookback_window=timedelta(days=1))
    b = stores(feature_names=["manager_id"], lookback_window=timedelta(days=2))
    with pytest.raises(ValidationError, match="different lookback_window"):
        create_training_set(setup, spine(), [a, b], label="y")


def test_function_binding_must_match_parameters(setup: Workspace) -> None:
    bad = FeatureFunction(udf_name="region_of", input_bindings={"store": "store_id"})
    with pytest.raises(ValidationError, match="store_id"):
        create_training_set(setup, spine(), [bad], label="y")


def test_function_output_defaults_to_full_udf_name(setup: Workspace) -> None:
    ff = FeatureFunction(udf_name="region_of", input_bindings={"store_id": "store_id"})
    out = create_training_set(setup, spine(), [ff], label="y").load_df()
    assert "main.default.region_of" in out.column_names


def test_too_many_functions(setup: Workspace) -> None:
    many = [
        FeatureFunction(
            udf_name="region_of", input_bindings={"store_id": "store_id"}, output_name=f"r{i}"
        )
        for i in range(MAX_FUNCTIONS + 1)
    ]
    with pytest.raises(ValidationError, match="more than 100"):
        create_training_set(setup, spine(), many, label="y")


def test_wrong_element_type_names_the_index(setup: Workspace) -> None:
    with pytest.raises(TypeError, match=r"feature_lookups\[1\]"):
        create_training_set(setup, spine(), [stores(), "stores"], label="y")


def test_duplicate_input_columns_are_refused(setup: Workspace) -> None:
    import pandas as pd

    frame = pd.DataFrame([[1, 2]], columns=["store_id", "store_id"])
    with pytest.raises(ValidationError, match="duplicate column"):
        create_training_set(setup, frame, [stores()], label=None)


def test_iter_batches_equals_load_df(setup: Workspace) -> None:
    big = pa.concat_tables([spine()] * 5)
    ts = create_training_set(setup, big, [stores()], label="y")
    chunks = list(ts.iter_batches(batch_rows=4))
    assert [c.num_rows for c in chunks] == [4, 4, 4, 3]
    assert pa.concat_tables(chunks).equals(ts.load_df())
    with pytest.raises(ValidationError, match="batch_rows=0"):
        next(ts.iter_batches(batch_rows=0))
