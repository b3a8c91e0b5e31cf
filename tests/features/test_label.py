"""Label guardrails: casts, binarization, single class, bad values — all reported or refused."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from lakeforge.errors import ValidationError
from lakeforge.features.label import LabelPolicy, prepare_label

CLASSIFY = LabelPolicy("classification")
REGRESS = LabelPolicy("regression")


def labels(values: list[object], dtype: pa.DataType | None = None) -> pa.Table:
    return pa.table({"x": [1] * len(values), "y": pa.array(values, dtype)})


def test_integral_floats_become_int_classes_and_are_reported() -> None:
    table, report = prepare_label(labels([0.0, 1.0, 1.0]), ["y"], CLASSIFY)
    assert table.column("y").type == pa.int64()
    assert table.column("y").to_pylist() == [0, 1, 1]
    assert [str(r) for r in report] == ["label 'y': cast double -> bigint (3 rows)"]


def test_booleans_and_numeric_strings_become_int() -> None:
    table, report = prepare_label(labels([True, False]), ["y"], CLASSIFY)
    assert table.column("y").to_pylist() == [1, 0]
    assert "boolean -> bigint" in str(report[0])
    table, _ = prepare_label(labels(["0", "1"]), ["y"], CLASSIFY)
    assert table.column("y").to_pylist() == [0, 1]


def test_continuous_label_needs_a_threshold() -> None:
    with pytest.raises(ValidationError, match="threshold") as info:
        prepare_label(labels([0.1, 0.7, 0.4]), ["y"], CLASSIFY)
    assert "0.1" in str(info.value)


def test_continuous_label_binarized_at_threshold_with_counts() -> None:
    policy = LabelPolicy("classification", threshold=0.5)
    table, report = prepare_label(labels([0.1, 0.7, 0.5, 0.2]), ["y"], policy)
    assert table.column("y").to_pylist() == [0, 1, 1, 0]
    assert str(report[0]) == ("label 'y': binarized at >= 0.5: 2 positive, 2 negative (4 rows)")


def test_single_class_is_refused_with_counts() -> None:
    with pytest.raises(ValidationError, match=r"single class; class counts: \{1: 3\}"):
        prepare_label(labels([1, 1, 1]), ["y"], CLASSIFY)


def test_strings_that_are_not_numbers_are_refused_with_examples() -> None:
    with pytest.raises(ValidationError, match=r"not numbers, e\.g\. \['yes'"):
        prepare_label(labels(["yes", "no"]), ["y"], CLASSIFY)


def test_regression_label_becomes_double() -> None:
    table, report = prepare_label(
        labels([Decimal("1.50"), Decimal("2.25")], pa.decimal128(5, 2)), ["y"], REGRESS
    )
    assert table.column("y").type == pa.float64()
    assert table.column("y").to_pylist() == [1.5, 2.25]
    assert "decimal(5,2) -> double" in str(report[0])
    _, unchanged = prepare_label(labels([1.5, 2.0]), ["y"], REGRESS)
    assert unchanged == []


def test_null_labels_are_refused() -> None:
    with pytest.raises(ValidationError, match="1 null"):
        prepare_label(labels([1.0, None]), ["y"], REGRESS)


def test_unknown_problem_type() -> None:
    with pytest.raises(ValidationError, match="problem_type 'clustering'"):
        LabelPolicy("clustering")  # type: ignore[arg-type]
