"""Three-level names: parsing, validation, quoting and storage paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakeforge.errors import InvalidNameError, PathEscapeError
from lakeforge.names import (
    MAX_PART_LENGTH,
    ObjectName,
    is_legacy_catalog,
    parse_name,
    parse_schema_name,
    quote_identifier,
    storage_path,
    validate_part,
)


def test_one_part_name_takes_default_catalog_and_schema() -> None:
    assert parse_name("orders") == ObjectName("main", "default", "orders")


def test_two_part_name_takes_current_catalog() -> None:
    assert parse_name("gold.orders") == ObjectName("main", "gold", "orders")


def test_three_part_name_ignores_current_catalog_and_schema() -> None:
    parsed = parse_name("dev.gold.orders", current_catalog="prod", current_schema="x")
    assert parsed.parts == ("dev", "gold", "orders")


def test_one_and_two_part_names_use_given_current_catalog_and_schema() -> None:
    assert parse_name("t", current_catalog="dev", current_schema="raw").full == "dev.raw.t"
    assert parse_name("s.t", current_catalog="dev", current_schema="raw").full == "dev.s.t"


def test_parts_are_lowercased() -> None:
    parsed = parse_name("Main.Gold.ORDERS")
    assert parsed == ObjectName("main", "gold", "orders")
    assert parse_name("T", current_catalog="DEV", current_schema="RAW").full == "dev.raw.t"


def test_object_name_forms() -> None:
    name = parse_name("main.gold.orders")
    assert str(name) == "main.gold.orders"
    assert name.schema_full == "main.gold"
    assert name.quoted() == '"main"."gold"."orders"'


def test_parse_name_returns_object_name_unchanged() -> None:
    name = ObjectName("a", "b", "c")
    assert parse_name(name) is name


def test_object_name_built_directly_is_validated_and_lowercased() -> None:
    assert ObjectName("Main", "Gold", "Orders").full == "main.gold.orders"
    with pytest.raises(InvalidNameError, match="'a/b'"):
        ObjectName("main", "a/b", "t")


def test_object_names_sort_by_parts() -> None:
    names = [parse_name("b.a.a"), parse_name("a.b.a"), parse_name("a.a.b")]
    assert [n.full for n in sorted(names)] == ["a.a.b", "a.b.a", "b.a.a"]


def test_non_ascii_parts_are_allowed() -> None:
    assert parse_name("Café.Données.Tëst").full == "café.données.tëst"


@pytest.mark.parametrize(
    ("text", "bad_part", "problem"),
    [
        ("a.b.c.d", "c.d", "contains '.'"),
        ("a.b.c.d.e", "c.d.e", "found 5"),
        ("my table", "my table", "a space"),
        ("gold.my table", "my table", "a space"),
        ("a/b", "a/b", "'/'"),
        ("x.a/b.t", "a/b", "'/'"),
        ("tab\tname", "tab\tname", "control character 0x09"),
        ("new\nline", "new\nline", "control character 0x0a"),
        ("nul\x00byte", "nul\x00byte", "control character 0x00"),
        ("del\x7fchar", "del\x7fchar", "control character 0x7f"),
        ("c1\x85char", "c1\x85char", "control character 0x85"),
        ("nbsp\u00a0here", "nbsp\u00a0here", "whitespace U+00A0"),
        ("lone\ud800surrogate", "lone\ud800surrogate", "lone surrogate U+D800"),
        ("a..b", "", "(schema) is empty"),
        (".a", "", "(schema) is empty"),
        ("a.", "", "(name) is empty"),
        ("", "", "(name) is empty"),
        ("x" * (MAX_PART_LENGTH + 1), "x" * 40 + "...", "256 characters, over 255"),
    ],
)
def test_invalid_names_are_rejected_naming_the_bad_part(
    text: str, bad_part: str, problem: str
) -> None:
    with pytest.raises(InvalidNameError) as info:
        parse_name(text)
    err = info.value
    assert err.part == bad_part
    assert err.name == text
    assert repr(bad_part) in str(err)
    assert problem in str(err)
    assert "Fix:" in str(err)


def test_part_of_exactly_max_length_is_accepted() -> None:
    assert parse_name("x" * MAX_PART_LENGTH).name == "x" * MAX_PART_LENGTH


def test_part_that_grows_over_the_limit_when_lowercased_is_rejected() -> None:
    # U+0130 lowercases to two code points, so 200 of them become 400 characters.
    with pytest.raises(InvalidNameError, match="400 characters"):
        validate_part("\u0130" * 200)


@pytest.mark.parametrize(
    ("text", "bad_part"),
    [
        ("../../etc", "/../etc"),
        ("..%2f..", "%2f.."),
        ("/etc/passwd", "/etc/passwd"),
        ("a\x00b", "a\x00b"),
        ("a;DROP TABLE x", "a;DROP TABLE x"),
        ("..", ""),
        ("main.default.../x", "../x"),
    ],
)
def test_traversal_and_injection_inputs_are_rejected(text: str, bad_part: str) -> None:
    with pytest.raises(InvalidNameError) as info:
        parse_name(text)
    assert info.value.part == bad_part
    assert repr(bad_part) in str(info.value)


def test_invalid_current_catalog_is_reported_with_its_role() -> None:
    with pytest.raises(InvalidNameError, match=r"\(catalog\) contains a space"):
        parse_name("t", current_catalog="bad cat")


def test_non_string_name_is_rejected() -> None:
    with pytest.raises(InvalidNameError, match="not a string"):
        parse_name(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidNameError, match="must be a string"):
        validate_part(None)  # type: ignore[arg-type]


def test_validate_part_reports_role_and_whole_name() -> None:
    with pytest.raises(InvalidNameError) as info:
        validate_part("a b", name="main.a b", role="schema")
    assert info.value.name == "main.a b"
    assert "(schema)" in str(info.value)


def test_parse_schema_name_one_and_two_parts() -> None:
    assert parse_schema_name("gold") == ("main", "gold")
    assert parse_schema_name("gold", current_catalog="Dev") == ("dev", "gold")
    assert parse_schema_name("Dev.Gold") == ("dev", "gold")


@pytest.mark.parametrize(
    ("text", "bad_part"), [("a.b.c", "b.c"), ("a..", "."), ("a b", "a b"), (".x", "")]
)
def test_parse_schema_name_rejects_bad_names(text: str, bad_part: str) -> None:
    with pytest.raises(InvalidNameError) as info:
        parse_schema_name(text)
    assert info.value.part == bad_part


def test_legacy_catalogs() -> None:
    assert is_legacy_catalog("hive_metastore")
    assert is_legacy_catalog("Spark_Catalog")
    assert not is_legacy_catalog("main")


@pytest.mark.parametrize(
    ("part", "quoted"),
    [
        ("orders", '"orders"'),
        ('we"ird', '"we""ird"'),
        ('"', '""""'),
        ('a""b', '"a""""b"'),
        ("x; DROP TABLE y; --", '"x; DROP TABLE y; --"'),
        ("", '""'),
    ],
)
def test_quote_identifier_doubles_embedded_quotes(part: str, quoted: str) -> None:
    assert quote_identifier(part) == quoted


