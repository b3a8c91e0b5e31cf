"""MLflow's lakeforge plugin: entry points, loaded while mlflow imports, importing nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from lakeforge.models import plugin


@pytest.mark.parametrize(
    ("group", "target"),
    [
        ("mlflow.tracking_store", "lakeforge.models.plugin:tracking_store"),
        ("mlflow.model_registry_store", "lakeforge.models.plugin:registry_store"),
        ("mlflow.run_context_provider", "lakeforge.models.plugin:JobRunContext"),
    ],
)
def test_entry_points_are_declared(group: str, target: str) -> None:
    (found,) = [e for e in entry_points(group=group) if e.name == "lakeforge"]
    assert found.value == target
    assert found.load() is getattr(plugin, target.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("group", "scheme", "target"),
    [
        ("mlflow.tracking_store", "databricks", "databricks_tracking_store"),
        ("mlflow.model_registry_store", "databricks-uc", "databricks_uc_registry_store"),
        ("mlflow.artifact_repository", "models", "models_artifact_repository"),
    ],
)
def test_reference_schemes_are_declared(group: str, scheme: str, target: str) -> None:
    (found,) = [e for e in entry_points(group=group) if e.name == scheme]
    assert found.value == f"lakeforge.models.plugin:{target}"
    assert found.load() is getattr(plugin, target)


def test_mlflow_registers_the_lakeforge_scheme() -> None:
    from mlflow.tracking._model_registry.utils import _get_store_registry
    from mlflow.tracking._tracking_service.utils import _tracking_store_registry

    assert _tracking_store_registry.get_store_builder("lakeforge:///x") is plugin.tracking_store
    assert _get_store_registry().get_store_builder("lakeforge://") is plugin.registry_store


@pytest.mark.parametrize(
    ("first", "light"),
    [
        ("lakeforge.models.plugin", True),
        ("lakeforge.models.run_context", True),
        ("lakeforge.models.registry_store", False),
    ],
)
def test_mlflow_imports_cleanly_whichever_module_comes_first(first: str, light: bool) -> None:
    # MLflow loads the entry points while importing itself: a cycle or a failing entry point
    # shows only as a UserWarning there, so those are errors here.
    code = f"import sys, {first}\n"
    if light:
        code += "assert 'mlflow' not in sys.modules, 'imported mlflow'\n"
    code += "import mlflow, mlflow.tracking.context.registry\n"
    done = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_unknown_attributes_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="Nope"):
        plugin.Nope  # noqa: B018
