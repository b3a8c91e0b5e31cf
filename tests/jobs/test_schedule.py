"""Quartz cron schedules: parsing, fire times, time zones, errors, and a brute-force oracle."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakeforge.errors import ScheduleError
from lakeforge.jobs.schedule import QuartzSchedule, parse_schedule


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def fires(expression: str, after: datetime, count: int, timezone: str = "UTC") -> list[datetime]:
    return parse_schedule(expression, timezone).fire_times(after, count)


# --- examples ---------------------------------------------------------------------------------


def test_daily_at_nine_fires_strictly_after() -> None:
    schedule = parse_schedule("0 0 9 * * ?")
    assert schedule.next_fire(utc(2024, 3, 10, 8, 59, 59)) == utc(2024, 3, 10, 9)
    assert schedule.next_fire(utc(2024, 3, 10, 9)) == utc(2024, 3, 11, 9)
    assert schedule.next_fire(datetime(2024, 3, 10, 9, 0, 0, 1)) == utc(2024, 3, 11, 9)  # naive
    assert schedule.next_fire(utc(2024, 12, 31, 23)) == utc(2025, 1, 1, 9)


def test_result_is_aware_utc_for_an_aware_input_in_another_zone() -> None:
    after = datetime(2024, 6, 1, 10, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))  # 08:30 UTC
    fire = parse_schedule("0 0 9 * * ?").next_fire(after)
    assert fire == utc(2024, 6, 1, 9)
    assert fire is not None and fire.tzinfo is UTC


def test_every_fifteen_minutes() -> None:
    assert fires("0 */15 * * * ?", utc(2024, 3, 10, 10, 7, 30), 4) == [
        utc(2024, 3, 10, 10, 15),
        utc(2024, 3, 10, 10, 30),
        utc(2024, 3, 10, 10, 45),
        utc(2024, 3, 10, 11, 0),
    ]


def test_weekdays_at_noon_skip_the_weekend() -> None:
    # 2024-03-08 is a Friday
    assert fires("0 0 12 ? * MON-FRI", utc(2024, 3, 8, 12), 2) == [
        utc(2024, 3, 11, 12),
        utc(2024, 3, 12, 12),
    ]
    assert fires("0 0 12 ? * mon-fri", utc(2024, 3, 8, 12), 1) == [utc(2024, 3, 11, 12)]


def test_last_day_of_month_handles_leap_years() -> None:
    assert fires("0 0 0 L * ?", utc(2024, 1, 31), 3) == [
        utc(2024, 2, 29),
        utc(2024, 3, 31),
        utc(2024, 4, 30),
    ]
    assert fires("0 0 0 L 2 ?", utc(2023, 1, 1), 1) == [utc(2023, 2, 28)]
    assert fires("0 0 0 L-2 * ?", utc(2024, 2, 1), 2) == [utc(2024, 2, 27), utc(2024, 3, 29)]


def test_nearest_weekday_moves_off_weekends_without_leaving_the_month() -> None:
    # 2024-06-15 is a Saturday (-> Friday 14th); 2024-09-15 is a Sunday (-> Monday 16th)
    assert fires("0 0 0 15W * ?", utc(2024, 6, 1), 4) == [
        utc(2024, 6, 14),
        utc(2024, 7, 15),
        utc(2024, 8, 15),
        utc(2024, 9, 16),
    ]
    # 2024-06-01 is a Saturday: the nearest weekday in June is Monday the 3rd
    assert fires("0 0 0 1W * ?", utc(2024, 5, 15), 2) == [utc(2024, 6, 3), utc(2024, 7, 1)]
    # 2024-03-31 is a Sunday: the nearest weekday in March is Friday the 29th
    assert fires("0 0 0 31W * ?", utc(2024, 3, 1), 2) == [utc(2024, 3, 29), utc(2024, 5, 31)]
    # last weekday: 2024-06-30 is a Sunday -> Friday 28th
    assert fires("0 0 0 LW * ?", utc(2024, 6, 1), 2) == [utc(2024, 6, 28), utc(2024, 7, 31)]


def test_last_and_nth_weekday_of_month() -> None:
    assert fires("0 0 0 ? * 6L", utc(2024, 3, 1), 3) == [
        utc(2024, 3, 29),
        utc(2024, 4, 26),
        utc(2024, 5, 31),
    ]
    assert fires("0 0 0 ? * FRIL", utc(2024, 3, 1), 1) == [utc(2024, 3, 29)]
    assert fires("0 0 0 ? * 2#1", utc(2024, 3, 4), 3) == [
        utc(2024, 4, 1),
        utc(2024, 5, 6),
        utc(2024, 6, 3),
    ]
    # a fifth Thursday exists only in some months
    assert fires("0 0 0 ? * THU#5", utc(2024, 1, 1), 2) == [utc(2024, 2, 29), utc(2024, 5, 30)]


def test_year_field_limits_the_schedule() -> None:
    schedule = parse_schedule("0 30 10 ? * 1 2030")  # Sundays in 2030
    assert schedule.next_fire(utc(2024, 1, 1)) == utc(2030, 1, 6, 10, 30)
    assert schedule.next_fire(utc(2030, 12, 29, 10, 30)) is None
    assert schedule.fire_times(utc(2030, 12, 20), 5) == [
        utc(2030, 12, 22, 10, 30),
        utc(2030, 12, 29, 10, 30),
    ]
    assert parse_schedule("0 0 0 1 1 ? 2020").next_fire(utc(2024, 1, 1)) is None


def test_lists_ranges_steps_and_wrapping_ranges() -> None:
    assert fires("0 0 22-2 * * ?", utc(2024, 1, 1, 21), 6) == [
        utc(2024, 1, 1, 22),
        utc(2024, 1, 1, 23),
        utc(2024, 1, 2, 0),
        utc(2024, 1, 2, 1),
        utc(2024, 1, 2, 2),
        utc(2024, 1, 2, 22),
    ]
    assert fires("5/20 1,3 10-14/2 * JAN,jul ?", utc(2024, 6, 1), 4) == [
        utc(2024, 7, 1, 10, 1, 5),
        utc(2024, 7, 1, 10, 1, 25),
        utc(2024, 7, 1, 10, 1, 45),
        utc(2024, 7, 1, 10, 3, 5),
    ]
    assert fires("0 0 0 ? * FRI-MON", utc(2024, 3, 6), 4) == [  # a Wednesday
        utc(2024, 3, 8),
        utc(2024, 3, 9),
        utc(2024, 3, 10),
        utc(2024, 3, 11),
    ]


def test_impossible_date_returns_none_quickly() -> None:
    start = time.perf_counter()
    assert parse_schedule("0 0 0 30 2 ?").next_fire(utc(2024, 1, 1)) is None
    assert parse_schedule("0 0 0 31 4,6,9,11 ?").next_fire(utc(1970, 1, 1)) is None
    assert parse_schedule("0 0 0 30 2 ?").fire_times(utc(2024, 1, 1), 3) == []
    assert time.perf_counter() - start < 1.0


def test_next_fire_is_fast_for_ordinary_expressions() -> None:
    schedules = [
        parse_schedule(e, tz)
        for e, tz in [
            ("0 0 9 * * ?", "UTC"),
            ("0 */15 * * * ?", "Europe/Amsterdam"),
            ("0 0 12 ? * MON-FRI", "America/New_York"),
            ("0 0 0 L * ?", "UTC"),
            ("0 0 0 ? * 6L", "Asia/Tokyo"),
        ]
    ]
    start = time.perf_counter()
    for day in range(40):
        for schedule in schedules:
            assert schedule.next_fire(utc(2024, 1, 1) + timedelta(days=day, seconds=37)) is not None
    assert (time.perf_counter() - start) / 200 < 0.010


def test_new_york_spring_forward_gap_is_skipped() -> None:
    # 2024-03-10: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day
    assert fires("0 30 2 * * ?", utc(2024, 3, 9), 3, "America/New_York") == [
        utc(2024, 3, 9, 7, 30),  # 02:30 EST
        utc(2024, 3, 11, 6, 30),  # 02:30 EDT
        utc(2024, 3, 12, 6, 30),
    ]
    assert fires("0 0 * * * ?", utc(2024, 3, 10, 5, 30), 3, "America/New_York") == [
        utc(2024, 3, 10, 6),  # 01:00 EST
        utc(2024, 3, 10, 7),  # 03:00 EDT
        utc(2024, 3, 10, 8),
    ]


def test_new_york_fall_back_overlap_fires_once() -> None:
    # 2024-11-03: 02:00 EDT falls back to 01:00 EST, so 01:00-01:59 happen twice
    assert fires("0 30 1 * * ?", utc(2024, 11, 2), 3, "America/New_York") == [
        utc(2024, 11, 2, 5, 30),  # 01:30 EDT
        utc(2024, 11, 3, 5, 30),  # 01:30 EDT, first occurrence only
        utc(2024, 11, 4, 6, 30),  # 01:30 EST
    ]
    assert fires("0 0 * * * ?", utc(2024, 11, 3, 3, 59, 59), 4, "America/New_York") == [
        utc(2024, 11, 3, 4),  # 00:00 EDT
        utc(2024, 11, 3, 5),  # 01:00 EDT (01:00 EST at 06:00 UTC does not fire)
        utc(2024, 11, 3, 7),  # 02:00 EST
        utc(2024, 11, 3, 8),
    ]
    # from inside the second pass of the overlap, the next fire is after the overlap
    every_second = parse_schedule("* * * * * ?", "America/New_York")
    assert every_second.next_fire(utc(2024, 11, 3, 6, 15)) == utc(2024, 11, 3, 7)
    assert every_second.next_fire(utc(2024, 11, 3, 5, 59, 59)) == utc(2024, 11, 3, 7)


def test_schedule_value_semantics() -> None:
    schedule = QuartzSchedule("0 0 9 * * ?", "Europe/Amsterdam")
    assert schedule == parse_schedule("0 0 9 * * ?", "Europe/Amsterdam")
    assert hash(schedule) == hash(parse_schedule("0 0 9 * * ?", "Europe/Amsterdam"))
    assert repr(schedule) == "QuartzSchedule(expression='0 0 9 * * ?', timezone='Europe/Amsterdam')"
    assert parse_schedule("0 0 9 * * ?").timezone == "UTC"
    assert schedule.fire_times(utc(2024, 1, 1), 0) == []


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 9 * * ?", "got 5"),
        ("0 0 9 * * ? 2030 1", "got 8"),
        ("", "got 0"),
        ("0 0 9 ? * ?", "both '?'"),
        ("0 0 9 * * *", "day-of-month and day-of-week are both set ('*' and '*')"),
        ("0 0 9 1 * MON", "are both set ('1' and 'MON')"),
        ("0 0 25 * * ?", "hours field '25' is out of range 0-23"),
        ("60 0 0 * * ?", "seconds field '60' is out of range 0-59"),
        ("0 0 0 32 * ?", "day-of-month field '32' is out of range 1-31"),
        ("0 0 0 0 * ?", "day-of-month field '0' is out of range 1-31"),
        ("0 0 0 ? 13 MON", "month field '13' is out of range 1-12"),
        ("0 0 0 ? * 8", "day-of-week field '8' is out of range 1-7"),
        ("0 0 0 1 1 ? 2200", "year field '2200' is out of range 1970-2199"),
        ("0 0 0 1 1 ? 2030-2025", "year field '2030-2025' is a reversed range"),
        ("0 0/0 * * * ?", "minutes field '0/0' has step '0'"),
        ("0 */x * * * ?", "minutes field '*/x' has step 'x'"),
        ("0 0 */24 * * ?", "hours field '*/24' has step '24'"),
        ("0 0 0 ? FOO MON", "month field 'FOO' is not 1-12 or JAN-DEC"),
        ("0 0 0 ? * MONDAY", "day-of-week field 'MONDAY' is not 1-7 or SUN-SAT"),
        ("0 0 x * * ?", "hours field 'x' is not a number"),
        ("0 0 1,,2 * * ?", "hours field '1,,2' has an empty list item"),
        ("0 0 1-2-3 * * ?", "hours field '1-2-3' is not a value, range or step"),
        ("? 0 0 * * ?", "seconds field '?': '?' stands alone"),
        ("0 0 0 ?,1 * MON", "day-of-month field '?,1'"),
        ("0 0 0 L,15 * ?", "day-of-month field 'L,15'"),
        ("0 0 0 L-31 * ?", "day-of-month field 'L-31'"),
        ("0 0 0 32W * ?", "day-of-month field '32' is out of range 1-31"),
        ("0 0 0 ? * 2#6", "day-of-week field '2#6'"),
        ("0 0 0 ? * 9L", "day-of-week field '9' is out of range 1-7"),
        ("0 0 0 ? * 6L,2", "day-of-week field '6L,2'"),
    ],
)
def test_bad_expressions_name_the_field_and_value(expression: str, expected: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(expression)
    assert expected in str(raised.value)
    assert raised.value.expression == expression


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "", "../etc/passwd", "America"])
def test_unknown_timezone_is_a_schedule_error(timezone: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule("0 0 9 * * ?", timezone)
    assert f"unknown timezone_id {timezone!r}" in str(raised.value)
    assert raised.value.fix == "use an IANA name such as 'UTC' or 'Europe/Amsterdam'"


# --- properties -------------------------------------------------------------------------------

Field = tuple[str, frozenset[int]]


def field_values(low: int, high: int) -> st.SearchStrategy[Field]:
    """A field's text and the set of values it selects (computed independently of the parser)."""
    every = st.just(("*", frozenset(range(low, high + 1))))
    listed = st.sets(st.integers(low, high), min_size=1, max_size=4).map(
        lambda values: (",".join(map(str, sorted(values))), frozenset(values))
    )
    ranged = st.tuples(st.integers(low, high), st.integers(low, high)).map(
        lambda pair: (f"{min(pair)}-{max(pair)}", frozenset(range(min(pair), max(pair) + 1)))
    )
    stepped = st.tuples(st.integers(low, high), st.integers(1, 20)).map(
        lambda pair: (f"{pair[0]}/{pair[1]}", frozenset(range(pair[0], high + 1, pair[1])))
    )
    return st.one_of(every, listed, ranged, stepped)


