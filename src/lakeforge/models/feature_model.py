"""The feature model: a packaged feature spec plus the user's raw model, scored on source columns.

Layout (api-compat §1.14)::

    <model>/MLmodel                         python_function, loader_module below, data below
    <model>/data/feature_store/feature_spec.yaml
    <model>/data/feature_store/raw_model/   the user's model with its own MLmodel

Given the source columns (keys, timestamps and other columns the model takes from its input),
:class:`FeatureModel` looks the features up with the training code (:mod:`.feature_inputs`),
checks the model input for values the learner cannot take, feeds the raw model the included
spec columns in spec order and returns typed predictions. Directories whose ``MLmodel`` names
the reference loader (``databricks.feature_store.mlflow_model``) load the same way.

``mlflow.pyfunc.load_model`` on a lakeforge feature model calls :func:`_load_pyfunc`; its
``predict`` resolves the workspace bound with :func:`use_workspace`, else the default workspace
(``LAKEFORGE_HOME`` or ``./.lakeforge``).
"""

from __future__ import annotations

import contextvars
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from lakeforge.errors import ModelLayoutError, ScoringError, ScoringInputError
from lakeforge.features.spec import FeatureSpec
from lakeforge.frames import FrameKind, kind_of, to_arrow
from lakeforge.models import environment, feature_inputs
from lakeforge.models.environment import RecordedEnvironment
from lakeforge.models.feature_inputs import InputPlan

if TYPE_CHECKING:
    from lakeforge.online.store import OnlineStore
    from lakeforge.settings import Settings
    from lakeforge.tables.workspace import Workspace

LOADER_MODULE = "lakeforge.models.feature_model"
REFERENCE_LOADER_MODULE = "databricks.feature_store.mlflow_model"
FEATURE_STORE_DIR = "data/feature_store"
SPEC_FILE = "feature_spec.yaml"
RAW_MODEL_DIR = "raw_model"
PREDICTION = "prediction"
DEFAULT_RESULT_TYPE = "double"
NO_RESULT_TYPE = "NO_RESULT_TYPE"
# Flavors whose learners take missing values themselves.
_NAN_FLAVORS = frozenset({"lightgbm", "xgboost", "catboost"})

_BOUND: contextvars.ContextVar[Workspace | None] = contextvars.ContextVar(
    "lakeforge_feature_model_workspace", default=None
)


@contextmanager
def use_workspace(ws: Workspace) -> Iterator[Workspace]:
    """Score feature models loaded by ``mlflow.pyfunc.load_model`` against ``ws``."""
    token = _BOUND.set(ws)
    try:
        yield ws
    finally:
        _BOUND.reset(token)


