"""``python -m benchmarks sla``: one ``crm tick`` SLA sweep over 200,000 open records in staged
pipelines with 5 % due (target: under 5 s on PostgreSQL).

The records are COPY'd into a throwaway PostgreSQL schema: five nodes with SLAs (hours, workdays on
the holiday calendar, one "no update" SLA on last_activity_at), blue/yellow/red levels at 50/80/100 %.
95 % of the records sit below their first level; 5 % have just passed it (one level each, so 10,000
alerts, each a notification to the owner). The due set is found by SQL (``stage`` index +
comparison with the precomputed cutoff); the figure is the whole sweep: claim rows, render the
localized messages, write notifications, fire hooks, commit. A second tick (nothing new) shows the
idempotent re-run cost. Run again with a composite (stage, stage_entered_at) index for comparison.
``BENCH_SLA_ROWS`` shrinks the run while developing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import schema_store
from benchmarks.harness import Report, make_app, pg_schema

ROWS = int(os.environ.get("BENCH_SLA_ROWS", "200000"))
DUE = 0.05
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 18, 10, 0, tzinfo=UTC)   # a Wednesday


def label(text: str) -> dict[str, str]:
    return {"zh-CN": text, "en": text}


LEVELS = [{"name": "blue", "at": 0.5}, {"name": "yellow", "at": 0.8},
          {"name": "red", "at": 1, "actions": [{"type": "notify", "to": [{"kind": "owner"}, {"kind": "owner_manager"}],
                                                "message": label("{name} 已超时")}]}]
NODES = [  # key, sla
    ("lead", {"hours": 24, "levels": LEVELS}),
    ("qualify", {"hours": 48, "levels": LEVELS}),
    ("demo", {"workdays": 5, "levels": LEVELS}),
    ("proposal", {"hours": 72, "basis": "last_activity", "levels": LEVELS}),
    ("contract", {"workdays": 3, "levels": LEVELS}),
]
DOCUMENT = {"objects": {"deal": {
    "label": label("商机"), "title_field": "name",
    "fields": {"name": {"type": "text", "required": True}, "amount": {"type": "currency"}},
    "pipeline": {"initial": "lead", "nodes": [
        {"key": k, "label": label(k), "order": i + 1, "sla": sla} for i, (k, sla) in enumerate(NODES)]
        + [{"key": "won", "label": label("won"), "order": 9, "outcome": "won"}]},
}}}


@contextlib.contextmanager
def bench_app(database_url: str) -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, database_url)
        try:
            schema_store.publish(app.extensions["crm"].engine, DOCUMENT)
            yield app
        finally:
            app.extensions["crm"].engine.dispose()


def anchors(calendar: Any) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Per node: an instant well before the first level (not due) and one just past 50 % (due)."""
    from runtime.stages.sla import sla_cutoff
    from schema_store.model import SlaDef
    out = {}
    for key, sla in NODES:
        d = SlaDef(hours=sla.get("hours"), workdays=sla.get("workdays"))
        blue = sla_cutoff(d, 0.5, NOW, calendar)
        out[key] = (NOW - (NOW - blue) / 4, blue - dt.timedelta(minutes=5))
    return out


def load(app: Any, schema_name: str, owners: list[int]) -> tuple[float, int]:
    from psycopg import sql
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    table = schema.table("deal").name
    marks = anchors(svc.extras["calendar"](schema))
    keys = [k for k, _ in NODES]
    rng = random.Random(7)
    cols = ("owner", "created_at", "created_by", "updated_at", "updated_by", "version", "stage",
            "stage_entered_at", "last_activity_at", "name")
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema_name, table), sql.SQL(", ").join(map(sql.Identifier, cols)))
    due = 0
    start = time.perf_counter()
    with svc.engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
            for i in range(ROWS):
                key = keys[i % len(keys)]
                is_due = rng.random() < DUE
                due += is_due
                at = marks[key][1 if is_due else 0]
                owner = owners[i % len(owners)]
                copy.write_row((owner, at, owner, at, owner, 1, key, at, at, f"商机 {i}"))
        raw.commit()  # type: ignore[union-attr]
        with raw.cursor() as cur:  # type: ignore[union-attr]
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema_name, table)))
        raw.commit()  # type: ignore[union-attr]
    return time.perf_counter() - start, due


def run(report: Report) -> None:
    from runtime.stages.sla import sweep
    from runtime.users import create_user
    with pg_schema(report) as pg:
        if pg is None:
            return
        url, schema_name = pg
        with bench_app(url) as app:
            svc = app.extensions["crm"]
            with svc.engine.begin() as conn:
                create_user(conn, "director", "manager")
                managers = [create_user(conn, f"mgr{i}", "manager", manager="director") for i in range(5)]
                owners = [create_user(conn, f"rep{i}", "rep", manager=f"mgr{i % 5}") for i in range(50)]
            loaded, due = load(app, schema_name, owners)
            report.add(f"COPY {ROWS:,} deals in 5 staged nodes + ANALYZE (set-up)", loaded, "s")
            report.note(f"{due:,} records ({due / ROWS:.1%}) past their blue level; each tick level is one "
                        "INSERT .. SELECT .. ON CONFLICT DO NOTHING RETURNING per (node, level)")
            start = time.perf_counter()
            first = sweep(svc, NOW)
            took = time.perf_counter() - start
            assert first.fired == due, (first.fired, due)
            report.add("PostgreSQL: of which finding + recording the due set (SQL)", first.claim_seconds, "s")
            report.add("PostgreSQL: of which stage_overdue hooks (automation rules)", first.hook_seconds, "s")
            report.add(f"PostgreSQL: tick over {ROWS:,} records, {first.fired:,} alerts, "
                       f"{first.notified:,} notifications", took, "s", target="< 5 s")
            start = time.perf_counter()
            second = sweep(svc, NOW)
            report.add("PostgreSQL: the same tick again (idempotent: nothing new)", time.perf_counter() - start, "s")
            assert second.fired == 0
            later = NOW + dt.timedelta(minutes=1)
            start = time.perf_counter()
            third = sweep(svc, later)
            report.add("PostgreSQL: the next minute's tick (nothing due)", time.perf_counter() - start, "s")
            assert third.fired == 0
