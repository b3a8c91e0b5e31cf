"""DuckDB engine: SQL over Arrow datasets with three-level names resolved by lakeforge.

DuckDB cannot load its Delta extension offline, and its own catalog names (``main``, ``temp``,
``system``) clash with ours, so table references are rewritten on DuckDB's own syntax tree
(``json_serialize_sql``): each resolved reference becomes a registered Arrow view, keeping the
alias the query used. CTE names and table functions are left to DuckDB.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pyarrow as pa

from lakeforge.engines.engine import Capabilities, RelationResolver
from lakeforge.errors import SqlError

_ONLY_SELECT = (
    "lakeforge.sql runs SELECT queries; change data with the table API "
    "(create/append/overwrite/merge/delete) or the `lakeforge tables` commands"
)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _cte_names(ast: Any) -> set[str]:
    names: set[str] = set()
    for node in _walk(ast):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names.update(str(e.get("key", "")).lower() for e in cte_map.get("map", []))
    return names


class DuckDBEngine:
    """The default engine: in-process DuckDB, one connection per query."""

    name = "duckdb"
    capabilities = Capabilities(sql=True, asof_join=True, streaming_results=True)

    def _parse(self, con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
        rows = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()
        ast: dict[str, Any] = json.loads(rows[0][0]) if rows else {}
        if ast.get("error"):
            message = str(ast.get("error_message", "cannot parse"))
            if "Only SELECT" in message:
                raise SqlError(sql, "only SELECT statements are supported", _ONLY_SELECT)
            raise SqlError(sql, message, "fix the SQL syntax")
        return ast

    def _prepare(
        self, sql: str, resolve: RelationResolver
    ) -> tuple[duckdb.DuckDBPyConnection, str]:
        con = duckdb.connect()
        try:
            ast = self._parse(con, sql)
            ctes = _cte_names(ast)
            views: dict[tuple[str, str, str], str] = {}
            for node in _walk(ast):
                if node.get("type") != "BASE_TABLE":
                    continue
                key = (node["catalog_name"], node["schema_name"], node["table_name"])
                if not key[0] and not key[1] and key[2].lower() in ctes:
                    continue
                if key not in views:
                    relation = resolve(*key)
                    if relation is None:
                        continue
                    views[key] = f"__lf_rel_{len(views)}"
                    con.register(views[key], relation)
                node["alias"] = node.get("alias") or node["table_name"]
                node["catalog_name"], node["schema_name"] = "", ""
                node["table_name"] = views[key]
                if "qualified_name" in node:  # DuckDB >= 2 reads the path, not the name fields
                    node["qualified_name"] = {"path": [views[key]]}
            rows = con.execute("SELECT json_deserialize_sql(?)", [json.dumps(ast)]).fetchall()
        except BaseException:
            con.close()
            raise
        return con, str(rows[0][0]) if rows else sql

    def query(self, sql: str, resolve: RelationResolver) -> pa.Table:
        """Run a SELECT and return the whole result as an Arrow table."""
        con, rewritten = self._prepare(sql, resolve)
        try:
            return con.sql(rewritten).to_arrow_table()
        except duckdb.Error as exc:
            raise SqlError(sql, str(exc).splitlines()[0], "check table and column names") from exc
        finally:
            con.close()

    def query_batches(
        self, sql: str, resolve: RelationResolver, batch_size: int = 65536
    ) -> pa.RecordBatchReader:
        """Run a SELECT and stream the result; the connection closes when the reader is done."""
        con, rewritten = self._prepare(sql, resolve)
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
