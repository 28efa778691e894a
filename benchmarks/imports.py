"""``python -m benchmarks import [--rows N]``: a CSV of leads with 10 % duplicates imported with
dedup, and a full rescoring of the leads, on SQLite and PostgreSQL, each against a baseline
measured in the same run.

1. Import: a generated CSV of ``BENCH_IMPORT_ROWS`` (default 100,000) leads, 10 % of them repeating an
   earlier lead's mobile (written differently) or email (other case), into a lead object with two
   ``block`` duplicate rules and a scoring model. It runs as the ``import`` job does in embedded
   mode (batches of 500 through ``RecordService.create_many`` + checkpoint), in a child process whose
   peak RSS is the memory figure. Baseline: ``csv.DictReader`` + ``executemany`` INSERT of the same
   rows into a plain table (no pipeline, no dedup), in its own child process.
   Targets: under 60 s, peak memory under 500 MB.
2. Rescoring: ``runtime.scoring.recompute.recompute`` (one UPDATE per model) over ``ROWS`` leads
   written directly into a fresh database, after their scores were blanked. Baseline: a Python loop that evaluates the model's rules
   per row and writes each score back with ``executemany``. Target: under 2 s on PostgreSQL.

``BENCH_IMPORT_PARTS=rescore`` (or ``import``) runs one part only.
"""
from __future__ import annotations

import concurrent.futures
import csv
import multiprocessing
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Report, make_app, pg_schema

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
PARTS = os.environ.get("BENCH_IMPORT_PARTS", "import,rescore").split(",")  # e.g. only "rescore"
DUPLICATE_SHARE = 0.10
HEADERS = ["公司名称", "联系人", "手机", "邮箱", "行业", "区域", "页面停留（分钟）", "资料下载数", "价格页停留（秒）"]
INDUSTRIES = ("教育", "医疗", "制造", "零售")
REGIONS = ("华东", "华南", "华北", "西南")


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


def _options(values) -> list[dict[str, Any]]:
    return [{"value": v, "label": _label(v, v)} for v in values]


DOC: dict[str, Any] = {
    "objects": {"lead": {
        "label": _label("线索", "Lead"), "title_field": "company",
        "fields": {
            "company": {"type": "text", "required": True, "max_length": 200, "label": _label("公司名称", "Company")},
            "contact_name": {"type": "text", "label": _label("联系人", "Contact")},
            "phone": {"type": "phone", "label": _label("手机", "Mobile")},
            "email": {"type": "email", "label": _label("邮箱", "Email")},
            "industry": {"type": "picklist", "options": _options(INDUSTRIES), "label": _label("行业", "Industry")},
            "region": {"type": "picklist", "options": _options(REGIONS), "label": _label("区域", "Region")},
            "page_minutes": {"type": "number", "label": _label("页面停留（分钟）", "Time on site")},
            "downloads": {"type": "number", "label": _label("资料下载数", "Downloads")},
            "price_page_seconds": {"type": "number", "label": _label("价格页停留（秒）", "Price page")},
            "score_base": {"type": "number"}, "score_behaviour": {"type": "number"}, "score": {"type": "number"},
            "score_band": {"type": "picklist", "options": _options(("a", "b", "c"))},
        },
        "validations": [{"key": "reach", "error_when": "ISBLANK(phone) && ISBLANK(email)",
                         "message": _label("电话和邮箱至少填一个", "Give a phone or an email")}],
    }},
    "duplicates": {
        "same_phone": {"object": "lead", "label": _label("手机号重复", "Same mobile"),
                       "match": [{"field": "phone", "normalize": "phone"}], "action": "block"},
        "same_email": {"object": "lead", "label": _label("邮箱重复", "Same email"),
                       "match": [{"field": "email", "normalize": "email"}], "action": "block"},
    },
    "scoring": {"lead_score": {
        "object": "lead", "label": _label("线索评分", "Lead score"), "field": "score",
        "parts": {"base": {"label": _label("基础分", "Base"), "field": "score_base"},
                  "behaviour": {"label": _label("行为分", "Behaviour"), "field": "score_behaviour"}},
        "rules": [{"key": "engaged", "part": "base", "when": "page_minutes > 3 && downloads >= 2", "points": 15},
                  {"key": "pricing", "part": "behaviour", "when": "price_page_seconds > 45", "points": 22}],
        "bands": [{"key": "a", "min": 30, "field": "score_band"},
                  {"key": "b", "min": 15, "max": 30, "field": "score_band"},
                  {"key": "c", "max": 15, "field": "score_band"}],
    }},
}
PLAIN_COLUMNS = ("company", "contact_name", "phone", "email", "industry", "region", "page_minutes",
                 "downloads", "price_page_seconds")


