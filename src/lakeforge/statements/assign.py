"""Store assignment: values a statement writes into a column get the column's type.

The rules are :func:`lakeforge.tables.types.store_assign` (the reference's: numbers convert
when every value fits, text never becomes a number, ...) followed by the table layer's checks
for written data (:func:`lakeforge.tables.writer.prepare`: NOT NULL, normalization, widening).
Every conversion of computed values is reported as a :class:`~lakeforge.tables.types.Cast`
with its row count. Constants written in the statement (``VALUES (1, 2.5, '2024-01-01')``,
``SET v = 0``) have no type of their own, so giving them the column's type is not reported.
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from lakeforge.tables.types import Cast, store_assign
from lakeforge.tables.writer import prepare

# Expression nodes whose value does not depend on any row
_CONSTANT_NODES = (
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.Neg,
    exp.Paren,
    exp.Cast,
    exp.TryCast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Interval,
    exp.Var,
    exp.Identifier,
    exp.Tuple,
    exp.Array,
    exp.CurrentDate,
    exp.CurrentTimestamp,
    exp.CurrentUser,
    exp.CurrentCatalog,
    exp.CurrentSchema,
)


def is_constant(node: exp.Expr) -> bool:
    """True when ``node`` is built from literals only (no column, subquery or function)."""
    if isinstance(node, exp.Column):
        return False
    return all(isinstance(n, _CONSTANT_NODES) for n in node.walk())


def fit(
    values: pa.ChunkedArray | pa.Array,
    field: pa.Field,
    *,
    constant: bool,
    table: str,
    decimal_to_float: bool = False,
) -> tuple[pa.ChunkedArray, list[Cast]]:
    """``values`` as ``field``'s type (and nullability), with the casts made.

    Raises:
        SchemaMismatchError: Values that cannot be stored in the column, or nulls for a NOT
            NULL column.
    """
    assigned, cast = store_assign(
        values, field.type, table=table, name=field.name, constant=constant
    )
    data = pa.Table.from_arrays([assigned], names=[field.name])
    prepared = prepare(
        data,
        pa.schema([field]),
        table=table,
        decimal_to_float=decimal_to_float,
        allow_new_columns=False,
    )
    casts = ([cast] if cast else []) + list(prepared.casts)
    return prepared.data.column(0).cast(field.type), casts
