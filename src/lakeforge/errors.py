"""The lakeforge error tree.

Every error lakeforge raises on purpose derives from :class:`LakeforgeError`. Errors carry
structured attributes and build their message from them: what failed, the offending value and
the next action. HTTP status codes are mapped in ``serving/``, exit codes in ``cli/``.

::

    LakeforgeError
    ├── ConfigurationError            bad setting, config file or environment value
    │   └── MissingExtraError          an optional dependency is not installed
    ├── WorkspaceError                 workspace missing, unreadable or too new
    │   └── MigrationError             metadata store cannot be upgraded
    ├── InvalidNameError               a catalog.schema.name part is invalid
    │   └── PathEscapeError            a resolved path would leave the workspace
    ├── NotFoundError                  catalog, schema, table, function or model missing
    │   ├── CatalogNotFoundError
    │   ├── SchemaNotFoundError
    │   ├── TableNotFoundError
    │   ├── FunctionNotFoundError
    │   ├── VersionNotFoundError       a table version / timestamp that does not exist
    │   ├── ModelNotFoundError         a registered model
    │   ├── ModelVersionNotFoundError  a version number of a registered model
    │   ├── AliasNotFoundError         an alias of a registered model
    │   ├── JobNotFoundError           a job of a bundle
    │   ├── OnlineTableNotFoundError   a table not published to the online store
    │   ├── RunNotFoundError           a job run record
    │   ├── EndpointNotFoundError      a serving endpoint
    │   └── TokenNotFoundError         an access token id
    ├── AlreadyExistsError             object exists and IF NOT EXISTS was not asked
    ├── NotEmptyError                  drop of a non-empty catalog/schema without cascade
    ├── ValidationError                input data or arguments rejected
    │   ├── SchemaMismatchError        columns/types do not fit the table
    │   ├── DuplicateKeyError          merge source not unique on its keys
    │   │   └── AmbiguousMergeError    SQL MERGE: a target row matched by several source rows
    │   ├── UnsupportedFrameError      a DataFrame kind lakeforge cannot take
    │   ├── UnsafeOperationError       e.g. vacuum retention below the safe minimum
    │   ├── SignatureRequiredError     registry: model without inputs-and-outputs signature
    │   ├── InvalidAliasError          registry: alias breaks the alias rules
    │   ├── StagesUnsupportedError     registry: stage APIs (use aliases instead)
    │   ├── UnsupportedFlavorError     log_model got a flavor without a python_function flavor
    │   ├── ModelLayoutError           a model directory without the feature-model layout
    │   ├── ScoringInputError          scoring input has missing, mistyped or NaN columns
    │   ├── BundleError                a bundle / manifest YAML value, with its YAML path
    │   │   └── VariableError          a bundle variable undeclared, unresolved or empty
    │   ├── ScheduleError              a quartz cron expression lakeforge cannot run
    │   ├── PayloadTooLargeError       a request body over the serving limit
    │   └── UnsupportedMediaTypeError  a request content type or charset serving cannot read
    ├── AuthenticationError            no, unknown, revoked or expired access token
    ├── PermissionDeniedError          a token without the permission level an action needs
    ├── ConflictError                  the object is busy (e.g. an endpoint config update runs)
    ├── EnvironmentMismatchError       model framework version differs from the installed one
    ├── ScoringError                   the model itself failed on accepted input
    ├── SqlError                       a SQL statement failed in the engine
    │   ├── UnsupportedStatementError  a statement kind lakeforge does not run
    │   └── StatementError             one statement of a multi-statement script failed
    ├── RegistrationError              a model version ended in FAILED_REGISTRATION
    ├── JobRunError                    a job or pipeline run ended in a failed state
    └── RetryableError                 transient: the same call may succeed later
        ├── CommitConflictError        Delta commit kept conflicting until the deadline
        ├── RegistrationTimeoutError   a model version still pending at the deadline
        ├── OverloadedError            serving concurrency is exhausted: retry after a pause
        └── NotReadyError              an endpoint or served entity is not ready yet

Only the standard library is imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _rebuild_error(cls: type[LakeforgeError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle a lakeforge error without calling its (keyword-specific) ``__init__``."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class LakeforgeError(Exception):
    """Base of every error lakeforge raises on purpose.

    Args:
        what: What failed, e.g. ``"table main.gold.orders not found"``.
        fix: The next action for the user (an option, a command, an install line).
    """

    retryable: bool = False

    def __init__(self, what: str, fix: str | None = None) -> None:
        self.what = what
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        return self.what if not self.fix else f"{self.what}. Fix: {self.fix}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take structured arguments, so the default ``cls(*self.args)`` cannot
        # rebuild them; restore the attributes instead (errors cross process boundaries).
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(LakeforgeError):
    """A setting, config-file entry or environment value is invalid."""

    def __init__(self, setting: str, value: object, problem: str, fix: str) -> None:
        self.setting = setting
        self.value = value
        super().__init__(f"setting {setting}={value!r} is invalid: {problem}", fix)


class MissingExtraError(ConfigurationError):
    """An optional dependency needed for a feature is not installed."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        self.package = package
        self.extra = extra
        LakeforgeError.__init__(
            self,
            f"{feature} needs the package {package!r}, which is not installed",
            f'pip install "lakeforge[{extra}]"',
        )


