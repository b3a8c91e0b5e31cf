"""Reading local data files (Parquet, CSV, newline-delimited JSON) into Arrow."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from lakeforge.errors import ValidationError

FORMATS = ("parquet", "csv", "json")


def detect_format(path: Path) -> str:
    """File format from the extension."""
    suffix = path.suffix.lower().lstrip(".")
    fmt = {
        "pq": "parquet",
        "parquet": "parquet",
        "csv": "csv",
        "json": "json",
        "jsonl": "json",
        "ndjson": "json",
    }.get(suffix)
    if fmt is None:
        raise ValidationError(
            f"cannot tell the format of {str(path)!r} from its extension",
            f"use a file ending in .parquet, .csv or .json/.jsonl, or pass --format {FORMATS}",
        )
    return fmt


def read_file(path: str | Path, fmt: str | None = None) -> pa.Table:
    """Read a Parquet, CSV or JSON-lines file as an Arrow table."""
    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"file {str(file)!r} does not exist", "check the path")
    kind = fmt or detect_format(file)
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.read_table(file)
        if kind == "csv":
            import pyarrow.csv as pacsv

            return pacsv.read_csv(file)
        if kind == "json":
            import pyarrow.json as pajson

            return pajson.read_json(file)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValidationError(
            f"cannot read {str(file)!r} as {kind}: {exc}", "check the file's contents and format"
        ) from exc
    raise ValidationError(f"unknown file format {kind!r}", f"use one of {FORMATS}")
