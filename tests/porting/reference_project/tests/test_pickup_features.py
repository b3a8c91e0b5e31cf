"""The project's own unit test of its feature logic (run with pytest in the project)."""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "feature_engineering" / "features"))

from pickup_features import compute_features_fn  # noqa: E402


def test_pickup_windows_count_each_trip_four_times():
    trips = pd.DataFrame(
        {
            "tpep_pickup_datetime": pd.to_datetime(["2026-01-04 08:05", "2026-01-04 08:20"]),
            "fare_amount": [10.0, 20.0],
            "pickup_zip": [10001, 10001],
        }
    )
    features = compute_features_fn(trips, "tpep_pickup_datetime", "", "")
    assert features["count_trips_window_1h_pickup_zip"].sum() == 8
    last = features[features["tpep_pickup_datetime"] == pd.Timestamp("2026-01-04 09:00")]
    assert last["mean_fare_window_1h_pickup_zip"].tolist() == [15.0]
