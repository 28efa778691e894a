"""The injectable clock: services take a clock instead of calling ``datetime.now``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one instant (``crm tick --now``, tests)."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at


def parse_instant(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An ISO date-time; without an offset it is read in the app's time zone."""
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value
