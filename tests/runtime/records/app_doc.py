"""A small app used by the record tests: hospitals, leads, NDA documents, with permissions."""
from __future__ import annotations

import copy

import schema_store

LEVELS = [{"value": v, "label": {"zh-CN": v}} for v in ("三甲", "三乙", "二级")]

DOC = {
    "objects": {
        "hospital": {
            "label": {"zh-CN": "医院", "en": "Hospital"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "unique": True, "max_length": 100},
                "level": {"type": "picklist", "options": LEVELS},
                "nda_signed": {"type": "boolean"},
                "leads": {"type": "rollup", "object": "lead", "lookup": "hospital", "function": "count"},
            },
        },
        "lead": {
            "label": {"zh-CN": "线索", "en": "Lead"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "label": {"zh-CN": "名称", "en": "Name"}},
                "budget": {"type": "currency", "min": 0},
                "phone": {"type": "phone"},
                "email": {"type": "email"},
                "hospital": {"type": "lookup", "target": "hospital", "on_delete": "restrict"},
                "tags": {"type": "multi_picklist", "options": [
                    {"value": "导航系统", "label": {"zh-CN": "导航系统"}},
                    {"value": "耗材", "label": {"zh-CN": "耗材"}}]},
                "expected_close": {"type": "date", "required_when": "budget > 1000000"},
                "secret_note": {"type": "textarea"},
                "weighted": {"type": "formula", "expression": "budget * 0.5"},
                "hospital_level": {"type": "formula", "expression": "hospital.level"},
                "code": {"type": "autonumber", "format": "XS{YYYYMMDD}-{seq}"},
            },
            "validations": [{"key": "mail_or_phone", "error_when": "ISBLANK(phone) && ISBLANK(email)",
                             "message": {"zh-CN": "电话和邮箱至少填一个", "en": "Give a phone or an email"}}],
        },
        "document": {
            "label": {"zh-CN": "资料", "en": "Document"}, "title_field": "title",
            "fields": {"title": {"type": "text", "required": True},
                       "hospital": {"type": "lookup", "target": "hospital", "on_delete": "cascade"}},
        },
    },
    "permissions": {
        "rep": {
            "lead": {"create": True, "read": True, "update": True, "delete": False, "scope": "own",
                     "fields": {"secret_note": "hidden", "budget": "read"}},
            "hospital": {"read": True, "scope": "all"},
            "document": {"read": True, "scope": "all", "scope_when": "hospital.nda_signed"},
        },
        "manager": {
            "lead": {"create": True, "read": True, "update": True, "delete": True, "scope": "team"},
            "hospital": {"create": True, "read": True, "update": True, "delete": True, "scope": "all"},
            "document": {"create": True, "read": True, "update": True, "scope": "all"},
        },
    },
}


def doc(**changes):
    new = copy.deepcopy(DOC)
    for key, value in changes.items():
        new[key] = value
    return new


def publish(app, document=None):
    schema_store.publish(app.extensions["crm"].engine, document or DOC)
