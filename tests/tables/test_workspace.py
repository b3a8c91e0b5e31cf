"""The workspace: created on first use, refused when the directory is something else, USE."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lakeforge.errors import NotFoundError, WorkspaceError
from lakeforge.tables.workspace import Workspace, default_workspace, init_workspace


def test_open_creates_a_missing_workspace_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "deep" / "ws"
    ws = Workspace.open(root)
    assert (root / "lakeforge.toml").is_file()
    assert [c.name for c in ws.catalogs.list()] == ["main"]
    assert ws.schemas.get("main", "default").name == "default"
    ws.close()
    first = capsys.readouterr().err
    assert first.strip() == f"lakeforge: created workspace {root} (first use)"
    Workspace.open(root).close()
    assert capsys.readouterr().err == ""


def test_an_empty_directory_becomes_a_workspace(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    ws = Workspace.open(root)
    assert ws.settings.config_file.is_file()
    ws.close()


def test_the_current_directory_default_is_created(tmp_path: Path) -> None:
    # the autouse fixture made tmp_path the working directory and removed LAKEFORGE_HOME
    ws = default_workspace()
    assert ws.settings.workspace == (tmp_path / ".lakeforge").resolve()
    assert (tmp_path / ".lakeforge" / "lakeforge.toml").is_file()
    ws.close()


def test_a_non_empty_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "README.md").write_text("my project")
    with pytest.raises(WorkspaceError, match="not empty") as info:
        Workspace.open(root)
    assert "lakeforge init" in str(info.value)
    assert str(root) in str(info.value)
    assert [p.name for p in root.iterdir()] == ["README.md"]
    init_workspace(root).close()  # an explicit init still makes it one
    assert (root / "lakeforge.toml").is_file()


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(WorkspaceError, match="not a directory"):
        Workspace.open(target)


def test_the_low_level_constructor_never_creates(tmp_path: Path) -> None:
    from lakeforge.settings import resolve_settings

    with pytest.raises(WorkspaceError):
        Workspace(resolve_settings(tmp_path / "missing"))
    assert not (tmp_path / "missing").exists()


_FIRST_USE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    from lakeforge.tables.workspace import Workspace
    ws = Workspace.open(sys.argv[1])
    print(sorted(c.name for c in ws.catalogs.list()))
    """
)


@pytest.mark.slow
def test_concurrent_first_use_by_two_processes(tmp_path: Path) -> None:
    import time

    script = tmp_path / "first_use.py"
    script.write_text(_FIRST_USE)
    for round_ in range(4):
        root = tmp_path / f"ws{round_}"
        start = str(time.time() + 1.5)  # both processes are past their imports by then
        procs = [
            subprocess.Popen(
                [sys.executable, str(script), str(root), start],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=60) for p in procs]
        for proc, (out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err
            assert out.strip() == "['main']"
        notices = sum(err.count("created workspace") for _, err in results)
        assert notices == 1, results


def test_use_switches_the_current_catalog_and_schema(ws: Workspace) -> None:
    ws.catalogs.create("dev")
    ws.schemas.create("dev", "fs")
    ws.use(catalog="dev")
    assert (ws.settings.current_catalog, ws.settings.current_schema) == ("dev", "default")
    ws.use(schema="fs")
    assert ws.tables.resolve("t").full == "dev.fs.t"
    ws.use(schema="main.default")
    assert ws.tables.resolve("t").full == "main.default.t"
    with pytest.raises(NotFoundError):
        ws.use(schema="nope")
    with pytest.raises(NotFoundError):
        ws.use(catalog="nope")
    assert ws.tables.resolve("t").full == "main.default.t"  # a failed USE changes nothing
