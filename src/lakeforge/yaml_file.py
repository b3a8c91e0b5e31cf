"""YAML files users write (bundles, manifests): safe loading and validation with YAML paths.

Files are read with ``yaml.safe_load`` only (anchors, aliases and ``<<`` merge keys included).
A Pydantic validation error becomes a :class:`~lakeforge.errors.BundleError` naming the file,
the YAML path of the offending value (``resources.jobs.train.tasks[0].max_retries``), the
problem and the value given. Models built on :class:`StrictModel` refuse unknown keys (the
pipeline manifest, which only lakeforge reads); models built on :class:`LenientModel` keep them
aside so the caller can report each one (bundles, whose reference CLI only warns), see
:func:`unknown_keys`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from lakeforge.errors import BundleError

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base of YAML file models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LenientModel(BaseModel):
    """Base of YAML file models whose unknown keys are warnings: they are kept (unused) and
    listed by :func:`unknown_keys`; values are immutable."""

    model_config = ConfigDict(extra="allow", frozen=True)


def unknown_keys(value: Any, prefix: str = "") -> list[str]:
    """YAML paths of the keys that no model field declares, in ``value`` and every model
    inside it (in mappings and lists too): a model's own unknown keys first, then those inside
    its fields, in field order."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{prefix}.{key}" if prefix else str(key))
        for name in type(value).model_fields:
            found += unknown_keys(getattr(value, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += unknown_keys(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += unknown_keys(item, f"{prefix}[{index}]")
    return found


def yaml_path(location: tuple[int | str, ...]) -> str:
    """A Pydantic error location as a YAML path: ``resources.jobs.a.tasks[0].max_retries``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in {"function-after", "function-before"} or "[" in str(part):
            continue  # validator frames, not keys
        else:
            text += f".{part}" if text else str(part)
    return text


def read_mapping(path: Path) -> dict[str, Any]:
    """A YAML file holding a mapping (empty file: empty mapping).

    Raises:
        BundleError: The file is missing, not YAML, or not a mapping.
    """
    if not path.is_file():
        raise BundleError(str(path), "", "file not found", "check the path")
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BundleError(str(path), where, f"is not valid YAML: {exc}", "fix the syntax") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise BundleError(str(path), "", "must hold a mapping at the top level", "see the docs")
    return loaded


def validate(model: type[M], data: Any, file: Path, prefix: str = "") -> M:
    """``model`` validated from ``data``; the first error as a :class:`BundleError`."""
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        first = exc.errors()[0]
        where = yaml_path((*((prefix,) if prefix else ()), *first["loc"]))
        value = first.get("input")
        shown = (
            ""
            if isinstance(value, dict | list) or first["type"] == "value_error"
            else f" (got {value!r})"
        )
        fix = (
            "remove the key or fix its spelling"
            if first["type"] == "extra_forbidden"
            else "fix the value"
        )
        message = first["msg"].removeprefix("Value error, ")
        raise BundleError(str(file), where, f"{message}{shown}", fix) from None


__all__ = ["LenientModel", "StrictModel", "read_mapping", "unknown_keys", "validate", "yaml_path"]
