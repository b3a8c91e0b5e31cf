"""FeatureFunction (api-compat §1.10) and catalog functions: create, load, call, bindings."""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
import traceback
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

import pytest

from lakeforge.catalog.records import FunctionParameter
from lakeforge.errors import (
    AlreadyExistsError,
    FunctionNotFoundError,
    InvalidNameError,
    SchemaNotFoundError,
    ValidationError,
)
from lakeforge.features.function import (
    FeatureFunction,
    check_bindings,
    create_function,
    load_function,
)
from lakeforge.tables.workspace import Workspace

# -- FeatureFunction --------------------------------------------------------------------------


def test_feature_function_defaults() -> None:
    ff = FeatureFunction(udf_name="Main.Default.Ratio")
    assert ff.udf_name == "main.default.ratio"
    assert ff.input_bindings == {}
    assert ff.output_name is None
    assert ff.resolved_output_name("main.default.ratio") == "main.default.ratio"


def test_feature_function_keeps_bindings_and_output() -> None:
    ff = FeatureFunction(udf_name="ratio", input_bindings={"a": "x", "b": "y"}, output_name="r")
    assert ff.udf_name == "ratio"
    assert ff.input_bindings == {"a": "x", "b": "y"}
    assert ff.output_name == "r"
    assert ff.resolved_output_name("main.default.ratio") == "r"


def test_feature_function_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        FeatureFunction("ratio")  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected keyword"):
        FeatureFunction(udf_name="ratio", bindings={})  # type: ignore[call-arg]


def test_feature_function_udf_name_checks() -> None:
    with pytest.raises(TypeError, match=r"udf_name must be a str, got int 3\. Fix"):
        FeatureFunction(udf_name=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidNameError, match="at most 3 dot-separated parts"):
        FeatureFunction(udf_name="a.b.c.d")
    with pytest.raises(InvalidNameError, match="space"):
        FeatureFunction(udf_name="my func")


