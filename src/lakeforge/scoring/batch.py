"""``score_batch``: score a feature model on a DataFrame of keys and source columns.

No Spark: pandas, polars and Arrow inputs (a ``RecordBatchReader`` streams) come back as the
kind given (api-compat §1.15, with the issue's changes). Features are looked up with the model's
packaged feature spec through the training code path, at the feature tables' latest versions
(one version per table for the whole call, even across batches). Output columns: the input's
columns in their order, then the computed model-input columns the input did not carry (spec
order), then ``prediction`` typed by ``result_type``. Inputs are processed in chunks of
``batch_rows`` rows, so join memory follows the chunk size.

With ``output_table`` the result is also appended (one commit) to a Delta table, created when
missing, with ``model_name``, ``model_version``, ``model_uri`` and ``scored_at`` added.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.errors import (
    AlreadyExistsError,
    ScoringInputError,
    TableNotFoundError,
    ValidationError,
)
from lakeforge.frames import from_arrow, kind_of, to_arrow
from lakeforge.models import feature_inputs, feature_model
from lakeforge.models.feature_model import PREDICTION, FeatureModel

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

DEFAULT_BATCH_ROWS = 100_000
RECORD_COLUMNS = ("model_name", "model_version", "model_uri", "scored_at")


def _batches(df: Any, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.Table]]:
    """The input's schema and its rows in chunks of at most ``batch_rows``."""
    if isinstance(df, pa.RecordBatchReader):
        reader = df

        def chunks() -> Iterator[pa.Table]:
            pending: list[pa.RecordBatch] = []
            size, yielded = 0, False
            for batch in reader:
                pending.append(batch)
                size += batch.num_rows
                while size >= batch_rows:
                    table = pa.Table.from_batches(pending, reader.schema)
                    yield table.slice(0, batch_rows)
                    yielded = True
                    rest = table.slice(batch_rows)
                    pending, size = rest.to_batches(), rest.num_rows
            if size or not yielded:
                yield pa.Table.from_batches(pending, reader.schema)

        return reader.schema, chunks()
    table = to_arrow(df)
    starts = range(0, max(table.num_rows, 1), batch_rows)
    return table.schema, (table.slice(start, batch_rows) for start in starts)


def _check_input(schema: pa.Schema) -> None:
    duplicated = sorted({n for n in schema.names if schema.names.count(n) > 1})
    if duplicated:
        raise ScoringInputError(
            "the input has duplicate column names", duplicated, "rename or drop the duplicates"
        )
    if PREDICTION in schema.names:
        raise ScoringInputError(
            "the input already has a column named 'prediction'",
            [PREDICTION],
            "rename or drop that column; score_batch adds the model's 'prediction' column",
        )


def iter_score_batches(
    ws: Workspace,
    model: FeatureModel,
    df: Any,
    *,
    result_type: str = feature_model.DEFAULT_RESULT_TYPE,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    params: Mapping[str, Any] | None = None,
) -> Iterator[pa.Table]:
    """Score ``df`` chunk by chunk with a loaded model; yield scored Arrow tables in order.

    Raises:
        ValidationError: ``batch_rows`` is not positive.
        ScoringInputError: Missing, duplicate, mistyped or reserved input columns, or values
            the learner cannot take (every offending column named).
    """
    if batch_rows < 1:
        raise ValidationError(f"batch_rows={batch_rows} is not positive", "use e.g. 100000")
    schema, chunks = _batches(df, batch_rows)
    _check_input(schema)
    aligned = feature_inputs.align_nulls(model.spec, schema.empty_table()).schema
    plan = model.plan(ws, aligned)
    added = [c for c in plan.computed_columns() if c not in schema.names]
    columns = [*schema.names, *added, PREDICTION]
    for chunk in chunks:
        table = feature_inputs.align_nulls(model.spec, chunk)
        scored = model.score(plan, table, result_type=result_type, params=params)
        yield scored.select(columns)


