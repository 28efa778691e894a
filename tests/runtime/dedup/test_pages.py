"""The generated UI with duplicate rules (test client): a refused create shows the refusal on the
field, a merge rule saves into the existing record, a merged record's page links to the survivor."""
from __future__ import annotations

from tests.fixtures_app import Users, csrf_from

LEADS = "/api/v1/records/lead"


def form_post(client, url, data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, headers={"Accept-Language": "en"})


def test_ui_create_blocked_merged_and_the_merged_page(crm):
    mgr_api = crm.api("mgr")
    a = mgr_api.post(LEADS, {"name": "Ann", "phone": "13800138000", "email": "ann@x.cn"}).json
    ui = Users(crm).client("manager", name="mgr_ui")
    refused = form_post(ui, "/app/lead/new", {"name": "Ann again", "phone": "+86 138 0013 8000"})
    assert refused.status_code == 422
    assert f"A lead with this mobile exists: #{a['id']} Ann" in refused.get_data(as_text=True)
    merged = form_post(ui, "/app/lead/new", {"name": "Ann (expo)", "email": "ANN@x.cn", "city": "Ningbo"})
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/app/lead/{a['id']}")
    page = ui.get(merged.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Saved into the existing record #{a['id']} (duplicate rule)." in page and "Ningbo" in page
    b = mgr_api.post(LEADS, {"name": "Bob", "city": "Ningbo"}).json
    merge = form_post(ui, f"/app/lead/{a['id']}/merge?other={b['id']}", {"other": str(b["id"]), "version": "2"})
    assert merge.status_code == 302
    gone = ui.get(f"/app/lead/{b['id']}", headers={"Accept-Language": "en"})
    assert gone.status_code == 410 and f'href="/app/lead/{a["id"]}"' in gone.get_data(as_text=True)
    assert ui.get("/app/lead/99999").status_code == 404
    stale = form_post(ui, f"/app/lead/{a['id']}/merge?other=abc", {"other": "abc"})
    assert stale.status_code == 422 and "Choose a different record to merge." in stale.get_data(as_text=True)


def test_ui_dismisses_a_possible_duplicate(crm):
    api = crm.api("rep")
    a = api.post(LEADS, {"name": "A", "company": "杭州云启科技有限公司"}).json
    b = api.post(LEADS, {"name": "B", "company": "杭州云启科技"}).json
    ui = Users(crm).client("rep", name="rep_ui")
    page = ui.get(f"/app/lead/{b['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'data-testid="possible-duplicate-{a["id"]}"' in page and "merge-with-" not in page  # reps cannot merge
    token = csrf_from(page)
    done = ui.post(f"/app/lead/{b['id']}/duplicates/{a['id']}/dismiss", data={"csrf_token": token},
                   headers={"Accept-Language": "en"})
    assert done.status_code == 302
    page = ui.get(f"/app/lead/{b['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "is no longer listed as a possible duplicate" in page and "possible-duplicate-" not in page
    assert ui.post(f"/app/lead/{b['id']}/duplicates/{a['id']}/dismiss").status_code == 400    # no CSRF token
