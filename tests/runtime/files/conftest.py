"""An app with file fields: contracts with one scanned copy (PDF or PNG, 20 KB at most) and any
number of attachments; reps see only their own contracts."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

import schema_store
from tests.fixtures_app import Users

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 32
TEXT = "合同正文：这不是 PDF。\nplain text pretending to be a PDF\n".encode()

DOC = {
    "objects": {
        "hospital": {"label": {"zh-CN": "医院", "en": "Hospital"}, "title_field": "name",
                     "fields": {"name": {"type": "text", "required": True}}},
        "contract": {
            "label": {"zh-CN": "合同", "en": "Contract"}, "title_field": "title",
            "fields": {
                "title": {"type": "text", "required": True},
                "hospital": {"type": "lookup", "target": "hospital"},
                "scan": {"type": "file", "label": {"zh-CN": "扫描件", "en": "Scan"},
                         "accept": [".pdf", "image/png"], "max_size_mb": 0.02},
                "attachments": {"type": "file", "multiple": True,
                                "accept": ["application/pdf", "image/*", ".docx", ".xlsx"]},
            },
        },
    },
    "permissions": {
        "rep": {"contract": {"create": True, "read": True, "update": True, "scope": "own"},
                "hospital": {"read": True}},
        "manager": {"contract": {"create": True, "read": True, "update": True, "delete": True, "scope": "all"},
                    "hospital": {"read": True}},
    },
}


def office(member: str) -> bytes:
    """A minimal Office Open XML container holding ``member``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(member, "<x/>")
    return buf.getvalue()


@dataclass
class Api:
    client: object
    token: str
    lang: str = "en"

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": self.lang, **(extra or {})}

    def upload(self, data: bytes, name: str = "scan.pdf", field: str = "scan", object_name: str = "contract"):
        return self.client.post("/api/v1/files", headers=self.headers(), content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data), name), "object": object_name, "field": field})

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, url, json):
        return self.client.post(url, json=json, headers=self.headers())

    def patch(self, url, json):
        return self.client.patch(url, json=json, headers=self.headers())


@pytest.fixture
def crm(any_app):
    """The file-field app on SQLite and PostgreSQL; ``crm.api(name)`` is a Bearer client."""
    schema_store.publish(any_app.extensions["crm"].engine, DOC)
    users = Users(any_app)
    for name, role in (("rep1", "rep"), ("rep2", "rep"), ("mgr", "manager")):
        users.add(name, role)

    def api(name: str, lang: str = "en") -> Api:
        return Api(any_app.test_client(), users.token(name), lang)

    any_app.api = api
    return any_app
