"""FeatureLookup: normalization, every argument check (api-compat §1.9) and value semantics."""

from __future__ import annotations

import copy
import pickle
from datetime import timedelta
from typing import Any

import pytest

from lakeforge.errors import InvalidNameError, ValidationError
from lakeforge.features.lookup import FeatureLookup


def test_minimal_lookup_normalizes_and_defaults() -> None:
    fl = FeatureLookup("main.default.customers", "customer_id")
    assert fl.table_name == "main.default.customers"
    assert fl.lookup_key == ["customer_id"]
    assert fl.feature_names is None
    assert fl.rename_outputs == {}
    assert fl.timestamp_lookup_key is None
    assert fl.lookback_window is None
    assert fl.default_values == {}
    assert fl.feature_name is None
    assert fl.output_name is None


def test_full_lookup_keeps_every_argument() -> None:
    fl = FeatureLookup(
        "customers",
        ["id", "region"],
        feature_names=["spend", "visits"],
        rename_outputs={"spend": "total_spend"},
        timestamp_lookup_key="event_ts",
        lookback_window=timedelta(days=7),
        default_values={"total_spend": 0.0, "visits": 0},
    )
    assert fl.lookup_key == ["id", "region"]
    assert fl.feature_names == ["spend", "visits"]
    assert fl.rename_outputs == {"spend": "total_spend"}
    assert fl.timestamp_lookup_key == "event_ts"
    assert fl.lookback_window == timedelta(days=7)
    assert fl.default_values == {"total_spend": 0.0, "visits": 0}
    assert fl.output_name_for("spend") == "total_spend"
    assert fl.output_name_for("visits") == "visits"


def test_table_name_is_kept_as_given_but_checked() -> None:
    assert FeatureLookup("Main.Default.T", "id").table_name == "Main.Default.T"
    with pytest.raises(InvalidNameError, match=r"a\.b\.c\.d"):
        FeatureLookup("a.b.c.d", "id")
    with pytest.raises(TypeError, match=r"table_name must be a str, got int 5.*Fix"):
        FeatureLookup(5, "id")  # type: ignore[arg-type]


def test_lookup_key_forms() -> None:
    assert FeatureLookup("t", ("a", "b")).lookup_key == ["a", "b"]  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"lookup_key must be a str or a list of str, got int 7"):
        FeatureLookup("t", 7)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="lookup_key is an empty list") as err:
        FeatureLookup("t", [])
    assert err.value.fix == "name at least one column"
    with pytest.raises(ValidationError, match=r"lookup_key holds 3 \(int\)") as err:
        FeatureLookup("t", ["a", 3])  # type: ignore[list-item]
    assert "lookup_key=['col1', 'col2']" in str(err.value.fix)


def test_feature_names_str_is_wrapped_and_duplicates_dropped() -> None:
    assert FeatureLookup("t", "id", feature_names="a").feature_names == ["a"]
    fl = FeatureLookup("t", "id", feature_names=["b", "a", "b"])
    assert fl.feature_names == ["b", "a"]


@pytest.mark.parametrize("bad", [["a", ["b"]], ["a", None], ["a", ""], [1]])
def test_feature_names_elements_must_be_strings(bad: list[Any]) -> None:
    with pytest.raises(ValidationError, match=r"feature_names holds .*only non-empty strings"):
        FeatureLookup("t", "id", feature_names=bad)


@pytest.mark.parametrize("bad", [{"a": 1}, {"a"}, 3])
def test_feature_names_container_type(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"feature_names must be a str or a list of str"):
        FeatureLookup("t", "id", feature_names=bad)


def test_feature_names_empty_list_is_rejected() -> None:
    with pytest.raises(ValidationError, match="feature_names is an empty list") as err:
        FeatureLookup("t", "id", feature_names=[])
    assert err.value.fix == "name at least one column or pass None"


def test_unknown_kwargs_are_listed() -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\): \['bogus', 'extra'\]"):
        FeatureLookup("t", "id", extra=1, bogus=2)


def test_legacy_feature_name_becomes_feature_names() -> None:
    with pytest.warns(FutureWarning, match="feature_name is deprecated; use feature_names") as rec:
        fl = FeatureLookup("t", "id", feature_name="spend")
    assert rec[0].filename == __file__  # points at the caller
    assert fl.feature_names == ["spend"]
    assert fl.feature_name == "spend"
    assert fl.output_name == "spend"  # reference: output_name falls back to feature_name


def test_legacy_feature_name_conflicts_with_feature_names() -> None:
    with pytest.raises(ValidationError, match=r"both feature_names=\['a'\] and the legacy") as err:
        FeatureLookup("t", "id", feature_names=["a"], feature_name="b")
    assert err.value.fix == "pass only feature_names (feature_name is deprecated)"


def test_legacy_feature_name_must_be_a_string() -> None:
    with pytest.raises(ValidationError, match=r"feature_name must be a non-empty str, got \['a'\]"):
        FeatureLookup("t", "id", feature_name=["a"])


