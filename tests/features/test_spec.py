"""feature_spec.yaml: the reference layout, round trips and load-time validation."""

from __future__ import annotations

import pytest
import yaml

from lakeforge.errors import ValidationError
from lakeforge.features.spec import (
    FeatureColumn,
    FeatureSpec,
    FunctionColumn,
    SourceColumn,
    TableInfoRef,
)

REFERENCE = """\
input_columns:
- customer_id: {data_type: string, topological_ordering: 0, source: training_data}
- total_spend:
    table_name: cat.sch.customer_features
    feature_name: total_spend
    lookup_key: [customer_id]
    timestamp_lookup_key: [event_ts]
    default_value: "0"
    data_type: double
    include: false
    topological_ordering: 1
    source: feature_store
- spend_ratio:
    udf_name: cat.sch.ratio
    input_bindings: {a: total_spend, b: income}
    data_type: double
    topological_ordering: 2
    source: on_demand_feature
input_tables:
- cat.sch.customer_features: {table_id: "1234", lookback_window: 604800.0}
input_functions:
- cat.sch.ratio: {}
workspace_id: "123"
feature_store_client_version: 0.18.2
serialization_version: 11
"""


def test_reads_the_reference_layout() -> None:
    spec = FeatureSpec.from_yaml(REFERENCE)
    source, feature, function = spec.input_columns
    assert source == SourceColumn("customer_id", "string", 0)
    assert isinstance(feature, FeatureColumn)
    assert feature.timestamp_lookup_key == ("event_ts",)
    assert feature.default_value == "0"
    assert not feature.include
    assert isinstance(function, FunctionColumn)
    assert dict(function.input_bindings) == {"a": "total_spend", "b": "income"}
    assert spec.input_tables == (TableInfoRef("cat.sch.customer_features", "1234", 604800.0),)
    assert spec.input_functions == ("cat.sch.ratio",)
    assert spec.column_names() == ["customer_id", "spend_ratio"]
    assert spec.column_names(included_only=False) == ["customer_id", "total_spend", "spend_ratio"]


def test_writes_what_it_reads() -> None:
    spec = FeatureSpec.from_yaml(REFERENCE)
    again = FeatureSpec.from_yaml(spec.to_yaml())
    assert again == spec
    assert yaml.safe_load(spec.to_yaml()) == yaml.safe_load(REFERENCE)


def test_key_order_matches_reference() -> None:
    data = FeatureSpec.from_yaml(REFERENCE).to_dict()
    assert list(data) == [
        "input_columns",
        "input_tables",
        "input_functions",
        "workspace_id",
        "feature_store_client_version",
        "serialization_version",
    ]
    feature = data["input_columns"][1]["total_spend"]
    assert list(feature)[-2:] == ["topological_ordering", "source"]
    assert "include" not in data["input_columns"][0]["customer_id"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("input_columns: []", "no input_columns"),
        ("[1, 2]", "must hold a mapping"),
        ("input_columns: [{a: {source: lake}}]", "source 'lake'"),
        ("input_columns: [{a: {}, b: {}}]", "one-key mapping"),
        ("input_columns: {a: 1}", "must be a list"),
        ("a: [", "not valid YAML"),
    ],
)
def test_invalid_specs_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FeatureSpec.from_yaml(text)


def test_tables_and_functions_must_match_the_columns() -> None:
    extra_table = REFERENCE.replace(
        "input_functions:", "- cat.sch.other: {table_id: '9'}\ninput_functions:"
    )
    with pytest.raises(ValidationError, match="input_tables"):
        FeatureSpec.from_yaml(extra_table)
    missing_function = REFERENCE.replace("- cat.sch.ratio: {}", "")
    with pytest.raises(ValidationError, match="input_functions"):
        FeatureSpec.from_yaml(
            missing_function.replace("input_functions:\n", "input_functions: []\n")
        )
