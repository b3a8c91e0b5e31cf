"""The keys batch inference scores: trips with their rounded lookup timestamps only."""

import lakeforge

lakeforge.sql(
    """
    CREATE OR REPLACE TABLE main.taxi.inference_keys AS
    SELECT pickup_zip, dropoff_zip, trip_distance,
           timestamp_seconds(ceil(unix_timestamp(tpep_pickup_datetime) / 900) * 900)
               AS rounded_pickup_datetime,
           timestamp_seconds(ceil(unix_timestamp(tpep_dropoff_datetime) / 1800) * 1800)
               AS rounded_dropoff_datetime
    FROM delta.`/Volumes/main/taxi/landing/trips`
    LIMIT 200
    """
)
print("KEYS", lakeforge.sql("SELECT count(*) AS n FROM main.taxi.inference_keys")["n"][0])
