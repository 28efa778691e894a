"""S7 on the B2B pack (SCENARIOS.md; article 001): the pack's lead form at /f/b2b_lead_form knows
its channel from the UTM parameters; a trade-fair (展会) lead needs its booth number (展位号); a
website (官网) lead needs a company-domain email (free mail refused); the form embeds on any page
with a script tag. The pack is imported as a consultant would; SQLite and PostgreSQL over HTTP,
plus the embed in Chromium."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from builder.packs import TEMPLATES, import_pack, load_pack
from tests.fixtures_app import Users
from tests.runtime.public_forms.kit import Visitor, field_error
from tests.runtime.stages.kit import CST, TravelClock

FORM = "/f/b2b_lead_form"
ZH = {"Accept-Language": "zh-CN"}


def expo_link(campaign: str = "2026上海工博会") -> str:
    """The QR code on the booth: utm_source=expo is the pack's 展会 channel."""
    return f"{FORM}?utm_source=expo&utm_medium=qr_code&utm_campaign={quote(campaign)}"


def import_b2b(app) -> int:
    users = Users(app)
    boss = users.add("boss", "admin", password=None)
    with app.test_request_context(headers=ZH):
        import_pack(app.extensions["crm"], load_pack(TEMPLATES / "b2b_sales"), actor_id=boss)
    return boss


@pytest.fixture
def b2b(make_app, db_url):
    app = make_app(database_url=db_url, clock=TravelClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)))
    import_b2b(app)
    app.boss_token = Users(app).token("boss")
    app.clock = app.extensions["crm"].clock
    return app


def b2b_leads(app) -> list[dict]:
    response = app.test_client().get("/api/v1/records/b2b_lead?sort=id",
                                     headers={"Authorization": f"Bearer {app.boss_token}"})
    assert response.status_code == 200, response.json
    return response.json["records"]


def test_s7_a_trade_fair_visitor_must_give_the_booth_number(b2b):
    v = Visitor(b2b.test_client())
    page = v.open(expo_link(), **ZH)
    assert page.status_code == 200 and "预约产品演示" in v.page
    assert 'data-testid="field-booth_no"' in v.page and "is-required" in v.page.split('data-field="booth_no"')[0][-80:]
    refused = v.submit({"company": "上海智造科技", "contact_name": "周敏", "phone": "13912345678",
                        "industry": "制造", "region": "华东"}, **ZH)
    assert refused.status_code == 422 and field_error(v.page, "booth_no")
    assert 'value="上海智造科技"' in v.page                          # the visitor's input is kept
    assert b2b_leads(b2b) == []
    done = v.submit({"company": "上海智造科技", "contact_name": "周敏", "phone": "13912345678",
                     "industry": "制造", "region": "华东", "booth_no": "N3-201"}, **ZH)
    assert done.status_code == 200 and "谢谢 周敏" in v.page
    [lead] = b2b_leads(b2b)
    assert (lead["channel"], lead["booth_no"], lead["utm_source"], lead["utm_medium"], lead["utm_campaign"]) == \
        ("展会", "N3-201", "expo", "qr_code", "2026上海工博会")
    assert lead["lead_no"].startswith("CK20260302-")


def test_s7_a_website_visitor_must_use_a_company_email(b2b):
    v = Visitor(b2b.test_client())
    v.open(f"{FORM}?utm_source=website&utm_medium=organic&utm_campaign=pricing_page", **ZH)
    base = {"company": "杭州云帆教育", "contact_name": "林涛", "phone": "13600001111", "industry": "教育"}

    def send(email: str | None) -> int:
        b2b.clock.travel(seconds=20)          # a person retyping (the pack allows 5 posts a minute)
        return v.submit({**base, **({"email": email} if email else {})}, **ZH).status_code

    assert send(None) == 422
    assert field_error(v.page, "email")                                   # 官网 needs an email at all
    for free in ("lintao@qq.com", "lintao@163.com", "lintao@gmail.com", "lintao@vip.sina.com"):
        assert send(free) == 422, free
        assert field_error(v.page, "email") == "官网线索请使用公司域名邮箱", free
    assert b2b_leads(b2b) == []
    assert send("lin.tao@yunfan-edu.cn") == 200
    assert send("lin.tao@yunfan-edu.cn") == 200                           # a double submit
    [lead] = b2b_leads(b2b)
    assert (lead["channel"], lead["email"], lead["utm_campaign"]) == ("官网", "lin.tao@yunfan-edu.cn", "pricing_page")


