"""DuckDB engine: SQL over Arrow datasets with three-level names resolved by lakeforge.

DuckDB cannot load its Delta extension offline, and its own catalog names (``main``, ``temp``,
``system``) clash with ours, so table references are rewritten on DuckDB's own syntax tree
(``json_serialize_sql``): each resolved reference becomes a registered Arrow view, keeping the
alias the query used (or the table name), and column references qualified with the written
name (``main.sales.orders.amount``) are pointed at that alias. CTE names in scope and table
functions are left to DuckDB. Extensions are never installed or auto-loaded.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from lakeforge.engines.asof import AsofStep
from lakeforge.engines.engine import Capabilities, PreparedJoin, RelationResolver
from lakeforge.errors import SqlError

_ONLY_SELECT = (
    "lakeforge.sql runs SELECT queries; change data with the table API "
    "(create/append/overwrite/merge/delete) or the `lakeforge tables` commands"
)
# No network: a query naming e.g. an https:// file or delta_scan must not download extensions.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
_WORD = re.compile(r"[A-Za-z_]\w*")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _table_refs(
    node: Any, scope: frozenset[str], out: list[tuple[dict[str, Any], frozenset[str]]]
) -> None:
    """Collect ``BASE_TABLE`` nodes with the CTE names visible where each one stands.

    A CTE's body sees the CTEs defined before it (its own name only when it is recursive); the
    query it belongs to sees all of them. Names shadowed by a CTE are not workspace tables.
    """
    if isinstance(node, list):
        for value in node:
            _table_refs(value, scope, out)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "RECURSIVE_CTE_NODE" and node.get("cte_name"):
        scope = scope | {str(node["cte_name"]).lower()}
    cte_map = node.get("cte_map")
    if isinstance(cte_map, dict) and cte_map.get("map"):
        defined: set[str] = set()
        for entry in cte_map["map"]:
            _table_refs(entry.get("value"), scope | defined, out)
            defined.add(str(entry.get("key", "")).lower())
        scope = scope | defined
    if node.get("type") == "BASE_TABLE" and "table_name" in node:
        out.append((node, scope))
    for key, value in node.items():
        if key != "cte_map":
            _table_refs(value, scope, out)


def _quote_keyword_qualifiers(sql: str) -> str:
    """Double-quote keywords used as name qualifiers (``default.items`` -> ``"default".items``).

    ``default`` is the usual schema name in a lakehouse but a reserved word in DuckDB's grammar,
    so a two-part name starting with it would not parse. Strings and comments are untouched.
    """
    try:
        tokens = duckdb.tokenize(sql)
    except Exception:  # noqa: BLE001 - the parser reports the real problem
        return sql
    edits: list[tuple[int, int]] = []
    for (start, kind), (dot, dot_kind) in itertools.pairwise(tokens):
        if kind != duckdb.token_type.keyword or dot_kind != duckdb.token_type.operator:
            continue
        word = _WORD.match(sql, start)
        if word is None or word.end() != dot or not sql.startswith(".", dot):
            continue
        if not _WORD.match(sql, dot + 1) and not sql.startswith('"', dot + 1):
            continue
        edits.append((start, word.end()))
    for start, end in reversed(edits):
        sql = f'{sql[:start]}"{sql[start:end]}"{sql[end:]}'
    return sql


@dataclass
class _Rewrite:
    """Registered views and the aliases unaliased references received."""

    views: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # qualifier written in the query (lowercased parts) -> alias now in the query (None: ambiguous)
    qualifiers: dict[tuple[str, ...], str | None] = field(default_factory=dict)


def _key(node: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(node.get("catalog_name") or ""),
        str(node.get("schema_name") or ""),
        str(node["table_name"]),
    )


def _assign_aliases(refs: list[tuple[dict[str, Any], tuple[str, str, str]]]) -> dict[int, str]:
    """Alias per unaliased reference: the table name, unless two different tables share it."""
    tables_by_name: dict[str, set[tuple[str, ...]]] = {}
    for node, key in refs:
        if not node.get("alias"):
            lowered = tuple(p.lower() for p in key)
            tables_by_name.setdefault(key[2].lower(), set()).add(lowered)
    aliases: dict[int, str] = {}
    numbered: dict[tuple[str, ...], str] = {}
    for node, key in refs:
        if node.get("alias"):
            continue
        lowered = tuple(p.lower() for p in key)
        if len(tables_by_name[key[2].lower()]) == 1:
            aliases[id(node)] = key[2]
        else:
            numbered.setdefault(lowered, f"__lf_{key[2]}_{len(numbered)}")
            aliases[id(node)] = numbered[lowered]
    return aliases


def _point_column_refs(ast: Any, qualifiers: dict[tuple[str, ...], str | None]) -> None:
    """``main.sales.orders.amount`` / ``sales.orders.amount`` -> ``<alias>.amount``."""
    if not qualifiers:
        return
    for node in _walk(ast):
        if node.get("class") != "COLUMN_REF":
            continue
        parts = node.get("column_names")
        if not isinstance(parts, list):
            continue
        for width in (3, 2, 1):
            if len(parts) <= width:
                continue
            alias = qualifiers.get(tuple(str(p).lower() for p in parts[:width]))
            if alias is not None:
                node["column_names"] = [alias, *parts[width:]]
                break


def _narrow_hugeints(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Wrap ``sql`` so 128-bit integer results (DuckDB's type for ``sum`` of integers) come out
    as BIGINT, the reference's type; values out of the BIGINT range raise, never wrap."""
    relation = con.sql(sql)
    kinds = [str(t) for t in relation.types]
    if not any(k in ("HUGEINT", "UHUGEINT") for k in kinds):
        return sql
    names = relation.columns
    inner = ", ".join(f"c{i}" for i in range(len(names)))
    outer = ", ".join(
        f"CAST(c{i} AS BIGINT) AS {_ident(n)}"
        if k in ("HUGEINT", "UHUGEINT")
        else f"c{i} AS {_ident(n)}"
        for i, (n, k) in enumerate(zip(names, kinds, strict=True))
    )
    return f"SELECT {outer} FROM ({sql}) AS __lf_q({inner})"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBEngine:
    """The default engine: in-process DuckDB, one connection per query."""

    name = "duckdb"
    capabilities = Capabilities(sql=True, asof_join=True, streaming_results=True)

    def _parse(self, con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
        text = _quote_keyword_qualifiers(sql)
        rows = con.execute("SELECT json_serialize_sql(?)", [text]).fetchall()
        ast: dict[str, Any] = json.loads(rows[0][0]) if rows else {}
        if ast.get("error"):
            message = str(ast.get("error_message", "cannot parse"))
            if "Only SELECT" in message:
                raise SqlError(sql, "only SELECT statements are supported", _ONLY_SELECT)
            raise SqlError(sql, message, "fix the SQL syntax")
        statements = ast.get("statements") or []
        if len(statements) != 1:
            raise SqlError(
                sql,
                f"expected one SELECT statement, found {len(statements)}",
                "pass exactly one SELECT (run several statements one at a time)",
            )
        return ast

    def _rewrite(
        self,
        con: duckdb.DuckDBPyConnection,
        ast: dict[str, Any],
        sql: str,
        resolve: RelationResolver,
    ) -> None:
        found: list[tuple[dict[str, Any], frozenset[str]]] = []
        _table_refs(ast, frozenset(), found)
        state = _Rewrite()
        resolved: list[tuple[dict[str, Any], tuple[str, str, str]]] = []
        for node, scope in found:
            key = _key(node)
            if not key[0] and not key[1] and key[2].lower() in scope:
                continue  # a CTE
            lowered = (key[0].lower(), key[1].lower(), key[2].lower())
            if lowered not in state.views:
                relation = resolve(*key)
                if relation is None:
                    continue  # left to DuckDB (table functions, file paths, its own views)
                state.views[lowered] = f"__lf_rel_{len(state.views)}"
                con.register(state.views[lowered], relation)
            if node.get("at_clause"):
                raise SqlError(
                    sql,
                    f"time travel with AT (...) on {'.'.join(p for p in key if p)} is not "
                    "supported in SQL",
                    "read an older version with lakeforge.table(name, version=...) or "
                    "ws.tables.read(name, version=... / timestamp=...)",
                )
            resolved.append((node, key))
        aliases = _assign_aliases(resolved)
        for node, key in resolved:
            view = state.views[(key[0].lower(), key[1].lower(), key[2].lower())]
            if not node.get("alias"):
                node["alias"] = aliases[id(node)]
                written = tuple(p.lower() for p in key if p)
                for width in range(1, len(written) + 1):
                    qualifier = written[-width:]
                    if width == 1 and aliases[id(node)] == key[2]:
                        continue  # `orders.amount` already names the alias
                    previous = state.qualifiers.get(qualifier, node["alias"])
                    state.qualifiers[qualifier] = (
                        node["alias"] if previous == node["alias"] else None
                    )
            node["catalog_name"], node["schema_name"] = "", ""
            node["table_name"] = view
            if "qualified_name" in node:  # DuckDB >= 2 reads the path, not the name fields
                node["qualified_name"] = {"path": [view]}
        _point_column_refs(ast, state.qualifiers)

    def _prepare(
        self, sql: str, resolve: RelationResolver, hugeint_as_bigint: bool = False
    ) -> tuple[duckdb.DuckDBPyConnection, str]:
        con = duckdb.connect(config=_CONFIG)
        try:
            # session time zone of the reference (and of lakeforge): local date-times in
            # TIMESTAMP values are UTC, whatever the machine's zone
            con.execute("SET TimeZone = 'UTC'")
            ast = self._parse(con, sql)
            self._rewrite(con, ast, sql, resolve)
            rows = con.execute("SELECT json_deserialize_sql(?)", [json.dumps(ast)]).fetchall()
            rewritten = str(rows[0][0]) if rows else sql
            if hugeint_as_bigint:
                rewritten = _narrow_hugeints(con, rewritten)
        except duckdb.Error as exc:
            con.close()
            raise SqlError(sql, str(exc).splitlines()[0], "check table and column names") from exc
        except BaseException:
            con.close()
            raise
        return con, rewritten

    def point_in_time(self, spine: pa.Table, steps: Sequence[AsofStep]) -> pa.Table:
        """Execute an as-of join plan.

        Runs on polars' ``join_asof`` (measured ~2x faster than DuckDB's ASOF JOIN on the
        training-set workload, ``bench/pit.py``); :mod:`lakeforge.engines.duck_asof` executes
        the same plans in DuckDB and both pass the same oracle tests.
        """
        return self.prepare_point_in_time(steps).run(spine)

    def prepare_point_in_time(self, steps: Sequence[AsofStep]) -> PreparedJoin:
        """Prepare a plan for many spines: feature tables are read and sorted only once."""
        from lakeforge.engines.polars_asof import PreparedPlan

        return PreparedPlan(steps)

    def query(
        self, sql: str, resolve: RelationResolver, *, hugeint_as_bigint: bool = False
    ) -> pa.Table:
        """Run a SELECT and return the whole result as an Arrow table (``hugeint_as_bigint``:
        128-bit integer columns as BIGINT, overflow raising)."""
        con, rewritten = self._prepare(sql, resolve, hugeint_as_bigint)
        try:
            return con.sql(rewritten).to_arrow_table()
        except duckdb.Error as exc:
            raise SqlError(sql, str(exc).splitlines()[0], "check table and column names") from exc
        finally:
            con.close()

    def query_batches(
        self,
        sql: str,
        resolve: RelationResolver,
        batch_size: int = 65536,
        *,
        hugeint_as_bigint: bool = False,
    ) -> pa.RecordBatchReader:
        """Run a SELECT and stream the result; the connection closes when the reader is done."""
        con, rewritten = self._prepare(sql, resolve, hugeint_as_bigint)
        try:
            reader = con.sql(rewritten).to_arrow_reader(batch_size)
        except duckdb.Error as exc:
            con.close()
            raise SqlError(sql, str(exc).splitlines()[0], "check table and column names") from exc

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                yield from reader
            finally:
                con.close()

        return pa.RecordBatchReader.from_batches(reader.schema, batches())
