"""The app the automation tests publish: the scenarios S4, S6, S9, S10, S14, S16, S17, S21, S22
expressed as metadata only, plus users (director > mgr > rep1, rep2; rnd team; 骨科产品组)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import schema_store

from tests.fixtures_app import Users


def opts(*values):
    return [{"value": v, "label": {"zh-CN": v}} for v in values]


DOC = {
    "teams": {"ortho": {"label": {"zh-CN": "骨科产品组"}}, "rnd": {"label": {"zh-CN": "研发部"}},
              "east": {"label": {"zh-CN": "华东区"}}, "south": {"label": {"zh-CN": "华南区"}}},
    "objects": {
        "hospital": {"label": {"zh-CN": "医院"}, "title_field": "name",
                     "fields": {"name": {"type": "text", "required": True}}},
        "fault_type": {
            "label": {"zh-CN": "故障类型"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True},
                # S4's aggregate: distinct hospitals reporting this fault in the last 30 days.
                "hospitals_30d": {"type": "rollup", "object": "ticket", "lookup": "fault",
                                  "function": "count_distinct", "field": "hospital",
                                  "filter": "DAYS($today, DATEVALUE(created_at)) <= 30"},
                "rnd_notified_on": {"type": "date"},
            },
        },
        "ticket": {
            "label": {"zh-CN": "服务工单"},
            "fields": {
                "hospital": {"type": "lookup", "target": "hospital"},
                "fault": {"type": "lookup", "target": "fault_type"},
                "scene": {"type": "picklist", "label": {"zh-CN": "临床场景"}, "options": opts("关节置换", "脊柱")},
            },
        },
        "lead": {
            "label": {"zh-CN": "线索"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True},
                "customer_type": {"type": "picklist", "label": {"zh-CN": "客户类型"}, "options": opts("三甲医院", "民营医院")},
                "categories": {"type": "multi_picklist", "label": {"zh-CN": "采购品类"}, "options": opts("导航系统", "关节")},
                "industry": {"type": "picklist", "options": opts("教育", "医疗", "制造", "零售")},
                "region": {"type": "text"},
                "new_owner": {"type": "user"},
                "presales": {"type": "user", "label": {"zh-CN": "售前经理"}},
                "hint": {"type": "text"},
            },
            "pipeline": {"nodes": [
                {"key": "screened", "label": {"zh-CN": "已电话初筛"}, "order": 1},
                {"key": "demo_booked", "label": {"zh-CN": "已预约演示"}, "order": 2,
                 "sla": {"hours": 72, "levels": [{"name": "yellow", "at": 0.5}, {"name": "red", "at": 1}]}},
                {"key": "sample", "label": {"zh-CN": "样品验证中"}, "order": 3}]},
        },
        "followup": {"label": {"zh-CN": "跟进记录"},
                     "fields": {"lead": {"type": "lookup", "target": "lead"}, "content": {"type": "textarea"}}},
        "contract": {"label": {"zh-CN": "合同"}, "title_field": "name",
                     "fields": {"name": {"type": "text"}, "end_date": {"type": "date"}}},
        "customer": {"label": {"zh-CN": "客户"}, "title_field": "name",
                     "fields": {"name": {"type": "text"}, "health": {"type": "number"}}},
        "opportunity": {
            "label": {"zh-CN": "商机"}, "title_field": "name",
            "fields": {"name": {"type": "text"}, "engineer": {"type": "user", "label": {"zh-CN": "服务工程师"}},
                       "draft_uploaded_on": {"type": "date", "label": {"zh-CN": "合同草稿上传日期"}},
                       "expected_close": {"type": "date"}},
            "pipeline": {"nodes": [
                {"key": "visit", "label": {"zh-CN": "已预约设备科演示"}, "order": 1},
                {"key": "trial", "label": {"zh-CN": "临床科室试用"}, "order": 2},
                {"key": "legal", "label": {"zh-CN": "法务审核合同条款"}, "order": 3}]},
        },
        "counter": {"label": {"en": "Counter"}, "fields": {"n": {"type": "number"}, "url": {"type": "text"}}},
        "work_order": {"label": {"zh-CN": "服务工单"},
                       "fields": {"title": {"type": "text"}, "opportunity": {"type": "lookup", "target": "opportunity"},
                                  "engineer": {"type": "user"}}},
    },
    "assignment": {
        "pools": {"public_sea": {"label": {"zh-CN": "公海池", "en": "Public pool"}}},
        "routes": {"lead_routing": {
            "object": "lead", "on": ["create"], "record_decisions": True,
            "entries": [{"key": "navigation",
                         "when": "ISPICKVAL(customer_type, \"三甲医院\") && INCLUDES(categories, \"导航系统\")",
                         "assign_to": {"kind": "team", "team": "ortho", "strategy": "round_robin"}}],
            "fallback": {"kind": "pool", "pool": "public_sea"}}},
    },
    "approvals": {"cross_region": {
        "object": "lead", "label": {"zh-CN": "跨区分配审批"},
        "entry_when": "(ISPICKVAL(industry, \"教育\") || ISPICKVAL(industry, \"医疗\") || ISPICKVAL(industry, \"制造\")) && owner.region <> new_owner.region",
        "steps": [{"key": "manager", "approver": {"kind": "owner_manager"}, "timeout_hours": 2,
                   "on_timeout": "forward", "forward_to": {"kind": "manager_of_previous"}}],
        "allow_batch": True, "reason_required": "reject",
        "on_approve": [
            {"type": "set_field", "field": "owner", "value": "new_owner"},
            {"type": "notify", "to": [{"kind": "field", "field": "new_owner"}],
             "message": {"zh-CN": "线索 {id}（{name}）已分配给你", "en": "Lead {id} ({name}) is yours"}}]}},
    "rules": [
        {"key": "default_hint", "object": "lead", "trigger": {"type": "create"}, "phase": "before_save",
         "when": "ISBLANK(hint)", "actions": [{"type": "set_field", "field": "hint", "value": "\"new: \" & name"}]},
        {"key": "bump", "object": "counter", "trigger": {"type": "field_changed", "field": "n"}, "when": "n >= 1",
         "actions": [{"type": "set_field", "field": "n", "value": "n + 1"}]},
        {"key": "erp_sync", "object": "counter", "trigger": {"type": "field_changed", "field": "url"},
         "actions": [{"type": "webhook", "url": "https://erp.example.com/hook", "payload": {"n": "n", "url": "url"}}]},
        {"key": "playbook", "object": "lead", "trigger": {"type": "create"},
         "when": "ISPICKVAL(customer_type, \"三甲医院\") && INCLUDES(categories, \"导航系统\")",
         "actions": [{"type": "notify", "to": [{"kind": "owner"}], "message": {"zh-CN": "请查看导航系统打法手册：{name}"}}]},
        {"key": "demo_booked_notify", "object": "lead",
         "trigger": {"type": "stage_entered", "stage": "demo_booked", "from": "screened"},
         "actions": [{"type": "notify", "to": [{"kind": "field", "field": "presales"}],
                      "message": {"zh-CN": "线索 {id}（{name}）已预约演示", "en": "Lead {id} ({name}) booked a demo"}}]},
        {"key": "ask_cross_region", "object": "lead", "trigger": {"type": "field_changed", "field": "new_owner"},
         "actions": [{"type": "start_approval", "process": "cross_region"}]},
        {"key": "demo_overdue", "object": "lead", "trigger": {"type": "stage_overdue", "stage": "demo_booked", "level": "red"},
         "actions": [{"type": "add_task", "title": {"zh-CN": "确认演示：{name}"}, "assignee": {"kind": "owner_manager"}}]},
        {"key": "tell_rejected", "object": "lead",
         "trigger": {"type": "approval_decided", "process": "cross_region", "decision": "rejected"},
         "actions": [{"type": "notify", "to": [{"kind": "owner"}], "message": {"zh-CN": "线索 {name} 的跨区分配被驳回"}}]},
        {"key": "sample_sent", "object": "followup", "trigger": {"type": "create"},
         "when": "CONTAINS(content, \"样品已寄\") || CONTAINS(content, \"等测试报告\")",
         "actions": [{"type": "update_related", "lookup": "lead", "values": {"stage": "'sample'"}},
                     {"type": "add_task", "title": {"zh-CN": "跟进样品测试"}, "due_hours": 48,
                      "assignee": {"kind": "owner"}}]},
        {"key": "fault_cluster", "object": "ticket", "trigger": {"type": "create"},
         "when": "fault.hospitals_30d >= 3 && (ISBLANK(fault.rnd_notified_on) || DAYS($today, fault.rnd_notified_on) > 30)",
         "actions": [{"type": "update_related", "lookup": "fault", "values": {"rnd_notified_on": "$today"}},
                     {"type": "notify", "to": [{"kind": "team", "team": "rnd"}],
                      "message": {"zh-CN": "故障 {fault.name} 30 天内已有 {fault.hospitals_30d} 家医院报告"}}]},
        {"key": "expiry", "object": "contract", "trigger": {"type": "schedule", "cron": "0 9 * * *"},
         "when": "DAYS(end_date, $today) = 90 || DAYS(end_date, $today) = 30 || DAYS(end_date, $today) = 7",
         "actions": [{"type": "notify", "to": [{"kind": "owner"}], "message": {"zh-CN": "合同 {name} 将于 {end_date} 到期"}}]},
        {"key": "vip", "object": "customer", "trigger": {"type": "field_changed", "field": "health"}, "when": "health > 85",
         "actions": [{"type": "add_task", "title": {"zh-CN": "VIP 服务：{name}"}, "due_workdays": 3}]},
        {"key": "nurture", "object": "customer", "trigger": {"type": "field_changed", "field": "health"},
         "when": "health >= 45 && health <= 65",
         "actions": [{"type": "add_task", "title": {"zh-CN": "培育：{name}"}}]},
        {"key": "retention", "object": "customer", "trigger": {"type": "field_changed", "field": "health"},
         "when": "health < 30",
         "actions": [{"type": "add_task", "title": {"zh-CN": "挽留：{name}"}, "due_hours": 24}]},
        {"key": "trial_work_order", "object": "opportunity", "trigger": {"type": "stage_entered", "stage": "trial"},
         "actions": [{"type": "create_record", "object": "work_order", "link": "opportunity",
                      "values": {"title": "\"试用支持：\" & name", "engineer": "engineer"}},
                     {"type": "notify", "to": [{"kind": "owner"}], "message": {"zh-CN": "已为 {name} 创建服务工单"}}]},
        {"key": "forecast_lock", "object": "opportunity", "trigger": {"type": "stage_entered", "stage": "legal"},
         "when": "NOT(ISBLANK(draft_uploaded_on))",
         "actions": [{"type": "set_field", "field": "expected_close", "value": "ADDWORKDAYS(draft_uploaded_on, 7)"}]},
    ],
}


@dataclass
class MovableClock:
    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


def publish(app, doc=None) -> None:
    schema_store.publish(app.extensions["crm"].engine, doc or DOC)


def add_people(app) -> None:
    users = Users(app)
    users.add("director", "manager", team="east", region="华东", password=None)
    users.add("mgr", "manager", team="east", manager="director", region="华东", password=None)
    users.add("rep1", "rep", team="ortho", manager="mgr", region="华东", password=None)
    users.add("rep2", "rep", team="ortho", manager="mgr", region="华东", password=None)
    users.add("rep3", "rep", team="south", region="华南", password=None)
    users.add("presales", "rep", password=None)
    users.add("eng", "rep", team="rnd", password=None)
    users.add("eng2", "rep", team="rnd", password=None)
    users.add("boss", "admin", password=None)
