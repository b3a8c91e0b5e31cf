"""Volumes by SQL: CREATE, DROP, SHOW, DESCRIBE, COMMENT ON, and the forms that are refused."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pytest

from lakeforge.errors import (
    AlreadyExistsError,
    NotEmptyError,
    UnsupportedStatementError,
    VolumeNotFoundError,
)
from lakeforge.tables.volume_store import VolumeStore
from lakeforge.tables.workspace import Workspace

Sql = Callable[..., pa.Table]


def test_create_show_describe_comment_drop(ws: Workspace, sql: Sql) -> None:
    sql("CREATE SCHEMA raw")
    sql("CREATE VOLUME IF NOT EXISTS main.raw.landing COMMENT 'partner drops'")
    sql("CREATE VOLUME raw.archive")
    sql("USE SCHEMA raw")
    sql("CREATE VOLUME IF NOT EXISTS landing")  # exists: unchanged
    shown = sql("SHOW VOLUMES IN main.raw").to_pylist()
    assert shown == [
        {"database": "raw", "volume_name": "archive"},
        {"database": "raw", "volume_name": "landing"},
    ]
    assert sql("SHOW VOLUMES LIKE 'land*'").column("volume_name").to_pylist() == ["landing"]
    described = sql("DESCRIBE VOLUME landing").to_pylist()
    store = VolumeStore(ws.settings, ws.metadata)
    folder = store.path(store.get("main.raw.landing"))
    assert described == [
        {
            "name": "landing",
            "catalog": "main",
            "database": "raw",
            "owner": ws.settings.user,
            "storage_location": str(folder),
            "volume_type": "MANAGED",
            "comment": "partner drops",
        }
    ]
    sql("COMMENT ON VOLUME main.raw.landing IS 'renamed'")
    assert sql("DESC VOLUME landing").column("comment").to_pylist() == ["renamed"]
    sql("COMMENT ON VOLUME landing IS NULL")
    assert sql("DESCRIBE VOLUME landing").column("comment").to_pylist() == [None]
    (folder / "a.csv").write_text("x\n")
    sql("DROP VOLUME landing")
    assert not folder.exists()
    sql("DROP VOLUME IF EXISTS landing")
    with pytest.raises(VolumeNotFoundError, match=r"main\.raw\.archive"):
        sql("DROP VOLUME landing")


def test_volumes_block_a_plain_drop_schema_and_go_with_cascade(ws: Workspace, sql: Sql) -> None:
    sql("CREATE SCHEMA raw; CREATE VOLUME raw.landing")
    with pytest.raises(NotEmptyError, match=r"main\.raw\.landing"):
        sql("DROP SCHEMA raw")
    sql("DROP SCHEMA raw CASCADE")
    sql("CREATE SCHEMA raw")
    assert sql("SHOW VOLUMES IN raw").num_rows == 0


def test_duplicates_and_refused_forms(ws: Workspace, sql: Sql) -> None:
    sql("CREATE VOLUME v")
    with pytest.raises(AlreadyExistsError, match=r"main\.default\.v"):
        sql("CREATE VOLUME v")
    with pytest.raises(UnsupportedStatementError, match="CREATE EXTERNAL VOLUME"):
        sql("CREATE EXTERNAL VOLUME main.default.ext LOCATION 's3://bucket/x'")
    with pytest.raises(UnsupportedStatementError, match="LOCATION"):
        sql("CREATE VOLUME w LOCATION '/tmp/w'")
    with pytest.raises(UnsupportedStatementError):
        sql("CREATE VOLUME v2; CREATE EXTERNAL VOLUME x LOCATION 'y'")  # checked before anything
    assert sql("SHOW VOLUMES").column("volume_name").to_pylist() == ["v"]