class WorkspaceError(LakeforgeError):
    """The workspace is missing, unreadable or was written by a newer lakeforge."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        super().__init__(f"workspace {path}: {problem}", fix)


class MigrationError(WorkspaceError):
    """The metadata store cannot be brought to this lakeforge's schema version."""


class InvalidNameError(LakeforgeError):
    """A name or one of its parts is not a valid identifier."""

    def __init__(self, name: str, part: str, problem: str, fix: str | None = None) -> None:
        self.name = name
        self.part = part
        self.problem = problem
        super().__init__(
            f"invalid name {name!r}: part {part!r} {problem}",
            fix
            or "use catalog.schema.name (or one part for the current schema); parts may not "
            "contain '.', spaces, '/', or control characters and are at most 255 characters",
        )


class PathEscapeError(InvalidNameError):
    """A name would resolve to a storage path outside the workspace."""

    def __init__(self, name: str, path: str, root: str) -> None:
        self.path = path
        self.root = root
        LakeforgeError.__init__(
            self,
            f"name {name!r} resolves to {path}, outside the workspace root {root}",
            "use plain identifier parts; storage paths are always derived inside the workspace",
        )
        self.name = name
        self.part = name
        self.problem = "escapes the workspace"


def _listing(kind: str, existing: Sequence[str]) -> str:
    if not existing:
        return f"there are no {kind} yet"
    shown = ", ".join(sorted(existing)[:20])
    more = f" (and {len(existing) - 20} more)" if len(existing) > 20 else ""
    return f"existing {kind}: {shown}{more}"


class NotFoundError(LakeforgeError):
    """An object looked up by name does not exist."""

    kind = "object"
    plural = "objects"

    def __init__(self, name: str, existing: Sequence[str] = (), fix: str | None = None) -> None:
        self.name = name
        self.existing = list(existing)
        super().__init__(
            f"{self.kind} {name!r} does not exist; {_listing(self.plural, self.existing)}",
            fix or f"check the spelling or create the {self.kind} first",
        )


class CatalogNotFoundError(NotFoundError):
    """A catalog does not exist."""

    kind = "catalog"
    plural = "catalogs"


class SchemaNotFoundError(NotFoundError):
    """A schema does not exist."""

    kind = "schema"
    plural = "schemas in that catalog"


class TableNotFoundError(NotFoundError):
    """A table does not exist."""

    kind = "table"
    plural = "tables in that schema"


class FunctionNotFoundError(NotFoundError):
    """A catalog function does not exist."""

    kind = "function"
    plural = "functions in that schema"


class VersionNotFoundError(NotFoundError):
    """A table version or timestamp outside the table's history."""

    kind = "table version"
    plural = "versions"


class ModelNotFoundError(NotFoundError):
    """A registered model does not exist."""

    kind = "registered model"
    plural = "registered models in that schema"


class ModelVersionNotFoundError(NotFoundError):
    """A registered model has no version with that number."""

    kind = "model version"
    plural = "versions of that model"