def test_feature_function_bindings_checks() -> None:
    with pytest.raises(TypeError, match=r"input_bindings must be a dict, got list"):
        FeatureFunction(udf_name="f", input_bindings=["a"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"entry 'a': 1 is not a pair") as err:
        FeatureFunction(udf_name="f", input_bindings={"a": 1})  # type: ignore[dict-item]
    assert "{'amount': 'order_total'}" in str(err.value.fix)
    with pytest.raises(ValidationError, match=r"entry '': 'x'"):
        FeatureFunction(udf_name="f", input_bindings={"": "x"})


def test_feature_function_output_name_checks() -> None:
    with pytest.raises(TypeError, match=r"output_name must be a str, got list"):
        FeatureFunction(udf_name="f", output_name=["x"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="output_name is empty"):
        FeatureFunction(udf_name="f", output_name="")


def test_feature_function_value_semantics_and_immutability() -> None:
    a = FeatureFunction(udf_name="F", input_bindings={"x": "c1", "y": "c2"}, output_name="o")
    b = FeatureFunction(udf_name="f", input_bindings={"y": "c2", "x": "c1"}, output_name="o")
    assert a == b and hash(a) == hash(b)
    assert a != FeatureFunction(udf_name="f", input_bindings={"x": "c1", "y": "c2"})
    assert a != "f"
    assert eval(repr(a), {"FeatureFunction": FeatureFunction}) == a
    assert repr(FeatureFunction(udf_name="f")) == "FeatureFunction(udf_name='f')"
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    with pytest.raises(AttributeError, match="immutable"):
        a.output_name = "z"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del a._udf_name
    a.input_bindings["x"] = "changed"
    assert a.input_bindings == {"x": "c1", "y": "c2"}


# -- create_function / load_function round trips ---------------------------------------------


def ratio(a: float, b: Optional[float]) -> float:  # noqa: UP045 (typing.Union path)
    """Safe ratio."""
    if not b:
        return 0.0
    return a / b


def every_type(
    a: int,
    b: float,
    c: str,
    d: bool,
    e: bytes,
    f: datetime,
    g: date,
    h: Decimal,
    i: Optional[int],  # noqa: UP045
    j: float | None,
    k: list[str],
    m: dict[str, float],
    n: list[Optional[int]],  # noqa: UP045
) -> Optional[Decimal]:  # noqa: UP045
    return h


def uses_module_import(x: float) -> float:
    return math.sqrt(x)


def imports_inside(x: float) -> float:
    import math

    return math.sqrt(x)


def test_round_trip_from_callable(ws: Workspace) -> None:
    created = create_function(ws, "ratio", ratio, description="a / b")
    stored = ws.functions.get(ws.tables.resolve("main.default.ratio"))
    assert stored == created
    assert stored.entry_point == "ratio"
    assert stored.parameters == (FunctionParameter("a", "double"), FunctionParameter("b", "double"))
    assert stored.return_type == "double"
    assert (stored.language, stored.description, stored.owner) == (
        "PYTHON",
        "a / b",
        ws.settings.user,
    )
    assert stored.source.startswith(
        "def ratio(a: float, b: Optional[float]) -> float:  # noqa: UP045 (typing.Union path)"
    )
    fn = load_function(stored)
    assert fn(1.0, 4.0) == 0.25
    assert fn(1.0, None) == 0.0
    assert fn is not ratio


def test_every_supported_type_from_callable(ws: Workspace) -> None:
    info = create_function(ws, "every_type", every_type)
    assert [p.data_type for p in info.parameters] == [
        "bigint",
        "double",
        "string",
        "boolean",
        "binary",
        "timestamp",
        "date",
        "decimal(38,18)",
        "bigint",
        "double",
        "array<string>",
        "map<string,double>",
        "array<bigint>",
    ]
    assert info.return_type == "decimal(38,18)"
    # Annotation-only names (Decimal, datetime, ...) need not exist at load time.
    fn = load_function(info)
    args: list[Any] = [1, 1.0, "s", True, b"", None, None, Decimal("2.5"), None, None, [], {}, []]
    assert fn(*args) == Decimal("2.5")


def test_nested_callable_is_dedented(ws: Workspace) -> None:
    def inner(x: int) -> int:
        return x + 1

    info = create_function(ws, "inner", inner)
    assert info.source.startswith("def inner(x: int) -> int:")
    assert load_function(info)(1) == 2


def test_imports_inside_the_body_are_fine(ws: Workspace) -> None:
    assert load_function(create_function(ws, "sqrt", imports_inside))(9.0) == 3.0


def test_round_trip_from_source_text(ws: Workspace) -> None:
    source = """
        import math
        from decimal import Decimal

        SCALE = 2

        def scaled(x: "int | None", tags: list[str]) -> Decimal:
            def helper(v: int) -> int:
                return v * SCALE
            return Decimal(helper(x or 0)) + Decimal(math.floor(len(tags)))
    """
    info = create_function(ws, "main.default.scaled", source)
    assert info.entry_point == "scaled"
    assert info.parameters == (
        FunctionParameter("x", "bigint"),
        FunctionParameter("tags", "array<string>"),
    )
    assert info.return_type == "decimal(38,18)"
    assert info.source.startswith("\nimport math")  # dedented, module code kept
    fn = load_function(ws.functions.get(info.name))
    assert fn(3, ["a"]) == Decimal(7)


@pytest.mark.parametrize(
    ("annotation", "sql"),
    [
        ("int", "bigint"),
        ("float", "double"),
        ("str", "string"),
        ("bool", "boolean"),
        ("bytes", "binary"),
        ("datetime", "timestamp"),
        ("datetime.datetime", "timestamp"),
        ("date", "date"),
        ("datetime.date", "date"),
        ("Decimal", "decimal(38,18)"),
        ("decimal.Decimal", "decimal(38,18)"),
        ("Optional[int]", "bigint"),
        ("typing.Optional[str]", "string"),
        ("Union[None, float]", "double"),
        ("int | None", "bigint"),
        ("None | bool", "boolean"),
        ("'float'", "double"),
        ("list[int]", "array<bigint>"),
        ("List[str]", "array<string>"),
        ("dict[str, float]", "map<string,double>"),
        ("typing.Dict[str, list[int]]", "map<string,array<bigint>>"),
    ],
)
def test_source_annotation_types(ws: Workspace, annotation: str, sql: str) -> None:
    info = create_function(ws, "f", f"def f(x: {annotation}) -> {annotation}:\n    return x\n")
    assert info.parameters == (FunctionParameter("x", sql),)
    assert info.return_type == sql


@pytest.mark.parametrize("annotation", ["set[int]", "object", "int | str", "Any", "list", "None"])
def test_unsupported_annotation_is_named(ws: Workspace, annotation: str) -> None:
    with pytest.raises(ValidationError, match="which has no SQL type") as err:
        create_function(ws, "f", f"def f(x: {annotation}) -> int:\n    return 1\n")
    assert f"parameter 'x' is annotated {annotation}" in str(err.value)
    assert "int, float, str, bool" in str(err.value.fix)


def test_unsupported_return_annotation_from_callable(ws: Workspace) -> None:
    def f(x: int) -> set[int]:
        return {x}

    with pytest.raises(ValidationError, match=r"the return value is annotated set\[int\]"):
        create_function(ws, "f", f)


def test_replace_and_already_exists(ws: Workspace) -> None:
    create_function(ws, "f", "def f(x: int) -> int:\n    return x\n")
    with pytest.raises(AlreadyExistsError, match=r"main\.default\.f"):
        create_function(ws, "f", "def f(x: int) -> int:\n    return x * 2\n")
    replaced = create_function(ws, "f", "def f(x: int) -> int:\n    return x * 3\n", replace=True)
    assert load_function(ws.functions.get(replaced.name))(2) == 6


def test_name_resolution_and_missing_schema(ws: Workspace) -> None:
    ws.schemas.create("main", "udfs")
    info = create_function(ws, "udfs.F", "def f() -> int:\n    return 1\n")
    assert info.name.full == "main.udfs.f"
    assert info.parameters == ()
    assert load_function(info)() == 1
    with pytest.raises(SchemaNotFoundError):
        create_function(ws, "main.nope.f", "def f() -> int:\n    return 1\n")
    with pytest.raises(FunctionNotFoundError, match=r"existing functions.*main\.udfs\.f"):
        ws.functions.get(ws.tables.resolve("udfs.g"))


# -- what create_function rejects -------------------------------------------------------------


def test_lambda_is_rejected(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="a lambda cannot be registered") as err:
        create_function(ws, "f", lambda x: x)
    assert "def name(x: float) -> float" in str(err.value.fix)
    with pytest.raises(ValidationError, match="the source assigns a lambda"):
        create_function(ws, "f", "f = lambda x: x\n")


@pytest.mark.parametrize("obj", [print, 3, math.sqrt, object()])
def test_non_function_is_a_type_error(ws: Workspace, obj: Any) -> None:
    with pytest.raises(TypeError, match=r"expected a Python function or its source text.*Fix"):
        create_function(ws, "f", obj)


def test_missing_annotations_are_named(ws: Workspace) -> None:
    with pytest.raises(
        ValidationError, match=r"f\(\) has no type annotation for parameters \['b'\]"
    ):
        create_function(ws, "f", "def f(a: int, b) -> int:\n    return a\n")
    with pytest.raises(ValidationError, match="no type annotation for the return value") as err:
        create_function(ws, "f", "def f(a: int):\n    return a\n")
    assert "def f(x: float) -> float" in str(err.value.fix)


def test_method_self_needs_annotation(ws: Workspace) -> None:
    class Holder:
        def method(self, x: int) -> int:
            return x

    with pytest.raises(ValidationError, match=r"parameters \['self'\]"):
        create_function(ws, "f", Holder.method)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("*args: int", r"f\(\) takes \*args"),
        ("x: int, **kw: int", r"takes \*\*kw"),
        ("x: int, *, y: int", r"keyword-only parameters \['y'\]"),
    ],
)
def test_star_and_keyword_only_parameters(ws: Workspace, signature: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        create_function(ws, "f", f"def f({signature}) -> int:\n    return 1\n")


def test_generator_and_async_are_rejected(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="is a generator") as err:
        create_function(ws, "f", "def f(x: int) -> int:\n    yield x\n")
    assert err.value.fix == "return one value per call instead of yielding"
    nested_yield = "def f(x: int) -> int:\n    def g():\n        yield 1\n    return x\n"
    assert create_function(ws, "g", nested_yield).entry_point == "f"
    with pytest.raises(ValidationError, match="is an async function"):
        create_function(ws, "f", "async def f(x: int) -> int:\n    return x\n")


def test_closure_is_rejected_with_the_variable(ws: Workspace) -> None:
    offset = 3

    def shifted(x: int) -> int:
        return x + offset

    with pytest.raises(ValidationError, match=r"closes over .*\['offset'\]") as err:
        create_function(ws, "f", shifted)
    assert "pass those values as parameters" in str(err.value.fix)


def test_module_level_name_is_rejected_with_fix(ws: Workspace) -> None:
    with pytest.raises(
        ValidationError, match=r"uses_module_import\(\) uses undefined names \['math'\]"
    ) as err:
        create_function(ws, "f", uses_module_import)
    assert "`import math` as its first line" in str(err.value.fix)


def test_undefined_name_in_source_text(ws: Workspace) -> None:
    source = (
        "import os\nLIMIT = 1\ndef f(x: int = LIMIT) -> int:\n    return helper(x) + len(os.sep)\n"
    )
    with pytest.raises(ValidationError, match=r"undefined names \['helper'\]") as err:
        create_function(ws, "f", source)
    assert err.value.fix == "import or define them in the source text"
    with pytest.raises(ValidationError, match=r"undefined names \['MISSING'\]"):
        create_function(ws, "f", "X = MISSING\ndef f() -> int:\n    return 1\n")


def test_global_assigned_inside_the_source_counts_as_defined(ws: Workspace) -> None:
    source = "def f(x: int) -> int:\n    global seen\n    seen = x\n    return seen\n"
    assert load_function(create_function(ws, "f", source))(4) == 4


def test_star_import_skips_the_undefined_name_check(ws: Workspace) -> None:
    source = "from math import *\ndef f(x: float) -> float:\n    return sqrt(x)\n"
    assert load_function(create_function(ws, "f", source))(4.0) == 2.0


def test_decorated_functions_are_rejected(ws: Workspace) -> None:
    import functools

    def deco(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any) -> Any:
            return fn(*args)

        return wrapper

    def identity(fn: Any) -> Any:
        return fn

    @deco
    def wrapped(x: int) -> int:
        return x

    @identity
    def plain(x: int) -> int:
        return x

    for fn in (wrapped, plain):
        with pytest.raises(ValidationError, match="is decorated") as err:
            create_function(ws, "f", fn)
        assert "register the undecorated function" in str(err.value.fix)


def test_function_without_source_is_rejected(ws: Workspace) -> None:
    namespace: dict[str, Any] = {}
    exec("def made(x: int) -> int:\n    return x\n", namespace)
    with pytest.raises(ValidationError, match=r"the source of made\(\) is not available") as err:
        create_function(ws, "f", namespace["made"])
    assert "pass its source text" in str(err.value.fix)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("x = 1\n", "found none"),
        ("", "found none"),
        ("def a() -> int:\n    return 1\ndef b() -> int:\n    return 2\n", r"found a\(\), b\(\)"),
    ],
)
def test_source_needs_exactly_one_function(ws: Workspace, source: str, found: str) -> None:
    with pytest.raises(ValidationError, match=f"exactly one top-level function.*{found}") as err:
        create_function(ws, "f", source)
    assert "nest helper functions inside the entry point" in str(err.value.fix)


