"""notify() writes rows inside the caller's transaction and sends nothing itself."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime import users as users_service
from runtime.notifications import NotificationError, notification_deliveries, notifications, notify
from runtime.system_tables import users as users_table


def count(bench, table) -> int:
    with bench.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_a_notification_commits_together_with_the_save_that_caused_it(bench):
    rep = bench.users.add("lihua", "rep", email="lihua@example.com")
    with bench.engine.begin() as conn:
        users_service.ensure_team(conn, "骨科产品组")  # stands in for the record save
        ids = notify(conn, user_ids=[rep], kind="stage_overdue", title="述标安排超时",
                     body="协和医院 在「述标安排」已停留 73 小时", channels=("in_app", "email"),
                     object="tender", record_id=42, now=bench.clock.now())
    assert len(ids) == 1
    rows = bench.deliveries()
    assert [(d["channel"], d["status"], d["target"]) for d in rows] == [
        ("in_app", "sent", f"user:{rep}"), ("email", "pending", "lihua@example.com")]


def test_a_notification_written_in_a_transaction_that_rolls_back_is_gone(bench):
    rep = bench.users.add("wang", "rep", email="wang@example.com")
    with pytest.raises(RuntimeError):
        with bench.engine.begin() as conn:
            notify(conn, user_ids=[rep], kind="k", title="t", body="b", channels=("in_app", "email"),
                   now=bench.clock.now())
            raise RuntimeError("the save failed after notify")
    assert count(bench, notifications) == 0 and count(bench, notification_deliveries) == 0
    assert bench.deliver().attempted == 0


def test_the_same_dedupe_key_notifies_each_user_once(bench):
    a = bench.users.add("a", "rep")
    b = bench.users.add("b", "rep")
    first = bench.notify(user_ids=[a], dedupe_key="tender:42:red")
    again = bench.notify(user_ids=[a, b], dedupe_key="tender:42:red")
    assert len(first) == 1 and len(again) == 1  # only b is new
    assert bench.notify(user_ids=[a, b], dedupe_key="tender:42:red") == []
    assert count(bench, notifications) == 2
    assert len(bench.notify(user_ids=[a, b])) == 2  # without a key nothing is deduplicated


def test_caller_mistakes_are_refused_before_anything_is_written(bench):
    rep = bench.users.add("zhao", "rep")
    with pytest.raises(NotificationError, match="unknown notification channel 'sms'"):
        bench.notify(user_ids=[rep], channels=("in_app", "sms"))
    with pytest.raises(NotificationError, match="no user with id 9999"):
        bench.notify(user_ids=[rep, 9999])
    with pytest.raises(NotificationError, match="webhook"):
        bench.notify(user_ids=[rep], channels=("webhook",))
    with pytest.raises(NotificationError, match="http"):
        bench.notify(user_ids=[rep], channels=("webhook",),
                     webhook={"url": "file:///etc/passwd", "secret": "0123456789abcdef"})
    with pytest.raises(NotificationError, match="secret"):
        bench.notify(user_ids=[rep], channels=("webhook",), webhook={"url": "http://x", "secret": "short"})
    with pytest.raises(ValueError, match="aware"):
        with bench.engine.begin() as conn:
            notify(conn, user_ids=[rep], kind="k", title="t", body="b",
                   now=bench.clock.now().replace(tzinfo=None))
    assert count(bench, notifications) == 0


def test_inactive_users_are_skipped_and_no_users_is_no_work(bench):
    active = bench.users.add("on", "rep")
    gone = bench.users.add("off", "rep")
    with bench.engine.begin() as conn:
        conn.execute(users_table.update().where(users_table.c.id == gone).values(active=False))
    assert len(bench.notify(user_ids=[active, gone, active])) == 1
    assert bench.notify(user_ids=[]) == []


def test_a_user_without_an_email_address_gets_a_dead_email_delivery_others_go_ahead(bench):
    with_mail = bench.users.add("m1", "rep", email="m1@example.com")
    without = bench.users.add("m2", "rep")
    bench.notify(user_ids=[with_mail, without], channels=("email",))
    by_target = {(d["status"], d["last_error"]) for d in bench.deliveries()}
    assert ("pending", None) in by_target
    assert ("dead", "user 'm2' has no e-mail address") in by_target


def test_long_titles_are_cut_to_fit(bench):
    rep = bench.users.add("long", "rep")
    bench.notify(user_ids=[rep], title="长" * 400)
    with bench.engine.connect() as conn:
        title = conn.execute(sa.select(notifications.c.title)).scalar_one()
    assert len(title) == 300 and title.endswith("…")
