"""Pickup features: mean fare and trip count per pickup zip over 1-hour windows sliding every
15 minutes, keyed by the window's end (the feature table's timeseries key)."""

import pandas as pd


def _filter_df_by_ts(df, ts_column, start_date, end_date):
    if ts_column and start_date:
        df = df[df[ts_column] >= pd.Timestamp(start_date)]
    if ts_column and end_date:
        df = df[df[ts_column] < pd.Timestamp(end_date)]
    return df


def _window_ends(ts, length, slide):
    """The ends of the sliding windows [end - length, end) that contain each time."""
    first = ts.dt.floor(slide) + pd.Timedelta(slide)
    steps = int(pd.Timedelta(length) / pd.Timedelta(slide))
    return [first + k * pd.Timedelta(slide) for k in range(steps)]


def compute_features_fn(input_df, timestamp_column, start_date, end_date):
    """Compute the pickup features of ``input_df`` between ``start_date`` and ``end_date``."""
    df = _filter_df_by_ts(input_df, timestamp_column, start_date, end_date)
    windows = [
        df.assign(**{timestamp_column: end})
        for end in _window_ends(df[timestamp_column], "1h", "15min")
    ]
    features = (
        pd.concat(windows)
        .groupby(["pickup_zip", timestamp_column], as_index=False)
        .agg(
            mean_fare_window_1h_pickup_zip=("fare_amount", "mean"),
            count_trips_window_1h_pickup_zip=("fare_amount", "count"),
        )
        .rename(columns={"pickup_zip": "zip"})
    )
    features["yyyy_mm"] = features[timestamp_column].dt.strftime("%Y-%m")
    features["count_trips_window_1h_pickup_zip"] = features[
        "count_trips_window_1h_pickup_zip"
    ].astype("int32")
    return features
