"""Lakehouse SQL statements in the reference dialect (Databricks SQL), run on the workspace.

Statements are parsed once by sqlglot; each becomes catalog and table-layer operations (no
second write path: a SQL write is a table-layer write), and query parts run on DuckDB over Delta
snapshots. Entry point: :func:`lakeforge.statements.runner.execute` (``lakeforge.sql``,
``lakeforge sql``, bundle ``sql_task``). See ``docs/sql.md``.

This package is the only one that imports sqlglot; nothing imports it at ``import lakeforge``.
"""
