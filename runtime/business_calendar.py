"""Working days: which dates count, and date arithmetic in working days.

A date is a workday when, in this order of precedence:

1. it is listed in the app's ``holidays`` -> no; in its ``extra_workdays`` (调休上班) -> yes;
2. with ``statutory="CN"``, it is a Chinese statutory holiday -> no, or a swapped working day
   (调休, usually a weekend day) -> yes, as published by the State Council and kept in the
   ``chinesecalendar`` package. For years that package does not know yet (it raises
   ``NotImplementedError``) this step is skipped, so such years fall back to plain ``workdays``;
3. otherwise its ISO weekday (Monday = 1 ... Sunday = 7) is one of ``workdays`` (default Mon-Fri).

The calendar section of the metadata document configures it::

    "calendar": {"timezone": "Asia/Shanghai", "workdays": [1, 2, 3, 4, 5], "statutory": "CN",
                 "holidays": ["2026-02-13"], "extra_workdays": ["2026-02-07"]}
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

STATUTORY = ("CN",)
DEFAULT_WORKDAYS = frozenset({1, 2, 3, 4, 5})
MAX_SPAN_DAYS = 366 * 100  # arithmetic further than a century away is a caller's mistake
_KEYS = {"timezone", "workdays", "statutory", "holidays", "extra_workdays"}


class CalendarError(ValueError):
    """A bad ``calendar`` section; ``problems`` lists every ``(json_pointer, message)``."""

    def __init__(self, problems: Iterable[tuple[str, str]]):
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{path or '/'}: {msg}" for path, msg in self.problems))


def _cn_statutory(day: dt.date) -> bool | None:
    """True for a statutory working day (调休), False for a statutory holiday, None otherwise
    (an ordinary day, or a year the package has no data for)."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    if name is None:
        return None
    return not is_holiday


@dataclass(frozen=True)
class BusinessCalendar:
    """An app's working-day calendar. Immutable; build it with :meth:`from_metadata`."""

    tz: ZoneInfo
    workdays: frozenset[int] = DEFAULT_WORKDAYS
    statutory: str | None = "CN"
    holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_metadata(cls, section: Mapping[str, Any] | None, default_tz: str) -> BusinessCalendar:
        """Build from the metadata ``calendar`` section (``None``: Mon-Fri + CN statutory, in
        ``default_tz``). Raises :class:`CalendarError` listing every problem found."""
        section = dict(section or {})
        problems: list[tuple[str, str]] = []
        for key in sorted(set(section) - _KEYS):
            problems.append((f"/{key}", f"unknown key {key!r}; known: {', '.join(sorted(_KEYS))}"))
        tz_name = section.get("timezone") or default_tz
        tz: ZoneInfo | None = None
        try:
            tz = ZoneInfo(str(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(("/timezone", f"{tz_name!r} is not a known time zone (e.g. Asia/Shanghai)"))
        workdays = section.get("workdays", sorted(DEFAULT_WORKDAYS))
        if not isinstance(workdays, (list, tuple)) or not all(
                isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in workdays):
            problems.append(("/workdays", "a list of ISO weekdays, 1 (Monday) to 7 (Sunday)"))
            workdays = []
        statutory = section.get("statutory", "CN")
        if statutory is not None and statutory not in STATUTORY:
            problems.append(("/statutory", f"{statutory!r} is not supported; use 'CN' or null"))
        dates = {key: _dates(section.get(key, []), f"/{key}", problems)
                 for key in ("holidays", "extra_workdays")}
        for both in sorted(dates["holidays"] & dates["extra_workdays"]):
            problems.append(("/extra_workdays", f"{both.isoformat()} is also listed in holidays"))
        if problems or tz is None:
            raise CalendarError(problems)
        return cls(tz=tz, workdays=frozenset(workdays), statutory=statutory,
                   holidays=frozenset(dates["holidays"]), extra_workdays=frozenset(dates["extra_workdays"]))

    def local_date(self, value: dt.date | dt.datetime) -> dt.date:
        """The calendar date of ``value`` in this calendar's time zone (naive times are local)."""
        if isinstance(value, dt.datetime):
            return value.astimezone(self.tz).date() if value.tzinfo else value.date()
        return value

    def is_workday(self, day: dt.date | dt.datetime) -> bool:
        """Whether ``day`` (a date, or an instant read in this time zone) is a working day."""
        day = self.local_date(day)
        if day in self.holidays:
            return False
        if day in self.extra_workdays:
            return True
        if self.statutory == "CN":
            verdict = _cn_statutory(day)
            if verdict is not None:
                return verdict
        return day.isoweekday() in self.workdays

    def add_workdays(self, start: dt.date | dt.datetime, n: int) -> dt.date | dt.datetime:
        """Like Excel's WORKDAY: the date ``n`` workdays after ``start`` (before it when ``n`` is
        negative), not counting ``start`` itself; ``n == 0`` returns ``start`` unchanged.
        A datetime keeps its local wall-clock time and comes back aware, in this time zone."""
        if n == 0:
            return start
        self._check_workweek()
        day = self.local_date(start)
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        for _ in range(MAX_SPAN_DAYS):
            day += step
            if self.is_workday(day):
                remaining -= 1
                if remaining == 0:
                    break
        else:
            raise ValueError(f"{n} workdays is further than this calendar reaches")
        if isinstance(start, dt.datetime):
            local = start.astimezone(self.tz) if start.tzinfo else start.replace(tzinfo=self.tz)
            return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.tz)
        return day

    def workdays_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Like Excel's NETWORKDAYS: the workdays from ``start`` to ``end``, both ends included;
        negative when ``end`` is before ``start`` (so the same day counts 1 if it is a workday)."""
        first, last = self.local_date(start), self.local_date(end)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        span = (last - first).days
        if span > MAX_SPAN_DAYS:
            raise ValueError("workdays_between spans more than a century")
        count = sum(1 for i in range(span + 1) if self.is_workday(first + dt.timedelta(days=i)))
        return sign * count

    def _check_workweek(self) -> None:
        if not self.workdays and not self.extra_workdays and self.statutory is None:
            raise ValueError("this calendar has no working days")


def _dates(values: Any, path: str, problems: list[tuple[str, str]]) -> set[dt.date]:
    if not isinstance(values, (list, tuple)):
        problems.append((path, "a list of ISO dates such as 2026-02-13"))
        return set()
    found: set[dt.date] = set()
    for i, value in enumerate(values):
        try:
            found.add(dt.date.fromisoformat(value))
        except (ValueError, TypeError):
            problems.append((f"{path}/{i}", f"{value!r} is not an ISO date such as 2026-02-13"))
    return found
