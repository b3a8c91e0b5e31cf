"""The ``inference`` stage for one model: score its keys and append the predictions once.

The model version is the one behind the inference alias (``champion`` by default) — never
silently another. Its ``scoring_sql`` gives the keys (and event time); ``score_batch`` looks up
the features exactly as in training. Predictions go to the output table in long format, one
row per (input row, model)::

    model_name, model_version, entity (JSON of the lookup keys), event_time, prediction,
    pipeline_run, scored_at

The append carries a Delta transaction id derived from the model version and a digest of the
input, in the same commit as the rows: a rerun (after a crash, or of the same inputs) finds it
and writes nothing, so each input row is scored once per model version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from lakeforge.errors import NotFoundError, ValidationError
from lakeforge.models.lineage import table_digest
from lakeforge.models.registry import Registry
from lakeforge.names import parse_name
from lakeforge.pipeline.manifest import InferenceSpec, ModelSpec
from lakeforge.scoring.batch import score_batch

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

OUTPUT_SCHEMA = pa.schema(
    [
        ("model_name", pa.string()),
        ("model_version", pa.int64()),
        ("entity", pa.string()),
        ("event_time", pa.timestamp("us", tz="UTC")),
        ("prediction", pa.float64()),
        ("pipeline_run", pa.string()),
        ("scored_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """What scoring one model did."""

    name: str
    version: int
    rows: int
    written: int
    already_applied: bool


def ensure_output_table(ws: Workspace, name: str) -> None:
    """Create the predictions table (and its schema) when missing."""
    parsed = parse_name(name)
    ws.schemas.create(parsed.catalog, parsed.schema, if_not_exists=True)
    ws.tables.create(
        name, schema=OUTPUT_SCHEMA, description="lakeforge pipeline predictions", if_not_exists=True
    )


def _long_format(spec: ModelSpec, version: int, scored: pa.Table, run: str) -> pa.Table:
    import polars as pl

    keys, time_key = spec.key_columns(), spec.time_column()
    frame: pl.DataFrame = pl.from_arrow(
        scored.select([*keys, *([time_key] if time_key else []), "prediction"])
    )  # type: ignore[assignment]
    entity = frame.select(pl.struct(keys).struct.json_encode().alias("entity"))["entity"].to_arrow()
    rows = scored.num_rows
    if time_key:
        event = scored.column(time_key).cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    else:
        event = pa.nulls(rows, pa.timestamp("us", tz="UTC"))
    now = datetime.now(UTC)
    return pa.table(
        {
            "model_name": pa.array([spec.name] * rows, pa.string()),
            "model_version": pa.array([version] * rows, pa.int64()),
            "entity": entity.cast(pa.string()),
            "event_time": event,
            "prediction": scored.column("prediction").cast(pa.float64()),
            "pipeline_run": pa.array([run] * rows, pa.string()),
            "scored_at": pa.array([now] * rows, pa.timestamp("us", tz="UTC")),
        },
        schema=OUTPUT_SCHEMA,
    )


def score_model(ws: Workspace, inference: InferenceSpec, spec: ModelSpec, run: str) -> ScoreResult:
    """Score one model's keys with its aliased version; append the predictions once.

    Raises:
        AliasNotFoundError: The model has no version behind the inference alias.
        ValidationError: No ``scoring_sql``, or scoring input the model rejects.
    """
    if not spec.scoring_sql:
        raise ValidationError(
            f"model {spec.name} has no scoring_sql", "add scoring_sql: SELECT <keys> FROM ..."
        )
    try:
        version = Registry(ws).get_version_by_alias(spec.name, inference.alias).version
    except NotFoundError as exc:
        raise ValidationError(
            f"{spec.name} has no version with alias {inference.alias!r} to score ({exc.what})",
            "train it until its champion rule passes (lakeforge pipeline run --stage train), or "
            f"set the alias by hand: lakeforge models alias set {spec.name} "
            f"{inference.alias} VERSION",
        ) from None
    keys = ws.sql(spec.scoring_sql, kind="arrow")
    scored = score_batch(ws, f"models:/{spec.name}/{version}", keys)
    rows = _long_format(spec, version, scored, run)
    ensure_output_table(ws, inference.output_table)
    app_id = f"lakeforge.pipeline:{spec.name}:v{version}:{table_digest(keys)}"
    written = ws.tables.append(inference.output_table, rows, transaction=(app_id, 1))
    return ScoreResult(
        spec.name, version, rows.num_rows, written.rows_inserted, written.already_applied
    )


__all__ = ["OUTPUT_SCHEMA", "ScoreResult", "ensure_output_table", "score_model"]
