"""Outbox test kit: a movable clock, app helpers, a private Redis the fault tests may stop, and
real ``rq worker`` processes that load the test actions."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import services
from tests.runtime.outbox import actions_for_tests

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
RQ = shutil.which("rq", path=str(Path(sys.executable).parent)) or "rq"


@dataclass
class MovableClock:
    at: dt.datetime = T0

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


def svc_of(app):
    return app.extensions["crm"]


def worker_env(app, redis_url: str) -> dict[str, str]:
    """What a worker process needs to rebuild the app's context from the environment."""
    settings = svc_of(app).settings
    return {"CRM_INSTANCE_PATH": str(settings.instance_path), "DATABASE_URL": settings.database_url,
            "REDIS_URL": redis_url, "SECRET_KEY": settings.secret_key,
            "CRM_ACTION_MODULES": actions_for_tests.MODULE}


@pytest.fixture
def outbox_app(make_app):
    """``outbox_app(**overrides)``: an app with the test effects table."""
    def factory(**overrides):
        app = make_app(**overrides)
        actions_for_tests.create_effects_table(svc_of(app).engine)
        return app
    return factory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, so stopping it disturbs nobody else."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import redis
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the private redis-server did not start") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        services.missing("redis-server", "the binary is not installed")
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = PrivateRedis(workdir)
    server.start()
    yield server
    server.stop()


def start_rq_worker(redis_url: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A real ``rq worker --burst`` in the background (for killing it mid-job)."""
    out = log.open("w")
    return subprocess.Popen([RQ, "worker", "--burst", "--url", redis_url, "crm"],
                            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
