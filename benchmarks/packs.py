"""``python -m benchmarks packs``: dry-run and import of the medical pack, then its demo data, on
SQLite and PostgreSQL. Target: the import with its demo data under 20 s; baseline: the same number
of plain rows written with executemany, in the same run. ``BENCH_PACKS_SCALE`` (default 1.0 = 500
hospitals, 5,000 leads, 1,000 opportunities) shrinks the demo while developing."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.harness import Report, make_app, pg_schema
from schema_store.database import create_engine

SCALE = float(os.environ.get("BENCH_PACKS_SCALE", "1.0"))


def _bench(report: Report, name: str, url: str, instance: Path) -> None:
    from builder.packs import TEMPLATES, import_pack, load_pack, plan_import
    from builder.packs.demo import load_demo
    from builder.packs.installer import system_actor
    from runtime import users
    app = make_app(instance, url)
    svc = app.extensions["crm"]
    try:
        with svc.engine.begin() as conn:
            admin = users.create_user(conn, "admin", "admin", password=None)
        started = time.perf_counter()
        pack = load_pack(TEMPLATES / "medical")
        report.add(f"{name}: load and check the pack", time.perf_counter() - started, "s")
        started = time.perf_counter()
        with svc.engine.connect() as conn:
            plan = plan_import(conn, pack)
        report.add(f"{name}: dry run (plan: {len(plan.ops)} ops)", time.perf_counter() - started, "s")
        with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
            started = time.perf_counter()
            result = import_pack(svc, pack, actor_id=admin)
            imported = time.perf_counter() - started
            report.add(f"{name}: import (publish + {sum(result.loaded.values())} reference records, one transaction)",
                       imported, "s")
            with svc.engine.connect() as conn:
                actor = system_actor(conn, admin)
            started = time.perf_counter()
            load_demo(svc, pack, actor=actor, scale=SCALE, progress=lambda _text: None)
            demo = time.perf_counter() - started
        with svc.engine.connect() as conn:
            rows = sum(conn.execute(sa.select(sa.func.count()).select_from(sa.table(f"obj_{o}"))).scalar()
                       for o in ("med_hospital", "med_contact", "med_lead", "med_opportunity", "med_visit", "med_ticket"))
        baseline = f"{name}: baseline, the same number of plain rows written with executemany"
        report.add(baseline, _plain_rows(svc.engine, rows), "s")
        report.add(f"{name}: demo data at scale {SCALE:g} ({rows} records through the record service)", demo, "s",
                   baseline=baseline)
        report.add(f"{name}: records per second (demo)", rows / demo if demo else 0, "rec/s")
        report.add(f"{name}: import with demo data", imported + demo, "s", baseline=baseline, target="< 20 s")
    finally:
        svc.engine.dispose()


def _plain_rows(engine: sa.Engine, rows: int) -> float:
    """Seconds to write ``rows`` rows of ten text columns with executemany in batches of 300 (no
    pipeline, no history, no automation): what the demo costs at the least."""
    meta = sa.MetaData()
    plain = sa.Table("bench_plain_rows", meta, sa.Column("id", sa.Integer, primary_key=True),
                     *[sa.Column(f"c{i}", sa.Text) for i in range(10)])
    meta.create_all(engine)
    values = [{f"c{i}": f"值{n}-{i}" for i in range(10)} for n in range(rows)]
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, rows, 300):
            conn.execute(plain.insert(), values[start:start + 300])
    seconds = time.perf_counter() - started
    meta.drop_all(engine)
    return seconds


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _bench(report, "SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", Path(tmp) / "instance")
    with pg_schema(report) as pg:
        if pg is not None:
            with tempfile.TemporaryDirectory() as tmp:
                _bench(report, "PostgreSQL", pg.url, Path(tmp) / "instance")
