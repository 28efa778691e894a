"""``/healthz``: is the database reachable, is Redis (when configured) reachable."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from runtime.auth import public
from runtime.services import services

bp = Blueprint("health", __name__)


def check_database(engine: sa.Engine) -> dict:
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(1))
        return {"ok": True, "backend": engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 - any failure is "unreachable"
        return {"ok": False, "backend": engine.dialect.name, "error": type(exc).__name__}


def check_redis(url: str | None) -> dict:
    if url is None:
        return {"ok": True, "mode": "inline", "configured": False}
    import redis
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True, "mode": "rq", "configured": True}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "rq", "configured": True, "error": type(exc).__name__}


@bp.get("/healthz")
@public
def healthz():
    svc = services()
    db = check_database(svc.engine)
    rd = check_redis(svc.settings.redis_url)
    ok = db["ok"] and rd["ok"]
    return jsonify({"status": "ok" if ok else "degraded", "database": db, "redis": rd}), 200 if ok else 503
