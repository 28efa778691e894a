"""Hypothesis strategies for the differential tests: well-typed expressions over a fixed schema,
records with blanks, and the tables (with a lookup join) that hold them in SQL."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st

from expression import FieldSpec

SH = dt.timezone(dt.timedelta(hours=8))
UTC = dt.timezone.utc
OPTIONS = ("三甲", "二甲", "一级", "A%_B", "x\\y")
TAGS = ("VIP", "KA", "50%_off", "新客", "a\\b")
ALPHABET = "aBz09 %_;\\-三甲医院\u3000\t"
NOW = dt.datetime(2024, 6, 14, 9, 30, tzinfo=SH)
USER = {"id": 3, "role": "rep", "team": "华东"}

FIELDS: dict[str, Any] = {
    "amount": "currency", "qty": "number", "score": "number", "name": "text", "city": "text",
    "level": FieldSpec("picklist", OPTIONS), "tags": FieldSpec("multi_picklist", TAGS), "active": "boolean",
    "close_date": "date", "start_date": "date", "created_at": "datetime", "updated_at": "datetime",
    "owner_id": "lookup", "hospital.level": FieldSpec("picklist", OPTIONS), "hospital.beds": "number",
}

metadata = sa.MetaData()
hospital = sa.Table("hospital", metadata, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("level", sa.String(20)), sa.Column("beds", sa.Numeric(18, 4)))
deal = sa.Table(
    "deal", metadata, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("amount", sa.Numeric(18, 4)), sa.Column("qty", sa.Numeric(18, 4)), sa.Column("score", sa.Numeric(18, 4)),
    sa.Column("name", sa.Text), sa.Column("city", sa.Text), sa.Column("level", sa.String(20)),
    sa.Column("tags", sa.Text), sa.Column("active", sa.Boolean), sa.Column("close_date", sa.Date),
    sa.Column("start_date", sa.Date), sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)), sa.Column("owner_id", sa.Integer),
    sa.Column("hospital_id", sa.Integer), sa.Column("stage", sa.String(30)),
    sa.Column("stage_entered_at", sa.DateTime(timezone=True)),
)
COLUMNS: dict[str, Any] = {c.name: c for c in deal.c if c.name not in ("id", "hospital_id")}
COLUMNS.update({"hospital.level": hospital.c.level, "hospital.beds": hospital.c.beds})
FROM = deal.outerjoin(hospital, deal.c.hospital_id == hospital.c.id)


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# -- records ------------------------------------------------------------------------------------
def _money(rnd: random.Random) -> Decimal:
    return Decimal(rnd.randint(-1_000_000, 1_000_000)) / 100


def random_record(rnd: random.Random) -> dict[str, Any]:
    def maybe(value: Any, blank: float = 0.2) -> Any:
        return None if rnd.random() < blank else value

    def text() -> Any:
        return rnd.choice([None, "", "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 8)))])

    def when() -> dt.datetime:
        return dt.datetime(2024, 1, 1, tzinfo=SH) + dt.timedelta(seconds=rnd.randint(-40_000_000, 40_000_000))

    return {
        "amount": maybe(_money(rnd)), "qty": maybe(Decimal(rnd.choice([0, 1, 2, 3, 7, 10, 100, "0.5", "2.25"]))),
        "score": maybe(Decimal(rnd.randint(-50, 50))), "name": text(), "city": text(),
        "level": maybe(rnd.choice(OPTIONS)), "tags": tuple(rnd.sample(TAGS, rnd.randint(0, 3))),
        "active": maybe(rnd.random() < 0.5), "close_date": maybe(when().date()),
        "start_date": maybe(when().date()), "created_at": maybe(when()), "updated_at": maybe(when()),
        "owner_id": maybe(rnd.randint(1, 5)), "hospital.level": maybe(rnd.choice(OPTIONS)),
        "hospital.beds": maybe(Decimal(rnd.randint(0, 2000))), "stage": maybe(rnd.choice(["new", "tender"])),
        "stage_entered_at": maybe(NOW - dt.timedelta(seconds=rnd.randint(0, 900_000))),
    }


def edge_records() -> list[dict[str, Any]]:
    blank = {k: None for k in random_record(random.Random(0))}
    blank["tags"] = ()
    empty = dict(blank, name="", city="", level=None)
    zero = dict(blank, amount=Decimal(0), qty=Decimal(0), score=Decimal(0), name=" ", city="\u3000",
                active=False, close_date=dt.date(2024, 2, 29), start_date=dt.date(2024, 2, 29),
                created_at=NOW, updated_at=NOW, owner_id=3, tags=("50%_off",), level="A%_B")
    return [blank, empty, zero]


def fixed_records(n: int = 40, seed: int = 20240614) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return edge_records() + [random_record(rnd) for _ in range(n)]


records_strategy = st.lists(st.randoms(use_true_random=False).map(random_record), min_size=1, max_size=6)


def store(conn: sa.Connection, records: list[dict[str, Any]]) -> None:
    """Replace the table contents with ``records`` (datetimes in UTC, multi-selects as ;a;b;)."""
    conn.execute(deal.delete())
    conn.execute(hospital.delete())
    deals, hospitals = [], []
    for i, rec in enumerate(records, start=1):
        has_hospital = rec["hospital.level"] is not None or rec["hospital.beds"] is not None or i % 3 == 0
        if has_hospital:
            hospitals.append({"id": i, "level": rec["hospital.level"], "beds": rec["hospital.beds"]})
        row = {k: v for k, v in rec.items() if "." not in k}
        for k in ("created_at", "updated_at", "stage_entered_at"):
            if row[k] is not None:
                row[k] = row[k].astimezone(UTC)
        row["tags"] = (";" + ";".join(rec["tags"]) + ";") if rec["tags"] else None
        deals.append(dict(row, id=i, hospital_id=i if has_hospital else None))
    if hospitals:
        conn.execute(hospital.insert(), hospitals)
    conn.execute(deal.insert(), deals)


# -- expressions --------------------------------------------------------------------------------
def lit_text() -> st.SearchStrategy[str]:
    return st.text(ALPHABET, max_size=5).map(quote)


def lit_num() -> st.SearchStrategy[str]:
    ints = st.integers(-1000, 1000).map(str)
    decimals = st.decimals(-1000, 1000, places=2).map(lambda d: format(d, "f"))
    return st.one_of(ints, decimals).map(lambda s: f"({s})" if s.startswith("-") else s)


def option() -> st.SearchStrategy[str]:
    return st.sampled_from(OPTIONS + ("",)).map(quote)


# Each template is (format, part kinds). Kinds: a type name ("num", "text", "bool", "date", "dt",
# "lookup"), or a literal kind ("small", "ttext", "opt", ...). "num!" is an inexact number.
TEMPLATES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "num": [
        ("({} + {})", ("num", "num")), ("({} - {})", ("num", "num")), ("({} * {})", ("num", "num")),
        ("({} / {})", ("num", "divisor")), ("ROUND({}, {})", ("num", "digits")), ("ABS({})", ("num",)),
        ("FLOOR({})", ("num",)), ("CEILING({})", ("num",)), ("MOD({}, {})", ("num", "modulus")),
        ("MIN({}, {})", ("num", "num")), ("MAX({}, {}, {})", ("num", "num", "num")),
        ("IF({}, {}, {})", ("bool", "num", "num")), ("BLANKVALUE({}, {})", ("num", "num")), ("-{}", ("num",)),
        ("LEN({})", ("text",)), ("FIND({}, {})", ("ttext", "text")), ("FIND({}, {}, {})", ("ttext", "text", "small")),
        ("DAYS({}, {})", ("date", "date")), ("({} - {})", ("date", "date")), ("YEAR({})", ("date",)),
        ("MONTH({})", ("dt",)), ("DAY({})", ("date",)), ("WEEKDAY({})", ("dt",)), ("WEEKDAY({})", ("date",)),
        ('CASE(level, "三甲", {}, "二甲", {}, {})', ("num", "num", "num")), ("POWER({}, {})", ("num", "exponent")),
        ("DAYS({}, {})", ("dt", "date")),
    ],
    "num!": [
        ("({} / {})", ("num!", "num!")), ("SQRT(ABS({}))", ("num!",)), ("HOURS({}, {})", ("dt", "dt")),
        ("({} - {})", ("dt", "dt")), ("HOURSINSTAGE()", ()), ("DAYSINSTAGE()", ()), ("({} + {})", ("num!", "num!")),
        ("ROUND({}, {})", ("num!", "digits")), ("({} * {})", ("num!", "num")),
    ],
    "text": [
        ("({} & {})", ("text", "text")), ("LEFT({}, {})", ("text", "small")), ("RIGHT({}, {})", ("text", "small")),
        ("MID({}, {}, {})", ("text", "small", "small")), ("UPPER({})", ("text",)), ("LOWER({})", ("text",)),
        ("TRIM({})", ("text",)), ("SUBSTITUTE({}, {}, {})", ("text", "ttext", "ttext")),
        ("IF({}, {}, {})", ("bool", "text", "text")), ("BLANKVALUE({}, {})", ("text", "text")), ("TEXT({})", ("date",)),
        ("TEXT({})", ("textable",)), ('CASE(hospital.level, "三甲", {}, {})', ("text", "text")), ("STAGE()", ()),
    ],
    "bool": [
        ("({} {} {})", ("num", "cmp", "num")), ("({} {} {})", ("text", "cmp", "text")),
        ("({} {} {})", ("date", "cmp", "date")), ("({} {} {})", ("dt", "cmp", "dt")),
        ("({} {} {})", ("picklist", "eq", "opt")), ("({} {} {})", ("lookup", "eq", "lookup")),
        ("({} = {})", ("bool", "bool")), ("({} AND {})", ("bool", "bool")), ("({} || {})", ("bool", "bool")),
        ("NOT {}", ("bool",)), ("!({})", ("bool",)), ("AND({}, {}, {})", ("bool", "bool", "bool")),
        ("OR({}, {})", ("bool", "bool")), ("ISBLANK({})", ("any",)), ("CONTAINS({}, {})", ("text", "text")),
        ("BEGINS({}, {})", ("text", "text")), ("ENDS({}, {})", ("text", "text")), ("ISPICKVAL(level, {})", ("opt",)),
        ("INCLUDES(tags, {})", ("tag",)), ("INCLUDES(tags, {})", ("text",)), ("IN(level, {}, {})", ("opt", "opt")),
        ("IN({}, 1, 2, 3)", ("num",)), ("IF({}, {}, {})", ("bool", "bool", "bool")),
        ("BLANKVALUE(active, {})", ("bool",)), ("({} = BLANK())", ("any",)), ("({} <> BLANK())", ("any",)),
        ("(tags = BLANK())", ()), ("(BLANK() <> tags)", ()),
    ],
    "date": [
        ("DATE({}, {}, {})", ("year", "month", "day")), ("ADDDAYS({}, {})", ("date", "small")),
        ("({} + {})", ("date", "small")), ("({} + {})", ("small", "date")), ("({} - {})", ("date", "small")),
        ("DATEVALUE({})", ("dt",)), ("IF({}, {}, {})", ("bool", "date", "date")), ("MIN({}, {})", ("date", "date")),
        ("MAX({}, {})", ("date", "date")), ("BLANKVALUE({}, {})", ("date", "date")),
    ],
    "dt": [
        ("ADDDAYS({}, {})", ("dt", "quarter")), ("({} + {})", ("dt", "quarter")), ("({} - {})", ("dt", "quarter")),
        ("IF({}, {}, {})", ("bool", "dt", "dt")), ("MAX({}, {})", ("dt", "dt")),
    ],
}
LEAVES: dict[str, st.SearchStrategy[str]] = {
    "num": st.one_of(lit_num(), st.sampled_from(["amount", "qty", "score", "hospital.beds"])),
    "text": st.one_of(lit_text(), st.sampled_from(["name", "city", "level", "hospital.level"])),
    "bool": st.sampled_from(["active", "TRUE", "FALSE", "ISBLANK(tags)", "(1 = 1)"]),
    "date": st.sampled_from(["close_date", "start_date", "TODAY()", "$today"]),
    "dt": st.sampled_from(["created_at", "updated_at", "NOW()", "$now"]),
    "lookup": st.sampled_from(["owner_id", "$user.id", "3"]),
    "small": st.integers(-2, 6).map(lambda i: f"({i})" if i < 0 else str(i)),
    "ttext": lit_text(), "opt": option(), "tag": st.sampled_from([quote(x) for x in TAGS + ("",)]),
    "divisor": st.sampled_from(["2", "4", "5", "8", "10", "qty", "score"]),
    "modulus": st.sampled_from(["3", "(-2)", "0.5", "qty", "0"]), "digits": st.sampled_from(["-1", "0", "1", "2", "3"]),
    "exponent": st.sampled_from(["0", "1", "2"]), "textable": st.sampled_from(["level", "active", "owner_id", "tags"]),
    "cmp": st.sampled_from(["=", "<>", "<", "<=", ">", ">=", "==", "!="]), "eq": st.sampled_from(["=", "<>"]),
    "picklist": st.sampled_from(["level", "hospital.level"]), "year": st.integers(1990, 2030).map(str),
    "month": st.integers(-2, 14).map(lambda i: f"({i})" if i < 0 else str(i)), "day": st.integers(-5, 40).map(str),
    "quarter": st.integers(-8, 8).map(lambda i: f"({i / 4})"),
}
LEAVES["num!"] = LEAVES["num"]
TYPES = ("num", "text", "bool", "date", "dt")


def generate(draw: Any, t: str, depth: int, top: bool = False) -> str:
    if t == "any":
        t = draw(st.sampled_from(TYPES))
    if t == "num!" and (depth <= 0 or draw(st.booleans())):
        t = "num"
    if t not in TEMPLATES or depth <= 0 or (not top and draw(st.integers(0, 3)) == 0):
        return draw(LEAVES[t])
    template, kinds = draw(st.sampled_from(TEMPLATES[t]))
    return template.format(*(generate(draw, k, depth - 1) for k in kinds))


@st.composite
def expr(draw: Any, t: str, depth: int = 3, exact: bool = True) -> str:
    """An expression of type ``t``; ``exact=False`` allows inexact numbers (division by fields, roots)."""
    return generate(draw, "num!" if (t == "num" and not exact) else t, depth, top=True)


def any_expr(depth: int = 4) -> st.SearchStrategy[str]:
    return st.sampled_from(("num!",) + TYPES + ("lookup",)).flatmap(lambda t: expr(t, depth))
