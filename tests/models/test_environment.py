"""Recorded library versions and the environment check at load/score time (guardrail 0)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from lakeforge.errors import EnvironmentMismatchError
from lakeforge.models import environment
from lakeforge.models.environment import EnvironmentMismatchWarning, RecordedEnvironment


def _installed(name: str) -> str:
    version = environment.installed_version(name)
    assert version is not None
    return version


def test_record_pins_framework_mlflow_and_lakeforge_exactly() -> None:
    recorded = environment.record("sklearn")
    assert recorded.framework == "scikit-learn"
    assert recorded.versions == {
        "scikit-learn": _installed("scikit-learn"),
        "mlflow": _installed("mlflow"),
        "lakeforge": _installed("lakeforge"),
    }
    assert recorded.requirements() == [
        f"scikit-learn=={_installed('scikit-learn')}",
        f"mlflow=={_installed('mlflow')}",
        f"lakeforge=={_installed('lakeforge')}",
    ]
    assert environment.record("lightgbm").framework == "lightgbm"
    assert environment.record("pyfunc").framework == "cloudpickle"
    unknown = environment.record("some_flavor")
    assert unknown.framework is None and set(unknown.versions) == {"mlflow", "lakeforge"}


def test_same_major_minor_passes_silently() -> None:
    current = _installed("scikit-learn")
    major, minor = current.split(".")[:2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            environment.check(RecordedEnvironment("scikit-learn", {"scikit-learn": current})) == []
        )
        other_patch = RecordedEnvironment("scikit-learn", {"scikit-learn": f"{major}.{minor}.999"})
        assert environment.check(other_patch, strict=True) == []


def test_major_minor_mismatch_warns_naming_package_required_and_current() -> None:
    current = _installed("scikit-learn")
    old = RecordedEnvironment("scikit-learn", {"scikit-learn": "0.24.2"})
    with pytest.warns(EnvironmentMismatchWarning) as caught:
        messages = environment.check(old)
    text = str(caught[0].message)
    assert "scikit-learn==0.24.2" in text and f"scikit-learn=={current} is installed" in text
    assert messages == [text]


def test_strict_environment_refuses_a_mismatch() -> None:
    current = _installed("lightgbm")
    with pytest.raises(EnvironmentMismatchError, match=r"lightgbm==3\.3\.5") as caught:
        environment.check(RecordedEnvironment("lightgbm", {"lightgbm": "3.3.5"}), strict=True)
    assert (caught.value.package, caught.value.required, caught.value.current) == (
        "lightgbm",
        "3.3.5",
        current,
    )
    assert 'pip install "lightgbm==3.3.5"' in str(caught.value)


def test_a_framework_that_is_not_installed_is_always_an_error() -> None:
    missing = RecordedEnvironment("no-such-framework", {"no-such-framework": "1.0.0"})
    with pytest.raises(EnvironmentMismatchError, match="it is not installed"):
        environment.check(missing)


def test_models_without_a_framework_version_are_not_checked() -> None:
    assert environment.check(RecordedEnvironment(None, {"mlflow": "1.0.0"})) == []
    assert environment.check(RecordedEnvironment("scikit-learn", {})) == []


def test_versions_come_from_metadata_then_raw_flavor_then_requirements(tmp_path: Path) -> None:
    block = {"framework": "scikit-learn", "versions": {"scikit-learn": "1.2.0", "mlflow": "3.0"}}
    outer = {"metadata": {environment.METADATA_KEY: block}}
    assert environment.from_model(outer, {}, tmp_path) == RecordedEnvironment(
        "scikit-learn", {"scikit-learn": "1.2.0", "mlflow": "3.0"}
    )
    raw = {"flavors": {"python_function": {}, "sklearn": {"sklearn_version": "1.3.0"}}}
    assert environment.from_model({}, raw, tmp_path) == RecordedEnvironment(
        "scikit-learn", {"scikit-learn": "1.3.0"}
    )
    (tmp_path / "requirements.txt").write_text("mlflow==2.11.4\nLightGBM == 4.1.0\n")
    raw_lgbm = {"flavors": {"python_function": {}, "lightgbm": {"data": "model.lgb"}}}
    assert environment.from_model({}, raw_lgbm, tmp_path) == RecordedEnvironment(
        "lightgbm", {"lightgbm": "4.1.0"}
    )
    assert environment.from_model({}, {"flavors": {"python_function": {}}}, tmp_path) == (
        RecordedEnvironment(None, {})
    )


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.9.1", (1, 9)), ("2.0", (2, 0)), ("10.12.3rc1", (10, 12)), ("dev", None), ("3", None)],
)
def test_major_minor(version: str, expected: tuple[int, int] | None) -> None:
    assert environment.major_minor(version) == expected
