"""Examples and README snippets run as written."""

from __future__ import annotations

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
