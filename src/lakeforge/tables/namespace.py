"""Dropping catalogs and schemas together with the table data inside them.

The catalog layer only removes metadata; these functions first refuse or empty the namespace
table by table and volume by volume (metadata, then files, under each object's locks), then
drop the namespace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakeforge.errors import NotEmptyError, NotFoundError
from lakeforge.names import parse_schema_name, validate_part
from lakeforge.tables.volume_store import VolumeStore

if TYPE_CHECKING:
    from lakeforge.tables.table_store import TableStore


def drop_schema(
    tables: TableStore, name: str, *, cascade: bool = False, if_exists: bool = False
) -> bool:
    """Drop ``catalog.schema`` (or ``schema`` in the current catalog); True when dropped."""
    catalog, schema = parse_schema_name(name, current_catalog=tables.settings.current_catalog)
    store = tables.metadata
    try:
        children = store.schemas.children(catalog, schema)
    except NotFoundError:
        if if_exists:
            return False
        raise
    if children and not cascade:
        raise NotEmptyError("schema", f"{catalog}.{schema}", children)
    for info in store.tables.list(catalog, schema):
        tables.drop(info.name, if_exists=True)
    for function in store.functions.list(catalog, schema):
        store.functions.drop(function.name)
    volumes = VolumeStore(tables.settings, store)
    for volume in store.volumes.list(catalog, schema):
        volumes.drop(volume.full_name, if_exists=True)
    store.schemas.drop(catalog, schema, cascade=True)
    return True


def drop_catalog(
    tables: TableStore, name: str, *, cascade: bool = False, if_exists: bool = False
) -> bool:
    """Drop a catalog and, with ``cascade``, every schema, table and function in it."""
    catalog = validate_part(name, role="catalog")
    store = tables.metadata
    try:
        children = store.catalogs.children(catalog)
    except NotFoundError:
        if if_exists:
            return False
        raise
    if children and not cascade:
        raise NotEmptyError("catalog", catalog, children)
    for schema in store.schemas.list(catalog):
        drop_schema(tables, f"{catalog}.{schema.name}", cascade=True, if_exists=True)
    store.catalogs.drop(catalog, cascade=True)
    return True
