"""The source and SQL signature of a Python function registered in the catalog.

:func:`read_udf` takes a ``def`` function or source text and returns what the catalog stores:
the source, the entry point and the Spark SQL types of its parameters and return value. It
rejects what could not be called later as ``fn(col1, col2, ...)`` from the stored source alone:
lambdas, decorators, ``*args``/``**kwargs``, keyword-only parameters, generators, async
functions, missing or unsupported annotations, closures and names the source does not define.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import inspect
import symtable
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

from lakeforge.catalog.records import FunctionParameter
from lakeforge.errors import ValidationError

SUPPORTED_TYPES = (
    "int, float, str, bool, bytes, datetime.datetime, datetime.date, decimal.Decimal, "
    "Optional[T], list[T], dict[K, V]"
)
_SCALARS: dict[type, str] = {
    int: "bigint",
    float: "double",
    str: "string",
    bool: "boolean",
    bytes: "binary",
    datetime: "timestamp",
    date: "date",
    Decimal: "decimal(38,18)",
}
_SPELLINGS = {t.__name__: s for t, s in _SCALARS.items()} | {
    f"{t.__module__}.{t.__name__}": s for t, s in _SCALARS.items()
}
_CONTAINERS = {"list": "array", "List": "array", "dict": "map", "Dict": "map"}
# Annotations stay unevaluated at load time, so the stored source need not import names that
# only annotations use (e.g. Decimal).
LAZY_ANNOTATIONS = __future__.annotations.compiler_flag


@dataclass(frozen=True, slots=True)
class UdfSource:
    """What the catalog stores about a Python function."""

    source: str
    entry_point: str
    parameters: tuple[FunctionParameter, ...]
    return_type: str


# -- Python annotations → Spark SQL type names ------------------------------------------------
def _runtime_type(tp: Any) -> str | None:
    """SQL type of an evaluated annotation (callables), or None when unsupported."""
    if isinstance(tp, type) and tp in _SCALARS:
        return _SCALARS[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return _runtime_type(rest[0]) if len(rest) == 1 and len(args) == 2 else None
    inner = [_runtime_type(a) for a in args]
    if None in inner:
        return None
    if origin is list and len(inner) == 1:
        return f"array<{inner[0]}>"
    if origin is dict and len(inner) == 2:
        return f"map<{inner[0]},{inner[1]}>"
    return None


def _node_type(node: ast.expr | None) -> str | None:
    """SQL type of an annotation in source text, or None when unsupported."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _node_type(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(node, ast.Name | ast.Attribute):
        return _SPELLINGS.get(ast.unparse(node))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _optional_node([node.left, node.right])
    if not isinstance(node, ast.Subscript):
        return None
    base = ast.unparse(node.value).removeprefix("typing.")
    args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if base == "Optional" and len(args) == 1:
        return _node_type(args[0])
    if base == "Union":
        return _optional_node(args)
    inner = [_node_type(a) for a in args]
    kind = _CONTAINERS.get(base)
    if None in inner or kind is None or len(inner) != (1 if kind == "array" else 2):
        return None
    return f"{kind}<{','.join(t for t in inner if t)}>"


def _optional_node(args: list[ast.expr]) -> str | None:
    rest = [a for a in args if not (isinstance(a, ast.Constant) and a.value is None)]
    return _node_type(rest[0]) if len(rest) == 1 and len(args) == 2 else None


def _sql_type(where: str, what: str, annotation: Any, to_sql: Callable[[Any], str | None]) -> str:
    sql = to_sql(annotation)
    if sql is None:
        shown = (
            ast.unparse(annotation)
            if isinstance(annotation, ast.AST)
            else inspect.formatannotation(annotation)
        )
        raise ValidationError(
            f"{where}: {what} is annotated {shown}, which has no SQL type",
            f"annotate it with one of: {SUPPORTED_TYPES}",
        )
    return sql


# -- source checks ----------------------------------------------------------------------------
def _check_shape(where: str, fdef: ast.stmt) -> ast.FunctionDef:
    """Reject entry points that cannot be called as ``fn(col1, col2, ...)`` per row."""
    if not isinstance(fdef, ast.FunctionDef):
        raise ValidationError(
            f"{where}: {getattr(fdef, 'name', '?')}() is an async function",
            "register a plain def that returns one value per row",
        )
    name, args = fdef.name, fdef.args
    star = [f"*{args.vararg.arg}"] if args.vararg else []
    star += [f"**{args.kwarg.arg}"] if args.kwarg else []
    if star:
        raise ValidationError(
            f"{where}: {name}() takes {', '.join(star)}; each input column needs a named parameter",
            "declare one named, annotated parameter per input column",
        )
    if args.kwonlyargs:
        raise ValidationError(
            f"{where}: {name}() has keyword-only parameters {[a.arg for a in args.kwonlyargs]}; "
            "on-demand functions are called positionally",
            "move those parameters before the '*'",
        )
    if _yields(fdef):
        raise ValidationError(
            f"{where}: {name}() is a generator (it uses yield)",
            "return one value per call instead of yielding",
        )
    missing = [a.arg for a in [*args.posonlyargs, *args.args] if a.annotation is None]
    if missing or fdef.returns is None:
        what = f"parameters {missing}" if missing else "the return value"
        raise ValidationError(
            f"{where}: {name}() has no type annotation for {what}",
            f"annotate every parameter and the return, e.g. def {name}(x: float) -> float; "
            f"supported types: {SUPPORTED_TYPES}",
        )
    return fdef


