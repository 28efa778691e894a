"""Expression benchmark: 20 representative expressions (routing, validation, scoring, dates) over
100,000 records. Compares compiled closures with hand-written Python and with simpleeval, times
parse+check+compile, and bulk scoring as one SQL UPDATE against a Python loop."""
from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

import expression
from benchmarks.harness import Report
from expression import Context, FieldSpec

ROWS = 100_000
SIMPLEEVAL_ROWS = ROWS
SH = expression.APP_TZ
NOW = dt.datetime(2024, 6, 14, 9, 30, tzinfo=SH)
TODAY = NOW.date()
LEVELS = ("三甲", "二甲", "一级")
REGIONS = ("华东", "华南", "华北", "西南")
FIELDS: dict[str, Any] = {
    "amount": "currency", "discount": "currency", "probability": "number", "beds": "number", "score": "number",
    "name": "text", "code": "text", "city": "text", "phone": "text", "email": "text",
    "level": FieldSpec("picklist", LEVELS), "region": FieldSpec("picklist", REGIONS),
    "tags": FieldSpec("multi_picklist", ("VIP", "KA", "新客")), "active": "boolean", "owner": "lookup",
    "start_date": "date", "close_date": "date", "created_at": "datetime",
}


def _n(r: dict, k: str) -> Any:
    return r[k]


