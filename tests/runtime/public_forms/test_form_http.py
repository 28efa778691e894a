"""Public forms over HTTP, as a browser without JavaScript uses them (GET the page, POST it back),
on SQLite and PostgreSQL: channel capture, per-channel rules, company e-mail, the form's own
validations, idempotency, the honeypot, bad input, languages, framing, and routing."""
from __future__ import annotations

import schema_store
from runtime.automation.assignment import decisions, pool_of
from tests.runtime.public_forms.kit import Visitor, field_error, form_doc, leads

EXPO = "/f/demo?utm_source=expo&utm_medium=booth&utm_campaign=cmef2026"
GOOD = {"name": "张伟", "company": "华为技术", "phone": "13800138000"}


def test_the_page_is_public_standalone_localized_and_may_be_framed(form_app):
    v = Visitor(form_app.test_client())
    page = v.open("/f/demo", **{"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    text = v.page
    assert "Book a demo" in text and "Leave your details and we will call you." in text
    assert 'data-testid="field-name"' in text and 'data-testid="field-booth_no"' in text
    assert 'name="source_form"' not in text            # hidden fields are not on the page
    assert "e.g. A-12" in text and ">Submit<" in text
    assert "topbar" not in text                          # no app navigation
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert "X-Frame-Options" not in page.headers and "Set-Cookie" not in page.headers
    zh = v.open("/f/demo", **{"Accept-Language": "zh-CN"})
    assert "预约演示" in v.page and ">提交<" in v.page and zh.status_code == 200
    v.open("/f/demo?lang=en", **{"Accept-Language": "zh-CN"})
    assert "Book a demo" in v.page and v.hidden["lang"] == "en"


def test_unknown_and_inactive_forms_are_a_friendly_404(form_app):
    client = form_app.test_client()
    for path in ("/f/nope", "/f/closed", "/f/" + "x" * 300, "/f/closed/embed.js"):
        response = client.get(path, headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 404, path
    assert "该表单不存在" in client.get("/f/closed", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert client.post("/f/nope", data={"name": "x"}).status_code == 404


def test_a_trade_show_lead_needs_its_booth_number_and_keeps_what_was_typed(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO, **{"Accept-Language": "zh-CN"})
    assert 'data-testid="field-booth_no"' in v.page
    refused = v.submit({**GOOD, "message": "想了解报价"}, **{"Accept-Language": "zh-CN"})
    assert refused.status_code == 422
    assert field_error(v.page, "booth_no") == "来自「展会」的访客必须填写此项。"
    assert 'value="华为技术"' in v.page and "想了解报价" in v.page     # nothing typed is lost
    assert leads(form_app) == []
    done = v.submit({**GOOD, "booth_no": "A-12"}, **{"Accept-Language": "zh-CN"})
    assert done.status_code == 200 and "谢谢 张伟，我们会尽快联系你。" in v.page
    [lead] = leads(form_app)
    assert (lead["channel"], lead["booth_no"], lead["utm_medium"], lead["utm_campaign"]) == \
        ("展会", "A-12", "booth", "cmef2026")
    assert lead["source_form"] == "demo"


def test_a_website_lead_needs_a_company_email_and_free_mail_is_refused(form_app):
    v = Visitor(form_app.test_client())
    v.open("/f/demo", Referer="https://www.example.com/pricing")
    for email, message in (("", "Required for visitors from Website."),
                           ("zhang@qq.com", "Please use your company email address; qq.com addresses are not accepted."),
                           ("zhang@mail.example.org", "example.org"),
                           ("not-an-email", "Enter a valid email address.")):
        v.submit({**GOOD, "email": email}, **{"Accept-Language": "en"})
        assert message in field_error(v.page, "email"), email
    assert leads(form_app) == []
    v.submit({**GOOD, "email": "zhang.wei@huawei.com"})
    [lead] = leads(form_app)
    assert (lead["channel"], lead["email"], lead["referrer"]) == ("官网", "zhang.wei@huawei.com",
                                                                   "https://www.example.com/pricing")


def test_free_mail_is_fine_where_the_channel_does_not_ask_for_a_company_address(form_app):
    v = Visitor(form_app.test_client())
    v.open("/f/demo?utm_source=baidu_ads")
    v.submit({**GOOD, "email": "zhang@qq.com"})
    [lead] = leads(form_app)
    assert (lead["channel"], lead["email"]) == ("广告", "zhang@qq.com")


def test_every_problem_is_shown_at_once_next_to_its_field(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    response = v.submit({"name": "test user", "employees": "很多", "phone": "", "interests": ["CRM", "SAP"]},
                        **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert field_error(v.page, "name") == "Please enter a real name"        # the form's own validation
    assert field_error(v.page, "employees") == "Enter a number."
    assert field_error(v.page, "booth_no") == "Required for visitors from Trade show."
    assert "Choose one of" in field_error(v.page, "interests")
    assert 'role="alert"' in v.page and "Some values need your attention." in v.page
    assert leads(form_app) == []


def test_a_double_submit_creates_one_lead_and_shows_the_same_thanks(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    form = {**v.hidden, **GOOD, "booth_no": "B-3"}
    client = form_app.test_client()
    first = client.post("/f/demo", data=form, environ_base={"REMOTE_ADDR": v.ip})
    second = client.post("/f/demo", data=form, environ_base={"REMOTE_ADDR": v.ip})
    assert first.status_code == second.status_code == 200
    assert "谢谢 张伟" in first.get_data(as_text=True) and "谢谢 张伟" in second.get_data(as_text=True)
    assert len(leads(form_app)) == 1
    v.open(EXPO)                     # a fresh page is a new submission
    v.submit({**GOOD, "booth_no": "B-4"})
    assert [lead["booth_no"] for lead in leads(form_app)] == ["B-3", "B-4"]


def test_a_refused_submit_can_be_corrected_with_the_same_token(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    token = v.hidden["_token"]
    v.submit(GOOD)
    client = form_app.test_client()
    fixed = client.post("/f/demo", data={**v.hidden, "_token": token, **GOOD, "booth_no": "C-1"},
                        environ_base={"REMOTE_ADDR": v.ip})
    assert fixed.status_code == 200 and len(leads(form_app)) == 1


def test_the_honeypot_silently_succeeds_without_creating_anything(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    response = v.submit({**GOOD, "booth_no": "A-1", "homepage": "http://spam.example"})
    assert response.status_code == 200 and 'data-testid="thank-you"' in v.page
    assert leads(form_app) == []


def test_a_missing_or_forged_token_asks_to_send_again_and_keeps_the_input(form_app):
    client = form_app.test_client()
    for token in (None, "forged", "x" * 5000):
        data = {**GOOD, "booth_no": "A-1", "utm_source": "expo", **({"_token": token} if token else {})}
        response = client.post("/f/demo", data=data, headers={"Accept-Language": "zh-CN"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "请检查填写内容后重新提交" in page and 'value="华为技术"' in page
    assert leads(form_app) == []


def test_bad_input_never_breaks_the_page(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    response = v.submit({**GOOD, "booth_no": "A-1", "name": "张" * 5000, "message": "长" * 20000,
                         "source_form": "forged", "owner": "1", "id": "99", "unknown": "x", "employees": "1e999"},
                        **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert field_error(v.page, "name") == "At most 1000 characters."
    assert field_error(v.page, "message") == "At most 10000 characters."
    huge = form_app.test_client().post("/f/demo", data={"name": "x" * 300_000})
    assert huge.status_code == 413
    v.open(EXPO)
    v.submit({**GOOD, "booth_no": "A-1", "source_form": "forged", "owner": "1", "unknown": "x"})
    [lead] = leads(form_app)
    assert lead["source_form"] == "demo"                  # hidden values come from the form, not the visitor


def test_the_form_route_assigns_the_owner_and_records_the_decision(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    v.submit({**GOOD, "booth_no": "A-1"})
    v.open("/f/demo?utm_source=website")
    v.submit({**GOOD, "email": "li@huawei.com"})
    expo, web = leads(form_app)
    from runtime.users import find_user_id
    svc = form_app.extensions["crm"]
    with svc.engine.connect() as conn:
        assert expo["owner"] == find_user_id(conn, "expo_rep")
        assert web["owner"] is None and pool_of(conn, "lead", web["id"]) == "public"
        assert [d["source"] for d in decisions(conn, "lead", expo["id"])] == ["form:demo"]
        assert web["created_by"] == find_user_id(conn, "web-form")


def test_the_per_ip_rate_limit_answers_429_in_the_visitors_language(form_app):
    schema_store.publish(form_app.extensions["crm"].engine, form_doc(rate_limit={"per_minute": 2}))
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    statuses = [v.submit({**GOOD, "booth_no": "A-1"}, **{"Accept-Language": "zh-CN"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "提交过于频繁" in v.page
    other = Visitor(form_app.test_client())       # another address is not affected
    other.open(EXPO)
    assert other.submit({**GOOD, "booth_no": "A-2"}).status_code == 200
    form_app.clock.travel(minutes=1)              # the next minute opens again
    v.open(EXPO)
    assert v.submit({**GOOD, "booth_no": "A-3"}).status_code == 200
    assert len(leads(form_app)) == 3


def test_a_minimum_fill_time_refuses_instant_submissions(form_app):
    schema_store.publish(form_app.extensions["crm"].engine, form_doc(min_fill_seconds=5))
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    assert v.submit({**GOOD, "booth_no": "A-1"}, **{"Accept-Language": "en"}).status_code == 400
    assert "very fast" in v.page and leads(form_app) == []
    form_app.clock.travel(seconds=6)
    assert v.submit({**GOOD, "booth_no": "A-1"}).status_code == 200 and len(leads(form_app)) == 1


def test_a_redirect_url_sends_the_visitor_on_and_embed_origins_limit_framing(form_app):
    schema_store.publish(form_app.extensions["crm"].engine, form_doc(
        redirect_url="https://www.example.com/thanks", embed_origins=["https://www.example.com"]))
    v = Visitor(form_app.test_client())
    page = v.open(EXPO)
    assert page.headers["Content-Security-Policy"] == "frame-ancestors https://www.example.com"
    response = v.submit({**GOOD, "booth_no": "A-1"})
    assert response.status_code == 303 and response.headers["Location"] == "https://www.example.com/thanks"


def test_the_embed_script_puts_an_iframe_of_the_form_in_the_page(form_app):
    response = form_app.test_client().get("/f/demo/embed.js")
    js = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert '"http://localhost/f/demo"' in js and 'createElement("iframe")' in js and "utm_source" in js
    embedded = Visitor(form_app.test_client())
    embedded.open("/f/demo?embed=1&utm_source=expo")
    assert embedded.hidden["embed"] == "1" and 'class="pf-langs"' not in embedded.page
    embedded.submit({**GOOD, "booth_no": "A-1"})
    assert 'data-testid="thank-you"' in embedded.page and "crmFormHeight" in embedded.page


def test_the_share_page_gives_analysts_the_snippets_and_is_not_public(form_app):
    from tests.fixtures_app import Users
    assert form_app.test_client().get("/f/demo/share").status_code == 302
    users = Users(form_app)
    assert users.client("rep", "rep1").get("/f/demo/share").status_code == 403
    page = users.client("analyst", "ana").get("/f/demo/share").get_data(as_text=True)
    assert "&lt;script src=&#34;http://localhost/f/demo/embed.js&#34; async&gt;" in page
    assert "&lt;iframe src=&#34;http://localhost/f/demo?embed=1&#34; title=&#34;预约演示&#34;" in page


def test_hostile_query_strings_and_bodies_get_a_page_not_an_error(form_app):
    client = form_app.test_client()
    page = client.get("/f/demo?form_key=x&_external=1&lang=xx&utm_source=%3Cscript%3Ealert(1)%3C/script%3E"
                      "&utm_campaign=" + "c" * 5000)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>alert(1)" not in text
    assert 'name="utm_campaign" value="' + "c" * 255 + '"' in text
    assert "form_key=x" in text and "lang=en" in text          # the language links keep the query
    as_json = client.post("/f/demo", json={"name": "x"})
    assert as_json.status_code == 400
    repeated = client.post("/f/demo", data={"name": ["a", "b"], "_token": ["x", "y"], "embed": "1"})
    assert repeated.status_code == 400 and 'name="embed" value="1"' in repeated.get_data(as_text=True)
    assert leads(form_app) == []


def test_the_forms_validations_see_formula_fields_and_inactive_ones_are_skipped(form_app):
    v = Visitor(form_app.test_client())
    v.open(EXPO)
    assert v.submit({**GOOD, "name": "张", "booth_no": "A-1"}, **{"Accept-Language": "zh-CN"}).status_code == 422
    assert field_error(v.page, "name") == "请填写全名" and "不会出现" not in v.page
    assert v.submit({**GOOD, "name": "张伟", "booth_no": "A-1"}).status_code == 200
    assert [lead["name"] for lead in leads(form_app)] == ["张伟"]


def test_hidden_fields_take_the_visit_before_their_default_and_never_the_visitors_input(form_app):
    doc = form_doc()
    doc["forms"]["demo"]["fields"].append({"field": "utm_campaign", "hidden": True, "default": '"organic"'})
    schema_store.publish(form_app.extensions["crm"].engine, doc)
    v = Visitor(form_app.test_client())
    v.open("/f/demo?utm_source=expo&utm_campaign=cmef2026")
    v.submit({**GOOD, "booth_no": "A-1", "source_form": "forged"})
    v.open("/f/demo?utm_source=expo")
    v.submit({**GOOD, "booth_no": "A-2"})
    assert [(lead["utm_campaign"], lead["source_form"]) for lead in leads(form_app)] == \
        [("cmef2026", "demo"), ("organic", "demo")]


def test_a_returning_visitor_is_merged_into_their_lead_under_a_merge_rule(form_app):
    """With a ``merge`` duplicate rule on the e-mail, a second visit by the same person fills the
    blanks of their existing lead instead of being refused or making a second lead."""
    doc = form_doc()
    doc["duplicates"] = {"same_email": {"object": "lead", "match": [{"field": "email", "normalize": "email"}],
                                        "action": "merge"}}
    schema_store.publish(form_app.extensions["crm"].engine, doc)
    v = Visitor(form_app.test_client())
    v.open("/f/demo?utm_source=website")
    assert v.submit({"name": "张伟", "email": "zhang.wei@huawei.com"}).status_code == 200
    v.open("/f/demo?utm_source=website")
    again = v.submit({"name": "张伟", "email": "Zhang.Wei@Huawei.com", "company": "华为技术", "phone": "13800138000"})
    assert again.status_code == 200 and "谢谢 张伟" in v.page
    [lead] = leads(form_app)
    assert (lead["company"], lead["email"]) == ("华为技术", "zhang.wei@huawei.com")
