"""Webhooks: signed POSTs to a real local receiver; failures retried with backoff, then dead."""
from __future__ import annotations

import datetime as dt
import threading

from runtime.notifications import ChannelRegistry, builtin_channels, sign, verify_signature
from runtime.notifications.channels import InAppChannel
from runtime.notifications.mail import EmailChannel
from runtime.notifications.service import utc
from runtime.notifications.webhook import WebhookChannel
from tests.runtime.notifications.conftest import SECRET, free_port


def hook(url: str, secret: str = SECRET) -> dict:
    return {"url": url, "secret": secret}


def test_a_signed_webhook_is_verified_by_the_receiver(bench, webhook_receiver):
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    rep = bench.users.add("lihua", "rep", display_name="李华", email="lihua@example.com")
    [nid] = bench.notify(user_ids=[rep], channels=("webhook",), webhook=hook(receiver.url),
                         kind="stage_overdue", title="述标安排超时", body="请在今天确认",
                         object="tender", record_id=42)
    assert bench.deliver().sent == 1
    [got] = receiver.received
    assert got.verified and got.path == "/hooks/crm"
    assert got.headers["Content-Type"].startswith("application/json")
    timestamp = int(bench.clock.now().timestamp())
    assert got.headers["X-CRM-Signature"] == sign(SECRET, got.body, timestamp)
    payload = got.json
    assert payload["notification"] == {
        "id": nid, "kind": "stage_overdue", "title": "述标安排超时", "body": "请在今天确认",
        "object": "tender", "record_id": 42, "link": None, "created_at": "2026-03-02T09:00:00+00:00"}
    assert payload["recipient"]["username"] == "lihua" and payload["recipient"]["display_name"] == "李华"
    [delivery] = bench.deliveries()
    assert got.headers["X-CRM-Delivery"] == str(delivery["id"]) == str(payload["delivery_id"])
    assert delivery["status"] == "sent" and delivery["target"] == receiver.url


def test_failing_endpoint_is_retried_with_backoff_then_dead_and_visible_to_admins(bench, webhook_receiver):
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    receiver.statuses = [500] * 10
    rep = bench.users.add("wang", "rep")
    bench.notify(user_ids=[rep], channels=("in_app", "webhook"), webhook=hook(receiver.url))
    start = bench.clock.now()
    waits = []
    for attempt in range(1, 5):
        report = bench.deliver()
        assert (report.failed, report.dead) == (1, 0)
        [delivery] = [d for d in bench.deliveries() if d["channel"] == "webhook"]
        assert delivery["status"] == "failed" and delivery["attempts"] == attempt
        assert delivery["last_error"] == f"HTTP 500 from {receiver.url}: receiver says no"
        due = utc(delivery["next_attempt_at"])
        waits.append(due - bench.clock.now())
        bench.advance(seconds=30)
        assert bench.deliver().attempted == 0  # not due yet
        bench.advance(seconds=(due - bench.clock.now()).total_seconds())
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert bench.deliver().dead == 1
    assert len(receiver.received) == 5 and bench.clock.now() - start == dt.timedelta(minutes=15)
    bench.advance(hours=1)
    assert bench.deliver().attempted == 0  # dead stays dead

    token = bench.users.token("admin", role="admin")
    listing = bench.app.test_client().get("/api/v1/notifications/deliveries?status=dead",
                                          headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200
    [dead] = listing.json["deliveries"]
    assert dead["status"] == "dead" and dead["attempts"] == 5 and dead["channel"] == "webhook"
    assert dead["last_error"].startswith("HTTP 500") and dead["user"] == "wang"
    assert "secret" not in dead and SECRET not in listing.get_data(as_text=True)


def test_a_webhook_that_recovers_is_sent_on_the_retry(bench, webhook_receiver):
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    receiver.statuses = [503]
    rep = bench.users.add("zhao", "rep")
    bench.notify(user_ids=[rep], channels=("webhook",), webhook=hook(receiver.url))
    assert bench.deliver().failed == 1
    bench.advance(minutes=1)
    assert bench.deliver().sent == 1
    [delivery] = bench.deliveries()
    assert delivery["status"] == "sent" and delivery["attempts"] == 2 and delivery["last_error"] is None
    ids = {r.headers["X-CRM-Delivery"] for r in receiver.received}
    assert len(receiver.received) == 2 and len(ids) == 1  # same delivery id on the retry


def test_a_refused_port_is_a_recorded_failure_not_an_exception(make_bench):
    bench = make_bench()
    rep = bench.users.add("qian", "rep")
    url = f"http://127.0.0.1:{free_port()}/hook"
    bench.notify(user_ids=[rep], channels=("webhook",), webhook=hook(url))
    report = bench.deliver()
    assert report.failed == 1
    assert bench.deliveries()[0]["last_error"].startswith(f"cannot reach {url}")


def test_a_receiver_that_rejects_the_signature_is_a_failure(make_bench, webhook_receiver):
    bench = make_bench()
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp(), secret="another-secret-value-123")
    rep = bench.users.add("li", "rep")
    bench.notify(user_ids=[rep], channels=("webhook",), webhook=hook(receiver.url))
    assert bench.deliver().failed == 1
    assert receiver.received[0].verified is False
    assert bench.deliveries()[0]["last_error"].startswith("HTTP 401")


