"""``python -m benchmarks records``: what the one save pipeline costs, and lists on a big table.

1. 10,000 creates through ``RecordService.create`` (an object with 5 formula fields and 5
   validation rules: coercion, defaults, formulas, rules, unique/reference checks, history rows,
   save hooks) against the same rows inserted with plain SQLAlchemy Core and hand-written checks.
   Both commit once per record, as API calls do. SQLite, then PostgreSQL when reachable.
   Target: the pipeline at most 3x the hand-written path.
2. A filtered, sorted list (``list_records``: scope, filter compiled to SQL, keyset page, capped
   total) on a 1,000,000-row object on PostgreSQL: p50/p95 over 200 queries. Target: p95 < 50 ms.
   The rows are bulk-loaded with COPY into a throwaway schema that is dropped afterwards.
``BENCH_RECORDS_N`` / ``BENCH_LIST_ROWS`` shrink the runs while developing.
"""
from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import os
import pstats
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa

import schema_store
from benchmarks.harness import Report, make_app, pg_schema

N_CREATES = int(os.environ.get("BENCH_RECORDS_N", "10000"))
LIST_ROWS = int(os.environ.get("BENCH_LIST_ROWS", "1000000"))
LIST_QUERIES = 200
REGIONS = ("华东", "华南", "华北", "西南", "西北", "东北")
UTC = dt.timezone.utc


def label(text: str) -> dict[str, str]:
    return {"zh-CN": text, "en": text}


DEAL = {
    "label": label("deal"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True, "max_length": 200},
        "region": {"type": "picklist", "options": [{"value": r, "label": label(r)} for r in REGIONS]},
        "amount": {"type": "currency"}, "probability": {"type": "percent"},
        "quantity": {"type": "number"}, "unit_price": {"type": "currency"}, "discount": {"type": "percent"},
        "close_date": {"type": "date"},
        "total": {"type": "formula", "expression": "quantity * unit_price"},
        "net": {"type": "formula", "expression": "total * (1 - discount / 100)"},
        "weighted": {"type": "formula", "expression": "amount * probability / 100"},
        "size": {"type": "formula", "expression": 'IF(amount > 100000, "big", "small")'},
        "close_year": {"type": "formula", "expression": "YEAR(close_date)"},
    },
    "validations": [
        {"key": "amount", "error_when": "amount < 0", "message": label("amount < 0"), "field": "amount"},
        {"key": "probability", "error_when": "probability > 100", "message": label("p > 100"), "field": "probability"},
        {"key": "discount", "error_when": "discount > 50", "message": label("discount > 50"), "field": "discount"},
        {"key": "quantity", "error_when": "quantity < 0", "message": label("quantity < 0"), "field": "quantity"},
        {"key": "close", "error_when": "close_date < DATE(2000, 1, 1)", "message": label("too early")},
    ],
}
TICKET = {
    "label": label("ticket"), "title_field": "subject",
    "fields": {
        "subject": {"type": "text", "required": True},
        "region": {"type": "picklist", "options": [{"value": r, "label": label(r)} for r in REGIONS]},
        "priority": {"type": "picklist", "options": [{"value": p, "label": label(p)} for p in ("P1", "P2", "P3", "P4")]},
        "amount": {"type": "currency"}, "opened_on": {"type": "date"},
        "weighted": {"type": "formula", "expression": "amount * 2"},
    },
}
DOCUMENT = {"objects": {"deal": DEAL, "ticket": TICKET},
            "permissions": {"rep": {"deal": {"create": True, "read": True, "scope": "own"},
                                    "ticket": {"read": True, "scope": "own"}}}}


def deal_inputs(n: int) -> list[dict[str, Any]]:
    """What n API callers would send (JSON-ish values)."""
    rng = random.Random(7)
    return [{"name": f"商机 {i:05d}", "region": rng.choice(REGIONS), "amount": rng.randint(0, 500_000),
             "probability": rng.randint(0, 100), "quantity": rng.randint(1, 50),
             "unit_price": round(rng.uniform(10, 5000), 2), "discount": rng.randint(0, 30),
             "close_date": (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 365))).isoformat()}
            for i in range(n)]


