"""Invocation payloads: request bodies to an Arrow table, checked strictly against the model.

Accepted (reference §2.3): JSON objects with exactly one of ``dataframe_split``,
``dataframe_records``, ``instances`` or ``inputs`` (plus ``params`` and ``client_request_id``),
CSV (``text/csv``) and Parquet (``application/vnd.apache.parquet``).

Nothing is coerced: a float for an integer column, a string for a number, a bool for a number,
``NaN``/``Infinity`` tokens, an unknown column or a missing required one are 400 errors that
name the column and the expected type. Messages never repeat request values (they may be
personal data) and never carry stack traces.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from lakeforge.errors import UnsupportedMediaTypeError, ValidationError
from lakeforge.features.spec import FeatureSpec, SourceColumn

INPUT_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
EXTRA_KEYS = ("params", "client_request_id")
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"
PARQUET_TYPE = "application/vnd.apache.parquet"
MEDIA_TYPES = (JSON_TYPE, CSV_TYPE, PARQUET_TYPE)


@dataclass(frozen=True, slots=True)
class InputSchema:
    """The columns a served model takes.

    Attributes:
        fields: Column -> Arrow type, for every column a request may carry.
        required: Columns every request must carry (keys, timestamps, source columns).
    """

    fields: Mapping[str, pa.DataType]
    required: tuple[str, ...]

    @classmethod
    def from_spec(cls, spec: FeatureSpec) -> InputSchema:
        """Source columns are required; looked-up and computed features may be overridden."""
        from lakeforge.tables.types import parse_type

        fields = {c.name: parse_type(c.data_type) for c in spec.input_columns}
        required = tuple(c.name for c in spec.input_columns if isinstance(c, SourceColumn))
        return cls(fields, required)


@dataclass(frozen=True, slots=True)
class Invocation:
    """A parsed request: the rows, the predict params and the caller's request id."""

    table: pa.Table
    params: dict[str, Any] = field(default_factory=dict)
    client_request_id: str | None = None


def _bad(problem: str, fix: str) -> ValidationError:
    return ValidationError(problem, fix)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _allowed(kind: pa.DataType) -> tuple[type, ...]:
    if pa.types.is_boolean(kind):
        return (bool,)
    if pa.types.is_integer(kind):
        return (int,)
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return (int, float)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return (list,)
    if pa.types.is_struct(kind) or pa.types.is_map(kind):
        return (dict,)
    return (str,)


def _expected(kind: pa.DataType) -> str:
    from lakeforge.tables.types import type_name

    if pa.types.is_timestamp(kind):
        zone = " with a zone offset" if kind.tz else " without a zone offset"
        return f"{type_name(kind)} (an ISO-8601 string{zone})"
    if pa.types.is_date(kind):
        return "date (an ISO-8601 string, YYYY-MM-DD)"
    return type_name(kind)


def _column(name: str, values: list[Any], kind: pa.DataType) -> pa.Array:
    allowed = _allowed(kind)
    wrong = next((v for v in values if v is not None and type(v) not in allowed), None)
    if wrong is not None:
        raise _bad(
            f"column {name!r} expects {_expected(kind)} but got a JSON {_json_kind(wrong)}",
            f"send {name!r} as {_expected(kind)}; lakeforge does not coerce types",
        )
    try:
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_decimal(kind):
            source = pa.string() if allowed == (str,) else None
            return pa.array(values, source).cast(kind)
        return pa.array(values, kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, ValueError):
        raise _bad(
            f"column {name!r} has a value that is not a valid {_expected(kind)}",
            f"send {name!r} as {_expected(kind)} (integers must fit 64 bits)",
        ) from None


def _check_columns(names: Sequence[str], schema: InputSchema) -> None:
    dupes = sorted({n for n in names if list(names).count(n) > 1})
    if dupes:
        raise _bad(f"columns {dupes} are given twice", "give each column once")
    unknown = [n for n in names if n not in schema.fields]
    if unknown:
        raise _bad(
            f"columns {unknown} are not inputs of the model",
            f"send only model inputs: {list(schema.fields)}",
        )
    missing = [n for n in schema.required if n not in names]
    if missing:
        raise _bad(
            f"required columns {missing} are missing",
            f"every request needs {list(schema.required)} (lookup keys and source columns); "
            "features are looked up",
        )


