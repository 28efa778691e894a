"""The outbox in embedded mode (no Redis): recorded with the save, run right after the commit."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from runtime import users
from runtime.outbox import (ACTIONS, MAX_DEPTH, UnknownAction, backoff, dispatch, enqueue, get_item,
                            list_runs, outbox, register_action, run_item)
from runtime.outbox.runner import LeaseLost, _claim, _mark_done
from tests.runtime.outbox.actions_for_tests import effect_rows, effects
from tests.runtime.outbox.conftest import T0, MovableClock, svc_of


@pytest.fixture
def app(outbox_app, db_url):
    return outbox_app(database_url=db_url, clock=MovableClock())


def save_with_action(svc, name: str, key: str, payload=None, **kw) -> int | None:
    """A stand-in for the save pipeline: a record write and its after-save action, one transaction."""
    with svc.engine.begin() as conn:
        users.create_user(conn, name, "rep", now=svc.clock.now())
        return enqueue(conn, "test.record_effect", payload or {"note": name}, idempotency_key=key,
                       origin=f"user:{name}", now=svc.clock.now(), **kw)


def test_an_action_runs_right_after_the_commit_and_is_logged(app):
    svc = svc_of(app)
    item_id = save_with_action(svc, "li_lei", "welcome:li_lei")
    report = dispatch(svc, [item_id])
    assert report.mode == "inline" and [r.outcome for r in report.ran] == ["done"]
    assert [(r.item_key, r.note, r.attempt) for r in effect_rows(svc.engine)] == [
        ("welcome:li_lei", "li_lei", 1)]
    with svc.engine.connect() as conn:
        item, runs = get_item(conn, item_id), list_runs(conn, item_id)
    assert item["status"] == "done" and item["attempts"] == 1 and item["origin"] == "user:li_lei"
    assert item["finished_at"] == T0 and item["duration_ms"] >= 0 and item["last_error"] is None
    assert [(r["attempt"], r["outcome"]) for r in runs] == [(1, "done")]
    # A duplicated dispatch (a retried request, a second worker) finds it done and does nothing.
    assert [r.outcome for r in dispatch(svc, [item_id]).ran] == ["skipped"]
    assert len(effect_rows(svc.engine)) == 1


def test_a_rolled_back_save_leaves_no_outbox_row(app):
    svc = svc_of(app)
    with pytest.raises(RuntimeError):
        with svc.engine.begin() as conn:
            users.create_user(conn, "han_mei", "rep")
            enqueue(conn, "test.record_effect", {}, idempotency_key="welcome:han_mei", now=T0)
            raise RuntimeError("validation failed after the action was recorded")
    with svc.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 0
        assert users.find_user_id(conn, "han_mei") is None
    assert effect_rows(svc.engine) == []


def test_an_idempotency_key_records_an_action_once_without_breaking_the_save(app):
    svc = svc_of(app)
    first = save_with_action(svc, "a1", "rule:welcome:42:v3")
    with svc.engine.begin() as conn:
        again = enqueue(conn, "test.record_effect", {}, idempotency_key="rule:welcome:42:v3", now=T0)
        users.create_user(conn, "a2", "rep")  # the transaction is still usable (PostgreSQL too)
    assert first is not None and again is None
    with svc.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 1
        assert users.find_user_id(conn, "a2") is not None


def test_rules_that_trigger_rules_stop_at_the_depth_limit(app):
    svc = svc_of(app)
    with svc.engine.begin() as conn:
        first = enqueue(conn, "test.chain", {"n": 0, "run": "loop"}, idempotency_key="loop:0",
                        origin="rule:loop", now=T0)
    report = dispatch(svc, [first])
    assert [r.outcome for r in report.ran] == ["done"] * (MAX_DEPTH + 1)
    assert [r.note for r in effect_rows(svc.engine)] == [f"chain {n}" for n in range(MAX_DEPTH + 1)]
    with svc.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.depth, outbox.c.status, outbox.c.last_error,
                                      outbox.c.origin).order_by(outbox.c.id)).all()
    assert [(d, s) for d, s, _e, _o in rows] == [(d, "done") for d in range(MAX_DEPTH + 1)] + [
        (MAX_DEPTH + 1, "dead")]
    assert rows[-1].last_error.startswith("refused: automation depth 6 exceeds the limit of 5")
    assert rows[-1].origin == "rule:loop"


def test_enqueue_refuses_beyond_the_depth_limit_with_a_dead_row(app):
    svc = svc_of(app)
    with svc.engine.begin() as conn:
        assert enqueue(conn, "test.record_effect", {}, idempotency_key="deep", depth=3, max_depth=2,
                       now=T0) is None
        item = conn.execute(sa.select(outbox)).one()
    assert item.status == "dead" and "depth 3 exceeds the limit of 2" in item.last_error


def test_a_runner_whose_lease_was_taken_over_cannot_mark_the_item_done(app):
    """A slow (not dead) worker past its lease: the second runner's work counts, the first one's
    rolls back, so the database effect is applied once."""
    svc = svc_of(app)
    item_id = save_with_action(svc, "slow", "slow:1")
    lease = dt.timedelta(seconds=60)
    slow = _claim(svc.engine, item_id, T0, lease)
    assert slow is not None and run_item(svc.engine, item_id, svc.clock).outcome == "skipped"
    svc.clock.advance(seconds=61)
    assert run_item(svc.engine, item_id, svc.clock, lease=lease).outcome == "done"
    with pytest.raises(LeaseLost):
        with svc.engine.begin() as conn:
            conn.execute(effects.insert().values(item_key="slow:1", note="late", attempt=1))
            _mark_done(conn, slow, svc.clock.now(), 61_000)
    assert [r.attempt for r in effect_rows(svc.engine)] == [2]
    with svc.engine.connect() as conn:
        assert [(r["attempt"], r["outcome"]) for r in list_runs(conn, item_id)] == [
            (1, "lost"), (2, "done")]


def test_enqueue_checks_its_arguments(app):
    svc = svc_of(app)
    with svc.engine.begin() as conn:
        with pytest.raises(UnknownAction):
            enqueue(conn, "no.such_action", {}, idempotency_key="k", now=T0)
        with pytest.raises(ValueError, match="not JSON"):
            enqueue(conn, "test.record_effect", {"when": object()}, idempotency_key="k", now=T0)
        with pytest.raises(ValueError, match="timezone-aware"):
            enqueue(conn, "test.record_effect", {}, idempotency_key="k", now=dt.datetime(2026, 1, 1))


def test_the_registry_rejects_bad_names_and_conflicting_handlers():
    with pytest.raises(ValueError, match="dotted lower-case"):
        register_action("Send Mail", lambda ctx, p: None, description="x")
    with pytest.raises(ValueError, match="already registered"):
        register_action("test.record_effect", lambda ctx, p: None, description="x")
    with pytest.raises(ValueError, match="description"):
        register_action("test.undocumented", lambda ctx, p: None, description=" ")
    assert "test.record_effect" in ACTIONS


def test_backoff_doubles_from_30_seconds_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == dt.timedelta(hours=1)


def test_action_modules_come_from_crm_action_modules_and_a_bad_one_is_one_clear_line():
    from runtime.config import ConfigError
    from runtime.outbox import load_action_modules
    assert load_action_modules({"CRM_ACTION_MODULES": " tests.runtime.outbox.actions_for_tests, "}) == (
        "tests.runtime.outbox.actions_for_tests",)
    with pytest.raises(ConfigError, match="CRM_ACTION_MODULES: cannot import 'acme_missing_actions'"):
        load_action_modules({"CRM_ACTION_MODULES": "acme_missing_actions"})


def test_a_lost_worker_on_the_last_attempt_leaves_the_item_dead_not_looping(app):
    from runtime.outbox import sweep
    svc = svc_of(app)
    item_id = save_with_action(svc, "poison", "poison:1", max_attempts=1)
    assert _claim(svc.engine, item_id, T0, dt.timedelta(seconds=60)) is not None  # ...and it dies
    report = sweep(svc, svc.clock.advance(seconds=61))
    assert (report.released, report.dead, report.due) == (0, 1, ())
    with svc.engine.connect() as conn:
        item = get_item(conn, item_id)
        assert (item["status"], item["attempts"]) == ("dead", 1)
        assert "lease expired" in item["last_error"]
        assert [r["outcome"] for r in list_runs(conn, item_id)] == ["lost"]