def quartz_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday=0 -> 2 ... Sunday=6 -> 1


@st.composite
def day_fields(draw: st.DrawFn) -> tuple[str, str, Callable[[date], bool]]:
    """Day-of-month and day-of-week texts (one of them '?') and a predicate on dates."""
    kind = draw(st.sampled_from(["month-days", "week-days", "last"]))
    if kind == "last":
        return "L", "?", lambda d: d.day == calendar.monthrange(d.year, d.month)[1]
    if kind == "month-days":
        text, days = draw(field_values(1, 31))
        return text, "?", lambda d: d.day in days
    names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    weekdays = draw(st.sets(st.integers(1, 7), min_size=1, max_size=4))
    text = ",".join(draw(st.sampled_from([str(n), names[n - 1].lower()])) for n in sorted(weekdays))
    return "?", text, lambda d: quartz_weekday(d) in weekdays


WINDOW = 3 * 86400


def brute_force(
    seconds: frozenset[int],
    minutes: frozenset[int],
    hours: frozenset[int],
    day_ok: Callable[[date], bool],
    after: datetime,
) -> datetime | None:
    """The first matching UTC second after ``after``, scanning forward second by second.

    A day whose date does not match holds no matching second, so it is stepped over whole.
    """
    first = calendar.timegm(after.timetuple()) + 1
    end = first + WINDOW
    moment = first
    while moment < end:
        day_end = moment - moment % 86400 + 86400
        if day_ok(date(1970, 1, 1) + timedelta(days=moment // 86400)):
            for second in range(moment, min(day_end, end)):
                if (
                    second % 60 in seconds
                    and second // 60 % 60 in minutes
                    and second // 3600 % 24 in hours
                ):
                    return datetime.fromtimestamp(second, UTC)
        moment = day_end
    return None


@settings(max_examples=200, deadline=None)
@given(
    seconds=field_values(0, 59),
    minutes=field_values(0, 59),
    hours=field_values(0, 23),
    days=day_fields(),
    after=st.one_of(
        st.datetimes(datetime(2024, 2, 20), datetime(2024, 3, 5)),
        st.datetimes(datetime(2023, 12, 28), datetime(2024, 1, 3)),
    ),
)
def test_next_fire_matches_a_brute_force_scan(
    seconds: Field,
    minutes: Field,
    hours: Field,
    days: tuple[str, str, Callable[[date], bool]],
    after: datetime,
) -> None:
    month_days, week_days, day_ok = days
    expression = f"{seconds[0]} {minutes[0]} {hours[0]} {month_days} * {week_days}"
    expected = brute_force(seconds[1], minutes[1], hours[1], day_ok, after)
    actual = parse_schedule(expression).next_fire(after)
    if expected is not None:
        assert actual == expected, expression
    else:  # nothing within the window: the schedule fires later, or never
        window_end = after.replace(microsecond=0, tzinfo=UTC) + timedelta(seconds=WINDOW)
        assert actual is None or actual > window_end, expression


TRANSITIONS = [  # (zone, a UTC instant at a DST transition in 2024)
    ("America/New_York", utc(2024, 3, 10, 7)),
    ("America/New_York", utc(2024, 11, 3, 6)),
    ("Europe/Amsterdam", utc(2024, 3, 31, 1)),
    ("Europe/Amsterdam", utc(2024, 10, 27, 1)),
    ("Australia/Lord_Howe", utc(2024, 4, 6, 15)),  # 30-minute shifts
    ("Australia/Lord_Howe", utc(2024, 10, 5, 15, 30)),
]


@settings(max_examples=100, deadline=None)
@given(
    minutes=field_values(0, 59),
    hours=field_values(0, 23),
    transition=st.sampled_from(TRANSITIONS),
    offset=st.integers(-30 * 3600, 6 * 3600),
)
def test_next_fire_in_a_dst_zone_matches_a_minute_scan(
    minutes: Field, hours: Field, transition: tuple[str, datetime], offset: int
) -> None:
    """Fires are instants whose local time matches and is a first occurrence (fold=0)."""
    zone_name, instant = transition
    zone = ZoneInfo(zone_name)
    after = instant + timedelta(seconds=offset, microseconds=offset % 7)
    expected = None
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(2 * 24 * 60):
        local = moment.astimezone(zone)
        if local.fold == 0 and local.minute in minutes[1] and local.hour in hours[1]:
            expected = moment
            break
        moment += timedelta(minutes=1)
    actual = parse_schedule(f"0 {minutes[0]} {hours[0]} * * ?", zone_name).next_fire(after)
    if expected is not None:
        assert actual == expected
    else:
        assert actual is None or actual >= moment
