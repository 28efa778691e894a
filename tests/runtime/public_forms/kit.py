"""The app the public form tests publish, and a visitor that fills forms like a browser without
JavaScript would (GET the page, keep its hidden fields, POST)."""
from __future__ import annotations

import datetime as dt
import html
import itertools
import re

import pytest

import schema_store
from tests.fixtures_app import Users
from tests.runtime.stages.kit import CST, TravelClock

_IPS = itertools.count(1)

L = lambda zh, en=None: {"zh-CN": zh, "en": en or zh}  # noqa: E731


def form_doc(**form_overrides) -> dict:
    lead = {
        "label": L("线索", "Lead"), "title_field": "name",
        "fields": {
            "name": {"type": "text", "required": True, "label": L("姓名", "Name"), "max_length": 100},
            "company": {"type": "text", "label": L("公司", "Company")},
            "email": {"type": "email", "label": L("邮箱", "Email")},
            "phone": {"type": "phone", "label": L("手机", "Mobile")},
            "channel": {"type": "picklist", "label": L("渠道", "Channel"), "options": [
                {"value": "官网", "label": L("官网", "Website")}, {"value": "展会", "label": L("展会", "Trade show")},
                {"value": "广告", "label": L("广告", "Ads")}]},
            "booth_no": {"type": "text", "label": L("展位号", "Booth no.")},
            "employees": {"type": "number", "label": L("员工数", "Employees"), "min": 0},
            "interests": {"type": "multi_picklist", "label": L("感兴趣的产品", "Interests"),
                          "options": [{"value": "CRM"}, {"value": "ERP"}]},
            "message": {"type": "textarea", "label": L("留言", "Message")},
            "utm_medium": {"type": "text", "label": L("媒介", "Medium")},
            "utm_campaign": {"type": "text", "label": L("活动", "Campaign")},
            "referrer": {"type": "url", "label": L("来源页面", "Referrer")},
            "source_form": {"type": "text", "label": L("来源表单", "Source form")},
            "name_length": {"type": "formula", "expression": "LEN(TRIM(name))", "label": L("姓名长度", "Name length")},
            "region": {"type": "picklist", "label": L("区域", "Region"),
                       "options": [{"value": "华东"}, {"value": "华北"}]},
        },
    }
    form = {
        "object": "lead", "title": L("预约演示", "Book a demo"),
        "description": L("留下联系方式，我们的顾问会联系你。", "Leave your details and we will call you."),
        "fields": [{"field": "name", "required": True}, {"field": "company"}, {"field": "email"},
                   {"field": "phone"}, {"field": "booth_no", "help": L("例如 A-12", "e.g. A-12")},
                   {"field": "employees"}, {"field": "interests"}, {"field": "message"},
                   {"field": "source_form", "hidden": True, "default": '"demo"'}],
        "channel": {"field": "channel", "from": "utm_source",
                    "values": {"expo": "展会", "website": "官网", "baidu_ads": "广告"},
                    "referrers": {"example.com": "官网"}, "default": "官网",
                    "utm": {"utm_medium": "utm_medium", "utm_campaign": "utm_campaign", "referrer": "referrer"}},
        "required_by_channel": {"展会": ["booth_no"], "官网": ["email"]},
        "company_email": {"fields": ["email"], "channels": ["官网"], "free_domains": ["mail.example.org"]},
        "validations": [{"key": "real_name", "field": "name", "error_when": 'CONTAINS(LOWER(name), "test")',
                         "message": L("请填写真实姓名", "Please enter a real name")},
                        {"key": "full_name", "field": "name", "error_when": "name_length < 2",
                         "message": L("请填写全名", "Please enter your full name")},
                        {"key": "off", "error_when": "TRUE", "active": False, "message": L("不会出现", "never shown")}],
        "thank_you": L("谢谢 {name}，我们会尽快联系你。", "Thank you {name}, we will be in touch."),
        "rate_limit": {"per_minute": 20},
        "route": "web_leads",
    }
    form.update(form_overrides)
    return {
        "objects": {"lead": lead},
        "assignment": {
            "pools": {"public": {"label": L("公海池", "Public pool")}},
            "routes": {"web_leads": {"object": "lead", "on": ["update"], "entries": [
                {"key": "east", "when": 'ISPICKVAL(channel, "展会")', "assign_to": {"kind": "user", "user": "expo_rep"}}],
                "fallback": {"kind": "pool", "pool": "public"}}}},
        "forms": {"demo": form, "closed": {**form, "active": False}},
    }


def publish_forms(app, doc=None) -> None:
    Users(app).add("expo_rep", "rep", password=None)
    schema_store.publish(app.extensions["crm"].engine, doc or form_doc())


@pytest.fixture
def form_app(make_app, db_url):
    """The form document published on SQLite and on PostgreSQL; ``app.clock`` moves by hand."""
    clock = TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST))
    app = make_app(database_url=db_url, clock=clock)
    publish_forms(app)
    app.clock = clock
    return app


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class Visitor:
    """A browser without JavaScript: ``open`` a form page, ``submit`` it with what was typed."""

    def __init__(self, client, ip: str | None = None):
        self.client, self.ip = client, ip or f"203.0.113.{next(_IPS) % 250 + 1}"
        self.page = ""
        self.hidden: dict[str, str] = {}
        self.path = ""

    def open(self, path: str, **headers):
        response = self.client.get(path, headers=headers, environ_base={"REMOTE_ADDR": self.ip})
        self.path = path.split("?")[0]
        self.page = response.get_data(as_text=True)
        self.hidden = {k: html.unescape(v) for k, v in _HIDDEN.findall(self.page)}
        return response

    def submit(self, data: dict | None = None, **headers):
        body = {**self.hidden, **(data or {})}
        response = self.client.post(self.path, data=body, headers=headers, environ_base={"REMOTE_ADDR": self.ip})
        self.page = response.get_data(as_text=True)
        fresh = {k: html.unescape(v) for k, v in _HIDDEN.findall(self.page)}
        if fresh:
            self.hidden = fresh
        return response


def field_error(page: str, name: str) -> str:
    match = re.search(rf'data-testid="error-{name}">([^<]*)<', page)
    return html.unescape(match.group(1)) if match else ""


def leads(app) -> list[dict]:
    import sqlalchemy as sa
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        table = svc.schema_cache.get(conn).table("lead")
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]
