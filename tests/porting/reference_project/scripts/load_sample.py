"""Load a deterministic NYC-taxi-like sample into the landing volume and pick keys to score.

Run after `lakeforge bundle deploy` (which creates the schema and the volume).
"""

import lakeforge
import numpy as np
import pandas as pd

rng = np.random.default_rng(42)
n = 1500
start = pd.Timestamp("2026-01-04 06:00:00")
pickup = start + pd.to_timedelta(rng.integers(0, 3 * 24 * 3600, n), unit="s")
minutes = rng.integers(5, 45, n)
distance = np.round(minutes * rng.uniform(0.2, 0.5, n), 2)
trips = pd.DataFrame(
    {
        "tpep_pickup_datetime": pickup,
        "tpep_dropoff_datetime": pickup + pd.to_timedelta(minutes, unit="m"),
        "trip_distance": distance,
        "fare_amount": np.round(2.5 + 2.2 * distance + rng.normal(0, 1, n), 2),
        "pickup_zip": rng.choice([10001, 10002, 10003, 10011, 10012], n).astype("int64"),
        "dropoff_zip": rng.choice([10001, 10002, 10003, 10011, 10012], n).astype("int64"),
    }
).sort_values("tpep_pickup_datetime", ignore_index=True)
lakeforge.write_delta(trips, "/Volumes/main/taxi/landing/trips", mode="overwrite")
print("TRIPS", len(lakeforge.read_delta("/Volumes/main/taxi/landing/trips")))