class AliasNotFoundError(NotFoundError):
    """A registered model has no alias with that name (aliases are case-sensitive)."""

    kind = "model alias"
    plural = "aliases of that model"


class JobNotFoundError(NotFoundError):
    """A job key that the bundle does not define."""

    kind = "job"
    plural = "jobs"


class OnlineTableNotFoundError(NotFoundError):
    """A table that has not been published to the online store."""

    kind = "online table"
    plural = "online tables"

    def __init__(self, name: str, existing: Sequence[str] = ()) -> None:
        super().__init__(
            name, existing, "publish it first: fe.publish_table(source_table_name=...)"
        )


class RunNotFoundError(NotFoundError):
    """A job run id without a run record in the workspace."""

    kind = "run"
    plural = "runs"


class EndpointNotFoundError(NotFoundError):
    """A serving endpoint does not exist."""

    kind = "serving endpoint"
    plural = "serving endpoints"


class TokenNotFoundError(NotFoundError):
    """An access token id that the workspace never issued."""

    kind = "token"
    plural = "token ids"


class AlreadyExistsError(LakeforgeError):
    """An object exists and the caller did not ask for IF NOT EXISTS."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(
            f"{kind} {name!r} already exists",
            "pass if_not_exists=True (CLI: --if-not-exists) or drop it first",
        )


class NotEmptyError(LakeforgeError):
    """A catalog or schema still holds objects and cascade was not asked."""

    def __init__(self, kind: str, name: str, children: Sequence[str]) -> None:
        self.kind = kind
        self.name = name
        self.children = list(children)
        more = f" (and {len(self.children) - 10} more)" if len(self.children) > 10 else ""
        super().__init__(
            f"{kind} {name!r} is not empty; it holds {', '.join(self.children[:10])}{more}",
            "drop those first or pass cascade=True (CLI: --cascade)",
        )


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


class AuthenticationError(LakeforgeError):
    """A request without a valid bearer token (missing, unknown, revoked or expired)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"authentication failed: {problem}",
            "send 'Authorization: Bearer <token>' with a token from `lakeforge tokens create`",
        )


class PermissionDeniedError(LakeforgeError):
    """An authenticated principal lacks the permission level an action needs."""

    def __init__(self, principal: str, action: str, needed: str, resource: str) -> None:
        self.principal = principal
        self.action = action
        self.needed = needed
        self.resource = resource
        super().__init__(
            f"{principal!r} may not {action} {resource!r}: it needs {needed}",
            f"ask a manager of {resource!r} to grant it: "
            f"`lakeforge endpoints grant {resource} {principal} {needed}`",
        )


class ConflictError(LakeforgeError):
    """The object is busy with another change; try again when it is done."""

    def __init__(self, resource: str, problem: str, fix: str) -> None:
        self.resource = resource
        super().__init__(f"{resource!r} {problem}", fix)


class EnvironmentMismatchError(LakeforgeError):
    """A model's framework version differs from the installed one (strict environment)."""

    def __init__(self, package: str, required: str, current: str | None) -> None:
        self.package = package
        self.required = required
        self.current = current
        installed = f"{current} is installed" if current else "it is not installed"
        super().__init__(
            f"the model was logged with {package}=={required} but {installed}",
            f'pip install "{package}=={required}" (or re-log the model with the installed '
            "version); pass strict_environment=False to score anyway",
        )


_SCORING_FIX = (
    "score the model's training data to reproduce it; the input passed lakeforge's column, type "
    "and missing-value checks"
)


class ScoringError(LakeforgeError):
    """The model failed while predicting on input lakeforge had accepted."""

    def __init__(self, model: str, cause: str, fix: str | None = None) -> None:
        self.model = model
        self.cause = cause
        super().__init__(
            f"model {model} failed while predicting: {cause}",
            fix or _SCORING_FIX,
        )


class SqlError(LakeforgeError):
    """A SQL statement failed in the engine."""

    def __init__(self, query: str, message: str, fix: str | None = None) -> None:
        self.query = query
        self.message = message
        short = query if len(query) <= 200 else query[:197] + "..."
        super().__init__(
            f"SQL failed: {message} (query: {short})",
            fix or "check the statement; catalog.schema.table names refer to workspace tables",
        )


