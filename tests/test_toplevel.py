"""Top-level calls: lakeforge.init, lakeforge.sql and lakeforge.table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import lakeforge
from lakeforge.errors import SqlError, TableNotFoundError, VersionNotFoundError, WorkspaceError
from lakeforge.tables.workspace import Workspace


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    ws.schemas.create("main", "sales")
    ws.catalogs.create("crm")
    ws.schemas.create("crm", "core")
    ws.tables.create("main.sales.orders", data=pa.table({"id": [1, 2], "cust": [10, 20]}))
    ws.tables.append("main.sales.orders", pa.table({"id": [3], "cust": [10]}))
    ws.tables.create("crm.core.customers", data=pa.table({"cust": [10, 20], "name": ["a", "b"]}))
    return ws


def test_sql_defaults_to_pandas(shop: Workspace, ws_path: Path) -> None:
    result = lakeforge.sql(
        "SELECT c.name, count(*) AS n FROM main.sales.orders o "
        "JOIN crm.core.customers c USING (cust) GROUP BY c.name ORDER BY c.name",
        workspace=ws_path,
    )
    assert isinstance(result, pd.DataFrame)
    assert result.to_dict("records") == [{"name": "a", "n": 2}, {"name": "b", "n": 1}]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("arrow", pa.Table), ("pandas", pd.DataFrame), ("polars", pl.DataFrame)],
)
def test_sql_and_table_return_the_requested_kind(
    shop: Workspace, ws_path: Path, kind: str, expected: type
) -> None:
    result = lakeforge.sql(
        "SELECT id FROM sales.orders ORDER BY id",
        kind=kind,  # type: ignore[arg-type]
        workspace=ws_path,
    )
    assert isinstance(result, expected)
    table = lakeforge.table("main.sales.orders", kind=kind, workspace=ws_path)  # type: ignore[arg-type]
    assert isinstance(table, expected)
    assert len(table) == 3


def test_table_reads_an_older_version_and_columns(shop: Workspace, ws_path: Path) -> None:
    old = lakeforge.table("sales.orders", kind="arrow", version=0, workspace=ws_path)
    assert sorted(old.column("id").to_pylist()) == [1, 2]
    only = lakeforge.table("main.sales.orders", kind="polars", columns=["cust"], workspace=ws_path)
    assert only.columns == ["cust"]
    with pytest.raises(VersionNotFoundError):
        lakeforge.table("main.sales.orders", version=7, workspace=ws_path)


def test_top_level_errors(shop: Workspace, ws_path: Path) -> None:
    with pytest.raises(TableNotFoundError):
        lakeforge.table("main.sales.nope", workspace=ws_path)
    with pytest.raises(lakeforge.TableNotFoundError):
        lakeforge.sql("SELECT * FROM main.sales.nope", workspace=ws_path)
    with pytest.raises(SqlError, match="GRANT is not supported"):
        lakeforge.sql("GRANT SELECT ON TABLE main.sales.orders TO ann", workspace=ws_path)


def test_top_level_sees_writes_made_through_another_workspace_object(
    shop: Workspace, ws_path: Path
) -> None:
    assert len(lakeforge.sql("SELECT * FROM sales.orders", workspace=ws_path)) == 3
    shop.tables.append("main.sales.orders", pa.table({"id": [4], "cust": [20]}))
    assert len(lakeforge.sql("SELECT * FROM sales.orders", workspace=ws_path)) == 4


def test_init_creates_a_workspace_found_from_the_current_directory(tmp_path: Path) -> None:
    created = lakeforge.init()
    try:
        assert created.settings.workspace == (tmp_path / ".lakeforge").resolve()
        created.tables.create("t", data=pa.table({"x": [1, 2]}))
    finally:
        created.close()
    assert lakeforge.sql("SELECT sum(x) AS s FROM main.default.t")["s"].tolist() == [3]
    assert lakeforge.table("t", kind="arrow").num_rows == 2


def test_init_is_idempotent_and_lakeforge_home_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home-ws"
    lakeforge.init(home).close()
    again = lakeforge.init(home)
    again.tables.create("t", data=pa.table({"x": [1]}))
    again.close()
    monkeypatch.setenv("LAKEFORGE_HOME", str(home))
    assert lakeforge.table("t", kind="arrow").to_pylist() == [{"x": 1}]


def test_top_level_refuses_a_non_empty_directory_that_is_no_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "orders.csv").write_text("id\n1\n")
    with pytest.raises(WorkspaceError, match="lakeforge init"):
        lakeforge.sql("SELECT 1", workspace=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["orders.csv"]


def test_top_level_creates_a_missing_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lakeforge.sql("SELECT 1 AS x", workspace=tmp_path / "new")["x"].tolist() == [1]
    err = capsys.readouterr().err
    assert err.count("created workspace") == 1 and str(tmp_path / "new") in err
    assert (tmp_path / "new" / "lakeforge.toml").is_file()
