"""``python -m benchmarks pages``: server time of the generated pages on a 100,000-row object.

A ``deal`` object (title, picklist, currency, date, a lookup to ``account``, a stage pipeline with
an SLA) holds ``BENCH_PAGE_ROWS`` rows (default 100,000) bulk-inserted with SQLAlchemy Core, on
SQLite (a temporary file), then on PostgreSQL (a throwaway schema) when it is reachable. A signed-in rep with ``team`` scope (so every list runs its permission
clause) requests, through the Flask test client (full request: session, CSRF token, permissions,
templates), each page ``BENCH_PAGE_RUNS`` times (default 60): the list (50 rows, default sort), a
filtered and sorted list, a deep page (keyset cursor), the kanban (200 cards), a record page, and
the create form. Figures are p50/p95 in milliseconds. Target: p95 < 150 ms for the 50-row list.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import schema_store
from benchmarks.harness import Report, make_app, pg_schema

ROWS = int(os.environ.get("BENCH_PAGE_ROWS", "100000"))
RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "60"))
REGIONS = ("华东", "华南", "华北", "西南", "西北", "东北")
UTC = dt.timezone.utc


def label(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


DOCUMENT = {
    "objects": {
        "account": {"label": label("客户", "Account"), "title_field": "name",
                    "fields": {"name": {"type": "text", "required": True}}},
        "deal": {
            "label": label("商机", "Deal"), "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "label": label("名称", "Name")},
                "region": {"type": "picklist", "label": label("区域", "Region"),
                           "options": [{"value": r} for r in REGIONS]},
                "amount": {"type": "currency", "label": label("金额", "Amount")},
                "close_date": {"type": "date", "label": label("预计成交", "Close date")},
                "account": {"type": "lookup", "target": "account", "label": label("客户", "Account")},
            },
            "pipeline": {"initial": "new", "nodes": [
                {"key": "new", "label": label("新建", "New"), "order": 1},
                {"key": "demo", "label": label("演示", "Demo"), "order": 2,
                 "sla": {"hours": 72, "levels": [{"name": "blue", "at": 0.5}, {"name": "red", "at": 1}]}},
                {"key": "won", "label": label("赢单", "Won"), "order": 3, "outcome": "won"}]},
            "layouts": {"list": {"columns": ["name", "region", "amount", "close_date", "account", "stage", "owner"],
                                 "page_size": 50},
                        "kanban": {"card": ["region", "amount", "account"]},
                        "form": {"sections": [{"label": label("基本", "Basics"), "columns": 2,
                                               "fields": ["name", "region", "amount", "close_date", "account"]}]}},
        },
    },
    "permissions": {"rep": {"deal": {"read": True, "create": True, "update": True, "scope": "team"},
                            "account": {"read": True, "scope": "all"}}},
}


def load_rows(app: Any, owner_ids: list[int]) -> None:
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    accounts, deals = schema.table("account"), schema.table("deal")
    rng = random.Random(7)
    now = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with svc.engine.begin() as conn:
        conn.execute(accounts.insert(), [{"name": f"医院{i:04d}", "owner": owner_ids[0], "created_at": now,
                                          "updated_at": now, "version": 1, "last_activity_at": now}
                                         for i in range(1, 1001)])
        batch = []
        for i in range(ROWS):
            at = now - dt.timedelta(minutes=i)
            batch.append({"name": f"商机{i:06d}", "region": rng.choice(REGIONS), "amount": rng.randint(1, 5_000_000),
                          "close_date": dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 365)),
                          "account": rng.randint(1, 1000), "stage": rng.choice(("new", "demo", "won")),
                          "stage_entered_at": at, "owner": rng.choice(owner_ids), "created_at": at,
                          "created_by": owner_ids[0], "updated_at": at, "updated_by": owner_ids[0], "version": 1,
                          "last_activity_at": at})
            if len(batch) == 5000:
                conn.execute(deals.insert(), batch)
                batch = []
        if batch:
            conn.execute(deals.insert(), batch)


def timed(client: Any, url: str) -> Callable[[], float]:
    def once() -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        return elapsed * 1000
    return once


def bench_pages(report: Report, db: str, url: str, tmp: str) -> None:
    from runtime.users import create_user
    app = make_app(tmp, url)
    engine = app.extensions["crm"].engine
    try:
        schema_store.publish(engine, DOCUMENT)
        with engine.begin() as conn:
            owners = [create_user(conn, f"rep{i}", "rep", password="password-123", team="华东销售")
                      for i in range(10)]
        started = time.perf_counter()
        load_rows(app, owners)
        if db == "PostgreSQL":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        report.note(f"{db}: {ROWS:,} deal rows bulk-loaded in {time.perf_counter() - started:.1f} s "
                    f"(10 reps in one team; the reader sees every row through its team scope)")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"username": "rep0", "password": "password-123", "csrf_token": token})
        first = client.get("/app/deal?format=json").get_json()["rows"][0]["id"]
        pages = {
            "list, 50 rows, default sort": "/app/deal",
            "list, filter + sort (region, amount)": "/app/deal?f=region&op=eq&v=华东&f=amount&op=gt&v=100000&sort=-amount",
            "list, advanced expression filter": "/app/deal?q=" + "CONTAINS(name, \"999\") %26%26 amount > 1000",
            "kanban, 200 cards": "/app/deal/kanban",
            "record page": f"/app/deal/{first}",
            "create form": "/app/deal/new",
        }
        deep = client.get("/app/deal?format=json&sort=name").get_json()
        for _ in range(20):
            deep = client.get(f"/app/deal?format=json&sort=name&cursor={deep['next_cursor']}").get_json()
        pages["list, 21st page (keyset cursor)"] = f"/app/deal?sort=name&cursor={deep['next_cursor']}"
        for name, page_url in pages.items():
            once = timed(client, page_url)
            once()                                            # warm the schema and template caches
            samples = sorted(once() for _ in range(RUNS))
            p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
            report.add(f"{db}: {name} p50", statistics.median(samples), "ms")
            report.add(f"{db}: {name} p95", p95, "ms", target="< 150 ms" if name.startswith("list, 50") else None)
    finally:
        engine.dispose()


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_pages(report, "SQLite", f"sqlite:///{tmp}/pages.sqlite3", tmp)
    with tempfile.TemporaryDirectory() as tmp, pg_schema(report) as pg:
        if pg is not None:
            bench_pages(report, "PostgreSQL", pg.url, tmp)
    report.note(f"{RUNS} requests per page through the Flask test client (whole request: session, "
                f"permissions, query, templates; one process)")
