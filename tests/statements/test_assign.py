"""Store assignment: constants take the column type when they fit; computed values widen or
convert with a report; the rest is refused."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
import sqlglot

from lakeforge.errors import SchemaMismatchError
from lakeforge.statements.assign import fit, is_constant


@pytest.mark.parametrize(
    ("text", "constant"),
    [
        ("1", True),
        ("-2.5", True),
        ("'2024-01-01'", True),
        ("CAST('1' AS INT) + 2", True),
        ("DATE '2024-01-01'", True),
        ("NULL", True),
        ("current_timestamp()", True),
        ("x", False),
        ("x + 1", False),
        ("upper('a')", False),
        ("(SELECT 1)", False),
    ],
)
def test_is_constant(text: str, constant: bool) -> None:
    node = sqlglot.parse_one(f"SELECT {text}", read="databricks").expressions[0]
    assert is_constant(node) is constant


def test_constants_fit_silently() -> None:
    values, casts = fit(
        pa.array([Decimal("2.5")]), pa.field("v", pa.float64()), constant=True, table="t"
    )
    assert values.to_pylist() == [2.5] and casts == []


def test_computed_values_are_reported() -> None:
    _, widened = fit(
        pa.array([1, 2], pa.int32()), pa.field("v", pa.int64()), constant=False, table="t"
    )
    assert [(c.reason, c.rows) for c in widened] == [("widened", 2)]
    _, narrowed = fit(pa.array([1, None]), pa.field("v", pa.int16()), constant=False, table="t")
    assert [(c.from_type, c.to_type, c.rows, c.reason) for c in narrowed] == [
        ("bigint", "smallint", 1, "store assignment")
    ]


@pytest.mark.parametrize(
    ("values", "field", "constant", "message"),
    [
        (
            pa.array(["1"]),
            pa.field("v", pa.int64()),
            False,
            "bigint but the statement gives string",
        ),
        (pa.array(["1"]), pa.field("v", pa.int64()), True, "bigint but the statement gives string"),
        (pa.array([70000]), pa.field("v", pa.int16()), False, "70000"),
        (pa.array([True]), pa.field("v", pa.int32()), True, "int but the statement gives boolean"),
        (pa.array(["2024-01-01"]), pa.field("v", pa.date32()), False, "date but the statement"),
        (
            pa.array([None], pa.int64()),
            pa.field("v", pa.int64(), nullable=False),
            False,
            "NOT NULL",
        ),
    ],
)
def test_refusals(values: pa.Array, field: pa.Field, constant: bool, message: str) -> None:
    with pytest.raises(SchemaMismatchError, match=message):
        fit(values, field, constant=constant, table="t")
