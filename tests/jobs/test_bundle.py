"""Bundle loading: includes, targets, variables with the reference precedence, YAML-path errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from lakeforge.errors import BundleError, JobNotFoundError, VariableError
from lakeforge.jobs.bundle import load_bundle
from lakeforge.settings import bundle_variable_environment


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


ROOT = """
    bundle: {name: demo}
    include: [resources/*.yml]
    variables:
      catalog: {default: dev_catalog}
      schema: {description: target schema}
      table: {default: "${var.catalog}.${var.schema}.scores"}
    targets:
      dev:
        default: true
        mode: development
        variables: {schema: dev_schema}
      prod:
        mode: production
        variables: {schema: prod_schema, catalog: prod_catalog}
        resources:
          jobs:
            train:
              max_concurrent_runs: 3
              tasks:
                - task_key: train
                  timeout_seconds: 60
"""
JOB = """
    resources:
      jobs:
        train:
          name: train-${bundle.target}
          parameters: [{name: table, default: "${var.table}"}]
          schedule: {quartz_cron_expression: "0 0 9 * * ?", timezone_id: UTC}
          tasks:
            - task_key: train
              notebook_task:
                notebook_path: ../src/train
                base_parameters:
                  catalog: "${var.catalog}"
                  user: "${workspace.current_user.short_name}"
            - task_key: score
              depends_on: [{task_key: train}]
              spark_python_task:
                python_file: ../src/score.py
                parameters: ["--table", "{{job.parameters.table}}"]
"""


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    return write(
        tmp_path / "b",
        {
            "databricks.yml": ROOT,
            "resources/train.yml": JOB,
            "src/train.py": "print('train')\n",
            "src/score.py": "print('score')\n",
        },
    )


def test_includes_targets_and_paths_relative_to_their_file(bundle_dir: Path) -> None:
    bundle = load_bundle(bundle_dir, user="Ada.Lovelace@example.com")
    assert bundle.target == "dev" and bundle.mode == "development"
    job = bundle.job("train")
    assert job.name == "[dev ada_lovelace] train-dev"
    assert job.tags == {"dev": "ada_lovelace"}
    assert job.schedule is not None and job.schedule.pause_status == "PAUSED"
    train, score = job.tasks
    assert train.notebook_task is not None
    assert train.notebook_task.notebook_path == str(bundle_dir / "src" / "train")
    assert train.notebook_task.base_parameters == {"catalog": "dev_catalog", "user": "ada_lovelace"}
    assert score.spark_python_task is not None
    assert score.spark_python_task.python_file == str(bundle_dir / "src" / "score.py")
    assert bundle.variables["table"] == "dev_catalog.dev_schema.scores"
    assert bundle.files == (bundle_dir / "databricks.yml", bundle_dir / "resources" / "train.yml")


def test_target_resources_merge_tasks_by_key(bundle_dir: Path) -> None:
    bundle = load_bundle(bundle_dir, target="prod")
    job = bundle.job("train")
    assert job.max_concurrent_runs == 3
    assert [t.task_key for t in job.tasks] == ["train", "score"]
    assert job.tasks[0].timeout_seconds == 60
    assert job.tasks[0].notebook_task is not None  # merged, not replaced
    assert job.name == "train-prod" and job.schedule is not None
    assert job.schedule.pause_status == "UNPAUSED"
    assert bundle.variables["table"] == "prod_catalog.prod_schema.scores"


def test_variable_precedence_flag_env_overrides_file_target_default(bundle_dir: Path) -> None:
    def table(**kwargs: object) -> str:
        return str(load_bundle(bundle_dir, **kwargs).variables["catalog"])  # type: ignore[arg-type]

    assert table() == "dev_catalog"  # default
    overrides = bundle_dir / ".databricks" / "bundle" / "dev" / "variable-overrides.json"
    overrides.parent.mkdir(parents=True)
    overrides.write_text(json.dumps({"catalog": "from_file"}))
    assert table() == "from_file"
    env = bundle_variable_environment({"BUNDLE_VAR_catalog": "from_env", "OTHER": "x"})
    assert env == {"catalog": "from_env"}
    assert table(environment=env) == "from_env"
    assert table(environment=env, variables={"catalog": "from_flag"}) == "from_flag"
    # targets.<t>.variables sit between the overrides file and the default
    assert load_bundle(bundle_dir, target="prod").variables["schema"] == "prod_schema"


def test_unresolved_undeclared_and_empty_variables_are_errors(bundle_dir: Path) -> None:
    text = (
        (bundle_dir / "databricks.yml").read_text().replace("variables: {schema: dev_schema}", "")
    )
    (bundle_dir / "databricks.yml").write_text(text)
    with pytest.raises(VariableError, match="'schema' has no value for target 'dev'") as caught:
        load_bundle(bundle_dir)
    assert "--var" in str(caught.value) and "BUNDLE_VAR_schema" in str(caught.value)
    with pytest.raises(VariableError, match="does not declare"):
        load_bundle(bundle_dir, variables={"schema": "s", "nope": "x"})
    with pytest.raises(VariableError, match="empty string"):
        load_bundle(bundle_dir, variables={"schema": "  "})


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("timeout_seconds: 60", "timeout_seconds: soon", "targets.prod.resources"),
        ("notebook_task:", "notebook_tsk:", "tasks[0]: task 'train' must set exactly one"),
        (
            "depends_on: [{task_key: train}]",
            "depends_on: [{task_key: trian}]",
            "tasks[1].depends_on[0]",
        ),
        (
            "python_file: ../src/score.py",
            "python_file: ../src/missing.py",
            "tasks[1].spark_python_task",
        ),
        ('"0 0 9 * * ?"', '"0 0 25 * * ?"', "resources.jobs.train.schedule"),
        ("{{job.parameters.table}}", "{{job.parameters.tabel}}", "spark_python_task.parameters[1]"),
        (
            'catalog: "${var.catalog}"\n',
            'catalog: "${var.catalgo}"\n',
            "notebook_task.base_parameters.catalog",
        ),
    ],
)
def test_validation_errors_carry_the_file_and_yaml_path(
    bundle_dir: Path, old: str, new: str, where: str
) -> None:
    for name in ("databricks.yml", "resources/train.yml"):
        path = bundle_dir / name
        path.write_text(path.read_text().replace(old, new))
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle_dir, target="prod" if "targets" in where else None)
    assert where in str(caught.value), str(caught.value)
    assert caught.value.fix


def test_cycles_duplicates_and_unknown_jobs(bundle_dir: Path) -> None:
    path = bundle_dir / "resources" / "train.yml"
    cyclic = path.read_text().replace(
        "- task_key: train\n", "- task_key: train\n              depends_on: [{task_key: score}]\n"
    )
    path.write_text(cyclic)
    with pytest.raises(BundleError, match="cycle"):
        load_bundle(bundle_dir)
    path.write_text(JOB)
    write(bundle_dir, {"resources/again.yml": JOB})
    with pytest.raises(BundleError, match="also defined in") as caught:
        load_bundle(bundle_dir)
    assert "resources.jobs.train" in str(caught.value)
    (bundle_dir / "resources" / "again.yml").unlink()
    with pytest.raises(JobNotFoundError, match="'nope'"):
        load_bundle(bundle_dir).job("nope")


def test_yaml_is_read_safely(tmp_path: Path) -> None:
    write(tmp_path, {"databricks.yml": "bundle: !!python/object/apply:os.system ['true']\n"})
    with pytest.raises(BundleError, match="not valid YAML"):
        load_bundle(tmp_path)


def test_targets_must_be_chosen_when_none_is_default(bundle_dir: Path) -> None:
    path = bundle_dir / "databricks.yml"
    path.write_text(path.read_text().replace("default: true", "default: false"))
    with pytest.raises(BundleError, match="no target selected"):
        load_bundle(bundle_dir)
    with pytest.raises(BundleError, match="'qa' is not defined"):
        load_bundle(bundle_dir, target="qa")


TEMPLATE_ROOT = """
    bundle:
      name: taxi
      uuid: 7e3b2d52-1b1c-4c3a-9b0e-2f4d5c6b7a80
    include: [resources/*.yml]
    variables:
      catalog_name: {default: main}
    targets:
      dev:
        default: true
        mode: development
        workspace: {host: null}
        resources:
          jobs:
            train:
              max_concurrent_runs: 2
              retry_policy: always
"""
TEMPLATE_JOBS = """
    new_cluster: &new_cluster
      new_cluster:
        num_workers: 3
        spark_version: 15.3.x-cpu-ml-scala2.12
    common_permissions: &permissions
      permissions:
        - level: CAN_VIEW
          group_name: users
    shared_parameters: &params
      env: ${bundle.target}
      catalog: ${var.catalog_name}
    resources:
      jobs:
        train:
          name: ${bundle.target}-train
          job_clusters:
            - job_cluster_key: train_cluster
              <<: *new_cluster
          tasks:
            - task_key: Train
              job_cluster_key: train_cluster
              notebook_task:
                notebook_path: ../src/train
                base_parameters: *params
            - task_key: Check
              depends_on: [{task_key: Train}]
              condition_task: {op: EQUAL_TO, left: "1", right: "1"}
              git_source_info: url:x
            - task_key: Score
              <<: *new_cluster
              depends_on: [{task_key: Check, outcome: "true"}]
              notebook_task:
                notebook_path: ../src/train
                base_parameters: *params
          <<: *permissions
"""
TEMPLATE_ARTIFACTS = """
    grants: &grants
      grants:
        - privileges: [EXECUTE]
          principal: account users
    resources:
      registered_models:
        model:
          name: taxi_model
          catalog_name: ${var.catalog_name}
          schema_name: taxi
          comment: for ${bundle.target}
          <<: *grants
      experiments:
        experiment:
          name: /Users/${workspace.current_user.userName}/${bundle.target}-taxi
          description: runs of the taxi project
          artifact_location: dbfs:/x
"""


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    return write(
        tmp_path / "taxi",
        {
            "databricks.yml": TEMPLATE_ROOT,
            "resources/jobs.yml": TEMPLATE_JOBS,
            "resources/artifacts.yml": TEMPLATE_ARTIFACTS,
            "src/train.py": "print('train')\n",
        },
    )


def test_anchors_aliases_and_merge_keys_load_anywhere(template_dir: Path) -> None:
    bundle = load_bundle(template_dir)
    train = bundle.job("train")
    assert [t.task_key for t in train.tasks] == ["Train", "Check", "Score"]
    assert train.tasks[0].notebook_task is not None and train.tasks[2].notebook_task is not None
    assert train.tasks[0].notebook_task.base_parameters == {"env": "dev", "catalog": "main"}
    assert train.tasks[2].notebook_task.base_parameters == {"env": "dev", "catalog": "main"}
    assert train.tasks[2].new_cluster == {
        "num_workers": 3,
        "spark_version": "15.3.x-cpu-ml-scala2.12",
    }
    assert train.job_clusters[0]["new_cluster"]["num_workers"] == 3
    assert train.permissions == [{"level": "CAN_VIEW", "group_name": "users"}]
    assert train.max_concurrent_runs == 2
    model = bundle.resources.registered_models["model"]
    assert model.full_name == "main.taxi.taxi_model" and model.comment == "for dev"
    assert bundle.resources.experiments["experiment"].name == "/Users/lakeforge/dev-taxi"


def test_unknown_keys_are_warnings_with_file_and_yaml_path(template_dir: Path) -> None:
    notes = [n for n in load_bundle(template_dir).notes if n.kind == "unknown_field"]
    assert [n.line() for n in notes] == [
        "resources/artifacts.yml: grants: unknown field, ignored",
        "resources/artifacts.yml: resources.experiments.experiment.artifact_location: unknown "
        "field, ignored",
        "resources/jobs.yml: new_cluster: unknown field, ignored",
        "resources/jobs.yml: common_permissions: unknown field, ignored",
        "resources/jobs.yml: shared_parameters: unknown field, ignored",
        "resources/jobs.yml: resources.jobs.train.tasks[1].git_source_info: unknown field, ignored",
        "databricks.yml: targets.dev.resources (resources.jobs.train.retry_policy): unknown "
        "field, ignored",
    ]


def test_cluster_settings_are_reported_once(template_dir: Path) -> None:
    notes = [n for n in load_bundle(template_dir).notes if n.kind == "not_applicable"]
    assert len(notes) == 1
    line = notes[0].line()
    assert "job_clusters x1" in line and "new_cluster x1" in line and "job_cluster_key x1" in line
    assert "not applicable on one machine" in line


def test_permissions_and_grants_are_reported_one_line_each(template_dir: Path) -> None:
    notes = [n.line() for n in load_bundle(template_dir).notes if n.kind == "not_applied"]
    assert notes == [
        "resources/jobs.yml: resources.jobs.train.permissions: 1 entry not applied (lakeforge "
        "has no governance layer yet)",
        "resources/artifacts.yml: resources.registered_models.model.grants: 1 entry not applied "
        "(lakeforge has no governance layer yet)",
    ]  # in resource-kind order


def test_a_wrong_type_is_still_an_error(template_dir: Path) -> None:
    path = template_dir / "resources" / "jobs.yml"
    path.write_text(path.read_text().replace("name: ${bundle.target}-train", "name: [a, b]"))
    with pytest.raises(BundleError, match=r"resources\.jobs\.train\.name"):
        load_bundle(template_dir)


def test_git_values_outside_a_checkout_are_empty_with_a_note(tmp_path: Path) -> None:
    root = write(
        tmp_path / "nogit",
        {
            "databricks.yml": """
                bundle: {name: g}
                resources:
                  jobs:
                    j:
                      tasks:
                        - task_key: t
                          spark_python_task:
                            python_file: ./t.py
                            parameters: ["u:${bundle.git.origin_url};c:${bundle.git.commit}"]
            """,
            "t.py": "print(1)\n",
        },
    )
    bundle = load_bundle(root)
    task = bundle.job("j").tasks[0].spark_python_task
    assert task is not None and task.parameters == ["u:;c:"]
    notes = [n.path for n in bundle.notes if n.path.startswith("bundle.git")]
    assert notes == ["bundle.git.origin_url", "bundle.git.commit"]
