"""Errors for objects that do not exist: catalogs, tables, models, runs, volumes, files ...

Part of the tree drawn in :mod:`lakeforge.errors`; only the standard library is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from lakeforge.errors.base import LakeforgeError


def _listing(kind: str, existing: Sequence[str]) -> str:
    if not existing:
        return f"there are no {kind} yet"
    shown = ", ".join(sorted(existing)[:20])
    more = f" (and {len(existing) - 20} more)" if len(existing) > 20 else ""
    return f"existing {kind}: {shown}{more}"


class NotFoundError(LakeforgeError):
    """An object looked up by name does not exist."""

    kind = "object"
    plural = "objects"

    def __init__(self, name: str, existing: Sequence[str] = (), fix: str | None = None) -> None:
        self.name = name
        self.existing = list(existing)
        super().__init__(
            f"{self.kind} {name!r} does not exist; {_listing(self.plural, self.existing)}",
            fix or f"check the spelling or create the {self.kind} first",
        )


class CatalogNotFoundError(NotFoundError):
    """A catalog does not exist."""

    kind = "catalog"
    plural = "catalogs"


class SchemaNotFoundError(NotFoundError):
    """A schema does not exist."""

    kind = "schema"
    plural = "schemas in that catalog"


class TableNotFoundError(NotFoundError):
    """A table does not exist."""

    kind = "table"
    plural = "tables in that schema"


class FunctionNotFoundError(NotFoundError):
    """A catalog function does not exist."""

    kind = "function"
    plural = "functions in that schema"


class VersionNotFoundError(NotFoundError):
    """A table version or timestamp outside the table's history."""

    kind = "table version"
    plural = "versions"


class ModelNotFoundError(NotFoundError):
    """A registered model does not exist."""

    kind = "registered model"
    plural = "registered models in that schema"


class ModelVersionNotFoundError(NotFoundError):
    """A registered model has no version with that number."""

    kind = "model version"
    plural = "versions of that model"


class AliasNotFoundError(NotFoundError):
    """A registered model has no alias with that name (aliases are case-sensitive)."""

    kind = "model alias"
    plural = "aliases of that model"


class JobNotFoundError(NotFoundError):
    """A job key that the bundle does not define."""

    kind = "job"
    plural = "jobs"


class OnlineTableNotFoundError(NotFoundError):
    """A table that has not been published to the online store."""

    kind = "online table"
    plural = "online tables"

    def __init__(self, name: str, existing: Sequence[str] = ()) -> None:
        super().__init__(
            name, existing, "publish it first: fe.publish_table(source_table_name=...)"
        )


class RunNotFoundError(NotFoundError):
    """A job run id without a run record in the workspace."""

    kind = "run"
    plural = "runs"


class EndpointNotFoundError(NotFoundError):
    """A serving endpoint does not exist."""

    kind = "serving endpoint"
    plural = "serving endpoints"


class TokenNotFoundError(NotFoundError):
    """An access token id that the workspace never issued."""

    kind = "token"
    plural = "token ids"


class VolumeNotFoundError(NotFoundError):
    """A volume (``catalog.schema.volume``) does not exist."""

    kind = "volume"
    plural = "volumes in that schema"


class SecretScopeNotFoundError(NotFoundError):
    """A secret scope does not exist in the workspace."""

    kind = "secret scope"
    plural = "secret scopes"


class SecretNotFoundError(NotFoundError):
    """A secret scope has no key of that name."""

    kind = "secret"
    plural = "keys in that scope"


class PathNotFoundError(NotFoundError):
    """A file or folder (``dbfs:/``, ``file:/``, ``/Volumes/...``) does not exist."""

    kind = "path"
    plural = "entries in its folder"
