"""Volumes: folders of files registered as ``catalog.schema.volume``, kept in step with the
catalog as tables are.

A managed volume's files live under ``<workspace>/volumes/<catalog>/<schema>/<volume>/`` (the
path is derived from the validated name and proven to stay under the volumes root). Ordering
rule, as for tables: create makes the folder, then registers it (removing the folder if that
fails); drop unregisters, then deletes the files. Create and drop of one name are serialized by
a lock, so a folder without a catalog entry is always a leftover and is replaced.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from lakeforge.catalog.records import VolumeInfo
from lakeforge.catalog.sql_store import MetadataStore
from lakeforge.errors import AlreadyExistsError, NotFoundError
from lakeforge.names import ObjectName, parse_name, parse_schema_name, storage_path
from lakeforge.settings import Settings
from lakeforge.tables.locks import volume_lock


class VolumeStore:
    """Create, list, describe and drop volumes (catalog entry and folder together)."""

    def __init__(self, settings: Settings, metadata: MetadataStore) -> None:
        self.settings = settings
        self.metadata = metadata

    def resolve(self, name: str | ObjectName) -> ObjectName:
        """Three-level name for ``name`` using the current catalog/schema."""
        return parse_name(
            name,
            current_catalog=self.settings.current_catalog,
            current_schema=self.settings.current_schema,
        )

    def path(self, info: VolumeInfo) -> Path:
        """The volume's folder, proven to lie under the volumes root."""
        return storage_path(self.settings.volumes_root, *info.storage_location.split("/"))

    def create(
        self,
        name: str | ObjectName,
        *,
        comment: str | None = None,
        if_not_exists: bool = False,
    ) -> VolumeInfo:
        """Create a managed volume (an empty folder).

        Raises:
            AlreadyExistsError: It exists and ``if_not_exists`` is false.
            SchemaNotFoundError: Its schema does not exist.
        """
        obj = self.resolve(name)
        self.metadata.schemas.get(obj.catalog, obj.schema)
        with volume_lock(self.settings.warehouse, obj):
            if self.metadata.volumes.exists(obj):
                if if_not_exists:
                    return self.metadata.volumes.get(obj)
                raise AlreadyExistsError("volume", obj.full)
            folder = storage_path(self.settings.volumes_root, *obj.parts)
            if folder.exists():
                shutil.rmtree(folder)  # files without a catalog entry: a killed create or drop
            folder.mkdir(parents=True)
            info = VolumeInfo(
                catalog=obj.catalog,
                schema=obj.schema,
                name=obj.name,
                volume_id=str(uuid.uuid4()),
                storage_location="/".join(obj.parts),
                comment=comment,
                owner=self.settings.user,
            )
            try:
                return self.metadata.volumes.create(info)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise

    def get(self, name: str | ObjectName) -> VolumeInfo:
        """One volume's entry."""
        return self.metadata.volumes.get(self.resolve(name))

    def list(self, schema: str | None = None) -> list[VolumeInfo]:
        """Volumes of ``catalog.schema`` (default: the current schema)."""
        current = f"{self.settings.current_catalog}.{self.settings.current_schema}"
        catalog, name = parse_schema_name(
            schema or current, current_catalog=self.settings.current_catalog
        )
        return self.metadata.volumes.list(catalog, name)

    def set_comment(self, name: str | ObjectName, comment: str | None) -> VolumeInfo:
        """Replace a volume's comment."""
        return self.metadata.volumes.set_comment(self.resolve(name), comment)

    def drop(self, name: str | ObjectName, *, if_exists: bool = False) -> bool:
        """Unregister a volume and delete its files; True when one was dropped."""
        obj = self.resolve(name)
        with volume_lock(self.settings.warehouse, obj):
            try:
                info = self.metadata.volumes.drop(obj)
            except NotFoundError:
                if if_exists:
                    return False
                raise
            shutil.rmtree(self.path(info), ignore_errors=True)
        return True
