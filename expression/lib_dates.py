"""Date, time, workday and stage functions; ``$now``/``$today``; date arithmetic operators.

Dates are calendar days in the app timezone; datetimes are aware (stored in UTC). A datetime given
where a date is meant is read as its date in the app timezone.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from expression import sqlkit as K
from expression import values as V
from expression.errors import Problem, Text
from expression.functions import Doc, Function, Param, Variable
from expression.limits import Limits
from expression.sqlkit import Dialects, SqlValue
from expression.types import DATE, DATETIME, NUMBER, NUMERIC, TEMPORAL, TEXT

NUM = NUMERIC
D = frozenset({DATE})
DT = frozenset({DATETIME})
BLANK_EN, BLANK_ZH = "A blank argument gives blank.", "参数为空时结果为空。"
CALENDAR_ONLY = Text("workday arithmetic uses the work calendar, which only exists in Python",
                     "工作日计算依赖工作日历，只能在 Python 中执行")


def _doc(sig: str, en: str, zh: str, example: str, result: str, given: str = "", blank_en: str = BLANK_EN,
         blank_zh: str = BLANK_ZH) -> Doc:
    return Doc(sig, en, zh, blank_en, blank_zh, example, result, "date", given)


# -- Python helpers -------------------------------------------------------------------------------
def _as_date(t: str, f: Any) -> Any:
    """A closure giving a date from a date or datetime argument (datetimes read in the app timezone)."""
    if t == DATETIME:
        return lambda r, c: None if (x := f(r, c)) is None else x.astimezone(c.tz).date()
    return f


def _date_part(part: Any) -> Any:
    def compile_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
        get = _as_date(types[0], args[0])
        small = V.SMALL
        return lambda r, c: None if (d := get(r, c)) is None else small[part(d)]
    return compile_py


def python_arithmetic(op: str, ta: str, tb: str, fa: Any, fb: Any) -> Any:
    """Closures for ``date ± n``, ``n + date``, ``date - date`` and the datetime equivalents (days)."""
    if ta in TEMPORAL and tb in TEMPORAL:  # difference in days
        if ta == DATE:
            return lambda r, c: None if (x := fa(r, c)) is None or (y := fb(r, c)) is None else Decimal((x - y).days)
        return lambda r, c: (None if (x := fa(r, c)) is None or (y := fb(r, c)) is None
                             else V.seconds_between(x, y) / 86400)
    if tb in TEMPORAL:  # n + date
        fa, fb, ta, tb = fb, fa, tb, ta
    sign = -1 if op == "-" else 1
    if ta == DATE:
        return lambda r, c: (None if (x := fa(r, c)) is None or (n := fb(r, c)) is None
                             else V.add_days_date(x, n * sign))
    return lambda r, c: (None if (x := fa(r, c)) is None or (n := fb(r, c)) is None
                         else V.add_days_datetime(x, n * sign, c.tz))


def _adddays_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    return python_arithmetic("+", types[0], types[1], args[0], args[1])


def _days_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    end, start = _as_date(types[0], args[0]), _as_date(types[1], args[1])
    return lambda r, c: None if (e := end(r, c)) is None or (s := start(r, c)) is None else Decimal((e - s).days)


def _hours(end: _dt.datetime | None, start: _dt.datetime | None) -> Decimal | None:
    if end is None or start is None:
        return None
    return V.seconds_between(end, start) / 3600


def _workdays(c: Any, start: _dt.date | None, end: _dt.date | None, *, limits: Limits) -> Decimal | None:
    if start is None or end is None:
        return None
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    span = (end - start).days + 1
    if span > limits.max_steps:
        raise Problem("limit", f"WORKDAYS spans too many days (at most {limits.max_steps})",
                      f"WORKDAYS 的跨度过大（最多 {limits.max_steps} 天）")
    is_workday, one = c.calendar.is_workday, _dt.timedelta(days=1)
    count, day = 0, start
    for _ in range(span):
        count += bool(is_workday(day))
        day += one
    return Decimal(count * sign)


def _addworkdays(c: Any, start: _dt.date | None, n: Decimal | None, *, limits: Limits) -> _dt.date | None:
    if start is None or n is None:
        return None
    left, step = abs(int(n)), _dt.timedelta(days=1 if n > 0 else -1)
    is_workday, day, steps = c.calendar.is_workday, start, 0
    while left:
        day += step
        steps += 1
        if steps > limits.max_steps:
            raise Problem("limit", "ADDWORKDAYS found too few workdays", "ADDWORKDAYS 找不到足够的工作日")
        if is_workday(day):
            left -= 1
    return day


def _workday_py(impl: Any) -> Any:
    def compile_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
        first = _as_date(types[0], args[0])
        second = _as_date(types[1], args[1]) if impl is _workdays else args[1]
        limits, source, span = pc.limits, pc.source, node.span

        def run(r: Any, c: Any) -> Any:
            try:
                return impl(c, first(r, c), second(r, c), limits=limits)
            except Problem as exc:
                raise exc.at(source, span) from None
        return run
    return compile_py


def _stage_entered(r: Any, c: Any) -> _dt.datetime | None:
    value = c.stage_entered_at if c.stage_entered_at is not None else r.get("stage_entered_at")
    return V.to_datetime(value, c.tz)


def _stage_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
    return lambda r, c: c.stage if c.stage is not None else r.get("stage")


def _hours_in_stage_py(divisor: int) -> Any:
    def compile_py(node: Any, args: Any, types: Any, pc: Any) -> Any:
        def run(r: Any, c: Any) -> Decimal | None:
            entered = _stage_entered(r, c)
            return None if entered is None else V.seconds_between(c.current_time(), entered) / divisor
        return run
    return compile_py


# -- SQL helpers ----------------------------------------------------------------------------------
def _sql_date_of(v: SqlValue, sc: Any) -> Any:
    return sc.local_date(v) if v.type == DATETIME else v.expr


def _sql_add_days_date(d: Any, n: Any) -> Any:
    k = K.as_int(n)
    sqlite = sa.func.date(d, sa.func.printf("%+d days", k))
    return sa.case((n.is_(None), sa.null()), else_=Dialects(sqlite, d + k, sa.Date()))


def _sql_add_days_datetime(dt: Any, n: Any) -> Any:
    sqlite = sa.func.strftime("%Y-%m-%d %H:%M:%f", dt, sa.func.printf("%+.6f days", n)).concat("000")
    pg = dt + sa.func.make_interval(0, 0, 0, 0, 0, 0, sa.cast(n * 86400, sa.Float))
    return sa.case((n.is_(None), sa.null()), else_=Dialects(sqlite, pg, sa.DateTime(timezone=True)))


def _sql_seconds(end: Any, start: Any) -> Any:
    sqlite = sa.func.round((sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0, 3)
    return Dialects(sqlite, sa.extract("epoch", end - start), sa.Numeric())


def _sql_days_between(end: Any, start: Any) -> Any:
    sqlite = sa.cast(sa.func.round(sa.func.julianday(end) - sa.func.julianday(start)), sa.Integer)
    return Dialects(sqlite, end - start, sa.Integer())


def sql_arithmetic(op: str, a: SqlValue, b: SqlValue, t: str, sc: Any) -> SqlValue:
    nullable = a.nullable or b.nullable
    if a.type in TEMPORAL and b.type in TEMPORAL:
        if a.type == DATE:
            return SqlValue(_sql_days_between(a.expr, b.expr), NUMBER, nullable)
        return SqlValue(_sql_seconds(a.expr, b.expr) / 86400, NUMBER, nullable, True)
    if b.type in TEMPORAL:
        a, b = b, a
    n = -b.expr if op == "-" else b.expr
    if a.type == DATE:
        return SqlValue(_sql_add_days_date(a.expr, n), DATE, nullable)
    return SqlValue(_sql_add_days_datetime(a.expr, n), DATETIME, nullable)


def _sql_part(fmt: str, field: str) -> Any:
    def build(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
        d = _sql_date_of(a[0], sc)
        sqlite = sa.cast(sa.func.strftime(fmt, d), sa.Integer)
        if field == "dow":
            return Dialects(sqlite + 1, sa.extract("dow", d) + 1, sa.Integer())
        return Dialects(sqlite, sa.extract(field, d), sa.Integer())
    return build


def _sql_date(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
    y, m, d = (K.as_int(v.expr) for v in a)
    months = y * 12 + m - 1
    sqlite = sa.func.date(sa.func.printf("%04d-01-01", y), sa.func.printf("%+d months", m - 1),
                          sa.func.printf("%+d days", d - 1))
    pg = sa.cast(sa.func.make_date(y, 1, 1) + sa.func.make_interval(0, m - 1), sa.Date) + (d - 1)
    ok = sa.and_(*(v.expr.is_not(None) for v in a), months >= 12, months < 120_000)
    return sa.case((ok, Dialects(sqlite, pg, sa.Date())), else_=sa.null())


def _sql_hours(end: Any, start: Any) -> SqlValue:
    return SqlValue(_sql_seconds(end, start) / 3600, NUMBER, True, True)


def _sql_in_stage(divisor: int) -> Any:
    def build(a: tuple[SqlValue, ...], sc: Any, node: Any) -> Any:
        entered = sc.column("stage_entered_at", DATETIME, node).expr
        return SqlValue(_sql_seconds(sc.bind_datetime(sc.now), entered) / divisor, NUMBER, True, True)
    return build


def _now_sql(sc: Any) -> SqlValue:
    return SqlValue(sc.bind_datetime(sc.now), DATETIME, False)


def _today_sql(sc: Any) -> SqlValue:
    return SqlValue(K.bind(sc.today, DATE), DATE, False)


ITEMS = (
    Function("TODAY", (), DATE, _doc("TODAY() -> date; also `$today`", "Today's date in the app timezone.",
                                     "应用时区的今天日期。", "TODAY()", "DATE(2024, 3, 1)",
                                     '{"now": "2024-03-01T09:00:00+08:00"}', "Never blank.", "不会为空。"),
             py=lambda c: c.today(), context=True, pure=False, sql=lambda a, sc, n: _today_sql(sc)),
    Function("NOW", (), DATETIME, _doc("NOW() -> datetime; also `$now`", "The current date and time.",
                                       "当前日期时间。", "TEXT(NOW())",
                                       '"2024-03-01 09:00:00"', '{"now": "2024-03-01T09:00:00+08:00"}',
                                       "Never blank.", "不会为空。"),
             py=lambda c: c.current_time(), context=True, pure=False, sql=lambda a, sc, n: _now_sql(sc)),
    Function("DATE", (Param("year", NUM), Param("month", NUM), Param("day", NUM)), DATE,
             _doc("DATE(year, month, day) -> date", "A date; months and days beyond their range roll over "
                  "(DATE(2024, 13, 1) = DATE(2025, 1, 1)).", "构造日期；超出范围的月、日会顺延"
                  "（DATE(2024, 13, 1) = DATE(2025, 1, 1)）。", "DATE(2024, 2, 30)", "DATE(2024, 3, 1)",
                  blank_en="A blank argument, or a year outside 1-9999, gives blank.",
                  blank_zh="参数为空或年份不在 1-9999 之间时结果为空。"),
             py=lambda y, m, d: None if None in (y, m, d) else V.make_date(y, m, d), sql=_sql_date),
    Function("DATEVALUE", (Param("datetime", DT),), DATE,
             _doc("DATEVALUE(datetime) -> date", "The date of a date-time, in the app timezone.",
                  "日期时间在应用时区中的日期。", "DATEVALUE(NOW())", "DATE(2024, 3, 1)",
                  '{"now": "2024-02-29T17:30:00+00:00"}'),
             compile_py=lambda n, a, t, pc: _as_date(DATETIME, a[0]),
             sql=lambda a, sc, n: sc.local_date(a[0])),
    Function("YEAR", (Param("date", TEMPORAL),), NUMBER,
             _doc("YEAR(date) -> number", "The year.", "年份。", "YEAR(DATE(2024, 3, 1))", "2024"),
             compile_py=_date_part(lambda d: d.year), sql=_sql_part("%Y", "year")),
    Function("MONTH", (Param("date", TEMPORAL),), NUMBER,
             _doc("MONTH(date) -> number", "The month, 1-12.", "月份（1-12）。", "MONTH(DATE(2024, 3, 1))", "3"),
             compile_py=_date_part(lambda d: d.month), sql=_sql_part("%m", "month")),
    Function("DAY", (Param("date", TEMPORAL),), NUMBER,
             _doc("DAY(date) -> number", "The day of the month, 1-31.", "日（1-31）。", "DAY(DATE(2024, 3, 1))", "1"),
             compile_py=_date_part(lambda d: d.day), sql=_sql_part("%d", "day")),
    Function("WEEKDAY", (Param("date", TEMPORAL),), NUMBER,
             _doc("WEEKDAY(date) -> number", "The day of the week: Sunday = 1 ... Saturday = 7 (as in Excel).",
                  "星期几：星期日 = 1 … 星期六 = 7（与 Excel 一致）。", "WEEKDAY(DATE(2024, 3, 3))", "1"),
             compile_py=_date_part(lambda d: d.isoweekday() % 7 + 1), sql=_sql_part("%w", "dow")),
    Function("ADDDAYS", (Param("date", TEMPORAL), Param("days", NUM)), lambda ts: ts[0],
             _doc("ADDDAYS(date, days) -> date or datetime; also `date + days`", "The date `days` later (earlier "
                  "when negative); for a date, days are whole (truncated); for a datetime, fractions are hours.",
                  "加上 `days` 天（负数为往前）；日期按整天计（截断小数），日期时间可含小数天。",
                  "ADDDAYS(DATE(2024, 2, 28), 2)", "DATE(2024, 3, 1)"),
             compile_py=_adddays_py,
             sql=lambda a, sc, n: sql_arithmetic("+", a[0], a[1], a[0].type, sc)),
    Function("DAYS", (Param("end", TEMPORAL), Param("start", TEMPORAL)), NUMBER,
             _doc("DAYS(end, start) -> number", "Days from `start` to `end` (as in Excel; negative when end is "
                  "earlier). Date-times count by their dates.", "从 `start` 到 `end` 的天数（与 Excel 一致，end "
                  "更早时为负数）。日期时间按其日期计算。", "DAYS(DATE(2024, 3, 1), DATE(2024, 2, 1))", "29"),
             compile_py=_days_py,
             sql=lambda a, sc, n: _sql_days_between(_sql_date_of(a[0], sc), _sql_date_of(a[1], sc))),
    Function("HOURS", (Param("end", DT), Param("start", DT)), NUMBER,
             _doc("HOURS(end, start) -> number", "Hours from `start` to `end`, with fractions.",
                  "从 `start` 到 `end` 的小时数（含小数）。", "HOURS(NOW(), ADDDAYS(NOW(), -1.5))", "36",
                  '{"now": "2024-03-01T09:00:00+08:00"}'),
             py=_hours, sql=lambda a, sc, n: _sql_hours(a[0].expr, a[1].expr)),
    Function("ADDWORKDAYS", (Param("date", TEMPORAL), Param("days", NUM)), DATE,
             _doc("ADDWORKDAYS(date, days) -> date", "The date `days` workdays later (earlier when negative), "
                  "skipping days off of the work calendar (default Monday-Friday); the start day is not counted.",
                  "按工作日历（默认周一至周五）跳过休息日，往后（负数往前）数 `days` 个工作日，起始日不计入。",
                  "ADDWORKDAYS(DATE(2024, 3, 1), 1)", "DATE(2024, 3, 4)"),
             compile_py=_workday_py(_addworkdays), not_sql=CALENDAR_ONLY, pure=False),
    Function("WORKDAYS", (Param("start", TEMPORAL), Param("end", TEMPORAL)), NUMBER,
             _doc("WORKDAYS(start, end) -> number", "The number of workdays from `start` to `end`, both included "
                  "(like Excel's NETWORKDAYS); negative when end is earlier.",
                  "`start` 到 `end`（含两端）之间的工作日数（同 Excel 的 NETWORKDAYS）；end 更早时为负数。",
                  "WORKDAYS(DATE(2024, 3, 1), DATE(2024, 3, 8))", "6"),
             compile_py=_workday_py(_workdays), not_sql=CALENDAR_ONLY, pure=False),
    Function("STAGE", (), TEXT,
             _doc("STAGE() -> text", "The key of the record's current pipeline stage.", "记录当前阶段的键。",
                  'STAGE() = "tender"', "TRUE", '{"stage": "tender"}', "Blank when the record has no stage.",
                  "记录没有阶段时为空值。"),
             compile_py=_stage_py, pure=False, sql=lambda a, sc, n: sc.column("stage", TEXT, n)),
    Function("HOURSINSTAGE", (), NUMBER,
             _doc("HOURSINSTAGE() -> number", "Hours since the record entered its current stage.",
                  "记录进入当前阶段以来的小时数。", "HOURSINSTAGE()", "73",
                  '{"now": "2024-03-04T10:00:00+08:00", "stage_entered_at": "2024-03-01T09:00:00+08:00"}',
                  "Blank when the stage entry time is blank.", "阶段进入时间为空时结果为空。"),
             compile_py=_hours_in_stage_py(3600), pure=False, sql=_sql_in_stage(3600)),
    Function("DAYSINSTAGE", (), NUMBER,
             _doc("DAYSINSTAGE() -> number", "Days (with fractions) since the record entered its current stage.",
                  "记录进入当前阶段以来的天数（含小数）。", "DAYSINSTAGE()", "1.5",
                  '{"now": "2024-03-02T21:00:00+08:00", "stage_entered_at": "2024-03-01T09:00:00+08:00"}',
                  "Blank when the stage entry time is blank.", "阶段进入时间为空时结果为空。"),
             compile_py=_hours_in_stage_py(86400), pure=False, sql=_sql_in_stage(86400)),
    Variable("now", DATETIME, lambda r, c: c.current_time(), _now_sql, "The current date and time.", "当前日期时间。"),
    Variable("today", DATE, lambda r, c: c.today(), _today_sql, "Today's date in the app timezone.",
             "应用时区的今天日期。"),
)
