"""SQLAlchemy Core definitions of the metadata relations (current schema version).

Migrations in :mod:`lakeforge.catalog.migrations` create these step by step; the definitions
here are what queries are written against. Timestamps are epoch milliseconds.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

NAME = 255

schema_version = Table(
    "lakeforge_schema_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("applied_at", BigInteger, nullable=False),
)

catalogs = Table(
    "lf_catalogs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(NAME), nullable=False, unique=True),
    Column("comment", Text),
    Column("owner", String(NAME)),
    Column("tags", JSON, nullable=False, default=dict),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

schemas = Table(
    "lf_schemas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("catalog_id", Integer, ForeignKey("lf_catalogs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("comment", Text),
    Column("owner", String(NAME)),
    Column("tags", JSON, nullable=False, default=dict),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("catalog_id", "name", name="uq_schema_name"),
)

tables = Table(
    "lf_tables",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schema_id", Integer, ForeignKey("lf_schemas.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("table_id", String(36), nullable=False, unique=True),
    Column("table_type", String(32), nullable=False),
    Column("data_format", String(32), nullable=False),
    Column("location", Text, nullable=False),
    Column("description", Text),
    Column("owner", String(NAME)),
    Column("primary_keys", JSON, nullable=False, default=list),
    Column("timeseries_key", String(NAME)),
    Column("partition_columns", JSON, nullable=False, default=list),
    Column("tags", JSON, nullable=False, default=dict),
    Column("properties", JSON, nullable=False, default=dict),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("schema_id", "name", name="uq_table_name"),
)

columns = Table(
    "lf_columns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_pk", Integer, ForeignKey("lf_tables.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("data_type", Text, nullable=False),
    Column("nullable", Boolean, nullable=False),
    Column("comment", Text),
    UniqueConstraint("table_pk", "position", name="uq_column_position"),
)

functions = Table(
    "lf_functions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schema_id", Integer, ForeignKey("lf_schemas.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("function_id", String(36), nullable=False, unique=True),
    Column("language", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("entry_point", String(NAME), nullable=False),
    Column("parameters", JSON, nullable=False, default=list),
    Column("return_type", Text, nullable=False),
    Column("description", Text),
    Column("owner", String(NAME)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("schema_id", "name", name="uq_function_name"),
)

serving_endpoints = Table(
    "lf_serving_endpoints",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("endpoint_id", String(36), nullable=False, unique=True),
    Column("creator", String(NAME), nullable=False),
    Column("config", JSON),
    Column("pending_config", JSON),
    Column("config_version", Integer, nullable=False),
    Column("state", JSON, nullable=False),
    Column("tags", JSON, nullable=False, default=list),
    Column("description", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

tokens = Table(
    "lf_tokens",
    metadata,
    Column("token_id", String(36), primary_key=True),
    Column("principal", String(NAME), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("comment", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Column("revoked_at", BigInteger),
)

permissions = Table(
    "lf_permissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("object_type", String(64), nullable=False),
    Column("object_id", String(NAME), nullable=False),
    Column("principal", String(NAME), nullable=False),
    Column("level", String(32), nullable=False),
    UniqueConstraint("object_type", "object_id", "principal", name="uq_permission"),
)

volumes = Table(
    "lf_volumes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schema_id", Integer, ForeignKey("lf_schemas.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("volume_id", String(36), nullable=False, unique=True),
    Column("volume_type", String(32), nullable=False),
    Column("storage_location", Text, nullable=False),
    Column("comment", Text),
    Column("owner", String(NAME)),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("schema_id", "name", name="uq_volume_name"),
)

# Secret scopes and the names of their keys; the values are kept outside the metadata store.
secret_scopes = Table(
    "lf_secret_scopes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(NAME), nullable=False, unique=True),
    Column("backend_type", String(32), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

secrets = Table(
    "lf_secrets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "scope_id", Integer, ForeignKey("lf_secret_scopes.id", ondelete="CASCADE"), nullable=False
    ),
    Column("key", String(NAME), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("scope_id", "key", name="uq_secret_key"),
)
