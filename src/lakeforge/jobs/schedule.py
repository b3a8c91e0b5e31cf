"""Quartz cron schedules: parse a job's ``quartz_cron_expression`` and compute its fire times.

A Databricks job ``schedule`` names a ``quartz_cron_expression``, a ``timezone_id`` and a
``pause_status``. The expression has 6 or 7 whitespace-separated fields::

    seconds  minutes  hours  day-of-month  month  day-of-week  [year]
    0-59     0-59     0-23   1-31          1-12   1-7 (1=SUN)  1970-2199

Every field takes ``*``, a value, a range ``a-b``, a list ``a,b,c`` and the steps ``*/n``,
``a/n`` (from ``a`` to the end of the field) and ``a-b/n``. A range whose end is below its
start wraps around (``22-2`` hours, ``FRI-MON``), except in the year field. Months and days of
the week also take names (``JAN``-``DEC``, ``SUN``-``SAT``, any case). Exactly one of
day-of-month and day-of-week must be ``?`` (Quartz does not support setting both).
Day-of-month also takes ``L`` (last day), ``L-n`` (n days before the last), ``nW`` (the weekday
nearest day n, without leaving the month) and ``LW`` (last weekday); day-of-week takes ``L``
(Saturday), ``nL`` (last n-day of the month) and ``n#k`` (k-th n-day of the month, k 1-5). As in
Quartz, these special forms stand alone, never in a list or range.

Fire times are wall-clock times in the schedule's IANA time zone. A wall-clock time that does
not exist (the spring-forward gap) is skipped; an ambiguous one (the fall-back overlap) fires
once, at its first occurrence. The search walks the fields from year down to second and stops
after the year 2199, so an expression that can never fire (``0 0 0 30 2 ?``) yields ``None``.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lakeforge.errors import ScheduleError

__all__ = ["QuartzSchedule", "parse_schedule"]

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # Quartz numbers them 1-7
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_WEEKDAYS = {name: number for number, name in enumerate(_DAY_NAMES, 1)}
_PART = re.compile(r"(\*|\w+(?:-\w+)?)(?:/(\w+))?", re.ASCII)
_LAST_OFFSET = re.compile(r"L-([0-9]+)")
_NEAREST = re.compile(r"([0-9]+)W")
_LAST_OF_WEEK = re.compile(r"([0-9]+|[A-Z]{3})L")
_NTH_OF_WEEK = re.compile(r"([0-9]+|[A-Z]{3})#([0-9]+)")
_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class _Field:
    """One position of a cron expression: its name, its bounds and the names it accepts."""

    name: str
    low: int
    high: int
    names: Mapping[str, int] | None = None
    hint: str = "a number"


_SECONDS = _Field("seconds", 0, 59)
_MINUTES = _Field("minutes", 0, 59)
_HOURS = _Field("hours", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, _MONTHS, "1-12 or JAN-DEC")
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, _WEEKDAYS, "1-7 or SUN-SAT")
_YEAR = _Field("year", 1970, 2199)


def _int(token: str) -> int:
    """An ASCII digit string as an int (absurdly long ones become a too-large number)."""
    return int(token) if len(token) < 10 else 10**10


def _number(expression: str, spec: _Field, token: str) -> int:
    """One value of a field: a number in the field's range or (month, day-of-week) a name."""
    if spec.names is not None and token.upper() in spec.names:
        return spec.names[token.upper()]
    if not (token.isascii() and token.isdigit()):
        raise ScheduleError(expression, f"{spec.name} field {token!r} is not {spec.hint}")
    value = _int(token)
    if not spec.low <= value <= spec.high:
        raise ScheduleError(
            expression, f"{spec.name} field {token!r} is out of range {spec.low}-{spec.high}"
        )
    return value


