"""DataFrame kinds in and out: pandas, polars and pyarrow, with Arrow as the internal currency.

Public functions call :func:`to_arrow` on what they are given, remember :func:`kind_of` it, and
hand results back through :func:`from_arrow` so callers get the kind they passed in. Libraries
are imported only when a frame of that kind is actually seen.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal, get_args

from lakeforge.errors import UnsupportedFrameError, ValidationError

if TYPE_CHECKING:
    import pyarrow as pa

FrameKind = Literal["arrow", "pandas", "polars"]
FRAME_KINDS: tuple[str, ...] = get_args(FrameKind)


def kind_of(obj: object) -> FrameKind:
    """Return the DataFrame kind of ``obj``.

    Raises:
        UnsupportedFrameError: ``obj`` is not a supported DataFrame kind.
    """
    module = type(obj).__module__.split(".")[0]
    name = type(obj).__name__
    if module == "pyarrow" and name in {"Table", "RecordBatch", "RecordBatchReader"}:
        return "arrow"
    if module == "pandas" and name == "DataFrame":
        return "pandas"
    if module == "polars" and name in {"DataFrame", "LazyFrame"}:
        return "polars"
    raise UnsupportedFrameError(f"{type(obj).__module__}.{name}")


def check_kind(kind: str) -> FrameKind:
    """Validate a requested output kind."""
    if kind not in FRAME_KINDS:
        raise ValidationError(
            f"unknown DataFrame kind {kind!r}", f"use one of {', '.join(FRAME_KINDS)}"
        )
    return kind  # type: ignore[return-value]


def _pandas_to_arrow(df: Any) -> pa.Table:
    import pyarrow as pa

    duplicated = [str(c) for c in df.columns[df.columns.duplicated()]]
    if duplicated:
        raise ValidationError(
            f"DataFrame has duplicate column names {duplicated}", "rename or drop the duplicates"
        )
    try:
        with warnings.catch_warnings():
            # pyarrow < 26 reads tz-aware columns through Series.values, which pandas 3
            # deprecates; the conversion itself keeps the time zone.
            warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
            return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        bad = _first_unconvertible_column(df)
        raise ValidationError(
            f"pandas column {bad!r} cannot be converted to Arrow ({exc})",
            "give the column a single type (e.g. df[col].astype(str) or pd.to_numeric)",
        ) from exc


def _first_unconvertible_column(df: Any) -> str:
    import pyarrow as pa

    for col in df.columns:
        try:
            pa.array(df[col], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return str(col)
    return "<unknown>"


def to_arrow(obj: object) -> pa.Table:
    """Convert any supported DataFrame to a ``pyarrow.Table`` (no copy where possible)."""
    import pyarrow as pa

    kind = kind_of(obj)
    if kind == "arrow":
        if isinstance(obj, pa.RecordBatch):
            return pa.Table.from_batches([obj])
        if isinstance(obj, pa.RecordBatchReader):
            return obj.read_all()
        assert isinstance(obj, pa.Table)
        return obj
    if kind == "pandas":
        return _pandas_to_arrow(obj)
    frame = obj.collect() if type(obj).__name__ == "LazyFrame" else obj  # type: ignore[attr-defined]
    return frame.to_arrow()  # type: ignore[union-attr,attr-defined,no-any-return]


def from_arrow(table: pa.Table, kind: FrameKind) -> Any:
    """Return ``table`` as the requested DataFrame kind."""
    if kind == "arrow":
        return table
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table, rechunk=False)
    raise ValidationError(f"unknown DataFrame kind {kind!r}", f"use one of {FRAME_KINDS}")