def test_legacy_output_name_becomes_a_rename() -> None:
    with pytest.warns(FutureWarning, match="output_name is deprecated; use rename_outputs"):
        fl = FeatureLookup("t", "id", feature_names=["spend"], output_name="total")
    assert fl.rename_outputs == {"spend": "total"}
    assert fl.output_name == "total"
    assert fl.output_name_for("spend") == "total"


def test_legacy_feature_name_and_output_name_together() -> None:
    with pytest.warns(FutureWarning) as caught:
        fl = FeatureLookup("t", "id", feature_name="spend", output_name="total")
    assert len(caught) == 2
    assert (fl.feature_names, fl.rename_outputs) == (["spend"], {"spend": "total"})
    assert (fl.feature_name, fl.output_name) == ("spend", "total")


def test_legacy_output_name_conflicts_with_rename_outputs() -> None:
    with pytest.raises(ValidationError, match=r"both rename_outputs=\{'a': 'x'\} and the legacy"):
        FeatureLookup("t", "id", feature_names="a", rename_outputs={"a": "x"}, output_name="y")


@pytest.mark.parametrize("names", [None, ["a", "b"]])
def test_legacy_output_name_needs_exactly_one_feature(names: list[str] | None) -> None:
    with pytest.raises(ValidationError, match="renames exactly one feature") as err:
        FeatureLookup("t", "id", feature_names=names, output_name="y")
    assert "rename_outputs={'feature': 'new_name'}" in str(err.value.fix)


def test_timestamp_lookup_key_list_forms() -> None:
    assert FeatureLookup("t", "id", timestamp_lookup_key=["ts"]).timestamp_lookup_key == "ts"
    assert FeatureLookup("t", "id", timestamp_lookup_key=[]).timestamp_lookup_key is None
    with pytest.raises(ValidationError, match=r"timestamp_lookup_key=\['a', 'b'\] names 2") as err:
        FeatureLookup("t", "id", timestamp_lookup_key=["a", "b"])
    assert "single column" in str(err.value.fix)
    with pytest.raises(TypeError, match="timestamp_lookup_key must be a str"):
        FeatureLookup("t", "id", timestamp_lookup_key=5)  # type: ignore[arg-type]


def test_lookback_window_requires_timestamp_lookup_key() -> None:
    with pytest.raises(ValidationError, match="without timestamp_lookup_key") as err:
        FeatureLookup("t", "id", lookback_window=timedelta(days=1))
    assert "timestamp_lookup_key=" in str(err.value.fix)


def test_lookback_window_must_be_non_negative_timedelta() -> None:
    ok = FeatureLookup("t", "id", timestamp_lookup_key="ts", lookback_window=timedelta(0))
    assert ok.lookback_window == timedelta(0)
    with pytest.raises(ValidationError, match=r"lookback_window=.*days=-1.* is negative") as err:
        FeatureLookup("t", "id", timestamp_lookup_key="ts", lookback_window=timedelta(days=-1))
    assert "non-negative timedelta" in str(err.value.fix)
    with pytest.raises(TypeError, match=r"lookback_window must be a datetime.timedelta, got int 7"):
        FeatureLookup("t", "id", timestamp_lookup_key="ts", lookback_window=7)  # type: ignore[arg-type]


def test_rename_outputs_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match=r"rename_outputs must be a dict, got list"):
        FeatureLookup("t", "id", rename_outputs=[("a", "b")])  # type: ignore[arg-type]


def test_rename_outputs_values_must_be_names() -> None:
    with pytest.raises(ValidationError, match=r"rename_outputs\['a'\] is 3"):
        FeatureLookup("t", "id", rename_outputs={"a": 3})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match=r"rename_outputs key 1 is not a non-empty str"):
        FeatureLookup("t", "id", rename_outputs={1: "x"})  # type: ignore[dict-item]


def test_rename_of_unrequested_feature_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"renames \['c'\].*requested features \['a'\]"):
        FeatureLookup("t", "id", feature_names=["a"], rename_outputs={"c": "x"})


def test_renames_may_not_make_outputs_collide() -> None:
    with pytest.raises(ValidationError, match=r"output as \['b'\]") as err:
        FeatureLookup("t", "id", feature_names=["a", "b"], rename_outputs={"a": "b"})
    assert err.value.fix == "give every feature a distinct output name"


def test_default_values_keyed_by_output_name() -> None:
    fl = FeatureLookup(
        "t",
        "id",
        feature_names=["a", "b", "c", "d"],
        rename_outputs={"a": "x"},
        default_values={"x": 1, "b": 2.5, "c": True, "d": "none"},
    )
    assert fl.default_values == {"x": 1, "b": 2.5, "c": True, "d": "none"}


def test_default_values_with_pre_rename_name_tell_the_new_name() -> None:
    with pytest.raises(ValidationError, match="'a' is a feature name before renaming") as err:
        FeatureLookup(
            "t", "id", feature_names=["a"], rename_outputs={"a": "x"}, default_values={"a": 0}
        )
    assert err.value.fix == "use the new name: default_values={'x': ...}"


def test_pre_rename_name_is_caught_even_without_feature_names() -> None:
    with pytest.raises(ValidationError, match="before renaming"):
        FeatureLookup("t", "id", rename_outputs={"a": "x"}, default_values={"a": 0})


