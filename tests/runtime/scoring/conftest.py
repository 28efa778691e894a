"""The scoring test app: a lead object with a scoring model of every kind of rule (plain, points
from an expression, a lookup path, the clock, no part), bands with an action, on SQLite and
PostgreSQL, with a movable clock and API clients per user."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

import schema_store
from tests.fixtures_app import Users
from tests.runtime.records.conftest import Api
from tests.runtime.stages.kit import CST, TravelClock


def L(zh, en):
    return {"zh-CN": zh, "en": en}


DOC = {
    "objects": {
        "account": {"label": L("客户", "Account"), "title_field": "name",
                    "fields": {"name": {"type": "text"},
                               "tier": {"type": "picklist", "options": [{"value": "A"}, {"value": "B"}]}}},
        "lead": {
            "label": L("线索", "Lead"), "title_field": "company",
            "fields": {
                "company": {"type": "text"},
                "visits": {"type": "number"},
                "downloads": {"type": "number"},
                "amount": {"type": "currency"},
                "industry": {"type": "picklist", "options": [{"value": "教育"}, {"value": "医疗"}, {"value": "零售"}]},
                "vip": {"type": "boolean"},
                "signed_up": {"type": "date"},
                "account": {"type": "lookup", "target": "account"},
                "note": {"type": "text"},
                "score": {"type": "number", "label": L("评分", "Score")},
                "score_base": {"type": "number"},
                "score_behaviour": {"type": "number"},
                "band": {"type": "picklist", "options": [{"value": "hot"}, {"value": "warm"}, {"value": "cold"}]},
            },
        },
    },
    "scoring": {
        "lead_score": {
            "object": "lead", "field": "score", "label": L("线索评分", "Lead score"),
            "parts": {"base": {"label": L("基础分", "Base"), "field": "score_base"},
                      "behaviour": {"label": L("行为分", "Behaviour"), "field": "score_behaviour"}},
            "rules": [
                {"key": "engaged", "part": "base", "when": "visits > 3 && downloads >= 2", "points": 15},
                {"key": "per_visit", "part": "behaviour", "when": "visits > 0", "points": "MIN(visits, 10) * 2"},
                {"key": "sector", "part": "base", "when": "ISPICKVAL(industry, \"教育\") || ISPICKVAL(industry, \"医疗\")",
                 "points": 5},
                {"key": "tier_a", "part": "base", "when": "ISPICKVAL(account.tier, \"A\")", "points": 10},
                {"key": "fresh", "part": "behaviour", "when": "DAYS($today, signed_up) <= 7", "points": 8},
                {"key": "big", "when": "amount >= 100000 || vip", "points": "IF(vip, 3, 1.5)"},
                {"key": "penalty", "when": "CONTAINS(note, \"竞品\")", "points": -4},
            ],
            "bands": [{"key": "hot", "label": L("热", "Hot"), "min": 30, "field": "band",
                       "actions": [{"type": "notify", "to": [{"kind": "owner"}],
                                    "message": L("{company} 变热了：{score} 分", "{company} is hot: {score}")}]},
                      {"key": "warm", "label": L("温", "Warm"), "min": 10, "max": 30, "field": "band"},
                      {"key": "cold", "label": L("冷", "Cold"), "max": 10, "field": "band"}],
            "schedule": {"every_hours": 2},
            "top": {"limit": 5, "label": L("前五", "Top 5")},
        },
    },
    "permissions": {
        "rep": {"lead": {"create": True, "read": True, "update": True, "scope": "own"},
                "account": {"create": True, "read": True, "update": True, "scope": "all"}},
        "manager": {"lead": {"create": True, "read": True, "update": True, "scope": "team"},
                    "account": {"read": True, "scope": "all"}},
        "consultant": {"account": {"read": True, "scope": "all"}},
        "analyst": {"lead": {"read": True, "update": True, "create": True, "scope": "all", "fields": {"score": "hidden"}},
                    "account": {"read": True, "scope": "all"}},
    },
}


def doc(**changes):
    """DOC with the scoring model's keys replaced."""
    out = copy.deepcopy(DOC)
    out["scoring"]["lead_score"].update(changes)
    return out


def build(app, document=None):
    schema_store.publish(app.extensions["crm"].engine, document or DOC)
    users = Users(app)
    users.add("boss", "admin", password=None)
    users.add("mgr", "manager", team="east", password=None)
    users.add("rep1", "rep", team="east", manager="mgr", password=None)
    users.add("rep2", "rep", team="east", manager="mgr", password=None)
    users.add("ana", "analyst", password=None)
    users.add("outsider", "consultant", password=None)

    def api(name: str) -> Api:
        from runtime.users import find_user_id
        with app.extensions["crm"].engine.connect() as conn:
            uid = find_user_id(conn, name)
        return Api(app.test_client(), users.token(name), uid)

    app.api = api
    app.svc = app.extensions["crm"]
    return app


@pytest.fixture
def clock():
    return TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))


@pytest.fixture
def scored(make_app, db_url, clock):
    """The scoring app on SQLite and PostgreSQL."""
    app = build(make_app(database_url=db_url, clock=clock))
    app.clock = clock
    return app


@pytest.fixture
def scored_lite(make_app, clock):
    """The same on SQLite only (checks that do not depend on the database)."""
    app = build(make_app(clock=clock))
    app.clock = clock
    return app
