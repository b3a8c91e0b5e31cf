"""``log_model``: a model packaged with its feature spec (reference layout) and its lineage.

Writes (api-compat §1.14)::

    <artifact_path>/MLmodel            python_function flavor, loader_module
                                       lakeforge.models.feature_model, data: data/feature_store;
                                       signature; metadata.lakeforge (recorded versions)
    <artifact_path>/requirements.txt   exact pins: framework, mlflow, lakeforge (+ extras)
    <artifact_path>/data/feature_store/feature_spec.yaml
    <artifact_path>/data/feature_store/raw_model/   flavor.save_model(...)

Requirements are pinned explicitly, so MLflow never infers them in a subprocess (seconds per
model). Signature inputs are the spec's source columns (required) and feature/function outputs
(optional, so callers can override them); outputs come from the label types, ``output_schema``
or, for sets without labels, the model's prediction on the first training row; the params
schema holds ``result_type`` (default ``"NO_RESULT_TYPE"``).

Lineage recorded on the run (guardrails 0 and 2): the training set's feature tables with their
Delta versions and its label table (:mod:`.lineage`), and tags ``lakeforge.env.<package>`` =
exact versions of framework, mlflow, lakeforge.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lakeforge.errors import UnsupportedFlavorError, ValidationError
from lakeforge.features.spec import FeatureSpec, SourceColumn
from lakeforge.models import environment, feature_model, lineage, tracking
from lakeforge.models.environment import RecordedEnvironment

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.models.model import ModelInfo
    from mlflow.models.signature import ModelSignature

    from lakeforge.features.training_set import TrainingSet
    from lakeforge.settings import Settings
    from lakeforge.tables.workspace import Workspace

_log = logging.getLogger(__name__)
_SCALARS: Mapping[str, str] = {
    "tinyint": "integer",
    "byte": "integer",
    "smallint": "integer",
    "short": "integer",
    "int": "integer",
    "integer": "integer",
    "bigint": "long",
    "long": "long",
    "float": "float",
    "real": "float",
    "double": "double",
    "boolean": "boolean",
    "bool": "boolean",
    "date": "datetime",
    "timestamp": "datetime",
    "timestamp_ntz": "datetime",
    "string": "string",
    "varchar": "string",
    "binary": "binary",
}


def settings_for(ws: Workspace, registry_uri: str | None) -> Settings:
    """The workspace settings for MLflow; ``registry_uri`` may only name the workspace registry.

    Raises:
        ConfigurationError: ``registry_uri`` is another registry (see ``models.registry``).
    """
    from lakeforge.models.registry import registry_settings

    return registry_settings(ws.settings, registry_uri)


def mlflow_type(data_type: str) -> Any:
    """MLflow schema type of a Spark SQL type name (arrays, maps and structs recursively).

    Raises:
        ValidationError: No MLflow type holds it (the message names the type).
    """
    from mlflow.types.schema import Array, DataType, Map, Object, Property

    from lakeforge.tables.types import parse_type

    text = data_type.strip().lower()
    if text in _SCALARS:
        return DataType[_SCALARS[text]]
    if text.startswith("decimal"):
        return DataType.double  # decimals are stored as float64 (guardrail 11)
    arrow = parse_type(data_type)
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return Array(_arrow_to_mlflow(arrow.value_type))
    if pa.types.is_map(arrow) and pa.types.is_string(arrow.key_type):
        return Map(_arrow_to_mlflow(arrow.item_type))
    if pa.types.is_struct(arrow):
        return Object([Property(f.name, _arrow_to_mlflow(f.type)) for f in arrow])
    raise ValidationError(
        f"column type {data_type!r} has no MLflow signature type",
        "use scalar, array, string-keyed map or struct columns in the model input",
    )


def _arrow_to_mlflow(arrow: pa.DataType) -> Any:
    from lakeforge.tables.types import type_name

    return mlflow_type(type_name(arrow))


def feature_signature(
    spec: FeatureSpec, labels: Sequence[tuple[str, str]], output_schema: Any = None
) -> ModelSignature:
    """Signature of a feature model (inputs from the spec, outputs from labels or given)."""
    from mlflow.models.signature import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    inputs = Schema(
        [
            ColSpec(mlflow_type(c.data_type), c.name, required=isinstance(c, SourceColumn))
            for c in spec.input_columns
        ]
    )
    outputs = output_schema
    if outputs is None and labels:
        outputs = Schema([ColSpec(mlflow_type(t), name) for name, t in labels])
    params = ParamSchema([ParamSpec("result_type", "string", feature_model.NO_RESULT_TYPE)])
    return ModelSignature(inputs=inputs, outputs=outputs, params=params)


def _flavor_name(flavor: ModuleType) -> tuple[str, str]:
    """(display name, MLflow flavor name) of a flavor module."""
    display = getattr(flavor, "__name__", repr(flavor))
    name = str(getattr(flavor, "FLAVOR_NAME", display.rsplit(".", 1)[-1]))
    return display, "pyfunc" if name == "python_function" else name


def _save_raw(
    flavor: ModuleType, model: Any, target: Path, pins: list[str], kwargs: dict[str, Any]
) -> None:
    display, name = _flavor_name(flavor)
    save = getattr(flavor, "save_model", None)
    if not callable(save):
        raise UnsupportedFlavorError(display, "it has no save_model function")
    options = dict(kwargs)
    if "pip_requirements" not in options and "conda_env" not in options:
        options["pip_requirements"] = pins
    if name == "sklearn":
        options = _skops_options(flavor, model, options)
    if name == "pyfunc":
        save(path=str(target), python_model=model, **options)
    else:
        save(model, str(target), **options)
    import yaml

    mlmodel = target / "MLmodel"
    flavors = (yaml.safe_load(mlmodel.read_text()) or {}).get("flavors") or {}
    if "python_function" not in flavors:
        raise UnsupportedFlavorError(
            display, f"the saved model has the flavors {sorted(flavors)} but no python_function"
        )


def _skops_options(flavor: ModuleType, model: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Trust scikit-learn's own types for MLflow's skops format, refuse foreign ones at log time.

    MLflow saves sklearn models with skops, whose loader refuses types outside its trusted list;
    tree ensembles (``sklearn.tree._tree.Tree``, HistGradientBoosting's ``TreePredictor``) are
    among them, so such a model would log fine and fail every load. Types from scikit-learn
    itself are added to ``skops_trusted_types`` (recorded in the raw model's ``MLmodel``); any
    other type stops logging with the list, since trusting it is the user's decision.
    """
    skops_format = str(getattr(flavor, "SERIALIZATION_FORMAT_SKOPS", "skops"))
    if "skops_trusted_types" in options:
        return options
    if options.get("serialization_format", skops_format) != skops_format:
        return options
    try:
        import skops.io  # type: ignore[import-untyped]
    except ImportError:
        return options  # MLflow reports the missing package itself
    untrusted = list(skops.io.get_untrusted_types(data=skops.io.dumps(model)))
    foreign = [t for t in untrusted if not t.startswith("sklearn.")]
    if foreign:
        raise ValidationError(
            f"the model holds types that skops does not trust for loading: {foreign}",
            f"if you trust them, pass skops_trusted_types={untrusted!r} to log_model, or "
            "serialization_format='cloudpickle' (loads run arbitrary code: trusted models only)",
        )
    if untrusted:
        _log.info("trusting scikit-learn's own types for skops loading: %s", untrusted)
        return {**options, "skops_trusted_types": untrusted}
    return options


