"""Feature engineering example: feature tables, an on-demand function and a point-in-time
training set, with the Databricks-shaped client.

    python examples/features/churn_training_set.py [WORKSPACE_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

import lakeforge
from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureFunction, FeatureLookup

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def spend_per_visit(spend: float, visits: int) -> float:
    return spend / visits if visits else 0.0


def main(workspace: Path) -> pd.DataFrame:
    ws = lakeforge.init(workspace)
    ws.schemas.create("main", "fs", if_not_exists=True)
    fe = FeatureEngineeringClient(workspace=workspace)
    fe.create_table(
        name="main.fs.spend",
        primary_keys=["customer_id", "ts"],
        timeseries_column="ts",
        df=pd.DataFrame(
            {
                "customer_id": [1, 1, 2, 2],
                "ts": [T0, T0 + timedelta(days=2), T0, T0 + timedelta(days=40)],
                "spend": [10.0, 20.0, 5.0, 7.0],
            }
        ),
    )
    fe.create_table(
        name="main.fs.profile",
        primary_keys="customer_id",
        df=pd.DataFrame({"customer_id": [1, 2], "visits": [4, 0]}),
    )
    fe.create_function(name="main.fs.spend_per_visit", function=spend_per_visit)
    labels = pd.DataFrame(
        {
            "customer_id": [2, 1, 1, 3],
            "event_ts": [
                T0 + timedelta(days=45),
                T0 + timedelta(days=1),
                T0 + timedelta(days=3),
                T0,
            ],
            "churned": [1.0, 0.0, 1.0, 0.0],
        }
    )
    training_set = fe.create_training_set(
        df=labels,
        feature_lookups=[
            FeatureLookup(
                table_name="main.fs.spend",
                lookup_key="customer_id",
                timestamp_lookup_key="event_ts",
                lookback_window=timedelta(days=30),
            ),
            FeatureLookup(
                table_name="main.fs.profile", lookup_key="customer_id", default_values={"visits": 0}
            ),
            FeatureFunction(
                udf_name="main.fs.spend_per_visit",
                input_bindings={"spend": "spend", "visits": "visits"},
                output_name="spend_per_visit",
            ),
        ],
        label="churned",
        problem_type="classification",
    )
    df = training_set.load_df()
    print(df.to_string(index=False))
    print("pinned versions:", training_set.table_versions)
    for line in training_set.report:
        print("reported:", line)
    print(training_set.feature_spec.to_yaml())
    ws.close()
    return df


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp) / "ws")
