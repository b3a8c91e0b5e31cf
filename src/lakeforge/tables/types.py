"""Column types: Spark SQL type names ↔ Arrow, and normalization of incoming data.

Delta stores a fixed set of types. Incoming Arrow data is normalized before writing and every
change is reported as a :class:`Cast` with the number of rows it touched:

- always: unsigned integers → the next signed width (uint64 only when every value fits),
  float16 → float32, nanosecond/second/millisecond timestamps → microseconds, string/binary
  views → plain string/binary, dictionary-encoded columns → their values;
- on request (``decimal_to_float``): decimals → float64, recorded in the table's properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import ValidationError

_SIMPLE: dict[str, pa.DataType] = {
    "tinyint": pa.int8(),
    "byte": pa.int8(),
    "smallint": pa.int16(),
    "short": pa.int16(),
    "int": pa.int32(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "long": pa.int64(),
    "float": pa.float32(),
    "real": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "varchar": pa.string(),
    "binary": pa.binary(),
    "boolean": pa.bool_(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamp_ntz": pa.timestamp("us"),
}

_NAMES: list[tuple[pa.DataType, str]] = [
    (pa.int8(), "tinyint"),
    (pa.int16(), "smallint"),
    (pa.int32(), "int"),
    (pa.int64(), "bigint"),
    (pa.float32(), "float"),
    (pa.float64(), "double"),
    (pa.string(), "string"),
    (pa.large_string(), "string"),
    (pa.binary(), "binary"),
    (pa.large_binary(), "binary"),
    (pa.bool_(), "boolean"),
    (pa.date32(), "date"),
]


@dataclass(frozen=True, slots=True)
class Cast:
    """One automatic type change applied to incoming data."""

    column: str
    from_type: str
    to_type: str
    rows: int
    reason: str

    def __str__(self) -> str:
        change = f"{self.from_type} -> {self.to_type}"
        return f"{self.column}: {change} ({self.rows} rows, {self.reason})"


def type_name(dtype: pa.DataType) -> str:
    """Spark SQL name of an Arrow type (``bigint``, ``decimal(10,2)``, ``array<string>``)."""
    for arrow_type, name in _NAMES:
        if dtype == arrow_type:
            return name
    if pa.types.is_timestamp(dtype):
        return "timestamp" if dtype.tz else "timestamp_ntz"
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"array<{type_name(dtype.value_type)}>"
    if pa.types.is_map(dtype):
        return f"map<{type_name(dtype.key_type)},{type_name(dtype.item_type)}>"
    if pa.types.is_struct(dtype):
        inner = ",".join(f"{f.name}:{type_name(f.type)}" for f in dtype)
        return f"struct<{inner}>"
    return str(dtype)


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse_type(text: str) -> pa.DataType:
    """Arrow type for a Spark SQL type name.

    Raises:
        ValidationError: The name is not a known type.
    """
    t = text.strip().lower()
    if t in _SIMPLE:
        return _SIMPLE[t]
    if m := re.fullmatch(r"decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", t):
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    if t == "decimal":
        return pa.decimal128(10, 0)
    if re.fullmatch(r"(var)?char\s*\(\s*\d+\s*\)", t):
        return pa.string()  # Delta stores char(n)/varchar(n) as string
    original = text.strip()  # nested struct field names keep their case
    if m := re.fullmatch(r"array\s*<(.+)>", original, re.I | re.S):
        return pa.list_(parse_type(m.group(1)))
    if m := re.fullmatch(r"map\s*<(.+)>", original, re.I | re.S):
        parts = _split_top(m.group(1))
        if len(parts) != 2:
            raise ValidationError(
                f"map type {text!r} needs a key and a value type", "write it as map<K,V>"
            )
        return pa.map_(parse_type(parts[0]), parse_type(parts[1]))
    if m := re.fullmatch(r"struct\s*<(.+)>", original, re.I | re.S):
        fields = []
        for part in _split_top(m.group(1)):
            name, sep, ftype = part.partition(":")
            if not sep:  # Spark also accepts struct<name type>
                name, _, ftype = part.strip().partition(" ")
            fields.append(pa.field(name.strip(), parse_type(ftype)))
        return pa.struct(fields)
    raise ValidationError(
        f"unknown column type {text!r}",
        "use a Spark SQL type: tinyint, smallint, int, bigint, float, double, decimal(p,s), "
        "string, binary, boolean, date, timestamp, timestamp_ntz, array<T>, map<K,V>, struct<..>",
    )


def parse_schema(ddl: str) -> pa.Schema:
    """Parse ``"id bigint not null, amount decimal(10,2), note string"`` into an Arrow schema."""
    fields = []
    for column in _split_top(ddl):
        m = re.fullmatch(
            r"(?:`((?:[^`]|``)+)`|([^`\s]+))\s+(.+?)(\s+not\s+null)?", column.strip(), re.I | re.S
        )
        if not m:
            raise ValidationError(
                f"cannot read column definition {column!r}",
                "write columns as 'name type[, name type ...]', e.g. 'id bigint, v double'",
            )
        name = m.group(1).replace("``", "`") if m.group(1) is not None else m.group(2)
        fields.append(pa.field(name, parse_type(m.group(3)), nullable=not m.group(4)))
    if not fields:
        raise ValidationError("the schema is empty", "give at least one 'name type' column")
    names = [f.name.lower() for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValidationError(f"duplicate column names {dupes}", "give every column its own name")
    return pa.schema(fields)


def _signed_target(dtype: pa.DataType) -> pa.DataType:
    widths = {8: pa.int16(), 16: pa.int32(), 32: pa.int64(), 64: pa.int64()}
    return widths[dtype.bit_width]


def _normalized_type(dtype: pa.DataType, decimal_to_float: bool) -> tuple[pa.DataType, str] | None:
    if pa.types.is_unsigned_integer(dtype):
        return _signed_target(dtype), "Delta has no unsigned integers"
    if pa.types.is_float16(dtype):
        return pa.float32(), "Delta has no half floats"
    if pa.types.is_timestamp(dtype) and dtype.unit != "us":
        return pa.timestamp("us", tz=dtype.tz), "Delta stores microseconds"
    if dtype == pa.string_view():
        return pa.string(), "view type"
    if dtype == pa.binary_view():
        return pa.binary(), "view type"
    if pa.types.is_dictionary(dtype):
        inner = _normalized_type(dtype.value_type, decimal_to_float)
        return (inner[0] if inner else dtype.value_type), "dictionary decoded"
    if pa.types.is_decimal(dtype) and decimal_to_float:
        return pa.float64(), "decimal_to_float"
    if pa.types.is_null(dtype):
        return None
    return None


def _described(dtype: pa.DataType) -> str:
    """``type_name`` plus the timestamp unit, which the SQL name leaves out."""
    if pa.types.is_timestamp(dtype):
        return f"{type_name(dtype)}({dtype.unit})"
    return type_name(dtype)


def normalize(table: pa.Table, *, decimal_to_float: bool = False) -> tuple[pa.Table, list[Cast]]:
    """Normalize incoming data to Delta-storable types; return the table and what changed.

    Raises:
        ValidationError: A value cannot be represented (e.g. uint64 over the int64 range).
    """
    casts: list[Cast] = []
    for i, field in enumerate(table.schema):
        target = _normalized_type(field.type, decimal_to_float)
        if target is None:
            continue
        new_type, reason = target
        column = table.column(i)
        try:
            converted = column.cast(new_type, safe=not pa.types.is_timestamp(new_type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValidationError(
                f"column {field.name!r} of type {type_name(field.type)} cannot be stored as "
                f"{type_name(new_type)}: {exc}",
                f"cast column {field.name!r} yourself to a Delta type before writing",
            ) from exc
        rows = len(column) - column.null_count
        table = table.set_column(i, pa.field(field.name, new_type, field.nullable), converted)
        casts.append(Cast(field.name, _described(field.type), _described(new_type), rows, reason))
    return table, casts


def null_columns(schema: pa.Schema) -> list[str]:
    """Columns whose Arrow type is ``null`` (no values to infer a type from)."""
    return [f.name for f in schema if pa.types.is_null(f.type)]


_WIDENING: dict[pa.DataType, tuple[pa.DataType, ...]] = {
    pa.int8(): (pa.int16(), pa.int32(), pa.int64(), pa.float32(), pa.float64()),
    pa.int16(): (pa.int32(), pa.int64(), pa.float32(), pa.float64()),
    pa.int32(): (pa.int64(), pa.float64()),
    pa.float32(): (pa.float64(),),
    pa.large_string(): (pa.string(),),
    pa.string(): (pa.large_string(),),
}


def is_widening(source: pa.DataType, target: pa.DataType) -> bool:
    """True when every ``source`` value is exactly representable as ``target``."""
    if source == target or pa.types.is_null(source):
        return True
    if pa.types.is_timestamp(source) and pa.types.is_timestamp(target):
        return source.unit == target.unit and (source.tz is None) == (target.tz is None)
    if pa.types.is_decimal(source) and pa.types.is_decimal(target):
        # e.g. decimal(3,2) (inferred from Python Decimals) fits decimal(10,2)
        more_scale: bool = target.scale >= source.scale
        more_digits: bool = target.precision - target.scale >= source.precision - source.scale
        return more_scale and more_digits
    if target in _WIDENING.get(source, ()):
        return True
    # the same SQL type in another Arrow layout (large_list/list, large_binary/binary, ...)
    return not _has_timestamp(source) and type_name(source) == type_name(target)


def _has_timestamp(dtype: pa.DataType) -> bool:
    if pa.types.is_timestamp(dtype):
        return True
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return _has_timestamp(dtype.value_type)
    if pa.types.is_map(dtype):
        return _has_timestamp(dtype.key_type) or _has_timestamp(dtype.item_type)
    if pa.types.is_struct(dtype):
        return any(_has_timestamp(f.type) for f in dtype)
    return False


def count_non_null(column: pa.ChunkedArray) -> int:
    """Rows holding a value (for cast reports)."""
    return int(pc.sum(pc.is_valid(column)).as_py() or 0)


def _numeric(dtype: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype)
    )


def _to_numeric(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_decimal(target) and pa.types.is_integer(column.type):
        # pyarrow sizes int -> decimal by the int's width; go through the widest decimal so
        # the value, not the width, decides whether it fits
        column = column.cast(pa.decimal128(38, 0))
    converted = column.cast(target)  # safe: overflow and truncation raise
    if pa.types.is_floating(target):
        before = pc.sum(pc.is_inf(column)).as_py() if pa.types.is_floating(column.type) else 0
        if (pc.sum(pc.is_inf(converted)).as_py() or 0) != (before or 0):
            raise pa.ArrowInvalid(f"value out of range for {type_name(target)}")
    return converted


def _parse_time(text: str, target: pa.DataType) -> datetime | date:
    """One date/time string as the reference casts it: ISO 8601 with ``T`` or a space, an
    optional zone offset; a date-time without one is UTC (the session time zone)."""
    when = datetime.fromisoformat(text.strip())
    if pa.types.is_date(target):
        return when.date()
    if target.tz is None:
        return (
            when.replace(tzinfo=None)
            if when.tzinfo is None
            else when.astimezone(UTC).replace(tzinfo=None)
        )
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _to_time(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:
            values = [None if v is None else _parse_time(v, target) for v in column.to_pylist()]
        except ValueError as exc:
            raise pa.ArrowInvalid(str(exc)) from exc
        return pa.chunked_array([pa.array(values, target)])
    if pa.types.is_date(target) or target.tz is None:
        return column.cast(target)
    # local date-times are read in the session time zone, which is UTC (reference default)
    naive = column.cast(pa.timestamp(target.unit)) if pa.types.is_date(column.type) else column
    return naive.cast(pa.timestamp(target.unit)).cast(target)


def store_assign(
    column: pa.ChunkedArray | pa.Array,
    target: pa.DataType,
    *,
    table: str,
    name: str,
    constant: bool,
) -> tuple[pa.ChunkedArray, Cast | None]:
    """Give values a SQL statement writes into a column the column's type, as the reference's
    store assignment does, refusing any value that does not fit.

    - the same type, or a lossless widening: unchanged (the table layer casts and reports it);
    - numbers into another numeric type (e.g. a DECIMAL sum into a DOUBLE column, BIGINT into
      INT): converted when every value fits (no overflow, no lost digits; a float may round to
      the nearest representable value); reported as a ``store assignment`` cast unless the
      values are constants written in the statement (``VALUES (2.5)``), which have no type of
      their own;
    - dates and timestamps into a timestamp column (a local date-time is read as UTC, the
      session time zone), and constant strings into a date or timestamp column when they parse;
    - anything else (a string into an INT column, a boolean into a number) is refused.

    Raises:
        SchemaMismatchError: A value that cannot be stored in the column.
    """
    from lakeforge.errors import SchemaMismatchError

    values = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    source = values.type
    if source == target or pa.types.is_null(source) or is_widening(source, target):
        return (values.cast(target) if constant else values), None
    text = pa.types.is_string(source) or pa.types.is_large_string(source)
    time_source = pa.types.is_date(source) or pa.types.is_timestamp(source)
    numeric = _numeric(source) and _numeric(target)
    to_time = (pa.types.is_timestamp(target) and time_source) or (
        constant and text and (pa.types.is_date(target) or pa.types.is_timestamp(target))
    )
    if not (numeric or to_time):
        raise SchemaMismatchError(
            table,
            f"column {name!r} is {type_name(target)} but the statement gives {type_name(source)}",
            f"write a {type_name(target)} value, or CAST(... AS {type_name(target).upper()})",
        )
    try:
        converted = _to_numeric(values, target) if numeric else _to_time(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        example = next((v for v in values.to_pylist() if v is not None), None)
        raise SchemaMismatchError(
            table,
            f"value {example!r} ({type_name(source)}) does not fit column {name!r} "
            f"({type_name(target)}): {str(exc).splitlines()[0]}",
            f"write a value that fits {type_name(target)}",
        ) from exc
    if constant:
        return converted, None
    rows = count_non_null(values)
    return converted, Cast(name, type_name(source), type_name(target), rows, "store assignment")