def _training_parts(
    training_set: TrainingSet | None, feature_spec_path: str | None
) -> tuple[FeatureSpec, list[tuple[str, str]]]:
    if (training_set is None) == (feature_spec_path is None):
        raise ValidationError(
            "log_model needs exactly one of training_set and feature_spec_path",
            "pass training_set=fe.create_training_set(...)",
        )
    if training_set is not None:
        return training_set.feature_spec, training_set.label_types()
    path = Path(str(feature_spec_path))
    if path.name != feature_model.SPEC_FILE or not path.is_file():
        raise ValidationError(
            f"feature_spec_path {str(path)!r} is not an existing {feature_model.SPEC_FILE}",
            f"pass the path of a {feature_model.SPEC_FILE} file",
        )
    return FeatureSpec.from_yaml(path.read_text()), []


def _first_row(training_set: TrainingSet) -> pa.Table | None:
    """The first training row with every spec column computed (source, features)."""
    row = training_set.head(1)
    return row if row.num_rows else None


def _inferred_outputs(raw_dir: Path, spec: FeatureSpec, row: pa.Table | None) -> Any:
    """Output schema from the raw model's prediction on the first training row."""
    if row is None:
        return None
    from mlflow.types import ColSpec, Schema

    from lakeforge.tables.types import type_name

    frame = row.select(spec.column_names()).to_pandas()
    raw = feature_model.pyfunc_module().load_model(str(raw_dir)).predict(frame)
    inferred = pa.array(feature_model.column_values(raw), from_pandas=True).type
    return Schema([ColSpec(mlflow_type(type_name(inferred)), feature_model.PREDICTION)])


