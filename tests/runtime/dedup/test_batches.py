"""Duplicate rules on ``create_many`` (imports): the batch's keys are looked up at once, yet rows
are refused, merged-instead and flagged exactly as single saves are, and the keys the batch
writes block later saves."""
from __future__ import annotations

from runtime.records import RecordService
from runtime.users import find_user_id, get_actor

LEADS = "/api/v1/records/lead"


def _records(app) -> RecordService:
    svc = app.extensions["crm"]
    with svc.engine.connect() as conn:
        actor = get_actor(conn, find_user_id(conn, "rep"))
    return RecordService(svc, actor, source="import", lang="en")


def test_a_batch_is_checked_against_saved_records_like_single_saves(crm):
    rep = crm.api("rep")
    saved = rep.post(LEADS, {"name": "张三", "phone": "13800138000", "email": "zs@example.com"}).json
    result = _records(crm).create_many("lead", [
        {"name": "甲", "phone": "+86 138-0013-8000"},          # block: same mobile written otherwise
        {"name": "乙", "email": "ZS@Example.com"},              # merge rule: refused with the survivor
        {"name": "丙", "phone": "13900139000", "company": "北京字节跳动科技有限公司"},
        {"name": "丁", "phone": "13700137000"},
    ])
    assert result.ids[0] is None and "A lead with this mobile exists" in result.errors[0].errors["phone"][0]
    assert result.ids[1] is None and result.errors[1].survivor_id == saved["id"]
    assert result.ids[2] is not None and result.ids[3] is not None and set(result.errors) == {0, 1}

    # the batch wrote its keys: a later single save of the same mobile is blocked, naming the row
    again = rep.post(LEADS, {"name": "戊", "phone": "139 0013 9000"})
    assert again.status_code == 422 and f"#{result.ids[2]}" in again.json["errors"]["phone"][0]
    # and a later near-duplicate company is flagged against the batch's record
    near = rep.post(LEADS, {"name": "己", "company": "字节跳动科技有限公司"})
    assert [d["id"] for d in near.json["possible_duplicates"]] == [result.ids[2]]


def test_a_failed_batch_leaves_no_lookups_behind_for_later_saves(crm):
    """What a batch looked up holds for its own transaction only: after a batch that failed, a
    later save on the same service still finds the duplicate saved in between."""
    import pytest
    records = _records(crm)

    def crash(index):
        raise RuntimeError("worker killed")
    with pytest.raises(RuntimeError):
        records.create_many("lead", [{"name": "甲", "phone": "13600136000"}], before_row=crash)
    crm.api("rep").post(LEADS, {"name": "乙", "phone": "13600136000"})
    from runtime.records import Invalid
    with pytest.raises(Invalid):
        records.create("lead", {"name": "丙", "phone": "+86 136 0013 6000"})