def pyfunc_module() -> ModuleType:
    """``mlflow.pyfunc``, imported without MLflow's import-time warning about its own ``Any``
    type hints (noise for users, an error where warnings are errors)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*Any type hint is inferred as AnyType", category=UserWarning
        )
        import mlflow.pyfunc
    return mlflow.pyfunc


def current_workspace() -> Workspace:
    """The workspace bound by :func:`use_workspace`, else the default workspace."""
    bound = _BOUND.get()
    if bound is not None:
        return bound
    from lakeforge.tables.workspace import default_workspace

    return default_workspace()


@dataclass(frozen=True, slots=True)
class FeatureModel:
    """A loaded feature model.

    Attributes:
        location: Where it was loaded from (URI or directory), for messages.
        spec: The packaged feature spec.
        raw_model: The raw model as an MLflow ``PyFuncModel``.
        environment: Versions the model was logged with.
        learner: Name of the learner (estimator class or flavor), for messages.
        allows_nan: Whether the learner takes missing values; None when unknown.
    """

    location: str
    spec: FeatureSpec
    raw_model: Any
    environment: RecordedEnvironment
    learner: str
    allows_nan: bool | None

    def plan(self, ws: Workspace, schema: pa.Schema) -> InputPlan:
        """Bind the spec's lookups for inputs of ``schema`` (see :func:`.plan_inputs`)."""
        return feature_inputs.plan_inputs(ws, self.spec, schema)

    def score(
        self,
        plan: InputPlan,
        table: pa.Table,
        *,
        result_type: str = DEFAULT_RESULT_TYPE,
        params: Mapping[str, Any] | None = None,
    ) -> pa.Table:
        """Input columns, then looked-up/computed columns, then ``prediction``."""
        computed = feature_inputs.compute(plan, table)
        model_input = computed.select(self.spec.column_names())
        predictions = self.predict_model_input(model_input, result_type, params)
        return computed.append_column(PREDICTION, predictions)

    def score_online(
        self,
        store: OnlineStore,
        plan: InputPlan,
        table: pa.Table,
        *,
        result_type: str = DEFAULT_RESULT_TYPE,
        params: Mapping[str, Any] | None = None,
    ) -> pa.Table:
        """Like :meth:`score`, with features from the online store (serving)."""
        from lakeforge.models.online_inputs import compute_online

        computed = compute_online(store, plan, table)
        model_input = computed.select(self.spec.column_names())
        predictions = self.predict_model_input(model_input, result_type, params)
        return computed.append_column(PREDICTION, predictions)

    def predict_model_input(
        self, model_input: pa.Table, result_type: str, params: Mapping[str, Any] | None
    ) -> pa.Array:
        """Run the raw model on complete model input (spec columns in spec order).

        Raises:
            ScoringInputError: Missing/infinite values the learner cannot take (columns named).
            ScoringError: The learner failed for another reason, or ``result_type`` cannot
                hold its predictions.
        """
        if model_input.num_rows == 0:
            from lakeforge.tables.types import parse_type

            return pa.array([], parse_type(result_type))
        # counting missing values costs as much as a small predict: only when it decides
        if self.allows_nan is False:
            bad = non_finite_columns(model_input)
            if bad:
                raise _missing_values_error(self.learner, bad)
        frame = model_input.to_pandas()
        try:
            raw = (
                self.raw_model.predict(frame, params=dict(params))
                if params
                else self.raw_model.predict(frame)
            )
        except Exception as exc:  # noqa: BLE001 - any learner failure becomes a lakeforge error
            cause = failure_cause(exc)
            bad = non_finite_columns(model_input)
            if bad:
                raise _missing_values_error(self.learner, bad, cause) from None
            raise ScoringError(self.location, cause) from None
        return prediction_array(raw, model_input.num_rows, result_type, self.location)


def _missing_values_error(
    learner: str, bad: Mapping[str, int], cause: str | None = None
) -> ScoringInputError:
    said = f" ({cause})" if cause else ""
    return ScoringInputError(
        f"model input has null, NaN or infinite values that {learner} cannot take{said}",
        [f"{name} ({count} rows)" for name, count in bad.items()],
        "give the FeatureLookup default_values for these features, fill the columns before "
        "scoring, or train a learner that takes missing values (HistGradientBoosting, LightGBM)",
    )


def failure_cause(exc: BaseException) -> str:
    """A learner's exception in one line: its type and the first line of its message."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def non_finite_columns(table: pa.Table) -> dict[str, int]:
    """Rows per column holding null, NaN or ±infinity."""
    counts: dict[str, int] = {}
    for name in table.column_names:
        column = table.column(name)
        count = column.null_count
        if pa.types.is_floating(column.type):
            invalid = pc.or_(pc.is_nan(column), pc.is_inf(column))
            count += int(pc.sum(pc.fill_null(invalid, False)).as_py() or 0)
        if count:
            counts[name] = count
    return counts


def prediction_array(raw: Any, rows: int, result_type: str, location: str) -> pa.Array:
    """A raw model's output as an Arrow array of ``result_type``."""
    from lakeforge.tables.types import parse_type

    target = parse_type(result_type)
    values = column_values(raw)
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ScoringError(location, f"predictions cannot be read as a column: {exc}") from None
    if len(array) != rows:
        raise ScoringError(location, f"{len(array)} predictions for {rows} input rows")
    try:
        return array.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ScoringError(
            location,
            f"predictions of type {array.type} cannot be stored as result_type "
            f"{result_type!r} ({exc})",
            "pass a result_type that holds the model's predictions, e.g. result_type='string' "
            "for string classes or 'array<double>' for several outputs per row",
        ) from None


