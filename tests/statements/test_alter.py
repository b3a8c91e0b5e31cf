"""ALTER TABLE: columns, nullability, comments, primary key, properties, tags."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from lakeforge.errors import (
    SchemaMismatchError,
    TableNotFoundError,
    UnsupportedStatementError,
    ValidationError,
)
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


@pytest.fixture
def table(sql: Sql) -> None:
    sql(
        "CREATE TABLE t (id BIGINT, ts TIMESTAMP, v DOUBLE);"
        " INSERT INTO t VALUES (1, '2024-01-01', NULL)"
    )


def test_add_columns(ws: Workspace, sql: Sql, table: None) -> None:
    sql("ALTER TABLE t ADD COLUMNS (note STRING COMMENT 'free text', n INT)")
    sql("ALTER TABLE t ADD COLUMN flag BOOLEAN")
    info = ws.tables.get("t")
    assert info.column_names == ["id", "ts", "v", "note", "n", "flag"]
    assert info.columns[3].comment == "free text"
    assert ws.tables.read("t").column("note").to_pylist() == [None]
    with pytest.raises(SchemaMismatchError, match="already exists"):
        sql("ALTER TABLE t ADD COLUMNS (ID INT)")
    with pytest.raises(SchemaMismatchError, match="cannot be NOT NULL"):
        sql("ALTER TABLE t ADD COLUMNS (x INT NOT NULL)")


def test_set_and_drop_not_null(
    ws: Workspace, sql: Sql, table: None, version: Callable[[str], int]
) -> None:
    sql("ALTER TABLE t ALTER COLUMN id SET NOT NULL")
    assert not ws.tables.get("t").columns[0].nullable
    with pytest.raises(SchemaMismatchError, match="NOT NULL"):
        sql("INSERT INTO t VALUES (NULL, NULL, NULL)")
    before = version("t")
    with pytest.raises(SchemaMismatchError, match="holds 1 null value"):
        sql("ALTER TABLE t ALTER COLUMN v SET NOT NULL")
    assert version("t") == before
    sql("ALTER TABLE t ALTER COLUMN id DROP NOT NULL")
    assert ws.tables.get("t").columns[0].nullable
    assert ws.tables.read("t").num_rows == 1


def test_add_primary_key_constraint(ws: Workspace, sql: Sql, table: None) -> None:
    with pytest.raises(ValidationError, match="nullable"):
        sql("ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id, ts TIMESERIES)")
    sql(
        "ALTER TABLE t ALTER COLUMN id SET NOT NULL; ALTER TABLE t ALTER COLUMN ts SET NOT NULL;"
        " ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id, ts TIMESERIES)"
    )
    info = ws.tables.get("t")
    assert (info.primary_keys, info.timeseries_key) == (("id", "ts"), "ts")
    assert info.properties["lakeforge.primary_key_name"] == "t_pk"
    with pytest.raises(ValidationError, match="already has a primary key"):
        sql("ALTER TABLE t ADD CONSTRAINT other PRIMARY KEY (id)")
    with pytest.raises(UnsupportedStatementError, match="other than PRIMARY KEY"):
        sql("ALTER TABLE t ADD CONSTRAINT c CHECK (v > 0)")


def test_column_comment_properties_and_tags(ws: Workspace, sql: Sql, table: None) -> None:
    sql(
        "ALTER TABLE t ALTER COLUMN v COMMENT 'value';"
        " ALTER TABLE t SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true', 'team' = 'ml');"
        " ALTER TABLE t SET TAGS ('pii' = 'no', 'tier' = 'gold')"
    )
    info = ws.tables.get("t")
    assert info.columns[2].comment == "value"
    assert info.tags == {"pii": "no", "tier": "gold"}
    assert info.properties["lakeforge.table_properties"] == {"team": "ml"}
    configuration = ws.tables.snapshot("t").metadata().configuration
    assert configuration["delta.enableChangeDataFeed"] == "true"
    assert ws.tables.history("t")[0].operation == "SET TBLPROPERTIES"


def test_unsupported_actions_and_missing_table(ws: Workspace, sql: Sql, table: None) -> None:
    with pytest.raises(UnsupportedStatementError, match="RENAME"):
        sql("ALTER TABLE t RENAME TO u")
    with pytest.raises(UnsupportedStatementError, match="TYPE"):
        sql("ALTER TABLE t ALTER COLUMN v TYPE BIGINT")
    with pytest.raises(UnsupportedStatementError, match=r"UNSET TAGS \('a'\) is not supported"):
        sql("ALTER TABLE t UNSET TAGS ('a')")
    with pytest.raises(TableNotFoundError):
        sql("ALTER TABLE nope ADD COLUMNS (x INT)")
