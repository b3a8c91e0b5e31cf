"""Three-level names (``catalog.schema.name``): parse, validate, quote, map to storage paths.

Parts are lowercased. A part may not be empty, contain ``.``, a space (or other whitespace),
``/``, a control character (0x00-0x1F, DEL 0x7F, 0x80-0x9F) or a lone surrogate, and is at most
255 characters (also after lowercasing). One-part names take the current catalog and schema;
two-part names take the current catalog. :func:`storage_path` additionally keeps every path
component within the 255-byte file name limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lakeforge.errors import InvalidNameError, PathEscapeError

MAX_PART_LENGTH = 255
MAX_PATH_COMPONENT_BYTES = 255
# '.', '/', any whitespace (\s is Unicode-aware), C0/DEL/C1 controls and lone surrogates.
_FORBIDDEN = re.compile(r"[./\s\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_RESERVED_LEGACY = frozenset({"hive_metastore", "spark_catalog"})


def _describe_char(char: str) -> str:
    if char == " ":
        return "a space"
    if char in "./":
        return repr(char)
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"control character 0x{code:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate U+{code:04X}"
    return f"whitespace U+{code:04X}"


def validate_part(part: str, *, name: str | None = None, role: str = "name") -> str:
    """Validate one name part and return it lowercased.

    Args:
        part: The part to check.
        name: The whole name, for the error message.
        role: ``catalog``, ``schema`` or ``name``, for the error message.

    Raises:
        InvalidNameError: Naming the bad part and why it is bad.
    """
    whole = part if name is None else name
    if not isinstance(part, str):
        raise InvalidNameError(str(whole), str(part), f"({role}) must be a string")
    if part == "":
        raise InvalidNameError(whole, part, f"({role}) is empty")
    lowered = part.lower()
    # Lowercasing can lengthen a part (e.g. U+0130), so the limit applies to both forms.
    length = max(len(part), len(lowered))
    if length > MAX_PART_LENGTH:
        raise InvalidNameError(
            whole, part[:40] + "...", f"({role}) is {length} characters, over {MAX_PART_LENGTH}"
        )
    bad = _FORBIDDEN.search(part) or _FORBIDDEN.search(lowered)
    if bad:
        raise InvalidNameError(whole, part, f"({role}) contains {_describe_char(bad.group())}")
    return lowered


@dataclass(frozen=True, slots=True, order=True)
class ObjectName:
    """A validated, lowercased three-level name."""

    catalog: str
    schema: str
    name: str

    def __str__(self) -> str:
        return self.full

    def __post_init__(self) -> None:
        # Every ObjectName is valid and lowercased, however it was built.
        whole = ".".join(str(p) for p in (self.catalog, self.schema, self.name))
        for role in ("catalog", "schema", "name"):
            value = validate_part(getattr(self, role), name=whole, role=role)
            if value != getattr(self, role):
                object.__setattr__(self, role, value)

    @property
    def full(self) -> str:
        """``catalog.schema.name``."""
        return f"{self.catalog}.{self.schema}.{self.name}"

    @property
    def schema_full(self) -> str:
        """``catalog.schema``."""
        return f"{self.catalog}.{self.schema}"

    def quoted(self) -> str:
        """SQL-quoted form, safe to splice into a statement."""
        return ".".join(quote_identifier(p) for p in (self.catalog, self.schema, self.name))

    @property
    def parts(self) -> tuple[str, str, str]:
        """The three parts."""
        return (self.catalog, self.schema, self.name)


def _split(text: str, limit: int, roles: tuple[str, ...]) -> list[str]:
    if not isinstance(text, str):
        raise InvalidNameError(repr(text), repr(text), "is not a string")
    parts = text.split(".")
    if len(parts) > limit:
        # Everything after the last allowed dot is what the last part would be: name it.
        rest = ".".join(parts[limit - 1 :])
        raise InvalidNameError(
            text,
            rest,
            f"({roles[-1]}) contains '.': at most {limit} dot-separated parts are allowed, "
            f"found {len(parts)}",
        )
    return parts


def parse_name(
    text: str | ObjectName, *, current_catalog: str = "main", current_schema: str = "default"
) -> ObjectName:
    """Parse ``name``, ``schema.name`` or ``catalog.schema.name``.

    Raises:
        InvalidNameError: For a bad part (named in the message) or too many parts.
    """
    if isinstance(text, ObjectName):
        return text
    roles = ("catalog", "schema", "name")
    parts = _split(text, 3, roles)
    padded = [current_catalog, current_schema][: 3 - len(parts)] + parts
    catalog, schema, name = (
        validate_part(p, name=text, role=r) for p, r in zip(padded, roles, strict=True)
    )
    return ObjectName(catalog, schema, name)


def parse_schema_name(text: str, *, current_catalog: str = "main") -> tuple[str, str]:
    """Parse ``schema`` or ``catalog.schema`` into validated ``(catalog, schema)``."""
    parts = _split(text, 2, ("catalog", "schema"))
    padded = [current_catalog][: 2 - len(parts)] + parts
    return (
        validate_part(padded[0], name=text, role="catalog"),
        validate_part(padded[1], name=text, role="schema"),
    )


def is_legacy_catalog(catalog: str) -> bool:
    """True for ``hive_metastore``/``spark_catalog`` (the pre-catalog two-level namespace)."""
    return catalog.lower() in _RESERVED_LEGACY


def quote_identifier(part: str) -> str:
    """Double-quote an identifier for SQL, doubling embedded quotes."""
    return '"' + part.replace('"', '""') + '"'


def storage_path(root: Path, *parts: str) -> Path:
    """Join validated name parts under ``root`` and prove the result stays inside it.

    Raises:
        InvalidNameError: A part is invalid.
        PathEscapeError: The resolved path would leave ``root``.
    """
    joined = ".".join(str(p) for p in parts)
    if not parts:
        raise InvalidNameError(joined, joined, "is empty: a storage path needs at least one part")
    checked = [validate_part(p, name=joined) for p in parts]
    for original, part in zip(parts, checked, strict=True):
        size = len(part.encode("utf-8"))
        if size > MAX_PATH_COMPONENT_BYTES:
            raise InvalidNameError(
                joined,
                original[:40] + "...",
                f"is {size} bytes in UTF-8, over the {MAX_PATH_COMPONENT_BYTES}-byte file name "
                "limit",
                "use a shorter name (non-ASCII characters take 2-4 bytes each)",
            )
    base = root.resolve()
    path = base.joinpath(*checked).resolve()
    if base not in path.parents:
        raise PathEscapeError(joined, str(path), str(base))
    return path
