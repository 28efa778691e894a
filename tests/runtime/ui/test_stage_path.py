"""The stage path and SLA colour (pure), and the home page's overdue panel."""
from __future__ import annotations

import datetime as dt

from runtime.stages.sla import sla_cutoff
from runtime.ui.stage_path import build_path, colour_of
from schema_store.model import ObjectDef, PipelineDef, SlaDef, SlaLevel, StageNode
from tests.fixtures_app import csrf_from

UTC = dt.timezone.utc
SLA = SlaDef(hours=72, workdays=None, levels=(SlaLevel("blue", 0.5), SlaLevel("yellow", 0.8), SlaLevel("red", 1.0)))
OBJ = ObjectDef(name="tender", label={"en": "Tender"}, table_name="tender", fields={}, pipeline=PipelineDef(
    field="stage", initial="a", nodes=(
        StageNode("a", {"en": "A"}, 1, allowed_next=("b",)),
        StageNode("b", {"en": "B"}, 2, sla=SLA, guidance={"en": "Confirm the time"}),
        StageNode("won", {"en": "Won"}, 3, outcome="won"), StageNode("lost", {"en": "Lost"}, 4, outcome="lost"))))
ENTERED = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def path_at(hours: float):
    return build_path(OBJ, {"stage": "b", "stage_entered_at": ENTERED}, now=ENTERED + dt.timedelta(hours=hours),
                      calendar=None, label=lambda lab: lab["en"] if lab else "", cutoff=sla_cutoff)


def test_every_node_the_current_one_and_its_guidance():
    path = path_at(1)
    assert [(n.key, n.state) for n in path.nodes] == [("a", "done"), ("b", "current"), ("won", "todo"), ("lost", "todo")]
    assert path.current_label == "B" and path.guidance == "Confirm the time" and path.sla_colour is None


def test_the_colour_follows_the_time_spent_in_the_node():
    assert [path_at(h).sla_colour for h in (35, 36, 57, 58, 71, 72, 500)] == [
        None, "blue", "blue", "yellow", "yellow", "red", "red"]
    assert colour_of("stale", 1.0) == "red" and colour_of("early", 0.3) == "blue" and colour_of(None, 1) is None


def test_a_level_without_a_label_is_called_by_its_colour_never_by_its_key(ui_app):
    """The medical pack's levels carry no label: the badge says 红色预警 / red warning, not "red"."""
    assert [path_at(h).sla_label for h in (35, 36, 58, 72)] == ["", "blue warning", "yellow warning", "red warning"]
    stale = SlaDef(hours=72, workdays=None, levels=(SlaLevel("stale", 1.0),))
    obj = ObjectDef(name="t", label={"en": "T"}, table_name="t", fields={}, pipeline=PipelineDef(
        field="stage", initial="b", nodes=(StageNode("b", {"en": "B"}, 1, sla=stale),)))
    with ui_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        path = build_path(obj, {"stage": "b", "stage_entered_at": ENTERED}, now=ENTERED + dt.timedelta(hours=80),
                          calendar=None, label=lambda lab: lab.get("zh-CN", "") if lab else "", cutoff=sla_cutoff)
        assert (path.sla_colour, path.sla_label) == ("red", "红色预警")


def test_home_lists_my_overdue_records_reddest_first(ui_app, rep):
    tok = csrf_from(rep.get("/app/tender/new").get_data(as_text=True))
    tid = int(rep.post("/app/tender/new", data={"csrf_token": tok, "name": "述标招标", "budget_approval_no": "X",
                                                "notice_url": "https://a.cn"}).headers["Location"].rsplit("/", 1)[1])
    for to in ("notice", "experts"):
        rep.post(f"/api/v1/records/tender/{tid}/stage", json={"to": to}, headers={"X-CSRFToken": tok})
    rep.post(f"/app/tender/{tid}/edit", data={"csrf_token": tok, "version": "3", "experts_drawn": "true"})
    assert "没有逾期事项" in rep.get("/app").get_data(as_text=True)
    ui_app.clock.travel(hours=60)
    home = rep.get("/app").get_data(as_text=True)
    assert 'sla-badge sla-yellow">黄色预警</span> <a href="/app/tender/%d">述标招标</a>' % tid in home
    assert "述标招标" not in ui_app.users.client("rep2").get("/app").get_data(as_text=True)
