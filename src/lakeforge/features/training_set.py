"""Training sets: an input DataFrame plus declared lookups/functions, joined point in time.

``create_training_set`` validates everything up front and pins the Delta version of each
feature table it will read; ``TrainingSet.load_df`` runs the joins lazily against those pinned
versions, so it returns the same rows after later writes. Columns come out in spec order
(included source columns, looked-up features, on-demand features) followed by the labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.errors import ValidationError
from lakeforge.features import resolution
from lakeforge.features.executor import FeatureExecutor
from lakeforge.features.label import LabelPolicy, LabelReport, prepare_label
from lakeforge.features.resolution import FunctionPlan, Item, LookupPlan
from lakeforge.features.spec import FeatureSpec, SourceColumn, TableInfoRef
from lakeforge.frames import FrameKind, from_arrow, kind_of, to_arrow
from lakeforge.tables.types import type_name

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace

MAX_FUNCTIONS = 100


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """A declared training set; call :meth:`load_df` to materialize it.

    Attributes:
        feature_spec: What the model will take as input, and from where.
        labels: Label column names (empty for unsupervised sets).
        table_versions: Delta version pinned per feature table.
        report: Automatic changes made (label casts, binarization, default fills) with counts.
    """

    feature_spec: FeatureSpec
    labels: tuple[str, ...]
    table_versions: dict[str, int]
    report: list[str]
    _df: pa.Table = field(repr=False)
    _kind: FrameKind = field(repr=False)
    _executor: FeatureExecutor = field(repr=False)

    def _columns(self) -> list[str]:
        return self.feature_spec.column_names() + list(self.labels)

    def load_df(self) -> Any:
        """Join the features and return the DataFrame kind the input came in."""
        table, fills = self._executor.run(self._df)
        for name, count in fills.items():
            line = f"default_values: filled {count} null(s) in {name!r}"
            if line not in self.report:
                self.report.append(line)
        return from_arrow(table.select(self._columns()), self._kind)

    def iter_batches(self, batch_rows: int = 1_000_000) -> Iterator[Any]:
        """Yield the training set in input-order chunks of at most ``batch_rows`` rows.

        Point-in-time results of a row do not depend on other rows, so chunks are joined
        independently (feature tables are read once for all chunks); memory follows the chunk
        size instead of the whole input.
        """
        if batch_rows < 1:
            raise ValidationError(f"batch_rows={batch_rows} is not positive", "use e.g. 100000")
        for start in range(0, max(self._df.num_rows, 1), batch_rows):
            table, _ = self._executor.run(self._df.slice(start, batch_rows))
            yield from_arrow(table.select(self._columns()), self._kind)

    def label_types(self) -> list[tuple[str, str]]:
        """``(label, Spark SQL type)`` per label, after any label policy casts."""
        schema = self._df.schema
        return [(name, type_name(schema.field(name).type)) for name in self.labels]

    def label_table(self) -> pa.Table:
        """The DataFrame the set was declared on (keys, times, labels after any label policy
        casts), as Arrow: the label table of the set's lineage."""
        return self._df

    def head(self, rows: int = 1) -> pa.Table:
        """The first ``rows`` input rows with every spec column computed (excluded source
        columns too), as Arrow, in spec order; no labels."""
        table, _ = self._executor.run(self._df.slice(0, rows))
        names = self.feature_spec.column_names(included_only=False)
        return table.select([n for n in names if n in table.column_names])


def _labels(label: str | Sequence[str] | None, df: pa.Table, exclude: Sequence[str]) -> list[str]:
    labels = [label] if isinstance(label, str) else list(label or [])
    duplicates = sorted({x for x in labels if labels.count(x) > 1})
    if duplicates:
        raise ValidationError(f"labels {duplicates} are listed twice", "list each label once")
    for name in labels:
        if name not in df.column_names:
            raise ValidationError(
                f"label {name!r} is not a column of the DataFrame ({df.column_names})",
                "add the label column or fix the name",
            )
        if name in exclude:
            raise ValidationError(
                f"label {name!r} is also in exclude_columns", "remove it from exclude_columns"
            )
    return labels


