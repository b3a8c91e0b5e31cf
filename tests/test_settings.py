"""Settings: precedence, workspace resolution, validation and immutability."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lakeforge.errors import ConfigurationError
from lakeforge.settings import (
    CONFIG_FILE,
    Settings,
    find_workspace,
    mlflow_environment,
    resolve_settings,
    task_environment,
    workspace_from_mlflow_uri,
    workspace_mlflow_uri,
)
from lakeforge.tables.workspace import Workspace


def _workspace(tmp_path: Path, config: str = "") -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    if config:
        (root / CONFIG_FILE).write_text(config)
    return root


def test_defaults(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    s = resolve_settings(root, env={"USER": "alice"})
    assert s.workspace == root.resolve()
    assert s.metadata_url == f"sqlite:///{root.resolve() / 'catalog.db'}"
    assert s.current_catalog == "main"
    assert s.current_schema == "default"
    assert s.commit_timeout_s == 60.0
    assert s.user == "alice"
    assert s.mlflow_tracking_uri is None


def test_derived_paths(tmp_path: Path) -> None:
    s = resolve_settings(_workspace(tmp_path), env={})
    assert s.config_file == s.workspace / "lakeforge.toml"
    assert s.warehouse == s.workspace / "warehouse"
    assert s.catalog_db == s.workspace / "catalog.db"
    assert s.mlflow_db == s.workspace / "mlflow.db"
    assert s.mlartifacts == s.workspace / "mlartifacts"
    assert s.online_db == s.workspace / "online.db"
    assert s.runs_dir == s.workspace / "runs"


@pytest.mark.parametrize(
    ("name", "toml_value", "env_value", "arg_value", "expected"),
    [
        ("current_catalog", '"fromfile"', "fromenv", "fromarg", "fromarg"),
        ("current_schema", '"fromfile"', "fromenv", "fromarg", "fromarg"),
        ("commit_timeout_s", "10", "20", 30, 30.0),
        ("user", '"file-user"', "env-user", "arg-user", "arg-user"),
        (
            "metadata_url",
            '"sqlite:///file.db"',
            "sqlite:///env.db",
            "sqlite:///arg.db",
            "sqlite:///arg.db",
        ),
    ],
)
def test_precedence_argument_env_file_default(
    tmp_path: Path,
    name: str,
    toml_value: str,
    env_value: str,
    arg_value: object,
    expected: object,
) -> None:
    root = _workspace(tmp_path, f"{name} = {toml_value}\n")
    env_key = "LAKEFORGE_" + name.upper()
    default = getattr(resolve_settings(tmp_path / "empty", env={"USER": "default-user"}), name)

    with_arg = resolve_settings(root, env={env_key: env_value}, **{name: arg_value})
    with_env = resolve_settings(root, env={env_key: env_value})
    from_file = resolve_settings(root, env={})

    assert getattr(with_arg, name) == expected
    assert str(getattr(with_env, name)) == str(type(default)(env_value))
    file_value = getattr(from_file, name)
    assert str(file_value) == str(type(default)(toml_value.strip('"')))
    assert file_value != default


def test_empty_env_value_counts_as_unset(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'current_catalog = "fromfile"\n')
    assert resolve_settings(root, env={"LAKEFORGE_CURRENT_CATALOG": ""}).current_catalog == (
        "fromfile"
    )


def test_none_argument_falls_through_to_env(tmp_path: Path) -> None:
    s = resolve_settings(
        _workspace(tmp_path), env={"LAKEFORGE_CURRENT_SCHEMA": "raw"}, current_schema=None
    )
    assert s.current_schema == "raw"


def test_catalog_and_schema_are_lowercased_and_stripped(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'current_schema = "  Gold "\n')
    s = resolve_settings(root, env={"LAKEFORGE_CURRENT_CATALOG": "DEV"})
    assert (s.current_catalog, s.current_schema) == ("dev", "gold")


def test_mlflow_tracking_uri_from_env(tmp_path: Path) -> None:
    s = resolve_settings(_workspace(tmp_path), env={"MLFLOW_TRACKING_URI": "http://x:5000"})
    assert s.mlflow_tracking_uri == "http://x:5000"


def test_workspace_argument_wins_over_lakeforge_home(tmp_path: Path) -> None:
    env = {"LAKEFORGE_HOME": str(tmp_path / "home-ws")}
    assert find_workspace(tmp_path / "arg-ws", env) == (tmp_path / "arg-ws").resolve()
    assert resolve_settings(tmp_path / "arg-ws", env=env).workspace == (tmp_path / "arg-ws")


def test_lakeforge_home_wins_over_cwd(tmp_path: Path) -> None:
    env = {"LAKEFORGE_HOME": str(tmp_path / "home-ws")}
    assert find_workspace(None, env) == (tmp_path / "home-ws").resolve()
    assert find_workspace("", env) == (tmp_path / "home-ws").resolve()


def test_default_workspace_is_dot_lakeforge_in_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_workspace(None, {}) == (tmp_path / ".lakeforge").resolve()
    assert resolve_settings(env={}).workspace == (tmp_path / ".lakeforge").resolve()


def test_workspace_paths_expand_user_and_resolve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert find_workspace("~/ws", {}) == (tmp_path / "ws").resolve()
    assert find_workspace(None, {"LAKEFORGE_HOME": "~/h"}) == (tmp_path / "h").resolve()
    assert find_workspace(tmp_path / "a" / ".." / "b", {}) == (tmp_path / "b").resolve()


def test_settings_reads_os_environ_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEFORGE_HOME", str(tmp_path / "envhome"))
    monkeypatch.setenv("LAKEFORGE_CURRENT_SCHEMA", "fromosenv")
    s = resolve_settings()
    assert s.workspace == (tmp_path / "envhome").resolve()
    assert s.current_schema == "fromosenv"


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("LAKEFORGE_COMMIT_TIMEOUT_S", "abc"),
        ("LAKEFORGE_COMMIT_TIMEOUT_S", "0"),
        ("LAKEFORGE_COMMIT_TIMEOUT_S", "-5"),
        ("LAKEFORGE_COMMIT_TIMEOUT_S", "nan"),
        ("LAKEFORGE_COMMIT_TIMEOUT_S", "inf"),
        ("LAKEFORGE_CURRENT_CATALOG", "bad name"),
        ("LAKEFORGE_CURRENT_CATALOG", "a.b"),
        ("LAKEFORGE_CURRENT_SCHEMA", "a/b"),
        ("LAKEFORGE_CURRENT_SCHEMA", "x\x7f"),
        ("LAKEFORGE_CURRENT_SCHEMA", "s" * 256),
        ("LAKEFORGE_USER", "   "),
    ],
)
def test_bad_env_values_name_the_setting_and_value(tmp_path: Path, source: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(_workspace(tmp_path), env={source: value})
    err = info.value
    assert err.setting == source
    assert err.value == value
    assert source in str(err)
    assert repr(value)[:50] in str(err)
    assert "Fix:" in str(err)


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("commit_timeout_s = true", "commit_timeout_s", True),
        ("commit_timeout_s = -1", "commit_timeout_s", -1),
        ('commit_timeout_s = "soon"', "commit_timeout_s", "soon"),
        ("commit_timeout_s = inf", "commit_timeout_s", float("inf")),
        ("user = 5", "user", 5),
        ('current_catalog = ""', "current_catalog", ""),
        ('current_schema = "my schema"', "current_schema", "my schema"),
        ("metadata_url = [1]", "metadata_url", [1]),
    ],
)
def test_bad_config_file_values_name_the_key_and_value(
    tmp_path: Path, line: str, key: str, value: object
) -> None:
    root = _workspace(tmp_path, line + "\n")
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(root, env={})
    assert info.value.setting == f"lakeforge.toml:{key}"
    assert info.value.value == value
    assert key in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("commit_timeout_s", 0), ("commit_timeout_s", False), ("current_schema", "a.b")],
)
def test_bad_argument_values_name_the_setting(tmp_path: Path, name: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(_workspace(tmp_path), env={}, **{name: value})
    assert info.value.setting == name
    assert f"{name}={value!r}" in str(info.value)


def test_numeric_timeout_strings_and_ints_are_accepted(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "commit_timeout_s = 5\n")
    assert resolve_settings(root, env={}).commit_timeout_s == 5.0
    env = {"LAKEFORGE_COMMIT_TIMEOUT_S": " 2.5 "}
    assert resolve_settings(root, env=env).commit_timeout_s == 2.5


def test_unknown_config_file_keys_are_rejected(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 'user = "x"\ncomit_timeout = 3\n[extra]\na = 1\n')
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(root, env={})
    assert info.value.value == ["comit_timeout", "extra"]
    assert "unknown keys" in str(info.value)
    assert "commit_timeout_s" in str(info.value)  # the allowed keys are listed


def test_unparseable_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "user = \n")
    with pytest.raises(ConfigurationError, match="TOML"):
        resolve_settings(root, env={})


def test_config_file_that_is_a_directory_is_rejected(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    (root / CONFIG_FILE).mkdir()
    with pytest.raises(ConfigurationError, match="not a regular file"):
        resolve_settings(root, env={})


def test_config_file_written_by_init_is_valid(ws: Workspace) -> None:
    assert ws.settings.config_file.is_file()
    resolved = resolve_settings(ws.settings.workspace, env={})
    assert resolved.current_catalog == "main"
    assert resolved.metadata_url == ws.settings.metadata_url


def test_unknown_override_is_a_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unknown settings"):
        resolve_settings(tmp_path, env={}, current_catalogue="x")


def test_settings_is_frozen_and_hashable(tmp_path: Path) -> None:
    s = resolve_settings(_workspace(tmp_path), env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.current_catalog = "other"  # type: ignore[misc]
    assert hash(s) == hash(resolve_settings(tmp_path / "ws", env={}))
    assert s == dataclasses.replace(s)
    assert isinstance(s, Settings)


# -- MLflow: lakeforge: URIs and binding ---------------------------------------------------------

B, T, R = "LAKEFORGE_MLFLOW_URI", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"


def test_workspace_mlflow_uri_round_trips_odd_paths(tmp_path: Path) -> None:
    root = tmp_path / "my ws#1%"
    uri = workspace_mlflow_uri(root)
    assert uri == f"lakeforge://{tmp_path}/my%20ws%231%25"
    assert workspace_from_mlflow_uri(uri) == root
    assert workspace_from_mlflow_uri(f"lakeforge:{tmp_path}/x") == tmp_path / "x"


def test_empty_lakeforge_uri_means_the_default_workspace(tmp_path: Path) -> None:
    home = {"LAKEFORGE_HOME": str(tmp_path / "home-ws")}
    for uri in ("lakeforge://", "lakeforge:"):
        assert workspace_from_mlflow_uri(uri, home) == (tmp_path / "home-ws").resolve()
        assert workspace_from_mlflow_uri(uri, {}) == (Path.cwd() / ".lakeforge").resolve()


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("sqlite:///x.db", "is not a lakeforge: URI"),
        ("lakeforge://host/ws", "names a host"),
        ("lakeforge:///ws?x=1", "names a host, query"),
        ("lakeforge:relative/ws", "relative path"),
    ],
)
def test_bad_lakeforge_uris_say_what_to_write(uri: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as caught:
        workspace_from_mlflow_uri(uri)
    assert "lakeforge:///<absolute workspace path>" in str(caught.value)


def test_settings_point_mlflow_at_the_workspace_uri(tmp_path: Path) -> None:
    s = resolve_settings(tmp_path / "ws", env={})
    assert s.tracking_uri == s.registry_uri == f"lakeforge://{tmp_path / 'ws'}"


def test_binding_sets_both_uris_and_records_them(tmp_path: Path) -> None:
    uri = f"lakeforge://{tmp_path / 'ws'}"
    changes = mlflow_environment(tmp_path / "ws", {})
    assert changes == {
        T: uri,
        R: uri,
        B: uri,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    allowed = mlflow_environment(tmp_path / "ws", {"LAKEFORGE_MLFLOW_TELEMETRY": "1"})
    assert "MLFLOW_DISABLE_TELEMETRY" not in allowed


def test_lakeforge_binding_is_not_read_back_as_the_users(tmp_path: Path) -> None:
    first = f"lakeforge://{tmp_path / 'one'}"
    bound = {T: first, R: first, B: first}
    settings = resolve_settings(tmp_path / "two", env=bound)
    assert settings.mlflow_tracking_uri is None and settings.mlflow_registry_uri is None
    assert settings.tracking_uri == f"lakeforge://{tmp_path / 'two'}"
    changes = mlflow_environment(tmp_path / "two", bound)
    assert changes[T] == changes[R] == changes[B] == settings.tracking_uri  # rebinds


def test_reference_uris_mean_the_workspace(tmp_path: Path) -> None:
    env = {T: "databricks", R: "databricks-uc"}
    settings = resolve_settings(tmp_path / "ws", env=env)
    assert settings.mlflow_tracking_uri is None and settings.mlflow_registry_uri is None
    assert mlflow_environment(tmp_path / "ws", env)[R] == settings.registry_uri


def test_a_users_uris_stay(tmp_path: Path) -> None:
    assert set(mlflow_environment(tmp_path, {T: "http://x:5000", "DO_NOT_TRACK": "1"})) == {
        "MLFLOW_DISABLE_TELEMETRY"
    }
    only_registry = mlflow_environment(tmp_path, {R: "sqlite:////r.db"})
    assert R not in only_registry and only_registry[T] == workspace_mlflow_uri(tmp_path)
    # The user chose a tracking URI after lakeforge bound both: MLflow derives the registry
    # from the user's tracking URI again, so lakeforge's registry URI goes.
    stale = workspace_mlflow_uri(tmp_path / "old")
    after = mlflow_environment(tmp_path, {T: "http://x:5000", R: stale, B: stale})
    assert after[R] is None and T not in after


def test_task_environment_carries_the_workspace_mlflow_uri(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = task_environment(ws.settings, {"X": "1"})
    assert env[T] == env[R] == env[B] == ws.settings.tracking_uri
    assert env["LAKEFORGE_HOME"] == str(ws.settings.workspace) and env["X"] == "1"
    monkeypatch.setenv(T, "http://x:5000")
    assert task_environment(ws.settings, {})[T] == "http://x:5000"