def test_source_syntax_error_names_the_line(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match=r"does not parse: .* \(line 2\)"):
        create_function(ws, "f", "def f(x: int) -> int:\n    return (x\n")


# -- load_function ---------------------------------------------------------------------------


def test_load_gives_each_call_a_fresh_namespace(ws: Workspace) -> None:
    source = "calls = []\ndef f(x: int) -> int:\n    calls.append(x)\n    return len(calls)\n"
    info = create_function(ws, "counter", source)
    first, second = load_function(info), load_function(info)
    assert (first(1), first(1), second(1)) == (1, 2, 1)
    assert first.__module__ == "lakeforge_function_counter"


def test_tracebacks_show_the_stored_source(ws: Workspace) -> None:
    info = create_function(ws, "boom", "def boom(x: int) -> int:\n    return 1 // x\n")
    fn = load_function(info)
    with pytest.raises(ZeroDivisionError) as err:
        fn(0)
    text = "".join(traceback.format_exception(err.value))
    assert "<lakeforge function main.default.boom>" in text
    assert "return 1 // x" in text


def test_load_rejects_non_python_and_broken_sources(ws: Workspace) -> None:
    info = create_function(ws, "f", "def f(x: int) -> int:\n    return x\n")
    with pytest.raises(ValidationError, match="is a SQL function, not a Python function"):
        load_function(dataclasses.replace(info, language="SQL"))
    with pytest.raises(ValidationError, match="does not compile") as err:
        load_function(dataclasses.replace(info, source="def f(:\n"))
    assert "create_function(..., replace=True)" in str(err.value.fix)
    with pytest.raises(ValidationError, match="failed: ModuleNotFoundError"):
        load_function(dataclasses.replace(info, source="import not_a_module_xyz\n" + info.source))
    with pytest.raises(ValidationError, match="entry point 'g' is not a function"):
        load_function(dataclasses.replace(info, entry_point="g"))


