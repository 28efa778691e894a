"""The evaluation context: the record, its prior values, the user, the clock, the calendar."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from expression.calendar import MONDAY_TO_FRIDAY, WorkCalendar

APP_TZ = ZoneInfo("Asia/Shanghai")
EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Context:
    """What an expression may read besides literals. ``now=None`` means "the current time"."""

    record: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    prior: Mapping[str, Any] | None = None
    is_new: bool = False
    user: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    now: _dt.datetime | None = None
    tz: _dt.tzinfo = APP_TZ
    calendar: WorkCalendar = MONDAY_TO_FRIDAY
    stage: str | None = None
    stage_entered_at: _dt.datetime | None = None
    _clock: tuple[_dt.datetime, _dt.date] | None = field(default=None, init=False, repr=False, compare=False)

    def current_time(self) -> _dt.datetime:
        """``now`` (made aware, in the app timezone), or the wall clock when not given."""
        if self.now is None:
            return _dt.datetime.now(self.tz)
        return self._fixed_clock()[0]

    def today(self) -> _dt.date:
        if self.now is None:
            return _dt.datetime.now(self.tz).date()
        return self._fixed_clock()[1]

    def _fixed_clock(self) -> tuple[_dt.datetime, _dt.date]:
        """``now`` in the app timezone and its date, computed once per Context (a given ``now`` is fixed)."""
        clock = self._clock
        if clock is None:
            assert self.now is not None
            now = self.now if self.now.tzinfo is not None else self.now.replace(tzinfo=_dt.timezone.utc)
            local = now.astimezone(self.tz)
            clock = (local, local.date())
            object.__setattr__(self, "_clock", clock)
        return clock

    @classmethod
    def of(cls, value: Context | Mapping[str, Any] | None) -> Context:
        """A Context from a Context, a dict of Context fields (with ``record``), or a plain record."""
        if value is None:
            return DEFAULT_CONTEXT
        if isinstance(value, Context):
            return value
        if is_context_dict(value):
            return cls(**value)
        return cls(record=value)


CONTEXT_FIELDS = frozenset(f.name for f in fields(Context) if f.init)


def is_context_dict(value: Mapping[str, Any]) -> bool:
    """A dict is read as Context fields when it has a mapping under "record" and only Context keys."""
    return isinstance(value.get("record"), Mapping) and set(value) <= CONTEXT_FIELDS


DEFAULT_CONTEXT = Context()
