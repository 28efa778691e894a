"""Reports, roles, teams, a role's permissions and the business calendar are edited in the same
generic editor as the other logic sections: created through the New form (or, for the calendar, on
its one page), changed through the posted form into exactly the JSON the document schema describes,
with every problem beside its input, and removed from the draft."""
from __future__ import annotations

import copy

from tests.builder.designer_logic.kit import analyst, designer_app, draft, submit  # noqa: F401
from tests.fixtures_app import csrf_from


def new(client, app, section: str, key: str, obj: str | None = None):
    token = csrf_from(client.get(f"/builder/{section}").get_data(as_text=True))
    data = {"csrf_token": token, "_revision": draft(app).revision, "key": key}
    if obj is not None:
        data["object"] = obj
    return client.post(f"/builder/{section}/new", data=data)


def delete(client, app, section: str, key: str):
    token = csrf_from(client.get(f"/builder/{section}/{key}").get_data(as_text=True))
    return client.post(f"/builder/{section}/{key}/delete", data={"csrf_token": token,
                                                                 "_revision": draft(app).revision})


def problems_of(page: str, widget_id: str) -> str:
    marker = f'data-testid="problems-{widget_id}"'
    assert marker in page, f"no problems shown beside {widget_id}"
    start = page.index(marker)
    return page[start:page.index("</div>\n</div>", start)]


def without(document: dict, *path: str) -> dict:
    out = copy.deepcopy(document)
    node = out
    for part in path[:-1]:
        node = node[part]
    node.pop(path[-1], None)
    return out


def test_an_analyst_builds_a_report_with_two_measures(designer_app, analyst):
    assert new(analyst, designer_app, "reports", "budget_by_name", "sample_test").status_code == 302
    url = "/builder/reports/budget_by_name"
    assert draft(designer_app).document["reports"]["budget_by_name"] == {
        "type": "metric", "object": "sample_test", "measures": {"count": {"function": "count"}}}
    page = analyst.get(url).get_data(as_text=True)
    assert 'data-testid="no-problems"' in page                      # a new report is valid as it starts
    r = submit(analyst, url, {"v/label/zh-CN": "预算", "v/group_by": "name", "v/period": "month",
                              "v/measures/@1/@key": "total", "v/measures/@1/@v/function": "sum",
                              "v/measures/@1/@v/field": "budget", "v/formula": "total / count"})
    assert r.status_code == 302
    assert draft(designer_app).document["reports"]["budget_by_name"] == {
        "type": "metric", "object": "sample_test", "label": {"zh-CN": "预算"},
        "measures": {"count": {"function": "count"}, "total": {"function": "sum", "field": "budget"}},
        "formula": "total / count", "period": "month", "group_by": "name"}
    listing = analyst.get("/builder/reports").get_data(as_text=True)
    assert "预算 (budget_by_name)" in listing


