"""The rule engine on the outbox: before_save rules inside the save, one outbox item per after_save
rule, the run log, the depth limit against loops, failing webhooks to the dead-letter list and
back, and fair round-robin under concurrent saves."""
from __future__ import annotations

import copy
import http.server
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from runtime.automation.tables import assignment_decisions
from runtime.outbox import MAX_DEPTH, sweep
from runtime.outbox.tables import outbox
from runtime.records import RecordService
from runtime.users import find_user_id, get_actor
from tests.runtime.automation.scenario_app import DOC, MovableClock, publish
from tests.runtime.automation.conftest import T0


def items(app, **where):
    with app.extensions["crm"].engine.connect() as conn:
        query = sa.select(outbox).order_by(outbox.c.id)
        for k, v in where.items():
            query = query.where(outbox.c[k] == v)
        return [dict(r) for r in conn.execute(query).mappings()]


def test_a_before_save_rule_changes_the_record_inside_the_save(auto_app):
    rep = auto_app.api("rep1")
    lead = rep.post("/api/v1/records/lead", json={"name": "华山"}).json
    assert lead["hint"] == "new: 华山" and lead["version"] == 1
    given = rep.post("/api/v1/records/lead", json={"name": "瑞金", "hint": "自填"}).json
    assert given["hint"] == "自填"
    assert items(auto_app, origin="rule:default_hint") == []  # nothing goes through the outbox


def test_each_after_save_rule_is_one_outbox_item_with_a_run_log(auto_app):
    rep, boss = auto_app.api("rep1"), auto_app.api("boss")
    c = rep.post("/api/v1/records/customer", json={"name": "甲", "health": 20}).json
    [item] = items(auto_app, origin="rule:retention")
    assert item["idempotency_key"] == f"rule:retention:customer:{c['id']}:1"
    assert item["payload"]["why"] == "field_changed:health" and item["status"] == "done" and item["depth"] == 1
    detail = boss.get(f"/api/v1/outbox/{item['id']}").json
    assert [r["outcome"] for r in detail["runs"]] == ["done"]
    assert detail["runs"][0]["duration_ms"] is not None


def test_a_rule_that_triggers_itself_is_stopped_by_the_depth_limit(auto_app):
    rep = auto_app.api("rep1")
    c = rep.post("/api/v1/records/counter", json={"n": 0}).json
    rep.patch(f"/api/v1/records/counter/{c['id']}", json={"n": 1, "version": 1})
    assert rep.get(f"/api/v1/records/counter/{c['id']}").json["n"] == 1 + MAX_DEPTH
    chain = items(auto_app, origin="rule:bump")
    assert [i["depth"] for i in chain] == list(range(1, MAX_DEPTH + 2))
    assert chain[-1]["status"] == "dead" and "depth" in chain[-1]["last_error"]


class _Hook(http.server.BaseHTTPRequestHandler):
    status = 500
    calls: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((self.headers["Idempotency-Key"], body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    _Hook.calls, _Hook.status = [], 500
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_a_failing_webhook_is_retried_with_backoff_then_dead_lettered_and_retried_by_hand(make_app, endpoint):
    _server, url = endpoint
    doc = copy.deepcopy(DOC)
    next(r for r in doc["rules"] if r["key"] == "erp_sync")["actions"][0]["url"] = url
    clock = MovableClock(T0)
    app = make_app(clock=clock, outbound_allow=("127.0.0.1",))  # the endpoint listens on loopback
    publish(app, doc)
    from tests.runtime.automation.scenario_app import add_people
    add_people(app)
    app = _apis(app)
    rep, boss = app.api("rep1"), app.api("boss")
    c = rep.post("/api/v1/records/counter", json={"url": "a"}).json
    [hook] = items(app, action="automation.webhook")
    assert hook["status"] == "failed" and hook["attempts"] == 1
    svc = app.extensions["crm"]
    for _ in range(10):
        clock.advance(hours=1, seconds=1)
        sweep(svc, clock.now())
    [hook] = items(app, action="automation.webhook")
    assert hook["status"] == "dead" and hook["attempts"] == hook["max_attempts"]
    assert len(_Hook.calls) == hook["max_attempts"] and len({k for k, _b in _Hook.calls}) == 1
    dead = boss.get("/api/v1/outbox?status=dead").json
    assert [i["id"] for i in dead["items"]] == [hook["id"]]
    _Hook.status = 200
    assert boss.post(f"/api/v1/outbox/{hook['id']}/retry").status_code in (200, 202)
    [hook] = items(app, action="automation.webhook")
    assert hook["status"] == "done"
    assert b'"record_id": %d' % c["id"] in _Hook.calls[-1][1]


def _apis(app):
    from tests.fixtures_app import Users
    from tests.runtime.records.conftest import Api
    users = Users(app)

    def api(name):
        with app.extensions["crm"].engine.connect() as conn:
            uid = find_user_id(conn, name)
        return Api(app.test_client(), users.token(name), uid)
    app.api, app.clock = api, app.extensions["crm"].clock
    return app


def test_round_robin_is_fair_and_never_double_assigns_under_concurrent_saves(any_auto_app):
    app = any_auto_app
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        boss = get_actor(conn, find_user_id(conn, "boss"))
    errors = []

    def create_many(n):
        try:
            for i in range(n):
                RecordService(svc, boss).create("lead", {"name": f"L{i}", "customer_type": "三甲医院",
                                                        "categories": ["导航系统"]})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=create_many, args=(10,)) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    with svc.engine.connect() as conn:
        owners = Counter(conn.execute(sa.select(svc.schema_cache.get(conn).table("lead").c.owner)).scalars())
        decided = conn.execute(sa.select(assignment_decisions.c.record_id)).scalars().all()
    assert sorted(owners.values()) == [10, 10]
    assert len(decided) == len(set(decided)) == 20
