"""The reference feature-table notebook: schema DDL, compute features, create_table, merge.

Written as the reference template's "generate and write features" notebook is: parameters from
widgets, ``CREATE DATABASE IF NOT EXISTS`` on the schema part of the output name, features
computed from a raw Delta table, ``create_table`` (a no-op when the table exists) then
``write_table(mode="merge")``, and ``dbutils.notebook.exit(0)``. Only the imports differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_script

_RAW = """
import lakeforge

lakeforge.sql("CREATE SCHEMA IF NOT EXISTS main.raw")
lakeforge.sql('''
    CREATE TABLE IF NOT EXISTS main.raw.trips AS
    SELECT * FROM VALUES
        (10001, TIMESTAMP '2026-01-01 08:05:00', 12.5),
        (10001, TIMESTAMP '2026-01-01 08:40:00', 20.0),
        (10002, TIMESTAMP '2026-01-01 08:10:00', 7.25),
        (10002, TIMESTAMP '2026-01-01 09:20:00', 30.0)
    AS trips(pickup_zip, pickup_ts, fare_amount)
''')
print("RAW", lakeforge.sql("SELECT count(*) AS n FROM main.raw.trips")["n"][0])
"""

_FEATURES = """
from lakeforge.runtime import dbutils

dbutils.widgets.text("input_table_name", "main.raw.trips", label="Input Table Name")
dbutils.widgets.text("timestamp_column", "pickup_ts", label="Timestamp column")
dbutils.widgets.text(
    "output_table_name", "main.fs_taxi.trip_pickup_features", label="Output Feature Table"
)
dbutils.widgets.text("primary_keys", "pickup_zip", label="Primary keys, comma separated")

# COMMAND ----------

import lakeforge

input_table_name = dbutils.widgets.get("input_table_name")
output_table_name = dbutils.widgets.get("output_table_name")
ts_column = dbutils.widgets.get("timestamp_column")
pk_columns = dbutils.widgets.get("primary_keys")
assert output_table_name != "", "output_table_name notebook parameter must be specified"

output_database = output_table_name.split(".")[1]
lakeforge.sql("CREATE DATABASE IF NOT EXISTS " + output_database)

# COMMAND ----------

raw_data = lakeforge.table(input_table_name)


def compute_features_fn(input_df, timestamp_column):
    hourly = input_df.assign(
        **{timestamp_column: input_df[timestamp_column].dt.floor("h")}
    )
    return (
        hourly.groupby(["pickup_zip", timestamp_column], as_index=False)
        .agg(mean_fare_window_1h_pickup_zip=("fare_amount", "mean"),
             count_trips_window_1h_pickup_zip=("fare_amount", "count"))
    )


features_df = compute_features_fn(raw_data, ts_column)

# COMMAND ----------

from lakeforge.feature_engineering import FeatureEngineeringClient

fe = FeatureEngineeringClient()
fe.create_table(
    name=output_table_name,
    primary_keys=[x.strip() for x in pk_columns.split(",")] + [ts_column],
    timestamp_keys=[ts_column],
    df=features_df,
)
fe.write_table(name=output_table_name, df=features_df, mode="merge")

# COMMAND ----------

table = fe.get_table(name=output_table_name)
print("KEYS", table.primary_keys, table.timestamp_keys)
print("ROWS", len(fe.read_table(name=output_table_name)))
dbutils.notebook.exit(0)
"""


@pytest.mark.slow
def test_generate_and_write_features_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    home = {"LAKEFORGE_HOME": str(folder / ".lakeforge")}
    raw = run_script(folder, _RAW, name="raw.py")
    assert "RAW 4" in raw.stdout
    first = run_script(tmp_path / "run1", _FEATURES, env=home)
    assert "KEYS ['pickup_zip', 'pickup_ts'] ['pickup_ts']" in first.stdout
    assert "ROWS 3" in first.stdout  # 10001@08h (2 trips), 10002@08h, 10002@09h
    # A second run is the job's next schedule: create_table returns the table, merge upserts.
    second = run_script(tmp_path / "run2", _FEATURES, env=home)
    assert "ROWS 3" in second.stdout
    check = run_script(
        tmp_path / "check",
        """
        import lakeforge
        history = lakeforge.sql("DESCRIBE HISTORY main.fs_taxi.trip_pickup_features")
        print("OPS", sorted(set(history["operation"])))
        rows = lakeforge.sql(
            "SELECT mean_fare_window_1h_pickup_zip AS m FROM main.fs_taxi.trip_pickup_features "
            "WHERE pickup_zip = 10001"
        )
        print("MEAN", rows["m"].tolist())
        """,
        env=home,
    )
    assert "'MERGE'" in check.stdout
    assert "MEAN [16.25]" in check.stdout
    for scratch in (folder, tmp_path / "run1", tmp_path / "run2", tmp_path / "check"):
        assert_nothing_outside(scratch)
