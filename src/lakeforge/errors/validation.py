"""Errors for input lakeforge refuses: data, arguments, YAML, requests, SQL values.

Part of the tree drawn in :mod:`lakeforge.errors`; only the standard library is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from lakeforge.errors.base import LakeforgeError


class ValidationError(LakeforgeError):
    """Input data or arguments were rejected; nothing was written."""


class SchemaMismatchError(ValidationError):
    """DataFrame columns or types do not fit the target table."""

    def __init__(self, table: str, problem: str, fix: str) -> None:
        self.table = table
        super().__init__(f"data does not fit table {table!r}: {problem}", fix)


class DuplicateKeyError(ValidationError):
    """A merge source holds several rows for the same key."""

    def __init__(self, table: str, keys: Sequence[str], example: object, count: int) -> None:
        self.table = table
        self.keys = list(keys)
        self.example = example
        self.count = count
        super().__init__(
            f"merge into {table!r}: {count} key value(s) appear more than once in the source "
            f"on keys {self.keys}, e.g. {example!r}",
            "deduplicate the source on those keys before merging",
        )


class AmbiguousMergeError(DuplicateKeyError):
    """A SQL MERGE matched one target row with several source rows (reference rule)."""

    def __init__(self, table: str, condition: str, example: object, count: int) -> None:
        self.table = table
        self.keys = []
        self.condition = condition
        self.example = example
        self.count = count
        ValidationError.__init__(
            self,
            f"MERGE into {table!r}: a target row is matched by {count} source rows on "
            f"{condition!r}, e.g. target row {example!r}; nothing was written",
            "deduplicate the source (e.g. keep the latest row per key with a window function) "
            "or tighten the ON condition so each target row matches at most one source row",
        )


class UnsupportedFrameError(ValidationError):
    """An object that is not a DataFrame kind lakeforge supports."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        super().__init__(
            f"cannot use a {type_name} as a DataFrame",
            "pass a pandas DataFrame, a polars DataFrame, a pyarrow Table or RecordBatchReader",
        )


class UnsafeOperationError(ValidationError):
    """An operation that could destroy acknowledged data was refused."""


class SignatureRequiredError(ValidationError):
    """A model without a signature with inputs and outputs cannot enter the registry."""

    def __init__(self, model_uri: str, problem: str) -> None:
        self.model_uri = model_uri
        self.problem = problem
        super().__init__(
            f"model {model_uri!r} cannot be registered: {problem}; the catalog registry needs a "
            "signature with inputs and outputs",
            "log the model again with signature=infer_signature(X, model.predict(X)) or with "
            "input_example=X (outputs are inferred from the model's predictions); for "
            "feature-store models pass output_schema= to log_model or use a training set "
            "with a label",
        )


class InvalidAliasError(ValidationError):
    """A model alias breaks the registry's alias rules."""

    def __init__(self, alias: object, problem: str) -> None:
        self.alias = alias
        self.problem = problem
        super().__init__(
            f"model alias {alias!r} {problem}",
            "use 1 to 255 letters, digits, '_' or '-', e.g. 'champion'; 'latest' (any case) "
            "and 'v'/'V' followed by digits are reserved",
        )


class StagesUnsupportedError(ValidationError):
    """Model stages belong to the legacy workspace registry; the catalog registry has aliases."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        super().__init__(
            f"{operation} is not supported: the catalog model registry has no stages",
            "use aliases instead: set_alias(name, 'champion', version), then load "
            "models:/catalog.schema.model@champion (or pin models:/catalog.schema.model/<version>)",
        )


class UnsupportedFlavorError(ValidationError):
    """``log_model`` cannot package a model with this MLflow flavor."""

    def __init__(self, flavor: str, problem: str) -> None:
        self.flavor = flavor
        self.problem = problem
        super().__init__(
            f"flavor {flavor!r} cannot be used to log a feature model: {problem}",
            "pass an MLflow flavor module that has a python_function flavor, e.g. mlflow.sklearn, "
            "mlflow.lightgbm or mlflow.pyfunc (with python_model=)",
        )


class ModelLayoutError(ValidationError):
    """A model directory or URI does not hold a feature model (feature spec + raw model)."""

    def __init__(self, location: str, problem: str) -> None:
        self.location = location
        self.problem = problem
        super().__init__(
            f"{location} is not a loadable feature model: {problem}",
            "log the model with FeatureEngineeringClient.log_model (layout: MLmodel, "
            "data/feature_store/feature_spec.yaml, data/feature_store/raw_model/)",
        )


class ScoringInputError(ValidationError):
    """Scoring input rejected before the model ran; names every offending column."""

    def __init__(self, problem: str, columns: Sequence[str], fix: str) -> None:
        self.problem = problem
        self.columns = list(columns)
        super().__init__(f"scoring input rejected: {problem}: {self.columns}", fix)


class BundleError(ValidationError):
    """A bundle or manifest YAML file holds a value lakeforge cannot use.

    Args:
        file: The YAML file (as given or found).
        yaml_path: Where in the file, e.g. ``resources.jobs.train.tasks[0].timeout_seconds``
            (empty for the whole file).
        problem: What is wrong with the value there.
        fix: The next action.
    """

    def __init__(self, file: str, yaml_path: str, problem: str, fix: str) -> None:
        self.file = file
        self.yaml_path = yaml_path
        self.problem = problem
        where = f"{file}: {yaml_path}" if yaml_path else file
        super().__init__(f"{where}: {problem}", fix)


class VariableError(BundleError):
    """A bundle variable is undeclared, unresolved for the target, or empty."""

    def __init__(self, file: str, name: str, problem: str, fix: str) -> None:
        self.name = name
        super().__init__(file, f"variables.{name}", problem, fix)


class ScheduleError(ValidationError):
    """A quartz cron expression (or time zone) that lakeforge cannot schedule."""

    def __init__(self, expression: str, problem: str, fix: str | None = None) -> None:
        self.expression = expression
        super().__init__(
            f"schedule {expression!r}: {problem}",
            fix
            or "use a quartz expression of 6 or 7 fields: seconds minutes hours day-of-month "
            "month day-of-week [year], e.g. '0 0 9 * * ?' (09:00 every day)",
        )


class PayloadTooLargeError(ValidationError):
    """A request body larger than the serving limit (refused before it is parsed)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"request body of {size} bytes is over the limit of {limit} bytes",
            "send fewer rows per request (split the batch) or raise --max-body-bytes",
        )


class UnsupportedMediaTypeError(ValidationError):
    """A content type or charset the invocation endpoint cannot read."""

    def __init__(self, content_type: str, accepted: Sequence[str]) -> None:
        self.content_type = content_type
        self.accepted = list(accepted)
        super().__init__(
            f"content type {content_type!r} is not supported",
            f"send one of {', '.join(self.accepted)} (charset utf-8)",
        )


class LocationError(ValidationError):
    """A path that lakeforge cannot map to local storage, or that would leave its root."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"path {path!r} {problem}", fix)


class NotebookMagicError(ValidationError):
    """A notebook magic or cell language lakeforge cannot run (``%scala``, bad ``%pip`` ...)."""

    def __init__(self, magic: str, problem: str, fix: str) -> None:
        self.magic = magic
        self.problem = problem
        super().__init__(f"{magic}: {problem}", fix)
