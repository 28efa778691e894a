"""App-level fixtures every issue builds on: ``make_app``, logged-in clients, a live server,
Redis with real ``rq`` workers, and a Playwright page on Debian's chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import services

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUTPUT = Path(os.environ.get("CRM_TEST_OUTPUT", Path(__file__).resolve().parents[1] / "test-output"))


@pytest.fixture
def make_app(tmp_path):
    """``make_app(**overrides)`` -> a fresh app on a temporary instance folder (SQLite by default)."""
    from wsgi import create_app
    made = []

    def factory(clock=None, **overrides):
        instance = tmp_path / f"instance{len(made)}"
        config = {"instance_path": instance, "testing": True, "redis_url": None,
                  "secret_key": "test-secret-key-0123456789"}
        config.update(overrides)
        app = create_app(config, clock=clock)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["crm"].engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def pg_app(make_app, pg_url):
    return make_app(database_url=pg_url)


@pytest.fixture
def any_app(make_app, db_url):
    """The same app on SQLite and on PostgreSQL (tests using it run twice)."""
    return make_app(database_url=db_url)


@dataclass
class Users:
    """Create users and act as them: ``users.client("rep")`` is a signed-in test client."""

    app: object

    def add(self, name: str, role: str, password: str = "password-123", **kw) -> int:
        from runtime import users as users_service
        with self.app.extensions["crm"].engine.begin() as conn:
            return users_service.create_user(conn, name, role, password=password, **kw)

    def login(self, client, name: str, password: str = "password-123"):
        page = client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        return client.post("/login", data={"username": name, "password": password, "csrf_token": token})

    def client(self, role: str, name: str | None = None, **kw):
        name = name or role
        from runtime import users as users_service
        with self.app.extensions["crm"].engine.connect() as conn:
            exists = users_service.find_user_id(conn, name) is not None
        if not exists:
            self.add(name, role, **kw)
        client = self.app.test_client()
        response = self.login(client, name)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    def token(self, name: str, role: str | None = None) -> str:
        from runtime import users as users_service
        with self.app.extensions["crm"].engine.begin() as conn:
            user_id = users_service.find_user_id(conn, name)
            if user_id is None:
                user_id = users_service.create_user(conn, name, role or "rep", password="password-123")
            return users_service.create_token(conn, user_id)


def _csrf_from(html: str) -> str:
    import re
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


csrf_from = _csrf_from


@pytest.fixture
def users(app):
    return Users(app)


class LiveServer:
    """The app served by a real HTTP server on a free local port, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server_for():
    started = []

    def start(app) -> LiveServer:
        server = LiveServer(app)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        services.missing("chromium", f"{CHROMIUM} is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser page; ``page.screenshot_as(name)`` saves under test-output/screenshots."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    shots = OUTPUT / "screenshots"

    def screenshot_as(name: str) -> Path:
        shots.mkdir(parents=True, exist_ok=True)
        path = shots / f"{request.node.name}-{name}.png".replace("/", "_")
        pg.screenshot(path=str(path), full_page=True)
        return path

    pg.screenshot_as = screenshot_as  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture
def redis_url(worker_id):
    """A Redis database of its own for this xdist worker, emptied before and after each test."""
    import redis
    base = services.redis_url().rsplit("/", 1)[0]
    # CRM_TEST_REDIS_DB lets parallel test runs on one machine use disjoint databases.
    first = int(os.environ.get("CRM_TEST_REDIS_DB", "1"))
    index = first + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    url = f"{base}/{index}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        services.missing("Redis", exc)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


def run_rq_worker(redis_url: str, env: dict | None = None, queues: tuple[str, ...] = ("default",),
                  timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a real ``rq worker`` in burst mode until the queues are empty."""
    rq = shutil.which("rq", path=str(Path(sys.executable).parent)) or "rq"
    return subprocess.run([rq, "worker", "--burst", "--url", redis_url, *queues],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, check=False)