def column_values(raw: Any) -> Any:
    """A raw model output as one value per row (rows of several outputs become lists)."""
    module = type(raw).__module__.split(".")[0]
    name = type(raw).__name__
    if module == "pandas" and name == "DataFrame":
        return raw.iloc[:, 0].to_numpy() if raw.shape[1] == 1 else raw.to_numpy().tolist()
    if module == "pandas" and name == "Series":
        return raw.to_numpy()
    if module == "numpy" and getattr(raw, "ndim", 1) == 2:
        return raw[:, 0] if raw.shape[1] == 1 else raw.tolist()
    if module == "polars":
        return raw.to_arrow() if name == "Series" else raw.to_numpy().tolist()
    return raw


def missing_value_support(flavors: Mapping[str, Any], raw_model: Any) -> tuple[str, bool | None]:
    """The learner's name and whether it takes missing values (None: unknown, let it decide)."""
    found = _NAN_FLAVORS & set(flavors)
    if found:
        return sorted(found)[0], True
    if "sklearn" not in flavors:
        return next((f for f in flavors if f != "python_function"), "the model"), None
    try:
        estimator = raw_model.get_raw_model()
    except Exception:  # noqa: BLE001 - only a hint: fall back to letting the learner decide
        return "sklearn model", None
    learner = type(estimator).__name__
    if learner == "Pipeline" or not hasattr(estimator, "__sklearn_tags__"):
        return learner, None  # a pipeline may impute first: let its steps decide
    from sklearn.utils import get_tags  # type: ignore[import-untyped]

    return learner, bool(get_tags(estimator).input_tags.allow_nan)


def _read_yaml(path: Path, where: str) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise ModelLayoutError(where, f"{path.name} is missing ({path})")
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ModelLayoutError(where, f"{path.name} does not hold a mapping")
    return data


def _data_dir(root: Path, outer: Mapping[str, Any], where: str) -> Path:
    conf = (outer.get("flavors") or {}).get("python_function") or {}
    loader = conf.get("loader_module")
    if loader not in {LOADER_MODULE, REFERENCE_LOADER_MODULE}:
        raise ModelLayoutError(
            where,
            f"its python_function loader_module is {loader!r}, not {LOADER_MODULE!r} or "
            f"{REFERENCE_LOADER_MODULE!r}; load plain models with mlflow.pyfunc.load_model",
        )
    data_dir = (root / str(conf.get("data") or FEATURE_STORE_DIR)).resolve()
    if not data_dir.is_relative_to(root.resolve()):
        raise ModelLayoutError(where, f"its data path {conf.get('data')!r} leaves the model")
    return data_dir


def load_model_dir(
    path: str | Path, *, location: str | None = None, strict_environment: bool = False
) -> FeatureModel:
    """Load a feature model from a local directory (lakeforge's or the reference layout).

    Raises:
        ModelLayoutError: The directory does not hold a feature model.
        EnvironmentMismatchError: The framework is missing, or (strict) its version differs.
    """
    root = Path(path)
    where = location or str(root)
    outer = _read_yaml(root / "MLmodel", where)
    return _load_parts(_data_dir(root, outer, where), outer, where, strict_environment)


def _load_parts(data_dir: Path, outer: Mapping[str, Any], where: str, strict: bool) -> FeatureModel:
    spec_file = data_dir / SPEC_FILE
    if not spec_file.is_file():
        raise ModelLayoutError(where, f"{FEATURE_STORE_DIR}/{SPEC_FILE} is missing")
    spec = FeatureSpec.from_yaml(spec_file.read_text())
    raw_dir = data_dir / RAW_MODEL_DIR
    raw_meta = _read_yaml(raw_dir / "MLmodel", where)
    recorded = environment.from_model(outer, raw_meta, raw_dir)
    environment.check(recorded, strict=strict)
    raw_model = pyfunc_module().load_model(str(raw_dir))
    learner, allows_nan = missing_value_support(raw_meta.get("flavors") or {}, raw_model)
    return FeatureModel(where, spec, raw_model, recorded, learner, allows_nan)


