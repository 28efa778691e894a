"""Working days: Mon-Fri plus China's statutory holidays and swapped working days, overridable."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from runtime.business_calendar import BusinessCalendar, CalendarError

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def cn() -> BusinessCalendar:
    return BusinessCalendar.from_metadata(None, "Asia/Shanghai")


def test_national_day_2025_with_its_swapped_working_days(cn):
    assert cn.is_workday(D(2025, 9, 28))  # a Sunday worked instead (调休)
    assert all(not cn.is_workday(D(2025, 10, day)) for day in range(1, 9))  # 国庆 + 中秋, Oct 1-8
    assert cn.is_workday(D(2025, 10, 9)) and cn.is_workday(D(2025, 10, 10))
    assert cn.is_workday(D(2025, 10, 11))  # a Saturday worked instead
    assert not cn.is_workday(D(2025, 10, 12))


def test_five_workdays_after_2025_09_30_is_2025_10_14(cn):
    # Oct 1-8 off; Oct 9, 10, 11 (swapped Saturday), 13, 14.
    assert cn.add_workdays(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert cn.add_workdays(D(2025, 10, 14), -5) == D(2025, 9, 30)
    assert cn.add_workdays(D(2025, 10, 3), 1) == D(2025, 10, 9)  # from a holiday
    assert cn.add_workdays(D(2025, 10, 3), 0) == D(2025, 10, 3)  # like Excel's WORKDAY(d, 0)


def test_spring_festival_2026(cn):
    # chinesecalendar's data: Feb 15-23 off, Saturdays Feb 14 and Feb 28 worked.
    assert cn.is_workday(D(2026, 2, 14)) and cn.is_workday(D(2026, 2, 28))
    assert [d for d in range(13, 25) if not cn.is_workday(D(2026, 2, d))] == list(range(15, 24))
    assert cn.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cn.add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert cn.workdays_between(D(2026, 2, 9), D(2026, 3, 1)) == 11  # 9-14, 24-28


def test_workdays_between_counts_both_ends_like_networkdays(cn):
    assert cn.workdays_between(D(2025, 9, 29), D(2025, 10, 10)) == 4  # 29, 30, Oct 9, 10
    assert cn.workdays_between(D(2025, 9, 27), D(2025, 10, 12)) == 6  # + Sep 28, Oct 11
    assert cn.workdays_between(D(2025, 10, 10), D(2025, 9, 29)) == -4
    assert cn.workdays_between(D(2025, 10, 9), D(2025, 10, 9)) == 1
    assert cn.workdays_between(D(2025, 10, 5), D(2025, 10, 5)) == 0
    start = D(2025, 9, 30)
    assert cn.workdays_between(start, cn.add_workdays(start, 5)) == 6


def test_datetimes_are_read_in_the_calendars_time_zone(cn):
    # 2025-09-30 17:00 UTC is already Oct 1 (a holiday) in Shanghai.
    late = dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.timezone.utc)
    assert not cn.is_workday(late)
    assert cn.add_workdays(late, 1) == dt.datetime(2025, 10, 9, 1, 0, tzinfo=SHANGHAI)
    morning = dt.datetime(2025, 9, 30, 10, 30)  # naive: local time
    assert cn.add_workdays(morning, 5) == dt.datetime(2025, 10, 14, 10, 30, tzinfo=SHANGHAI)


def test_years_without_statutory_data_fall_back_to_the_workweek(cn):
    assert cn.is_workday(D(2031, 1, 1))  # a Wednesday: no data for 2031, so just Mon-Fri
    assert not cn.is_workday(D(2031, 1, 4))  # Saturday
    assert cn.add_workdays(D(2031, 1, 3), 1) == D(2031, 1, 6)


def test_app_overrides_holidays_extra_workdays_weekdays_and_statutory():
    cal = BusinessCalendar.from_metadata({
        "timezone": "Asia/Urumqi", "workdays": [1, 2, 3, 4, 5, 6], "statutory": "CN",
        "holidays": ["2025-10-09", "2026-03-06"], "extra_workdays": ["2025-10-05"],
    }, "Asia/Shanghai")
    assert cal.tz == ZoneInfo("Asia/Urumqi")
    assert cal.is_workday(D(2025, 10, 5))  # company works this holiday Sunday
    assert not cal.is_workday(D(2025, 10, 9))  # company's own day off
    assert not cal.is_workday(D(2025, 10, 1))  # statutory still applies
    assert cal.is_workday(D(2026, 3, 7))  # Saturdays are workdays here
    assert not cal.is_workday(D(2026, 3, 6)) and not cal.is_workday(D(2026, 3, 8))
    plain = BusinessCalendar.from_metadata({"statutory": None}, "Asia/Shanghai")
    assert plain.is_workday(D(2025, 10, 1)) and not plain.is_workday(D(2025, 9, 28))
    assert plain.add_workdays(D(2025, 9, 30), 5) == D(2025, 10, 7)


def test_bad_sections_report_every_problem_with_its_path():
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_metadata({
            "timezone": "Mars/Base", "workdays": [0, 8], "statutory": "US",
            "holidays": ["2026-13-01", 5], "extra_workdays": "2026-01-01", "weekends": [6],
        }, "Asia/Shanghai")
    paths = [path for path, _msg in caught.value.problems]
    assert paths == ["/weekends", "/timezone", "/workdays", "/statutory", "/holidays/0", "/holidays/1",
                     "/extra_workdays"]
    with pytest.raises(CalendarError, match="also listed in holidays"):
        BusinessCalendar.from_metadata({"holidays": ["2026-01-05"], "extra_workdays": ["2026-01-05"]},
                                       "Asia/Shanghai")


def test_the_calendar_is_immutable(cn):
    with pytest.raises(AttributeError):
        cn.statutory = None  # type: ignore[misc]


def test_a_calendar_without_working_days_refuses_arithmetic():
    cal = BusinessCalendar.from_metadata({"workdays": [], "statutory": None}, "UTC")
    with pytest.raises(ValueError, match="no working days"):
        cal.add_workdays(D(2026, 1, 1), 1)


def test_it_is_a_work_calendar_for_the_expression_language(cn):
    from expression.calendar import WorkCalendar
    assert isinstance(cn, WorkCalendar)