# -- the app --------------------------------------------------------------------------------------
@contextlib.contextmanager
def bench_app(database_url: str) -> Iterator[tuple[Any, Any]]:
    """A full app (hooks and all) on ``database_url`` with the benchmark document, an admin actor,
    inside a request context."""
    from runtime.users import create_user, get_actor
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, database_url)
        engine = app.extensions["crm"].engine
        try:
            schema_store.publish(engine, DOCUMENT)
            with engine.begin() as conn:
                admin = get_actor(conn, create_user(conn, "bench-admin", "admin"))
            with app.test_request_context(headers={"Accept-Language": "en"}):
                yield app, admin
        finally:
            engine.dispose()


def pipeline_creates(app: Any, actor: Any, rows: list[dict[str, Any]]) -> float:
    from runtime.records import RecordService
    from runtime.services import services
    service = RecordService(services(app), actor, source="import", lang="en")
    start = time.perf_counter()
    for data in rows:
        service.create("deal", data)
    return time.perf_counter() - start


def core_creates(app: Any, actor: Any, rows: list[dict[str, Any]]) -> float:
    """The same rows by hand: coerce, check, compute the stored formulas, insert; one commit each."""
    from schema_store.database import begin_write
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    table = schema.table("deal")
    stored = {f.name for f in schema.object("deal").stored_fields}
    start = time.perf_counter()
    for data in rows:
        name = str(data["name"]).strip()
        amount, probability = Decimal(str(data["amount"])), Decimal(str(data["probability"]))
        quantity, unit_price = Decimal(str(data["quantity"])), Decimal(str(data["unit_price"]))
        discount, close_date = Decimal(str(data["discount"])), dt.date.fromisoformat(data["close_date"])
        if not name or data["region"] not in REGIONS or amount < 0 or probability > 100 or discount > 50 \
                or quantity < 0 or close_date < dt.date(2000, 1, 1):
            raise ValueError(data)
        total = quantity * unit_price
        values = {"name": name, "region": data["region"], "amount": amount, "probability": probability,
                  "quantity": quantity, "unit_price": unit_price, "discount": discount, "close_date": close_date,
                  "total": total, "net": total * (1 - discount / 100), "weighted": amount * probability / 100,
                  "size": "big" if amount > 100000 else "small", "close_year": Decimal(close_date.year)}
        now = dt.datetime.now(UTC)
        row = {k: v for k, v in values.items() if k in stored}
        with begin_write(svc.engine) as conn:
            conn.execute(table.insert().values(owner=actor.id, created_at=now, created_by=actor.id, updated_at=now,
                                               updated_by=actor.id, version=1, last_activity_at=now, **row))
    return time.perf_counter() - start


def profile_note(app: Any, actor: Any, rows: list[dict[str, Any]]) -> str:
    """Where a create's time goes: our functions with the most cumulative time, per create."""
    profiler = cProfile.Profile()
    profiler.enable()
    pipeline_creates(app, actor, rows)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    root = str(Path(__file__).resolve().parents[1])
    ours = sorted(((ct, f"{Path(file).parent.name}/{Path(file).name}:{func}")
                   for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items()
                   if file.startswith(root) and "/.venv/" not in file and "benchmarks" not in file),
                  reverse=True)
    sql = sum(ct for (file, _l, func), (_cc, _nc, _tt, ct, _c) in stats.items()
              if func == "execute" and file.endswith("sqlalchemy/engine/base.py"))
    calls = sum(nc for (file, _l, func), (_cc, nc, _tt, _ct, _c) in stats.items()
                if func == "execute" and file.endswith("sqlalchemy/engine/base.py"))
    n = len(rows)
    return (f"profile per create: {calls / n:.1f} SQL statements taking {sql / n * 1000:.2f} ms; "
            + ", ".join(f"{k} {ct / n * 1000:.2f} ms" for ct, k in ours[1:12]))


def bench_creates(report: Report, name: str, database_url: str) -> None:
    rows = deal_inputs(N_CREATES)
    with bench_app(database_url) as (app, actor):
        pipeline_creates(app, actor, deal_inputs(50))   # warm caches (schema, translations, plans)
        core_creates(app, actor, deal_inputs(50))
        core = core_creates(app, actor, rows)
        base = report.add(f"{name}: {N_CREATES:,} creates, Core + hand-written checks", core, "s")
        full = pipeline_creates(app, actor, rows)
        report.add(f"{name}: {N_CREATES:,} creates through RecordService.create", full, "s",
                   baseline=base.name, target="<= 3x")
        report.add(f"{name}: per create, pipeline", full / N_CREATES * 1000, "ms")
        report.add(f"{name}: per create, Core", core / N_CREATES * 1000, "ms")
        report.note(f"{name}: " + profile_note(app, actor, deal_inputs(300)))


