"""The model registry on the catalog: names, signatures (guardrail 4), statuses, aliases, copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _logged_models import Logged, log_signature_variants

from lakeforge.errors import (
    AliasNotFoundError,
    CatalogNotFoundError,
    ConfigurationError,
    InvalidAliasError,
    InvalidNameError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    RegistrationError,
    RegistrationTimeoutError,
    SchemaNotFoundError,
    SignatureRequiredError,
    StagesUnsupportedError,
    UnsafeOperationError,
    ValidationError,
)
from lakeforge.models import registry as registry_module
from lakeforge.models import tracking
from lakeforge.models.alias import check_version, parse_model_uri, validate_alias
from lakeforge.models.registry import Registry, check_signature
from lakeforge.settings import resolve_settings
from lakeforge.tables.workspace import Workspace

# Importing mlflow.pyfunc (which log_model does) warns about its own type hints once per process.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]


@pytest.fixture
def reg(ws: Workspace, mlflow_db_template: Path) -> Registry:
    """A registry on a fresh workspace with catalogs dev and prod, each with schema ml."""
    shutil.copyfile(mlflow_db_template, ws.settings.mlflow_db)
    for catalog in ("dev", "prod"):
        ws.catalogs.create(catalog)
        ws.schemas.create(catalog, "ml")
    return Registry(ws)


@pytest.fixture
def logged(reg: Registry) -> Logged:
    with tracking.start_run(reg.settings, "churn") as run:
        return log_signature_variants(run.run_id)


# -- names --------------------------------------------------------------------------------------


def test_register_returns_a_ready_version_under_a_lowercased_three_level_name(
    reg: Registry, logged: Logged
) -> None:
    first = reg.register_model(logged.good, "Dev.ML.Churn", tags={"team": "growth"})
    second = reg.register_model(logged.good, "dev.ml.churn")
    assert (first.name, first.version, first.status) == ("dev.ml.churn", 1, "READY")
    assert second.version == 2
    assert first.tags == {"team": "growth"}
    assert first.run_id == logged.run_id
    assert first.uri == "models:/dev.ml.churn/1"
    assert [m.name for m in reg.list_models()] == ["dev.ml.churn"]


def test_short_names_take_the_current_catalog_and_schema(
    ws: Workspace, reg: Registry, logged: Logged
) -> None:
    assert reg.register_model(logged.good, "churn").name == "main.default.churn"
    ws.schemas.create("main", "ml")
    assert reg.register_model(logged.good, "ml.churn").name == "main.ml.churn"
    assert reg.get_version("main.default.churn", 1).version == 1


def test_catalog_and_schema_must_exist_and_errors_name_what_exists(
    reg: Registry, logged: Logged
) -> None:
    with pytest.raises(CatalogNotFoundError, match=r"'nope'.*dev, main, prod"):
        reg.register_model(logged.good, "nope.ml.churn")
    with pytest.raises(SchemaNotFoundError, match=r"'dev.gold'.*dev.default, dev.ml"):
        reg.register_model(logged.good, "dev.gold.churn")
    assert reg.list_models() == []


@pytest.mark.parametrize(
    ("name", "part"),
    [("dev.ml.a:b", "a:b"), ("dev.ml.a@b", "a@b"), ("a.b.c.d", "c.d"), ("dev.ml.a b", "a b")],
)
def test_model_names_the_registry_cannot_carry_are_refused(
    reg: Registry, logged: Logged, name: str, part: str
) -> None:
    with pytest.raises(InvalidNameError) as caught:
        reg.register_model(logged.good, name)
    assert repr(part) in str(caught.value)
    assert reg.list_models() == []


def test_names_with_quotes_can_be_listed(reg: Registry, logged: Logged) -> None:
    reg.register_model(logged.good, "dev.ml.o'neil")
    assert [v.version for v in reg.list_versions("dev.ml.o'neil")] == [1]
    with pytest.raises(InvalidNameError, match="both"):
        reg.register_model(logged.good, "dev.ml.o'ne\"il")


# -- guardrail 4: signature with inputs and outputs ----------------------------------------------


def test_model_without_signature_is_refused_before_anything_is_registered(
    reg: Registry, logged: Logged
) -> None:
    with pytest.raises(SignatureRequiredError) as caught:
        reg.register_model(logged.unsigned, "dev.ml.churn")
    message = str(caught.value)
    assert logged.unsigned in message
    assert "without a signature" in message
    assert "signature=" in message and "input_example" in message and "output_schema=" in message
    assert caught.value.model_uri == logged.unsigned
    assert reg.list_models() == []


def test_signature_with_inputs_only_is_refused(reg: Registry, logged: Logged) -> None:
    with pytest.raises(SignatureRequiredError, match=r"inputs only \(no outputs\)") as caught:
        reg.register_model(logged.inputs_only, "dev.ml.churn")
    assert logged.inputs_only in str(caught.value)
    assert "output_schema=" in str(caught.value)
    assert reg.list_models() == []


def test_signature_with_outputs_only_is_refused() -> None:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    outputs_only = ModelSignature(inputs=None, outputs=Schema([ColSpec("double")]))
    with pytest.raises(SignatureRequiredError, match="outputs only"):
        check_signature("runs:/r/m", outputs_only)


def test_unreadable_source_is_a_clear_error(reg: Registry) -> None:
    with pytest.raises(ValidationError, match=r"cannot read a model at 'runs:/0123abc/model'"):
        reg.register_model("runs:/0123abc/model", "dev.ml.churn")
    assert reg.list_models() == []


# -- statuses ------------------------------------------------------------------------------------


def _patch_status(monkeypatch: pytest.MonkeyPatch, status: str, message: str | None) -> None:
    from mlflow import MlflowClient

    def fake(self: Any, name: str, version: str) -> Any:
        return SimpleNamespace(status=status, status_message=message)

    monkeypatch.setattr(MlflowClient, "get_model_version", fake)


def test_failed_registration_is_an_error(
    reg: Registry, logged: Logged, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_status(monkeypatch, "FAILED_REGISTRATION", "artifact upload failed")
    with pytest.raises(RegistrationError, match="artifact upload failed") as caught:
        reg.register_model(logged.good, "dev.ml.churn")
    assert (caught.value.name, caught.value.version) == ("dev.ml.churn", 1)
    assert not caught.value.retryable


def test_version_still_pending_at_the_deadline_is_a_retryable_error(
    reg: Registry, logged: Logged, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_status(monkeypatch, "PENDING_REGISTRATION", None)
    with pytest.raises(
        RegistrationTimeoutError, match=r"still PENDING_REGISTRATION after 0\.2s"
    ) as caught:
        reg.register_model(logged.good, "dev.ml.churn", await_registration_for=0.2)
    assert caught.value.retryable
    assert "await_registration_for" in str(caught.value)


@pytest.mark.parametrize("seconds", [-1, "10", True, float("nan")])
def test_await_registration_for_must_be_seconds(
    reg: Registry, logged: Logged, seconds: object
) -> None:
    with pytest.raises(ValidationError, match="await_registration_for"):
        reg.register_model(logged.good, "dev.ml.churn", await_registration_for=seconds)  # type: ignore[arg-type]


# -- aliases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "problem"),
    [
        ("", "is empty"),
        ("champ ion", "contains ' '"),
        ("champ.ion", "contains '.'"),
        ("champ\n", "contains '\\n'"),
        ("x" * 256, "256 characters, over 255"),
        ("latest", "reserved"),
        ("LaTeSt", "reserved"),
        ("v1", "version reference"),
        ("V42", "version reference"),
        (7, "is not text"),
    ],
)
def test_alias_rules(alias: object, problem: str) -> None:
    with pytest.raises(InvalidAliasError) as caught:
        validate_alias(alias)
    message = str(caught.value)
    assert problem in message
    long = isinstance(alias, str) and len(alias) > 255
    assert repr(alias[:40] + "..." if long else alias) in message  # type: ignore[index]
    assert "'champion'" in message  # the fix shows a valid example


@pytest.mark.parametrize(
    "alias", ["champion", "Champion", "a-b_c", "v", "vx1", "latest2", "x" * 255]
)
def test_valid_aliases_pass_unchanged(alias: str) -> None:
    assert validate_alias(alias) == alias


def test_alias_points_at_one_version_and_setting_moves_it(reg: Registry, logged: Logged) -> None:
    for _ in range(3):
        reg.register_model(logged.good, "dev.ml.churn")
    first = reg.set_alias("dev.ml.churn", "champion", 1)
    assert (first.version, first.previous_version) == (1, None)
    moved = reg.set_alias("dev.ml.churn", "champion", "2")
    assert (moved.name, moved.alias, moved.version, moved.previous_version) == (
        "dev.ml.churn",
        "champion",
        2,
        1,
    )
    reg.set_alias("dev.ml.churn", "challenger", 2)
    assert reg.get_version_by_alias("dev.ml.churn", "champion").version == 2
    assert reg.get_version("dev.ml.churn", 2).aliases == ("challenger", "champion")
    assert reg.get_version("dev.ml.churn", 1).aliases == ()
    assert reg.describe_model("dev.ml.churn").aliases == {"challenger": 2, "champion": 2}


def test_aliases_are_case_sensitive_and_a_near_miss_is_named(reg: Registry, logged: Logged) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    reg.register_model(logged.good, "dev.ml.churn")
    reg.set_alias("dev.ml.churn", "Champion", 1)
    reg.set_alias("dev.ml.churn", "champion", 2)
    assert reg.resolve_uri("models:/dev.ml.churn@Champion") == ("dev.ml.churn", 1)
    assert reg.resolve_uri("models:/dev.ml.churn@champion") == ("dev.ml.churn", 2)
    reg.delete_alias("dev.ml.churn", "champion")
    with pytest.raises(AliasNotFoundError, match="did you mean 'Champion'") as caught:
        reg.get_version_by_alias("dev.ml.churn", "champion")
    assert "'dev.ml.churn@champion'" in str(caught.value)


def test_invalid_alias_is_refused_before_touching_the_registry(
    reg: Registry, logged: Logged
) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    with pytest.raises(InvalidAliasError, match="'latest'"):
        reg.set_alias("dev.ml.churn", "latest", 1)
    with pytest.raises(InvalidAliasError, match="'v2'"):
        reg.set_alias("dev.ml.churn", "v2", 1)
    assert reg.describe_model("dev.ml.churn").aliases == {}


def test_alias_needs_an_existing_model_and_version(reg: Registry, logged: Logged) -> None:
    with pytest.raises(ModelNotFoundError, match=r"'dev.ml.churn'.*there are no registered models"):
        reg.set_alias("dev.ml.churn", "champion", 1)
    reg.register_model(logged.good, "dev.ml.churn")
    with pytest.raises(
        ModelVersionNotFoundError, match=r"'dev.ml.churn/5'.*versions of that model: 1"
    ):
        reg.set_alias("dev.ml.churn", "champion", 5)
    with pytest.raises(ValidationError, match="'zero' is not a version number"):
        reg.set_alias("dev.ml.churn", "champion", "zero")


def test_delete_alias_reports_the_version_and_unknown_aliases_are_named(
    reg: Registry, logged: Logged
) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    reg.set_alias("dev.ml.churn", "champion", 1)
    assert reg.delete_alias("dev.ml.churn", "champion") == 1
    with pytest.raises(
        AliasNotFoundError, match=r"there are no aliases of that model yet"
    ) as caught:
        reg.delete_alias("dev.ml.churn", "champion")
    assert "lakeforge models alias set dev.ml.churn champion VERSION" in str(caught.value)


# -- deleting ------------------------------------------------------------------------------------


def test_deleting_a_version_with_aliases_needs_force_and_reports_them(
    reg: Registry, logged: Logged
) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    reg.register_model(logged.good, "dev.ml.churn")
    reg.set_alias("dev.ml.churn", "champion", 1)
    reg.set_alias("dev.ml.churn", "backup", 1)
    with pytest.raises(UnsafeOperationError) as caught:
        reg.delete_version("dev.ml.churn", 1)
    message = str(caught.value)
    assert "backup, champion" in message and "force=True" in message
    assert reg.describe_model("dev.ml.churn").aliases == {"backup": 1, "champion": 1}
    assert reg.delete_version("dev.ml.churn", 1, force=True) == ("backup", "champion")
    described = reg.describe_model("dev.ml.churn")
    assert described.aliases == {}
    assert [v.version for v in described.versions] == [2]
    assert reg.delete_version("dev.ml.churn", 2) == ()
    with pytest.raises(ModelVersionNotFoundError):
        reg.get_version("dev.ml.churn", 2)


def test_deleting_a_model_with_aliases_needs_force(reg: Registry, logged: Logged) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    reg.set_alias("dev.ml.churn", "champion", 1)
    with pytest.raises(UnsafeOperationError, match="champion"):
        reg.delete_model("dev.ml.churn")
    assert reg.delete_model("dev.ml.churn", force=True) == ("champion",)
    assert reg.list_models() == []


# -- tags, listing, describing -------------------------------------------------------------------


def test_model_and_version_tags(reg: Registry, logged: Logged) -> None:
    reg.register_model(logged.good, "dev.ml.churn", tags={"owner": "ana"})
    reg.set_model_tag("dev.ml.churn", "domain", "growth")
    reg.set_version_tag("dev.ml.churn", 1, "validated", "yes")
    assert reg.describe_model("dev.ml.churn").tags == {"domain": "growth"}
    assert reg.get_version("dev.ml.churn", 1).tags == {"owner": "ana", "validated": "yes"}
    reg.delete_model_tag("dev.ml.churn", "domain")
    reg.delete_model_tag("dev.ml.churn", "never-set")
    reg.delete_version_tag("dev.ml.churn", 1, "owner")
    reg.delete_version_tag("dev.ml.churn", 1, "never-set")
    assert reg.describe_model("dev.ml.churn").tags == {}
    assert reg.get_version("dev.ml.churn", 1).tags == {"validated": "yes"}
    with pytest.raises(ValidationError, match=r"tag 'n' has a non-string value 3"):
        reg.set_version_tag("dev.ml.churn", 1, "n", 3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="tag key ''"):
        reg.set_model_tag("dev.ml.churn", "", "x")


def test_list_models_by_workspace_catalog_and_schema(reg: Registry, logged: Logged) -> None:
    for name in ("dev.ml.churn", "dev.ml.ltv", "prod.ml.churn", "dev.default.x"):
        reg.register_model(logged.good, name)
    tracking.client(reg.settings).create_registered_model("not_three_level")
    assert [m.name for m in reg.list_models()] == [
        "dev.default.x",
        "dev.ml.churn",
        "dev.ml.ltv",
        "prod.ml.churn",
    ]
    assert [m.name for m in reg.list_models("dev")] == [
        "dev.default.x",
        "dev.ml.churn",
        "dev.ml.ltv",
    ]
    assert [m.name for m in reg.list_models("prod", "ml")] == ["prod.ml.churn"]
    assert reg.list_models("main") == []
    with pytest.raises(CatalogNotFoundError, match="'qa'"):
        reg.list_models("qa")
    with pytest.raises(SchemaNotFoundError, match=r"'dev.gold'.*dev.default, dev.ml"):
        reg.list_models("dev", "gold")


def test_describe_model_shows_versions_aliases_tags_and_latest(
    reg: Registry, logged: Logged
) -> None:
    for _ in range(3):
        reg.register_model(logged.good, "dev.ml.churn")
    reg.set_alias("dev.ml.churn", "champion", 2)
    reg.set_model_tag("dev.ml.churn", "domain", "growth")
    info = reg.describe_model("dev.ml.churn")
    assert (info.name, info.latest_version, info.aliases, info.tags) == (
        "dev.ml.churn",
        3,
        {"champion": 2},
        {"domain": "growth"},
    )
    assert [(v.version, v.status, v.aliases) for v in info.versions] == [
        (1, "READY", ()),
        (2, "READY", ("champion",)),
        (3, "READY", ()),
    ]
    assert [v.version for v in reg.list_versions("dev.ml.churn")] == [1, 2, 3]
    assert reg.list_models()[0].versions == ()  # listing stays cheap
    with pytest.raises(
        ModelNotFoundError, match=r"'dev.ml.nope'.*registered models in that schema: dev.ml.churn"
    ):
        reg.describe_model("dev.ml.nope")


# -- URIs ----------------------------------------------------------------------------------------


def test_resolve_uri_by_version_and_alias(reg: Registry, logged: Logged) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    reg.register_model(logged.good, "dev.ml.churn")
    reg.set_alias("dev.ml.churn", "champion", 2)
    assert reg.resolve_uri("models:/dev.ml.churn/1") == ("dev.ml.churn", 1)
    assert reg.resolve_uri("models:/Dev.ML.Churn@champion") == ("dev.ml.churn", 2)
    with pytest.raises(ModelVersionNotFoundError, match=r"'dev\.ml\.churn/9'"):
        reg.resolve_uri("models:/dev.ml.churn/9")
    with pytest.raises(AliasNotFoundError, match=r"'dev\.ml\.churn@challenger'"):
        reg.resolve_uri("models:/dev.ml.churn@challenger")


@pytest.mark.parametrize(
    ("uri", "error", "text"),
    [
        ("models:/dev.ml.churn/Production", StagesUnsupportedError, "@champion"),
        ("models:/dev.ml.churn/latest", StagesUnsupportedError, "no stages"),
        ("models:/m-0123456789abcdef", ValidationError, "neither a version nor an alias"),
        ("runs:/abc/model", ValidationError, "not a registry model URI"),
        ("models:/dev.ml.churn@", InvalidAliasError, "is empty"),
        ("models:/dev.ml.churn@v3", InvalidAliasError, "version reference"),
        ("models:/dev.ml.churn/0", ValidationError, "not a version number"),
        ("models:/a/b/c", ValidationError, "neither a version nor an alias"),
    ],
)
def test_malformed_model_uris(uri: str, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text) as caught:
        parse_model_uri(uri)
    assert repr(uri) in str(caught.value) or isinstance(caught.value, InvalidAliasError)


@pytest.mark.parametrize("bad", [0, -3, "x", "1.5", 1.5, True, None, "٣"])
def test_version_numbers_are_positive_integers(bad: object) -> None:
    with pytest.raises(ValidationError, match="is not a version number"):
        check_version(bad)


def test_version_numbers_accept_text_digits() -> None:
    assert check_version(" 12 ") == 12
    assert check_version(3) == 3


# -- promotion across catalogs -------------------------------------------------------------------


def test_copy_model_version_promotes_across_catalogs_with_tags(
    reg: Registry, logged: Logged
) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    reg.register_model(logged.good, "dev.ml.churn", tags={"validated": "yes"})
    reg.set_alias("dev.ml.churn", "champion", 2)
    copied = reg.copy_model_version("models:/dev.ml.churn@champion", "Prod.ML.Churn")
    assert (copied.name, copied.version, copied.status) == ("prod.ml.churn", 1, "READY")
    assert copied.source == "models:/dev.ml.churn/2"
    assert copied.tags == {"validated": "yes"}
    assert copied.run_id == logged.run_id
    again = reg.copy_model_version("models:/dev.ml.churn/1", "prod.ml.churn")
    assert again.version == 2
    import mlflow

    loaded = mlflow.pyfunc.load_model("models:/prod.ml.churn/1")
    assert loaded.metadata.signature.outputs is not None


def test_copy_keeps_the_signature_requirement(reg: Registry, logged: Logged) -> None:
    # A version written past the workspace store's rules (MLflow's own SQLite store on the same
    # file, e.g. before lakeforge's plugin) cannot be promoted without a signature.
    from mlflow import MlflowClient

    bypass = MlflowClient(registry_uri=f"sqlite:///{reg.settings.mlflow_db}")
    bypass.create_registered_model("dev.ml.legacy")
    bypass.create_model_version("dev.ml.legacy", logged.unsigned, run_id=logged.run_id)
    with pytest.raises(SignatureRequiredError, match=r"'models:/dev.ml.legacy/1'"):
        reg.copy_model_version("models:/dev.ml.legacy/1", "prod.ml.legacy")
    assert reg.list_models("prod") == []


def test_copy_checks_source_and_destination(reg: Registry, logged: Logged) -> None:
    reg.register_model(logged.good, "dev.ml.churn")
    with pytest.raises(ModelVersionNotFoundError, match=r"'dev\.ml\.churn/4'"):
        reg.copy_model_version("models:/dev.ml.churn/4", "prod.ml.churn")
    with pytest.raises(SchemaNotFoundError, match=r"'prod\.gold'"):
        reg.copy_model_version("models:/dev.ml.churn/1", "prod.gold.churn")
    with pytest.raises(StagesUnsupportedError):
        reg.copy_model_version("models:/dev.ml.churn/Staging", "prod.ml.churn")
    assert reg.list_models("prod") == []


# -- no stages; registry URI ---------------------------------------------------------------------


def test_stage_apis_are_refused_with_a_pointer_to_aliases(reg: Registry) -> None:
    calls = [
        lambda: registry_module.transition_model_version_stage("dev.ml.churn", 1, "Production"),
        lambda: registry_module.get_latest_versions("dev.ml.churn", stages=["Production"]),
        lambda: reg.transition_model_version_stage("dev.ml.churn", 1, "Production"),
        lambda: reg.get_latest_versions("dev.ml.churn"),
    ]
    for call in calls:
        with pytest.raises(StagesUnsupportedError) as caught:
            call()
        message = str(caught.value)
        assert "no stages" in message
        assert "set_alias" in message and "models:/catalog.schema.model@champion" in message


def test_databricks_uc_registry_uri_means_the_workspace_registry(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Registry(ws, registry_uri="databricks-uc").settings.registry_uri == (
        ws.settings.tracking_uri
    )
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "databricks-uc")
    uc_settings = resolve_settings(ws.settings.workspace)
    assert uc_settings.mlflow_registry_uri is None
    assert uc_settings.registry_uri == uc_settings.tracking_uri == ws.settings.tracking_uri
    assert registry_module.registry_settings(uc_settings).registry_uri == uc_settings.tracking_uri
    with pytest.raises(ConfigurationError, match=r"registry_uri='databricks'") as caught:
        Registry(ws, registry_uri="databricks")
    assert "'databricks-uc'" in str(caught.value)


def test_importing_the_registry_does_not_import_mlflow() -> None:
    code = "import sys, lakeforge.models.registry; assert 'mlflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