def write_csv(path: Path, rows: int, seed: int = 11) -> int:
    """The file; returns how many rows repeat an earlier lead."""
    rnd = random.Random(seed)
    duplicates, originals = 0, []
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for n in range(rows):
            extra = [rnd.choice(INDUSTRIES), rnd.choice(REGIONS), rnd.randint(0, 8), rnd.randint(0, 4), rnd.randint(0, 90)]
            if originals and rnd.random() < DUPLICATE_SHARE:
                duplicates += 1
                k = rnd.choice(originals)
                if rnd.random() < 0.5:   # the same mobile, written the international way
                    writer.writerow([f"公司{k}（分部）", f"联系人{k}", f"+86 139-{k:08d}", "", *extra])
                else:                    # the same email in other case
                    writer.writerow([f"公司{k} 有限公司", f"联系人{k}", "", f"Person{k}@Example.COM", *extra])
                continue
            originals.append(n)
            writer.writerow([f"公司{n}", f"联系人{n}", f"139{n:08d}", f"person{n}@example.com", *extra])
    return duplicates


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_import(url: str, instance: str, csv_path: str) -> dict[str, Any]:
    """In a fresh process: the import as the job runs it (inline), timed; then the rescoring."""
    import schema_store
    from runtime import users
    from runtime.imports import job as import_job
    from runtime.imports import storage
    from runtime.imports.mapping import apply_choices
    app = make_app(instance, url)
    svc = app.extensions["crm"]
    schema_store.publish(svc.engine, DOC)
    with svc.engine.begin() as conn:
        user_id = users.create_user(conn, "importer", "admin", password=None)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with open(csv_path, "rb") as fh:
            upload = storage.receive(svc, fh, "leads.csv", object_name="lead", user_id=user_id)
        schema = svc.schema_cache.get(svc.engine.connect())
        mapping = apply_choices(upload.table(svc).headers(), schema.objects["lead"], None)
        before = _rss_mb()
        params = import_job.ImportParams(object="lead", upload=upload.token, sha256=upload.sha256, kind=upload.kind,
                                         filename=upload.name, mapping=tuple(mapping), batch_size=500)
        started = time.perf_counter()
        job_id = import_job.start(svc, params, created_by=user_id)
        seconds = time.perf_counter() - started
    from runtime.jobs import get_job
    with svc.engine.connect() as conn:
        job = get_job(conn, job_id)
    out = {"seconds": seconds, "peak_mb": _rss_mb(), "before_mb": before, "status": job.status,
           "result": job.result, "errors": list(job.errors[-1:])}
    svc.engine.dispose()
    return out


def _child_rescore(url: str, instance: str) -> dict[str, Any]:
    """In a fresh process and database: ROWS leads written directly, then the model's one UPDATE
    against a Python loop over the same rows (scores blanked before each)."""
    import sqlalchemy as sa

    import schema_store
    from runtime.scoring.recompute import recompute
    from schema_store.database import begin_write
    app = make_app(instance, url)
    svc = app.extensions["crm"]
    schema_store.publish(svc.engine, DOC)
    rnd = random.Random(5)
    with begin_write(svc.engine) as conn:
        table = svc.schema_cache.get(conn).table("lead")
        now = svc.clock.now()
        for start in range(0, ROWS, 5000):
            conn.execute(table.insert(), [
                {"company": f"公司{n}", "owner": None, "created_at": now, "updated_at": now, "version": 1,
                 "last_activity_at": now, "page_minutes": rnd.randint(0, 8), "downloads": rnd.randint(0, 4),
                 "price_page_seconds": rnd.randint(0, 90)} for n in range(start, min(ROWS, start + 5000))])
    lead = table

    def blank() -> None:
        with begin_write(svc.engine) as conn:
            conn.execute(lead.update().values(score=None, score_base=None, score_behaviour=None))

    blank()
    started = time.perf_counter()
    changed = recompute(svc, "lead_score")
    engine_seconds = time.perf_counter() - started
    blank()
    started = time.perf_counter()
    with begin_write(svc.engine) as conn:
        updates = []
        for row in conn.execute(sa.select(lead.c.id, lead.c.page_minutes, lead.c.downloads, lead.c.price_page_seconds)):
            base = 15 if (row.page_minutes or 0) > 3 and (row.downloads or 0) >= 2 else 0
            behaviour = 22 if (row.price_page_seconds or 0) > 45 else 0
            updates.append({"b_id": row.id, "s": base + behaviour, "sb": base, "sh": behaviour})
        conn.execute(lead.update().where(lead.c.id == sa.bindparam("b_id"))
                     .values(score=sa.bindparam("s"), score_base=sa.bindparam("sb"), score_behaviour=sa.bindparam("sh")),
                     updates)
    loop_seconds = time.perf_counter() - started
    svc.engine.dispose()
    return {"rescore_seconds": engine_seconds, "rescored": changed, "loop_seconds": loop_seconds, "loop_rows": len(updates)}


