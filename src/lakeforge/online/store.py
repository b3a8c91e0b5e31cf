"""The embedded online store: published feature rows in SQLite (``online.db``, WAL), by key.

One SQLite table per online table, keyed by the feature table's primary keys (the timeseries
key excluded: the online row is the latest per key). A metadata table records, per online
table, its source, the source's table id and the Delta version published last, and its Arrow
schema, so lookups return the offline types. Writers commit whole publishes in one
transaction; readers (any thread or process) see either the old or the new rows, never a mix.
For timeseries tables an upsert never replaces a row by one with an older event time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from lakeforge.errors import OnlineTableNotFoundError, ValidationError
from lakeforge.online.values import from_sqlite, sqlite_type, to_sqlite

_META = "lakeforge_online_tables"
_BATCH = 500


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class OnlineTable:
    """An online table: where its rows came from and what they look like."""

    name: str
    source_table: str
    source_table_id: str
    primary_keys: tuple[str, ...]
    timeseries_key: str | None
    schema: pa.Schema
    published_version: int
    published_at: str
    row_count: int = 0

    @property
    def physical(self) -> str:
        """The SQLite table holding the rows."""
        return "ot_" + hashlib.sha1(self.name.encode()).hexdigest()[:20]

    @property
    def features(self) -> list[str]:
        """Columns other than the lookup keys (the timeseries key included)."""
        return [n for n in self.schema.names if n not in self.primary_keys]


class OnlineStore:
    """The online store of one workspace.

    Args:
        path: The SQLite file (``<workspace>/online.db``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        with self._connection() as con:
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {_META} (name TEXT PRIMARY KEY, source_table TEXT, "
                "source_table_id TEXT, primary_keys TEXT, timeseries_key TEXT, schema BLOB, "
                "published_version INTEGER, published_at TEXT, row_count INTEGER)"
            )

    def _connection(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
        return con

    # -- metadata ------------------------------------------------------------------------------

    def _row(self, row: Sequence[Any]) -> OnlineTable:
        schema = pa.ipc.read_schema(pa.py_buffer(row[5]))
        return OnlineTable(
            name=row[0],
            source_table=row[1],
            source_table_id=row[2],
            primary_keys=tuple(json.loads(row[3])),
            timeseries_key=row[4],
            schema=schema,
            published_version=int(row[6]),
            published_at=row[7],
            row_count=int(row[8] or 0),
        )

    def _cache(self) -> dict[Any, Any]:
        """Per-thread cache of table metadata and SQL, dropped when any other connection has
        committed since (SQLite's ``data_version``), so a publish is seen at once."""
        con = self._connection()
        version = con.execute("PRAGMA data_version").fetchone()[0]
        cache: dict[Any, Any] | None = getattr(self._local, "cache", None)
        if cache is None or getattr(self._local, "data_version", None) != version:
            cache = {}
            self._local.cache = cache
            self._local.data_version = version
        return cache

    def find(self, name: str) -> OnlineTable | None:
        """An online table, or None."""
        cache = self._cache()
        found: OnlineTable | None = cache.get(name)
        if found is not None:
            return found
        query = f"SELECT * FROM {_META} WHERE name = ?"
        row = self._connection().execute(query, (name,)).fetchone()
        if row is None:
            return None
        found = cache[name] = self._row(row)
        return found

    def get(self, name: str) -> OnlineTable:
        """An online table.

        Raises:
            OnlineTableNotFoundError: Not published (the message lists published tables).
        """
        found = self.find(name)
        if found is None:
            raise OnlineTableNotFoundError(name, [t.name for t in self.list()])
        return found

    def for_source(self, source_table: str) -> OnlineTable:
        """The online table published from ``source_table`` (its default name first).

        Raises:
            OnlineTableNotFoundError: The feature table was never published.
        """
        cache = self._cache()
        found: OnlineTable | None = cache.get(("source", source_table))
        if found is not None:
            return found
        published = [t for t in self.list() if t.source_table == source_table]
        if not published:
            raise OnlineTableNotFoundError(f"{source_table}_online", [t.name for t in self.list()])
        default = [t for t in published if t.name == f"{source_table}_online"]
        found = cache[("source", source_table)] = (default or published)[0]
        return found

    def list(self) -> list[OnlineTable]:
        """Every online table, by name."""
        rows = self._connection().execute(f"SELECT * FROM {_META} ORDER BY name").fetchall()
        return [self._row(r) for r in rows]

    # -- writing -------------------------------------------------------------------------------

    def _create(self, con: sqlite3.Connection, table: OnlineTable) -> None:
        columns = ", ".join(f"{_q(f.name)} {sqlite_type(f.type)}" for f in table.schema)
        keys = ", ".join(_q(k) for k in table.primary_keys)
        con.execute(
            f"CREATE TABLE {_q(table.physical)} ({columns}, PRIMARY KEY ({keys})) WITHOUT ROWID"
        )

    def _upsert_sql(self, table: OnlineTable) -> str:
        names = table.schema.names
        cols = ", ".join(_q(n) for n in names)
        marks = ", ".join("?" for _ in names)
        keys = ", ".join(_q(k) for k in table.primary_keys)
        updates = ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in table.features)
        sql = f"INSERT INTO {_q(table.physical)} ({cols}) VALUES ({marks}) ON CONFLICT ({keys}) "
        if not updates:
            return sql + "DO NOTHING"
        sql += f"DO UPDATE SET {updates}"
        if table.timeseries_key is not None:
            ts = _q(table.timeseries_key)
            sql += f" WHERE excluded.{ts} >= {_q(table.physical)}.{ts}"
        return sql

    def write(self, table: OnlineTable, rows: pa.Table, *, replace: bool) -> int:
        """Upsert ``rows`` (or replace every row) and record ``table``; one transaction.

        Returns:
            Rows in the online table after the write.
        """
        con = self._connection()
        previous = self.find(table.name)
        rebuild = replace or previous is None or not previous.schema.equals(table.schema)
        columns = [to_sqlite(rows.column(n)) for n in table.schema.names]
        con.execute("BEGIN IMMEDIATE")
        try:
            if rebuild:
                con.execute(f"DROP TABLE IF EXISTS {_q(table.physical)}")
                self._create(con, table)
            con.executemany(self._upsert_sql(table), zip(*columns, strict=True))
            count = int(con.execute(f"SELECT count(*) FROM {_q(table.physical)}").fetchone()[0])
            con.execute(
                f"INSERT OR REPLACE INTO {_META} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    table.name,
                    table.source_table,
                    table.source_table_id,
                    json.dumps(list(table.primary_keys)),
                    table.timeseries_key,
                    table.schema.serialize().to_pybytes(),
                    table.published_version,
                    datetime.now(UTC).isoformat(),
                    count,
                ),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            self._local.cache = None  # this connection's own writes do not move data_version
        return count

    def drop(self, name: str) -> None:
        """Remove an online table and its rows."""
        table = self.get(name)
        con = self._connection()
        con.execute("BEGIN IMMEDIATE")
        con.execute(f"DROP TABLE IF EXISTS {_q(table.physical)}")
        con.execute(f"DELETE FROM {_META} WHERE name = ?", (name,))
        con.execute("COMMIT")
        self._local.cache = None

    # -- reading -------------------------------------------------------------------------------

    def lookup(
        self,
        name: str,
        keys: pa.Table | Mapping[str, Sequence[Any]],
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """Feature rows for many keys at once, aligned with the input (missing keys: nulls).

        Args:
            name: The online table.
            keys: One column per primary key (Arrow table or mapping of sequences).
            columns: Features to return (default: every non-key column).

        Raises:
            ValidationError: A key column is missing or a requested column does not exist.
        """
        table = self.get(name)
        given = keys if isinstance(keys, pa.Table) else pa.table(dict(keys))
        missing = [k for k in table.primary_keys if k not in given.column_names]
        if missing:
            raise ValidationError(
                f"lookup in {name!r} needs key columns {missing}",
                f"pass {list(table.primary_keys)}",
            )
        wanted = list(columns) if columns is not None else table.features
        unknown = [c for c in wanted if c not in table.schema.names]
        if unknown:
            raise ValidationError(
                f"online table {name!r} has no columns {unknown}", f"choose from {table.features}"
            )
        key_values = list(
            zip(*(to_sqlite(given.column(k)) for k in table.primary_keys), strict=True)
        )
        found = self._fetch(table, sorted(set(key_values), key=repr), wanted)
        rows = [found.get(k) for k in key_values]
        arrays = [
            from_sqlite([r[i] if r else None for r in rows], table.schema.field(c).type)
            for i, c in enumerate(wanted)
        ]
        return pa.table(arrays, names=wanted)

    def lookup_row(
        self, name: str, key: Sequence[Any], columns: Sequence[str] | None = None
    ) -> dict[str, Any] | None:
        """One entity's features as a dict (None when the key is not published): the fast path
        for serving single requests.

        Args:
            name: The online table.
            key: The primary key values, in primary-key order (Python values).
            columns: Features to return (default: every non-key column).
        """
        table = self.get(name)
        wanted = tuple(columns) if columns is not None else tuple(table.features)
        cache = self._cache()
        plan = cache.get(("row", name, wanted))
        if plan is None:
            where = " AND ".join(f"{_q(k)} = ?" for k in table.primary_keys)
            select = ", ".join(_q(c) for c in wanted)
            sql = f"SELECT {select} FROM {_q(table.physical)} WHERE {where}"
            converters = [_converter(table.schema.field(c).type) for c in wanted]
            plan = cache[("row", name, wanted)] = (sql, converters)
        sql, converters = plan
        row = self._connection().execute(sql, tuple(key)).fetchone()
        if row is None:
            return None
        return {
            c: (v if convert is None or v is None else convert(v))
            for c, v, convert in zip(wanted, row, converters, strict=True)
        }

    def _fetch(
        self, table: OnlineTable, keys: Sequence[tuple[Any, ...]], wanted: Sequence[str]
    ) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        con = self._connection()
        width = len(table.primary_keys)
        key_cols = ", ".join(_q(k) for k in table.primary_keys)
        select = ", ".join([*(_q(k) for k in table.primary_keys), *(_q(c) for c in wanted)])
        found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start : start + _BATCH]
            tuple_marks = "(" + ", ".join("?" for _ in range(width)) + ")"
            values = ", ".join(tuple_marks for _ in chunk)
            sql = (
                f"SELECT {select} FROM {_q(table.physical)} WHERE ({key_cols}) IN (VALUES {values})"
            )
            params = [v for key in chunk for v in key]
            for row in con.execute(sql, params):
                found[tuple(row[:width])] = tuple(row[width:])
        return found


def _converter(kind: pa.DataType) -> Any:
    """A stored value back to the Python value of ``kind`` (None: already right)."""
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_string(kind):
        return None

    def convert(value: Any) -> Any:
        return from_sqlite([value], kind)[0].as_py()

    return convert


__all__ = ["OnlineStore", "OnlineTable"]
