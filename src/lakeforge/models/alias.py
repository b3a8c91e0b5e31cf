"""Registry references: alias rules, version numbers and ``models:/`` URIs (no mlflow here).

Alias rules are the catalog registry's: non-empty, only letters, digits, ``_`` and ``-``, at most
255 characters; ``latest`` (any case) and ``v``/``V`` followed by digits are reserved because
they would read as version references. Aliases are case-sensitive (``Champion`` and
``champion`` are two aliases), as in MLflow. Registry URIs are ``models:/<name>/<version>`` or
``models:/<name>@<alias>``; stage URIs (``models:/<name>/Production``, ``.../latest``) belong to
the legacy workspace registry and are refused with a pointer to aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakeforge.errors import InvalidAliasError, StagesUnsupportedError, ValidationError

MAX_ALIAS_LENGTH = 255
_ALIAS = re.compile(r"[\w\-]+")
_VERSION_ALIAS = re.compile(r"[vV]\d+")
_URI_FORMS = "models:/catalog.schema.model/<version> or models:/catalog.schema.model@<alias>"


@dataclass(frozen=True, slots=True)
class ModelReference:
    """A parsed ``models:/`` URI: a model name (as written) and a version or an alias."""

    name: str
    version: int | None = None
    alias: str | None = None


def validate_alias(alias: object) -> str:
    """Check an alias against the registry's rules and return it unchanged.

    Raises:
        InvalidAliasError: Naming the alias and the rule it breaks.
    """
    if not isinstance(alias, str):
        raise InvalidAliasError(alias, "is not text")
    if alias == "":
        raise InvalidAliasError(alias, "is empty")
    if len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidAliasError(
            alias[:40] + "...", f"is {len(alias)} characters, over {MAX_ALIAS_LENGTH}"
        )
    if not _ALIAS.fullmatch(alias):
        bad = next(c for c in alias if not _ALIAS.fullmatch(c))
        raise InvalidAliasError(alias, f"contains {bad!r}; only letters, digits, '_' and '-'")
    if alias.lower() == "latest":
        raise InvalidAliasError(alias, "is reserved ('latest' in any case)")
    if _VERSION_ALIAS.fullmatch(alias):
        raise InvalidAliasError(alias, "is reserved: it would read as a version reference")
    return alias


def check_version(version: object) -> int:
    """A model version number: a positive integer, or its decimal text.

    Raises:
        ValidationError: For anything else.
    """
    if isinstance(version, bool):
        number = 0
    elif isinstance(version, int):
        number = version
    elif isinstance(version, str) and version.strip().isascii() and version.strip().isdigit():
        number = int(version.strip())
    else:
        number = 0
    if number < 1:
        raise ValidationError(
            f"model version {version!r} is not a version number",
            "versions are integers from 1 (see `lakeforge models versions NAME`)",
        )
    return number


def parse_model_uri(uri: str) -> ModelReference:
    """Parse ``models:/<name>/<version>`` or ``models:/<name>@<alias>``.

    Raises:
        StagesUnsupportedError: For stage or ``latest`` suffixes.
        InvalidAliasError: For an alias that breaks the alias rules.
        ValidationError: For any other shape.
    """
    if not isinstance(uri, str) or not uri.startswith("models:/"):
        raise ValidationError(f"{uri!r} is not a registry model URI", f"use {_URI_FORMS}")
    path = uri[len("models:/") :]
    parts = path.split("/")
    if len(parts) == 2 and parts[0] and parts[1]:
        name, suffix = parts
        if suffix.isascii() and suffix.isdigit():
            if int(suffix) < 1:
                raise ValidationError(
                    f"model URI {uri!r} names version {suffix}, which is not a version number",
                    "versions are integers from 1",
                )
            return ModelReference(name, version=int(suffix))
        raise StagesUnsupportedError(f"the model URI {uri!r} (a stage or 'latest' reference)")
    if len(parts) == 1 and "@" in path:
        name, _, alias = path.rpartition("@")
        if name:
            return ModelReference(name, alias=validate_alias(alias))
    raise ValidationError(
        f"model URI {uri!r} names neither a version nor an alias",
        f"use {_URI_FORMS} (models:/<model_id> URIs of logged models are not registry references)",
    )
