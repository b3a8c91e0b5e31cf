"""The top-level package: a pinned public surface and a light import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import lakeforge

PUBLIC = [
    "AlreadyExistsError",
    "CommitConflictError",
    "InvalidNameError",
    "LakeforgeError",
    "NotFoundError",
    "ObjectName",
    "Settings",
    "TableNotFoundError",
    "ValidationError",
    "Workspace",
    "__version__",
    "init",
    "parse_name",
    "read_delta",
    "read_files",
    "resolve_settings",
    "sql",
    "table",
    "write_delta",
]

HEAVY = [
    "mlflow",
    "duckdb",
    "deltalake",
    "pyarrow",
    "pandas",
    "polars",
    "sqlalchemy",
    "pyspark",
    "sklearn",
]


def test_all_is_pinned_and_sorted() -> None:
    assert lakeforge.__all__ == PUBLIC
    assert lakeforge.__all__ == sorted(lakeforge.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(lakeforge, name) is not None


def test_lazy_names_come_from_their_modules() -> None:
    from lakeforge.names import ObjectName, parse_name
    from lakeforge.settings import Settings, resolve_settings

    assert lakeforge.ObjectName is ObjectName
    assert lakeforge.parse_name is parse_name
    assert lakeforge.Settings is Settings
    assert lakeforge.resolve_settings is resolve_settings


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = lakeforge.no_such_thing  # type: ignore[attr-defined]


def test_version_matches_the_distribution() -> None:
    from importlib.metadata import version

    assert lakeforge.__version__ == version("lakeforge")


@pytest.mark.slow
def test_import_lakeforge_does_not_import_heavy_libraries() -> None:
    code = (
        "import json, sys\n"
        "import lakeforge\n"
        "lakeforge.ObjectName, lakeforge.parse_name('a.b.c'), lakeforge.Settings\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
