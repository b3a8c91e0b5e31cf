"""Catalog-registry rules that are not about aliases: signatures, names, no stages, the URI.

Guardrail 4: a model enters the registry only with a signature that has inputs *and* outputs.
Model names must fit ``models:/`` URIs and MLflow's search filters. The legacy stage APIs are
refused with a pointer to aliases. ``"databricks-uc"`` names the workspace registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from lakeforge.errors import (
    ConfigurationError,
    InvalidNameError,
    SignatureRequiredError,
    StagesUnsupportedError,
)
from lakeforge.settings import REFERENCE_REGISTRY_URI

if TYPE_CHECKING:
    from lakeforge.names import ObjectName
    from lakeforge.settings import Settings

UC_REGISTRY_URI = REFERENCE_REGISTRY_URI
# MLflow refuses ':' in model names; '@' would make models:/name@alias ambiguous.
_REGISTRY_FORBIDDEN = (":", "@")


def transition_model_version_stage(*args: Any, **kwargs: Any) -> NoReturn:
    """Refused: the catalog registry has no stages.

    Raises:
        StagesUnsupportedError: Always, pointing to aliases and ``models:/name@alias``.
    """
    raise StagesUnsupportedError("transition_model_version_stage")


def get_latest_versions(*args: Any, **kwargs: Any) -> NoReturn:
    """Refused: "latest per stage" does not exist in the catalog registry.

    Raises:
        StagesUnsupportedError: Always, pointing to aliases and ``models:/name@alias``.
    """
    raise StagesUnsupportedError("get_latest_versions")


def registry_settings(settings: Settings, registry_uri: str | None = None) -> Settings:
    """The settings whose MLflow registry is the workspace registry.

    ``"databricks-uc"`` (given here, or as ``MLFLOW_REGISTRY_URI``: see
    :func:`lakeforge.settings.resolve_settings`) means the workspace registry.

    Raises:
        ConfigurationError: For any other registry URI than the workspace's.
    """
    if registry_uri in (None, UC_REGISTRY_URI, settings.registry_uri):
        return settings
    raise ConfigurationError(
        "registry_uri",
        registry_uri,
        f"lakeforge's registry is the workspace registry ({settings.registry_uri})",
        f"omit registry_uri or pass {UC_REGISTRY_URI!r}; to use another MLflow registry set "
        "MLFLOW_REGISTRY_URI before opening the workspace",
    )


def mlflow_message(exc: Exception) -> str:
    """The first line of an MLflow exception's message (its ``message``, else ``str``)."""
    return str(getattr(exc, "message", exc)).strip().splitlines()[0]


def check_registry_name(parsed: ObjectName, name: str) -> None:
    """Refuse names that ``models:/`` URIs or registry searches cannot carry.

    Raises:
        InvalidNameError: Naming the part and the character.
    """
    for part in parsed.parts:
        for char in _REGISTRY_FORBIDDEN:
            if char in part:
                raise InvalidNameError(
                    name, part, f"contains {char!r}, which models:/ URIs cannot carry"
                )
    if "'" in parsed.full and '"' in parsed.full:
        raise InvalidNameError(
            name, parsed.full, "contains both ' and \", which registry searches cannot quote"
        )


def check_signature(model_uri: str, signature: Any) -> None:
    """Guardrail 4: a registered model needs a signature with inputs and outputs.

    Raises:
        SignatureRequiredError: Naming the model and how to add a signature.
    """
    if signature is None:
        raise SignatureRequiredError(model_uri, "it was logged without a signature")
    has_inputs = signature.inputs is not None and bool(signature.inputs.inputs)
    has_outputs = signature.outputs is not None and bool(signature.outputs.inputs)
    if not has_outputs:
        raise SignatureRequiredError(model_uri, "its signature has inputs only (no outputs)")
    if not has_inputs:
        raise SignatureRequiredError(model_uri, "its signature has outputs only (no inputs)")