@contextmanager
def _run(settings: Settings, experiment_name: str | None, default_name: str) -> Iterator[str]:
    mlflow = tracking.mlflow_module(settings)
    active = mlflow.active_run()
    if active is not None and experiment_name is None:
        yield str(active.info.run_id)
        return
    with tracking.start_run(settings, experiment_name or default_name) as run:
        yield run.run_id


def log_model(
    ws: Workspace,
    model: Any,
    artifact_path: str,
    flavor: ModuleType,
    training_set: TrainingSet | None = None,
    registered_model_name: str | None = None,
    await_registration_for: int = 300,
    infer_input_example: bool = False,
    output_schema: Any = None,
    extra_pip_requirements: Sequence[str] | None = None,
    *,
    experiment_name: str | None = None,
    feature_spec_path: str | None = None,
    registry_uri: str | None = None,
    **kwargs: Any,
) -> ModelInfo:
    """Log ``model`` with the training set's feature spec in the reference model layout.

    Args:
        ws: The workspace (feature tables, MLflow stores).
        model: The trained model (for ``mlflow.pyfunc``: a ``PythonModel``).
        artifact_path: Name of the model in the run.
        flavor: MLflow flavor module that saves ``model`` (``mlflow.sklearn`` ...).
        training_set: The training set the model was trained on.
        registered_model_name: Also register the model under this name (``catalog.schema.model``
            or shorter; the catalog registry's rules apply, see ``models.registry``).
        await_registration_for: Seconds to wait for the registered version to be ready.
        infer_input_example: Store the first training row (source columns and features).
        output_schema: MLflow ``Schema`` of the outputs (default: from the labels).
        extra_pip_requirements: More requirement lines for the model's environment.
        experiment_name: Experiment for a new run (default: registered name or artifact path);
            without it an active run is used as is.
        feature_spec_path: A ``feature_spec.yaml`` to package instead of ``training_set``.
        registry_uri: Registry for registration (default: the workspace registry).
        **kwargs: Passed to ``flavor.save_model``.

    Returns:
        MLflow's ``ModelInfo`` (``registered_model_version`` set when registered).

    Raises:
        UnsupportedFlavorError: The flavor cannot save a python_function model.
        ValidationError: Bad arguments (training set / spec path, experiment name).
    """
    spec, labels = _training_parts(training_set, feature_spec_path)
    _, name = _flavor_name(flavor)
    recorded = environment.record(name)
    extras = list(extra_pip_requirements or [])
    settings = settings_for(ws, registry_uri)
    tracking.mlflow_module(settings)
    with tempfile.TemporaryDirectory(prefix="lakeforge-log-") as tmp:
        store = Path(tmp) / "feature_store"
        packaged = _package(
            store,
            model,
            flavor,
            training_set,
            spec,
            labels,
            recorded,
            extras,
            kwargs,
            output_schema=output_schema,
            infer_input_example=infer_input_example,
        )
        if registered_model_name:  # refuse before anything is logged (catalog registry rule)
            from lakeforge.models.registry import check_signature

            check_signature(f"{artifact_path} (for {registered_model_name})", packaged.signature)
        versions = dict(training_set.table_versions) if training_set is not None else {}
        with (
            _run(settings, experiment_name, registered_model_name or artifact_path) as run_id,
            feature_model.use_workspace(ws),  # MLflow may load the model to check the example
            warnings.catch_warnings(),
        ):
            warnings.filterwarnings(  # the reference's default too: no example unless asked
                "ignore", message=".*An input example was not provided", category=UserWarning
            )
            info: ModelInfo = feature_model.pyfunc_module().log_model(
                name=artifact_path,
                loader_module=feature_model.LOADER_MODULE,
                data_path=str(store),
                pip_requirements=recorded.requirements() + extras,
                signature=packaged.signature,
                input_example=packaged.example,
                metadata={environment.METADATA_KEY: recorded.to_metadata()},
            )
            _record(settings, run_id, spec, versions, labels, training_set, recorded)
    if registered_model_name:
        from lakeforge.models.registry import Registry

        registered = Registry(ws, registry_uri=registry_uri).register_model(
            info.model_uri,  # the logged model (models:/m-<id>): where MLflow 3 stores it
            registered_model_name,
            await_registration_for=await_registration_for,
        )
        info._registered_model_version = registered.version
    return info


