"""``dbutils.widgets``: named string parameters with defaults (api-compat §6.4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lakeforge.errors import ValidationError
from lakeforge.jobs.dbutils.members import Utility


class Widgets(Utility):
    """``dbutils.widgets``: named string parameters with defaults."""

    def __init__(self, given: dict[str, str]) -> None:
        super().__init__("dbutils.widgets")
        self._given = dict(given)
        self._defaults: dict[str, str] = {}

    def _define(self, name: str, default: Any) -> None:
        self._defaults[str(name)] = "" if default is None else str(default)

    def text(self, name: str, defaultValue: str, label: str | None = None) -> None:  # noqa: N803
        """Define a text widget."""
        self._define(name, defaultValue)

    def dropdown(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        """Define a dropdown widget; the default must be one of ``choices``."""
        if str(defaultValue) not in [str(c) for c in choices]:
            raise ValidationError(
                f"widget {name!r}: default {defaultValue!r} is not one of {list(choices)}",
                "pick the default from the choices",
            )
        self._define(name, defaultValue)

    def combobox(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        """Define a combobox widget (any value allowed)."""
        self._define(name, defaultValue)

    def multiselect(
        self,
        name: str,
        defaultValue: str,  # noqa: N803
        choices: Sequence[str],
        label: str | None = None,
    ) -> None:
        """Define a multiselect widget; its value is the comma-joined selection."""
        self._define(name, defaultValue)

    def get(self, name: str) -> str:
        """The widget's value: the task's parameter if given, else its default."""
        if name in self._given:
            return self._given[name]
        if name in self._defaults:
            return self._defaults[name]
        known = sorted(set(self._given) | set(self._defaults))
        raise ValidationError(
            f"widget {name!r} is not defined (defined: {known})",
            f"define it first, e.g. dbutils.widgets.text({name!r}, 'default'), or pass it as a "
            "task/job parameter",
        )

    def getArgument(self, name: str, optional: str | None = None) -> str | None:  # noqa: N802
        """The legacy form of :meth:`get`: ``optional`` when the widget is not defined."""
        if name in self._given or name in self._defaults:
            return self.get(name)
        return optional

    def getAll(self) -> dict[str, str]:  # noqa: N802
        """Every widget's value."""
        return {**self._defaults, **self._given}

    def remove(self, name: str) -> None:
        """Remove a widget definition."""
        self._defaults.pop(name, None)
        self._given.pop(name, None)

    def removeAll(self) -> None:  # noqa: N802
        """Remove every widget."""
        self._defaults.clear()
        self._given.clear()