def test_swapped_renames_accept_the_output_name() -> None:
    fl = FeatureLookup(
        "t",
        "id",
        feature_names=["a", "b"],
        rename_outputs={"a": "b", "b": "a"},
        default_values={"a": 1},
    )
    assert fl.default_values == {"a": 1}


def test_default_values_for_unrequested_feature_list_valid_names() -> None:
    with pytest.raises(ValidationError, match=r"'zzz' is not among .* \['x', 'b'\]") as err:
        FeatureLookup(
            "t",
            "id",
            feature_names=["a", "b"],
            rename_outputs={"a": "x"},
            default_values={"zzz": 0},
        )
    assert "after rename_outputs" in str(err.value.fix)


@pytest.mark.parametrize("bad", [[0], None, {"a": 1}, timedelta(1), b"x"])
def test_default_value_types_are_limited(bad: object) -> None:
    with pytest.raises(ValidationError, match=r"default_values\['a'\] is .* of type") as err:
        FeatureLookup("t", "id", feature_names="a", default_values={"a": bad})
    assert "int(x), float(x) or str(x)" in str(err.value.fix)


def test_default_values_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match=r"default_values must be a dict, got list"):
        FeatureLookup("t", "id", default_values=[("a", 1)])  # type: ignore[arg-type]


def test_defaults_without_feature_names_are_checked_later() -> None:
    fl = FeatureLookup("t", "id", rename_outputs={"a": "x"}, default_values={"x": 0, "q": 1})
    fl.validate_defaults(["a", "q", "r"])
    with pytest.raises(ValidationError, match=r"'q' is not among .* \['x', 'r'\]"):
        fl.validate_defaults(["a", "r"])
    with pytest.raises(ValidationError, match="'x' is not among"):
        fl.validate_defaults(["q"])


def test_validate_defaults_catches_pre_rename_name() -> None:
    fl = FeatureLookup("t", "id", rename_outputs={"a": "b", "b": "c"}, default_values={"b": 0})
    fl.validate_defaults(["a"])  # 'b' is a's output
    with pytest.raises(ValidationError, match="'b' is a feature name before renaming") as err:
        fl.validate_defaults(["b"])
    assert err.value.fix == "use the new name: default_values={'c': ...}"


def test_lookup_is_immutable_and_returns_copies() -> None:
    fl = FeatureLookup("t", ["id"], feature_names=["a"], default_values={"a": 1})
    with pytest.raises(AttributeError, match="immutable"):
        fl.table_name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        fl._lookup_key = ("x",)  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del fl._table_name
    fl.lookup_key.append("x")
    fl.feature_names.append("x")  # type: ignore[union-attr]
    fl.default_values["a"] = 2
    fl.rename_outputs["a"] = "z"
    assert (fl.lookup_key, fl.feature_names, fl.default_values) == (["id"], ["a"], {"a": 1})
    assert fl.rename_outputs == {}


def test_caller_mutation_does_not_leak_in() -> None:
    keys, names, defaults = ["id"], ["a"], {"a": 1}
    fl = FeatureLookup("t", keys, feature_names=names, default_values=defaults)
    keys.append("x")
    names.append("b")
    defaults["a"] = 5
    assert (fl.lookup_key, fl.feature_names, fl.default_values) == (["id"], ["a"], {"a": 1})


def test_value_semantics() -> None:
    a = FeatureLookup("t", "id", feature_names=["a"], default_values={"a": 1})
    b = FeatureLookup("t", ["id"], feature_names="a", default_values={"a": 1})
    c = FeatureLookup("t", "id", feature_names=["a"], default_values={"a": 2})
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert a != "t"
    assert len({a, b, c}) == 2


@pytest.mark.filterwarnings("ignore:FeatureLookup:FutureWarning")
@pytest.mark.parametrize(
    "lookup",
    [
        FeatureLookup("t", "id"),
        FeatureLookup(
            "main.s.t",
            ["id", "k"],
            feature_names=["a", "b"],
            rename_outputs={"a": "x"},
            timestamp_lookup_key="ts",
            lookback_window=timedelta(hours=2),
            default_values={"x": 1.5},
        ),
    ],
    ids=["minimal", "full"],
)
def test_repr_round_trips_and_pickles(lookup: FeatureLookup) -> None:
    rebuilt = eval(
        repr(lookup), {"FeatureLookup": FeatureLookup, "datetime": __import__("datetime")}
    )
    assert rebuilt == lookup
    assert pickle.loads(pickle.dumps(lookup)) == lookup
    assert copy.deepcopy(lookup) == lookup


def test_repr_of_legacy_lookup_uses_legacy_keywords() -> None:
    with pytest.warns(FutureWarning):
        fl = FeatureLookup("t", "id", feature_name="a", output_name="x")
    assert (
        repr(fl)
        == "FeatureLookup(table_name='t', lookup_key=['id'], feature_name='a', output_name='x')"
    )
    with pytest.warns(FutureWarning):
        assert eval(repr(fl), {"FeatureLookup": FeatureLookup}) == fl
    assert fl != FeatureLookup("t", "id", feature_names="a", rename_outputs={"a": "x"})
