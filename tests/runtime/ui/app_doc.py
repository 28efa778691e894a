"""The app the UI tests publish: accounts and leads (layouts, conditional fields, a lookup, a
multi-select) plus the medical tender pipeline of the stage tests."""
from __future__ import annotations

import copy

from tests.runtime.stages.app_doc import DOC as STAGE_DOC

L = lambda zh, en=None: {"zh-CN": zh, "en": en or zh}  # noqa: E731

ACCOUNT = {
    "label": L("客户", "Account"), "plural_label": L("客户", "Accounts"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True, "label": L("客户名称", "Account name")},
        "grade": {"type": "picklist", "label": L("卫健委备案等级", "Hospital grade"),
                  "options": [{"value": "三甲", "color": "#c53030"}, {"value": "三乙"}, {"value": "二级"}]},
        "nda_signed": {"type": "boolean", "label": L("已签保密协议", "NDA signed")},
    },
    "layouts": {"list": {"columns": ["name", "grade", "owner", "created_at"], "sort": "name"}},
}

LEAD = {
    "label": L("线索", "Lead"), "plural_label": L("线索", "Leads"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True, "label": L("姓名", "Name")},
        "company": {"type": "text", "label": L("公司", "Company")},
        "email": {"type": "email", "label": L("邮箱", "Email")},
        "channel": {"type": "picklist", "label": L("渠道", "Channel"),
                    "options": [{"value": "官网", "label": L("官网", "Website")}, {"value": "展会", "label": L("展会", "Trade show")}]},
        "booth_no": {"type": "text", "label": L("展位号", "Booth no."), "visible_when": 'channel = "展会"',
                     "required_when": 'channel = "展会"'},
        "amount": {"type": "currency", "label": L("预算", "Budget"), "min": 0},
        "tags": {"type": "multi_picklist", "label": L("标签", "Tags"),
                 "options": [{"value": "VIP"}, {"value": "KA"}, {"value": "新客"}]},
        "close_date": {"type": "date", "label": L("预计成交", "Expected close")},
        "locked": {"type": "boolean", "label": L("锁定", "Locked")},
        "notes": {"type": "textarea", "label": L("备注", "Notes"), "readonly_when": "locked"},
        "account": {"type": "lookup", "target": "account", "label": L("客户", "Account")},
        "score": {"type": "formula", "expression": "IF(amount > 100000, 10, 1)", "label": L("评分", "Score")},
    },
    "layouts": {
        "form": {"sections": [
            {"label": L("基本信息", "Basics"), "columns": 2, "fields": ["name", "company", "email", "account"]},
            {"label": L("来源", "Source"), "columns": 2, "fields": ["channel", "booth_no", "tags", "close_date"]},
            {"label": L("其他", "Other"), "columns": 2, "fields": ["amount", "score", "locked", "notes"]},
        ]},
        "list": {"columns": ["name", "company", "channel", "amount", "account", "owner"], "sort": "-created_at",
                 "page_size": 20},
    },
}


def ui_doc() -> dict:
    doc = copy.deepcopy(STAGE_DOC)
    doc["objects"]["tender"]["layouts"] = {"kanban": {"card": ["name", "budget_approval_no", "notice_url"], "title": "name"},
                                           "list": {"columns": ["name", "stage", "owner", "created_at"]}}
    doc["objects"]["device_deal"]["layouts"] = {"kanban": {"card": ["trial_days", "doctor_title"]}}
    doc["objects"].update({"account": ACCOUNT, "lead": LEAD})
    for role, grants in doc["permissions"].items():
        for name in ("account", "lead"):
            grants[name] = {"create": True, "read": True, "update": True, "scope": "own" if role == "rep" else "team"}
    doc["approvals"] = {"tender_discount": {
        "object": "tender", "label": L("投标折扣审批", "Tender discount approval"),
        "steps": [{"key": "manager", "approver": {"kind": "owner_manager"}}],
        "allow_batch": True, "reason_required": "reject"}}
    return doc


def start_approval(app, object_name: str, record_id: int, requested_by: int) -> int:
    """Open a request of the tender_discount process, as a rule's start_approval action would."""
    from runtime.automation import approvals
    svc = app.extensions["crm"]
    with svc.engine.begin() as conn:
        return approvals.start(svc, conn, svc.schema_cache.get(conn), "tender_discount", object_name, record_id,
                               requested_by=requested_by)
