"""Real services for the notification tests: an aiosmtpd process and a webhook receiver thread."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest

from runtime.clock import FixedClock
from runtime.notifications.webhook import SIGNATURE_HEADER, verify_signature
from tests.fixtures_app import Users

ROOT = Path(__file__).resolve().parents[3]
LOOPBACK_ALLOWED = ("127.0.0.1",)  # the receivers listen on loopback, which webhooks refuse by default
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
SECRET = "whsec_test_0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the SMTP server exited: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


@dataclass
class SmtpServer:
    """A real aiosmtpd process; :meth:`messages` parses what it received."""

    url: str
    folder: Path

    def messages(self, expect: int | None = None, timeout: float = 5) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while True:
            files = sorted(self.folder.glob("*.eml"))
            if expect is None or len(files) >= expect or time.monotonic() > deadline:
                return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
                        for f in files]
            time.sleep(0.05)

    def envelopes(self) -> list[dict]:
        return [json.loads(f.read_text()) for f in sorted(self.folder.glob("*.json"))]


@pytest.fixture
def smtp_server(tmp_path):
    folder = tmp_path / "mailbox"
    folder.mkdir()
    port = free_port()
    log = tmp_path / "smtpd.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
             "-c", "tests.runtime.notifications.smtp_sink.Sink", str(folder)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        wait_for_port(port, process, log)
        yield SmtpServer(url=f"smtp://127.0.0.1:{port}", folder=folder)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@dataclass
class Received:
    path: str
    headers: Message  # case-insensitive, like HTTP headers
    body: bytes
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A real HTTP server in a thread. It answers 401 to a bad signature, else the next status in
    ``statuses`` (200 once they run out), after ``delay`` seconds."""

    secret: str
    now: Callable[[], float]
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = verify_signature(receiver.secret, self.headers.get(SIGNATURE_HEADER), body,
                                      now=receiver.now())
                receiver.received.append(Received(self.path, self.headers, body, ok))
                time.sleep(receiver.delay)
                status = (receiver.statuses.pop(0) if receiver.statuses else 200) if ok else 401
                reply = b'{"ok": true}' if status < 300 else b"receiver says no"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the sender gave up (timeout test)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler


@pytest.fixture
def webhook_receiver():
    """``webhook_receiver(now=...)`` starts a receiver whose signature check uses that clock."""
    servers = []

    def start(now: Callable[[], float], secret: str = SECRET) -> WebhookReceiver:
        receiver = WebhookReceiver(secret=secret, now=now)
        server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
        server.daemon_threads = True
        receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/crm"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass
class Bench:
    """An app with a movable clock and helpers for the notification tests."""

    app: object
    users: Users
    clock: FixedClock

    @property
    def engine(self):
        return self.app.extensions["crm"].engine  # type: ignore[attr-defined]

    @property
    def settings(self):
        return self.app.extensions["crm"].settings  # type: ignore[attr-defined]

    def advance(self, **delta: float) -> FixedClock:
        """Move the clock the app and deliver_pending see."""
        self.clock = FixedClock(self.clock.at + dt.timedelta(**delta))
        svc = self.app.extensions["crm"]  # type: ignore[attr-defined]
        self.app.extensions["crm"] = svc.__class__(settings=svc.settings, engine=svc.engine,  # type: ignore[attr-defined]
                                                   clock=self.clock)
        return self.clock

    def configure(self, **settings) -> None:
        """Change settings (``smtp_url``, ``mail_from`` ...) as if the app had started with them."""
        import dataclasses
        svc = self.app.extensions["crm"]  # type: ignore[attr-defined]
        self.app.extensions["crm"] = svc.__class__(  # type: ignore[attr-defined]
            settings=dataclasses.replace(svc.settings, **settings), engine=svc.engine, clock=svc.clock)

    def deliver(self, **kw):
        from runtime.notifications import deliver_pending
        return deliver_pending(self.engine, self.clock, self.settings, **kw)

    def notify(self, **kw) -> list[int]:
        from runtime.notifications import notify
        kw.setdefault("kind", "test")
        kw.setdefault("title", "标题")
        kw.setdefault("body", "正文")
        with self.engine.begin() as conn:
            return notify(conn, now=self.clock.now(), **kw)

    def user_id(self, name: str) -> int:
        from runtime import users as users_service
        with self.engine.connect() as conn:
            return users_service.find_user_id(conn, name)  # type: ignore[return-value]

    def deliveries(self) -> list[dict]:
        import sqlalchemy as sa
        from runtime.notifications import notification_deliveries
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(notification_deliveries).order_by(notification_deliveries.c.id))]


def bench_for(app) -> Bench:
    """Wrap an app, its clock stopped at START."""
    made = Bench(app=app, users=Users(app), clock=FixedClock(START))
    made.advance()
    return made


@pytest.fixture
def bench(make_app, db_url) -> Bench:
    """On SQLite and on PostgreSQL; webhooks may reach the local receivers."""
    return bench_for(make_app(database_url=db_url, outbound_allow=LOOPBACK_ALLOWED))


@pytest.fixture
def make_bench(make_app):
    """``make_bench(smtp_url=...)``: a bench on SQLite with settings overridden (webhooks may reach
    the local receivers unless ``outbound_allow`` says otherwise)."""
    return lambda **overrides: bench_for(make_app(**{"outbound_allow": LOOPBACK_ALLOWED, **overrides}))
