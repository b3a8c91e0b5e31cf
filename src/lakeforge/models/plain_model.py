"""Registered MLflow models without a feature spec, for serving: the signature's columns in,
the pyfunc's output out.

A model logged with plain ``mlflow.<flavor>.log_model`` (signature required by the registry)
takes exactly its signature's named columns; nothing is looked up. Column types come from the
signature, so requests are checked as strictly as feature models' requests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lakeforge.errors import ScoringError, ValidationError
from lakeforge.models.feature_model import failure_cause
from lakeforge.settings import Settings

_TYPES = {
    "long": pa.int64(),
    "integer": pa.int32(),
    "double": pa.float64(),
    "float": pa.float32(),
    "string": pa.string(),
    "boolean": pa.bool_(),
    "datetime": pa.timestamp("us"),
    "binary": pa.binary(),
}


@dataclass(frozen=True, slots=True)
class PlainModel:
    """A loaded pyfunc model and the columns its signature names.

    Attributes:
        location: The model URI, for messages.
        raw_model: MLflow's ``PyFuncModel``.
        fields: Column -> Arrow type, in signature order.
        required: Columns the signature requires.
    """

    location: str
    raw_model: Any
    fields: Mapping[str, pa.DataType]
    required: tuple[str, ...]

    def predict(self, table: pa.Table, params: Mapping[str, Any] | None = None) -> list[Any]:
        """JSON-ready predictions: a list per row (records for several output columns).

        Raises:
            ScoringError: The model failed on accepted input.
        """
        frame = table.to_pandas()
        try:
            raw = (
                self.raw_model.predict(frame, params=dict(params))
                if params
                else self.raw_model.predict(frame)
            )
        except Exception as exc:  # noqa: BLE001 - any learner failure becomes a lakeforge error
            raise ScoringError(self.location, failure_cause(exc)) from None
        return _json_values(raw)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _json_values(raw: Any) -> list[Any]:
    module = type(raw).__module__.split(".")[0]
    name = type(raw).__name__
    if module == "pandas" and name == "DataFrame":
        one = raw.shape[1] == 1
        values = raw.iloc[:, 0].tolist() if one else raw.to_dict(orient="records")
    elif hasattr(raw, "tolist"):
        values = raw.tolist()
    else:
        values = list(raw)
    return [_clean(v) for v in values]


def load_plain(settings: Settings, model_uri: str) -> PlainModel:
    """Load a registered pyfunc model whose signature names its input columns.

    Raises:
        ValidationError: The model cannot be loaded, or its signature has no named columns.
    """
    from lakeforge.models.tracking import mlflow_module

    mlflow = mlflow_module(settings)
    from mlflow.exceptions import MlflowException

    try:
        model = mlflow.pyfunc.load_model(model_uri)
    except MlflowException as exc:
        raise ValidationError(
            f"model {model_uri} cannot be loaded ({exc.message})",
            "check the version exists and its artifacts are complete",
        ) from None
    schema = model.metadata.get_input_schema()
    if schema is None or not schema.has_input_names() or schema.is_tensor_spec():
        raise ValidationError(
            f"model {model_uri} has a signature without named input columns, so requests "
            "cannot be checked",
            "log it with a column signature: mlflow.models.infer_signature(X_dataframe, y)",
        )
    fields: dict[str, pa.DataType] = {}
    required: list[str] = []
    for column in schema.inputs:
        kind = getattr(column.type, "name", str(column.type))
        if kind not in _TYPES:
            raise ValidationError(
                f"model {model_uri}: input column {column.name!r} has type {kind!r}, which "
                "serving cannot check",
                f"use columns of the types {sorted(_TYPES)}",
            )
        fields[column.name] = _TYPES[kind]
        if getattr(column, "required", True):
            required.append(column.name)
    return PlainModel(model_uri, model, fields, tuple(required))


__all__ = ["PlainModel", "load_plain"]
