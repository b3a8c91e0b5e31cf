"""Lakehouse SQL as notebooks write it, in a plain script: schema, CTAS, INSERT, MERGE INTO,
DESCRIBE HISTORY, time travel, and a feature table made by SQL used by the feature client.

The script imports only public names, runs in a fresh empty directory (the workspace
``./.lakeforge`` is created on first use) and never calls ``lakeforge.init``.
"""

from __future__ import annotations

import json
from pathlib import Path

from _script import assert_nothing_outside, run_script

_NOTEBOOK = '''
import json
from decimal import Decimal

import pandas as pd

import lakeforge
from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

catalog, schema = "main", "sales"
lakeforge.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}")
lakeforge.sql(f"""
    CREATE OR REPLACE TABLE {catalog}.{schema}.orders AS
    SELECT * FROM VALUES (1, 'ann', 10.0), (2, 'bob', 20.0) AS t(order_id, customer, amount)
""")
inserted = lakeforge.sql(f"INSERT INTO {catalog}.{schema}.orders VALUES (3, 'cid', 30.0)")
merged = lakeforge.sql(f"""
    MERGE INTO {catalog}.{schema}.orders AS t
    USING (SELECT * FROM VALUES (2, 'bob', 25.0), (4, 'dee', 40.0)
           AS v(order_id, customer, amount)) AS s
    ON t.order_id = s.order_id
    WHEN MATCHED THEN UPDATE SET *
    WHEN NOT MATCHED THEN INSERT *
""")
history = lakeforge.sql(f"DESCRIBE HISTORY {catalog}.{schema}.orders")
before_merge = lakeforge.sql(
    f"SELECT order_id, amount FROM {catalog}.{schema}.orders VERSION AS OF 1 ORDER BY order_id"
)
now = lakeforge.sql(f"SELECT order_id, amount FROM {catalog}.{schema}.orders ORDER BY order_id")

lakeforge.sql(f"""
    CREATE TABLE IF NOT EXISTS {catalog}.{schema}.customer_features (
      customer_id BIGINT NOT NULL,
      ts TIMESTAMP NOT NULL,
      total DOUBLE COMMENT 'spend so far',
      CONSTRAINT customer_features_pk PRIMARY KEY (customer_id, ts TIMESERIES)
    ) COMMENT 'spend per customer over time'
""")
lakeforge.sql(f"""
    INSERT INTO {catalog}.{schema}.customer_features VALUES
      (1, '2024-01-01', 10.0), (1, '2024-02-01', 35.0), (2, '2024-01-15', 20.0)
""")
fe = FeatureEngineeringClient()
table = fe.get_table(name=f"{catalog}.{schema}.customer_features")
labels = pd.DataFrame({
    "customer_id": [1, 1, 2],
    "ts": pd.to_datetime(["2024-01-20", "2024-03-01", "2024-02-01"], utc=True),
    "label": [0, 1, 1],
})
training = fe.create_training_set(
    df=labels,
    feature_lookups=[FeatureLookup(
        table_name=f"{catalog}.{schema}.customer_features",
        lookup_key="customer_id",
        timestamp_lookup_key="ts",
    )],
    label="label",
).load_df().sort_values(["customer_id", "ts"])
print("RESULT", json.dumps({
    "inserted": inserted.to_dict("records"),
    "merged": merged.to_dict("records"),
    "versions": history["version"].tolist(),
    "operations": history["operation"].tolist(),
    "before_merge": before_merge.to_dict("records"),
    "now": now.to_dict("records"),
    "keys": [table.primary_keys, table.timestamp_keys],
    "totals": training["total"].tolist(),
}, default=lambda value: str(value) if isinstance(value, Decimal) else value.item()))
'''


def test_lakehouse_sql_as_notebooks_write_it(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(folder, _NOTEBOOK)
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["inserted"] == [{"num_affected_rows": 1, "num_inserted_rows": 1}]
    assert result["merged"] == [
        {
            "num_affected_rows": 2,
            "num_updated_rows": 1,
            "num_deleted_rows": 0,
            "num_inserted_rows": 1,
        }
    ]
    assert result["versions"] == [2, 1, 0]
    assert result["operations"] == ["MERGE", "WRITE", "CREATE OR REPLACE TABLE AS SELECT"]
    # 10.0 is a DECIMAL(3,1) literal in the reference dialect, so CTAS makes a decimal column
    assert result["before_merge"] == [
        {"order_id": 1, "amount": "10.0"},
        {"order_id": 2, "amount": "20.0"},
        {"order_id": 3, "amount": "30.0"},
    ]
    assert result["now"] == [
        {"order_id": 1, "amount": "10.0"},
        {"order_id": 2, "amount": "25.0"},
        {"order_id": 3, "amount": "30.0"},
        {"order_id": 4, "amount": "40.0"},
    ]
    assert result["keys"] == [["customer_id", "ts"], ["ts"]]
    assert result["totals"] == [10.0, 35.0, 20.0]
    assert (folder / ".lakeforge" / "lakeforge.toml").is_file()
    assert_nothing_outside(folder)
