"""The SQLAlchemy implementation of the metadata store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from lakeforge.catalog.endpoint_repo import EndpointRepository
from lakeforge.catalog.function_repo import FunctionRepository
from lakeforge.catalog.migrations import LATEST_VERSION, migrate
from lakeforge.catalog.namespace_repo import CatalogRepository, SchemaRepository
from lakeforge.catalog.permission_repo import PermissionRepository
from lakeforge.catalog.secret_repo import SecretRepository
from lakeforge.catalog.table_repo import TableRepository
from lakeforge.catalog.token_repo import TokenRepository
from lakeforge.catalog.volume_repo import VolumeRepository
from lakeforge.errors import ConfigurationError, MissingExtraError


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create a SQLAlchemy engine for a metadata URL, with SQLite tuned for several processes.

    Raises:
        ConfigurationError: The URL cannot be parsed or names an unsupported database.
        MissingExtraError: The PostgreSQL driver is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            "metadata_url", url, "is not a database URL", "use sqlite:///path or postgresql://..."
        ) from exc
    if parsed.drivername == "postgres":  # the libpq/Heroku spelling SQLAlchemy dropped
        parsed = parsed.set(drivername="postgresql")
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigurationError(
            "metadata_url",
            parsed.render_as_string(hide_password=True),
            f"backend {backend!r} is not supported",
            "use sqlite:///path or postgresql://user@host/db",
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if backend == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise MissingExtraError("psycopg", "postgres", "a PostgreSQL metadata store") from exc
    return engine


class MetadataStore:
    """Catalog metadata: one repository per noun over one SQLAlchemy engine.

    Attributes:
        catalogs: Catalog CRUD.
        schemas: Schema CRUD.
        tables: Table metadata CRUD (never table data).
        functions: Python function CRUD.
        endpoints: Serving endpoint records.
        tokens: Access token records (hashes only).
        permissions: Object access control lists.
        volumes: Volume entries (the files are the workspace's, see tables.volume_store).
        secrets: Secret scopes and key names (never values).
    """

    def __init__(self, url: str, *, migrate_to: int = LATEST_VERSION, where: str = "") -> None:
        self.url = url
        self.engine = make_engine(url)
        try:
            self.version = migrate(
                self.engine, target=migrate_to, where=where or self.engine.url.render_as_string()
            )
        except BaseException:
            self.engine.dispose()
            raise
        self.catalogs = CatalogRepository(self.engine)
        self.schemas = SchemaRepository(self.engine)
        self.tables = TableRepository(self.engine)
        self.functions = FunctionRepository(self.engine)
        self.endpoints = EndpointRepository(self.engine)
        self.tokens = TokenRepository(self.engine)
        self.permissions = PermissionRepository(self.engine)
        self.volumes = VolumeRepository(self.engine)
        self.secrets = SecretRepository(self.engine)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
