"""DataFrame kinds in and out: pandas, polars and pyarrow."""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal as assert_polars_equal

from lakeforge.errors import UnsupportedFrameError, ValidationError
from lakeforge.frames import FRAME_KINDS, check_kind, from_arrow, kind_of, to_arrow

EXPECTED = pa.table(
    {"id": pa.array([1, 2, 3], pa.int64()), "score": pa.array([0.5, None, 2.0], pa.float64())}
)


def _arrow_table() -> pa.Table:
    return EXPECTED


def _record_batch() -> pa.RecordBatch:
    return EXPECTED.to_batches()[0]


def _reader() -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(EXPECTED.schema, EXPECTED.to_batches())


def _pandas() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3], "score": [0.5, None, 2.0]})


def _polars() -> pl.DataFrame:
    return pl.DataFrame({"id": [1, 2, 3], "score": [0.5, None, 2.0]})


def _lazy() -> pl.LazyFrame:
    return _polars().lazy()


MAKERS = {
    "arrow-table": (_arrow_table, "arrow"),
    "arrow-record-batch": (_record_batch, "arrow"),
    "arrow-reader": (_reader, "arrow"),
    "pandas": (_pandas, "pandas"),
    "polars": (_polars, "polars"),
    "polars-lazy": (_lazy, "polars"),
}


@pytest.mark.parametrize("label", MAKERS)
def test_kind_of(label: str) -> None:
    make, kind = MAKERS[label]
    assert kind_of(make()) == kind


@pytest.mark.parametrize("label", MAKERS)
def test_to_arrow_gives_the_same_table(label: str) -> None:
    make, _ = MAKERS[label]
    table = to_arrow(make())
    assert isinstance(table, pa.Table)
    assert table.equals(EXPECTED)


@pytest.mark.parametrize("label", MAKERS)
def test_round_trip_keeps_kind_and_data(label: str) -> None:
    make, kind = MAKERS[label]
    back = from_arrow(to_arrow(make()), kind)
    assert kind_of(back) == kind
    if kind == "pandas":
        pd.testing.assert_frame_equal(back, _pandas())
    elif kind == "polars":
        assert isinstance(back, pl.DataFrame)
        assert_polars_equal(back, _polars())
    else:
        assert isinstance(back, pa.Table)
        assert back.equals(EXPECTED)


def test_arrow_table_is_passed_through_without_copy() -> None:
    table = _arrow_table()
    assert to_arrow(table) is table
    assert from_arrow(table, "arrow") is table


def test_strings_and_timestamps_round_trip_through_every_kind() -> None:
    source = pa.table(
        {
            "name": pa.array(["a", None, "ü"], pa.large_string()),
            "ts": pa.array([0, 1_000_000, None], pa.timestamp("us")),
            "flag": pa.array([True, False, None]),
        }
    )
    for kind in FRAME_KINDS:
        back = to_arrow(from_arrow(source, kind))  # type: ignore[arg-type]
        assert back.column_names == source.column_names
        assert back.column("ts").to_pylist() == source.column("ts").to_pylist()
        assert back.column("name").to_pylist() == ["a", None, "ü"]
        assert back.column("flag").to_pylist() == [True, False, None]


def test_pandas_index_is_not_kept() -> None:
    df = pd.DataFrame({"a": [1, 2]}, index=pd.Index([10, 20], name="idx"))
    assert to_arrow(df).column_names == ["a"]


def test_empty_frames_convert() -> None:
    assert to_arrow(pd.DataFrame({"a": pd.Series([], dtype="int64")})).num_rows == 0
    assert to_arrow(pl.DataFrame({"a": []}, schema={"a": pl.Int64})).schema.field("a").type == (
        pa.int64()
    )


@pytest.mark.parametrize(
    "obj",
    [
        [1, 2, 3],
        {"a": [1]},
        None,
        "text",
        pd.Series([1, 2]),
        pl.Series([1, 2]),
        pa.array([1, 2]),
        pa.chunked_array([[1, 2]]),
    ],
    ids=lambda o: type(o).__name__,
)
def test_unsupported_objects_raise_unsupported_frame_error(obj: Any) -> None:
    with pytest.raises(UnsupportedFrameError) as info:
        to_arrow(obj)
    assert type(obj).__name__ in str(info.value)
    assert isinstance(info.value, ValidationError)
    assert "pandas DataFrame" in str(info.value)


def test_duplicate_pandas_columns_are_rejected() -> None:
    df = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    with pytest.raises(ValidationError, match=r"duplicate column names \['a'\]"):
        to_arrow(df)


def test_mixed_type_pandas_column_is_named_in_the_error() -> None:
    df = pd.DataFrame({"ok": [1, 2], "mixed": [1, "x"]})
    with pytest.raises(ValidationError, match="'mixed'"):
        to_arrow(df)


def test_check_kind() -> None:
    for kind in ("arrow", "pandas", "polars"):
        assert check_kind(kind) == kind
    with pytest.raises(ValidationError, match="'spark'"):
        check_kind("spark")


def test_from_arrow_rejects_unknown_kind() -> None:
    with pytest.raises(ValidationError, match="'numpy'"):
        from_arrow(EXPECTED, "numpy")  # type: ignore[arg-type]
