"""A small app for the dedup tests: leads with phone/email/company rules, and activities that
point at a lead (children relinked by a merge)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import schema_store

DOC = {
    "objects": {
        "lead": {
            "label": {"zh-CN": "线索", "en": "Lead"}, "title_field": "name",
            "fields": {
                "name": {"type": "text", "required": True, "label": {"zh-CN": "姓名", "en": "Name"}},
                "phone": {"type": "phone", "label": {"zh-CN": "手机", "en": "Mobile"}},
                "email": {"type": "email", "label": {"zh-CN": "邮箱", "en": "Email"}},
                "company": {"type": "text", "label": {"zh-CN": "公司", "en": "Company"}},
                "city": {"type": "text", "label": {"zh-CN": "城市", "en": "City"}},
                "activities": {"type": "rollup", "object": "activity", "lookup": "lead", "function": "count"},
            },
        },
        "activity": {
            "label": {"zh-CN": "跟进", "en": "Activity"}, "title_field": "subject",
            "fields": {"subject": {"type": "text", "required": True},
                       "lead": {"type": "lookup", "target": "lead", "on_delete": "restrict"}},
        },
    },
    "duplicates": {
        "lead_phone": {"object": "lead", "match": [{"field": "phone", "normalize": "phone"}], "action": "block",
                       "message": {"zh-CN": "该手机号的线索已存在", "en": "A lead with this mobile exists"}},
        "lead_email": {"object": "lead", "match": [{"field": "email", "normalize": "email"}], "action": "merge"},
        "lead_company": {"object": "lead", "match": [{"field": "company", "normalize": "company", "fuzzy": 85}],
                         "action": "warn"},
    },
    "permissions": {
        "rep": {"lead": {"create": True, "read": True, "update": True, "delete": False, "scope": "all"},
                "activity": {"create": True, "read": True, "update": True, "scope": "all"}},
        "manager": {"lead": {"create": True, "read": True, "update": True, "delete": True, "scope": "all"},
                    "activity": {"create": True, "read": True, "update": True, "delete": True, "scope": "all"}},
    },
}


def document(**duplicates):
    doc = copy.deepcopy(DOC)
    if duplicates:
        doc["duplicates"] = duplicates
    return doc


def publish(app, doc=None):
    schema_store.publish(app.extensions["crm"].engine, doc or DOC)


@dataclass
class Api:
    """A Bearer-token client for one user."""

    client: object
    token: str

    def _h(self):
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}

    def get(self, url):
        return self.client.get(url, headers=self._h())

    def post(self, url, json=None):
        return self.client.post(url, json=json, headers=self._h())

    def patch(self, url, json=None):
        return self.client.patch(url, json=json, headers=self._h())
