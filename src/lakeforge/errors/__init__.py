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
    │   ├── VolumeNotFoundError        a volume (catalog.schema.volume)
    │   ├── SecretScopeNotFoundError   a secret scope of the workspace
    │   ├── SecretNotFoundError        a key in a secret scope
    │   ├── PathNotFoundError          a file or folder (dbfs:/, file:/, /Volumes/...)
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
    │   ├── LocationError              a path lakeforge cannot map (or that leaves its root)
    │   ├── NotebookMagicError         a notebook magic or cell language lakeforge cannot run
    │   └── UnsupportedMediaTypeError  a request content type or charset serving cannot read
    ├── UnknownUtilityError            a dbutils member that does not exist (an AttributeError)
    ├── ContextValueError              .get() on an empty notebook-context value
    ├── AuthenticationError            no, unknown, revoked or expired access token
    ├── PermissionDeniedError          a token without the permission level an action needs
    ├── ConflictError                  the object is busy (e.g. an endpoint config update runs)
    ├── EnvironmentMismatchError       model framework version differs from the installed one
    │   └── PipConflictError           a notebook %pip pin conflicts with what lakeforge runs on
    ├── ScoringError                   the model itself failed on accepted input
    ├── SqlError                       a SQL statement failed in the engine
    │   ├── UnsupportedStatementError  a statement kind lakeforge does not run
    │   └── StatementError             one statement of a multi-statement script failed
    ├── RegistrationError              a model version ended in FAILED_REGISTRATION
    ├── JobRunError                    a job or pipeline run ended in a failed state
    ├── NotebookCellError              a notebook cell failed (file, cell number and line)
    ├── ShellCommandError              a notebook %sh cell exited non-zero
    ├── PipInstallError                a notebook %pip requirement could not be installed
    ├── DeploymentError                bundle deploy stopped at one resource
    └── RetryableError                 transient: the same call may succeed later
        ├── CommitConflictError        Delta commit kept conflicting until the deadline
        ├── RegistrationTimeoutError   a model version still pending at the deadline
        ├── OverloadedError            serving concurrency is exhausted: retry after a pause
        └── NotReadyError              an endpoint or served entity is not ready yet

The classes live in modules by kind (``base``, ``not_found``, ``validation``, ``access``,
``failure``, ``retryable``); import them from here. Only the standard library is imported.
"""

from __future__ import annotations

from lakeforge.errors.access import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
)
from lakeforge.errors.base import (
    AlreadyExistsError,
    ConfigurationError,
    InvalidNameError,
    LakeforgeError,
    MigrationError,
    MissingExtraError,
    NotEmptyError,
    PathEscapeError,
    WorkspaceError,
)
from lakeforge.errors.failure import (
    ContextValueError,
    DeploymentError,
    EnvironmentMismatchError,
    JobRunError,
    NotebookCellError,
    PipConflictError,
    PipInstallError,
    RegistrationError,
    ScoringError,
    ShellCommandError,
    SqlError,
    StatementError,
    UnknownUtilityError,
    UnsupportedStatementError,
)
from lakeforge.errors.not_found import (
    AliasNotFoundError,
    CatalogNotFoundError,
    EndpointNotFoundError,
    FunctionNotFoundError,
    JobNotFoundError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    NotFoundError,
    OnlineTableNotFoundError,
    PathNotFoundError,
    RunNotFoundError,
    SchemaNotFoundError,
    SecretNotFoundError,
    SecretScopeNotFoundError,
    TableNotFoundError,
    TokenNotFoundError,
    VersionNotFoundError,
    VolumeNotFoundError,
)
from lakeforge.errors.retryable import (
    CommitConflictError,
    NotReadyError,
    OverloadedError,
    RegistrationTimeoutError,
    RetryableError,
)
from lakeforge.errors.validation import (
    AmbiguousMergeError,
    BundleError,
    DuplicateKeyError,
    InvalidAliasError,
    LocationError,
    ModelLayoutError,
    NotebookMagicError,
    PayloadTooLargeError,
    ScheduleError,
    SchemaMismatchError,
    ScoringInputError,
    SignatureRequiredError,
    StagesUnsupportedError,
    UnsafeOperationError,
    UnsupportedFlavorError,
    UnsupportedFrameError,
    UnsupportedMediaTypeError,
    ValidationError,
    VariableError,
)

__all__ = [
    "AliasNotFoundError",
    "AlreadyExistsError",
    "AmbiguousMergeError",
    "AuthenticationError",
    "BundleError",
    "CatalogNotFoundError",
    "CommitConflictError",
    "ConfigurationError",
    "ConflictError",
    "ContextValueError",
    "DeploymentError",
    "DuplicateKeyError",
    "EndpointNotFoundError",
    "EnvironmentMismatchError",
    "FunctionNotFoundError",
    "InvalidAliasError",
    "InvalidNameError",
    "JobNotFoundError",
    "JobRunError",
    "LakeforgeError",
    "LocationError",
    "MigrationError",
    "MissingExtraError",
    "ModelLayoutError",
    "ModelNotFoundError",
    "ModelVersionNotFoundError",
    "NotEmptyError",
    "NotFoundError",
    "NotReadyError",
    "NotebookCellError",
    "NotebookMagicError",
    "OnlineTableNotFoundError",
    "OverloadedError",
    "PathEscapeError",
    "PathNotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PipConflictError",
    "PipInstallError",
    "RegistrationError",
    "RegistrationTimeoutError",
    "RetryableError",
    "RunNotFoundError",
    "ScheduleError",
    "SchemaMismatchError",
    "SchemaNotFoundError",
    "ScoringError",
    "ScoringInputError",
    "SecretNotFoundError",
    "SecretScopeNotFoundError",
    "ShellCommandError",
    "SignatureRequiredError",
    "SqlError",
    "StagesUnsupportedError",
    "StatementError",
    "TableNotFoundError",
    "TokenNotFoundError",
    "UnknownUtilityError",
    "UnsafeOperationError",
    "UnsupportedFlavorError",
    "UnsupportedFrameError",
    "UnsupportedMediaTypeError",
    "UnsupportedStatementError",
    "ValidationError",
    "VariableError",
    "VersionNotFoundError",
    "VolumeNotFoundError",
    "WorkspaceError",
]
