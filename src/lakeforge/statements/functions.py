"""Reference functions that sqlglot's DuckDB output gets wrong or leaves unknown to DuckDB.

Applied to the parsed tree before DuckDB SQL is generated:

- ``unix_timestamp(x)`` (default format) reads a timestamp, a date or default-formatted text
  as seconds since the epoch, a BIGINT truncated toward the past as in the reference; sqlglot
  would parse ``x`` as text, which fails for timestamp columns. With an explicit non-default
  format the text parse stays, and its result is whole seconds too.
- ``timestamp_seconds`` / ``timestamp_millis`` / ``timestamp_micros`` (epoch numbers to a
  timestamp), which DuckDB spells ``to_timestamp`` / ``epoch_ms`` / ``make_timestamp``.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp


@functools.cache
def _default_unix_format() -> exp.Expr | None:
    node = sqlglot.parse_one("unix_timestamp(x)", read="databricks")
    return node.args.get("format") if isinstance(node, exp.StrToUnix) else None


def _epoch_seconds(value: exp.Expr) -> exp.Expr:
    as_timestamp = exp.Cast(this=value, to=exp.DataType.build("TIMESTAMP"))
    seconds = exp.Floor(this=exp.Anonymous(this="EPOCH", expressions=[as_timestamp]))
    return exp.Cast(this=seconds, to=exp.DataType.build("BIGINT"))


def _from_epoch(name: str, value: exp.Expr) -> exp.Expr | None:
    if name == "timestamp_seconds":
        utc = exp.Anonymous(this="TO_TIMESTAMP", expressions=[value])
        return exp.Cast(this=utc, to=exp.DataType.build("TIMESTAMP"))
    if name == "timestamp_millis":
        return exp.Anonymous(this="EPOCH_MS", expressions=[value])
    if name == "timestamp_micros":
        micros = exp.Cast(this=value, to=exp.DataType.build("BIGINT"))
        return exp.Anonymous(this="MAKE_TIMESTAMP", expressions=[micros])
    return None


def _rewrite(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.StrToUnix) and node.args.get("format") == _default_unix_format():
        value = node.this if node.this is not None else exp.CurrentTimestamp()
        return _epoch_seconds(reference_functions(value))
    if isinstance(node, exp.StrToUnix) and not isinstance(node.parent, exp.Floor):
        # an explicit format parses text; the result is whole seconds (BIGINT), not a double
        inner = node.copy()
        inner.set("this", reference_functions(inner.this))
        return exp.Cast(this=exp.Floor(this=inner), to=exp.DataType.build("BIGINT"))
    if isinstance(node, exp.Anonymous) and len(node.expressions) == 1:
        # a replaced node's arguments are not visited again: rewrite them first
        replaced = _from_epoch(node.name.lower(), reference_functions(node.expressions[0]))
        if replaced is not None:
            return replaced
    return node


def reference_functions(tree: exp.Expr) -> exp.Expr:
    """``tree`` with the reference functions above rewritten for DuckDB (in place)."""
    return tree.transform(_rewrite, copy=False)
