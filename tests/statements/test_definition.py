"""CREATE TABLE definitions: types, nullability, comments, keys and properties."""

from __future__ import annotations

import pyarrow as pa
import pytest
from sqlglot import exp

from lakeforge.errors import UnsupportedStatementError, ValidationError
from lakeforge.statements.definition import read
from lakeforge.statements.parser import split


def definition(text: str):  # type: ignore[no-untyped-def]
    (statement,) = split(text)
    assert isinstance(statement.tree, exp.Create)
    return read(statement, statement.tree)


def test_types_and_column_options() -> None:
    found = definition(
        "CREATE TABLE t (a LONG NOT NULL COMMENT 'x', b INTEGER, c STRING, d DECIMAL(5, 2),"
        " e ARRAY<MAP<STRING, DOUBLE>>, f STRUCT<g: DATE, h: TIMESTAMP>, i SMALLINT NULL)"
    )
    assert found.schema == pa.schema(
        [
            pa.field("a", pa.int64(), False, {b"comment": b"x"}),
            pa.field("b", pa.int32()),
            pa.field("c", pa.string()),
            pa.field("d", pa.decimal128(5, 2)),
            pa.field("e", pa.list_(pa.map_(pa.string(), pa.float64()))),
            pa.field(
                "f",
                pa.struct([("g", pa.date32()), ("h", pa.timestamp("us", tz="UTC"))]),
            ),
            pa.field("i", pa.int16()),
        ]
    )


def test_keys_partitions_clustering_comment_properties() -> None:
    found = definition(
        "CREATE TABLE t (id INT NOT NULL, ts TIMESTAMP NOT NULL, p STRING,"
        " CONSTRAINT t_pk PRIMARY KEY (id, ts TIMESERIES))"
        " PARTITIONED BY (p) CLUSTER BY (id, ts) COMMENT 'c' TBLPROPERTIES ('a' = 'b', 'n' = 1)"
    )
    assert (found.primary_keys, found.timeseries_key, found.constraint) == (
        ("id", "ts"),
        "ts",
        "t_pk",
    )
    assert found.partition_columns == ("p",)
    assert found.clustering_columns == ("id", "ts")
    assert found.comment == "c"
    assert found.properties == {"a": "b", "n": "1"}


def test_key_rules() -> None:
    with pytest.raises(ValidationError, match="at most one TIMESERIES"):
        definition(
            "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL,"
            " PRIMARY KEY (a TIMESERIES, b TIMESERIES))"
        )
    with pytest.raises(ValidationError, match="declared twice"):
        definition("CREATE TABLE t (a INT NOT NULL PRIMARY KEY, PRIMARY KEY (a))")
    with pytest.raises(UnsupportedStatementError, match="table element a"):
        definition("CREATE TABLE t (a)")  # a column without a type (CTAS column lists too)


def test_unsupported_column_options() -> None:
    with pytest.raises(UnsupportedStatementError, match="GENERATED"):
        definition("CREATE TABLE t (a INT GENERATED ALWAYS AS IDENTITY)")
