"""Errors of work that ran and failed: SQL, scoring, registration, jobs, notebooks.

Part of the tree drawn in :mod:`lakeforge.errors`; only the standard library is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from lakeforge.errors.base import LakeforgeError


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


class UnknownUtilityError(LakeforgeError, AttributeError):
    """A ``dbutils`` member that does not exist; also an ``AttributeError``, so ``hasattr``
    and ``getattr(..., default)`` keep working."""

    def __init__(self, call: str, members: Sequence[str]) -> None:
        self.call = call
        self.members = sorted(members)
        owner = call.rsplit(".", 1)[0]
        super().__init__(
            f"{call} does not exist; {owner} has: {', '.join(self.members)}",
            "use one of those (see docs/jobs.md, `dbutils`)",
        )


class ContextValueError(LakeforgeError):
    """``.get()`` on a notebook-context value that is empty (e.g. the run id outside a job)."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(
            f"{value} has no value: {reason}",
            "check .isDefined() before .get(), or run the notebook as a job task "
            "(lakeforge bundle run)",
        )


class PipConflictError(EnvironmentMismatchError):
    """A notebook's ``%pip`` pin conflicts with a package lakeforge itself runs on
    (``notebook_pip = "strict"``)."""

    def __init__(self, requirement: str, package: str, current: str) -> None:
        self.requirement = requirement
        self.package = package
        self.required = requirement
        self.current = current
        LakeforgeError.__init__(
            self,
            f"%pip install {requirement!r} conflicts with {package} {current}, which lakeforge "
            "itself runs on (notebook_pip = strict)",
            f"drop or relax the pin to accept {package} {current}, or set notebook_pip = "
            '"overlay" (LAKEFORGE_NOTEBOOK_PIP) to keep the running version with a warning',
        )


class NotebookCellError(LakeforgeError):
    """A notebook cell failed: names the notebook file, the cell number and the line.

    ``line`` is the line in the notebook file for ``.py`` source notebooks and the line in the
    cell for ``.ipynb`` (None when the failure has no line). The traceback is in the task log.
    """

    def __init__(
        self,
        notebook: str,
        cell: int,
        line: int | None,
        error_type: str,
        message: str,
        fix: str | None = None,
    ) -> None:
        self.notebook = notebook
        self.cell = cell
        self.line = line
        self.error_type = error_type
        self.message = message
        where = f"{notebook}, cell {cell}" + (f", line {line}" if line is not None else "")
        detail = f"{error_type}: {message}" if message else error_type
        super().__init__(
            f"{where}: {detail}",
            fix
            or "fix that cell; the traceback is in the task log (lakeforge jobs runs get RUN_ID "
            "--logs)",
        )


class ShellCommandError(LakeforgeError):
    """A notebook's ``%sh`` cell exited with a non-zero status."""

    def __init__(self, command: str, exit_code: int) -> None:
        self.command = command
        self.exit_code = exit_code
        first = command.strip().splitlines()[0] if command.strip() else ""
        short = first if len(first) <= 120 else first[:117] + "..."
        super().__init__(
            f"%sh exited with status {exit_code} ({short})",
            "see the command's output in the task log; end the cell with `|| true` where a "
            "failure is expected",
        )


class PipInstallError(LakeforgeError):
    """A notebook's ``%pip install`` requirements could not be resolved or installed."""

    def __init__(self, requirements: Sequence[str], reason: str) -> None:
        self.requirements = list(requirements)
        self.reason = reason
        super().__init__(
            f"%pip install could not install {', '.join(self.requirements)}: {reason}",
            "check the names and versions; offline, point pip at local files (PIP_FIND_LINKS="
            "<folder of wheels>, PIP_NO_INDEX=1) or install them into the environment once",
        )


class DeploymentError(LakeforgeError):
    """``bundle deploy`` stopped at one resource; the resources before it are deployed and
    recorded, so a rerun after the fix continues where it stopped."""

    def __init__(
        self, bundle: str, target: str, resource: str, cause: str, fix: str | None = None
    ) -> None:
        self.bundle = bundle
        self.target = target
        self.resource = resource
        self.cause = cause
        super().__init__(
            f"bundle {bundle!r} (target {target!r}): deploying {resource} failed: {cause}",
            f"{fix + '; then ' if fix else ''}rerun `lakeforge bundle deploy -t {target}` "
            "(what deployed before it is recorded and stays)",
        )
