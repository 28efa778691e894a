"""Band actions on PostgreSQL + Redis: the save scores the record in the web process, the band's
actions run in a real ``rq worker``."""
from __future__ import annotations

import sqlalchemy as sa

from tests.fixtures_app import run_rq_worker
from tests.runtime.scoring.conftest import build


def test_a_band_entered_on_save_runs_its_actions_in_a_worker(make_app, pg_url, redis_url, clock):
    app = build(make_app(clock=clock, database_url=pg_url, redis_url=redis_url))
    settings = app.svc.settings
    # a plain worker: the built-in action modules (band actions included) need no configuration
    env = {"CRM_INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
           "REDIS_URL": redis_url, "SECRET_KEY": settings.secret_key}
    rep = app.api("rep1")
    lead = rep.post("/api/v1/records/lead", json={"company": "庚", "visits": 9, "downloads": 3, "industry": "教育"}).json
    assert (lead["score"], lead["band"]) == (38, "hot")                   # scored in the web process
    notes = lambda: [n["body"] for n in rep.get("/api/v1/notifications").json["notifications"]]  # noqa: E731
    assert notes() == []                                                   # the action waits for a worker
    done = run_rq_worker(redis_url, env=env, queues=("crm",))
    assert done.returncode == 0, done.stderr
    assert notes() == ["庚 变热了：38 分"]
    from runtime.outbox.tables import outbox
    with app.svc.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.action, outbox.c.status)).all()
    assert ("scoring.band", "done") in [(r.action, r.status) for r in rows]
