"""Library versions a model was logged with, and the check against the running environment.

``log_model`` records the exact versions of the model's framework (e.g. ``scikit-learn``),
``mlflow`` and ``lakeforge`` in the model's ``MLmodel`` metadata and as run tags. Loading or
scoring compares the framework's major.minor version with the installed one (guardrail 0): a
difference warns with :class:`EnvironmentMismatchWarning` by default and raises
:class:`~lakeforge.errors.EnvironmentMismatchError` under ``strict_environment=True``. A
framework that is not installed at all is always an error (the model could not load anyway).

Models logged elsewhere (the reference client) carry no lakeforge metadata; their framework
version is read from the raw model's flavor configuration (``sklearn_version``, ``lgb_version``
...) or its ``requirements.txt``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from lakeforge.errors import EnvironmentMismatchError

METADATA_KEY = "lakeforge"

# MLflow flavor name -> distribution that holds the framework.
FRAMEWORKS: Mapping[str, str] = {
    "sklearn": "scikit-learn",
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "catboost": "catboost",
    "pytorch": "torch",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "statsmodels": "statsmodels",
    "prophet": "prophet",
    "spark": "pyspark",
    "onnx": "onnx",
    "spacy": "spacy",
    "transformers": "transformers",
    "sentence_transformers": "sentence-transformers",
    "pyfunc": "cloudpickle",
}

# Flavor configuration keys where MLflow writes the framework version into a raw model's MLmodel.
_FLAVOR_VERSION_KEYS: Mapping[str, str] = {
    "sklearn": "sklearn_version",
    "lightgbm": "lgb_version",
    "xgboost": "xgb_version",
    "catboost": "catboost_version",
    "pytorch": "pytorch_version",
    "keras": "keras_version",
    "statsmodels": "statsmodels_version",
    "spacy": "spacy_version",
    "transformers": "transformers_version",
    "pyfunc": "cloudpickle_version",
}

_MAJOR_MINOR = re.compile(r"^\s*(\d+)\.(\d+)")


class EnvironmentMismatchWarning(UserWarning):
    """A model's framework major.minor version differs from the installed version."""


@dataclass(frozen=True, slots=True)
class RecordedEnvironment:
    """What a model was logged with.

    Attributes:
        framework: Distribution name of the model's framework, or None when unknown.
        versions: Exact version per distribution (framework, ``mlflow``, ``lakeforge``).
    """

    framework: str | None
    versions: Mapping[str, str] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, Any]:
        """The block stored under ``metadata.lakeforge`` in the model's ``MLmodel``."""
        return {"framework": self.framework, "versions": dict(self.versions)}

    def requirements(self) -> list[str]:
        """Exact pins (``name==version``), framework first."""
        names = [n for n in (self.framework, "mlflow", "lakeforge") if n and n in self.versions]
        return [f"{name}=={self.versions[name]}" for name in dict.fromkeys(names)]


def installed_version(distribution: str) -> str | None:
    """Version of an installed distribution, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def framework_of(flavor_name: str) -> str | None:
    """Distribution name of an MLflow flavor's framework (None when lakeforge cannot tell)."""
    return FRAMEWORKS.get(flavor_name)


def record(flavor_name: str) -> RecordedEnvironment:
    """Exact versions of the flavor's framework, mlflow and lakeforge in this process."""
    framework = framework_of(flavor_name)
    versions: dict[str, str] = {}
    for name in (framework, "mlflow", "lakeforge"):
        version = installed_version(name) if name else None
        if name and version:
            versions[name] = version
    return RecordedEnvironment(framework if framework in versions else None, versions)


def from_model(
    outer: Mapping[str, Any], raw: Mapping[str, Any], raw_dir: Path
) -> RecordedEnvironment:
    """What a model directory says it was logged with.

    Args:
        outer: The feature model's ``MLmodel`` document.
        raw: The raw model's ``MLmodel`` document.
        raw_dir: The raw model directory (for ``requirements.txt``).
    """
    block = (outer.get("metadata") or {}).get(METADATA_KEY)
    if isinstance(block, Mapping) and isinstance(block.get("versions"), Mapping):
        framework = block.get("framework")
        versions = {str(k): str(v) for k, v in block["versions"].items()}
        return RecordedEnvironment(str(framework) if framework else None, versions)
    flavors = raw.get("flavors") or {}
    for flavor, config in flavors.items():
        framework = FRAMEWORKS.get(flavor)
        key = _FLAVOR_VERSION_KEYS.get(flavor)
        if flavor == "python_function" or framework is None:
            continue
        version = (config or {}).get(key) if key else None
        version = version or _pinned(raw_dir / "requirements.txt", framework)
        if version:
            return RecordedEnvironment(framework, {framework: str(version)})
    return RecordedEnvironment(None, {})


def _pinned(requirements: Path, distribution: str) -> str | None:
    if not requirements.is_file():
        return None
    pattern = re.compile(rf"^\s*{re.escape(distribution)}\s*==\s*([\w.+-]+)", re.IGNORECASE)
    for line in requirements.read_text().splitlines():
        if match := pattern.match(line):
            return match.group(1)
    return None


def major_minor(version: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a version string, or None when it does not start with one."""
    match = _MAJOR_MINOR.match(version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def check(recorded: RecordedEnvironment, *, strict: bool = False) -> list[str]:
    """Compare the model's framework version with the installed one.

    Args:
        recorded: What the model was logged with.
        strict: Raise instead of warning on a major/minor mismatch.

    Returns:
        The mismatch messages that were warned about (empty when the environment fits).

    Raises:
        EnvironmentMismatchError: The framework is not installed, or (strict) its major/minor
            version differs from the recorded one.
    """
    framework = recorded.framework
    required = recorded.versions.get(framework) if framework else None
    if framework is None or required is None:
        return []
    current = installed_version(framework)
    if current is None:
        raise EnvironmentMismatchError(framework, required, None)
    if major_minor(required) == major_minor(current):
        return []
    if strict:
        raise EnvironmentMismatchError(framework, required, current)
    message = (
        f"the model was logged with {framework}=={required} but {framework}=={current} is "
        f"installed (major.minor differ); predictions may fail or change. "
        f'Fix: pip install "{framework}=={required}", or pass strict_environment=True to refuse'
    )
    warnings.warn(message, EnvironmentMismatchWarning, stacklevel=3)
    return [message]