def _local_dir(model_uri: str) -> Path | None:
    if model_uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(model_uri).path))
    if "://" in model_uri or model_uri.startswith(("runs:/", "models:/")):
        return None
    return Path(model_uri)


def load(settings: Settings, model_uri: str, *, strict_environment: bool = False) -> FeatureModel:
    """Load a feature model from ``runs:/``, ``models:/name/version``, ``models:/name@alias``,
    any MLflow artifact URI, or a local directory.

    Raises:
        ModelLayoutError: The URI cannot be downloaded or holds no feature model.
        EnvironmentMismatchError: See :func:`load_model_dir`.
    """
    from lakeforge.models.tracking import mlflow_module

    mlflow = mlflow_module(settings)
    local = _local_dir(model_uri)
    if local is not None:
        return load_model_dir(local, location=model_uri, strict_environment=strict_environment)
    from mlflow.exceptions import MlflowException

    with tempfile.TemporaryDirectory(prefix="lakeforge-model-") as tmp:
        try:
            downloaded = mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=tmp)
        except MlflowException as exc:
            raise ModelLayoutError(model_uri, f"it cannot be downloaded ({exc.message})") from None
        return load_model_dir(downloaded, location=model_uri, strict_environment=strict_environment)


class _PyfuncFeatureModel:
    """What ``mlflow.pyfunc.load_model`` wraps: ``predict`` returns only the predictions."""

    def __init__(self, model: FeatureModel) -> None:
        self.model = model

    def get_raw_model(self) -> FeatureModel:
        """The lakeforge :class:`FeatureModel`."""
        return self.model

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        """Look up features for ``model_input`` (source columns) and predict.

        ``params["result_type"]`` overrides the default ``"double"``; other params go to the
        raw model. Returns a pandas/polars Series (or a one-column Arrow table) named
        ``prediction``, matching the input kind.
        """
        extra = dict(params or {})
        result_type = str(extra.pop("result_type", NO_RESULT_TYPE))
        if result_type == NO_RESULT_TYPE:
            result_type = DEFAULT_RESULT_TYPE
        kind = kind_of(model_input)
        table = feature_inputs.align_nulls(self.model.spec, to_arrow(model_input))
        if PREDICTION in table.column_names:
            raise ScoringInputError(
                "the input already has a column named 'prediction'",
                [PREDICTION],
                "rename or drop that column; the model's output is called 'prediction'",
            )
        ws = current_workspace()
        plan = self.model.plan(ws, table.schema)
        scored = self.model.score(plan, table, result_type=result_type, params=extra or None)
        return _series(scored.select([PREDICTION]), kind)


def _series(table: pa.Table, kind: FrameKind) -> Any:
    if kind == "pandas":
        return table.column(0).to_pandas().rename(PREDICTION)
    if kind == "polars":
        import polars as pl

        return pl.Series(PREDICTION, table.column(0))
    return table


def _load_pyfunc(path: str, model_config: Any = None) -> _PyfuncFeatureModel:
    """MLflow's loader entry point: ``path`` is the model's ``data/feature_store`` directory."""
    del model_config
    data_dir = Path(path)
    root = data_dir.parents[1] if len(data_dir.parents) > 1 else data_dir
    outer_file = root / "MLmodel"
    outer = _read_yaml(outer_file, str(root)) if outer_file.is_file() else {}
    return _PyfuncFeatureModel(_load_parts(data_dir, outer, str(root), strict=False))


__all__ = [
    "FeatureModel",
    "load",
    "load_model_dir",
    "use_workspace",
]