def _build(columns: dict[str, list[Any]], schema: InputSchema) -> pa.Table:
    _check_columns(list(columns), schema)
    arrays = [_column(name, values, schema.fields[name]) for name, values in columns.items()]
    return pa.Table.from_arrays(
        arrays, schema=pa.schema([pa.field(n, schema.fields[n]) for n in columns])
    )


def _from_split(value: Any) -> dict[str, list[Any]]:
    if not isinstance(value, Mapping) or not isinstance(value.get("columns"), list):
        raise _bad(
            "dataframe_split must be an object with a 'columns' list and a 'data' list of rows",
            '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5]]}}',
        )
    unknown = sorted(set(value) - {"columns", "data", "index"})
    if unknown:
        raise _bad(f"dataframe_split has unknown keys {unknown}", "use columns, data and index")
    columns, data = value["columns"], value.get("data", [])
    if not all(isinstance(c, str) for c in columns):
        raise _bad("dataframe_split.columns must hold column names (strings)", "fix columns")
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise _bad("dataframe_split.data must be a list of rows (lists)", "fix data")
    short = next((i for i, r in enumerate(data) if len(r) != len(columns)), None)
    if short is not None:
        raise _bad(
            f"dataframe_split.data row {short} has {len(data[short])} values for "
            f"{len(columns)} columns",
            "give every row one value per column",
        )
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise _bad(f"columns {dupes} are given twice", "give each column once")
    return {c: [row[i] for row in data] for i, c in enumerate(columns)}


def _from_records(value: Any, key: str) -> dict[str, list[Any]]:
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        raise _bad(
            f"{key} must be a list of objects (one per row)", f'{{"{key}": [{{"a": 1, "b": 2.5}}]}}'
        )
    names: dict[str, None] = {}
    for record in value:
        names.update(dict.fromkeys(record))
    return {n: [r.get(n) for r in value] for n in names}


def _from_inputs(value: Any) -> dict[str, list[Any]]:
    if isinstance(value, list):
        return _from_records(value, "inputs")
    if not isinstance(value, Mapping):
        raise _bad(
            "inputs must be an object of named columns or a list of row objects",
            '{"inputs": {"a": [1, 2], "b": [2.5, 3.5]}}',
        )
    columns = {k: v if isinstance(v, list) else [v] for k, v in value.items()}
    sizes = {len(v) for v in columns.values()}
    if len(sizes) > 1:
        raise _bad(
            f"inputs columns have different lengths {sorted(sizes)}", "give equal-length columns"
        )
    return columns


def _reject_constant(token: str) -> Any:
    raise _bad(
        f"the body holds the non-standard JSON token {token}",
        "send null for missing values; NaN and Infinity are not JSON",
    )


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise _bad("the JSON body is nested too deeply", "send a flat request") from None
    except json.JSONDecodeError as exc:
        raise _bad(
            f"the body is not valid JSON (line {exc.lineno} column {exc.colno})",
            "send a JSON object",
        ) from None
    except UnicodeDecodeError:
        raise _bad("the body is not UTF-8", "send UTF-8 JSON") from None


def parse_json(body: bytes, schema: InputSchema) -> Invocation:
    """A JSON request body as rows for ``schema``.

    Raises:
        ValidationError: Invalid JSON, not one input key, or a column problem (named).
    """
    loaded = _load_json(body)
    if not isinstance(loaded, dict):
        raise _bad(
            f"the body must be a JSON object, got a JSON {_json_kind(loaded)}",
            f"wrap the rows in one of {list(INPUT_KEYS)}",
        )
    given = [k for k in loaded if k in INPUT_KEYS]
    unknown = sorted(k for k in loaded if k not in INPUT_KEYS and k not in EXTRA_KEYS)
    if len(given) != 1 or unknown:
        raise _bad(
            f"the body must have exactly one of {list(INPUT_KEYS)} (plus optional "
            f"{list(EXTRA_KEYS)}); got keys {sorted(loaded)}",
            '{"dataframe_split": {"columns": [...], "data": [[...]]}}',
        )
    key = given[0]
    value = loaded[key]
    columns = (
        _from_split(value)
        if key == "dataframe_split"
        else _from_inputs(value)
        if key == "inputs"
        else _from_records(value, key)
    )
    params = loaded.get("params") or {}
    if not isinstance(params, dict):
        raise _bad("params must be an object", '{"params": {"name": value}}')
    request_id = loaded.get("client_request_id")
    if request_id is not None and not isinstance(request_id, str):
        raise _bad("client_request_id must be a string", "send it as a string")
    return Invocation(_build(columns, schema), params, request_id)


