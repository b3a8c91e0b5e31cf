"""On-demand features: ``FeatureFunction`` and the Python functions registered in the catalog.

``create_function`` stores a function's source, entry point and Spark SQL signature;
``load_function`` compiles the stored source in a fresh module and returns the entry point, which
training, scoring and serving call once per row as ``fn(col1, col2, ...)`` in parameter order.
Only the stored source exists at load time, so registration rejects functions that use names the
source does not define (see :mod:`lakeforge.features.udf_source`).
"""

from __future__ import annotations

import linecache
import types
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lakeforge.catalog.records import FunctionInfo
from lakeforge.errors import ValidationError
from lakeforge.features.udf_source import LAZY_ANNOTATIONS, read_udf
from lakeforge.names import parse_name

if TYPE_CHECKING:
    from lakeforge.tables.workspace import Workspace


class FeatureFunction:
    """An on-demand feature: a catalog Python function applied to input or feature columns.

    Args:
        udf_name: Catalog function, ``catalog.schema.name`` or shorter; lowercased.
        input_bindings: Column bound to each function parameter, ``{parameter: column}``.
        output_name: Output column; defaults to the function's fully qualified name.

    Raises:
        TypeError: An argument of the wrong Python type.
        ValidationError: An empty or non-string binding or output name.
        InvalidNameError: ``udf_name`` is not a valid name.
    """

    __slots__ = ("_input_bindings", "_output_name", "_udf_name")
    _udf_name: str
    _input_bindings: dict[str, str]
    _output_name: str | None

    def __init__(
        self,
        *,
        udf_name: str,
        input_bindings: dict[str, str] | None = None,
        output_name: str | None = None,
    ) -> None:
        if not isinstance(udf_name, str):
            raise TypeError(
                f"FeatureFunction: udf_name must be a str, got {type(udf_name).__name__} "
                f"{udf_name!r}. Fix: pass udf_name='catalog.schema.function'"
            )
        parse_name(udf_name)  # syntax only; the current catalog/schema apply when resolved
        where = f"FeatureFunction(udf_name={udf_name.lower()!r})"
        object.__setattr__(self, "_udf_name", udf_name.lower())
        object.__setattr__(self, "_input_bindings", _bindings(where, input_bindings))
        object.__setattr__(self, "_output_name", _output(where, output_name))

    @property
    def udf_name(self) -> str:
        """Function name, lowercased, as given (one to three parts)."""
        return self._udf_name

    @property
    def input_bindings(self) -> dict[str, str]:
        """Column bound to each parameter (empty for a function without parameters)."""
        return dict(self._input_bindings)

    @property
    def output_name(self) -> str | None:
        """Output column name as given; None means the fully qualified udf name."""
        return self._output_name

    def resolved_output_name(self, full_udf_name: str) -> str:
        """Output column name once the udf name has been resolved to ``catalog.schema.name``."""
        return self._output_name or full_udf_name

    def _key(self) -> tuple[Any, ...]:
        return (self._udf_name, tuple(sorted(self._input_bindings.items())), self._output_name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FeatureFunction):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [f"udf_name={self._udf_name!r}"]
        if self._input_bindings:
            parts.append(f"input_bindings={self._input_bindings!r}")
        if self._output_name is not None:
            parts.append(f"output_name={self._output_name!r}")
        return f"FeatureFunction({', '.join(parts)})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"FeatureFunction is immutable; cannot set {name!r}. Fix: build a new FeatureFunction"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FeatureFunction is immutable; cannot delete {name!r}")

    def __getstate__(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for field, value in state.items():
            object.__setattr__(self, field, value)


def _bindings(where: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{where}: input_bindings must be a dict, got {type(value).__name__} {value!r}. "
            "Fix: pass input_bindings={'parameter': 'column'}"
        )
    for param, column in value.items():
        if not (isinstance(param, str) and param and isinstance(column, str) and column):
            raise ValidationError(
                f"{where}: input_bindings entry {param!r}: {column!r} is not a pair of "
                "non-empty strings",
                "map each parameter name to a column name, e.g. {'amount': 'order_total'}",
            )
    return dict(value)


def _output(where: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"{where}: output_name must be a str, got {type(value).__name__} {value!r}. "
            "Fix: pass a column name or leave it out for the udf name"
        )
    if not value:
        raise ValidationError(
            f"{where}: output_name is empty", "pass a column name or leave it out for the udf name"
        )
    return value


def create_function(
    ws: Workspace,
    name: str,
    python_callable_or_source: Callable[..., Any] | str,
    *,
    replace: bool = False,
    description: str | None = None,
) -> FunctionInfo:
    """Register a Python function in the catalog for use by FeatureFunctions.

    Args:
        ws: The workspace.
        name: Function name, ``catalog.schema.name`` or shorter (current catalog/schema).
        python_callable_or_source: A ``def`` function, or source text with exactly one
            top-level function (imports and constants beside it are kept).
        replace: Overwrite an existing function of that name.
        description: Free-text comment stored with the function.

    Returns:
        The stored function.

    Raises:
        TypeError: Neither a function nor a str was given.
        ValidationError: The function cannot be stored and loaded (message names the fix).
        AlreadyExistsError: The function exists and ``replace`` is false.
    """
    obj = ws.tables.resolve(name)
    udf = read_udf(f"create_function({obj.full!r})", python_callable_or_source)
    info = FunctionInfo(
        name=obj,
        function_id=str(uuid.uuid4()),
        source=udf.source,
        entry_point=udf.entry_point,
        parameters=udf.parameters,
        return_type=udf.return_type,
        description=description,
        owner=ws.settings.user,
    )
    return ws.functions.create(info, replace=replace)


def load_function(info: FunctionInfo) -> Callable[..., Any]:
    """Compile a stored function in a fresh module and return its entry point.

    Raises:
        ValidationError: Not a Python function, or its source fails to compile or run.
    """
    full = info.name.full
    if info.language.upper() != "PYTHON":
        raise ValidationError(
            f"function {full!r} is a {info.language} function, not a Python function",
            "register a Python function with create_function",
        )
    filename = f"<lakeforge function {full}>"
    fix = "fix the source and register it again with create_function(..., replace=True)"
    try:
        code = compile(info.source, filename, "exec", flags=LAZY_ANNOTATIONS, dont_inherit=True)
    except SyntaxError as exc:
        raise ValidationError(f"function {full!r} does not compile: {exc}", fix) from None
    # Tracebacks from the function then show its source lines.
    linecache.cache[filename] = (len(info.source), None, info.source.splitlines(True), filename)
    module = types.ModuleType(f"lakeforge_function_{info.name.name}")
    module.__file__ = filename
    try:
        exec(code, module.__dict__)
    except Exception as exc:  # user code: any failure while defining the function
        raise ValidationError(
            f"loading function {full!r} failed: {type(exc).__name__}: {exc}", fix
        ) from exc
    entry = module.__dict__.get(info.entry_point)
    if not callable(entry):
        raise ValidationError(
            f"function {full!r}: entry point {info.entry_point!r} is not a function in its source",
            fix,
        )
    return entry  # type: ignore[no-any-return]


def check_bindings(function: FeatureFunction, info: FunctionInfo) -> list[str]:
    """Check a FeatureFunction's bindings against the catalog function's parameters.

    Returns:
        The bound columns in parameter order (the order the function is called with).

    Raises:
        ValidationError: Not a Python function, or binding keys differ from parameter names.
    """
    where = f"FeatureFunction(udf_name={function.udf_name!r})"
    if info.language.upper() != "PYTHON":
        raise ValidationError(
            f"{where}: {info.name.full!r} is a {info.language} function; on-demand features "
            "need a Python function",
            "register a Python function with create_function",
        )
    params = [p.name for p in info.parameters]
    bindings = function.input_bindings
    if set(bindings) != set(params):
        missing = [p for p in params if p not in bindings]
        unexpected = [k for k in bindings if k not in params]
        raise ValidationError(
            f"{where}: input_bindings keys {list(bindings)} do not match the parameters "
            f"{params} of {info.name.full!r} (missing: {missing}, unexpected: {unexpected})",
            "bind every parameter exactly once: input_bindings={"
            + ", ".join(f"{p!r}: '<column>'" for p in params)
            + "}",
        )
    return [bindings[p] for p in params]
