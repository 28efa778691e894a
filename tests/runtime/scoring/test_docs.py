"""docs/scoring.md: the example document validates and behaves as described, the diagnostic example
is what the checker says, and every scoring check code is documented."""
from __future__ import annotations

import json
import re
from pathlib import Path

import schema_store
from schema_store import check_automation, validate
from tests.fixtures_app import Users
from tests.runtime.records.conftest import Api

TEXT = (Path(__file__).resolve().parents[3] / "docs" / "scoring.md").read_text(encoding="utf-8")


def blocks(kind: str) -> list[dict]:
    return [json.loads(b) for info, b in re.findall(r"```json([^\n]*)\n(.*?)```", TEXT, re.S) if info.strip() == kind]


def test_the_example_validates_and_scores_the_s8_lead(make_app):
    document = blocks("document")[0]
    assert validate(document) == []
    app = make_app()
    schema_store.publish(app.extensions["crm"].engine, document)
    users = Users(app)
    uid = users.add("rep", "rep", password=None)
    api = Api(app.test_client(), users.token("rep"), uid)
    lead = api.post("/api/v1/records/lead", json={"company": "智康云", "page_minutes": 4, "downloads": 2,
                                                   "price_page_seconds": 50}).json
    assert (lead["score_base"], lead["score_behaviour"], lead["score"], lead["score_band"]) == (15, 22, 37, "a")
    top = api.get("/api/v1/scoring/lead_score/top").json
    shown = blocks("")[-1]
    assert set(top) == set(shown) and set(top["records"][0]) == set(shown["records"][0])
    assert top["records"][0]["parts"] == shown["records"][0]["parts"] and top["label"] == shown["label"]
    assert top["records"][0]["reasons"] == shown["records"][0]["reasons"]


def test_the_diagnostic_example_is_what_the_checker_says():
    document = blocks("document")[0]
    document["scoring"]["lead_score"]["rules"].append({"key": "x", "when": "REGEX(company, \"[a-z]+\")", "points": 1})
    said = {d.path: d for d in validate(document)}["/scoring/lead_score/rules/2/when"]
    shown = blocks("")[0]
    assert (said.code, said.path, said.message("en")) == (shown["code"], shown["path"], shown["message"])


def test_every_scoring_check_code_is_documented():
    assert [c for c in check_automation._SCORING if f"`{c}`" not in TEXT] == []
