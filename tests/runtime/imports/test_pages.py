"""The import pages without a browser: who may open them, a mapping mistake answered on the same
page with the user's choices kept, and progress pages private to the user who started the job."""
from __future__ import annotations

import io
import re

from tests.fixtures_app import Users, csrf_from
from tests.runtime.imports.app_doc import publish
from tests.runtime.imports.conftest import HEADERS, csv_bytes

ROWS = [["张三", "13800138000", "zs@example.com", "", "", "", "", ""]]


def test_only_users_who_may_create_see_the_import_pages_and_link(app):
    publish(app)
    users = Users(app)
    rep, manager = users.client("rep", "rep1"), users.client("manager", "mgr")
    assert 'data-testid="import-link"' in rep.get("/app/lead").get_data(as_text=True)
    assert 'data-testid="import-link"' not in manager.get("/app/lead").get_data(as_text=True)
    assert rep.get("/app/lead/import").status_code == 200
    assert manager.get("/app/lead/import").status_code == 403
    assert rep.get("/app/nothing/import").status_code == 404
    assert app.test_client().get("/app/lead/import").status_code == 302  # to the sign-in page


def test_two_columns_for_one_field_are_answered_on_the_mapping_page_with_the_choices_kept(app):
    publish(app)
    rep = Users(app).client("rep", "rep1")
    token = csrf_from(rep.get("/app/lead/import").get_data(as_text=True))
    page = rep.post("/app/lead/import", data={"csrf_token": token, "file": (io.BytesIO(csv_bytes(ROWS)), "a.csv")},
                    content_type="multipart/form-data").get_data(as_text=True)
    upload = re.search(r'name="upload" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "upload": upload, "headers": HEADERS, "action": "preview",
            **{f"map-{i}": "" for i in range(len(HEADERS))}, "map-0": "name", "map-1": "name"}
    again = rep.post("/app/lead/import", data=form)
    assert again.status_code == 422
    html = again.get_data(as_text=True)
    assert "列“姓名”和“手机号”都对应到了 name。" in html
    assert re.search(r'id="map-1"[^>]*>.*?<option value="name" selected', html, re.S)


def test_someone_elses_progress_page_is_not_found_and_an_upload_error_says_why(app):
    publish(app)
    users = Users(app)
    rep1, rep2 = users.client("rep", "rep1"), users.client("rep", "rep2")
    token = csrf_from(rep1.get("/app/lead/import").get_data(as_text=True))
    started = rep1.post("/app/lead/import", data={"csrf_token": token, "action": "run",
                                                  "file": (io.BytesIO(csv_bytes(ROWS)), "a.csv")},
                        content_type="multipart/form-data")
    assert started.status_code == 303
    assert rep1.get(started.headers["Location"]).status_code == 200
    assert rep2.get(started.headers["Location"]).status_code == 404
    empty = rep1.post("/app/lead/import", data={"csrf_token": token, "file": (io.BytesIO(b""), "a.csv")},
                      content_type="multipart/form-data")
    assert empty.status_code == 422 and "文件是空的。" in empty.get_data(as_text=True)


def test_a_failed_import_offers_resume_on_its_page_and_finishes_without_duplicates(app):
    publish(app)
    rep = Users(app).client("rep", "rep1")
    armed = {"on": True}

    def explode(event):
        if armed["on"] and event.record.get("name") == "客户7":
            raise RuntimeError("the database went away")

    app.extensions["crm"].hooks.register("before_save", explode)
    rows = [[f"客户{n}", f"139{n:08d}", "", "", "", "", "", ""] for n in range(12)]
    token = csrf_from(rep.get("/app/lead/import").get_data(as_text=True))
    started = rep.post("/app/lead/import", data={"csrf_token": token, "action": "run",
                                                 "file": (io.BytesIO(csv_bytes(rows)), "a.csv")},
                       content_type="multipart/form-data")
    page = rep.get(started.headers["Location"]).get_data(as_text=True)
    assert "失败" in page and "RuntimeError: the database went away" in page
    assert 'data-testid="import-resume"' in page
    armed["on"] = False
    action = re.search(r'action="([^"]+/resume)"', page).group(1)
    resumed = rep.post(action, data={"csrf_token": token})
    assert resumed.status_code == 303
    done = rep.get(resumed.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-testid="count-created">12<', done)
    assert 'data-testid="import-resume"' not in done
