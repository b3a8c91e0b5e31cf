"""``lakeforge pipeline run``: the manifest's stages in order, models isolated from each other.

``features`` builds every feature table (a failure there ends the run ``FAILED``: nothing
downstream could be trusted). ``train`` trains models in parallel (``defaults.max_parallel``
threads; each model has its own MLflow run). ``inference`` scores the inference models. A model
that fails in any stage is reported with its reason while the others go on; the run ends
``SUCCESS`` when nothing failed, ``FAILED`` when every model failed, else ``PARTIAL_FAILURE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from lakeforge.errors import LakeforgeError, ValidationError
from lakeforge.pipeline.feature_stage import FeatureTableResult, run_features
from lakeforge.pipeline.inference import ScoreResult, score_model
from lakeforge.pipeline.manifest import Manifest, ModelSpec
from lakeforge.pipeline.training import TrainResult, train_model

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

Stage = Literal["features", "train", "inference"]
STAGES: tuple[Stage, ...] = ("features", "train", "inference")
State = Literal["SUCCESS", "PARTIAL_FAILURE", "FAILED"]
Progress = Callable[[str, str, str], None]  # (stage, subject, event)


@dataclass
class ModelOutcome:
    """One model's results and failures across the stages."""

    name: str
    train: TrainResult | None = None
    score: ScoreResult | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """Whether any stage failed for this model."""
        return bool(self.errors)


@dataclass
class PipelineResult:
    """A pipeline run: per-stage results and the overall state."""

    run_id: str
    manifest: str
    stages: tuple[Stage, ...]
    started: datetime
    ended: datetime | None = None
    state: State = "SUCCESS"
    features: list[FeatureTableResult] = field(default_factory=list)
    feature_error: str | None = None
    models: dict[str, ModelOutcome] = field(default_factory=dict)

    def failures(self) -> list[str]:
        """``model: stage: reason`` for every failure."""
        lines = [f"features: {self.feature_error}"] if self.feature_error else []
        for outcome in self.models.values():
            lines += [f"{outcome.name}: {stage}: {why}" for stage, why in outcome.errors.items()]
        return lines


def _reason(exc: BaseException) -> str:
    if isinstance(exc, LakeforgeError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _noop(stage: str, subject: str, event: str) -> None:
    del stage, subject, event


def _isolated(
    progress: Progress, stage: str, outcome: ModelOutcome, work: Callable[[], object]
) -> object | None:
    progress(stage, outcome.name, "started")
    try:
        value = work()
    except Exception as exc:  # noqa: BLE001 - one model's failure must not stop the others
        outcome.errors[stage] = _reason(exc)
        progress(stage, outcome.name, "failed")
        return None
    progress(stage, outcome.name, "done")
    return value


def _train_all(
    ws: Workspace, manifest: Manifest, result: PipelineResult, progress: Progress
) -> None:
    def one(spec: ModelSpec) -> None:
        outcome = result.models[spec.name]
        trained = _isolated(
            progress, "train", outcome, lambda: train_model(ws, manifest, spec, result.run_id)
        )
        if isinstance(trained, TrainResult):
            outcome.train = trained

    with ThreadPoolExecutor(max_workers=manifest.defaults.max_parallel) as pool:
        list(pool.map(one, manifest.models))


def _score_all(
    ws: Workspace, manifest: Manifest, result: PipelineResult, progress: Progress
) -> None:
    assert manifest.inference is not None
    inference = manifest.inference
    for spec in manifest.inference_models():
        outcome = result.models[spec.name]

        def work(model: ModelSpec = spec) -> ScoreResult:
            return score_model(ws, inference, model, result.run_id)

        scored = _isolated(progress, "inference", outcome, work)
        if isinstance(scored, ScoreResult):
            outcome.score = scored


def _state(result: PipelineResult) -> State:
    if result.feature_error:
        return "FAILED"
    outcomes = list(result.models.values())
    failed = [o for o in outcomes if o.failed]
    if not failed:
        return "SUCCESS"
    return "FAILED" if len(failed) == len(outcomes) else "PARTIAL_FAILURE"


def run_pipeline(
    ws: Workspace,
    manifest: Manifest,
    stages: Sequence[Stage] = STAGES,
    *,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> PipelineResult:
    """Run the chosen stages of a manifest (see the module docstring for the rules)."""
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise ValidationError(f"unknown stages {unknown}", f"use some of {list(STAGES)}")
    if "inference" in stages and manifest.inference is None:
        raise ValidationError(
            "the manifest has no inference section", "add inference: {output_table: ...}"
        )
    notify = progress or _noop
    started = datetime.now(UTC)
    result = PipelineResult(
        run_id=run_id or f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
        manifest=manifest.name,
        stages=tuple(s for s in STAGES if s in stages),
        started=started,
        models={m.name: ModelOutcome(m.name) for m in manifest.models},
    )
    if "features" in stages:
        notify("features", manifest.name, "started")
        try:
            result.features = run_features(ws, manifest)
            notify("features", manifest.name, "done")
        except Exception as exc:  # noqa: BLE001 - reported as the run's failure
            result.feature_error = _reason(exc)
            notify("features", manifest.name, "failed")
    if result.feature_error is None:
        if "train" in stages:
            _train_all(ws, manifest, result, notify)
        if "inference" in stages:
            _score_all(ws, manifest, result, notify)
    if "train" not in stages and "inference" in stages:
        result.models = {
            k: v
            for k, v in result.models.items()
            if k in {m.name for m in manifest.inference_models()}
        }
    result.state = _state(result)
    result.ended = datetime.now(UTC)
    return result


__all__ = ["STAGES", "ModelOutcome", "PipelineResult", "Progress", "Stage", "run_pipeline"]
