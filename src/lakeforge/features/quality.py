"""Data quality of feature-table writes: null primary keys and NaN/±Inf/null counts.

Null keys: rows with a null primary key are rejected (``null_keys="error"``) or dropped and
counted (``"drop"``); null timeseries values also emit a :class:`FeatureTableWarning`.

Counts describe the rows of one write (not the whole table). They are stored in the table's
properties under :data:`QUALITY_PROPERTY`, returned as ``FeatureTable.quality``, and logged as
one line on the ``lakeforge.features`` logger: WARNING when any NaN/±Inf was written or rows were
dropped for null keys, INFO otherwise. Values are reported, never rewritten.

pandas has no separate null for floats: a NaN in a pandas float column arrives as null (Arrow's
``from_pandas`` rule), so it is counted under ``nulls``. polars and Arrow keep NaN and null apart.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import ValidationError

QUALITY_PROPERTY = "lakeforge.quality"
logger = logging.getLogger("lakeforge.features")


class FeatureTableWarning(UserWarning):
    """A feature-table call that works but is probably not what was meant."""


@dataclass(frozen=True, slots=True)
class ColumnQuality:
    """Value counts of one column in one write."""

    nulls: int = 0
    nans: int = 0
    pos_infs: int = 0
    neg_infs: int = 0

    @property
    def non_finite(self) -> int:
        """NaN plus ±Inf values (what many learners cannot take)."""
        return self.nans + self.pos_infs + self.neg_infs


@dataclass(frozen=True, slots=True)
class WriteQuality:
    """NaN/Inf/null counts per feature column of the last write to a feature table.

    Attributes:
        version: Delta version the write committed.
        rows: Rows written (after dropping rows with null keys).
        columns: Counts per feature (non-key) column of the written data.
        dropped_null_key_rows: Rows dropped because a primary key was null
            (``null_keys="drop"``).
    """

    version: int
    rows: int
    columns: dict[str, ColumnQuality] = field(default_factory=dict)
    dropped_null_key_rows: int = 0

    def to_property(self) -> dict[str, Any]:
        """JSON-ready form stored in the table properties."""
        return {
            "version": self.version,
            "rows": self.rows,
            "dropped_null_key_rows": self.dropped_null_key_rows,
            "columns": {
                name: {
                    "nulls": q.nulls,
                    "nans": q.nans,
                    "pos_infs": q.pos_infs,
                    "neg_infs": q.neg_infs,
                }
                for name, q in self.columns.items()
            },
        }

    @classmethod
    def from_property(cls, value: Mapping[str, Any] | None) -> WriteQuality | None:
        """Read back what :meth:`to_property` stored (None when nothing was stored)."""
        if not value:
            return None
        columns = {
            str(name): ColumnQuality(**{k: int(v) for k, v in counts.items()})
            for name, counts in dict(value.get("columns", {})).items()
        }
        return cls(
            version=int(value["version"]),
            rows=int(value["rows"]),
            columns=columns,
            dropped_null_key_rows=int(value.get("dropped_null_key_rows", 0)),
        )

    def summary(self) -> str:
        """One line: the columns with any NaN/Inf/null and their counts."""
        parts = [
            f"{name}: nan={q.nans} +inf={q.pos_infs} -inf={q.neg_infs} null={q.nulls}"
            for name, q in self.columns.items()
            if q.nulls or q.non_finite
        ]
        counts = "; ".join(parts) if parts else "no NaN/Inf/null values"
        dropped = (
            f"; dropped {self.dropped_null_key_rows} row(s) with null primary keys"
            if self.dropped_null_key_rows
            else ""
        )
        return f"{self.rows} row(s) at version {self.version}: {counts}{dropped}"


def column_quality(column: pa.ChunkedArray) -> ColumnQuality:
    """Count nulls, NaN, +Inf and -Inf in one column (NaN/Inf only exist in float columns)."""
    nulls = column.null_count
    if not pa.types.is_floating(column.type) or len(column) == 0:
        return ColumnQuality(nulls=nulls)
    nans = int(pc.sum(pc.is_nan(column)).as_py() or 0)
    infinite = pc.is_inf(column)
    pos = int(pc.sum(pc.and_(infinite, pc.greater(column, 0))).as_py() or 0)
    neg = int(pc.sum(pc.and_(infinite, pc.less(column, 0))).as_py() or 0)
    return ColumnQuality(nulls=nulls, nans=nans, pos_infs=pos, neg_infs=neg)


def measure(
    data: pa.Table, keys: Sequence[str], *, version: int, dropped_null_key_rows: int = 0
) -> WriteQuality:
    """Counts for every non-key column of ``data`` (the rows of one write)."""
    columns = {
        name: column_quality(data.column(name)) for name in data.column_names if name not in keys
    }
    return WriteQuality(version, data.num_rows, columns, dropped_null_key_rows)


def apply_null_keys(
    data: pa.Table, keys: Sequence[str], ts: str | None, policy: str, table: str
) -> tuple[pa.Table, int]:
    """Reject (``error``) or drop (``drop``) rows with a null primary key; return the count."""
    counts = {k: data.column(k).null_count for k in keys if data.column(k).null_count}
    if not counts:
        return data, 0
    valid = pc.is_valid(data.column(keys[0]))
    for key in keys[1:]:
        valid = pc.and_(valid, pc.is_valid(data.column(key)))
    bad = data.num_rows - int(pc.sum(valid).as_py() or 0)
    outcome = "dropped (null_keys='drop')" if policy == "drop" else "rejected"
    if ts in counts:
        warnings.warn(
            f"{counts[ts]} row(s) for {table!r} have a null timeseries value in {ts!r}; they "
            f"are {outcome}. Fix: fill {ts!r} with the event time of each row",
            FeatureTableWarning,
            stacklevel=3,
        )
    if policy == "error":
        raise ValidationError(
            f"{bad} row(s) for {table!r} have null primary key values (nulls per key: {counts})",
            "fill or filter the null keys, or pass null_keys='drop' to drop those rows "
            "(the count is reported)",
        )
    return data.filter(valid), bad


def report(table: str, quality: WriteQuality, casts: Sequence[object] = ()) -> None:
    """Log the counts (and any automatic casts) of one write as one line."""
    noisy = quality.dropped_null_key_rows > 0 or any(q.non_finite for q in quality.columns.values())
    cast_note = f"; casts: {', '.join(str(c) for c in casts)}" if casts else ""
    logger.log(
        logging.WARNING if noisy else logging.INFO,
        "feature table %s: wrote %s%s",
        table,
        quality.summary(),
        cast_note,
    )
