"""The error tree: hierarchy, naming, messages, retryability, pickling, stdlib-only imports."""

from __future__ import annotations

import ast
import inspect
import pickle
import sys
from pathlib import Path

import pytest

import lakeforge.errors as errors_module
from lakeforge import errors as e

ALL_ERRORS = [
    obj
    for obj in vars(e).values()
    if isinstance(obj, type)
    and issubclass(obj, BaseException)
    and obj.__module__.startswith(e.__name__ + ".")
]

# One realistic instance of every error class, with the value that must show in the message.
EXAMPLES: dict[type[e.LakeforgeError], tuple[e.LakeforgeError, str]] = {
    e.LakeforgeError: (e.LakeforgeError("something failed", "do this"), "something failed"),
    e.ConfigurationError: (
        e.ConfigurationError("LAKEFORGE_USER", "  ", "must be a non-empty string", "set it"),
        "'  '",
    ),
    e.MissingExtraError: (
        e.MissingExtraError("psycopg", "postgres", "a PostgreSQL store"),
        "psycopg",
    ),
    e.WorkspaceError: (e.WorkspaceError("/tmp/ws", "is missing", "run lakeforge init"), "/tmp/ws"),
    e.MigrationError: (e.MigrationError("/tmp/ws", "version 9 is too new", "upgrade"), "version 9"),
    e.InvalidNameError: (e.InvalidNameError("a b.c", "a b", "contains a space"), "'a b'"),
    e.PathEscapeError: (e.PathEscapeError("x", "/etc/x", "/ws/warehouse"), "/etc/x"),
    e.NotFoundError: (e.NotFoundError("thing", ["a", "b"]), "'thing'"),
    e.CatalogNotFoundError: (e.CatalogNotFoundError("nope", ["main", "dev"]), "'nope'"),
    e.SchemaNotFoundError: (e.SchemaNotFoundError("main.nope", ["main.default"]), "'main.nope'"),
    e.TableNotFoundError: (e.TableNotFoundError("main.default.t", []), "'main.default.t'"),
    e.FunctionNotFoundError: (e.FunctionNotFoundError("main.default.f", []), "'main.default.f'"),
    e.VersionNotFoundError: (e.VersionNotFoundError("7", ["0", "1"]), "'7'"),
    e.AlreadyExistsError: (e.AlreadyExistsError("table", "main.default.t"), "'main.default.t'"),
    e.NotEmptyError: (e.NotEmptyError("schema", "main.s", ["main.s.t"]), "main.s.t"),
    e.ValidationError: (e.ValidationError("column 'x' is bad", "rename it"), "'x'"),
    e.SchemaMismatchError: (
        e.SchemaMismatchError("main.default.t", "column y missing", "add y"),
        "column y",
    ),
    e.DuplicateKeyError: (e.DuplicateKeyError("main.default.t", ["id"], {"id": 3}, 2), "'id': 3"),
    e.UnsupportedFrameError: (e.UnsupportedFrameError("builtins.list"), "builtins.list"),
    e.UnsafeOperationError: (
        e.UnsafeOperationError("retention 0h is below 168h", "pass a longer retention"),
        "0h",
    ),
    e.SqlError: (e.SqlError("SELEC 1", "syntax error"), "SELEC 1"),
    e.UnsupportedStatementError: (
        e.UnsupportedStatementError("GRANT x", "GRANT", ["SELECT", "MERGE INTO"]),
        "GRANT is not supported",
    ),
    e.StatementError: (
        e.StatementError(2, 3, "DROP TABLE t", e.TableNotFoundError("main.default.t", [])),
        "statement 2 of 3 failed (DROP TABLE t)",
    ),
    e.AmbiguousMergeError: (
        e.AmbiguousMergeError("main.default.t", "t.id = s.id", {"id": 3}, 2),
        "{'id': 3}",
    ),
    e.EndpointNotFoundError: (e.EndpointNotFoundError("churn-ep", ["other"]), "'churn-ep'"),
    e.TokenNotFoundError: (e.TokenNotFoundError("ab12", []), "'ab12'"),
    e.PayloadTooLargeError: (e.PayloadTooLargeError(20_000_000, 16_777_216), "20000000"),
    e.UnsupportedMediaTypeError: (
        e.UnsupportedMediaTypeError("text/xml", ["application/json", "text/csv"]),
        "'text/xml'",
    ),
    e.AuthenticationError: (e.AuthenticationError("token lf_ab12 was revoked"), "lf_ab12"),
    e.PermissionDeniedError: (
        e.PermissionDeniedError("bob", "query", "CAN_QUERY", "churn-ep"),
        "CAN_QUERY",
    ),
    e.ConflictError: (
        e.ConflictError("churn-ep", "has a config update in progress", "wait for it"),
        "'churn-ep'",
    ),
    e.OverloadedError: (e.OverloadedError("churn-1", 20, 1), "'churn-1'"),
    e.NotReadyError: (
        e.NotReadyError("churn-ep", "model main.ml.churn/2 is loading", "wait"),
        "main.ml.churn/2",
    ),
    e.RetryableError: (e.RetryableError("store busy", "retry"), "store busy"),
    e.CommitConflictError: (e.CommitConflictError("main.default.t", "append", 5, 60.0), "5 times"),
    e.UnsupportedFlavorError: (
        e.UnsupportedFlavorError("my.flavor", "it has no save_model function"),
        "'my.flavor'",
    ),
    e.ModelLayoutError: (e.ModelLayoutError("/tmp/m", "MLmodel is missing"), "/tmp/m"),
    e.ScoringInputError: (
        e.ScoringInputError("required columns are missing", ["customer_id"], "pass them"),
        "'customer_id'",
    ),
    e.EnvironmentMismatchError: (
        e.EnvironmentMismatchError("scikit-learn", "1.3.0", "1.9.1"),
        "scikit-learn==1.3.0",
    ),
    e.ScoringError: (e.ScoringError("models:/m-1", "ValueError: boom"), "ValueError: boom"),
    e.ModelNotFoundError: (e.ModelNotFoundError("dev.ml.churn", ["dev.ml.ltv"]), "'dev.ml.churn'"),
    e.ModelVersionNotFoundError: (
        e.ModelVersionNotFoundError("dev.ml.churn/9", ["1", "2"]),
        "'dev.ml.churn/9'",
    ),
    e.AliasNotFoundError: (
        e.AliasNotFoundError("dev.ml.churn@champ", ["champion"]),
        "'dev.ml.churn@champ'",
    ),
    e.SignatureRequiredError: (
        e.SignatureRequiredError("runs:/abc/model", "it was logged without a signature"),
        "'runs:/abc/model'",
    ),
    e.InvalidAliasError: (e.InvalidAliasError("latest", "is reserved"), "'latest'"),
    e.StagesUnsupportedError: (
        e.StagesUnsupportedError("transition_model_version_stage"),
        "transition_model_version_stage",
    ),
    e.RegistrationError: (e.RegistrationError("dev.ml.churn", 3, "disk full"), "disk full"),
    e.JobNotFoundError: (e.JobNotFoundError("trian", ["train"]), "'trian'"),
    e.OnlineTableNotFoundError: (
        e.OnlineTableNotFoundError("main.online.x", ["main.online.y"]),
        "'main.online.x'",
    ),
    e.RunNotFoundError: (e.RunNotFoundError("77", ["1", "2"]), "'77'"),
    e.BundleError: (
        e.BundleError("databricks.yml", "resources.jobs.a.tasks[0].max_retries", "not an int", "x"),
        "resources.jobs.a.tasks[0].max_retries",
    ),
    e.VariableError: (
        e.VariableError("databricks.yml", "catalog", "has no value for target dev", "set it"),
        "variables.catalog",
    ),
    e.ScheduleError: (e.ScheduleError("0 0 25 * * ?", "hour 25 is out of range"), "hour 25"),
    e.JobRunError: (e.JobRunError("42", "FAILED", ["train: exit code 1"]), "exit code 1"),
    e.RegistrationTimeoutError: (
        e.RegistrationTimeoutError("dev.ml.churn", 3, 300.0, "PENDING_REGISTRATION"),
        "PENDING_REGISTRATION after 300s",
    ),
    e.VolumeNotFoundError: (
        e.VolumeNotFoundError("main.raw.landing", ["main.raw.files"]),
        "'main.raw.landing'",
    ),
    e.SecretScopeNotFoundError: (e.SecretScopeNotFoundError("prod", ["dev"]), "'prod'"),
    e.SecretNotFoundError: (e.SecretNotFoundError("prod/db_password", ["token"]), "db_password"),
    e.PathNotFoundError: (e.PathNotFoundError("dbfs:/tmp/x.csv", ["y.csv"]), "dbfs:/tmp/x.csv"),
    e.LocationError: (
        e.LocationError("s3://bucket/x", "uses the s3: scheme", "copy it into a volume"),
        "s3://bucket/x",
    ),
    e.UnknownUtilityError: (
        e.UnknownUtilityError("dbutils.fs.lss", ["ls", "cp"]),
        "dbutils.fs.lss does not exist; dbutils.fs has: cp, ls",
    ),
    e.ContextValueError: (
        e.ContextValueError("getContext().currentRunId()", "not in a job run"),
        "currentRunId() has no value: not in a job run",
    ),
    e.NotebookMagicError: (
        e.NotebookMagicError("%scala", "is a cell language lakeforge cannot run", "use Python"),
        "%scala",
    ),
    e.PipConflictError: (
        e.PipConflictError("mlflow==2.11.3", "mlflow", "3.1.0"),
        "'mlflow==2.11.3' conflicts with mlflow 3.1.0",
    ),
    e.NotebookCellError: (
        e.NotebookCellError("notebooks/Train.py", 3, 27, "SyntaxError", "invalid syntax"),
        "notebooks/Train.py, cell 3, line 27: SyntaxError",
    ),
    e.ShellCommandError: (e.ShellCommandError("exit 3", 3), "status 3 (exit 3)"),
    e.PipInstallError: (
        e.PipInstallError(["nope-pkg==1.0"], "no matching distribution"),
        "nope-pkg==1.0",
    ),
    e.DeploymentError: (
        e.DeploymentError(
            "taxi", "dev", "resources.registered_models.model", "catalog 'nope' not found"
        ),
        "resources.registered_models.model",
    ),
}