# (name, expression, hand-written equivalent, simpleeval equivalent or None)
CASES: list[tuple[str, str, Callable[[dict], Any], str | None]] = [
    ("route big tertiary", 'amount > 100000 AND level = "三甲"',
     lambda r: (a := r["amount"]) is not None and a > 100000 and r["level"] == "三甲",
     'amount is not None and amount > 100000 and level == "三甲"'),
    ("route by region", 'IF(region = "华东", "east", IF(region = "华南", "south", "other"))',
     lambda r: "east" if r["region"] == "华东" else ("south" if r["region"] == "华南" else "other"),
     '"east" if region == "华东" else ("south" if region == "华南" else "other")'),
    ("route beds", 'ISPICKVAL(level, "三甲") && beds >= 500',
     lambda r: r["level"] == "三甲" and (b := r["beds"]) is not None and b >= 500,
     'level == "三甲" and beds is not None and beds >= 500'),
    ("score level", 'CASE(level, "三甲", 30, "二甲", 20, 10) + IF(amount > 500000, 20, 0)',
     lambda r: Decimal({"三甲": 30, "二甲": 20}.get(r["level"], 10))
     + (20 if (a := r["amount"]) is not None and a > 500000 else 0),
     '(30 if level == "三甲" else (20 if level == "二甲" else 10)) + '
     '(20 if amount is not None and amount > 500000 else 0)'),
    ("score contact", 'IF(ISBLANK(phone), 0, 10) + IF(INCLUDES(tags, "VIP"), 15, 0)',
     lambda r: Decimal((0 if not r["phone"] else 10) + (15 if "VIP" in r["tags"] else 0)),
     '(0 if not phone else 10) + (15 if "VIP" in tags else 0)'),
    ("score linear", "amount * 0.05 + beds * 0.1",
     lambda r: None if (a := r["amount"]) is None or (b := r["beds"]) is None else a * Decimal("0.05") + b * Decimal("0.1"),
     "None if amount is None or beds is None else amount * D05 + beds * D01"),
    ("weighted amount", "ROUND(amount * probability / 100, 2)",
     lambda r: None if (a := r["amount"]) is None or (p := r["probability"]) is None
     else (a * p / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"),
     None),
    ("valid contact", "NOT(ISBLANK(email)) || NOT(ISBLANK(phone))",
     lambda r: bool(r["email"]) or bool(r["phone"]), "bool(email) or bool(phone)"),
    ("valid name length", "LEN(name) <= 50", lambda r: len(r["name"] or "") <= 50, 'len(name or "") <= 50'),
    ("days open", "DAYS(close_date, start_date) > 30",
     lambda r: (c := r["close_date"]) is not None and (s := r["start_date"]) is not None and (c - s).days > 30, None),
    ("close within 30d", "ADDDAYS(start_date, 30) < close_date",
     lambda r: (s := r["start_date"]) is not None and (c := r["close_date"]) is not None
     and s + dt.timedelta(days=30) < c, None),
    ("no weekend close", "WEEKDAY(close_date) = 1 OR WEEKDAY(close_date) = 7",
     lambda r: (c := r["close_date"]) is not None and c.weekday() >= 5, None),
    ("closing in H2", "YEAR(close_date) = 2024 AND MONTH(close_date) >= 6",
     lambda r: (c := r["close_date"]) is not None and c.year == 2024 and c.month >= 6, None),
    ("route code", 'BEGINS(code, "CK") AND CONTAINS(name, "医院")',
     lambda r: (r["code"] or "").startswith("CK") and "医院" in (r["name"] or ""),
     '(code or "")[:2] == "CK" and "医院" in (name or "")'),
    ("band", 'IF(amount >= 1000000, "A", IF(amount >= 100000, "B", "C"))',
     lambda r: "A" if (a := r["amount"]) is not None and a >= 1000000 else ("B" if a is not None and a >= 100000 else "C"),
     '"A" if amount is not None and amount >= 1000000 else ("B" if amount is not None and amount >= 100000 else "C")'),
    ("route key", 'UPPER(LEFT(city, 2)) & "-" & level',
     lambda r: (r["city"] or "")[:2].upper() + "-" + (r["level"] or ""), None),
    ("valid active", "AND(active, amount > 0, NOT(ISBLANK(owner)))",
     lambda r: r["active"] is True and (a := r["amount"]) is not None and a > 0 and r["owner"] is not None,
     "active is True and amount is not None and amount > 0 and owner is not None"),
    ("route region set", 'IN(region, "华东", "华南", "华北") && score > 50',
     lambda r: r["region"] in ("华东", "华南", "华北") and (s := r["score"]) is not None and s > 50,
     'region in ("华东", "华南", "华北") and score is not None and score > 50'),
    ("net amount", "MAX(amount - discount, 0)",
     lambda r: Decimal(0) if (a := r["amount"]) is None or (d := r["discount"]) is None else max(a - d, Decimal(0)),
     None),
    ("overdue", "close_date < $today AND NOT ISBLANK(close_date)",
     lambda r: (c := r["close_date"]) is not None and c < TODAY, None),
]


def make_records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randint(0, 300))
        out.append({
            "id": i + 1,
            "amount": None if rnd.random() < 0.05 else Decimal(rnd.randint(0, 300_000_000)) / 100,
            "discount": Decimal(rnd.randint(0, 500_000)) / 100, "probability": Decimal(rnd.choice([10, 30, 50, 70, 90])),
            "beds": None if rnd.random() < 0.1 else Decimal(rnd.randint(50, 3000)), "score": Decimal(rnd.randint(0, 100)),
            "name": rnd.choice(["上海瑞金医院", "北京协和医院", "某某诊所", "", None]),
            "code": rnd.choice(["CK20240101-001", "XS-9", None]), "city": rnd.choice(["shanghai", "北京", "gz", None]),
            "phone": rnd.choice(["13812345678", "", None, "021-5555"]), "email": rnd.choice(["a@b.cn", None]),
            "level": rnd.choice(LEVELS + (None,)), "region": rnd.choice(REGIONS),
            "tags": tuple(rnd.sample(["VIP", "KA", "新客"], rnd.randint(0, 2))), "active": rnd.random() < 0.7,
            "owner": rnd.choice([1, 2, 3, None]), "start_date": start,
            "close_date": None if rnd.random() < 0.1 else start + dt.timedelta(days=rnd.randint(0, 120)),
            "created_at": NOW - dt.timedelta(minutes=rnd.randint(0, 500_000)),
        })
    return out


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(report: Report) -> None:
    records = make_records(ROWS)
    ctx = Context(now=NOW, user={"id": 1, "role": "rep"})
    compiled = [expression.compile(src, FIELDS) for _, src, _, _ in CASES]

    # 1. closures vs hand-written Python (same logic, blanks included), checked to agree
    closure_total = hand_total = 0.0
    for (name, src, hand, _), comp in zip(CASES, compiled):
        run_one = comp.bind(ctx)
        got: list[Any] = []
        want: list[Any] = []
        closure_total += timed(lambda: got.extend(run_one(r) for r in records))
        hand_total += timed(lambda: want.extend(hand(r) for r in records))
        mismatch = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
        assert mismatch is None, f"{name}: closure {got[mismatch]!r} != hand {want[mismatch]!r} on {records[mismatch]}"
    report.add("hand-written Python, 20 expressions x 100k rows", hand_total, "s")
    report.add("compiled closures, 20 expressions x 100k rows", closure_total, "s",
               baseline="hand-written Python, 20 expressions x 100k rows", target="<= 3x hand-written")
    report.add("compiled closures, per evaluation", closure_total / (len(CASES) * ROWS) * 1e6, "µs")

    # 2. simpleeval on the expressions it can express (same rows for both sides)
    from simpleeval import EvalWithCompoundTypes

    sample = records[:SIMPLEEVAL_ROWS]
    subset = [(c, comp) for c, comp in zip(CASES, compiled) if c[3] is not None]
    evaluator = EvalWithCompoundTypes(functions={"len": len, "bool": bool}, names={})
    simple_total = ours_total = 0.0
    for (name, src, hand, simple_src), comp in subset:
        parsed = evaluator.parse(simple_src)
        names = {"D05": Decimal("0.05"), "D01": Decimal("0.1"), "None": None, "True": True, "False": False}

        def simple_loop() -> None:
            for r in sample:
                evaluator.names = {**names, **r}
                evaluator.eval(simple_src, previously_parsed=parsed)
        run_one = comp.bind(ctx)
        simple_total += timed(simple_loop)
        ours_total += timed(lambda: [run_one(r) for r in sample])
    report.add(f"compiled closures, {len(subset)} simpleeval-expressible expressions x {SIMPLEEVAL_ROWS // 1000}k rows",
               ours_total, "s")
    report.add(f"simpleeval, same {len(subset)} expressions x {SIMPLEEVAL_ROWS // 1000}k rows", simple_total, "s",
               baseline=f"compiled closures, {len(subset)} simpleeval-expressible expressions x "
                        f"{SIMPLEEVAL_ROWS // 1000}k rows", target=">= 5x slower than closures")
    report.note(f"simpleeval ran on the {len(subset)} of 20 expressions it can express (Python syntax with the "
                f"blank checks written out, pre-parsed once) over {SIMPLEEVAL_ROWS:,} rows; the closures ran on the "
                "same rows for the ratio. The closure/hand-written ratio is the total over all 20 expressions; "
                "every closure result was checked equal to the hand-written one.")

    # 3. parse + check + compile time per expression
    times = []
    for _, src, _, _ in CASES:
        for _ in range(30):
            start = time.perf_counter()
            expression.compile(src, FIELDS)
            times.append(time.perf_counter() - start)
    report.add("parse+check+compile, median per expression", statistics.median(times) * 1000, "ms", target="< 1 ms")

    # 4. bulk scoring: one SQL UPDATE vs a Python loop, on a SQLite file
    score_src = ('CASE(level, "三甲", 30, "二甲", 20, 10) + IF(amount > 500000, 20, 0) + '
                 'IF(INCLUDES(tags, "VIP"), 15, 0) + IF(DAYS(close_date, start_date) > 30, 0, 5)')
    scoring = expression.compile(score_src, FIELDS)
    with tempfile.TemporaryDirectory() as tmp:
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        sql_time, loop_time = _bulk_scoring(engine, scoring, records)
        engine.dispose()
    report.add("bulk scoring 100k rows, Python loop (read, evaluate, UPDATE by id)", loop_time, "s")
    report.add("bulk scoring 100k rows, one SQL UPDATE (SQLite)", sql_time, "s",
               baseline="bulk scoring 100k rows, Python loop (read, evaluate, UPDATE by id)")
    report.note("bulk scoring expression: " + score_src)


