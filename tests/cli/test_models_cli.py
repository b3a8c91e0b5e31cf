"""``lakeforge models`` end to end: real logged models, JSON output, exit codes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli import cli

from lakeforge.cli import exit_codes
from lakeforge.models import tracking
from lakeforge.models.registry import Registry
from lakeforge.tables.workspace import Workspace

# Importing mlflow.pyfunc (which log_model does) warns about its own type hints once per process.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    pytest.mark.usefixtures("fresh_mlflow"),
]


def run_json(ws: Path, *args: str) -> object:
    code, out = cli(ws, *args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def cws(tmp_path: Path, mlflow_db_template: Path) -> Iterator[Path]:
    """A CLI workspace with dev.ml and prod.ml, and dev.ml.churn versions 1 and 2."""
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LinearRegression

    path = tmp_path / "cliws"
    assert cli(path, "init")[0] == 0
    shutil.copyfile(mlflow_db_template, path / "mlflow.db")
    for catalog in ("dev", "prod"):
        assert cli(path, "catalogs", "create", catalog)[0] == 0
        assert cli(path, "schemas", "create", f"{catalog}.ml")[0] == 0
    x = pd.DataFrame({"age": [20.0, 30.0, 40.0]})
    model = LinearRegression().fit(x, np.array([1.0, 2.0, 3.0]))
    ws = Workspace.open(path)
    with tracking.start_run(ws.settings, "churn"):
        info = mlflow.sklearn.log_model(
            model, name="model", signature=infer_signature(x, model.predict(x)), pip_requirements=[]
        )
    registry = Registry(ws)
    registry.register_model(info.model_uri, "dev.ml.churn")
    registry.register_model(info.model_uri, "dev.ml.churn", tags={"validated": "yes"})
    yield path
    ws.close()


def test_list_versions_and_describe(cws: Path) -> None:
    listed = run_json(cws, "models", "list")
    assert [(m["name"], m["latest_version"]) for m in listed] == [("dev.ml.churn", 2)]  # type: ignore[union-attr,index]
    assert run_json(cws, "models", "list", "dev.ml") == listed
    assert run_json(cws, "models", "list", "--catalog", "prod") == []
    versions = run_json(cws, "models", "versions", "dev.ml.churn")
    assert [(v["version"], v["status"], v["uri"]) for v in versions] == [  # type: ignore[union-attr,index]
        (1, "READY", "models:/dev.ml.churn/1"),
        (2, "READY", "models:/dev.ml.churn/2"),
    ]
    described = run_json(cws, "models", "describe", "Dev.ML.Churn")
    assert isinstance(described, dict)
    assert (described["name"], described["latest_version"]) == ("dev.ml.churn", 2)
    assert described["versions"][1]["tags"] == {"validated": "yes"}
    assert described["created_at"].endswith("+00:00")


def test_alias_set_moves_and_delete_reports(cws: Path) -> None:
    first = run_json(cws, "models", "alias", "set", "dev.ml.churn", "champion", "1")
    assert first == {
        "name": "dev.ml.churn",
        "alias": "champion",
        "version": 1,
        "previous_version": None,
    }
    code, out = cli(cws, "models", "alias", "set", "dev.ml.churn", "champion", "2")
    assert code == 0
    assert "dev.ml.churn@champion -> version 2 (was 1)" in out
    described = run_json(cws, "models", "describe", "dev.ml.churn")
    assert described["aliases"] == {"champion": 2}  # type: ignore[index,call-overload]
    assert described["versions"][1]["aliases"] == ["champion"]  # type: ignore[index,call-overload]
    deleted = run_json(cws, "models", "alias", "delete", "dev.ml.churn", "champion")
    assert deleted == {"name": "dev.ml.churn", "alias": "champion", "version": 2}


def test_promote_copies_a_version_to_another_catalog(cws: Path) -> None:
    run_json(cws, "models", "alias", "set", "dev.ml.churn", "champion", "2")
    copied = run_json(cws, "models", "promote", "models:/dev.ml.churn@champion", "prod.ml.churn")
    assert isinstance(copied, dict)
    assert (copied["name"], copied["version"], copied["status"]) == ("prod.ml.churn", 1, "READY")
    assert copied["source"] == "models:/dev.ml.churn/2"
    assert copied["tags"] == {"validated": "yes"}
    code, out = cli(cws, "models", "promote", "models:/dev.ml.churn/1", "prod.ml.churn")
    assert code == 0
    assert "models:/prod.ml.churn/2" in out


def test_human_output_shows_models_versions_and_aliases(cws: Path) -> None:
    run_json(cws, "models", "alias", "set", "dev.ml.churn", "champion", "2")
    code, out = cli(cws, "models", "list")
    assert code == 0 and "dev.ml.churn" in out and "champion" in out
    code, out = cli(cws, "models", "describe", "dev.ml.churn")
    assert code == 0 and "latest_version" in out and "READY" in out
    code, out = cli(cws, "models", "alias", "delete", "dev.ml.churn", "champion")
    assert code == 0 and "removed dev.ml.churn@champion (it pointed at version 2)" in out


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("alias", "set", "dev.ml.churn", "latest", "1"), exit_codes.INVALID_INPUT, "'latest'"),
        (("alias", "set", "dev.ml.churn", "v2", "1"), exit_codes.INVALID_INPUT, "'v2'"),
        (("alias", "set", "dev.ml.churn", "champion", "9"), exit_codes.NOT_FOUND, "churn/9"),
        (("alias", "delete", "dev.ml.churn", "nope"), exit_codes.NOT_FOUND, "nope"),
        (("versions", "dev.ml.nope"), exit_codes.NOT_FOUND, "dev.ml.churn"),
        (("describe", "qa.ml.churn"), exit_codes.NOT_FOUND, "dev, main, prod"),
        (("list", "dev.gold"), exit_codes.NOT_FOUND, "dev.ml"),
        (("promote", "models:/dev.ml.churn/Production", "prod.ml.churn"), 5, "no stages"),
        (("promote", "models:/dev.ml.churn/1", "prod.gold.churn"), exit_codes.NOT_FOUND, "prod.ml"),
    ],
)
def test_errors_map_to_exit_codes_and_name_the_value(
    cws: Path, args: tuple[str, ...], code: int, text: str
) -> None:
    got, out = cli(cws, "models", *args)
    assert got == code, out
    assert text in out
    assert "Fix:" in out


def test_version_must_be_a_number(cws: Path) -> None:
    code, out = cli(cws, "models", "alias", "set", "dev.ml.churn", "champion", "two")
    assert code == exit_codes.INVALID_INPUT
    assert "model version 'two' is not a version number" in out
