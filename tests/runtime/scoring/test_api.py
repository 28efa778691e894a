"""The Top-N list (JSON and page) respects record and field permissions; recompute on demand is for
admins and analysts; mistakes get 4xx, never 500."""
from __future__ import annotations

LEAD = "/api/v1/records/lead"
TOP = "/api/v1/scoring/lead_score/top"


def leads(app, who, specs):
    api = app.api(who)
    return [api.post(LEAD, json={"company": name, "visits": visits, "downloads": 2}).json["id"] for name, visits in specs]


def test_the_top_list_holds_the_best_records_the_reader_may_read(scored):
    leads(scored, "rep1", [("一", 1), ("二", 9), ("三", 5), ("四", 0)])
    leads(scored, "rep2", [("五", 10), ("六", 7), ("七", 8), ("八", 2)])
    rep1 = scored.api("rep1").get(TOP).json
    assert [(r["title"], r["score"], r["band"]) for r in rep1["records"]] == [
        ("二", 33, "hot"), ("三", 25, "warm"), ("一", 2, "cold"), ("四", 0, "cold")]
    assert rep1["records"][0]["parts"] == {"base": 15, "behaviour": 18}
    assert [(x["rule"], x["points"]) for x in rep1["records"][0]["reasons"]] == [("engaged", 15), ("per_visit", 18)]
    assert rep1["records"][0]["url"].startswith("/app/lead/") and rep1["label"] == "前五" and rep1["limit"] == 5
    team = scored.api("mgr").get(TOP).json["records"]
    assert [r["title"] for r in team] == ["五", "二", "七", "六", "三"]          # limit 5, the whole team
    assert scored.api("mgr").get("/api/v1/scoring").json["models"][0]["model"] == "lead_score"


def test_readers_without_the_object_or_the_score_field_are_refused(scored):
    leads(scored, "rep1", [("一", 1)])
    outsider = scored.api("outsider")
    assert outsider.get(TOP).status_code == 404                                  # cannot read leads at all
    assert outsider.get("/api/v1/scoring").json["models"] == []
    hidden = scored.api("ana").get(TOP)
    assert hidden.status_code == 403 and hidden.json["error"]["code"] == "forbidden"
    assert scored.api("rep1").get("/api/v1/scoring/nope/top").status_code == 404
    assert scored.test_client().get(TOP).status_code == 401


def test_recompute_now_is_for_admins_and_analysts(scored):
    leads(scored, "rep1", [("一", 1)])
    assert scored.api("rep1").post("/api/v1/scoring/lead_score/recompute").status_code == 403
    assert scored.api("ana").post("/api/v1/scoring/lead_score/recompute").json == {"model": "lead_score", "changed": 0}
    assert scored.api("boss").post("/api/v1/scoring/nope/recompute").status_code == 404


def test_the_page_lists_the_top_records_linked_to_them_in_the_readers_language(scored):
    ids = leads(scored, "rep1", [("一", 1), ("二", 9)])
    rep = scored.api("rep1")
    html = rep.get("/app/scoring/lead_score", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "前五" in html and f'href="/app/lead/{ids[1]}"' in html and "热" in html and "基础分" in html
    assert html.index("二") < html.index(">一<")
    english = rep.get("/app/scoring/lead_score", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Top 5" in english and "Hot" in english and "Behaviour" in english
    missing = rep.get("/app/scoring/nope")
    assert missing.status_code == 404 and "nope" in missing.get_data(as_text=True)
