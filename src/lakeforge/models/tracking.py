"""MLflow tracking and registry bound to the workspace.

By default runs and models live in the workspace (``mlflow.db`` + ``mlartifacts/``), reached
through the ``lakeforge:`` URI of MLflow's lakeforge plugin (:mod:`.plugin`); a user's
``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI`` win. :func:`bind` points the process's MLflow at
a workspace (every lakeforge client calls it), so plain MLflow code in the same process lands
there too. Telemetry is off unless allowed in the settings. lakeforge's own runs always go to a
named experiment, so nothing lands in MLflow's ``Default`` experiment by accident; starting a
run while another experiment's run is active is an error, not a silent fallback.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from lakeforge.errors import ValidationError
from lakeforge.settings import (
    REGISTRY_URI_ENV,
    TRACKING_URI_ENV,
    Settings,
    apply_environment,
    find_workspace,
    mlflow_environment,
)

if TYPE_CHECKING:
    from mlflow import MlflowClient

MAX_EXPERIMENT_NAME = 500
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Where a run landed (always reported to the caller)."""

    run_id: str
    experiment_id: str
    experiment_name: str
    artifact_uri: str


def bind(workspace: str | Path | None = None) -> None:
    """Point this process's MLflow at a workspace's stores, unless the user chose their own.

    Sets ``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI`` (what MLflow reads when it is imported
    later, and what subprocesses inherit) and, when mlflow is already imported, its global
    URIs; an experiment chosen with ``mlflow.set_experiment`` moves along by name. Never
    imports mlflow.

    Args:
        workspace: Workspace directory (default: ``LAKEFORGE_HOME`` or ``./.lakeforge``).

    Raises:
        ValidationError: A run is active in another store; moving MLflow away would orphan it.
    """
    changes = mlflow_environment(find_workspace(workspace))
    mlflow = sys.modules.get("mlflow")
    # While mlflow itself is importing (it loads lakeforge's plugin then), its globals are unset
    # and it reads the environment later: the variables are enough.
    if mlflow is None or not hasattr(mlflow, "set_registry_uri"):
        apply_environment(changes)
        return
    target = changes.get(TRACKING_URI_ENV)
    moving = target is not None and target != mlflow.get_tracking_uri()
    experiment = _leaving_store(mlflow, str(target)) if moving else None
    apply_environment(changes)
    if target is not None:
        mlflow.set_tracking_uri(target)
    if REGISTRY_URI_ENV in changes:
        mlflow.set_registry_uri(changes[REGISTRY_URI_ENV])
    if experiment is not None:
        mlflow.set_experiment(experiment)


def _leaving_store(mlflow: Any, target: str) -> str | None:
    """Check that MLflow may leave its store; return the experiment set there, by name.

    An experiment id means nothing in another store (at best the wrong experiment has it), so
    the experiment of ``mlflow.set_experiment`` is looked up to be set again by name. MLflow
    keeps it in a module global with no public getter.
    """
    current = mlflow.get_tracking_uri()
    active = mlflow.active_run()
    if active is not None:
        raise ValidationError(
            f"MLflow run {active.info.run_id} is active in {current}; lakeforge would move "
            f"MLflow to the workspace store {target}, where that run does not exist",
            "end the run first (mlflow.end_run()), or import lakeforge.feature_engineering "
            "(or create the lakeforge client) before the first MLflow call, or set "
            "MLFLOW_TRACKING_URI=lakeforge:// so MLflow uses the workspace from the start",
        )
    experiment_id = getattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    if experiment_id is None:
        return None
    return str(mlflow.MlflowClient(tracking_uri=current).get_experiment(experiment_id).name)


def mlflow_module(settings: Settings) -> ModuleType:
    """Import mlflow with lakeforge's environment, pointed at the workspace stores."""
    bind(settings.workspace)  # before the import: MLflow reads telemetry settings as it loads
    import mlflow

    return mlflow