def test_a_report_filter_that_does_not_parse_is_shown_beside_its_input(designer_app, analyst):
    new(analyst, designer_app, "reports", "r1", "sample_test")
    before = copy.deepcopy(draft(designer_app).document)
    assert submit(analyst, "/builder/reports/r1", {"v/filter": "budgett > "}).status_code == 302
    after = draft(designer_app).document
    assert without(after, "reports", "r1", "filter") == before        # only the typed value changed
    page = analyst.get("/builder/reports/r1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    box = problems_of(page, "f-filter")
    assert 'data-testid="problem-caret"' in box
    assert 'data-testid="problem-count"' in page
    assert delete(analyst, designer_app, "reports", "r1").status_code == 302
    assert draft(designer_app).document["reports"] == {}


def test_roles_are_created_labelled_and_deleted(designer_app, analyst):
    assert new(analyst, designer_app, "roles", "presales").status_code == 302
    assert 'data-testid="new-object"' not in analyst.get("/builder/roles").get_data(as_text=True)
    assert draft(designer_app).document["roles"] == {"presales": {"label": {"zh-CN": "presales"}}}
    r = submit(analyst, "/builder/roles/presales", {"v/label/zh-CN": "售前", "v/label/en": "Presales",
                                                    "v/description/zh-CN": "准备演示"})
    assert r.status_code == 302
    assert draft(designer_app).document["roles"]["presales"] == {
        "label": {"zh-CN": "售前", "en": "Presales"}, "description": {"zh-CN": "准备演示"}}
    assert new(analyst, designer_app, "roles", "Pre Sales").status_code == 422
    # a role without a label: the message is where the label is typed, in the analyst's language
    assert submit(analyst, "/builder/roles/presales", {"v/label/zh-CN": "", "v/label/en": ""}).status_code == 302
    page = analyst.get("/builder/roles/presales", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'data-testid="problem-count"' in page and 'data-testid="problem-message"' in page
    assert delete(analyst, designer_app, "roles", "presales").status_code == 302
    assert draft(designer_app).document["roles"] == {}


def test_a_team_takes_its_parent_from_the_other_teams(designer_app, analyst):
    for key in ("sales", "east"):
        assert new(analyst, designer_app, "teams", key).status_code == 302
    url = "/builder/teams/east"
    page = analyst.get(url).get_data(as_text=True)
    assert '<select id="f-parent"' in page and '<option value="sales"' in page
    assert submit(analyst, url, {"v/parent": "sales", "v/region": "华东", "v/label/zh-CN": "华东组"}).status_code == 302
    assert draft(designer_app).document["teams"] == {"sales": {"label": {"zh-CN": "sales"}},
                                                     "east": {"label": {"zh-CN": "华东组"}, "parent": "sales",
                                                              "region": "华东"}}
    assert "华东" in analyst.get("/builder/teams").get_data(as_text=True)
    # a parent that is no team (a crafted post): shown beside the parent select
    assert submit(analyst, url, {"v/parent": "nowhere"}).status_code == 302
    page = analyst.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "nowhere" in problems_of(page, "f-parent")
    assert 'value="nowhere" selected' in page                     # kept, marked (?), so saving loses nothing
    assert delete(analyst, designer_app, "teams", "east").status_code == 302
    assert list(draft(designer_app).document["teams"]) == ["sales"]


def test_permissions_of_a_role_are_chosen_per_object_and_per_field(designer_app, analyst):
    listing = analyst.get("/builder/permissions").get_data(as_text=True)
    assert '<select id="new-key" name="key"' in listing and '<option value="rep"' in listing
    assert new(analyst, designer_app, "permissions", "nobody").status_code == 422      # not a role
    assert new(analyst, designer_app, "permissions", "rep").status_code == 302
    assert draft(designer_app).document["permissions"] == {"rep": {}}
    assert '<option value="rep"' not in analyst.get("/builder/permissions").get_data(as_text=True)
    url = "/builder/permissions/rep"
    page = analyst.get(url).get_data(as_text=True)
    assert '<select id="f-item-key-0"' in page and '<option value="sample_test"' in page   # objects as keys
    r = submit(analyst, url, {"v/@0/@key": "sample_test", "v/@0/@v/read": "1", "v/@0/@v/create": "1",
                              "v/@0/@v/scope": "own"})
    assert r.status_code == 302
    assert draft(designer_app).document["permissions"]["rep"] == {
        "sample_test": {"create": True, "read": True, "scope": "own"}}
    page = analyst.get(url).get_data(as_text=True)
    assert '<select id="f--0--v-fields-key-0"' in page and '<option value="budget"' in page  # its fields
    assert 'data-object="sample_test"' in page                     # scope_when is checked on its object
    r = submit(analyst, url, {"v/@0/@v/fields/@0/@key": "budget", "v/@0/@v/fields/@0/@v": "hidden",
                              "v/@0/@v/scope_when": "budget > 10"})
    assert r.status_code == 302
    assert draft(designer_app).document["permissions"] == {"rep": {"sample_test": {
        "create": True, "read": True, "scope": "own", "scope_when": "budget > 10", "fields": {"budget": "hidden"}}}}
    assert 'data-testid="no-problems"' in analyst.get(url).get_data(as_text=True)
    # unchecking a written flag keeps it written (false), so the document says what the page shows
    assert submit(analyst, url, {"v/@0/@v/create": []}).status_code == 302
    assert draft(designer_app).document["permissions"]["rep"]["sample_test"]["create"] is False


def test_bad_permissions_are_shown_beside_their_inputs(designer_app, analyst):
    new(analyst, designer_app, "permissions", "manager")
    url = "/builder/permissions/manager"
    before = copy.deepcopy(draft(designer_app).document)
    assert submit(analyst, url, {"v/@0/@key": "sample_test", "v/@0/@v/read": "1"}).status_code == 302
    assert submit(analyst, url, {"v/@0/@v/scope_when": "budgett >"}).status_code == 302
    page = analyst.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'data-testid="problem-caret"' in problems_of(page, "f--0--v-scope_when")
    # an object that does not exist (a crafted post: the key select offers only the draft's objects)
    assert submit(analyst, url, {"v/@1/@key": "nope", "v/@1/@v/read": "1"}).status_code == 302
    page = analyst.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "nope" in problems_of(page, "f--1--v")
    assert '<option value="nope" selected>nope (?)</option>' in page
    assert without(draft(designer_app).document, "permissions", "manager") == without(before, "permissions",
                                                                                       "manager")
    assert delete(analyst, designer_app, "permissions", "manager").status_code == 302
    assert "manager" not in draft(designer_app).document["permissions"]


def test_the_business_calendar_is_edited_on_its_page(designer_app, analyst):
    url = "/builder/calendar"
    page = analyst.get(url).get_data(as_text=True)
    assert 'data-testid="f-workdays-1"' in page and 'data-testid="delete"' not in page     # Monday ... Sunday
    assert submit(analyst, url, op="add:holidays").status_code == 302
    r = submit(analyst, url, {"v/timezone": "Asia/Shanghai", "v/workdays": ["1", "2", "3", "4", "5", "6"],
                              "v/holidays/0": "2026-10-01", "v/work_hours/start": "09:00",
                              "v/work_hours/end": "18:00", "v/official_cn_holidays": "1"})
    assert r.status_code == 302
    assert draft(designer_app).document["calendar"] == {
        "timezone": "Asia/Shanghai", "workdays": [1, 2, 3, 4, 5, 6], "holidays": ["2026-10-01"],
        "work_hours": {"start": "09:00", "end": "18:00"}, "official_cn_holidays": True}
    # a workday 9 and a date that is none: each shown beside its input, in Chinese
    assert submit(analyst, url, {"v/workdays": ["1", "9"], "v/holidays/0": "2026-13-45"}).status_code == 302
    page = analyst.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "不是合法日期" in problems_of(page, "f-holidays-0")
    assert "7" in problems_of(page, "f-workdays")
    assert 'value="9" id="f-workdays-7"' in page                    # 9 (?) stays checked
    # emptying every input removes the section
    fields = {"v/timezone": "", "v/workdays": [], "v/holidays/0": "", "v/work_hours/start": "",
              "v/work_hours/end": "", "v/official_cn_holidays": []}
    assert submit(analyst, url, fields, drop=("v/workdays/@present", "v/holidays/@present",
                                              "v/official_cn_holidays/@bool")).status_code == 302
    assert "calendar" not in draft(designer_app).document


def test_the_new_pages_are_in_the_designer_navigation(designer_app, analyst):
    page = analyst.get("/builder", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    for url in ("/builder/reports", "/builder/roles", "/builder/teams", "/builder/permissions", "/builder/calendar"):
        assert f'href="{url}"' in page
    for label in ("报表", "角色", "团队", "权限", "工作日历"):
        assert label in page
