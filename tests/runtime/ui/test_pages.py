"""The /app pages through the Flask test client: navigation, lists, saved views, CSV export,
forms with inline errors, live field state, lookups, record pages, kanban, notifications."""
from __future__ import annotations

import csv
import io
import re

from tests.fixtures_app import csrf_from
from tests.runtime.ui.kit import tick, user_id  # noqa: F401


def token(client, url="/app/lead/new"):
    return csrf_from(client.get(url).get_data(as_text=True))


def create(client, object_name="lead", **values):
    data = {"csrf_token": token(client), **values}
    r = client.post(f"/app/{object_name}/new", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(r.headers["Location"].rsplit("/", 1)[1])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_navigation_lists_only_objects_the_user_may_read(ui_app, rep):
    ui_app.users.add("consult", "consultant")
    home = rep.get("/app").get_data(as_text=True)
    for label in ("线索", "客户", "招投标"):
        assert f">{label}</a>" in home
    assert 'data-testid="my-overdue"' in home and 'data-testid="my-approvals"' in home
    outsider = ui_app.users.client("consultant", "consult")
    page = outsider.get("/app").get_data(as_text=True)
    assert ">线索</a>" not in page
    assert 'data-testid="role">销售代表<' in home and 'data-testid="role">实施顾问<' in page   # never the key
    assert outsider.get("/app/lead").status_code == 404


def test_a_failed_create_keeps_every_value_and_shows_each_error_by_its_field(rep):
    r = rep.post("/app/lead/new", data={"csrf_token": token(rep), "name": "", "email": "not-an-email",
                                        "channel": "展会", "booth_no": "", "company": "协和医院",
                                        "tags__present": "1", "tags": ["VIP", "KA"]})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    errors = dict(re.findall(r'data-testid="error-(\w+)">([^<]*)', html))
    assert errors == {"name": "此字段为必填项。", "email": "请输入有效的邮箱地址。", "booth_no": "此字段为必填项。"}
    assert 'id="f-name"' in html and 'aria-describedby="f-name-error"' in html and 'aria-invalid="true"' in html
    assert 'value="协和医院"' in html and 'value="not-an-email"' in html
    assert re.search(r'value="VIP" checked', html) and re.search(r'value="KA" checked', html)
    assert 'data-focus-error="f-name"' in html


def test_errors_come_in_english_for_an_english_user(ui_app):
    client = ui_app.users.client("rep", "eng", locale="en")
    r = client.post("/app/lead/new", data={"csrf_token": token(client), "name": ""})
    assert re.findall(r'data-testid="error-name">([^<]*)', r.get_data(as_text=True)) == ["This field is required."]


def test_a_post_without_the_csrf_token_is_refused(rep):
    assert rep.post("/app/lead/new", data={"name": "x"}).status_code == 400


def test_create_edit_and_the_record_page_with_history(rep):
    rid = create(rep, name="张三", channel="官网", amount="120000", tags__present="1", tags=["VIP"])
    page = text(rep.get(f"/app/lead/{rid}"))
    assert "张三" in page and "官网" in page and "120,000.00" in page and "评分 10" in page
    edit = rep.get(f"/app/lead/{rid}/edit").get_data(as_text=True)
    r = rep.post(f"/app/lead/{rid}/edit", data={"csrf_token": csrf_from(edit), "version": "1", "name": "张三丰",
                                                 "channel": "官网", "tags__present": "1", "tags": ["VIP"]})
    assert r.status_code == 302
    html = rep.get(f"/app/lead/{rid}").get_data(as_text=True)
    assert "<del>张三</del> → <ins>张三丰</ins>" in html
    stale = rep.post(f"/app/lead/{rid}/edit", data={"csrf_token": csrf_from(edit), "version": "1", "name": "旧"})
    assert stale.status_code == 409 and 'value="旧"' in stale.get_data(as_text=True)


def test_form_state_follows_the_draft(rep):
    tok = token(rep)
    state = lambda values, **kw: rep.post("/app/lead/form-state", json={"values": values, **kw},  # noqa: E731
                                          headers={"X-CSRFToken": tok}).json["fields"]
    assert state({})["booth_no"] == {"visible": False, "required": False, "readonly": False}
    assert state({"channel": "展会"})["booth_no"] == {"visible": True, "required": True, "readonly": False}
    assert state({"locked": "true"})["notes"]["readonly"] is True
    assert state({"amount": "not a number"})["score"]["readonly"] is True
    assert rep.post("/app/lead/form-state", json={"values": {}}).status_code == 400  # CSRF


def test_related_lists_and_lookup_search_see_only_what_the_user_may_read(ui_app, rep):
    acc = create(rep, "account", name="北京协和医院", grade="三甲")
    other = ui_app.users.client("rep2")
    create(other, "account", name="协和外院")                 # rep1 may not see rep2's accounts
    create(rep, name="王医生", account=str(acc))
    found = rep.get("/app/lead/lookup/account?q=协和").json["results"]
    assert [r["title"] for r in found] == ["北京协和医院"]
    page = text(rep.get(f"/app/account/{acc}"))
    assert "线索 · 客户" in page and "王医生" in page
    assert "北京协和医院" in text(rep.get("/app/lead"))         # lookup titles in the list


def test_filters_sorting_paging_saved_views_and_csv(ui_app, rep):
    for i in range(25):
        create(rep, name=f"线索{i:02d}", channel="展会" if i % 2 else "官网", booth_no="B1" if i % 2 else "",
               amount=str(i * 1000))
    create(ui_app.users.client("rep2"), name="别人的线索", channel="展会", booth_no="C", amount="99")
    r = rep.get("/app/lead?f=channel&op=eq&v=展会&sort=amount&format=json").json
    assert [row["name"] for row in r["rows"]][:3] == ["线索01", "线索03", "线索05"] and r["total"]["value"] == 12
    first = rep.get("/app/lead?sort=name&format=json").json
    assert len(first["rows"]) == 20 and first["next_cursor"]
    second = rep.get(f"/app/lead?sort=name&format=json&cursor={first['next_cursor']}").json
    assert [x["name"] for x in second["rows"]] == [f"线索{i:02d}" for i in range(20, 25)]
    bad = rep.get("/app/lead?q=amount >").get_data(as_text=True)
    assert 'data-testid="list-error"' in bad
    assert "needs a number" in ui_app.users.client("rep", "eng2", locale="en").get(
        "/app/lead?f=amount&op=gt&v=abc").get_data(as_text=True)

    saved = rep.post("/app/lead/views", data={"csrf_token": token(rep), "view_name": "展会大单", "f": "channel",
                                              "op": "eq", "v": "展会", "q": "amount >= 15000", "sort": "-amount"})
    assert saved.status_code == 302
    view = saved.headers["Location"]
    names = [row["name"] for row in rep.get(view + "&format=json").json["rows"]]
    assert names == ["线索23", "线索21", "线索19", "线索17", "线索15"]
    assert ui_app.users.client("rep2").get(view + "&format=json").json["rows"][0]["name"] == "别人的线索"  # not shared

    body = rep.get("/app/lead/export.csv?f=channel&op=eq&v=展会").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["姓名", "公司", "渠道", "预算", "客户", "负责人"] or rows[0][0] == "姓名"
    assert len(rows) == 13 and "别人的线索" not in body


def test_bulk_assign_goes_through_the_record_service(ui_app):
    mgr = ui_app.users.client("mgr")
    ids = [create(mgr, name=f"L{i}") for i in range(3)]
    from runtime.users import find_user_id
    with ui_app.extensions["crm"].engine.connect() as conn:
        rep1 = find_user_id(conn, "rep1")
    r = mgr.post("/app/lead/bulk", data={"csrf_token": token(mgr), "action": "assign", "owner": str(rep1),
                                         "ids": [str(i) for i in ids[:2]]})
    assert r.status_code == 302
    owners = {row["name"]: row["owner"] for row in mgr.get("/app/lead?format=json").json["rows"]}
    assert owners["L0"] == rep1 and owners["L1"] == rep1 and owners["L2"] != rep1


def test_kanban_cards_stage_path_and_sla_colour_after_time_passes(ui_app, rep):
    tid = create(rep, "tender", name="协和医院骨科导航招标", budget_approval_no="京财〔2026〕12号",
                 notice_url="https://ccgp.gov.cn/1")
    tok = token(rep)
    for to in ("notice", "experts"):
        assert rep.post(f"/api/v1/records/tender/{tid}/stage", json={"to": to}, headers={"X-CSRFToken": tok}).status_code == 200
    r = rep.post(f"/app/tender/{tid}/edit", data={"csrf_token": tok, "version": "3", "experts_drawn": "true"})
    assert r.status_code == 302, r.get_data(as_text=True)                  # auto-advances to 述标安排
    board = rep.get("/app/tender/kanban").get_data(as_text=True)
    card = re.search(r'<li class="kcard[^"]*"[^>]*data-testid="card-%d"' % tid, board).group(0)
    assert 'data-stage="presentation"' in card and "sla-" not in card.split('"')[1][5:]
    whole = board[board.index(card):board.index("</li>", board.index(card))]
    assert 'class="ktitle">协和医院骨科导航招标</a>' in whole and "<dd>京财〔2026〕12号</dd>" in whole
    assert "<dd>协和医院骨科导航招标</dd>" not in whole   # the title heads the card; not repeated as a field
    ui_app.clock.travel(hours=73)
    tick(ui_app)
    board = rep.get("/app/tender/kanban").get_data(as_text=True)
    assert 'kcard sla-red' in board
    page = rep.get(f"/app/tender/{tid}").get_data(as_text=True)
    assert 'aria-current="step">述标安排' in page and "确认述标时间" in page and 'sla-badge sla-red' in page
    assert "SLA" in page or "预警" in page


def test_a_refused_stage_move_names_what_is_missing(rep):
    tid = create(rep, "tender", name="未填文号的招标")
    r = rep.post(f"/api/v1/records/tender/{tid}/stage", json={"to": "notice"}, headers={"X-CSRFToken": token(rep)})
    assert r.status_code == 422 and r.json["missing"][0]["label"] == "财政批复文号"


def test_notifications_page_and_bell(ui_app, rep):
    from runtime.notifications.service import notify
    from runtime.users import find_user_id
    with ui_app.extensions["crm"].engine.begin() as conn:
        uid = find_user_id(conn, "rep1")
        notify(conn, user_ids=[uid], kind="test", title="新线索已分配", body="请跟进", channels=["in_app"],
               link="/app/lead", now=ui_app.clock.now())
        notify(conn, user_ids=[uid], kind="test", title="新线索已分配", body="协和医院·关节需求\n第二行", channels=["in_app"],
               link="/app/lead/7", now=ui_app.clock.now())
    html = rep.get("/app").get_data(as_text=True)
    assert 'data-testid="unread-count">2<' in html
    assert html.count('data-testid="home-notification">新线索已分配<') == 2   # each opens its record
    assert "协和医院·关节需求" in html and "第二行" not in html                 # which one: its first line
    page = rep.get("/app/notifications").get_data(as_text=True)
    assert "新线索已分配" in page and "请跟进" in page
    first = re.search(r'/app/notifications/(\d+)/read', html).group(1)
    opened = rep.post(f"/app/notifications/{first}/read", data={"csrf_token": csrf_from(html), "next": "/app/lead/7"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/app/lead/7")
    assert 'data-testid="unread-count">1<' in rep.get("/app").get_data(as_text=True)
    rep.post("/app/notifications/read-all", data={"csrf_token": csrf_from(page)})
    assert 'data-testid="unread-count"' not in rep.get("/app").get_data(as_text=True)


def test_templates_are_looked_up_most_specific_first_with_an_instance_override(make_app, clock, tmp_path):
    import schema_store
    from tests.fixtures_app import Users
    from tests.runtime.ui.app_doc import ui_doc
    app = make_app(clock=clock)
    instance = app.extensions["crm"].settings.instance_path
    (instance / "templates" / "runtime" / "lead").mkdir(parents=True)
    (instance / "templates" / "runtime" / "lead" / "list.html").write_text(
        '{% extends "default:runtime/list.html" %}{% block title %}自定义线索{% endblock %}', encoding="utf-8")
    schema_store.publish(app.extensions["crm"].engine, ui_doc())
    client = Users(app).client("rep")
    assert "<title>自定义线索</title>" in client.get("/app/lead").get_data(as_text=True)
    assert "<title>自定义线索</title>" not in client.get("/app/account").get_data(as_text=True)


def test_the_approvals_inbox_approves_in_batch_and_rejects_with_a_reason(ui_app, rep):
    from runtime.users import find_user_id
    from tests.runtime.ui.app_doc import start_approval
    with ui_app.extensions["crm"].engine.connect() as conn:
        rep_id = find_user_id(conn, "rep1")
    ids = [create(rep, "tender", name=f"招标{i}") for i in range(3)]
    requests = [start_approval(ui_app, "tender", i, rep_id) for i in ids]
    mgr = ui_app.users.client("mgr")
    page = mgr.get("/app/approvals").get_data(as_text=True)
    assert page.count('name="ids"') == 3 and "投标折扣审批" in page and "招标0" in page
    assert "投标折扣审批" not in rep.get("/app/approvals").get_data(as_text=True)
    tok = csrf_from(page)
    r = mgr.post("/app/approvals", data={"csrf_token": tok, "ids": [str(i) for i in requests[:2]], "decision": "approve"})
    assert r.status_code == 302
    refused = mgr.post("/app/approvals", data={"csrf_token": tok, "ids": [str(requests[2])], "decision": "reject"},
                       follow_redirects=True).get_data(as_text=True)
    assert "reason" in refused.lower() or "理由" in refused
    mgr.post("/app/approvals", data={"csrf_token": tok, "ids": [str(requests[2])], "decision": "reject", "reason": "价格过低"})
    assert 'name="ids"' not in mgr.get("/app/approvals").get_data(as_text=True)


def test_a_custom_role_is_called_by_its_label_and_an_unknown_one_by_its_key(ui_app):
    from types import SimpleNamespace

    from runtime.home import role_label
    schema = SimpleNamespace(roles={"kam": {"label": {"zh-CN": "大客户经理", "en": "Key account manager"}}})
    with ui_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert [role_label(schema, r) for r in ("kam", "manager", "legacy")] == ["大客户经理", "经理", "legacy"]
