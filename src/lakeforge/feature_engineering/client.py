"""``FeatureEngineeringClient``: the Databricks-shaped entry point, delegating to ``features/``.

Method names, parameters and defaults follow ``databricks.feature_engineering``; everything
runs locally on the workspace (no Spark, no credentials). DataFrames may be pandas, polars or
pyarrow; results come back as the kind given (reads: ``kind=``, default pandas).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from lakeforge.errors import ValidationError

if TYPE_CHECKING:
    from lakeforge.catalog.records import FunctionInfo
    from lakeforge.features.feature_table import FeatureTable
    from lakeforge.features.training_set import TrainingSet
    from lakeforge.frames import FrameKind
    from lakeforge.online.publish import PublishResult
    from lakeforge.online.store import OnlineStore
    from lakeforge.tables.workspace import Workspace

_HIDDEN_BOOL_KWARGS = ("hint_low_cardinality_columns", "use_scalable_native_join")


class FeatureEngineeringClient:
    """Feature tables, on-demand functions and training sets on a lakeforge workspace.

    Creating one points MLflow at its workspace (unless the user chose their own URIs).

    Args:
        model_registry_uri: Registry used by ``log_model`` registration and ``score_batch``
            model loads (default, or ``"databricks-uc"``: the workspace registry).
        workspace: Workspace directory (default: ``LAKEFORGE_HOME`` or ``./.lakeforge``).
    """

    def __init__(
        self, *, model_registry_uri: str | None = None, workspace: str | Path | None = None
    ) -> None:
        from lakeforge.models.tracking import bind

        self.model_registry_uri = model_registry_uri
        self._workspace_arg = workspace
        self._ws: Workspace | None = None
        bind(workspace)

    @property
    def workspace(self) -> Workspace:
        """The workspace this client works on (opened on first use)."""
        if self._ws is None:
            from lakeforge.tables.workspace import default_workspace

            self._ws = default_workspace(self._workspace_arg)
        return self._ws

    def create_table(
        self,
        *,
        name: str,
        primary_keys: str | list[str],
        df: Any = None,
        timeseries_column: str | None = None,
        partition_columns: list[str] | None = None,
        schema: Any = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> FeatureTable:
        """Create a feature table (idempotent when it exists)."""
        from lakeforge.features.feature_table import create_feature_table

        return create_feature_table(
            self.workspace,
            name,
            primary_keys,
            df=df,
            timeseries_column=timeseries_column,
            partition_columns=partition_columns,
            schema=schema,
            description=description,
            tags=tags,
            **kwargs,
        )

    def write_table(
        self,
        *,
        name: str,
        df: Any,
        mode: str = "merge",
        checkpoint_location: str | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> None:
        """Merge ``df`` into a feature table (the only mode, as in the reference)."""
        import warnings

        from lakeforge.features.feature_table import write_feature_table

        if checkpoint_location is not None:
            warnings.warn(
                "checkpoint_location is ignored for batch DataFrames", UserWarning, stacklevel=2
            )
        del trigger
        write_feature_table(self.workspace, name, df, mode=mode)

    def read_table(self, *, name: str, kind: FrameKind = "pandas", **kwargs: Any) -> Any:
        """Read a feature table, optionally ``as_of_delta_timestamp=``."""
        from lakeforge.features.feature_table import read_feature_table
        from lakeforge.frames import check_kind, from_arrow

        return from_arrow(read_feature_table(self.workspace, name, **kwargs), check_kind(kind))

    def get_table(self, *, name: str) -> FeatureTable:
        """Describe a feature table."""
        from lakeforge.features.feature_table import get_feature_table

        return get_feature_table(self.workspace, name)

    def drop_table(self, *, name: str) -> None:
        """Drop a feature table and its data."""
        from lakeforge.features.feature_table import drop_feature_table

        drop_feature_table(self.workspace, name)

    def set_feature_table_tag(self, *, name: str, key: str, value: str) -> None:
        """Set one tag."""
        from lakeforge.features.feature_table import set_feature_table_tag

        set_feature_table_tag(self.workspace, name, key, value)

    def delete_feature_table_tag(self, *, name: str, key: str) -> None:
        """Remove one tag (a missing key only warns)."""
        from lakeforge.features.feature_table import delete_feature_table_tag

        delete_feature_table_tag(self.workspace, name, key)

    def create_function(
        self,
        *,
        name: str,
        function: Callable[..., Any] | str,
        replace: bool = False,
        description: str | None = None,
    ) -> FunctionInfo:
        """Register a Python function (callable or source) for on-demand features."""
        from lakeforge.features.function import create_function

        return create_function(
            self.workspace, name, function, replace=replace, description=description
        )

    def create_feature_spec(
        self,
        *,
        name: str,
        features: list[Any],
        exclude_columns: list[str] | None = None,
    ) -> FunctionInfo:
        """Register lookups and functions as a FEATURE_SPEC for feature serving endpoints
        (an endpoint serving it answers ``{"outputs": [...]}``)."""
        from lakeforge.features.served_spec import create_feature_spec

        return create_feature_spec(self.workspace, name, features, exclude_columns or ())

    def create_training_set(
        self,
        *,
        df: Any,
        feature_lookups: Sequence[Any] | None = None,
        feature_spec: str | None = None,
        features: Sequence[Any] | None = None,
        label: str | list[str] | None,
        exclude_columns: list[str] | None = None,
        use_spark_native_join: bool = False,
        use_timeseries_filtering: bool = False,
        problem_type: str | None = None,
        label_threshold: float | None = None,
        **kwargs: Any,
    ) -> TrainingSet:
        """Declare a point-in-time training set; ``load_df()`` materializes it.

        ``problem_type`` (``"classification"``/``"regression"``) and ``label_threshold`` are
        lakeforge additions that turn on the label guardrails. Inside an active MLflow run the
        set's feature tables (with Delta versions) and label table are recorded on that run.
        """
        from lakeforge.features.label import LabelPolicy
        from lakeforge.features.training_set import create_training_set

        given = [
            n
            for n, v in (
                ("feature_lookups", feature_lookups),
                ("feature_spec", feature_spec),
                ("features", features),
            )
            if v is not None
        ]
        if len(given) != 1:
            raise ValidationError(
                f"create_training_set needs exactly one of feature_lookups, feature_spec, "
                f"features; got {given or 'none'}",
                "pass feature_lookups=[FeatureLookup(...), FeatureFunction(...)]",
            )
        if given != ["feature_lookups"]:
            raise ValidationError(
                f"{given[0]}= is not available in this lakeforge version",
                "pass feature_lookups=[FeatureLookup(...), FeatureFunction(...)]",
            )
        _check_hidden(kwargs, use_spark_native_join)
        del use_timeseries_filtering  # a join-strategy hint; results never depend on it
        policy = LabelPolicy(problem_type, label_threshold) if problem_type else None  # type: ignore[arg-type]
        training_set = create_training_set(
            self.workspace, df, feature_lookups or [], label, exclude_columns, policy
        )
        from lakeforge.models.lineage import record_on_active_run

        record_on_active_run(training_set)  # guardrail 2: lineage lands on the active run
        return training_set

    def log_model(
        self,
        *,
        model: Any,
        artifact_path: str,
        flavor: ModuleType,
        training_set: TrainingSet | None = None,
        registered_model_name: str | None = None,
        await_registration_for: int = 300,
        infer_input_example: bool = False,
        output_schema: Any = None,
        extra_pip_requirements: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Log ``model`` with the training set's feature spec (reference model layout).

        Returns MLflow's ``ModelInfo`` (typed ``Any``: this facade never imports mlflow).
        ``output_schema``, ``experiment_name`` and ``feature_spec_path`` are keyword options;
        other keywords go to ``flavor.save_model``. See
        :func:`lakeforge.models.packaging.log_model`.
        """
        from lakeforge.models.packaging import log_model

        return log_model(
            self.workspace,
            model,
            artifact_path,
            flavor,
            training_set,
            registered_model_name=registered_model_name,
            await_registration_for=await_registration_for,
            infer_input_example=infer_input_example,
            output_schema=output_schema,
            extra_pip_requirements=extra_pip_requirements,
            registry_uri=self.model_registry_uri,
            **kwargs,
        )

    def score_batch(
        self,
        *,
        model_uri: str,
        df: Any,
        result_type: str = "double",
        env_manager: str = "local",
        params: dict[str, Any] | None = None,
        use_spark_native_join: bool = False,
        output_table: str | None = None,
        strict_environment: bool = False,
        batch_rows: int = 100_000,
    ) -> Any:
        """Look up features for ``df`` (keys and source columns) and score a feature model.

        Returns the input kind with the computed features and ``prediction`` added; see
        :func:`lakeforge.scoring.batch.score_batch`. ``use_spark_native_join`` is a hint only.
        """
        from lakeforge.scoring.batch import score_batch

        del use_spark_native_join  # a join-strategy hint; results never depend on it
        return score_batch(
            self.workspace,
            model_uri,
            df,
            result_type=result_type,
            output_table=output_table,
            strict_environment=strict_environment,
            batch_rows=batch_rows,
            params=params,
            env_manager=env_manager,
            registry_uri=self.model_registry_uri,
        )

    def iter_score_batches(
        self,
        *,
        model_uri: str,
        df: Any,
        result_type: str = "double",
        strict_environment: bool = False,
        batch_rows: int = 100_000,
        params: dict[str, Any] | None = None,
    ) -> Iterator[Any]:
        """Score like :meth:`score_batch`, yielding scored chunks of ``batch_rows`` rows.

        Pass a ``pyarrow.RecordBatchReader`` (e.g. a dataset scanner's ``to_reader()``) to
        score inputs larger than memory: memory then follows ``batch_rows``. See
        :func:`lakeforge.scoring.batch.iter_scores`.
        """
        from lakeforge.scoring.batch import iter_scores

        return iter_scores(
            self.workspace,
            model_uri,
            df,
            result_type=result_type,
            strict_environment=strict_environment,
            batch_rows=batch_rows,
            params=params,
            registry_uri=self.model_registry_uri,
        )

    def publish_table(
        self,
        *,
        source_table_name: str,
        online_table_name: str | None = None,
        online_store: Any = None,
        publish_mode: str = "TRIGGERED",
        **options: Any,
    ) -> PublishResult:
        """Publish a feature table's latest row per key to the workspace's online store.

        Incremental from the Delta version published last (``TRIGGERED``), or a full copy
        (``SNAPSHOT``); see :func:`lakeforge.online.publish.publish_table`. ``online_store``
        must be None: the embedded store in the workspace (``online.db``) is the store.
        """
        from lakeforge.online.publish import publish_table

        if online_store is not None:
            raise ValidationError(
                f"online_store={type(online_store).__name__} is not available locally",
                "omit online_store: lakeforge publishes to the workspace's embedded online store",
            )
        return publish_table(
            self.workspace,
            self.online_store(),
            source_table_name,
            online_table_name,
            publish_mode=publish_mode,
            **options,
        )

    def online_store(self) -> OnlineStore:
        """The workspace's online store (lookups of many keys at once: ``.lookup(name, keys)``)."""
        from lakeforge.online.store import OnlineStore

        return OnlineStore(self.workspace.settings.online_db)


def _check_hidden(kwargs: dict[str, Any], use_spark_native_join: bool) -> None:
    unknown = sorted(set(kwargs) - set(_HIDDEN_BOOL_KWARGS))
    if unknown:
        raise TypeError(f"create_training_set got unexpected keyword arguments {unknown}")
    for key in _HIDDEN_BOOL_KWARGS:
        if key in kwargs and not isinstance(kwargs[key], bool):
            raise TypeError(f"{key} must be a bool, got {kwargs[key]!r}")
    if kwargs.get("use_scalable_native_join") and not use_spark_native_join:
        raise ValidationError(
            "use_scalable_native_join=True requires use_spark_native_join=True",
            "set use_spark_native_join=True as well, or drop use_scalable_native_join",
        )
