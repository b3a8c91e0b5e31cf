"""The bundle YAML model (``databricks.yml`` and its includes), validated at the boundary.

Field names, enums and defaults follow the reference bundle format (api-compat §6.1-6.2).
Unknown keys are warnings, as in the reference CLI: they are kept aside and each one is
reported with its file and YAML path (:func:`~lakeforge.yaml_file.unknown_keys`), so a misspelt
key never goes unnoticed and custom top-level keys that only hold YAML anchors
(``new_cluster: &cluster {...}``) load. Compute settings that have no local meaning (clusters,
libraries, notifications, permissions, ...) are accepted and reported once by
:mod:`.bundle_notes`. Each YAML file is validated on its own, so an error names the file it is
in and the YAML path of the value (:func:`yaml_path`). Resources other than jobs are in
:mod:`.resource_schema`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from lakeforge.jobs.resource_schema import (
    Experiment,
    RegisteredModel,
    SchemaResource,
    ServingEndpoint,
    VolumeResource,
)
from lakeforge.yaml_file import LenientModel

RunIf = Literal[
    "ALL_SUCCESS",
    "ALL_DONE",
    "NONE_FAILED",
    "AT_LEAST_ONE_SUCCESS",
    "ALL_FAILED",
    "AT_LEAST_ONE_FAILED",
]
ConditionOp = Literal[
    "EQUAL_TO",
    "NOT_EQUAL",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
]
TASK_TYPES = (
    "notebook_task",
    "spark_python_task",
    "python_wheel_task",
    "condition_task",
    "run_job_task",
    "for_each_task",
    "sql_task",
    "pipeline_task",
    "dbt_task",
    "spark_jar_task",
    "spark_submit_task",
)
# Task types lakeforge runs locally; the others are refused when a bundle is validated.
LOCAL_TASK_TYPES = (
    "notebook_task",
    "spark_python_task",
    "python_wheel_task",
    "condition_task",
    "sql_task",
)
Scalar = str | int | float | bool


class TaskDependency(LenientModel):
    task_key: str
    outcome: Literal["true", "false"] | None = None


class NotebookTask(LenientModel):
    notebook_path: str
    base_parameters: dict[str, Scalar] = Field(default_factory=dict)
    source: Literal["WORKSPACE", "GIT"] | None = None
    warehouse_id: str | None = None


class SparkPythonTask(LenientModel):
    python_file: str
    parameters: list[Scalar] = Field(default_factory=list)
    source: Literal["WORKSPACE", "GIT"] | None = None


class PythonWheelTask(LenientModel):
    package_name: str
    entry_point: str
    parameters: list[Scalar] | None = None
    named_parameters: dict[str, Scalar] | None = None


class SqlTaskFile(LenientModel):
    path: str
    source: Literal["WORKSPACE", "GIT"] | None = None


class SqlTask(LenientModel):
    """A SQL file run on the workspace (``warehouse_id`` is accepted and has no local meaning;
    ``parameters`` fill the file's ``:name`` markers). Query, alert and dashboard tasks, which
    name objects of a SQL warehouse, do not run locally."""

    file: SqlTaskFile | None = None
    warehouse_id: str | None = None
    parameters: dict[str, Scalar] = Field(default_factory=dict)
    query: dict[str, Any] | None = None
    alert: dict[str, Any] | None = None
    dashboard: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _file_only(self) -> SqlTask:
        others = [n for n in ("query", "alert", "dashboard") if getattr(self, n) is not None]
        if others or self.file is None:
            raise ValueError(
                f"sql_task runs SQL files only (file: {{path: ...}}); "
                f"{', '.join(others) or 'no file'} given"
            )
        return self


class ConditionTask(LenientModel):
    op: ConditionOp
    left: Scalar
    right: Scalar


class Task(LenientModel):
    """One task of a job; exactly one ``*_task`` field is set."""

    task_key: str = Field(min_length=1, max_length=100, pattern=r"^[\w\-.]+$")
    description: str | None = None
    depends_on: list[TaskDependency] = Field(default_factory=list)
    run_if: RunIf = "ALL_SUCCESS"
    notebook_task: NotebookTask | None = None
    spark_python_task: SparkPythonTask | None = None
    python_wheel_task: PythonWheelTask | None = None
    condition_task: ConditionTask | None = None
    run_job_task: dict[str, Any] | None = None
    for_each_task: dict[str, Any] | None = None
    sql_task: SqlTask | None = None
    pipeline_task: dict[str, Any] | None = None
    dbt_task: dict[str, Any] | None = None
    spark_jar_task: dict[str, Any] | None = None
    spark_submit_task: dict[str, Any] | None = None
    environment_key: str | None = None
    job_cluster_key: str | None = None
    existing_cluster_id: str | None = None
    new_cluster: dict[str, Any] | None = None
    libraries: list[dict[str, Any]] = Field(default_factory=list)
    timeout_seconds: int = Field(default=0, ge=0)
    max_retries: int = Field(default=0, ge=-1)
    min_retry_interval_millis: int = Field(default=0, ge=0)
    retry_on_timeout: bool = False
    disabled: bool = False
    email_notifications: dict[str, Any] | None = None
    webhook_notifications: dict[str, Any] | None = None
    notification_settings: dict[str, Any] | None = None
    health: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_task_type(self) -> Task:
        given = [name for name in TASK_TYPES if getattr(self, name) is not None]
        if len(given) != 1:
            unknown = sorted(self.model_extra or {})
            hint = f"; unknown keys: {', '.join(unknown)} (misspelt?)" if unknown else ""
            raise ValueError(
                f"task {self.task_key!r} must set exactly one of {', '.join(LOCAL_TASK_TYPES)} "
                f"(it sets {given or 'none'}{hint})"
            )
        return self

    @property
    def kind(self) -> str:
        """The ``*_task`` field this task sets."""
        return next(name for name in TASK_TYPES if getattr(self, name) is not None)


class EnvironmentSpec(LenientModel):
    environment_version: str | None = None
    client: str | None = None
    dependencies: list[str] = Field(default_factory=list)


class JobEnvironment(LenientModel):
    environment_key: str
    spec: EnvironmentSpec = Field(default_factory=EnvironmentSpec)


class JobParameter(LenientModel):
    name: str = Field(min_length=1)
    default: Scalar


class Schedule(LenientModel):
    quartz_cron_expression: str
    timezone_id: str = "UTC"
    pause_status: Literal["PAUSED", "UNPAUSED"] = "UNPAUSED"


class Job(LenientModel):
    """A job resource (``resources.jobs.<key>``)."""

    name: str | None = None
    description: str | None = None
    tasks: list[Task] = Field(default_factory=list)
    parameters: list[JobParameter] = Field(default_factory=list)
    environments: list[JobEnvironment] = Field(default_factory=list)
    schedule: Schedule | None = None
    max_concurrent_runs: int = Field(default=1, ge=1)
    timeout_seconds: int = Field(default=0, ge=0)
    tags: dict[str, str] = Field(default_factory=dict)
    job_clusters: list[dict[str, Any]] = Field(default_factory=list)
    trigger: dict[str, Any] | None = None
    continuous: dict[str, Any] | None = None
    email_notifications: dict[str, Any] | None = None
    webhook_notifications: dict[str, Any] | None = None
    notification_settings: dict[str, Any] | None = None
    run_as: dict[str, Any] | None = None
    queue: dict[str, Any] | None = None
    health: dict[str, Any] | None = None
    git_source: dict[str, Any] | None = None
    permissions: list[dict[str, Any]] = Field(default_factory=list)
    format: str | None = None
    edit_mode: str | None = None


class Resources(LenientModel):
    jobs: dict[str, Job] = Field(default_factory=dict)
    experiments: dict[str, Experiment] = Field(default_factory=dict)
    registered_models: dict[str, RegisteredModel] = Field(default_factory=dict)
    models: dict[str, RegisteredModel] = Field(default_factory=dict)
    model_serving_endpoints: dict[str, ServingEndpoint] = Field(default_factory=dict)
    quality_monitors: dict[str, dict[str, Any]] = Field(default_factory=dict)
    pipelines: dict[str, dict[str, Any]] = Field(default_factory=dict)
    schemas: dict[str, SchemaResource] = Field(default_factory=dict)
    volumes: dict[str, VolumeResource] = Field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = Field(default_factory=dict)
    apps: dict[str, dict[str, Any]] = Field(default_factory=dict)


class Variable(LenientModel):
    description: str | None = None
    default: Any = None
    type: Literal["complex"] | None = None
    lookup: dict[str, str] | None = None


class BundleInfo(LenientModel):
    name: str = Field(min_length=1)
    databricks_cli_version: str | None = None
    cluster_id: str | None = None
    compute_id: str | None = None
    git: dict[str, Any] | None = None
    uuid: str | None = None


class Target(LenientModel):
    default: bool = False
    mode: Literal["development", "production"] | None = None
    workspace: dict[str, Any] = Field(default_factory=dict)
    variables: dict[str, Any] = Field(default_factory=dict)
    resources: dict[str, Any] = Field(default_factory=dict)
    git: dict[str, Any] | None = None
    run_as: dict[str, Any] | None = None
    presets: dict[str, Any] | None = None
    bundle: dict[str, Any] | None = None
    artifacts: dict[str, Any] | None = None
    sync: dict[str, Any] | None = None
    permissions: list[dict[str, Any]] = Field(default_factory=list)
    cluster_id: str | None = None
    compute_id: str | None = None


class BundleFile(LenientModel):
    """One bundle YAML file: the root ``databricks.yml`` or an included file."""

    bundle: BundleInfo | None = None
    include: list[str] = Field(default_factory=list)
    variables: dict[str, Variable] = Field(default_factory=dict)
    targets: dict[str, Target] = Field(default_factory=dict)
    resources: Resources = Field(default_factory=Resources)
    workspace: dict[str, Any] = Field(default_factory=dict)
    run_as: dict[str, Any] | None = None
    permissions: list[dict[str, Any]] = Field(default_factory=list)
    artifacts: dict[str, Any] | None = None
    sync: dict[str, Any] | None = None
    presets: dict[str, Any] | None = None
    experimental: dict[str, Any] | None = None


__all__ = [
    "LOCAL_TASK_TYPES",
    "TASK_TYPES",
    "BundleFile",
    "BundleInfo",
    "ConditionOp",
    "ConditionTask",
    "Job",
    "JobEnvironment",
    "JobParameter",
    "NotebookTask",
    "PythonWheelTask",
    "Resources",
    "RunIf",
    "Schedule",
    "SparkPythonTask",
    "SqlTask",
    "SqlTaskFile",
    "Target",
    "Task",
    "TaskDependency",
    "Variable",
]
