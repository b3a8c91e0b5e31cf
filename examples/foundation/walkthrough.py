"""Foundation walkthrough: a workspace, a three-level catalog, Delta tables and SQL.

Run with ``make demo`` or ``python examples/foundation/walkthrough.py [WORKSPACE_DIR]``.
Every step prints what it did; the run ends with a summary and commands to explore further.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
from rich.console import Console
from rich.table import Table

import lakeforge
from lakeforge.errors import LakeforgeError

console = Console()


def step(title: str) -> None:
    console.rule(f"[bold cyan]{title}")


def gold_orders(seed: int, n: int) -> pd.DataFrame:
    """A seeded gold-layer orders table (decimal amounts, like a warehouse export)."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return pd.DataFrame(
        {
            "order_id": range(1, n + 1),
            "customer_id": [f"c{rng.randint(1, 50):03d}" for _ in range(n)],
            "amount": [Decimal(f"{rng.uniform(5, 500):.2f}") for _ in range(n)],
            "ordered_at": [start + timedelta(hours=rng.randint(0, 24 * 90)) for _ in range(n)],
            "status": [rng.choice(["placed", "shipped", "returned"]) for _ in range(n)],
        }
    )


def gold_customers(seed: int) -> pl.DataFrame:
    rng = random.Random(seed + 1)
    return pl.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(1, 51)],
            "segment": [rng.choice(["smb", "mid", "enterprise"]) for _ in range(50)],
            "region": [rng.choice(["emea", "amer", "apac"]) for _ in range(50)],
        }
    )


def show(df: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for column in df.columns:
        table.add_column(str(column))
    for row in df.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)


def run(workspace: Path, seed: int, rows: int) -> dict[str, object]:
    if workspace.exists():
        shutil.rmtree(workspace)
    step("1. Workspace")
    ws = lakeforge.init(workspace)
    console.print(f"created workspace {ws.settings.workspace} (catalog main, schema default)")

    step("2. Catalog namespace")
    ws.schemas.create("main", "gold", comment="Curated gold tables")
    ws.catalogs.create("dev", comment="A second catalog for experiments")
    ws.schemas.create("dev", "scratch")
    console.print("schemas:", [s.full_name for s in ws.schemas.list("main")], "and dev.scratch")

    step("3. Delta tables from pandas, polars and Arrow")
    orders = ws.tables.create(
        "main.gold.orders",
        data=gold_orders(seed, rows),
        primary_keys=["order_id"],
        description="One row per order",
        decimal_to_float=True,
    )
    console.print(
        f"main.gold.orders: {rows} rows; automatic casts recorded:",
        orders.properties["lakeforge.create_casts"],
    )
    ws.tables.create("main.gold.customers", data=gold_customers(seed), primary_keys=["customer_id"])
    ws.tables.create(
        "dev.scratch.targets",
        data=pa.table({"region": ["emea", "amer", "apac"], "target": [20000.0, 30000.0, 15000.0]}),
        primary_keys=["region"],
    )
    console.print("created main.gold.customers (polars) and dev.scratch.targets (Arrow)")

    step("4. Merge, append with a new column, delete")
    updates = pd.DataFrame(
        {"order_id": [1, 2, rows + 1], "status": ["returned", "shipped", "placed"]}
    )
    merged = ws.tables.merge("main.gold.orders", updates)
    console.print(
        f"merge: {merged.rows_updated} updated, {merged.rows_inserted} inserted "
        f"-> version {merged.version}"
    )
    late = pd.DataFrame(
        {
            "order_id": [rows + 2],
            "customer_id": ["c001"],
            "amount": [42.0],
            "ordered_at": [datetime(2026, 4, 1, tzinfo=UTC)],
            "status": ["placed"],
            "channel": ["web"],
        }
    )
    appended = ws.tables.append("main.gold.orders", late)
    console.print(
        f"append: added columns {list(appended.added_columns)} -> version {appended.version}"
    )
    deleted = ws.tables.delete("main.gold.orders", "status = 'returned' AND amount < 20")
    console.print(f"delete: {deleted.rows_deleted} rows -> version {deleted.version}")

    step("5. SQL across schemas and catalogs (DuckDB over Delta snapshots)")
    revenue = lakeforge.sql(
        """
        SELECT c.region, count(*) AS orders, round(sum(o.amount), 2) AS revenue,
               any_value(t.target) AS target
        FROM main.gold.orders o
        JOIN gold.customers c USING (customer_id)
        JOIN dev.scratch.targets t ON t.region = c.region
        WHERE o.status <> 'returned'
        GROUP BY c.region ORDER BY revenue DESC
        """,
        workspace=workspace,
    )
    show(revenue, "revenue by region")

    step("6. Time travel and history")
    first = lakeforge.table("main.gold.orders", version=0, workspace=workspace, kind="polars")
    now = ws.table("main.gold.orders", kind="arrow")
    console.print(f"version 0 had {first.height} rows; latest has {now.num_rows} rows")
    for entry in ws.tables.history("main.gold.orders"):
        console.print(f"  v{entry.version} {entry.operation}")

    step("7. Guardrails")
    for label, action in (
        ("bad name", lambda: ws.tables.create("main.gold.../etc", schema="a int")),
        ("vacuum below 7 days", lambda: ws.tables.vacuum("main.gold.orders", retention_hours=1)),
        ("missing table", lambda: ws.sql("SELECT * FROM main.gold.order")),
    ):
        try:
            action()
        except LakeforgeError as exc:
            console.print(f"[yellow]{label}[/]: {type(exc).__name__}: {exc}")
    cleaned = ws.tables.clean("main.gold.orders")
    console.print(f"clean: removed {len(cleaned.files)} leftover file(s)")

    step("8. The same from the CLI")
    cli = [sys.executable, "-m", "lakeforge", "--workspace", str(workspace)]
    subprocess.run([*cli, "tables", "list", "main.gold"], check=True)
    subprocess.run(
        [*cli, "sql", "SELECT status, count(*) n FROM main.gold.orders GROUP BY 1"], check=True
    )
    ws.close()
    return {
        "tables": 3,
        "orders": now.num_rows,
        "versions": len(ws.tables.history("main.gold.orders")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workspace", nargs="?", default=".lakeforge-demo", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    summary = run(args.workspace.resolve(), args.seed, args.rows)
    step("Done")
    console.print(summary)
    console.print(f"Explore: lakeforge -w {args.workspace} tables describe main.gold.orders")
    console.print(f'         lakeforge -w {args.workspace} sql "SELECT * FROM main.gold.customers"')


if __name__ == "__main__":
    main()
