"""Work calendars: the tiny protocol WORKDAYS/ADDWORKDAYS need, and the Monday-Friday default."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class WorkCalendar(Protocol):
    """Anything that can tell a workday from a day off (a holiday calendar plugs in here)."""

    def is_workday(self, day: _dt.date) -> bool: ...  # pragma: no cover


@dataclass(frozen=True, slots=True)
class WeekdayCalendar:
    """Monday to Friday are workdays; no holidays."""

    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # date.weekday(): Monday = 0

    def is_workday(self, day: _dt.date) -> bool:
        return day.weekday() in self.workdays


MONDAY_TO_FRIDAY = WeekdayCalendar()