def _part_values(expression: str, spec: _Field, part: str) -> list[int]:
    """The values one list item selects: ``*``, ``a``, ``a-b``, each with an optional ``/n``."""
    match = _PART.fullmatch(part)
    if match is None:
        raise ScheduleError(expression, f"{spec.name} field {part!r} is not a value, range or step")
    base, step_text = match[1], match[2]
    span = spec.high - spec.low + 1
    step, max_step = 1, min(spec.high, span)
    if step_text is not None:
        step = _int(step_text) if step_text.isdigit() else 0
        if not 1 <= step <= max_step:
            message = f"has step {step_text!r}; a step must be a whole number from 1 to {max_step}"
            raise ScheduleError(expression, f"{spec.name} field {part!r} {message}")
    if base == "*":
        first, last = spec.low, spec.high
    elif "-" in base:
        left, _, right = base.partition("-")
        first, last = _number(expression, spec, left), _number(expression, spec, right)
    else:
        first = _number(expression, spec, base)
        last = spec.high if step_text is not None else first
    if last < first:
        if spec is _YEAR:
            raise ScheduleError(expression, f"year field {part!r} is a reversed range")
        last += span
    return [spec.low + (value - spec.low) % span for value in range(first, last + 1, step)]


def _values(expression: str, spec: _Field, text: str) -> tuple[int, ...]:
    """The sorted values a plain field (values, ranges, lists, steps) selects."""
    if "?" in text:
        raise ScheduleError(
            expression,
            f"{spec.name} field {text!r}: '?' stands alone, in day-of-month or day-of-week only",
        )
    selected: set[int] = set()
    for part in text.split(","):
        if not part:
            raise ScheduleError(expression, f"{spec.name} field {text!r} has an empty list item")
        selected.update(_part_values(expression, spec, part))
    return tuple(sorted(selected))


def _nearest_weekday(day: int, first_weekday: int, length: int) -> int:
    """The weekday nearest ``day`` in a month starting on ``first_weekday`` (Monday=0)."""
    weekday = (first_weekday + day - 1) % 7
    if weekday == 5:  # Saturday: the Friday before, or the Monday after when the 1st
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before when the last day
        return day + 1 if day < length else day - 2
    return day


@dataclass(frozen=True, slots=True)
class _MonthDays:
    """A parsed day-of-month field: plain days, ``L``/``L-n``, ``nW`` or ``LW``."""

    days: tuple[int, ...] = ()
    last_offset: int | None = None
    nearest: int | None = None
    last_weekday: bool = False

    def within(self, first_weekday: int, length: int) -> tuple[int, ...]:
        """The sorted days selected in a month of ``length`` days starting on ``first_weekday``."""
        if self.last_offset is not None:
            day = length - self.last_offset
            return (day,) if day >= 1 else ()
        if self.last_weekday:
            return (_nearest_weekday(length, first_weekday, length),)
        if self.nearest is not None:
            if self.nearest > length:
                return ()
            return (_nearest_weekday(self.nearest, first_weekday, length),)
        return tuple(day for day in self.days if day <= length)


