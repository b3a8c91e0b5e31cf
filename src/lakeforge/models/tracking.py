"""MLflow tracking and registry bound to the workspace.

By default runs and models live in the workspace (``mlflow.db`` + ``mlartifacts/``); a user's
``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI`` win. Telemetry is off unless allowed in the
settings. Experiments are always named and created explicitly with an artifact location in the
workspace, so nothing ever lands in MLflow's ``Default`` experiment or a stray ``./mlruns``;
starting a run while another experiment's run is active is an error, not a silent fallback.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from lakeforge.errors import ValidationError
from lakeforge.settings import Settings, mlflow_uri_guard, prepare_mlflow_environment

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


def mlflow_module(settings: Settings) -> ModuleType:
    """Import mlflow with lakeforge's environment and point it at the workspace stores."""
    prepare_mlflow_environment(settings)
    import mlflow

    if settings.mlflow_tracking_uri is None:
        settings.mlartifacts.mkdir(parents=True, exist_ok=True)
    with mlflow_uri_guard():
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.set_registry_uri(settings.registry_uri)
    return mlflow


def flavor(name: str) -> ModuleType:
    """An MLflow flavor module by name (``"sklearn"``, ``"lightgbm"`` ...), imported now."""
    import importlib

    return importlib.import_module(f"mlflow.{name}")


def client(settings: Settings) -> MlflowClient:
    """An ``MlflowClient`` on the workspace's tracking and registry stores."""
    mlflow_module(settings)
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.registry_uri)


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
    """Return the id of experiment ``name``, creating it (artifacts in the workspace) if new."""
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
    location = None
    if settings.mlflow_tracking_uri is None:
        location = (settings.mlartifacts / uuid.uuid4().hex).as_uri()
    return str(mlflow_client.create_experiment(name, artifact_location=location))


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
    import sys

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
