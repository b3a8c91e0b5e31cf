"""Reference functions sqlglot's DuckDB output would get wrong: epoch seconds and back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pyarrow as pa

from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


def test_unix_timestamp_reads_timestamps_dates_and_text(ws: Workspace, sql: Sql) -> None:
    ws.tables.create(
        "trips", data=pa.table({"ts": pa.array([datetime(2026, 1, 5, 8, 0, 0, 700000)])})
    )
    result = sql(
        "SELECT unix_timestamp(ts) AS col, unix_timestamp(DATE '2026-01-05') AS day, "
        "unix_timestamp('2026-01-05 08:00:00') AS text, "
        "unix_timestamp('05/01/2026', 'dd/MM/yyyy') AS formatted, "
        "unix_timestamp() > 1767600000 AS now FROM trips"
    )
    assert result.to_pylist() == [
        {
            "col": 1767600000,
            "day": 1767571200,
            "text": 1767600000,
            "formatted": 1767571200,
            "now": True,
        }
    ]
    assert {result.schema.field(c).type for c in ("col", "day", "text", "formatted")} == {
        pa.int64()
    }


def test_epoch_numbers_become_timestamps(ws: Workspace, sql: Sql) -> None:
    result = sql(
        "SELECT timestamp_seconds(1767600000) AS s, timestamp_millis(1767600000123) AS ms, "
        "timestamp_micros(1767600000123456) AS us, "
        "timestamp_seconds(ceil(unix_timestamp(TIMESTAMP '2026-01-05 08:07:00') / 900) * 900) "
        "AS rounded"
    )
    assert result.to_pylist() == [
        {
            "s": datetime(2026, 1, 5, 8, 0),
            "ms": datetime(2026, 1, 5, 8, 0, 0, 123000),
            "us": datetime(2026, 1, 5, 8, 0, 0, 123456),
            "rounded": datetime(2026, 1, 5, 8, 15),
        }
    ]