def _yields(fdef: ast.FunctionDef) -> bool:
    stack: list[ast.AST] = list(fdef.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return False


class _DropAnnotations(ast.NodeTransformer):
    """Remove annotations: they are never evaluated at load time (see LAZY_ANNOTATIONS)."""

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.stmt:
        self.generic_visit(node)
        if node.value is None:
            return ast.Pass()
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def _undefined_names(source: str) -> list[str]:
    """Names the source reads but neither defines, imports nor gets from builtins."""
    tree = _DropAnnotations().visit(ast.parse(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return []  # a star import hides which names exist
    top = symtable.symtable(ast.unparse(tree), "<udf>", "exec")
    tables, pending = [], [top]
    while pending:
        tables.append(pending.pop())
        pending.extend(tables[-1].get_children())
    symbols = [s for t in tables for s in t.get_symbols()]
    known = set(dir(builtins))
    known |= {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    known |= {s.get_name() for s in symbols if s.is_declared_global() and s.is_assigned()}
    return sorted({s.get_name() for s in symbols if s.is_global() and s.is_referenced()} - known)


def _parse(where: str, source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        raise ValidationError(
            f"{where}: the source does not parse: {exc.msg} (line {exc.lineno})",
            "fix the syntax error",
        ) from None


def _decorated(where: str, name: str) -> ValidationError:
    return ValidationError(
        f"{where}: {name}() is decorated; only the function's own source is stored",
        "register the undecorated function, or pass source text that defines the decorator",
    )


def _from_callable(where: str, fn: object) -> UdfSource:
    if not inspect.isfunction(fn):
        raise TypeError(
            f"{where}: expected a Python function or its source text, got "
            f"{type(fn).__name__} {fn!r}. Fix: pass a function defined with def, or a str of source"
        )
    name = fn.__code__.co_name
    if name == "<lambda>":
        raise ValidationError(
            f"{where}: a lambda cannot be registered (it has no name and no stand-alone source)",
            "define it with def name(x: float) -> float: ... and pass that function",
        )
    if hasattr(fn, "__wrapped__"):
        raise _decorated(where, name)
    if fn.__code__.co_freevars:
        raise ValidationError(
            f"{where}: {name}() closes over variables of an enclosing function: "
            f"{sorted(fn.__code__.co_freevars)}; only the function's own source is stored",
            "pass those values as parameters or define them inside the function body",
        )
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise ValidationError(
            f"{where}: the source of {name}() is not available ({exc})",
            "define the function in a .py file or notebook cell, or pass its source text",
        ) from None
    tree = _parse(where, source)
    fdef = next((n for n in tree.body if getattr(n, "name", None) == name), None)
    if fdef is None:
        raise ValidationError(
            f"{where}: the source found for {name}() does not define it",
            "pass the function's source text instead",
        )
    if getattr(fdef, "decorator_list", None):
        raise _decorated(where, name)
    _check_shape(where, fdef)
    params, returns = _evaluated_signature(where, fn, name)
    return UdfSource(source, name, params, returns)


def _evaluated_signature(
    where: str, fn: Callable[..., Any], name: str
) -> tuple[tuple[FunctionParameter, ...], str]:
    try:
        sig = inspect.signature(fn, eval_str=True)
    except Exception as exc:  # annotations are arbitrary expressions
        raise ValidationError(
            f"{where}: the annotations of {name}() cannot be evaluated: {exc}",
            f"use plain type annotations; supported: {SUPPORTED_TYPES}",
        ) from exc
    params = tuple(
        FunctionParameter(p, _sql_type(where, f"parameter {p!r}", a.annotation, _runtime_type))
        for p, a in sig.parameters.items()
    )
    returns = _sql_type(where, "the return value", sig.return_annotation, _runtime_type)
    return params, returns


def _from_source(where: str, text: str) -> UdfSource:
    source = textwrap.dedent(text)
    tree = _parse(where, source)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not defs and any(isinstance(getattr(n, "value", None), ast.Lambda) for n in tree.body):
        raise ValidationError(
            f"{where}: the source assigns a lambda; a lambda cannot be an entry point",
            "write the function with def name(x: float) -> float: ...",
        )
    if len(defs) != 1:
        found = ", ".join(f"{d.name}()" for d in defs) or "none"
        raise ValidationError(
            f"{where}: the source must define exactly one top-level function (the entry "
            f"point); found {found}",
            "nest helper functions inside the entry point, or register them separately",
        )
    fdef = _check_shape(where, defs[0])
    params = tuple(
        FunctionParameter(a.arg, _sql_type(where, f"parameter {a.arg!r}", a.annotation, _node_type))
        for a in [*fdef.args.posonlyargs, *fdef.args.args]
    )
    returns = _sql_type(where, "the return value", fdef.returns, _node_type)
    return UdfSource(source, fdef.name, params, returns)


def read_udf(where: str, python_callable_or_source: object) -> UdfSource:
    """Check a function (or its source text) and derive its stored form.

    Args:
        where: Prefix for error messages, e.g. ``create_function('main.default.f')``.
        python_callable_or_source: A ``def`` function, or source text with exactly one
            top-level function.

    Raises:
        TypeError: Neither a function nor a str.
        ValidationError: The function could not be loaded and called from its stored source.
    """
    from_text = isinstance(python_callable_or_source, str)
    if isinstance(python_callable_or_source, str):
        udf = _from_source(where, python_callable_or_source)
    else:
        udf = _from_callable(where, python_callable_or_source)
    undefined = _undefined_names(udf.source)
    if undefined:
        fix = (
            "import or define them in the source text"
            if from_text
            else "only the function's own source is stored: put imports and helpers inside "
            "the function body (e.g. `import math` as its first line)"
        )
        raise ValidationError(f"{where}: {udf.entry_point}() uses undefined names {undefined}", fix)
    return udf