def test_examples_cover_every_error_class() -> None:
    assert set(EXAMPLES) == set(ALL_ERRORS)


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_every_error_derives_from_lakeforge_error_and_is_named_error(cls: type) -> None:
    assert issubclass(cls, e.LakeforgeError)
    assert issubclass(cls, Exception)
    assert cls.__name__.endswith("Error")
    assert cls.__doc__


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_messages_carry_what_value_and_fix(cls: type[e.LakeforgeError]) -> None:
    err, value = EXAMPLES[cls]
    message = str(err)
    assert type(err) is cls
    assert err.what and err.what in message
    assert value in message
    assert err.fix, f"{cls.__name__} has no fix"
    assert message.endswith(f". Fix: {err.fix}")


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_retryable_flag(cls: type[e.LakeforgeError]) -> None:
    assert cls.retryable is issubclass(cls, e.RetryableError)
    assert EXAMPLES[cls][0].retryable is issubclass(cls, e.RetryableError)


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_errors_survive_pickling(cls: type[e.LakeforgeError]) -> None:
    err = EXAMPLES[cls][0]
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is cls
    assert str(copy) == str(err)
    assert copy.args == err.args
    assert vars(copy) == vars(err)


def test_hierarchy_matches_the_documented_tree() -> None:
    parents = {
        e.ConfigurationError: e.LakeforgeError,
        e.MissingExtraError: e.ConfigurationError,
        e.WorkspaceError: e.LakeforgeError,
        e.MigrationError: e.WorkspaceError,
        e.InvalidNameError: e.LakeforgeError,
        e.PathEscapeError: e.InvalidNameError,
        e.NotFoundError: e.LakeforgeError,
        e.CatalogNotFoundError: e.NotFoundError,
        e.SchemaNotFoundError: e.NotFoundError,
        e.TableNotFoundError: e.NotFoundError,
        e.FunctionNotFoundError: e.NotFoundError,
        e.VersionNotFoundError: e.NotFoundError,
        e.AlreadyExistsError: e.LakeforgeError,
        e.NotEmptyError: e.LakeforgeError,
        e.ValidationError: e.LakeforgeError,
        e.SchemaMismatchError: e.ValidationError,
        e.DuplicateKeyError: e.ValidationError,
        e.UnsupportedFrameError: e.ValidationError,
        e.UnsafeOperationError: e.ValidationError,
        e.SqlError: e.LakeforgeError,
        e.RetryableError: e.LakeforgeError,
        e.CommitConflictError: e.RetryableError,
        e.UnsupportedFlavorError: e.ValidationError,
        e.ModelLayoutError: e.ValidationError,
        e.ScoringInputError: e.ValidationError,
        e.EnvironmentMismatchError: e.LakeforgeError,
        e.ScoringError: e.LakeforgeError,
        e.ModelNotFoundError: e.NotFoundError,
        e.ModelVersionNotFoundError: e.NotFoundError,
        e.AliasNotFoundError: e.NotFoundError,
        e.SignatureRequiredError: e.ValidationError,
        e.InvalidAliasError: e.ValidationError,
        e.StagesUnsupportedError: e.ValidationError,
        e.RegistrationError: e.LakeforgeError,
        e.RegistrationTimeoutError: e.RetryableError,
        e.VolumeNotFoundError: e.NotFoundError,
        e.SecretScopeNotFoundError: e.NotFoundError,
        e.SecretNotFoundError: e.NotFoundError,
        e.PathNotFoundError: e.NotFoundError,
        e.LocationError: e.ValidationError,
        e.ContextValueError: e.LakeforgeError,
        e.NotebookMagicError: e.ValidationError,
        e.PipConflictError: e.EnvironmentMismatchError,
        e.NotebookCellError: e.LakeforgeError,
        e.ShellCommandError: e.LakeforgeError,
        e.PipInstallError: e.LakeforgeError,
        e.DeploymentError: e.LakeforgeError,
    }
    for cls, parent in parents.items():
        assert cls.__bases__ == (parent,), cls.__name__