class UnsupportedStatementError(SqlError):
    """A SQL statement kind (or clause) that lakeforge does not run."""

    def __init__(self, query: str, kind: str, supported: Sequence[str]) -> None:
        self.kind = kind
        self.supported = list(supported)
        super().__init__(
            query,
            f"{kind} is not supported",
            f"use one of the supported statements: {', '.join(self.supported)}",
        )


class StatementError(SqlError):
    """One statement of a multi-statement script failed; those before it stay applied.

    The statement's own error is ``__cause__``; ``cause_type`` names its class.
    """

    def __init__(self, index: int, total: int, statement: str, cause: LakeforgeError) -> None:
        self.index = index
        self.total = total
        self.statement = statement
        self.cause_type = type(cause).__name__
        applied = {1: "no statement was applied", 2: "statement 1 was applied"}.get(
            index, f"statements 1-{index - 1} were applied (each is its own commit)"
        )
        short = statement if len(statement) <= 200 else statement[:197] + "..."
        LakeforgeError.__init__(
            self,
            f"statement {index} of {total} failed ({short}): {cause.what}; {applied}",
            cause.fix,
        )
        self.query = statement
        self.message = cause.what


class JobRunError(LakeforgeError):
    """A job or pipeline run ended in a failed state (the CLI exits non-zero)."""

    def __init__(self, run: str, state: str, reasons: Sequence[str] = ()) -> None:
        self.run = run
        self.state = state
        self.reasons = list(reasons)
        detail = f": {'; '.join(self.reasons)}" if self.reasons else ""
        super().__init__(
            f"run {run} ended {state}{detail}",
            "see the task logs (lakeforge jobs runs get <run id>) for each failed task",
        )


class RetryableError(LakeforgeError):
    """A transient failure: the same call may succeed if repeated later."""

    retryable = True


class CommitConflictError(RetryableError):
    """A Delta commit kept conflicting with concurrent writers until the deadline."""

    def __init__(self, table: str, operation: str, attempts: int, seconds: float) -> None:
        self.table = table
        self.operation = operation
        self.attempts = attempts
        self.seconds = seconds
        super().__init__(
            f"{operation} on {table!r} conflicted with concurrent writers {attempts} times "
            f"over {seconds:.1f}s and was not committed",
            "retry the call (this error is retryable), or raise LAKEFORGE_COMMIT_TIMEOUT_S",
        )


class RegistrationError(LakeforgeError):
    """A model version ended in ``FAILED_REGISTRATION``."""

    def __init__(self, name: str, version: int, reason: str | None) -> None:
        self.name = name
        self.version = version
        self.reason = reason
        super().__init__(
            f"version {version} of model {name!r} failed to register: "
            f"{reason or 'no reason given by the registry'}",
            "check that the model files at the source are complete and register it again",
        )


class RegistrationTimeoutError(RetryableError):
    """A model version was still pending when ``await_registration_for`` ran out."""

    def __init__(self, name: str, version: int, seconds: float, status: str) -> None:
        self.name = name
        self.version = version
        self.seconds = seconds
        self.status = status
        super().__init__(
            f"version {version} of model {name!r} is still {status} after {seconds:g}s",
            "wait and check it with get_version / `lakeforge models versions NAME` (this error "
            "is retryable), or pass a larger await_registration_for",
        )


class OverloadedError(RetryableError):
    """Every concurrency slot and queue place of a served entity is taken."""

    def __init__(self, entity: str, limit: int, retry_after_s: int) -> None:
        self.entity = entity
        self.limit = limit
        self.retry_after_s = retry_after_s
        super().__init__(
            f"served entity {entity!r} is at its limit of {limit} concurrent and queued requests",
            f"retry after {retry_after_s}s (this error is retryable), or raise the entity's "
            "workload_size / max_provisioned_concurrency",
        )


class NotReadyError(RetryableError):
    """An endpoint, or something its served entities need, is not ready."""

    def __init__(self, resource: str, problem: str, fix: str) -> None:
        self.resource = resource
        self.problem = problem
        super().__init__(f"{resource!r} is not ready: {problem}", fix)
