"""``lakeforge init --template pipeline``: the scaffolded project passes its own tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakeforge.errors import AlreadyExistsError, ValidationError
from lakeforge.jobs.scaffold import project_name, scaffold


def test_the_scaffolded_project_passes_its_own_tests(tmp_path: Path) -> None:
    project = tmp_path / "My-Pipeline"
    cli = [
        sys.executable,
        "-m",
        "lakeforge.cli.app",
        "init",
        "--template",
        "pipeline",
        str(project),
    ]
    made = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    names = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert {"databricks.yml", "ml-manifest.yaml", "jobs/features.py", "jobs/train.py"} <= names
    assert "main.ml.my_pipeline_next_spend" in (project / "ml-manifest.yaml").read_text()
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "2 passed" in tests.stdout


def test_scaffold_refuses_to_overwrite_and_unknown_templates(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(AlreadyExistsError):
        scaffold("pipeline", tmp_path / "busy")
    with pytest.raises(ValidationError, match="'nope' does not exist"):
        scaffold("nope", tmp_path / "new")
    assert project_name(Path("/x/2024 Sales-ML")) == "project_2024_sales_ml"
