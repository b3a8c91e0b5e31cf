"""Training lineage on MLflow runs (guardrail 2): which tables, at which versions, fed a run.

Recorded as MLflow dataset inputs, so the MLflow UI's "Datasets used" shows them:

- one per feature table: source type ``delta_table`` with name, Delta version and table id,
  schema of the features taken from it, context ``feature_table``;
- one for the label table (the DataFrame given to ``create_training_set``): name
  ``label_table``, a content digest, its schema and row count, context ``training``;

plus tags ``lakeforge.feature_table.<table>`` = pinned version and ``lakeforge.labels`` = label
names and types. :func:`record_training_set` runs when a training set is built inside an
active run and again when a model is logged from one; MLflow keeps one input per dataset.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.features.spec import FeatureColumn, FeatureSpec

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import DatasetInput

    from lakeforge.features.training_set import TrainingSet

LABEL_TABLE = "label_table"


def _feature_schema(spec: FeatureSpec, table_name: str) -> str:
    from mlflow.types import ColSpec, Schema, TensorSpec

    from lakeforge.models.packaging import mlflow_type

    columns: list[ColSpec | TensorSpec] = [
        ColSpec(mlflow_type(c.data_type), c.feature_name)
        for c in spec.input_columns
        if isinstance(c, FeatureColumn) and c.table_name == table_name
    ]
    return json.dumps({"mlflow_colspec": Schema(columns).to_dict()}) if columns else ""


def table_digest(table: pa.Table) -> str:
    """A short content digest of an Arrow table: schema, row count and row hashes."""
    import polars as pl

    frame: Any = pl.from_arrow(table, rechunk=False)
    rows = int(frame.hash_rows(seed=0).sum()) if table.num_rows and table.num_columns else 0
    text = f"{table.schema.to_string(show_schema_metadata=False)}|{table.num_rows}|{rows}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _label_schema(table: pa.Table) -> str:
    from mlflow.types import ColSpec, Schema, TensorSpec

    from lakeforge.models.packaging import mlflow_type
    from lakeforge.tables.types import type_name

    columns: list[ColSpec | TensorSpec] = []
    for field in table.schema:
        try:
            columns.append(ColSpec(mlflow_type(type_name(field.type)), field.name))
        except Exception:  # noqa: BLE001 - a column MLflow cannot type is left out of the schema
            continue
    return json.dumps({"mlflow_colspec": Schema(columns).to_dict()})


def datasets(
    spec: FeatureSpec, versions: Mapping[str, int], label_table: pa.Table | None
) -> list[DatasetInput]:
    """The dataset inputs describing a training set's sources."""
    from mlflow.entities import Dataset, DatasetInput, InputTag

    inputs = []
    for ref in spec.input_tables:
        version = versions.get(ref.table_name)
        source = {
            "delta_table_name": ref.table_name,
            "delta_table_version": version,
            "delta_table_id": ref.table_id,
            "is_databricks_uc_table": False,
        }
        dataset = Dataset(
            name=ref.table_name,
            digest=hashlib.sha256(f"{ref.table_id}:{version}".encode()).hexdigest()[:8],
            source_type="delta_table",
            source=json.dumps(source),
            schema=_feature_schema(spec, ref.table_name),
        )
        inputs.append(DatasetInput(dataset, [InputTag("mlflow.data.context", "feature_table")]))
    if label_table is not None:
        dataset = Dataset(
            name=LABEL_TABLE,
            digest=table_digest(label_table),
            source_type="lakeforge_dataframe",
            source=json.dumps({"columns": label_table.column_names}),
            schema=_label_schema(label_table),
            profile=json.dumps({"num_rows": label_table.num_rows}),
        )
        inputs.append(DatasetInput(dataset, [InputTag("mlflow.data.context", "training")]))
    return inputs


def tags(versions: Mapping[str, int], labels: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Run tags naming the pinned feature-table versions and the labels with their types."""
    values = {f"lakeforge.feature_table.{t}": str(v) for t, v in versions.items()}
    values["lakeforge.labels"] = json.dumps([{"name": n, "type": t} for n, t in labels])
    return values


def record(
    client: MlflowClient,
    run_id: str,
    spec: FeatureSpec,
    versions: Mapping[str, int],
    labels: Sequence[tuple[str, str]],
    label_table: pa.Table | None = None,
    extra_tags: Mapping[str, str] | None = None,
) -> None:
    """Log a training set's sources on ``run_id`` (dataset inputs and tags)."""
    from mlflow.entities import RunTag

    values = {**tags(versions, labels), **dict(extra_tags or {})}
    client.log_batch(run_id, tags=[RunTag(k, v) for k, v in values.items()])
    inputs = datasets(spec, versions, label_table)
    if inputs:
        client.log_inputs(run_id, datasets=inputs)


def record_training_set(client: MlflowClient, run_id: str, training_set: TrainingSet) -> None:
    """Log a training set's feature tables, label table and labels on ``run_id``."""
    record(
        client,
        run_id,
        training_set.feature_spec,
        training_set.table_versions,
        training_set.label_types(),
        training_set.label_table(),
    )


def record_on_active_run(training_set: TrainingSet) -> str | None:
    """Record a training set on the active MLflow run, if any; return that run's id.

    MLflow is not imported for this: without it loaded there can be no active run. The run is
    written through MLflow's current tracking URI, where the active run lives.
    """
    import sys

    mlflow = sys.modules.get("mlflow")
    run = mlflow.active_run() if mlflow is not None else None
    if mlflow is None or run is None:
        return None
    run_id = str(run.info.run_id)
    record_training_set(mlflow.MlflowClient(), run_id, training_set)
    return run_id


__all__ = [
    "LABEL_TABLE",
    "datasets",
    "record",
    "record_on_active_run",
    "record_training_set",
    "table_digest",
    "tags",
]
