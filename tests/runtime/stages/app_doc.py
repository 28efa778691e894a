"""The app the stage tests publish: the medical tender path (S2/S3), a manufacturing opportunity
with follow-up notes and a workday SLA (S13/S14), and a device deal journey (S18/S19)."""
from __future__ import annotations

L = lambda zh, en=None: {"zh-CN": zh, **({"en": en} if en else {})}  # noqa: E731

TENDER = {
    "label": L("招投标", "Tender"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True, "label": L("项目名称", "Project")},
        "budget_approval_no": {"type": "text", "label": L("财政批复文号", "Budget approval no.")},
        "notice_url": {"type": "url", "label": L("参数公示链接", "Notice URL")},
        "experts_drawn": {"type": "boolean", "label": L("专家已抽取", "Experts drawn")},
        "presentation_at": {"type": "datetime", "label": L("述标时间", "Presentation time")},
    },
    "pipeline": {"initial": "budget", "nodes": [
        {"key": "budget", "label": L("预算立项", "Budget approved"), "order": 1, "allowed_next": ["notice"]},
        {"key": "notice", "label": L("参数公示", "Parameters published"), "order": 2,
         "requires": ["budget_approval_no"], "allowed_next": ["experts"]},
        {"key": "experts", "label": L("专家抽取", "Experts drawn"), "order": 3, "requires": ["notice_url"],
         "allowed_next": ["presentation"], "auto_advance_when": "experts_drawn", "auto_advance_to": "presentation"},
        {"key": "presentation", "label": L("述标安排", "Presentation"), "order": 4, "requires_when": "experts_drawn",
         "guidance": L("确认述标时间"),
         "sla": {"hours": 72, "levels": [
             {"name": "blue", "at": 0.5, "label": L("蓝色预警", "blue")},
             {"name": "yellow", "at": 0.8, "label": L("黄色预警", "yellow")},
             {"name": "red", "at": 1, "label": L("红色预警", "red"), "actions": [
                 {"type": "notify", "to": [{"kind": "owner"}], "channels": ["in_app", "email"],
                  "message": L("招标 {name} 述标安排已超过 72 小时未确认",
                               "Tender {name}: presentation unconfirmed for over 72 hours"),
                  "checklist": [L("确认述标时间", "Confirm the time"), L("准备述标材料", "Prepare the deck")]}]}]}},
        {"key": "won", "label": L("中标", "Won"), "order": 5, "outcome": "won"},
        {"key": "lost", "label": L("未中标", "Lost"), "order": 6, "outcome": "lost"},
    ]},
}

OPPORTUNITY = {
    "label": L("商机", "Opportunity"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True},
        "demo_confirmation": {"type": "file", "accept": [".pdf"], "label": L("演示确认单", "Demo confirmation")},
        "samples_sent": {"type": "rollup", "object": "followup", "lookup": "opportunity", "function": "count",
                         "filter": "CONTAINS(content, \"样品已寄\") || CONTAINS(content, \"等测试报告\")"},
        "expected_close": {"type": "date"},
        "close_in_5": {"type": "formula", "expression": "ADDWORKDAYS(DATE(2026, 9, 30), 5)"},
    },
    "pipeline": {"initial": "contact", "nodes": [
        {"key": "contact", "label": L("初步接触"), "order": 1},
        {"key": "demo", "label": L("现场演示完成", "Demo done"), "order": 2, "requires": ["demo_confirmation"],
         "auto_advance_when": "samples_sent > 0", "auto_advance_to": "sample",
         "sla": {"workdays": 5, "basis": "last_activity", "levels": [],
                 "escalate": [{"type": "notify", "to": [{"kind": "owner_manager"}, {"kind": "owner_director"}],
                               "channels": ["in_app", "email"],
                               "message": L("商机 {name} 已 5 个工作日无进展", "Opportunity {name}: no progress for 5 workdays"),
                               "checklist": [L("电话跟进客户")]}]}},
        {"key": "sample", "label": L("样品验证中", "Sample testing"), "order": 3},
        {"key": "won", "label": L("赢单"), "order": 4, "outcome": "won"},
    ]},
}

FOLLOWUP = {
    "label": L("跟进记录", "Follow-up"),
    "fields": {"content": {"type": "textarea", "required": True},
               "opportunity": {"type": "lookup", "target": "opportunity"}},
}

DEVICE_DEAL = {
    "label": L("设备商机", "Device deal"), "title_field": "name",
    "fields": {
        "name": {"type": "text", "required": True},
        "trial_pdf": {"type": "file", "accept": [".pdf"], "label": L("试用确认书", "Trial confirmation")},
        "trial_days": {"type": "number", "label": L("试用周期", "Trial period")},
        "doctor_title": {"type": "text", "label": L("医生职称", "Doctor title")},
        "note": {"type": "text"},
    },
    "pipeline": {"initial": "booked", "nodes": [
        {"key": "booked", "label": L("已预约设备科演示", "Demo booked"), "order": 1,
         "sla": {"hours": 72, "basis": "last_activity", "levels": [
             {"name": "stale", "at": 1, "label": L("无更新"), "actions": [
                 {"type": "notify", "to": [{"kind": "owner"}, {"kind": "owner_manager"}], "channels": ["in_app"],
                  "message": L("{name} 已预约设备科演示，72 小时无更新"),
                  "checklist": [L("联系设备科确认演示时间")]}]}]}},
        {"key": "trial", "label": L("临床科室签署试用确认书", "Trial signed"), "order": 2,
         "requires": ["trial_pdf", "trial_days", "doctor_title"]},
        {"key": "won", "label": L("成交"), "order": 3, "outcome": "won"},
    ]},
}

DOC = {
    "objects": {"tender": TENDER, "opportunity": OPPORTUNITY, "followup": FOLLOWUP, "device_deal": DEVICE_DEAL},
    "permissions": {
        "rep": {name: {"create": True, "read": True, "update": True, "scope": "own"}
                for name in ("tender", "opportunity", "followup", "device_deal")},
        "manager": {name: {"create": True, "read": True, "update": True, "delete": True, "scope": "team"}
                    for name in ("tender", "opportunity", "followup", "device_deal")},
    },
}
