"""Fixtures for serving tests: one built world and one server per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import _serving_world as sw
import pytest

pytestmark = pytest.mark.serve


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, mlflow_db_template: Path
) -> Iterator[sw.Served]:
    """A world and a `lakeforge serve` subprocess (auth off, loopback)."""
    root = tmp_path_factory.mktemp("served")
    ws_path = root / "ws"
    world = sw.build_world(ws_path, mlflow_db_template)
    with sw.run_server(ws_path, home=root / "home") as (url, process, log):
        yield sw.Served(url, ws_path, world, process, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every serving test is marked ``serve``; MLflow's hint warning (model logging) is not ours."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.serve)
            # one server per module: keep a module's tests on one xdist worker (--dist loadgroup)
            item.add_marker(pytest.mark.xdist_group(Path(str(item.path)).stem))
            item.add_marker(
                pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType")
            )
