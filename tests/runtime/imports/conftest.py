"""Import test kit: the lead app on SQLite and PostgreSQL, people, files as bytes, API helpers."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest

from tests.fixtures_app import Users
from tests.runtime.imports.app_doc import publish

HEADERS = ["姓名", "手机号", "邮箱", "预算", "等级", "标签", "已联系", "首次拜访"]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig", delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS, sheets=None) -> bytes:
    import openpyxl
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "线索"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for name, (more_headers, more_rows) in (sheets or {}).items():
        extra = workbook.create_sheet(name)
        extra.append(more_headers)
        for row in more_rows:
            extra.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass
class Importer:
    """A signed-in API client (Bearer token) that uploads files."""

    app: object
    token: str
    lang: str = "zh-CN"

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": self.lang}

    def post(self, url, data=None, name="leads.csv", content=None, **form):
        body = dict(form)
        if content is not None:
            body["file"] = (io.BytesIO(content), name)
        for key, value in list(body.items()):
            if isinstance(value, dict):
                body[key] = json.dumps(value, ensure_ascii=False)
        return self.app.test_client().post(url, data=body, headers=self.headers,
                                           content_type="multipart/form-data")

    def get(self, url):
        return self.app.test_client().get(url, headers=self.headers)

    def preview(self, content, name="leads.csv", **form):
        return self.post("/api/v1/imports/lead/preview", content=content, name=name, **form)

    def start(self, content, name="leads.csv", **form):
        return self.post("/api/v1/imports/lead", content=content, name=name, **form)

    def job(self, response):
        assert response.status_code == 202, response.get_data(as_text=True)
        return self.get(response.get_json()["urls"]["status"]).get_json()

    def records(self):
        return self.get("/api/v1/records/lead?per_page=200&sort=id").get_json()["records"]


def records_in_db(app):
    import sqlalchemy as sa
    engine = app.extensions["crm"].engine
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT id, name, phone, email FROM obj_lead ORDER BY id")).mappings()]


def failing_import(importer, lead_app, rows: int, fails_at: int, batch_size: int = 25):
    """Start an import of ``rows`` leads whose row ``fails_at`` (1-based) makes a save hook raise;
    returns (response, file bytes, switch): set ``switch["on"] = False`` to let a resume pass."""
    data = [[f"客户{n:03d}", f"139{n:08d}", "", "", "", "", "", ""] for n in range(1, rows + 1)]
    data[fails_at - 1][0] = "BOOM"
    armed = {"on": True}

    def explode(event):
        if armed["on"] and event.record.get("name") == "BOOM":
            raise RuntimeError("the disk is full")

    lead_app.extensions["crm"].hooks.register("before_save", explode)
    content = csv_bytes(data)
    return importer.start(content, batch_size=str(batch_size)), content, armed


@pytest.fixture
def lead_app(any_app):
    publish(any_app)
    return any_app


@pytest.fixture
def importer(lead_app):
    return Importer(lead_app, Users(lead_app).token("rep1", "rep"))


@pytest.fixture
def babel_context():
    """A bare request context, for the pure parts whose messages go through flask_babel."""
    from flask import Flask
    from flask_babel import Babel
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield
