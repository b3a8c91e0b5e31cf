"""Reads: whole tables, selected columns, time travel, streaming scans, history, frame kinds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from lakeforge.errors import (
    SchemaMismatchError,
    TableNotFoundError,
    ValidationError,
    VersionNotFoundError,
)
from lakeforge.tables.workspace import Workspace


def three_versions(ws: Workspace) -> None:
    """Table ``t`` at version 0 (ids 1), 1 (ids 1, 2) and 2 (ids 1, 2, 3); commits 20ms apart."""
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    for i in (2, 3):
        time.sleep(0.02)
        ws.tables.append("t", pa.table({"id": [i], "v": [float(i)]}))


def ids(table: pa.Table) -> list[int]:
    return sorted(table.column("id").to_pylist())


def test_read_whole_table(ws: Workspace) -> None:
    three_versions(ws)
    table = ws.tables.read("t")
    assert isinstance(table, pa.Table)
    assert table.column_names == ["id", "v"]
    assert ids(table) == [1, 2, 3]


def test_read_selected_columns_in_the_order_given(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0], "s": ["x"]}))
    assert ws.tables.read("t", columns=["s", "id"]).to_pylist() == [{"s": "x", "id": 1}]


def test_read_unknown_column_lists_available_columns(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1], "v": [1.0]}))
    with pytest.raises(SchemaMismatchError) as info:
        ws.tables.read("t", columns=["id", "nope"])
    message = str(info.value)
    assert "['nope']" in message and "['id', 'v']" in message and "main.default.t" in message
    with pytest.raises(SchemaMismatchError, match="nope"):
        ws.tables.scan("t", columns=["nope"])


def test_read_at_version(ws: Workspace) -> None:
    three_versions(ws)
    assert ids(ws.tables.read("t", version=0)) == [1]
    assert ids(ws.tables.read("t", version=np.int64(1))) == [1, 2]
    assert ids(ws.tables.read("t", version=1)) == [1, 2]
    assert ids(ws.tables.read("t", version=2)) == [1, 2, 3]


def test_read_at_version_sees_the_schema_of_that_version(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": [1]}))
    ws.tables.append("t", pa.table({"id": [2], "extra": ["x"]}))
    assert ws.tables.read("t", version=0).column_names == ["id"]
    assert ws.tables.read("t").column_names == ["id", "extra"]


def test_read_at_timestamp_as_datetime_and_iso_string(ws: Workspace) -> None:
    three_versions(ws)
    stamps = {h.version: h.timestamp for h in ws.tables.history("t")}
    assert ids(ws.tables.read("t", timestamp=stamps[1])) == [1, 2]
    assert ids(ws.tables.read("t", timestamp=stamps[0].isoformat())) == [1]
    between = stamps[1] + (stamps[2] - stamps[1]) / 2
    assert ids(ws.tables.read("t", timestamp=between)) == [1, 2]
    naive_utc = stamps[2].astimezone(UTC).replace(tzinfo=None).isoformat()
    assert ids(ws.tables.read("t", timestamp=naive_utc)) == [1, 2, 3]
    later = datetime.now(UTC) + timedelta(days=1)
    assert ids(ws.tables.read("t", timestamp=later)) == [1, 2, 3]


@pytest.mark.parametrize("version", [3, 99, -1])
def test_missing_version_raises_version_not_found(ws: Workspace, version: int) -> None:
    three_versions(ws)
    with pytest.raises(VersionNotFoundError) as info:
        ws.tables.read("t", version=version)
    assert info.value.existing == ["0..2"]
    assert "main.default.t" in str(info.value)


@pytest.mark.parametrize("timestamp", ["2001-01-01T00:00:00", datetime(2001, 1, 1, tzinfo=UTC)])
def test_timestamp_before_first_commit_raises_version_not_found(
    ws: Workspace, timestamp: str | datetime
) -> None:
    three_versions(ws)
    with pytest.raises(VersionNotFoundError, match="timestamp"):
        ws.tables.read("t", timestamp=timestamp)


def test_unparseable_timestamp_and_both_selectors_are_validation_errors(ws: Workspace) -> None:
    three_versions(ws)
    with pytest.raises(ValidationError, match="ISO 8601"):
        ws.tables.read("t", timestamp="yesterday")
    with pytest.raises(ValidationError, match="only one"):
        ws.tables.read("t", version=0, timestamp="2024-01-01")


def test_read_missing_table(ws: Workspace) -> None:
    with pytest.raises(TableNotFoundError, match=r"main\.default\.nope"):
        ws.tables.read("nope")


def test_scan_streams_batches_of_the_requested_size(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"id": list(range(1000)), "v": [0.5] * 1000}))
    ws.tables.append("t", pa.table({"id": list(range(1000, 1250)), "v": [1.5] * 250}))
    reader = ws.tables.scan("t", batch_size=100)
    assert isinstance(reader, pa.RecordBatchReader)
    assert reader.schema.names == ["id", "v"]
    first = reader.read_next_batch()
    assert 0 < first.num_rows <= 100
    sizes = [first.num_rows] + [batch.num_rows for batch in reader]
    assert len(sizes) >= 13
    assert all(size <= 100 for size in sizes)
    assert sum(sizes) == 1250


def test_scan_selected_columns_at_a_version(ws: Workspace) -> None:
    three_versions(ws)
    reader = ws.tables.scan("t", columns=["v"], version=1, batch_size=1)
    batches = list(reader)
    assert [b.num_rows for b in batches] == [1, 1]
    assert sorted(v for b in batches for v in b.column("v").to_pylist()) == [1.0, 2.0]
    assert reader.schema.names == ["v"]


def test_history_is_newest_first_with_operations(ws: Workspace) -> None:
    ws.tables.create("t", schema="id bigint, v double", primary_keys=["id"])
    ws.tables.append("t", pa.table({"id": [1, 2], "v": [1.0, 2.0]}))
    ws.tables.merge("t", pa.table({"id": [2], "v": [3.0]}))
    ws.tables.delete("t", "id = 1")
    ws.tables.overwrite("t", pa.table({"id": [5], "v": [5.0]}))
    history = ws.tables.history("t")
    assert [h.version for h in history] == [4, 3, 2, 1, 0]
    assert [h.operation for h in history] == ["WRITE", "DELETE", "MERGE", "WRITE", "CREATE TABLE"]
    assert history[0].parameters.get("mode") == "Overwrite"
    assert history[3].parameters.get("mode") == "Append"
    assert history[3].metrics.get("num_added_rows") == 2
    assert all(h.timestamp.tzinfo is not None for h in history)
    assert history[0].timestamp >= history[-1].timestamp
    assert [h.version for h in ws.tables.history("t", limit=2)] == [4, 3]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("arrow", pa.Table), ("pandas", pd.DataFrame), ("polars", pl.DataFrame)],
)
def test_workspace_table_returns_the_requested_kind(
    ws: Workspace, kind: str, expected: type
) -> None:
    three_versions(ws)
    result = ws.table("t", kind=kind, version=1, columns=["id"])  # type: ignore[arg-type]
    assert isinstance(result, expected)
    assert sorted(
        pa.table(result).column("id").to_pylist() if kind != "pandas" else result["id"].tolist()
    ) == [1, 2]


def test_workspace_table_rejects_unknown_kind(ws: Workspace) -> None:
    three_versions(ws)
    with pytest.raises(ValidationError, match="unknown DataFrame kind"):
        ws.table("t", kind="numpy")  # type: ignore[arg-type]


def test_local_tables_are_read_through_arrows_native_file_system(ws: Workspace) -> None:
    """Python file objects (deltalake's default handler) abort short scripts at exit."""
    from pyarrow import fs

    from lakeforge.tables import reader

    ws.tables.create("t", data=pa.table({"x": [1, 2, 3]}))
    ws.tables.append("t", pa.table({"x": [4]}))
    data = reader.dataset(ws.tables.snapshot("t"))
    assert not isinstance(data.filesystem, fs.PyFileSystem)
    assert sorted(data.to_table().column("x").to_pylist()) == [1, 2, 3, 4]


_SHORT_SCRIPT = """
import sys
import pandas as pd
from lakeforge.feature_engineering import FeatureEngineeringClient
fe = FeatureEngineeringClient(workspace=sys.argv[1])
df = pd.DataFrame({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0]})
fe.create_table(name="main.default.f", primary_keys=["id"], df=df, description="d")
fe.get_table(name="main.default.f")
print(len(fe.read_table(name="main.default.f")))
"""


@pytest.mark.slow
def test_short_scripts_exit_cleanly(tmp_path: Path) -> None:
    """Before the native file system, about 1 run in 3 ended in SIGABRT at interpreter exit."""
    import subprocess
    import sys

    script = tmp_path / "short.py"
    script.write_text(_SHORT_SCRIPT)
    for round_ in range(8):
        done = subprocess.run(
            [sys.executable, str(script), str(tmp_path / f"ws{round_}")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert (done.returncode, done.stdout.strip()) == (0, "3"), done.stderr
