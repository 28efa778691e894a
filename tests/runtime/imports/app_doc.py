"""The app the import tests use: leads with typed fields, a validation, and duplicate rules on the
normalized phone (block) and email (warn)."""
from __future__ import annotations

import copy

import schema_store

DOC = {
    "objects": {
        "lead": {
            "label": {"zh-CN": "线索", "en": "Lead"}, "plural_label": {"zh-CN": "线索", "en": "Leads"},
            "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "max_length": 100, "label": {"zh-CN": "姓名", "en": "Name"}},
                "company": {"type": "text", "label": {"zh-CN": "公司名称", "en": "Company"}},
                "phone": {"type": "phone", "label": {"zh-CN": "手机号", "en": "Mobile"}},
                "email": {"type": "email", "label": {"zh-CN": "邮箱", "en": "Email"}},
                "budget": {"type": "currency", "min": 0, "label": {"zh-CN": "预算", "en": "Budget"}},
                "level": {"type": "picklist", "label": {"zh-CN": "等级", "en": "Level"}, "options": [
                    {"value": "a", "label": {"zh-CN": "重点", "en": "Key"}},
                    {"value": "b", "label": {"zh-CN": "普通", "en": "Normal"}}]},
                "tags": {"type": "multi_picklist", "label": {"zh-CN": "标签", "en": "Tags"}, "options": [
                    {"value": "nav", "label": {"zh-CN": "导航系统", "en": "Navigation"}},
                    {"value": "supplies", "label": {"zh-CN": "耗材", "en": "Supplies"}}]},
                "contacted": {"type": "boolean", "label": {"zh-CN": "已联系", "en": "Contacted"}},
                "met_on": {"type": "date", "label": {"zh-CN": "首次拜访", "en": "First visit"}},
                "weighted": {"type": "formula", "expression": "budget * 0.5", "label": {"zh-CN": "加权", "en": "Weighted"}},
            },
            "validations": [{"key": "mail_or_phone", "error_when": "ISBLANK(phone) && ISBLANK(email)",
                             "message": {"zh-CN": "电话和邮箱至少填一个", "en": "Give a phone or an email"}}],
        },
    },
    "duplicates": {
        "same_phone": {"object": "lead", "label": {"zh-CN": "手机号相同", "en": "Same mobile"},
                       "match": [{"field": "phone", "normalize": "phone"}], "action": "block"},
        "same_email": {"object": "lead", "label": {"zh-CN": "邮箱相同", "en": "Same email"},
                       "match": [{"field": "email", "normalize": "email"}], "action": "warn"},
    },
    "permissions": {
        "rep": {"lead": {"create": True, "read": True, "update": True, "delete": False, "scope": "own"}},
        "manager": {"lead": {"read": True, "scope": "all"}},
    },
}


def doc(**changes):
    new = copy.deepcopy(DOC)
    new.update(copy.deepcopy(changes))
    return new


def publish(app, document=None):
    schema_store.publish(app.extensions["crm"].engine, document or DOC)
