"""``FeatureLookup``: which features to join from a feature table, and on which keys.

Follows the reference signature and checks (api-compat §1.9). An argument of the wrong Python
type (``rename_outputs`` not a dict, ``lookback_window`` not a ``timedelta``, an unknown keyword)
raises ``TypeError``; a value that is well typed but wrong (a non-string feature name, a negative
lookback, a default keyed by a pre-rename name) raises :class:`~lakeforge.errors.ValidationError`.
Checks that need the table (features exist, key types match) run when a training set is built.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from lakeforge.errors import ValidationError
from lakeforge.names import parse_name

DEFAULT_VALUE_TYPES: tuple[type, ...] = (bool, int, float, str)  # Spark: boolean, numbers, string


def _table_name(table_name: object) -> str:
    if not isinstance(table_name, str):
        raise TypeError(
            f"FeatureLookup: table_name must be a str, got {type(table_name).__name__} "
            f"{table_name!r}. Fix: pass 'catalog.schema.table' or a one-part table name"
        )
    parse_name(table_name)  # syntax only; catalog/schema defaults are applied when resolved
    return table_name


def _names(where: str, argument: str, value: object, *, allow_none: bool) -> list[str] | None:
    """Normalize ``str | list[str]`` to a list; elements must be non-empty strings."""
    if value is None and allow_none:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise TypeError(
            f"{where}: {argument} must be a str or a list of str, got {type(value).__name__} "
            f"{value!r}. Fix: pass {argument}='col' or {argument}=['col1', 'col2']"
        )
    for item in value:
        if not isinstance(item, str) or not item:
            raise ValidationError(
                f"{where}: {argument} holds {item!r} ({type(item).__name__}); only non-empty "
                "strings (column names) are allowed",
                f"pass column names as strings, e.g. {argument}=['col1', 'col2']",
            )
    if not value:
        raise ValidationError(
            f"{where}: {argument} is an empty list",
            f"name at least one column{' or pass None' if allow_none else ''}",
        )
    return list(dict.fromkeys(value))  # duplicates dropped, order kept (reference behaviour)


def _legacy(where: str, old: str, new: str, value: object, modern: object) -> str | None:
    """Check a legacy keyword (``feature_name``/``output_name``) against its modern one."""
    if value is None:
        return None
    if modern:
        raise ValidationError(
            f"{where}: both {new}={modern!r} and the legacy {old}={value!r} were given",
            f"pass only {new} ({old} is deprecated)",
        )
    if not isinstance(value, str) or not value:
        raise ValidationError(
            f"{where}: {old} must be a non-empty str, got {value!r}",
            f"pass {new} instead ({old} is deprecated)",
        )
    return value


def _str_mapping(where: str, argument: str, value: object, example: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{where}: {argument} must be a dict, got {type(value).__name__} {value!r}. "
            f"Fix: pass {argument}={example}"
        )
    for key in value:
        if not isinstance(key, str) or not key:
            raise ValidationError(
                f"{where}: {argument} key {key!r} is not a non-empty str",
                f"key {argument} by column name, e.g. {argument}={example}",
            )
    return dict(value)


def _renames(where: str, rename_outputs: object) -> dict[str, str]:
    if rename_outputs is None:
        return {}
    renames = _str_mapping(where, "rename_outputs", rename_outputs, "{'feature': 'new_name'}")
    for feature, output in renames.items():
        if not isinstance(output, str) or not output:
            raise ValidationError(
                f"{where}: rename_outputs[{feature!r}] is {output!r}; a new name must be a "
                "non-empty str",
                f"pass rename_outputs={{{feature!r}: 'new_name'}}",
            )
    return renames


def _legacy_rename(where: str, output: str, names: list[str] | None) -> dict[str, str]:
    if names is None or len(names) != 1:
        raise ValidationError(
            f"{where}: output_name={output!r} renames exactly one feature, but feature_names is "
            f"{names!r}",
            "pass rename_outputs={'feature': 'new_name'} (output_name is deprecated)",
        )
    return {names[0]: output}


def _check_renames(where: str, renames: dict[str, str], names: list[str] | None) -> None:
    if names is None:
        return
    unknown = [k for k in renames if k not in names]
    if unknown:
        raise ValidationError(
            f"{where}: rename_outputs renames {unknown}, which are not among the requested "
            f"features {names}",
            "key rename_outputs by feature names listed in feature_names",
        )
    outputs = [renames.get(n, n) for n in names]
    clashes = sorted({o for o in outputs if outputs.count(o) > 1})
    if clashes:
        raise ValidationError(
            f"{where}: several features would be output as {clashes} "
            f"(feature_names={names}, rename_outputs={renames})",
            "give every feature a distinct output name",
        )


def _timestamp_key(where: str, value: object) -> str | None:
    if isinstance(value, list | tuple) and not value:
        return None  # reference: an empty list means no timestamp key
    keys = _names(where, "timestamp_lookup_key", value, allow_none=True)
    if keys and len(keys) > 1:
        raise ValidationError(
            f"{where}: timestamp_lookup_key={keys!r} names {len(keys)} columns; only one "
            "timestamp lookup key is supported",
            "pass a single column name, e.g. timestamp_lookup_key='event_ts'",
        )
    return keys[0] if keys else None


def _lookback(where: str, value: object, timestamp_key: str | None) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, timedelta):
        raise TypeError(
            f"{where}: lookback_window must be a datetime.timedelta, got {type(value).__name__} "
            f"{value!r}. Fix: pass e.g. lookback_window=timedelta(days=7)"
        )
    if timestamp_key is None:
        raise ValidationError(
            f"{where}: lookback_window={value!r} was given without timestamp_lookup_key; a "
            "lookback window only applies to point-in-time lookups on time series tables",
            "also pass timestamp_lookup_key='<event-time column>', or drop lookback_window",
        )
    if value < timedelta(0):
        raise ValidationError(
            f"{where}: lookback_window={value!r} is negative",
            "pass a non-negative timedelta (timedelta(0) means an exact timestamp match)",
        )
    return value


def _defaults(
    where: str, default_values: object, renames: dict[str, str], names: list[str] | None
) -> dict[str, Any]:
    if default_values is None:
        return {}
    defaults = _str_mapping(where, "default_values", default_values, "{'output_name': 0.0}")
    for key, value in defaults.items():
        if not isinstance(value, DEFAULT_VALUE_TYPES):
            raise ValidationError(
                f"{where}: default_values[{key!r}] is {value!r} of type {type(value).__name__}; "
                "defaults may be int, float, bool or str",
                "convert it to a plain Python value, e.g. int(x), float(x) or str(x), or omit "
                "the key for no default",
            )
    _check_default_keys(where, defaults, renames, names)
    return defaults


def _check_default_keys(
    where: str, defaults: Mapping[str, Any], renames: Mapping[str, str], names: Sequence[str] | None
) -> None:
    outputs = None if names is None else [renames.get(n, n) for n in names]
    for key in defaults:
        if outputs is not None and key in outputs:
            continue
        if key in renames and (outputs is not None or key not in renames.values()):
            raise ValidationError(
                f"{where}: default_values key {key!r} is a feature name before renaming; "
                "default_values are keyed by output name",
                f"use the new name: default_values={{{renames[key]!r}: ...}}",
            )
        if outputs is not None:
            raise ValidationError(
                f"{where}: default_values key {key!r} is not among the requested features; "
                f"valid output names: {outputs}",
                "key default_values by one of those output names (after rename_outputs)",
            )


_FIELDS = (
    "_table_name",
    "_lookup_key",
    "_feature_names",
    "_rename_outputs",
    "_timestamp_lookup_key",
    "_lookback_window",
    "_default_values",
    "_feature_name",
    "_output_name",
)


class FeatureLookup:
    """Features to join from one feature table on the given lookup keys.

    Args:
        table_name: Feature table, ``catalog.schema.table`` or shorter (current catalog/schema).
        lookup_key: Input column(s) matched positionally with the table's primary keys.
        feature_names: Features to look up; None means every column except the keys,
            resolved when the training set is built.
        rename_outputs: Output name per feature, ``{feature: new_name}``.
        timestamp_lookup_key: Input event-time column for a point-in-time lookup.
        lookback_window: Oldest feature row (relative to the event time) a lookup may use.
        default_values: Value per **output** name used when the lookup yields null.
        **kwargs: Only the legacy ``feature_name`` and ``output_name``.

    Raises:
        TypeError: An unknown keyword or an argument of the wrong Python type.
        ValidationError: A well-typed but invalid value (named in the message with the fix).
    """

    __slots__ = _FIELDS
    _table_name: str
    _lookup_key: tuple[str, ...]
    _feature_names: tuple[str, ...] | None
    _rename_outputs: dict[str, str]
    _timestamp_lookup_key: str | None
    _lookback_window: timedelta | None
    _default_values: dict[str, Any]
    _feature_name: str | None
    _output_name: str | None

    def __init__(
        self,
        table_name: str,
        lookup_key: str | list[str],
        *,
        feature_names: str | list[str] | None = None,
        rename_outputs: dict[str, str] | None = None,
        timestamp_lookup_key: str | list[str] | None = None,
        lookback_window: timedelta | None = None,
        default_values: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        legacy_feature = kwargs.pop("feature_name", None)
        legacy_output = kwargs.pop("output_name", None)
        if kwargs:
            raise TypeError(
                f"FeatureLookup got unexpected keyword argument(s): {sorted(kwargs)}. Fix: use "
                "feature_names, rename_outputs, timestamp_lookup_key, lookback_window or "
                "default_values"
            )
        table = _table_name(table_name)
        where = f"FeatureLookup(table_name={table!r})"
        keys = _names(where, "lookup_key", lookup_key, allow_none=False)
        names = _names(where, "feature_names", feature_names, allow_none=True)
        legacy_feature = _legacy(where, "feature_name", "feature_names", legacy_feature, names)
        names = [legacy_feature] if legacy_feature else names
        renames = _renames(where, rename_outputs)
        legacy_output = _legacy(where, "output_name", "rename_outputs", legacy_output, renames)
        renames = _legacy_rename(where, legacy_output, names) if legacy_output else renames
        _check_renames(where, renames, names)
        ts_key = _timestamp_key(where, timestamp_lookup_key)
        values = (
            table,
            tuple(keys or ()),
            None if names is None else tuple(names),
            renames,
            ts_key,
            _lookback(where, lookback_window, ts_key),
            _defaults(where, default_values, renames, names),
            legacy_feature,
            legacy_output,
        )
        for field, value in zip(_FIELDS, values, strict=True):
            object.__setattr__(self, field, value)
        for old, new in (("feature_name", "feature_names"), ("output_name", "rename_outputs")):
            message = f"FeatureLookup: {old} is deprecated; use {new}"
            if getattr(self, f"_{old}") is not None:  # warn only once the lookup is valid
                warnings.warn(message, FutureWarning, stacklevel=2)

    @property
    def table_name(self) -> str:
        """Feature table name as given."""
        return self._table_name

    @property
    def lookup_key(self) -> list[str]:
        """Input columns matched positionally with the table's primary keys (a copy)."""
        return list(self._lookup_key)

    @property
    def feature_names(self) -> list[str] | None:
        """Requested features (duplicates removed), or None for all of the table's features."""
        return None if self._feature_names is None else list(self._feature_names)

    @property
    def rename_outputs(self) -> dict[str, str]:
        """Output name per renamed feature (the legacy ``output_name`` included)."""
        return dict(self._rename_outputs)

    @property
    def feature_name(self) -> str | None:
        """The legacy single feature name, if it was given. **Deprecated**: use feature_names."""
        return self._feature_name

    @property
    def output_name(self) -> str | None:
        """The legacy output name (or legacy feature name). **Deprecated**: use rename_outputs."""
        return self._output_name or self._feature_name

    @property
    def timestamp_lookup_key(self) -> str | None:
        """Input event-time column of a point-in-time lookup."""
        return self._timestamp_lookup_key

    @property
    def lookback_window(self) -> timedelta | None:
        """Lookback window of a point-in-time lookup."""
        return self._lookback_window

    @property
    def default_values(self) -> dict[str, Any]:
        """Default value per output name (empty when none were given)."""
        return dict(self._default_values)

    def output_name_for(self, feature: str) -> str:
        """Output column name of ``feature`` after ``rename_outputs``."""
        return self._rename_outputs.get(feature, feature)

    def validate_defaults(self, resolved_feature_names: Sequence[str]) -> None:
        """Check ``default_values`` keys against the features (before renaming) resolved later.

        Raises:
            ValidationError: A key is a pre-rename name or not among the resolved outputs.
        """
        where, names = f"FeatureLookup(table_name={self._table_name!r})", resolved_feature_names
        _check_default_keys(where, self._default_values, self._rename_outputs, names)

    def _key(self) -> tuple[Any, ...]:
        return tuple(
            tuple(sorted(v.items())) if isinstance(v, dict) else v
            for v in (getattr(self, f) for f in _FIELDS)
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FeatureLookup):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        legacy_out = self._output_name is not None
        parts = [f"table_name={self._table_name!r}", f"lookup_key={self.lookup_key!r}"]
        optional: list[tuple[str, object]] = [
            ("feature_name", self._feature_name),
            ("feature_names", None if self._feature_name else self.feature_names),
            ("rename_outputs", None if legacy_out else self.rename_outputs or None),
            ("output_name", self._output_name),
            ("timestamp_lookup_key", self._timestamp_lookup_key),
            ("lookback_window", self._lookback_window),
            ("default_values", self.default_values or None),
        ]
        parts += [f"{name}={value!r}" for name, value in optional if value is not None]
        return f"FeatureLookup({', '.join(parts)})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"FeatureLookup is immutable; cannot set {name!r}. Fix: build a new FeatureLookup"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FeatureLookup is immutable; cannot delete {name!r}")

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        # Default pickling of a slotted object gives (None, {slot: value}); set them directly.
        for field, value in state[1].items():
            object.__setattr__(self, field, value)