# -- lists on a big table (PostgreSQL) ------------------------------------------------------------
def copy_tickets(engine: sa.Engine, schema_name: str, owner_ids: list[int], n: int) -> float:
    """COPY n generated tickets into obj_ticket; identifiers composed by psycopg, never formatted."""
    from psycopg import sql
    rng = random.Random(11)
    cols = ("owner", "created_at", "created_by", "updated_at", "updated_by", "version", "last_activity_at",
            "subject", "region", "priority", "amount", "opened_on")
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema_name, "obj_ticket"), sql.SQL(", ").join(map(sql.Identifier, cols)))
    start_at = dt.datetime(2024, 1, 1, tzinfo=UTC)
    start = time.perf_counter()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
            for i in range(n):
                at = start_at + dt.timedelta(seconds=i * 60 + rng.randint(0, 59))
                owner = owner_ids[i % len(owner_ids)]
                copy.write_row((owner, at, owner, at, owner, 1, at, f"工单 {i}", REGIONS[rng.randrange(6)],
                                f"P{rng.randint(1, 4)}", Decimal(rng.randint(0, 1_000_000)) / 100,
                                (start_at + dt.timedelta(days=rng.randint(0, 900))).date()))
        raw.commit()  # type: ignore[union-attr]
        with raw.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema_name, "obj_ticket")))
        raw.commit()  # type: ignore[union-attr]
    return time.perf_counter() - start


def list_timings(app: Any, actor: Any, sort: str, queries: int = LIST_QUERIES) -> list[float]:
    from runtime.records import ListParams, RecordService, list_records
    from runtime.services import services
    service = RecordService(services(app), actor, lang="en")
    rng = random.Random(3)
    times = []
    cursor = None
    for i in range(queries):
        region, threshold = rng.choice(REGIONS), rng.choice((0, 1000, 5000, 9000))
        params = ListParams(filter=f'region = "{region}" && amount >= {threshold}', sort=sort, per_page=50,
                            cursor=cursor if i % 4 == 3 else None)
        start = time.perf_counter()
        page = list_records(service, "ticket", params)
        times.append(time.perf_counter() - start)
        cursor = page["next_cursor"]
        assert page["records"], params
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def bench_list(report: Report, url: str, schema_name: str) -> None:
    from runtime.users import create_user, get_actor
    with bench_app(url) as (app, admin):
        engine = app.extensions["crm"].engine
        with engine.begin() as conn:
            reps = [create_user(conn, f"rep{i}", "rep") for i in range(20)]
            rep = get_actor(conn, reps[0])
        loaded = copy_tickets(engine, schema_name, [admin.id, *reps], LIST_ROWS)
        report.add(f"PostgreSQL: COPY {LIST_ROWS:,} tickets + ANALYZE (set-up)", loaded, "s")
        list_timings(app, admin, "-created_at", 20)  # warm up
        for who, actor in (("admin", admin), ("rep, scope own", rep)):
            times = list_timings(app, actor, "-created_at")
            report.add(f"PostgreSQL {LIST_ROWS:,} rows, {who}: filter + sort -created_at, p50",
                       statistics.median(times) * 1000, "ms")
            report.add(f"PostgreSQL {LIST_ROWS:,} rows, {who}: filter + sort -created_at, p95",
                       p95(times) * 1000, "ms", target="< 50 ms")
        times = list_timings(app, admin, "-amount")
        report.add(f"PostgreSQL {LIST_ROWS:,} rows, admin: filter + sort -amount (no index), p95",
                   p95(times) * 1000, "ms", target="< 50 ms")


# -- entry point ----------------------------------------------------------------------------------
def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_creates(report, "SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    with pg_schema(report) as pg:
        if pg is None:
            return
        bench_creates(report, "PostgreSQL", pg.url)
    with pg_schema(report) as pg:
        if pg is not None:
            bench_list(report, pg.url, pg.name)
