"""Three-level names (``catalog.schema.name``): parse, validate, quote, map to storage paths.

Parts are lowercased. A part may not be empty, contain ``.``, a space, ``/``, a control
character (0x00-0x1F) or DEL (0x7F), and is at most 255 characters. One-part names take the
current catalog and schema; two-part names take the current catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lakeforge.errors import InvalidNameError, PathEscapeError

MAX_PART_LENGTH = 255
_FORBIDDEN = re.compile(r"[. /\x00-\x1f\x7f]")
_RESERVED_LEGACY = frozenset({"hive_metastore", "spark_catalog"})


def _describe_char(char: str) -> str:
    if char == " ":
        return "a space"
    if char in "./":
        return repr(char)
    return f"control character 0x{ord(char):02x}"


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
    if len(part) > MAX_PART_LENGTH:
        raise InvalidNameError(
            whole, part[:40] + "...", f"({role}) is {len(part)} characters, over {MAX_PART_LENGTH}"
        )
    bad = _FORBIDDEN.search(part)
    if bad:
        raise InvalidNameError(whole, part, f"({role}) contains {_describe_char(bad.group())}")
    return part.lower()


@dataclass(frozen=True, slots=True, order=True)
class ObjectName:
    """A validated, lowercased three-level name."""

    catalog: str
    schema: str
    name: str

    def __str__(self) -> str:
        return self.full

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


def _split(text: str) -> list[str]:
    if not isinstance(text, str):
        raise InvalidNameError(repr(text), repr(text), "is not a string")
    return text.split(".")


def parse_name(
    text: str | ObjectName, *, current_catalog: str = "main", current_schema: str = "default"
) -> ObjectName:
    """Parse ``name``, ``schema.name`` or ``catalog.schema.name``.

    Raises:
        InvalidNameError: For a bad part (named in the message) or too many parts.
    """
    if isinstance(text, ObjectName):
        return text
    parts = _split(text)
    if len(parts) > 3:
        raise InvalidNameError(
            text, parts[-1], f"has {len(parts)} dot-separated parts, at most 3 are allowed"
        )
    padded = [current_catalog, current_schema][: 3 - len(parts)] + parts
    roles = ("catalog", "schema", "name")
    catalog, schema, name = (
        validate_part(p, name=text, role=r) for p, r in zip(padded, roles, strict=True)
    )
    return ObjectName(catalog, schema, name)


def parse_schema_name(text: str, *, current_catalog: str = "main") -> tuple[str, str]:
    """Parse ``schema`` or ``catalog.schema`` into validated ``(catalog, schema)``."""
    parts = _split(text)
    if len(parts) > 2:
        raise InvalidNameError(text, parts[-1], "is a schema name with more than 2 parts")
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
    joined = ".".join(parts)
    checked = [validate_part(p, name=joined) for p in parts]
    base = root.resolve()
    path = base.joinpath(*checked).resolve()
    if path != base and base not in path.parents:
        raise PathEscapeError(joined, str(path), str(base))
    return path