def _arrow_problem(exc: Exception, names: Sequence[str]) -> ValidationError:
    text = str(exc)
    named = next((n for n in names if f"'{n}'" in text or f" {n}:" in text), None)
    where = f"column {named!r}" if named else "a column"
    return _bad(f"{where} holds a value of the wrong type", "fix the column's values")


def parse_csv(body: bytes, schema: InputSchema) -> Invocation:
    """A CSV body with a header row.

    Raises:
        ValidationError: Unknown, missing or mistyped columns (named).
    """
    import csv as text_csv

    import pyarrow.csv as csv

    try:
        first = body.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
        header = next(text_csv.reader([first]))
    except (UnicodeDecodeError, StopIteration, text_csv.Error):
        raise _bad(
            "the body is not a UTF-8 CSV with a header row", "send CSV with a header"
        ) from None
    _check_columns(header, schema)
    types = {n: schema.fields[n] for n in header}
    try:
        table = csv.read_csv(
            io.BytesIO(body), convert_options=csv.ConvertOptions(column_types=types)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        index = str(exc).split("column #", 1)[-1].split(":", 1)[0]
        column = header[int(index)] if index.isdigit() and int(index) < len(header) else None
        if column is not None:
            raise _bad(
                f"column {column!r} has a value that is not a valid {_expected(types[column])}",
                f"send {column!r} as {_expected(types[column])}",
            ) from None
        raise _arrow_problem(exc, header) from None
    return Invocation(table)


def parse_parquet(body: bytes, schema: InputSchema) -> Invocation:
    """A Parquet file body; column types must equal the model's.

    Raises:
        ValidationError: Unreadable file, unknown/missing/mistyped columns (named).
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(body))
    except (pa.ArrowInvalid, OSError):
        raise _bad("the body is not a Parquet file", "send a Parquet file") from None
    _check_columns(table.column_names, schema)
    for name in table.column_names:
        have, want = table.schema.field(name).type, schema.fields[name]
        if have != want and not pa.types.is_null(have):
            raise _bad(
                f"column {name!r} is {have}, the model expects {_expected(want)}",
                f"cast {name!r} before sending; lakeforge does not coerce types",
            )
    return Invocation(table)


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header (JSON when absent).

    Raises:
        UnsupportedMediaTypeError: Another type, or a charset other than UTF-8.
    """
    if not content_type:
        return JSON_TYPE
    parts = [p.strip() for p in content_type.split(";")]
    kind = parts[0].lower()
    charset = next(
        (p.split("=", 1)[1].strip().strip('"').lower() for p in parts[1:] if "=" in p), "utf-8"
    )
    if kind not in MEDIA_TYPES or charset not in {"utf-8", "utf8"}:
        raise UnsupportedMediaTypeError(content_type, MEDIA_TYPES)
    return kind


def parse(body: bytes, content_type: str | None, schema: InputSchema) -> Invocation:
    """Dispatch on the content type.

    Raises:
        UnsupportedMediaTypeError: Not JSON, CSV or Parquet, or not UTF-8.
        ValidationError: See the format parsers.
    """
    kind = media_type(content_type)
    if kind == CSV_TYPE:
        return parse_csv(body, schema)
    if kind == PARQUET_TYPE:
        return parse_parquet(body, schema)
    return parse_json(body, schema)


__all__ = ["InputSchema", "Invocation", "media_type", "parse"]
