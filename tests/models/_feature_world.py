"""A small feature world for model tests: feature tables, a function, a training set, models.

Imported as ``_feature_world`` by tests under ``tests/models`` and ``tests/scoring``
(``tests/models`` is on pytest's ``pythonpath``). Timestamps are naive (``timestamp_ntz``) on
purpose: pandas 3.1 warns when Arrow converts tz-aware pandas columns (a lakeforge ``frames``
matter outside these tests).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureFunction, FeatureLookup
from lakeforge.features.training_set import TrainingSet
from lakeforge.tables.workspace import Workspace

T0 = datetime(2024, 1, 1)
CUSTOMERS = 60
FEATURES = ["spend", "visits", "age", "tenure", "spend_per_visit"]


def spend_per_visit(spend: float, visits: int) -> float:
    return spend / visits if spend is not None and visits else 0.0


@dataclass
class World:
    """Everything a scoring test needs."""

    fe: FeatureEngineeringClient
    spine: pd.DataFrame
    training_set: TrainingSet
    train_df: pd.DataFrame

    @property
    def keys(self) -> pd.DataFrame:
        """The spine without its label: what scoring gets."""
        return self.spine[["customer_id", "event_ts"]].copy()

    @property
    def x(self) -> pd.DataFrame:
        return self.train_df[FEATURES]

    @property
    def y(self) -> pd.Series:
        return self.train_df["churned"]


def lookups() -> list[Any]:
    return [
        FeatureLookup(
            table_name="main.fs.activity",
            lookup_key="customer_id",
            timestamp_lookup_key="event_ts",
            lookback_window=timedelta(days=30),
        ),
        FeatureLookup(
            table_name="main.fs.profile", lookup_key="customer_id", feature_names=["age", "tenure"]
        ),
        FeatureFunction(
            udf_name="main.fs.spend_per_visit",
            input_bindings={"spend": "spend", "visits": "visits"},
            output_name="spend_per_visit",
        ),
    ]


def build(ws: Workspace, ws_path: Path, *, rows: int = 240, seed: int = 7) -> World:
    """Feature tables ``main.fs.activity`` (time series) and ``main.fs.profile``, a function,
    and a point-in-time training set labelled ``churned``."""
    rng = np.random.default_rng(seed)
    ws.schemas.create("main", "fs")
    fe = FeatureEngineeringClient(workspace=ws_path)
    ids = np.repeat(np.arange(1, CUSTOMERS + 1), 4)
    days = np.tile([0, 10, 20, 30], CUSTOMERS)
    fe.create_table(
        name="main.fs.activity",
        primary_keys=["customer_id", "ts"],
        timeseries_column="ts",
        df=pd.DataFrame(
            {
                "customer_id": ids,
                "ts": [T0 + timedelta(days=int(d)) for d in days],
                "spend": rng.gamma(2.0, 50.0, len(ids)).round(2),
                "visits": rng.integers(1, 12, len(ids)),
            }
        ),
    )
    fe.create_table(
        name="main.fs.profile",
        primary_keys="customer_id",
        df=pd.DataFrame(
            {
                "customer_id": np.arange(1, CUSTOMERS + 1),
                "age": rng.uniform(18, 80, CUSTOMERS).round(1),
                "tenure": rng.integers(0, 120, CUSTOMERS),
            }
        ),
    )
    fe.create_function(name="main.fs.spend_per_visit", function=spend_per_visit)
    spine = pd.DataFrame(
        {
            "customer_id": rng.integers(1, CUSTOMERS + 1, rows),
            "event_ts": [T0 + timedelta(days=float(d)) for d in rng.uniform(1, 40, rows)],
        }
    )
    profile = fe.read_table(name="main.fs.profile").set_index("customer_id")
    score = profile.loc[spine["customer_id"], "age"].to_numpy() / 80 + rng.normal(0, 0.2, rows)
    spine["churned"] = (score > np.median(score)).astype("int64")
    training_set = fe.create_training_set(
        df=spine,
        feature_lookups=lookups(),
        label="churned",
        exclude_columns=["customer_id", "event_ts"],
    )
    return World(fe, spine, training_set, training_set.load_df())


def sklearn_model(world: World) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000).fit(world.x, world.y)


def lightgbm_model(world: World) -> Any:
    import lightgbm as lgb

    return lgb.LGBMClassifier(n_estimators=25, min_child_samples=5, verbose=-1).fit(
        world.x, world.y
    )


def seed_mlflow_db(ws: Workspace, template: Path) -> None:
    """Give a fresh workspace a copy of the migrated MLflow store."""
    shutil.copyfile(template, ws.settings.mlflow_db)