@dataclass(frozen=True, slots=True)
class _WeekDays:
    """A parsed day-of-week field (Quartz numbering 1=SUN): plain days, ``nL`` or ``n#k``."""

    days: frozenset[int] = frozenset()
    last: int | None = None
    nth: tuple[int, int] | None = None

    def within(self, first_weekday: int, length: int) -> tuple[int, ...]:
        """The sorted days selected in a month of ``length`` days starting on ``first_weekday``."""
        first = (first_weekday + 1) % 7 + 1  # Python's Monday=0 to Quartz's SUN=1
        if self.nth is not None:
            weekday, week = self.nth
            day = 1 + (weekday - first) % 7 + 7 * (week - 1)
            return (day,) if day <= length else ()
        if self.last is not None:
            day = 1 + (self.last - first) % 7
            return (day + 7 * ((length - day) // 7),)
        return tuple(d for d in range(1, length + 1) if (first + d - 2) % 7 + 1 in self.days)


def _month_days(expression: str, text: str) -> _MonthDays | None:
    """Parse the day-of-month field (``None`` for ``?``)."""
    upper = text.upper()
    if upper == "?":
        return None
    if upper == "L":
        return _MonthDays(last_offset=0)
    if upper == "LW":
        return _MonthDays(last_weekday=True)
    if match := _LAST_OFFSET.fullmatch(upper):
        if _int(match[1]) > 30:
            raise ScheduleError(
                expression, f"day-of-month field {text!r}: the offset after 'L-' must be 0-30"
            )
        return _MonthDays(last_offset=_int(match[1]))
    if match := _NEAREST.fullmatch(upper):
        return _MonthDays(nearest=_number(expression, _DAY_OF_MONTH, match[1]))
    if "L" in upper or "W" in upper:
        raise ScheduleError(
            expression,
            f"day-of-month field {text!r}: 'L', 'L-n', 'nW' and 'LW' must stand alone",
        )
    return _MonthDays(days=_values(expression, _DAY_OF_MONTH, text))


def _week_days(expression: str, text: str) -> _WeekDays | None:
    """Parse the day-of-week field (``None`` for ``?``)."""
    upper = text.upper()
    if upper == "?":
        return None
    if upper == "L":
        return _WeekDays(days=frozenset({7}))
    if match := _LAST_OF_WEEK.fullmatch(upper):
        return _WeekDays(last=_number(expression, _DAY_OF_WEEK, match[1]))
    if match := _NTH_OF_WEEK.fullmatch(upper):
        if not 1 <= _int(match[2]) <= 5:
            raise ScheduleError(
                expression, f"day-of-week field {text!r}: the week after '#' must be 1-5"
            )
        return _WeekDays(nth=(_number(expression, _DAY_OF_WEEK, match[1]), _int(match[2])))
    if "L" in upper or "#" in upper:
        raise ScheduleError(
            expression, f"day-of-week field {text!r}: 'nL' and 'n#k' must stand alone"
        )
    return _WeekDays(days=frozenset(_values(expression, _DAY_OF_WEEK, text)))


def _zone(expression: str, timezone: str) -> ZoneInfo:
    """The IANA time zone ``timezone`` (a schedule error when unknown)."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ScheduleError(
            expression,
            f"unknown timezone_id {timezone!r}",
            fix="use an IANA name such as 'UTC' or 'Europe/Amsterdam'",
        ) from None


def _after(values: tuple[int, ...], low: int) -> tuple[int, ...]:
    """The sorted ``values`` that are at least ``low``."""
    return values[bisect_left(values, low) :]


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of naive ``wall`` in ``zone`` (first occurrence), None in a DST gap."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def _overlap_end(instant: datetime, zone: ZoneInfo) -> datetime:
    """The wall time at which the fall-back overlap holding ``instant`` (2nd pass) ends."""
    local = instant.astimezone(zone)
    late, early = local.utcoffset(), local.replace(fold=0).utcoffset()
    if late is None or early is None or early <= late:
        return local.replace(tzinfo=None, microsecond=0)
    high = instant.replace(microsecond=0)  # at or after the transition
    low = high - (early - late)  # before the transition
    while high - low > _ONE_SECOND:  # binary search for the transition instant
        middle = (low + (high - low) / 2).replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == late:
            high = middle
        else:
            low = middle
    return (high + early).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class QuartzSchedule:
    """A Quartz cron expression in an IANA time zone, validated when constructed.

    Attributes:
        expression: The ``quartz_cron_expression``, e.g. ``"0 0 9 * * ?"``.
        timezone: The ``timezone_id`` the wall-clock fields are read in, e.g. ``"UTC"``.
    """

    expression: str
    timezone: str = "UTC"
    _seconds: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _minutes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _hours: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _months: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _years: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _days: _MonthDays | _WeekDays = field(init=False, repr=False, compare=False)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        expression = self.expression
        parts = expression.split()
        if len(parts) not in (6, 7):
            raise ScheduleError(
                expression,
                "expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week "
                f"[year]), got {len(parts)}",
            )
        setter = object.__setattr__
        setter(self, "_seconds", _values(expression, _SECONDS, parts[0]))
        setter(self, "_minutes", _values(expression, _MINUTES, parts[1]))
        setter(self, "_hours", _values(expression, _HOURS, parts[2]))
        setter(self, "_months", _values(expression, _MONTH, parts[4]))
        setter(self, "_years", _values(expression, _YEAR, parts[6] if len(parts) == 7 else "*"))
        month_days, week_days = _month_days(expression, parts[3]), _week_days(expression, parts[5])
        if (month_days is None) == (week_days is None):
            both = "'?'" if month_days is None else f"set ({parts[3]!r} and {parts[5]!r})"
            raise ScheduleError(
                expression,
                f"day-of-month and day-of-week are both {both}; Quartz needs '?' in exactly one",
                fix="e.g. '0 0 9 * * ?' (every day) or '0 0 9 ? * MON' (Mondays)",
            )
        setter(self, "_days", month_days if month_days is not None else week_days)
        setter(self, "_zone", _zone(expression, self.timezone))

    def next_fire(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after``.

        Args:
            after: An aware datetime; a naive one is read as UTC.

        Returns:
            The fire time as an aware UTC datetime, or ``None`` when the schedule never fires
            again (its years are past, or its days never occur, as in ``0 0 0 30 2 ?``).
        """
        instant = (after.replace(tzinfo=UTC) if after.tzinfo is None else after).astimezone(UTC)
        local = instant.astimezone(self._zone)
        wall = local.replace(tzinfo=None, microsecond=0, fold=0)
        if local.fold == 1:  # second pass of a fall-back overlap: its wall times fired already
            wall = max(wall, _overlap_end(instant, self._zone))
        while (candidate := self._next_wall(wall)) is not None:
            fire = _to_utc(candidate, self._zone)
            if fire is not None and fire > instant:
                return fire
            wall = candidate + _ONE_SECOND
        return None

    def fire_times(self, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` fire times after ``after``, in order, as aware UTC datetimes.

        Args:
            after: An aware datetime; a naive one is read as UTC.
            count: How many to return (fewer when the schedule ends, none when not positive).
        """
        times: list[datetime] = []
        current = after
        while len(times) < count and (fire := self.next_fire(current)) is not None:
            times.append(fire)
            current = fire
        return times

    def _next_wall(self, start: datetime) -> datetime | None:
        """The first matching naive wall-clock time at or after ``start`` (None past 2199)."""
        for year in _after(self._years, start.year):
            same_year = year == start.year
            for month in _after(self._months, start.month if same_year else 1):
                same_month = same_year and month == start.month
                days = self._days.within(*calendar.monthrange(year, month))
                for day in _after(days, start.day if same_month else 1):
                    if same_month and day == start.day:
                        clock = self._clock(start.hour, start.minute, start.second)
                    else:
                        clock = (self._hours[0], self._minutes[0], self._seconds[0])
                    if clock is not None:
                        return datetime(year, month, day, *clock)
        return None

    def _clock(self, hour: int, minute: int, second: int) -> tuple[int, int, int] | None:
        """The first matching (hour, minute, second) at or after the given one in a day."""
        for next_hour in _after(self._hours, hour):
            if next_hour > hour:
                return next_hour, self._minutes[0], self._seconds[0]
            for next_minute in _after(self._minutes, minute):
                if next_minute > minute:
                    return next_hour, next_minute, self._seconds[0]
                seconds = _after(self._seconds, second)
                if seconds:
                    return next_hour, next_minute, seconds[0]
        return None


def parse_schedule(expression: str, timezone: str = "UTC") -> QuartzSchedule:
    """Parse a Quartz cron expression and its time zone.

    Args:
        expression: The ``quartz_cron_expression`` (6 or 7 fields).
        timezone: The ``timezone_id``, an IANA name such as ``"Europe/Amsterdam"``.

    Raises:
        ScheduleError: The expression or the time zone is invalid.
    """
    return QuartzSchedule(expression, timezone)
