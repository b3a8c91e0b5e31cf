"""read_udf: the stored form of a Python function, without a workspace."""

from __future__ import annotations

import pytest

from lakeforge.catalog.records import FunctionParameter
from lakeforge.errors import ValidationError
from lakeforge.features.udf_source import LAZY_ANNOTATIONS, UdfSource, read_udf


def add(a: int, b: int) -> int:
    return a + b


def test_read_udf_from_callable() -> None:
    udf = read_udf("here", add)
    assert udf == UdfSource(
        source="def add(a: int, b: int) -> int:\n    return a + b\n",
        entry_point="add",
        parameters=(FunctionParameter("a", "bigint"), FunctionParameter("b", "bigint")),
        return_type="bigint",
    )


def test_read_udf_from_source_keeps_module_code() -> None:
    text = "    import math\n    def f(x: float) -> float:\n        return math.floor(x)\n"
    udf = read_udf("here", text)
    assert udf.source == "import math\ndef f(x: float) -> float:\n    return math.floor(x)\n"
    assert (udf.entry_point, udf.return_type) == ("f", "double")


def test_messages_start_with_the_caller_context() -> None:
    with pytest.raises(ValidationError, match=r"^create_function\('main\.default\.f'\): "):
        read_udf("create_function('main.default.f')", "x = 1\n")
    with pytest.raises(TypeError, match=r"^ctx: expected a Python function"):
        read_udf("ctx", 42)


def test_annotation_only_names_need_no_import() -> None:
    udf = read_udf("here", "def f(x: Decimal) -> Decimal:\n    return x\n")
    assert udf.return_type == "decimal(38,18)"
    code = compile(udf.source, "<t>", "exec", flags=LAZY_ANNOTATIONS, dont_inherit=True)
    namespace: dict[str, object] = {}
    exec(code, namespace)  # would raise NameError if annotations were evaluated
    assert namespace["f"].__annotations__ == {"x": "Decimal", "return": "Decimal"}  # type: ignore[attr-defined]