def test_structured_attributes() -> None:
    cfg = e.ConfigurationError("LAKEFORGE_X", 3, "bad", "fix it")
    assert (cfg.setting, cfg.value, cfg.fix) == ("LAKEFORGE_X", 3, "fix it")
    extra = e.MissingExtraError("psycopg", "postgres", "PostgreSQL")
    assert (extra.package, extra.extra) == ("psycopg", "postgres")
    assert 'pip install "lakeforge[postgres]"' in str(extra)
    escape = e.PathEscapeError("a.b", "/x", "/root")
    assert (escape.name, escape.part, escape.path, escape.root) == ("a.b", "a.b", "/x", "/root")
    conflict = e.CommitConflictError("t", "merge", 3, 1.25)
    assert (conflict.table, conflict.attempts, conflict.seconds) == ("t", 3, 1.25)
    assert "1.2s" in str(conflict) or "1.3s" in str(conflict)


def test_not_found_lists_what_exists_sorted_and_capped() -> None:
    err = e.TableNotFoundError("main.s.x", [f"main.s.t{i:02d}" for i in range(25, 0, -1)])
    message = str(err)
    assert "existing tables in that schema: main.s.t01, main.s.t02" in message
    assert "main.s.t20" in message
    assert "main.s.t21" not in message
    assert "(and 5 more)" in message
    assert err.existing[0] == "main.s.t25"  # the attribute keeps every name


