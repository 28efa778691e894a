"""Fixtures and helpers of the stage tests (shared with tests/e2e/test_stage_scenarios.py)."""
from __future__ import annotations

import datetime as dt
import io

import pytest

import schema_store
from tests.fixtures_app import Users
from tests.runtime.records.conftest import Api
from tests.runtime.stages.app_doc import DOC

UTC = dt.timezone.utc
CST = dt.timezone(dt.timedelta(hours=8))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class TravelClock:
    """A clock tests move by hand: ``clock.travel(hours=73)``."""

    def __init__(self, at: dt.datetime):
        self.at = at.astimezone(UTC)

    def now(self) -> dt.datetime:
        return self.at

    def travel(self, **delta) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at

    def set(self, at: dt.datetime) -> None:
        self.at = at.astimezone(UTC)


class StageApi(Api):
    lang = "zh-CN"

    def _h(self, headers):
        return {"Accept-Language": self.lang, **super()._h(headers)}

    def move(self, object_name, record_id, to, **extra):
        return self.post(f"/api/v1/records/{object_name}/{record_id}/stage", {"to": to, **extra})

    def upload(self, object_name, field, name="确认单.pdf", data=PDF):
        r = self.client.post("/api/v1/files", headers=self._h(None), content_type="multipart/form-data",
                             data={"file": (io.BytesIO(data), name), "object": object_name, "field": field})
        assert r.status_code == 201, r.json
        return r.json["id"]

    def inbox(self):
        return self.get("/api/v1/notifications").json


@pytest.fixture
def clock():
    return TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))   # a Monday morning in Beijing


@pytest.fixture
def make_stage_app(make_app, db_url, clock):
    """``make_stage_app(document)`` -> the app on SQLite and PostgreSQL with ``document`` published
    and a team: director > mgr > rep1, rep2."""
    def factory(document=DOC):
        app = make_app(database_url=db_url, clock=clock)
        schema_store.publish(app.extensions["crm"].engine, document)
        users = Users(app)
        users.add("director", "manager", team="销售部", password=None, email="director@example.cn")
        users.add("mgr", "manager", team="骨科产品组", manager="director", password=None, email="mgr@example.cn")
        users.add("rep1", "rep", team="骨科产品组", manager="mgr", password=None, email="rep1@example.cn")
        users.add("rep2", "rep", team="骨科产品组", manager="mgr", password=None, email="rep2@example.cn")

        def api(name: str) -> StageApi:
            from runtime.users import find_user_id
            with app.extensions["crm"].engine.connect() as conn:
                uid = find_user_id(conn, name)
            return StageApi(app.test_client(), users.token(name), uid)

        app.api = api
        app.clock = clock
        return app
    return factory


@pytest.fixture
def stage_app(make_stage_app):
    return make_stage_app()


def tick(app, now: dt.datetime | None = None):
    """``crm tick --now`` through the real command."""
    from runtime.stages.cli import tick as command
    now = now or app.clock.now()
    result = app.test_cli_runner().invoke(command, ["--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output