def test_s7_other_channels_take_free_mail_and_no_booth(b2b):
    v = Visitor(b2b.test_client())
    v.open(f"{FORM}?utm_campaign=live_0302", Referer="https://www.douyin.com/video/7300000000")  # 抖音 by referrer
    assert v.submit({"company": "成都小鹿零售", "contact_name": "何佳", "phone": "13700002222",
                     "email": "hejia@qq.com"}).status_code == 200
    [lead] = b2b_leads(b2b)
    assert (lead["channel"], lead["email"], lead["booth_no"]) == ("抖音", "hejia@qq.com", None)


def test_s7_the_form_is_embeddable_with_a_script_tag(b2b):
    js = b2b.test_client().get(f"{FORM}/embed.js")
    assert js.status_code == 200 and 'createElement("iframe")' in js.get_data(as_text=True)
    framed = b2b.test_client().get(f"{FORM}?embed=1")
    assert framed.headers["Content-Security-Policy"].startswith("frame-ancestors")


def test_s7_a_visitor_on_a_partner_page_sends_a_trade_fair_lead_through_the_embedded_form(
        make_app, live_server_for, page):
    app = make_app()
    import_b2b(app)
    app.boss_token = Users(app).token("boss")
    site = live_server_for(app)
    host_page = (f'<!doctype html><meta charset="utf-8"><h1>2026 上海工博会 N3 馆</h1>'
                 f'<script src="{site.url}{FORM}/embed.js" async></script>').encode()

    def partner(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [host_page]
    partner_url = live_server_for(partner).url
    page.goto(f"{partner_url}/expo?utm_source=expo&utm_campaign=cmef")
    frame = page.frame_locator("iframe[data-crm-form]")
    frame.get_by_label("公司名称").fill("苏州精工机械")
    frame.get_by_label("联系人").fill("吴强")
    frame.get_by_label("手机").fill("13812340000")
    frame.get_by_test_id("form-submit").click()
    frame.get_by_test_id("error-booth_no").wait_for()
    frame.get_by_label("展位号").fill("N3-088")
    frame.get_by_test_id("form-submit").click()
    frame.get_by_test_id("thank-you").wait_for()
    page.screenshot_as("s7-embedded")
    [lead] = b2b_leads(app)
    assert (lead["channel"], lead["booth_no"], lead["utm_campaign"]) == ("展会", "N3-088", "cmef")


def test_s7_a_flood_from_one_address_is_stopped_by_the_packs_rate_limit(b2b):
    limit = load_pack(TEMPLATES / "b2b_sales").metadata["forms"]["b2b_lead_form"]["rate_limit"]["per_minute"]
    bot, person = Visitor(b2b.test_client()), Visitor(b2b.test_client())
    statuses = []
    for i in range(limit + 1):
        bot.open(expo_link())
        statuses.append(bot.submit({"company": f"刷单公司{i}", "contact_name": "机器人", "phone": f"130{i:08d}",
                                    "booth_no": "X-1"}, **ZH).status_code)
    assert statuses == [200] * limit + [429] and "提交过于频繁" in bot.page
    person.open(expo_link())
    assert person.submit({"company": "真实客户", "contact_name": "钱进", "phone": "13111112222",
                          "booth_no": "N1-001"}).status_code == 200
    assert len(b2b_leads(b2b)) == limit + 1
