"""Autonumber fields: ``CK{YYYYMMDD}-{seq}`` -> ``CK20260301-0001``. The sequence restarts when the
date part of the number changes; ``{seq:6}`` sets the width (default 4)."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.records.tables import autonumber_counters

_TOKEN = re.compile(r"\{(YYYYMMDD|YYYYMM|YYYY|YY|MM|DD|seq(?::(\d{1,2}))?)\}")


def render(pattern: str, today: dt.date, seq: int | None) -> str:
    def sub(m: re.Match) -> str:
        token = m.group(1)
        if token.startswith("seq"):
            return "" if seq is None else str(seq).zfill(int(m.group(2) or 4))
        return {"YYYYMMDD": today.strftime("%Y%m%d"), "YYYYMM": today.strftime("%Y%m"),
                "YYYY": today.strftime("%Y"), "YY": today.strftime("%y"), "MM": today.strftime("%m"),
                "DD": today.strftime("%d")}[token]
    return _TOKEN.sub(sub, pattern)


def next_value(conn: sa.Connection, object_name: str, field: str, pattern: str, today: dt.date) -> str:
    """The next number, allocated atomically in the caller's transaction."""
    period = render(pattern, today, None)[:16]
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(autonumber_counters)
    stmt = insert.values(object=object_name, field=field, period=period, value=1).on_conflict_do_update(
        index_elements=["object", "field", "period"],
        set_={"value": autonumber_counters.c.value + 1}).returning(autonumber_counters.c.value)
    seq = conn.execute(stmt).scalar_one()
    return render(pattern, today, seq)