def test_a_slow_endpoint_times_out(make_bench, webhook_receiver):
    bench = make_bench()
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    receiver.delay = 2.0
    registry = ChannelRegistry()
    for channel in (InAppChannel(), EmailChannel(), WebhookChannel(timeout=0.3)):
        registry.register(channel)
    rep = bench.users.add("slow", "rep")
    bench.notify(user_ids=[rep], channels=("webhook",), webhook=hook(receiver.url))
    assert bench.deliver(registry=registry).failed == 1
    assert "within 0.3 s" in bench.deliveries()[0]["last_error"]


def test_a_redirect_is_not_followed(make_bench, webhook_receiver):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        bench = make_bench()
        rep = bench.users.add("r", "rep")
        bench.notify(user_ids=[rep], channels=("webhook",),
                     webhook=hook(f"http://127.0.0.1:{server.server_port}/"))
        assert bench.deliver().failed == 1
        assert bench.deliveries()[0]["last_error"].startswith("HTTP 302")
    finally:
        server.shutdown()
        server.server_close()


def test_the_same_event_posts_once(bench, webhook_receiver):
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    rep = bench.users.add("once", "rep")
    for _ in range(3):
        bench.notify(user_ids=[rep], channels=("in_app", "webhook"), webhook=hook(receiver.url),
                     dedupe_key="ticket:7:fault-cluster")
        bench.deliver()
        bench.advance(minutes=5)
    assert len(receiver.received) == 1


def test_concurrent_senders_deliver_each_delivery_once(bench, webhook_receiver):
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    people = [bench.users.add(f"p{i}", "rep") for i in range(6)]
    bench.notify(user_ids=people, channels=("webhook",), webhook=hook(receiver.url))
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(bench.deliver())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(r.sent for r in reports) == 6 and len(receiver.received) == 6
    assert len({r.headers["X-CRM-Delivery"] for r in receiver.received}) == 6


def test_signature_verification():
    body = b'{"a":1}'
    header = sign(SECRET, body, 1_700_000_000)
    assert verify_signature(SECRET, header, body, now=1_700_000_100)
    assert not verify_signature(SECRET, header, body + b" ", now=1_700_000_100)  # tampered body
    assert not verify_signature("wrong-secret-000000", header, body, now=1_700_000_100)
    assert not verify_signature(SECRET, header, body, now=1_700_000_000 + 301)  # too old: replay
    assert verify_signature(SECRET, header, body, now=1_800_000_000, tolerance=None)
    assert not verify_signature(SECRET, None, body, now=1_700_000_000)
    assert not verify_signature(SECRET, "t=abc,v1=00", body, now=1_700_000_000)
    rotated = f"{header},v1={'0' * 64}"  # several v1 values: any one may match
    assert verify_signature(SECRET, rotated, body, now=1_700_000_000)
    assert builtin_channels().names() == ("in_app", "email", "webhook")