def _child_baseline(url: str, csv_path: str) -> dict[str, Any]:
    """In a fresh process: csv.DictReader + executemany INSERT into a plain table."""
    import sqlalchemy as sa

    from schema_store.database import create_engine
    engine = create_engine(url)
    meta = sa.MetaData()
    plain = sa.Table("bench_plain_leads", meta, sa.Column("id", sa.Integer, primary_key=True),
                     *[sa.Column(c, sa.Text) for c in PLAIN_COLUMNS])
    meta.create_all(engine)
    started = time.perf_counter()
    with open(csv_path, encoding="utf-8-sig", newline="") as fh, engine.begin() as conn:
        batch = []
        for row in csv.DictReader(fh):
            batch.append(dict(zip(PLAIN_COLUMNS, (row[h] or None for h in HEADERS))))
            if len(batch) >= 500:
                conn.execute(plain.insert(), batch)
                batch = []
        if batch:
            conn.execute(plain.insert(), batch)
    seconds = time.perf_counter() - started
    meta.drop_all(engine)
    engine.dispose()
    return {"seconds": seconds, "peak_mb": _rss_mb()}


def _in_child(fn, *args) -> dict[str, Any]:
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _bench_import(report: Report, name: str, url: str, instance: Path, csv_path: Path, duplicates: int) -> None:
    base = _in_child(_child_baseline, url, str(csv_path))
    report.add(f"{name}: baseline, csv.DictReader + executemany INSERT of {ROWS:,} rows", base["seconds"], "s")
    got = _in_child(_child_import, url, str(instance), str(csv_path))
    result = got["result"] or {}
    report.add(f"{name}: import of {ROWS:,} rows with dedup through the save pipeline "
               f"({result.get('created')} created, {result.get('duplicates')} duplicates refused; {duplicates} in the file)",
               got["seconds"], "s", baseline=f"{name}: baseline, csv.DictReader + executemany INSERT of {ROWS:,} rows",
               target="< 60 s")
    report.add(f"{name}: import rows per second", ROWS / got["seconds"] if got["seconds"] else 0, "rows/s")
    report.add(f"{name}: import peak memory (child process RSS)", got["peak_mb"], "MB", target="< 500 MB")
    report.add(f"{name}: baseline peak memory (child process RSS)", base["peak_mb"], "MB")
    if got["status"] != "done":
        report.note(f"{name}: the import job ended {got['status']}: {got['errors']}")


def _bench_rescore(report: Report, name: str, url: str, instance: Path) -> None:
    got = _in_child(_child_rescore, url, str(instance))
    loop = f"{name}: rescoring baseline, Python loop + executemany UPDATE ({got['loop_rows']:,} leads)"
    report.add(loop, got["loop_seconds"], "s")
    report.add(f"{name}: full rescoring of {got['loop_rows']:,} leads, runtime.scoring.recompute (one UPDATE)",
               got["rescore_seconds"], "s", baseline=loop, target="< 2 s (PostgreSQL)")


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "import" in PARTS:
            csv_path = folder / "leads.csv"
            duplicates = write_csv(csv_path, ROWS)
            report.note(f"{ROWS:,} rows, {duplicates:,} of them repeat an earlier lead's mobile or email "
                        f"({csv_path.stat().st_size / 1e6:.1f} MB of UTF-8 CSV)")
            _bench_import(report, "SQLite", f"sqlite:///{folder / 'import.sqlite3'}", folder / "i1", csv_path, duplicates)
            with pg_schema(report) as pg:
                if pg is not None:
                    _bench_import(report, "PostgreSQL", pg.url, folder / "i2", csv_path, duplicates)
        if "rescore" in PARTS:
            _bench_rescore(report, "SQLite", f"sqlite:///{folder / 'rescore.sqlite3'}", folder / "r1")
            with pg_schema(report) as pg:
                if pg is not None:
                    _bench_rescore(report, "PostgreSQL", pg.url, folder / "r2")
