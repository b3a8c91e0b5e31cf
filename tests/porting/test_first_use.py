"""The first lines of ported code, in a fresh directory: no `lakeforge init` anywhere."""

from __future__ import annotations

from pathlib import Path

from _script import assert_nothing_outside, run_script

_FEATURE_TABLE = """
    import pandas as pd
    from lakeforge.feature_engineering import FeatureEngineeringClient

    fe = FeatureEngineeringClient()
    df = pd.DataFrame({"customer_id": [1, 2, 3], "spend": [10.0, 20.5, 3.25]})
    fe.create_table(
        name="main.default.customer_features",
        primary_keys=["customer_id"],
        df=df,
        description="spend per customer",
    )
    table = fe.get_table(name="main.default.customer_features")
    print("KEYS", table.primary_keys)
    print("ROWS", len(fe.read_table(name="main.default.customer_features")))
"""


def test_client_in_a_fresh_directory_creates_the_default_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(folder, _FEATURE_TABLE)
    assert "KEYS ['customer_id']" in done.stdout
    assert "ROWS 3" in done.stdout
    assert (folder / ".lakeforge" / "lakeforge.toml").is_file()
    notices = [line for line in done.stderr.splitlines() if "created workspace" in line]
    assert notices == [f"lakeforge: created workspace {folder / '.lakeforge'} (first use)"]
    assert_nothing_outside(folder)
    home = {"LAKEFORGE_HOME": str(folder / ".lakeforge")}
    again = run_script(tmp_path / "second", _FEATURE_TABLE, env=home)
    assert "created workspace" not in again.stderr  # the same workspace, already there
    assert "ROWS 3" in again.stdout  # create_table on an existing table returns it


def test_lakeforge_home_pointing_at_a_missing_directory(tmp_path: Path) -> None:
    home = tmp_path / "not" / "yet" / "ws"
    folder = tmp_path / "project"
    done = run_script(folder, _FEATURE_TABLE, env={"LAKEFORGE_HOME": str(home)})
    assert "ROWS 3" in done.stdout
    assert (home / "lakeforge.toml").is_file()
    assert not (folder / ".lakeforge").exists()
    assert_nothing_outside(folder)


def test_a_non_empty_directory_that_is_no_workspace_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "data"
    target.mkdir()
    (target / "orders.csv").write_text("id\n1\n")
    done = run_script(
        tmp_path / "project", _FEATURE_TABLE, env={"LAKEFORGE_HOME": str(target)}, check=False
    )
    assert done.returncode == 1
    assert "WorkspaceError" in done.stderr and "lakeforge init" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["orders.csv"]


def test_top_level_sql_and_table_in_a_fresh_directory(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    done = run_script(
        folder,
        """
        import lakeforge
        print(lakeforge.sql("SELECT 41 + 1 AS answer")["answer"].tolist())
        """,
    )
    assert "[42]" in done.stdout
    assert (folder / ".lakeforge" / "lakeforge.toml").is_file()