# -- check_bindings ---------------------------------------------------------------------------


def test_check_bindings_returns_columns_in_parameter_order(ws: Workspace) -> None:
    info = create_function(ws, "ratio", ratio)
    ff = FeatureFunction(udf_name="ratio", input_bindings={"b": "income", "a": "spend"})
    assert check_bindings(ff, info) == ["spend", "income"]


def test_check_bindings_lists_both_sides(ws: Workspace) -> None:
    info = create_function(ws, "ratio", ratio)
    ff = FeatureFunction(udf_name="ratio", input_bindings={"a": "spend", "c": "x"})
    with pytest.raises(ValidationError) as err:
        check_bindings(ff, info)
    message = str(err.value)
    assert "input_bindings keys ['a', 'c'] do not match the parameters ['a', 'b']" in message
    assert "missing: ['b'], unexpected: ['c']" in message
    assert err.value.fix == (
        "bind every parameter exactly once: input_bindings={'a': '<column>', 'b': '<column>'}"
    )


def test_check_bindings_for_function_without_parameters(ws: Workspace) -> None:
    info = create_function(ws, "one", "def one() -> int:\n    return 1\n")
    assert check_bindings(FeatureFunction(udf_name="one"), info) == []
    with pytest.raises(ValidationError, match=r"unexpected: \['x'\]"):
        check_bindings(FeatureFunction(udf_name="one", input_bindings={"x": "c"}), info)


def test_check_bindings_requires_a_python_function(ws: Workspace) -> None:
    info = dataclasses.replace(create_function(ws, "ratio", ratio), language="SQL")
    with pytest.raises(ValidationError, match="is a SQL function; on-demand features need"):
        check_bindings(FeatureFunction(udf_name="ratio"), info)


def test_unevaluable_annotation_is_reported(ws: Workspace) -> None:
    def f(x: NotDefinedAnywhere) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 1

    with pytest.raises(ValidationError, match=r"the annotations of f\(\) cannot be evaluated"):
        create_function(ws, "f", f)
