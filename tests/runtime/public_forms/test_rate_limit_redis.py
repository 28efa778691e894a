"""With REDIS_URL configured, the per-IP counts live in Redis (shared by every web process),
expire with their window, and nothing is counted in the database."""
from __future__ import annotations

import datetime as dt

import redis
import sqlalchemy as sa

from runtime.public_forms.tables import rate_hits
from tests.runtime.public_forms.kit import Visitor, form_doc, leads, publish_forms
from tests.runtime.stages.kit import CST, TravelClock


def test_redis_counts_submissions_per_ip_and_window(make_app, redis_url):
    clock = TravelClock(dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=CST))
    app = make_app(redis_url=redis_url, clock=clock)
    publish_forms(app, form_doc(rate_limit={"per_minute": 2, "per_hour": 4}))
    v = Visitor(app.test_client())
    data = {"name": "王芳", "phone": "13900139000", "booth_no": "A-1"}

    def send() -> int:
        v.open("/f/demo?utm_source=expo")     # a fresh page each time: separate submissions
        return v.submit(data, **{"Accept-Language": "en"}).status_code

    assert [send() for _ in range(3)] == [200, 200, 429]
    assert "Too many submissions" in v.page
    client = redis.Redis.from_url(redis_url)
    keys = sorted(k.decode() for k in client.keys("crm:pf:demo:*"))
    assert len(keys) == 3 and all(v.ip not in k for k in keys)          # hashed addresses, one key per window
    minute = next(k for k in keys if ":per_minute:" in k)
    assert int(client.get(minute)) == 3 and 0 < client.ttl(minute) <= 61
    clock.travel(minutes=1)
    assert send() == 200                               # a new minute
    assert send() == 429                               # the hour is used up (refused tries count too)
    response = app.test_client().post("/f/demo", data=data, environ_base={"REMOTE_ADDR": v.ip})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 60
    assert len(leads(app)) == 3
    with app.extensions["crm"].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rate_hits)).scalar() == 0


def test_an_unreachable_redis_falls_back_to_counting_in_the_database(make_app):
    app = make_app(redis_url="redis://127.0.0.1:1/0")          # nothing listens there
    publish_forms(app, form_doc(rate_limit={"per_minute": 1}))
    v = Visitor(app.test_client())
    data = {"name": "王芳", "phone": "13900139000", "booth_no": "A-1"}
    v.open("/f/demo?utm_source=expo")
    assert v.submit(data).status_code == 200
    v.open("/f/demo?utm_source=expo")
    assert v.submit(data).status_code == 429
    assert len(leads(app)) == 1
    with app.extensions["crm"].engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rate_hits)).scalar() == 3   # minute, hour, day
