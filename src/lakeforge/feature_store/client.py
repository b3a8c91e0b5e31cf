"""``FeatureStoreClient``: the legacy ``databricks.feature_store`` client, as a thin facade.

Every method maps the legacy signature (positional arguments, ``timestamp_keys``,
``table_name=`` on tags, ``publish_table(name, online_store)``) onto
:class:`~lakeforge.feature_engineering.FeatureEngineeringClient`, which does the work: there is
one implementation of feature tables, training sets, model logging, scoring and publishing.

Names: the legacy workspace feature store used the two-level ``database.table`` namespace of
the workspace's Hive metastore. Here that namespace is the **current catalog** (``main``
unless changed): ``db.table`` means ``<current catalog>.db.table``, a one-part name takes the
current catalog and schema, and three-part names are used as given. Create the database first
(``CREATE DATABASE db``), as the reference requires.

The first client of a process logs one deprecation notice, a ``WARNING`` on the
``lakeforge.feature_store`` logger (shown on stderr when logging is not configured), and the
first ``create_feature_table`` call one more. They are log records, not Python warnings, so
test suites that turn warnings into errors keep running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from lakeforge.errors import ValidationError
from lakeforge.feature_engineering.client import FeatureEngineeringClient

if TYPE_CHECKING:
    from lakeforge.features.feature_table import FeatureTable
    from lakeforge.features.training_set import TrainingSet
    from lakeforge.frames import FrameKind
    from lakeforge.online.publish import PublishResult
    from lakeforge.tables.workspace import Workspace

logger = logging.getLogger("lakeforge.feature_store")
DEPRECATION = (
    "lakeforge.feature_store.FeatureStoreClient is the legacy client (deprecated in the "
    "reference too); it runs on FeatureEngineeringClient: port with "
    "`from lakeforge.feature_engineering import FeatureEngineeringClient`"
)
_LOCAL_URIS = (None, "databricks")
_notice_lock = threading.Lock()
_noticed: set[str] = set()


def _notice_once(message: str) -> None:
    """Log ``message`` the first time this process asks for it."""
    with _notice_lock:
        if message in _noticed:
            return
        _noticed.add(message)
    logger.warning(message)


class FeatureStoreClient:
    """The legacy feature store client on the workspace (same tables as the new client).

    Args:
        feature_store_uri: None or ``"databricks"`` (the workspace); remote stores do not exist
            locally.
        model_registry_uri: Registry for ``log_model``/``score_batch`` (None or
            ``"databricks-uc"``: the workspace registry).
        workspace: Workspace directory (default: ``LAKEFORGE_HOME`` or ``./.lakeforge``).
    """

    def __init__(
        self,
        feature_store_uri: str | None = None,
        model_registry_uri: str | None = None,
        *,
        workspace: str | Path | None = None,
    ) -> None:
        if feature_store_uri not in _LOCAL_URIS:
            raise ValidationError(
                f"feature_store_uri={feature_store_uri!r} names a remote feature store",
                "omit feature_store_uri: feature tables live in this lakeforge workspace",
            )
        _notice_once(DEPRECATION)
        self._fe = FeatureEngineeringClient(
            model_registry_uri=model_registry_uri, workspace=workspace
        )

    @property
    def workspace(self) -> Workspace:
        """The workspace this client works on."""
        return self._fe.workspace

    @property
    def engineering_client(self) -> FeatureEngineeringClient:
        """The :class:`FeatureEngineeringClient` doing the work (same workspace)."""
        return self._fe

    def _name(self, name: str) -> str:
        """Two-level ``database.table`` → ``<current catalog>.database.table``."""
        if isinstance(name, str) and name.count(".") == 1:
            return self.workspace.tables.resolve(name).full
        return name

    # -- feature tables -------------------------------------------------------------------------

    def create_table(
        self,
        name: str,
        primary_keys: str | list[str],
        df: Any = None,
        *,
        timestamp_keys: str | list[str] | None = None,
        partition_columns: str | list[str] | None = None,
        schema: Any = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> FeatureTable:
        """Create a feature table (returned unchanged if it exists).

        Legacy keys: ``timestamp_keys`` need not be repeated in ``primary_keys`` (they are
        added); one timestamp key at most.
        """
        keys = [primary_keys] if isinstance(primary_keys, str) else list(primary_keys)
        stamps = [timestamp_keys] if isinstance(timestamp_keys, str) else list(timestamp_keys or [])
        if len(stamps) == 1 and stamps[0] not in keys:
            keys.append(stamps[0])  # legacy tables keyed on primary_keys + timestamp_keys
        if timestamp_keys is not None:
            kwargs["timestamp_keys"] = stamps
        return self._fe.create_table(
            name=self._name(name),
            primary_keys=keys,
            df=df,
            partition_columns=_as_list(partition_columns),
            schema=schema,
            description=description,
            tags=tags,
            **kwargs,
        )

    def create_feature_table(
        self,
        name: str,
        keys: str | list[str],
        features_df: Any = None,
        schema: Any = None,
        partition_columns: str | list[str] | None = None,
        description: str | None = None,
        timestamp_keys: str | list[str] | None = None,
        **kwargs: Any,
    ) -> FeatureTable:
        """Deprecated alias of :meth:`create_table` (``keys``, ``features_df``)."""
        _notice_once("create_feature_table is deprecated; use create_table (same arguments)")
        return self.create_table(
            name,
            keys,
            features_df,
            timestamp_keys=timestamp_keys,
            partition_columns=partition_columns,
            schema=schema,
            description=description,
            **kwargs,
        )

    def write_table(
        self,
        name: str,
        df: Any,
        mode: str = "merge",
        checkpoint_location: str | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> None:
        """Merge ``df`` into a feature table (``mode="merge"``)."""
        self._fe.write_table(
            name=self._name(name),
            df=df,
            mode=mode,
            checkpoint_location=checkpoint_location,
            trigger=trigger,
        )

    def read_table(self, name: str, *, kind: FrameKind = "pandas", **kwargs: Any) -> Any:
        """Read a feature table (``as_of_delta_timestamp=`` for time travel)."""
        return self._fe.read_table(name=self._name(name), kind=kind, **kwargs)

    def get_table(self, name: str) -> FeatureTable:
        """Describe a feature table."""
        return self._fe.get_table(name=self._name(name))

    def drop_table(self, name: str) -> None:
        """Drop a feature table and its data."""
        self._fe.drop_table(name=self._name(name))

    def set_feature_table_tag(
        self, *, table_name: str | None = None, key: str, value: str, name: str | None = None
    ) -> None:
        """Set one tag (``table_name=``, or ``name=`` as the new client spells it)."""
        self._fe.set_feature_table_tag(
            name=self._tag_target(table_name, name), key=key, value=value
        )

    def delete_feature_table_tag(
        self, *, table_name: str | None = None, key: str, name: str | None = None
    ) -> None:
        """Remove one tag (a missing key only warns)."""
        self._fe.delete_feature_table_tag(name=self._tag_target(table_name, name), key=key)

    def _tag_target(self, table_name: str | None, name: str | None) -> str:
        if (table_name is None) == (name is None):
            raise TypeError("pass the feature table as table_name= (or name=), exactly once")
        return self._name(table_name or name or "")

    # -- training, models, scoring, publishing --------------------------------------------------

    def create_training_set(
        self,
        df: Any,
        feature_lookups: Sequence[Any],
        label: str | list[str] | None,
        exclude_columns: list[str] | None = None,
        **kwargs: Any,
    ) -> TrainingSet:
        """Declare a point-in-time training set (positional ``df, feature_lookups, label``)."""
        return self._fe.create_training_set(
            df=df,
            feature_lookups=feature_lookups,
            label=label,
            exclude_columns=exclude_columns,
            **kwargs,
        )

    def log_model(
        self,
        model: Any,
        artifact_path: str,
        *,
        flavor: ModuleType,
        training_set: TrainingSet | None = None,
        registered_model_name: str | None = None,
        await_registration_for: int = 300,
        infer_input_example: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Log ``model`` packaged with the training set's features (MLflow ``ModelInfo``)."""
        return self._fe.log_model(
            model=model,
            artifact_path=artifact_path,
            flavor=flavor,
            training_set=training_set,
            registered_model_name=registered_model_name,
            await_registration_for=await_registration_for,
            infer_input_example=infer_input_example,
            **kwargs,
        )

    def score_batch(
        self, model_uri: str, df: Any, result_type: str = "double", **kwargs: Any
    ) -> Any:
        """Look up features for ``df`` and score (positional ``model_uri, df`` allowed)."""
        return self._fe.score_batch(model_uri=model_uri, df=df, result_type=result_type, **kwargs)

    def publish_table(
        self,
        name: str,
        online_store: Any = None,
        *,
        filter_condition: str | None = None,
        mode: str = "merge",
        streaming: bool = False,
        checkpoint_location: str | None = None,
        trigger: dict[str, Any] | None = None,
        features: str | list[str] | None = None,
    ) -> PublishResult:
        """Publish the latest row per key to the workspace's online store (``online_store``
        must be None: the embedded store is the store). ``mode="merge"`` publishes what changed
        since the last publish, ``"overwrite"`` a full copy."""
        del checkpoint_location, trigger  # streaming options; streaming itself is refused below
        options: dict[str, Any] = {"streaming": streaming} if streaming else {}
        options |= {
            k: v
            for k, v in (("filter_condition", filter_condition), ("features", features))
            if v is not None
        }
        return self._fe.publish_table(
            source_table_name=self._name(name),
            online_store=online_store,
            publish_mode=_publish_mode(mode),
            **options,
        )


def _as_list(value: str | list[str] | None) -> list[str] | None:
    return [value] if isinstance(value, str) else value


def _publish_mode(mode: object) -> str:
    normalized = mode.strip().lower() if isinstance(mode, str) else mode
    if normalized == "merge":
        return "TRIGGERED"
    if normalized == "overwrite":
        return "SNAPSHOT"
    raise ValidationError(
        f"publish_table mode {mode!r} is not 'merge' or 'overwrite'",
        "pass mode='merge' (incremental, the default) or mode='overwrite' (full copy)",
    )


__all__ = ["DEPRECATION", "FeatureStoreClient"]
