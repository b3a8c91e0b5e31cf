"""Examples and README snippets run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_foundation_walkthrough_runs(tmp_path: Path) -> None:
    script = ROOT / "examples" / "foundation" / "walkthrough.py"
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "demo"), "--rows", "300"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "revenue by region" in proc.stdout
    assert "Done" in proc.stdout


def test_features_example_runs(tmp_path: Path) -> None:
    script = ROOT / "examples" / "features" / "churn_training_set.py"
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "ws")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "spend_per_visit" in proc.stdout
    assert "serialization_version: 11" in proc.stdout
    assert "reported: label 'churned': cast double -> bigint (4 rows)" in proc.stdout


def test_readme_python_snippet_runs(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no python example"
    for code in blocks:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]


def test_platform_health_demo_runs_at_ci_size(tmp_path: Path) -> None:
    """The demo at a reduced size: gold data, the bundle's three jobs, every model scored."""
    script = ROOT / "examples" / "platform_health" / "demo.py"
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "demo"), "--days", "30", "--scale", "0.2"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    assert "models trained, registered as champion and scored" in proc.stdout
    assert "Done." in proc.stdout
    done, total = re.search(r"(\d+)/(\d+) models trained", proc.stdout).groups()  # type: ignore[union-attr]
    assert done == total and int(total) >= 6
