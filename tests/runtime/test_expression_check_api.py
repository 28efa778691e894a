"""The live expression check the designer and the filter box call."""
from __future__ import annotations

from tests.fixtures_app import Users
from tests.runtime.records.app_doc import publish


def test_check_reports_type_sql_and_positioned_errors(app):
    publish(app)
    client = app.test_client()
    analyst = {"Authorization": f"Bearer {Users(app).token('ana', 'analyst')}", "Accept-Language": "en"}
    ok = client.post("/api/v1/expressions/check", headers=analyst,
                     json={"object": "lead", "expr": "hospital.level = '三甲' && budget > 100", "expect": "boolean"})
    assert ok.status_code == 200
    assert ok.json["ok"] is True and ok.json["type"] == "boolean" and ok.json["sql"] is True
    typo = client.post("/api/v1/expressions/check", headers=analyst,
                       json={"object": "lead", "expr": "budgett > 1"}).json
    assert typo["ok"] is False
    error = typo["errors"][0]
    assert (error["line"], error["column"]) == (1, 1) and "budget" in error["hint"]
    wrong_type = client.post("/api/v1/expressions/check", headers=analyst,
                             json={"object": "lead", "expr": "budget + 1", "expect": "boolean"}).json
    assert wrong_type["ok"] is False
    python_only = client.post("/api/v1/expressions/check", headers=analyst,
                              json={"object": "lead", "expr": "ISCHANGED(budget)"}).json
    assert python_only["ok"] is True and python_only["sql"] is False and python_only["sql_reason"]


def test_hidden_fields_are_unknown_to_reps_and_bad_requests_are_400(app):
    publish(app)
    client = app.test_client()
    rep = {"Authorization": f"Bearer {Users(app).token('rep1', 'rep')}"}
    hidden = client.post("/api/v1/expressions/check", headers=rep,
                         json={"object": "lead", "expr": "ISBLANK(secret_note)"}).json
    assert hidden["ok"] is False and hidden["errors"][0]["code"] == "unknown_field"
    assert client.post("/api/v1/expressions/check", headers=rep, json={"expr": 5}).status_code == 400
    assert client.post("/api/v1/expressions/check", headers=rep,
                       json={"expr": "1", "expect": "nonsense"}).status_code == 400
    assert client.post("/api/v1/expressions/check", headers=rep,
                       json={"expr": "1", "object": "ghost"}).status_code == 404
