"""What every ``dbutils`` object shares: its dotted name, ``help()``, and an error for a member
that does not exist which names the call and lists what does (an ``AttributeError`` too)."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from lakeforge.errors import UnknownUtilityError


class Utility:
    """A ``dbutils`` object (``dbutils``, ``dbutils.fs``, ``...getContext()``) named ``path``."""

    _hidden: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, path: str) -> None:
        self._path = path

    def _members(self) -> list[str]:
        names = {n for n in dir(type(self)) if not n.startswith("_")}
        names |= {n for n in vars(self) if not n.startswith("_")}
        return sorted(names - self._hidden)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails. Private and special names (copy, pickle and
        # IPython's display probes ask for them) get the plain error they expect.
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnknownUtilityError(f"{self._path}.{name}", self._members())

    def help(self, method: str | None = None) -> None:
        """Print the members (or one member's documentation)."""
        if method is not None:
            target = getattr(self, method)
            print(f"{self._path}.{method}: {inspect.getdoc(target) or ''}")
            return
        print(f"{self._path} provides:")
        for name in self._members():
            doc = inspect.getdoc(getattr(self, name)) or ""
            print(f"  {name}: {doc.splitlines()[0] if doc else ''}")

    def __repr__(self) -> str:
        return f"<{self._path}>"
