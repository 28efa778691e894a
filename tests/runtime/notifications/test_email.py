"""E-mail through a real SMTP server (aiosmtpd in its own process)."""
from __future__ import annotations

from tests.runtime.notifications.conftest import free_port


def test_email_arrives_with_utf8_subject_text_and_html_parts(bench, smtp_server):
    bench.configure(smtp_url=smtp_server.url, mail_from="CRM 通知 <crm@example.com>")
    rep = bench.users.add("lihua", "rep", email="lihua@example.com")
    bench.notify(user_ids=[rep], channels=("in_app", "email"), kind="stage_overdue",
                 title="协和医院 述标安排已超时 73 小时",
                 body="请确认述标时间。\n清单：<标书> & 授权书\n\n第二段",
                 link="https://crm.example.com/app/tender/42")
    report = bench.deliver()
    assert (report.sent, report.failed, report.dead) == (1, 0, 0)

    [mail] = smtp_server.messages(expect=1)
    assert smtp_server.envelopes()[0]["rcpt_tos"] == ["lihua@example.com"]
    assert mail["Subject"] == "协和医院 述标安排已超时 73 小时"
    assert mail["To"] == "lihua@example.com" and "crm@example.com" in mail["From"]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "清单：<标书> & 授权书" in text and "https://crm.example.com/app/tender/42" in text
    assert "清单：&lt;标书&gt; &amp; 授权书" in html and "<br>" in html and html.count("<p>") == 3
    [email_delivery] = [d for d in bench.deliveries() if d["channel"] == "email"]
    assert email_delivery["status"] == "sent" and email_delivery["attempts"] == 1
    assert bench.deliver().attempted == 0  # sent once


def test_unreachable_smtp_server_is_retried_then_dead(bench):
    bench.configure(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    rep = bench.users.add("wang", "rep", email="wang@example.com")
    bench.notify(user_ids=[rep], channels=("email",))
    for _ in range(4):
        assert bench.deliver().failed == 1
        bench.advance(minutes=10)
    assert bench.deliver().dead == 1
    [delivery] = bench.deliveries()
    assert delivery["status"] == "dead" and delivery["attempts"] == 5
    assert "SMTP server 127.0.0.1" in delivery["last_error"]


def test_without_smtp_settings_the_failure_says_what_to_set(make_bench):
    bench = make_bench()
    rep = bench.users.add("sun", "rep", email="sun@example.com")
    bench.notify(user_ids=[rep], channels=("email",))
    report = bench.deliver()
    assert report.failed == 1 and "CRM_SMTP_URL" in report.errors[0]
    assert "CRM_SMTP_URL is not set" in bench.deliveries()[0]["last_error"]


def test_smtp_url_from_the_environment_reaches_settings(make_bench, smtp_server, monkeypatch):
    monkeypatch.setenv("CRM_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("CRM_MAIL_FROM", "sales-ops@example.com")
    bench = make_bench()
    rep = bench.users.add("env", "rep", email="env@example.com")
    bench.notify(user_ids=[rep], channels=("email",))
    assert bench.deliver().sent == 1
    [mail] = smtp_server.messages(expect=1)
    assert mail["From"] == "sales-ops@example.com"