def score_batch(
    ws: Workspace,
    model_uri: str,
    df: Any,
    result_type: str = feature_model.DEFAULT_RESULT_TYPE,
    output_table: str | None = None,
    strict_environment: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    *,
    params: Mapping[str, Any] | None = None,
    env_manager: str = "local",
    registry_uri: str | None = None,
) -> Any:
    """Look up features for ``df`` and score a feature model on them.

    Args:
        ws: The workspace (feature tables, MLflow stores).
        model_uri: ``runs:/<run>/<path>``, ``models:/<name>/<version>``,
            ``models:/<name>@<alias>`` or a local model directory (reference layout too).
        df: pandas, polars or Arrow (``Table`` or streamed ``RecordBatchReader``) with the
            model's source columns; feature columns present in it override the lookups.
        result_type: Spark SQL type of ``prediction`` (``"double"``, ``"string"``,
            ``"array<double>"`` ...).
        output_table: Also append the result to this Delta table (created when missing).
        strict_environment: Refuse a model whose framework major/minor version differs from
            the installed one (default: warn).
        batch_rows: Rows scored per chunk.
        params: Passed to the raw model's ``predict``.
        env_manager: Only ``"local"``: scoring runs in the current environment.
        registry_uri: Registry for ``models:/`` URIs (default: the workspace registry).

    Returns:
        The input's columns, computed model-input columns, then ``prediction``, as the
        input's DataFrame kind (a ``RecordBatchReader`` gives an Arrow table).
    """
    from lakeforge.models.packaging import settings_for

    if env_manager != "local":
        raise ValidationError(
            f"env_manager={env_manager!r} is not supported",
            "use env_manager='local' (the current environment) and strict_environment=True to "
            "refuse a model logged with other framework versions",
        )
    kind = kind_of(df)
    settings = settings_for(ws, registry_uri)
    identity = _identity(ws, registry_uri, model_uri) if output_table is not None else None
    load_uri = model_uri
    if identity is not None and identity[0] is not None and "@" in model_uri:
        load_uri = f"models:/{identity[0]}/{identity[1]}"  # the version recorded is the one scored
    model = feature_model.load(settings, load_uri, strict_environment=strict_environment)
    parts = list(
        iter_score_batches(
            ws, model, df, result_type=result_type, batch_rows=batch_rows, params=params
        )
    )
    result = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    if output_table is not None and identity is not None:
        append_scores(ws, output_table, result, model_uri, identity)
    return from_arrow(result, kind)


def iter_scores(
    ws: Workspace,
    model_uri: str,
    df: Any,
    result_type: str = feature_model.DEFAULT_RESULT_TYPE,
    strict_environment: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    *,
    params: Mapping[str, Any] | None = None,
    registry_uri: str | None = None,
) -> Iterator[Any]:
    """Like :func:`score_batch` without ``output_table``, one scored chunk at a time.

    The model is loaded, the input checked and the first chunk scored before this returns, so
    bad input raises here. Feature tables are read once; each chunk of at most ``batch_rows``
    input rows is yielded as soon as it is scored, in input order, as the input's DataFrame
    kind (a ``RecordBatchReader`` gives Arrow tables). Memory follows the
    chunk size, not the input size, when the input is a ``RecordBatchReader``.
    """
    from lakeforge.models.packaging import settings_for

    kind = kind_of(df)
    settings = settings_for(ws, registry_uri)
    model = feature_model.load(settings, model_uri, strict_environment=strict_environment)
    chunks = iter_score_batches(
        ws, model, df, result_type=result_type, batch_rows=batch_rows, params=params
    )
    first = next(chunks)  # input errors surface here, not at the caller's first iteration

    def scored() -> Iterator[Any]:
        yield from_arrow(first, kind)
        for chunk in chunks:
            yield from_arrow(chunk, kind)

    return scored()


def _identity(
    ws: Workspace, registry_uri: str | None, model_uri: str
) -> tuple[str | None, str | None]:
    """Registered model name and version behind a ``models:/name/<v>`` or ``@alias`` URI."""
    from lakeforge.models.alias import parse_model_uri
    from lakeforge.models.registry import Registry

    try:
        parse_model_uri(model_uri)
    except ValidationError:
        return None, None  # runs:/, models:/<model_id>, directories: no registered identity
    name, version = Registry(ws, registry_uri=registry_uri).resolve_uri(model_uri)
    return name, str(version)


def append_scores(
    ws: Workspace,
    name: str,
    result: pa.Table,
    model_uri: str,
    identity: tuple[str | None, str | None] = (None, None),
) -> None:
    """Append scored rows with model identity and time to ``name`` (created when missing).

    Args:
        ws: The workspace.
        name: Delta table to append to.
        result: Scored rows.
        model_uri: The URI the model was loaded from.
        identity: Registered model name and version (None for unregistered models).


    Raises:
        ScoringInputError: The result already has one of the record columns.
    """
    clashes = [c for c in RECORD_COLUMNS if c in result.column_names]
    if clashes:
        raise ScoringInputError(
            "the input has columns that output_table records itself",
            clashes,
            "rename them, or score without output_table",
        )
    model_name, model_version = identity
    rows = result.num_rows
    now = datetime.now(UTC)
    records = {
        "model_name": pa.array([model_name] * rows, pa.string()),
        "model_version": pa.array([model_version] * rows, pa.string()),
        "model_uri": pa.array([model_uri] * rows, pa.string()),
        "scored_at": pa.array([now] * rows, pa.timestamp("us", tz="UTC")),
    }
    for column, values in records.items():
        result = result.append_column(column, values)
    try:
        ws.tables.get(name)
    except TableNotFoundError:
        try:
            ws.tables.create(name, data=result)
            return
        except AlreadyExistsError:
            pass  # created concurrently: append below
    ws.tables.append(name, result)


__all__ = [
    "DEFAULT_BATCH_ROWS",
    "append_scores",
    "iter_score_batches",
    "iter_scores",
    "score_batch",
]
