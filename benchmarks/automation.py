"""``python -m benchmarks automation``: the rule engine on the outbox.

1. N creates (default 10,000; ``BENCH_AUTOMATION_N``) of an object with 5 active after_save rules
   (set_field, add_task, notify, create_record, a conditional set_field): records/s inline
   (embedded SQLite, actions run right after each commit) and with 2 real ``rq worker`` processes
   (PostgreSQL + Redis; the web side only writes outbox rows), plus the time from commit to action
   done (outbox item created -> finished; median and p95).
2. One routing decision over a 50-entry routing table (the last entry matches): target < 0.2 ms.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

import schema_store
from benchmarks.harness import Report, make_app, pg_schema

N = int(os.environ.get("BENCH_AUTOMATION_N", "10000"))
ROUTE_CALLS = 5000
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"

DOC = {
    "objects": {
        "ticket": {"label": {"en": "Ticket"}, "fields": {
            "title": {"type": "text"}, "priority": {"type": "number"}, "status": {"type": "text"},
            "note": {"type": "text"}}},
        "activity": {"label": {"en": "Activity"}, "fields": {
            "ticket": {"type": "lookup", "target": "ticket"}, "summary": {"type": "text"}}},
    },
    "rules": [
        {"key": "r1_status", "object": "ticket", "trigger": {"type": "create"},
         "actions": [{"type": "set_field", "field": "status", "value": "\"triaged\""}]},
        {"key": "r2_task", "object": "ticket", "trigger": {"type": "create"},
         "actions": [{"type": "add_task", "title": {"en": "Call back {title}"}, "due_hours": 4}]},
        {"key": "r3_notify", "object": "ticket", "trigger": {"type": "create"}, "when": "priority >= 0",
         "actions": [{"type": "notify", "to": [{"kind": "owner"}], "message": {"en": "New ticket {title}"}}]},
        {"key": "r4_activity", "object": "ticket", "trigger": {"type": "create"},
         "actions": [{"type": "create_record", "object": "activity", "link": "ticket",
                      "values": {"summary": "\"opened: \" & title"}}]},
        {"key": "r5_urgent", "object": "ticket", "trigger": {"type": "create"}, "when": "priority > 5",
         "actions": [{"type": "set_field", "field": "note", "value": "\"urgent\""}]},
    ],
}


def route_doc(entries: int = 50) -> dict:
    doc = {"objects": {"lead": {"label": {"en": "Lead"}, "fields": {
        "region": {"type": "text"}, "score": {"type": "number"}}}},
        "assignment": {"pools": {"sea": {"label": {"en": "Pool"}}}, "routes": {"r": {
            "object": "lead", "on": ["update"], "entries": [
                {"key": f"e{i}", "when": f"region = \"R{i}\" && score > {i}",
                 "assign_to": {"kind": "pool", "pool": "sea"}} for i in range(entries)],
            "fallback": {"kind": "pool", "pool": "sea"}}}}}
    return doc


def _app(tmp: str, database_url: str | None, redis_url: str | None):
    return make_app(tmp, database_url, redis_url)


def _creates(app, n: int) -> float:
    from runtime import users
    from runtime.records import RecordService
    svc = app.extensions["crm"]
    with svc.engine.begin() as conn:
        uid = users.create_user(conn, "bench", "admin", password=None)
        actor = users.get_actor(conn, uid)
    service = RecordService(svc, actor, source="bench")
    started = time.perf_counter()
    for i in range(n):
        service.create("ticket", {"title": f"T{i}", "priority": i % 10})
    return time.perf_counter() - started


def _latencies(engine: sa.Engine) -> list[float]:
    from runtime.outbox.tables import outbox
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.created_at, outbox.c.finished_at)
                            .where(outbox.c.status == "done")).all()
    return [(f - c).total_seconds() for c, f in rows if f is not None and c is not None]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def inline(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp, None, None)
        schema_store.publish(app.extensions["crm"].engine, DOC)
        seconds = _creates(app, N)
        lat = _latencies(app.extensions["crm"].engine)
        report.add(f"inline (SQLite): {N} creates x 5 rules", N / seconds, "records/s")
        report.add("inline: commit -> action done, median", statistics.median(lat) * 1000, "ms")
        report.add("inline: commit -> action done, p95", _pct(lat, 0.95) * 1000, "ms")
        app.extensions["crm"].engine.dispose()


def with_workers(report: Report) -> None:
    import redis
    pg = os.environ.get("BENCH_PG_URL", DEFAULT_PG)
    rurl = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    try:
        redis.Redis.from_url(rurl).flushdb()
        probe = sa.create_engine(schema_store.database.normalize_url(pg))
        with probe.connect():
            pass
        probe.dispose()
    except Exception as exc:  # noqa: BLE001
        report.note(f"RQ run skipped: PostgreSQL or Redis unreachable ({type(exc).__name__})")
        return
    with pg_schema(report) as schema_pg:
        if schema_pg is None:
            return
        url = schema_pg.url
        rq = shutil.which("rq", path=str(Path(sys.executable).parent)) or "rq"
        workers: list[subprocess.Popen] = []
        try:
            with tempfile.TemporaryDirectory() as tmp:
                app = _app(tmp, url, rurl)
                svc = app.extensions["crm"]
                schema_store.publish(svc.engine, DOC)
                env = {**os.environ, "CRM_INSTANCE_PATH": tmp, "DATABASE_URL": svc.settings.database_url,
                       "REDIS_URL": rurl, "SECRET_KEY": svc.settings.secret_key}
                log = open(Path(tmp) / "workers.log", "w")  # noqa: SIM115
                workers = [subprocess.Popen([rq, "worker", "--worker-class", "rq.SimpleWorker", "--url", rurl, "crm"], env=env, stdout=log,
                                            stderr=subprocess.STDOUT) for _ in range(2)]
                started = time.perf_counter()
                seconds = _creates(app, N)
                from runtime.outbox.tables import outbox
                deadline = time.monotonic() + int(os.environ.get("BENCH_AUTOMATION_WAIT", "1800"))
                while time.monotonic() < deadline:
                    with svc.engine.connect() as conn:
                        left = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
                            outbox.c.status.in_(("pending", "running", "failed")))).scalar()
                    if not left:
                        break
                    with svc.engine.connect() as conn:
                        busy = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
                            outbox.c.status.in_(("pending", "running")))).scalar()
                    if not busy:  # only retries left: re-dispatch them once their backoff is over
                        from runtime.outbox import sweep
                        sweep(svc, dt.datetime.now(dt.timezone.utc))
                    if all(w.poll() is not None for w in workers):
                        raise RuntimeError("the workers stopped: " + (Path(tmp) / "workers.log").read_text()[-2000:])
                    time.sleep(1)
                total = time.perf_counter() - started
                lat = _latencies(svc.engine)
                report.add(f"RQ (PostgreSQL, 2 workers): {N} creates, web side", N / seconds, "records/s")
                report.add("RQ: creates with all actions done", N / total, "records/s")
                report.add("RQ: commit -> action done, median", statistics.median(lat) * 1000, "ms")
                report.add("RQ: commit -> action done, p95", _pct(lat, 0.95) * 1000, "ms")
                svc.engine.dispose()
        finally:
            for w in workers:
                w.terminate()
                w.wait(30)


def routing(report: Report) -> None:
    from runtime.automation import assignment
    from runtime.automation.context import eval_context
    from runtime.users import Actor
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp, None, None)
        svc = app.extensions["crm"]
        schema_store.publish(svc.engine, route_doc())
        actor = Actor(id=1, username="bench", role="admin")
        record = {"id": 1, "region": "R49", "score": 100, "owner": 1}
        with svc.engine.connect() as conn:
            schema = svc.schema_cache.get(conn)

            def ctx_for(exprs):
                return eval_context(svc, conn, schema, "lead", record, exprs, actor=actor)[0]
            decision = assignment.route(conn, schema, "lead", "r", record, ctx_for)
            assert decision.entry == "e49", decision
            started = time.perf_counter()
            for _ in range(ROUTE_CALLS):
                assignment.route(conn, schema, "lead", "r", record, ctx_for)
            each = (time.perf_counter() - started) / ROUTE_CALLS
        report.add("routing decision over 50 entries (last matches)", each * 1000, "ms", target="< 0.2 ms")
        svc.engine.dispose()


def run(report: Report) -> None:
    report.note(f"N = {N} creates; each create fires 5 after_save rules (one outbox item each)")
    routing(report)
    inline(report)
    with_workers(report)