def flavor(name: str) -> ModuleType:
    """An MLflow flavor module by name (``"sklearn"``, ``"lightgbm"`` ...), imported now."""
    import importlib

    return importlib.import_module(f"mlflow.{name}")


def client(settings: Settings) -> MlflowClient:
    """An ``MlflowClient`` on the stores MLflow's fluent API uses once bound to the workspace
    (the workspace's own, unless the user chose others)."""
    mlflow_module(settings)
    from mlflow import MlflowClient

    return MlflowClient()


def log_run_data(
    settings: Settings,
    run_id: str,
    *,
    params: Mapping[str, Any] | None = None,
    metrics: Mapping[str, float] | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    """Log params, metrics and tags on a run in one batch."""
    import time

    from mlflow.entities import Metric, Param, RunTag

    stamp = int(time.time() * 1000)
    client(settings).log_batch(
        run_id,
        metrics=[Metric(k, float(v), stamp, 0) for k, v in (metrics or {}).items()],
        params=[Param(k, str(v)) for k, v in (params or {}).items()],
        tags=[RunTag(k, str(v)) for k, v in (tags or {}).items()],
    )


def validate_experiment_name(name: object) -> str:
    """Experiment names: non-empty text without control characters, at most 500 characters."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            f"experiment name {name!r} is empty or not text",
            "pass a name such as '/Shared/churn' or 'churn-training'",
        )
    if name != name.strip() or _BAD_CHARS.search(name) or len(name) > MAX_EXPERIMENT_NAME:
        raise ValidationError(
            f"experiment name {name!r} has surrounding spaces, control characters or more "
            f"than {MAX_EXPERIMENT_NAME} characters",
            "use printable text without leading/trailing spaces",
        )
    return name


def ensure_experiment(settings: Settings, name: str) -> str:
    """Return the id of experiment ``name``, creating it if new (in the workspace store its
    artifacts go under ``mlartifacts/``, the store's default artifact root)."""
    name = validate_experiment_name(name)
    mlflow_client = client(settings)
    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            raise ValidationError(
                f"experiment {name!r} was deleted",
                "restore it in the MLflow UI (lakeforge ui) or use another name",
            )
        return str(found.experiment_id)
    return str(mlflow_client.create_experiment(name))


@contextmanager
def start_run(
    settings: Settings,
    experiment: str,
    *,
    run_name: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Iterator[RunInfo]:
    """Start (or continue) a run in ``experiment``; refuse to mix experiments.

    If a run is already active in the same experiment it is reused (nested code logs into the
    caller's run); an active run in another experiment is an error.
    """
    mlflow = mlflow_module(settings)
    experiment_id = ensure_experiment(settings, experiment)
    active = mlflow.active_run()
    if active is not None and active.info.experiment_id != experiment_id:
        raise ValidationError(
            f"a run ({active.info.run_id}) is active in experiment id "
            f"{active.info.experiment_id}, not in {experiment!r}",
            "end the active run first (mlflow.end_run()) or log into its experiment",
        )
    if active is not None:
        yield _info(mlflow, active, experiment)
        return
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=run_name, tags=dict(tags or {})
    ) as run:
        yield _info(mlflow, run, experiment)


def _info(mlflow: Any, run: Any, experiment: str) -> RunInfo:
    return RunInfo(
        run_id=run.info.run_id,
        experiment_id=str(run.info.experiment_id),
        experiment_name=experiment,
        artifact_uri=str(run.info.artifact_uri),
    )


def ui_command(settings: Settings, host: str = "127.0.0.1", port: int = 5000) -> list[str]:
    """The ``mlflow ui`` command line for the workspace stores."""
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "ui",
        "--backend-store-uri",
        settings.tracking_uri,
        "--host",
        host,
        "--port",
        str(port),
    ]
    if settings.mlflow_tracking_uri is None:
        command += ["--default-artifact-root", settings.mlartifacts.as_uri()]
    return command
