"""Manifest pipelines end to end on a small world: feature tables from SQL with NaN/Inf
cleaning, models trained in parallel and registered, champion rules, scoring with per-model
isolation, idempotent reruns and kill -9 during inference (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from lakeforge.errors import BundleError
from lakeforge.models.registry import Registry
from lakeforge.pipeline.manifest import load_manifest
from lakeforge.pipeline.run import run_pipeline
from lakeforge.tables.workspace import Workspace

pytestmark = pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning")

MANIFEST = """
    name: tiny
    defaults: {max_parallel: 2, seed: 3}
    feature_tables:
      - name: main.features.daily
        primary_keys: [entity_id, day]
        timeseries_key: day
        source_sql: |
          SELECT entity_id, day,
                 avg(value) OVER w AS value_avg_7d,
                 CASE WHEN base = 0 THEN 'inf'::DOUBLE ELSE value / base END AS ratio,
                 CAST(extract(dow FROM day) AS DOUBLE) AS dow
          FROM main.gold.events
          WINDOW w AS (PARTITION BY entity_id ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
    models:
      - name: main.ml.value_forecaster
        domain: cost
        problem_type: regression
        algorithm: lightgbm
        params: {n_estimators: 40, num_leaves: 7, min_child_samples: 5}
        training_sql: >-
          SELECT entity_id, day, next_value AS label FROM main.gold.events
          WHERE next_value IS NOT NULL
        lookups: [{table: main.features.daily, lookup_key: [entity_id], timestamp_lookup_key: day}]
        label: {column: label, type: double}
        exclude_columns: [entity_id, day]
        champion: {metric: r2, min: 0.3}
        scoring_sql: SELECT entity_id, max(day) AS day FROM main.gold.events GROUP BY entity_id
      - name: main.ml.spike_classifier
        domain: reliability
        problem_type: classification
        algorithm: random_forest
        params: {n_estimators: 30, max_depth: 5}
        training_sql: SELECT entity_id, day, spike_rate AS label FROM main.gold.events
        lookups: [{table: main.features.daily, lookup_key: [entity_id], timestamp_lookup_key: day}]
        label: {column: label, type: rate, threshold: 0.5}
        exclude_columns: [entity_id, day]
        champion: {metric: auc, min: 0.99}
        scoring_sql: SELECT entity_id, day FROM main.gold.events WHERE day >= DATE '2026-03-01'
      - name: main.ml.outliers
        domain: security
        problem_type: anomaly_detection
        algorithm: isolation_forest
        params: {n_estimators: 30, contamination: 0.05}
        training_sql: SELECT entity_id, day FROM main.gold.events
        lookups: [{table: main.features.daily, lookup_key: [entity_id], timestamp_lookup_key: day}]
        exclude_columns: [entity_id, day]
        champion: {metric: anomaly_rate, max: 0.2}
        scoring_sql: SELECT entity_id, day FROM main.gold.events WHERE day >= DATE '2026-03-01'
      - name: main.ml.broken
        domain: quality
        problem_type: regression
        algorithm: linear
        training_sql: SELECT entity_id, day, no_such_column AS label FROM main.gold.events
        lookups: [{table: main.features.daily, lookup_key: [entity_id], timestamp_lookup_key: day}]
        label: {column: label}
        exclude_columns: [entity_id, day]
        scoring_sql: SELECT entity_id, day FROM main.gold.events
    inference: {output_table: main.ml.predictions}
"""


def gold(ws: Workspace, days: int = 90, entities: int = 8) -> None:
    rng = np.random.default_rng(1)
    start = date(2026, 1, 1)
    rows: dict[str, list[Any]] = {
        k: [] for k in ("entity_id", "day", "value", "base", "next_value", "spike_rate")
    }
    for entity in range(entities):
        level = 10 + 5 * entity
        values = level + 3 * np.sin(np.arange(days + 1) / 3) + rng.normal(0, 0.3, days + 1)
        for d in range(days):
            rows["entity_id"].append(f"e{entity}")
            rows["day"].append(start + timedelta(days=d))
            rows["value"].append(float(values[d]))
            rows["base"].append(0.0 if d % 17 == 0 else 1.0)
            rows["next_value"].append(float(values[d + 1]) if d < days - 1 else None)
            rows["spike_rate"].append(float(np.clip((values[d] - level) / 6 + 0.5, 0, 1)))
    ws.schemas.create("main", "gold", if_not_exists=True)
    ws.tables.create("main.gold.events", data=pa.table(rows))


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "ml-manifest.yaml"
    path.write_text(textwrap.dedent(MANIFEST))
    return path


@pytest.fixture
def world(ws: Workspace, mlflow_db_template: Path, manifest_file: Path) -> Path:
    import shutil

    shutil.copy(mlflow_db_template, ws.settings.mlflow_db)
    gold(ws)
    return manifest_file


def predictions(ws: Workspace) -> Any:
    return ws.sql("SELECT model_name, entity, event_time FROM main.ml.predictions", kind="pandas")


@pytest.mark.usefixtures("fresh_mlflow")
def test_a_failing_model_gives_partial_failure_while_the_others_train_and_score(
    ws: Workspace, world: Path
) -> None:
    manifest = load_manifest(world)
    events: list[tuple[str, str, str]] = []
    result = run_pipeline(ws, manifest, progress=lambda *e: events.append(e))
    assert result.state == "PARTIAL_FAILURE"
    (table,) = result.features
    assert table.rows == 8 * 90 and table.replaced == {"ratio": 8 * 6}  # days 0, 17, ... per entity
    broken = result.models["main.ml.broken"]
    assert set(broken.errors) == {"train", "inference"}
    assert "no_such_column" in broken.errors["train"]
    forecaster, classifier, outliers = (
        result.models[n]
        for n in ("main.ml.value_forecaster", "main.ml.spike_classifier", "main.ml.outliers")
    )
    for outcome in (forecaster, classifier, outliers):
        assert "train" not in outcome.errors and outcome.train and outcome.train.version == 1
    assert forecaster.train and forecaster.train.metrics["r2"] > 0.3 and forecaster.train.champion
    assert outliers.train and outliers.train.champion and not outliers.failed
    # the classifier's rate label was binarized (reported); its rule (auc >= 0.99) failed, so
    # it has no champion and inference refuses to pick another version
    assert classifier.train and any("label" in line for line in classifier.train.report)
    assert not classifier.train.champion and "not >= 0.99" in classifier.train.champion_note
    assert "no version with alias 'champion'" in classifier.errors["inference"]
    counts = predictions(ws).groupby("model_name").size().to_dict()
    assert counts == {"main.ml.value_forecaster": 8, "main.ml.outliers": 8 * 31}
    assert ("train", "main.ml.broken", "failed") in events
    registry = Registry(ws)
    assert registry.get_version_by_alias("main.ml.value_forecaster", "champion").version == 1
    assert "metric.r2" in registry.get_version("main.ml.value_forecaster", 1).tags
    # rerunning inference writes nothing new: same versions, same inputs
    again = run_pipeline(ws, manifest, ["inference"])
    assert again.state == "PARTIAL_FAILURE"
    assert all(o.score is None or o.score.already_applied for o in again.models.values())
    assert len(predictions(ws)) == sum(counts.values())


def test_manifest_errors_name_the_yaml_path(tmp_path: Path, manifest_file: Path) -> None:
    text = manifest_file.read_text()
    manifest_file.write_text(
        text.replace("algorithm: random_forest", "algorithm: isolation_forest")
    )
    with pytest.raises(BundleError, match=r"models\[1\]") as caught:
        load_manifest(manifest_file)
    assert "does not fit problem_type" in str(caught.value)
    manifest_file.write_text(
        text.replace("lookback", "x").replace(
            "scoring_sql: SELECT entity_id, max", "scoring_sq: SELECT entity_id, max"
        )
    )
    with pytest.raises(BundleError, match=r"models\[0\]\.scoring_sq"):
        load_manifest(manifest_file)


def _count_rows(ws_path: Path) -> int:
    from deltalake import DeltaTable

    path = ws_path / "warehouse" / "main" / "ml" / "predictions"
    try:
        return sum(
            DeltaTable(str(path)).get_add_actions(flatten=True).column("num_records").to_pylist()
        )
    except Exception:
        return 0


@pytest.mark.usefixtures("fresh_mlflow")
def test_kill_9_during_inference_then_rerun_scores_each_row_once(
    ws: Workspace, ws_path: Path, world: Path
) -> None:
    manifest = load_manifest(world)
    trained = run_pipeline(ws, manifest, ["features", "train"])
    assert trained.state == "PARTIAL_FAILURE"
    command = [
        sys.executable,
        "-m",
        "lakeforge.cli.app",
        "--workspace",
        str(ws_path),
        "pipeline",
        "run",
        str(world),
        "--stage",
        "inference",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while _count_rows(ws_path) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-inference: after the first model's commit
    proc.wait()
    first = _count_rows(ws_path)
    assert first > 0
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 9, rerun.stderr  # PARTIAL_FAILURE: the broken model has no champion
    frame = predictions(ws)
    assert not frame.duplicated(["model_name", "entity", "event_time"]).any()
    counts = frame.groupby("model_name").size().to_dict()
    assert counts["main.ml.value_forecaster"] == 8
    assert counts["main.ml.outliers"] == 8 * 31
