"""``/healthz`` tells whether the database and Redis are reachable."""
from __future__ import annotations


def test_health_on_sqlite_and_postgres(any_app):
    response = any_app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "backend": any_app.extensions["crm"].engine.dialect.name}
    assert body["redis"]["mode"] == "inline"


def test_health_reports_redis_when_configured(make_app, redis_url):
    app = make_app(redis_url=redis_url)
    body = app.test_client().get("/healthz").json
    assert body["redis"] == {"ok": True, "mode": "rq", "configured": True}


def test_health_reports_an_unreachable_redis_as_503(make_app):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["redis"]["ok"] is False


def test_health_reports_an_unreachable_database_as_503(make_app):
    app = make_app(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", create_tables=False)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"]["ok"] is False