def _record(
    settings: Settings,
    run_id: str,
    spec: FeatureSpec,
    versions: Mapping[str, int],
    labels: Sequence[tuple[str, str]],
    training_set: TrainingSet | None,
    recorded: RecordedEnvironment,
) -> None:
    """Lineage and exact package versions on the run (guardrails 0 and 2)."""
    lineage.record(
        tracking.client(settings),
        run_id,
        spec,
        versions,
        labels,
        training_set.label_table() if training_set is not None else None,
        extra_tags={f"lakeforge.env.{n}": v for n, v in recorded.versions.items()},
    )


@dataclass(frozen=True, slots=True)
class _Packaged:
    signature: ModelSignature
    example: pd.DataFrame | None


def _package(
    store: Path,
    model: Any,
    flavor: ModuleType,
    training_set: TrainingSet | None,
    spec: FeatureSpec,
    labels: Sequence[tuple[str, str]],
    recorded: RecordedEnvironment,
    extras: list[str],
    kwargs: dict[str, Any],
    *,
    output_schema: Any,
    infer_input_example: bool,
) -> _Packaged:
    """Write ``feature_spec.yaml`` and ``raw_model/`` under ``store``; build the signature."""
    store.mkdir()
    (store / feature_model.SPEC_FILE).write_text(spec.to_yaml())
    raw_pins = [p for p in recorded.requirements() if not p.startswith("lakeforge==")] + extras
    _save_raw(flavor, model, store / feature_model.RAW_MODEL_DIR, raw_pins, kwargs)
    infer_outputs = output_schema is None and not labels
    row = None
    if training_set is not None and (infer_outputs or infer_input_example):
        row = _first_row(training_set)
    if infer_outputs:
        output_schema = _inferred_outputs(store / feature_model.RAW_MODEL_DIR, spec, row)
    example = row.to_pandas() if infer_input_example and row is not None else None
    return _Packaged(feature_signature(spec, labels, output_schema), example)


__all__ = ["feature_signature", "log_model", "mlflow_type", "settings_for"]
