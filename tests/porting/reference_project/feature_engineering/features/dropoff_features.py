"""Dropoff features: trip count per dropoff zip over 30-minute windows sliding every 15
minutes, and whether the window ends on a weekend."""

import pandas as pd

from pickup_features import _filter_df_by_ts, _window_ends


def compute_features_fn(input_df, timestamp_column, start_date, end_date):
    """Compute the dropoff features of ``input_df`` between ``start_date`` and ``end_date``."""
    df = _filter_df_by_ts(input_df, timestamp_column, start_date, end_date)
    windows = [
        df.assign(**{timestamp_column: end})
        for end in _window_ends(df[timestamp_column], "30min", "15min")
    ]
    features = (
        pd.concat(windows)
        .groupby(["dropoff_zip", timestamp_column], as_index=False)
        .agg(count_trips_window_30m_dropoff_zip=("fare_amount", "count"))
        .rename(columns={"dropoff_zip": "zip"})
    )
    features["dropoff_is_weekend"] = (features[timestamp_column].dt.dayofweek >= 5).astype("int32")
    features["yyyy_mm"] = features[timestamp_column].dt.strftime("%Y-%m")
    features["count_trips_window_30m_dropoff_zip"] = features[
        "count_trips_window_30m_dropoff_zip"
    ].astype("int32")
    return features
