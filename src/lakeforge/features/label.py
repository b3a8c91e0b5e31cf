"""Label guardrails, applied when the caller declares the problem type.

- classification: labels become int64 (booleans, integral floats, numeric strings, decimals);
  a continuous label is binarized at a declared threshold (``>= threshold`` → 1) or refused;
  a label with fewer than two classes is refused with the class counts;
- regression: labels become float64;
- a null label, or a value that cannot be cast, is refused with example values.

Every change is reported with the number of rows it touched (guardrails 7, 8, 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import ValidationError
from lakeforge.tables.types import type_name

ProblemType = Literal["classification", "regression"]


@dataclass(frozen=True, slots=True)
class LabelPolicy:
    """How labels are prepared.

    Attributes:
        problem_type: ``"classification"`` or ``"regression"``.
        threshold: For classification, binarize a continuous label at this value.
    """

    problem_type: ProblemType
    threshold: float | None = None

    def __post_init__(self) -> None:
        if self.problem_type not in ("classification", "regression"):
            raise ValidationError(
                f"problem_type {self.problem_type!r} is not supported",
                "use 'classification' or 'regression'",
            )


@dataclass(frozen=True, slots=True)
class LabelReport:
    """One automatic change to a label column."""

    label: str
    change: str
    rows: int

    def __str__(self) -> str:
        return f"label {self.label!r}: {self.change} ({self.rows} rows)"


def _examples(column: pa.ChunkedArray, mask: pa.ChunkedArray) -> list[object]:
    values: list[object] = column.filter(mask).to_pylist()
    return values[:5]


def _to_float(name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_floating(column.type) and column.type == pa.float64():
        return column
    try:
        return pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        numeric = pc.utf8_is_numeric(pc.cast(column, pa.string()))
        bad = _examples(column, pc.invert(pc.fill_null(numeric, True)))
        raise ValidationError(
            f"label {name!r} ({type_name(column.type)}) has values that are not numbers, "
            f"e.g. {bad}",
            "map the label to numbers before building the training set",
        ) from exc


def _classes(
    name: str, column: pa.ChunkedArray, policy: LabelPolicy
) -> tuple[pa.ChunkedArray, list[LabelReport]]:
    reports = []
    values = _to_float(name, column) if not pa.types.is_integer(column.type) else column
    if pa.types.is_floating(values.type):
        integral = pc.all(pc.equal(pc.floor(values), values)).as_py()
        if not integral:
            if policy.threshold is None:
                raise ValidationError(
                    f"classification label {name!r} is continuous (e.g. "
                    f"{_examples(values, pc.not_equal(pc.floor(values), values))})",
                    "declare a threshold to binarize it: LabelPolicy('classification', "
                    "threshold=0.5), or use problem_type='regression'",
                )
            values = pc.cast(pc.greater_equal(values, policy.threshold), pa.int64())
            positives = int(pc.sum(values).as_py() or 0)
            reports.append(
                LabelReport(
                    name,
                    f"binarized at >= {policy.threshold}: {positives} positive, "
                    f"{len(values) - positives} negative",
                    len(values),
                )
            )
    if values.type != pa.int64():
        if not reports:
            reports.append(
                LabelReport(name, f"cast {type_name(column.type)} -> bigint", len(values))
            )
        values = pc.cast(values, pa.int64())
    counts = pc.value_counts(values).to_pylist()
    if len(counts) < 2:
        shown = {c["values"]: c["counts"] for c in counts}
        raise ValidationError(
            f"classification label {name!r} has a single class; class counts: {shown}",
            "add rows of the other class(es) or check the label's source query",
        )
    return values, reports


def prepare_label(
    table: pa.Table, labels: Sequence[str], policy: LabelPolicy
) -> tuple[pa.Table, list[LabelReport]]:
    """Cast, binarize and check labels; return the new table and what changed."""
    reports: list[LabelReport] = []
    for name in labels:
        index = table.schema.get_field_index(name)
        column = table.column(index)
        if column.null_count:
            raise ValidationError(
                f"label {name!r} has {column.null_count} null value(s)",
                "filter out rows without a label before building the training set",
            )
        if policy.problem_type == "regression":
            values = _to_float(name, column)
            if column.type != pa.float64():
                reports.append(
                    LabelReport(name, f"cast {type_name(column.type)} -> double", len(values))
                )
        else:
            if pa.types.is_boolean(column.type):
                column = pc.cast(column, pa.int64())
                reports.append(LabelReport(name, "cast boolean -> bigint", len(column)))
            values, changes = _classes(name, column, policy)
            reports.extend(changes)
        table = table.set_column(index, pa.field(name, values.type), values)
    return table, reports
