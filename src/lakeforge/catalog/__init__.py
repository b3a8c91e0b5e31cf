"""Catalog metadata: catalogs, schemas, tables, functions. Never touches table data."""

from lakeforge.catalog.records import (
    CatalogInfo,
    ColumnInfo,
    FunctionInfo,
    FunctionParameter,
    SchemaInfo,
    TableInfo,
)

__all__ = [
    "CatalogInfo",
    "ColumnInfo",
    "FunctionInfo",
    "FunctionParameter",
    "SchemaInfo",
    "TableInfo",
]