def _check_outputs(items: Sequence[Item], df: pa.Table, labels: Sequence[str]) -> None:
    outputs = [o for i in items for o in resolution.item_outputs(i)]
    seen: set[str] = set()
    for name in outputs:
        if name in seen:
            raise ValidationError(
                f"feature output name {name!r} is produced twice",
                "use rename_outputs or output_name to give each feature its own name",
            )
        seen.add(name)
        if name in labels:
            raise ValidationError(
                f"feature {name!r} has the same name as the label",
                "rename the feature (rename_outputs) — the label can never be a feature",
            )
        if name in df.column_names:
            raise ValidationError(
                f"feature {name!r} collides with DataFrame column {name!r}",
                "drop the column from the DataFrame or remove the feature from the lookups",
            )


def bind_features(ws: Workspace, features: Sequence[Any]) -> tuple[list[Item], list[TableInfoRef]]:
    """Bind FeatureLookups/FeatureFunctions to the catalog (tables at their latest versions)."""
    from lakeforge.features.function import FeatureFunction, check_bindings
    from lakeforge.features.lookup import FeatureLookup

    items: list[Item] = []
    tables: dict[str, TableInfoRef] = {}
    for index, feature in enumerate(features):
        if isinstance(feature, FeatureLookup):
            info = ws.tables.get(feature.table_name)
            snapshot = ws.tables.snapshot(info.name)
            schema = pa.schema(snapshot.schema().to_arrow())
            items.append(resolution.bind_lookup(feature, info, snapshot.version(), schema))
            lookback = feature.lookback_window
            tables.setdefault(
                info.name.full,
                TableInfoRef(
                    info.name.full, info.table_id, lookback.total_seconds() if lookback else None
                ),
            )
        elif isinstance(feature, FeatureFunction):
            info_f = ws.functions.get(ws.tables.resolve(feature.udf_name))
            check_bindings(feature, info_f)
            items.append(FunctionPlan(feature, info_f, resolution.function_output(feature, info_f)))
        else:
            raise TypeError(
                f"feature_lookups[{index}] is a {type(feature).__name__}; expected FeatureLookup "
                "or FeatureFunction"
            )
    _check_lookbacks(items)
    return items, list(tables.values())


def _check_lookbacks(items: Sequence[Item]) -> None:
    seen: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, LookupPlan):
            continue
        name, lookback = item.table.name.full, item.lookup.lookback_window
        if name in seen and seen[name] != lookback:
            raise ValidationError(
                f"lookups on table {name!r} use different lookback_window values "
                f"({seen[name]} and {lookback})",
                "give every lookup on one table the same lookback_window (or none)",
            )
        seen.setdefault(name, lookback)


def create_training_set(
    ws: Workspace,
    df: Any,
    feature_lookups: Sequence[Any],
    label: str | Sequence[str] | None,
    exclude_columns: Sequence[str] | None = None,
    label_policy: LabelPolicy | None = None,
) -> TrainingSet:
    """Validate lookups/functions against the catalog and pin table versions."""
    if not isinstance(feature_lookups, list | tuple):
        raise TypeError(f"feature_lookups must be a list, got {type(feature_lookups).__name__}")
    kind = kind_of(df)
    table = to_arrow(df)
    exclude = list(exclude_columns or [])
    labels = _labels(label, table, exclude)
    items, tables = bind_features(ws, feature_lookups)
    if sum(isinstance(i, FunctionPlan) for i in items) > MAX_FUNCTIONS:
        raise ValidationError(
            f"more than {MAX_FUNCTIONS} FeatureFunctions in one training set",
            "split the features across fewer functions",
        )
    _check_outputs(items, table, labels)
    source = {f.name: f.type for f in table.schema if f.name not in labels}
    ordered = resolution.order_items(items, source)
    used = {c for item, _ in ordered for c in item.inputs}
    source_columns = [
        SourceColumn(name, type_name(dtype), 0, include=name not in exclude)
        for name, dtype in source.items()
        if name not in exclude or name in used
    ]
    report: list[str] = []
    if labels and label_policy is not None:
        table, label_report = prepare_label(table, labels, label_policy)
        report.extend(str(line) for line in label_report)
    # Spec order (reference): source columns, then the features in spec order; execution
    # follows `ordered` (dependencies first).
    spec = FeatureSpec(
        input_columns=(*source_columns, *resolution.spec_columns(items, ordered)),
        input_tables=tuple(tables),
        input_functions=resolution.function_names(ordered),
    )
    versions = {i.table.name.full: i.version for i, _ in ordered if isinstance(i, LookupPlan)}
    executor = FeatureExecutor(ws, ordered)
    return TrainingSet(spec, tuple(labels), versions, report, table, kind, executor)


__all__ = ["LabelReport", "TrainingSet", "create_training_set"]