def test_quoted_identifier_round_trips_through_duckdb() -> None:
    duckdb = pytest.importorskip("duckdb")
    tricky = 'co"l; drop table x --'
    con = duckdb.connect()
    try:
        rows = con.sql(f"SELECT 1 AS {quote_identifier(tricky)}")
        assert rows.columns == [tricky]
    finally:
        con.close()


def test_storage_path_joins_lowercased_parts_under_root(tmp_path: Path) -> None:
    path = storage_path(tmp_path, "Main", "Gold", "Orders")
    assert path == tmp_path.resolve() / "main" / "gold" / "orders"


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "/etc", "", "a\x00", "~user/x"])
def test_storage_path_rejects_bad_parts(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InvalidNameError):
        storage_path(tmp_path, "main", bad)


def test_storage_path_needs_a_part(tmp_path: Path) -> None:
    with pytest.raises(InvalidNameError, match="at least one part"):
        storage_path(tmp_path)


def test_storage_path_rejects_components_over_255_bytes(tmp_path: Path) -> None:
    name = "é" * 200  # 200 characters, 400 bytes
    assert validate_part(name) == name
    with pytest.raises(InvalidNameError, match="400 bytes"):
        storage_path(tmp_path, "main", name)


def test_storage_path_refuses_a_symlink_out_of_root(tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "main").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathEscapeError) as info:
        storage_path(root, "main", "t")
    assert isinstance(info.value, InvalidNameError)
    assert str(outside.resolve()) in str(info.value)


# Any code point, lone surrogates included (hypothesis leaves those out unless asked).
_ANY_CHAR = st.characters(exclude_categories=()) | st.characters(categories=["Cs"])
_ANY_TEXT = st.text(alphabet=_ANY_CHAR, max_size=20) | st.sampled_from(
    ["..", ".", "/", "..%2f..", "../x", "\x00", "~", "a\\..\\b", "ü", "\u0130" * 200]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(_ANY_TEXT, min_size=1, max_size=4))
def test_storage_path_never_leaves_root(parts: list[str]) -> None:
    root = Path(__file__).parent / "_no_such_root"
    try:
        path = storage_path(root, *parts)
    except InvalidNameError:
        return
    base = root.resolve()
    assert base in path.parents
    assert path != base
    assert path.relative_to(base).parts == tuple(p.lower() for p in parts)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_parse_name_either_rejects_or_returns_valid_parts(text: str) -> None:
    try:
        parsed = parse_name(text)
    except InvalidNameError as err:
        assert repr(err.part) in str(err)
        return
    for part in parsed.parts:
        assert part
        assert part == part.lower()
        assert not set(part) & {".", "/", " ", "\x00", "\x7f"}
