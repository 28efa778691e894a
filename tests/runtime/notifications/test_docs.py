"""Every example in docs/notifications.md runs."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

from runtime.business_calendar import BusinessCalendar
from runtime.notifications import sign
from tests.runtime.notifications.conftest import SECRET

DOCS = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_the_notify_example_runs_against_real_smtp_and_webhook(make_bench, smtp_server, webhook_receiver):
    bench = make_bench(smtp_url=smtp_server.url)
    receiver = webhook_receiver(now=lambda: bench.clock.now().timestamp())
    rep_id = bench.users.add("lihua", "rep", email="lihua@example.com")
    namespace = {"engine": bench.engine, "clock": bench.clock, "settings": bench.settings,
                 "rep_id": rep_id, "webhook_url": receiver.url, "webhook_secret": SECRET}
    exec(blocks("python")[0], namespace)  # noqa: S102 - our own docs
    assert len(smtp_server.messages(expect=1)) == 1 and receiver.received[0].verified


def test_the_other_python_examples_run():
    for source in blocks("python")[1:]:
        exec(source, {})  # noqa: S102 - our own docs


def test_the_receivers_verification_example_accepts_our_signature_and_nothing_else():
    namespace: dict = {}
    [source] = [b for b in blocks("python") if "def verify_crm_signature" in b]
    exec(source, namespace)  # noqa: S102
    verify = namespace["verify_crm_signature"]
    body = '{"type":"notification","title":"述标安排"}'.encode()
    now = int(time.time())
    assert verify(SECRET, sign(SECRET, body, now), body)
    assert not verify(SECRET, sign(SECRET, body, now), body + b" ")
    assert not verify(SECRET, sign("another-secret-0123", body, now), body)
    assert not verify(SECRET, sign(SECRET, body, now - 600), body)
    assert not verify(SECRET, "garbage", body)


def test_the_json_examples_parse_and_the_calendar_section_builds():
    documents = [json.loads(b) for b in blocks("json")]
    [calendar] = [d["calendar"] for d in documents if "calendar" in d]
    cal = BusinessCalendar.from_metadata(calendar, "Asia/Shanghai")
    import datetime as dt
    assert not cal.is_workday(dt.date(2025, 12, 31)) and cal.is_workday(dt.date(2026, 1, 10))