def test_not_found_with_nothing_existing_says_so() -> None:
    assert "there are no catalogs yet" in str(e.CatalogNotFoundError("x"))


def test_not_empty_lists_children_and_counts_the_rest() -> None:
    children = [f"main.s.t{i:02d}" for i in range(12)]
    message = str(e.NotEmptyError("schema", "main.s", children))
    assert "main.s.t09" in message
    assert "main.s.t10" not in message
    assert "(and 2 more)" in message
    assert "cascade=True" in message


def test_sql_error_shortens_long_queries() -> None:
    query = "SELECT " + "x, " * 200 + "1"
    err = e.SqlError(query, "boom")
    assert err.query == query
    assert "..." in str(err)
    assert query not in str(err)


def test_lakeforge_error_without_fix_is_just_what() -> None:
    assert str(e.LakeforgeError("plain")) == "plain"


def test_errors_package_imports_only_the_standard_library() -> None:
    imported: set[str] = set()
    for path in Path(inspect.getfile(errors_module)).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name} must not use relative imports"
                assert node.module is not None
                imported.add(node.module)
    assert imported, "expected at least one import"
    own = {m for m in imported if m.startswith("lakeforge.")}
    assert all(m.startswith("lakeforge.errors.") for m in own), own
    outside = {m.split(".")[0] for m in imported - own}
    not_stdlib = sorted(outside - set(sys.stdlib_module_names) - {"__future__"})
    assert not_stdlib == []


def test_the_tree_in_the_docstring_names_every_error() -> None:
    assert errors_module.__doc__ is not None
    drawn = {w for w in errors_module.__doc__.split() if w.endswith("Error")}
    assert drawn == {cls.__name__ for cls in ALL_ERRORS}
    assert sorted(errors_module.__all__) == sorted(cls.__name__ for cls in ALL_ERRORS)


def test_unknown_utility_error_is_an_attribute_error() -> None:
    error = e.UnknownUtilityError("dbutils.foo", ["fs", "widgets"])
    assert isinstance(error, AttributeError)
    assert e.UnknownUtilityError.__bases__ == (e.LakeforgeError, AttributeError)
    assert (error.call, error.members) == ("dbutils.foo", ["fs", "widgets"])
