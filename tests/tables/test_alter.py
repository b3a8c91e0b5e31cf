"""Table definition changes in the table layer: replace, keys, properties, columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lakeforge.errors import SchemaMismatchError, ValidationError
from lakeforge.tables import alter
from lakeforge.tables.workspace import Workspace


def test_replace_rewrites_in_place(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"a": [1, 2], "p": ["x", "y"]}), partition_columns=["p"])
    before = ws.tables.get("t")
    info, written = alter.replace(
        ws.tables,
        "t",
        data=pa.table({"k": [7]}),
        primary_keys=["k"],
        description="new",
        configuration={"delta.appendOnly": "false"},
        commit_info={"lakeforge.operation": "CREATE OR REPLACE TABLE AS SELECT"},
    )
    assert written == 1
    assert (info.table_id, info.primary_keys, info.partition_columns) == (
        before.table_id,
        ("k",),
        (),
    )
    assert info.description == "new"
    assert ws.tables.read("t").to_pylist() == [{"k": 7}]
    assert ws.tables.read("t", version=0).num_rows == 2
    assert ws.tables.snapshot("t").metadata().configuration == {"delta.appendOnly": "false"}


def test_primary_key_rules(ws: Workspace) -> None:
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("v", pa.int64())])
    ws.tables.create("t", schema=schema)
    with pytest.raises(ValidationError, match="nullable"):
        alter.set_primary_key(ws.tables, "t", ["v"], None)
    with pytest.raises(SchemaMismatchError, match="does not exist"):
        alter.set_primary_key(ws.tables, "t", ["nope"], None)
    info = alter.set_primary_key(ws.tables, "t", ["ID"], None)
    assert info.primary_keys == ("id",)
    assert info.properties[alter.PRIMARY_KEY_NAME] == "t_pk"


def test_properties_split_between_delta_and_the_catalog(ws: Workspace) -> None:
    assert alter.split_properties({"delta.x": "1", "Delta.Y": "2", "team": "ml"}) == (
        {"delta.x": "1", "Delta.Y": "2"},
        {"team": "ml"},
    )
    ws.tables.create("t", data=pa.table({"a": [1]}))
    alter.set_properties(ws.tables, "t", {"team": "ml"})
    info = alter.set_properties(ws.tables, "t", {"owner": "ann", "delta.appendOnly": "false"})
    assert info.properties[alter.TABLE_PROPERTIES] == {"team": "ml", "owner": "ann"}


def test_columns_comments_and_nullability(ws: Workspace) -> None:
    ws.tables.create("t", data=pa.table({"a": [1]}))
    alter.add_columns(ws.tables, "t", [pa.field("b", pa.string(), metadata={b"comment": b"c"})])
    alter.set_column_comment(ws.tables, "t", "A", "the a")
    info = alter.set_nullable(ws.tables, "t", "a", False)
    assert [(c.name, c.nullable, c.comment) for c in info.columns] == [
        ("a", False, "the a"),
        ("b", True, "c"),
    ]
