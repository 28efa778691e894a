"""What the analyst sets in the new editors holds in the running app once published: a rep sees only
their own leads and never the hidden phone, and a holiday added to the calendar is no workday."""
from __future__ import annotations

import datetime as dt

import pytest

import schema_store
from runtime.schema_access import live_schema
from runtime.services import services
from tests.builder.designer_logic.kit import draft, submit
from tests.builder.designer_logic.test_more_sections import new
from tests.fixtures_app import Users, csrf_from

LEADS = {"objects": {"lead": {"label": {"zh-CN": "线索", "en": "Lead"}, "title_field": "name",
                              "fields": {"name": {"type": "text", "label": {"zh-CN": "名称"}},
                                         "phone": {"type": "phone", "label": {"zh-CN": "电话"}}}}}}


@pytest.fixture
def leads_app(make_app):
    app = make_app()
    schema_store.publish(app.extensions["crm"].engine, LEADS)
    app.users = Users(app)
    return app


def publish_from_designer(app, client):
    token = csrf_from(client.get("/builder/publish").get_data(as_text=True))
    response = client.post("/builder/publish", data={"csrf_token": token, "revision": draft(app).revision,
                                                     "note": "from the designer", "confirm_destructive": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def api(client, token):
    return lambda method, url, **kw: client.open(url, method=method, headers={"Authorization": f"Bearer {token}"},
                                                 **kw)


def test_a_rep_sees_only_own_leads_without_the_phone_once_the_analyst_publishes(leads_app):
    analyst = leads_app.users.client("analyst", "ana")
    assert new(analyst, leads_app, "permissions", "rep").status_code == 302
    url = "/builder/permissions/rep"
    assert submit(analyst, url, {"v/@0/@key": "lead", "v/@0/@v/read": "1", "v/@0/@v/scope": "own"}).status_code == 302
    assert submit(analyst, url, {"v/@0/@v/fields/@0/@key": "phone", "v/@0/@v/fields/@0/@v": "hidden"}).status_code == 302
    assert draft(leads_app).document["permissions"] == {
        "rep": {"lead": {"read": True, "scope": "own", "fields": {"phone": "hidden"}}}}
    publish_from_designer(leads_app, analyst)

    users = leads_app.users
    rep1, rep2 = users.add("rep1", "rep"), users.add("rep2", "rep")
    client = leads_app.test_client()
    admin = api(client, users.token("boss", "admin"))
    for owner, name in ((rep1, "张医生"), (rep2, "李医生")):
        created = admin("POST", "/api/v1/records/lead", json={"name": name, "phone": "13800000000", "owner": owner})
        assert created.status_code == 201, created.json
    listing = api(client, users.token("rep1"))("GET", "/api/v1/records/lead")
    assert listing.status_code == 200
    assert [r["name"] for r in listing.json["records"]] == ["张医生"]
    assert all("phone" not in r for r in listing.json["records"])
    everything = admin("GET", "/api/v1/records/lead").json["records"]
    assert len(everything) == 2 and all(r["phone"] == "13800000000" for r in everything)


def test_a_holiday_set_in_the_designer_is_no_workday_after_publishing(leads_app):
    analyst = leads_app.users.client("analyst", "ana")
    day = dt.date(2026, 11, 12)                                      # a Thursday

    def is_workday() -> bool:
        with leads_app.app_context():
            return services().extras["calendar"](live_schema()).is_workday(day)

    assert is_workday()
    assert submit(analyst, "/builder/calendar", op="add:holidays").status_code == 302
    assert submit(analyst, "/builder/calendar", {"v/holidays/0": day.isoformat()}).status_code == 302
    assert draft(leads_app).document["calendar"] == {"holidays": ["2026-11-12"]}
    publish_from_designer(leads_app, analyst)
    assert not is_workday()
