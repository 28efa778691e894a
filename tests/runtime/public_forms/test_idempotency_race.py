"""Two posts of the same page at the same moment still make one lead: the token's row is written
in the record's own transaction, so the later one fails on the unique index, rolls back entirely
and shows the first one's thank-you. SQLite and PostgreSQL."""
from __future__ import annotations

import threading

from runtime.public_forms import submission
from tests.runtime.public_forms.kit import Visitor, leads

GOOD = {"name": "张伟", "company": "华为技术", "phone": "13800138000", "booth_no": "A-12"}


def test_a_post_that_missed_the_first_ones_row_is_rolled_back_by_the_unique_token(form_app, monkeypatch):
    v = Visitor(form_app.test_client())
    v.open("/f/demo?utm_source=expo")
    form = {**v.hidden, **GOOD}
    assert form_app.test_client().post("/f/demo", data=form).status_code == 200
    real, calls = submission.tokens.used, []

    def blind_first_look(conn, token):     # as if the first post had not committed yet when we looked
        calls.append(token)
        return (False, None) if len(calls) == 1 else real(conn, token)
    monkeypatch.setattr(submission.tokens, "used", blind_first_look)
    again = form_app.test_client().post("/f/demo", data=form)
    assert again.status_code == 200 and "谢谢 张伟" in again.get_data(as_text=True)
    assert len(calls) == 2                   # it did try to create, then found the first one's row
    [lead] = leads(form_app)
    assert lead["booth_no"] == "A-12"
    from runtime.automation.assignment import decisions
    with form_app.extensions["crm"].engine.connect() as conn:
        assert len(decisions(conn, "lead", lead["id"])) == 1     # nothing of the second save was kept


def test_simultaneous_double_submits_create_one_lead(form_app):
    v = Visitor(form_app.test_client())
    v.open("/f/demo?utm_source=expo")
    form = {**v.hidden, **GOOD}
    start, results = threading.Barrier(4), []

    def post() -> None:
        client = form_app.test_client()
        start.wait()
        response = client.post("/f/demo", data=form)
        results.append((response.status_code, "谢谢 张伟" in response.get_data(as_text=True)))
    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [(200, True)] * 4
    assert len(leads(form_app)) == 1