def _bulk_scoring(engine: sa.Engine, scoring: expression.Compiled, records: list[dict[str, Any]]) -> tuple[float, float]:
    md = sa.MetaData()
    deal = sa.Table("deal", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("amount", sa.Numeric(18, 4)),
                    sa.Column("level", sa.String(20)), sa.Column("tags", sa.Text), sa.Column("start_date", sa.Date),
                    sa.Column("close_date", sa.Date), sa.Column("score", sa.Numeric(18, 4)))
    md.create_all(engine)
    rows = [{"id": r["id"], "amount": r["amount"], "level": r["level"], "start_date": r["start_date"],
             "close_date": r["close_date"], "tags": (";" + ";".join(r["tags"]) + ";") if r["tags"] else None}
            for r in records]
    with engine.begin() as conn:
        conn.execute(deal.insert(), rows)
    columns = {c.name: c for c in deal.c}
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(deal.update().values(score=scoring.to_sql(columns, now=NOW)))
    sql_time = time.perf_counter() - start

    start = time.perf_counter()
    run_one = scoring.bind(Context(now=NOW))
    with engine.begin() as conn:
        fetched = conn.execute(sa.select(deal.c.id, deal.c.amount, deal.c.level, deal.c.tags, deal.c.start_date,
                                         deal.c.close_date)).mappings().all()
        updates = [{"key": r["id"], "score": run_one(r)} for r in fetched]
        conn.execute(deal.update().where(deal.c.id == sa.bindparam("key")).values(score=sa.bindparam("score")),
                     updates)
    loop_time = time.perf_counter() - start
    with engine.connect() as conn:
        in_db = dict(conn.execute(sa.select(deal.c.id, deal.c.score)).all())
    assert all(in_db[u["key"]] == u["score"] for u in updates[:1000]), "SQL and Python scores differ"
    return sql_time, loop_time
