"""Uploading for a file field: type by content, size limit, dedup by checksum, clear refusals."""
from __future__ import annotations

import hashlib

from tests.runtime.files.conftest import PDF, PNG, TEXT, office


def stored_path(app, data: bytes):
    digest = hashlib.sha256(data).hexdigest()
    return app.extensions["crm"].settings.instance_path / "files" / digest[:2] / digest


def test_a_pdf_and_a_png_are_stored_once_per_content(crm):
    rep = crm.api("rep1")
    first = rep.upload(PDF, "合同 2026.pdf")
    assert first.status_code == 201, first.json
    body = first.json
    assert body["name"] == "合同 2026.pdf" and body["size"] == len(PDF) and body["content_type"] == "application/pdf"
    assert body["url"] == f"/api/v1/files/{body['id']}" and first.headers["Location"] == body["url"]
    again = rep.upload(PDF, "copy.pdf")
    png = rep.upload(PNG, "photo.png")
    assert again.status_code == 201 and again.json["id"] != body["id"]
    assert png.status_code == 201 and png.json["content_type"] == "image/png"
    assert stored_path(crm, PDF).read_bytes() == PDF and stored_path(crm, PNG).exists()
    kept = [p for p in (crm.extensions["crm"].settings.instance_path / "files").rglob("*") if p.is_file()]
    assert len(kept) == 2                                   # two uploads of the same PDF: one file


def test_a_fake_pdf_is_refused_by_its_content(crm):
    rep = crm.api("rep1")
    png_named_pdf = rep.upload(PNG, "invoice.pdf", field="scan")
    assert png_named_pdf.status_code == 201                  # PNG is allowed in "scan": stored as a PNG
    assert png_named_pdf.json["content_type"] == "image/png"
    for data in (TEXT, office("word/document.xml")):
        refused = rep.upload(data, "invoice.pdf")
        assert refused.status_code == 422, refused.json
        error = refused.json["error"]
        assert error["code"] == "file_type_not_allowed" and "PDF, PNG" in error["message"]
        assert refused.json["errors"]["file"] == [error["message"]] and refused.json["allowed"] == ["PDF", "PNG"]
    zh = crm.api("rep1", lang="zh-CN").upload(TEXT, "假的.pdf")
    assert zh.status_code == 422 and zh.json["error"]["message"].startswith("此处只允许以下文件类型：PDF, PNG")
    files = crm.extensions["crm"].settings.instance_path / "files"
    assert not [p for p in files.rglob("*") if p.is_file() and p.stat().st_size != len(PNG)]  # nothing else kept


def test_office_documents_where_the_field_lists_them(crm):
    rep = crm.api("rep1")
    docx = rep.upload(office("word/document.xml"), "方案.docx", field="attachments")
    assert docx.status_code == 201 and docx.json["content_type"].endswith("wordprocessingml.document")
    xlsx = rep.upload(office("xl/workbook.xml"), "报价.xlsx", field="attachments")
    assert xlsx.status_code == 201 and xlsx.json["content_type"].endswith("spreadsheetml.sheet")
    assert rep.upload(office("ppt/presentation.xml"), "deck.docx", field="attachments").status_code == 422


def test_the_size_limit_of_the_field(crm):
    rep = crm.api("rep1")
    big = PDF + b"0" * 25_000                                 # the field allows 0.02 MB
    refused = rep.upload(big, "big.pdf")
    assert refused.status_code == 413, refused.json
    assert refused.json["error"]["code"] == "too_large" and "0.02 MB" in refused.json["error"]["message"]
    assert rep.upload(big, "big.pdf", field="attachments").status_code == 201   # no limit of its own there
    assert rep.upload(b"", "empty.pdf").status_code == 422


def test_names_are_never_paths(crm):
    rep = crm.api("rep1")
    up = rep.upload(PDF, "../../../etc/passwd\x00.pdf")
    assert up.status_code == 201 and up.json["name"] == "passwd.pdf"
    for name in ("..\\..\\boot.ini.pdf", "C:\\Windows\\win.ini.pdf", "a/../../b.pdf"):
        stored = rep.upload(PDF, name).json["name"]
        assert "/" not in stored and "\\" not in stored and stored.endswith(".pdf")
    assert rep.upload(PDF, "..").json["name"] == "file"
    instance = crm.extensions["crm"].settings.instance_path
    assert not (instance.parent / "etc").exists()
    download = rep.get(up.json["url"])
    assert download.status_code == 200 and 'filename=passwd.pdf' in download.headers["Content-Disposition"]


def test_bad_requests_are_4xx(crm):
    rep = crm.api("rep1")
    missing = rep.client.post("/api/v1/files", headers=rep.headers(), data={"object": "contract"})
    assert missing.status_code == 422 and set(missing.json["errors"]) == {"file", "field"}
    assert rep.upload(PDF, object_name="nope").status_code == 404
    assert rep.upload(PDF, field="title").status_code == 422
    assert rep.upload(PDF, object_name="hospital", field="name").status_code in (403, 422)
    anonymous = crm.test_client().post("/api/v1/files", data={})
    assert anonymous.status_code == 401


def test_a_configured_files_directory(make_app, tmp_path, monkeypatch):
    import schema_store
    from tests.fixtures_app import Users
    from tests.runtime.files.conftest import DOC, Api
    monkeypatch.setenv("CRM_FILES_PATH", str(tmp_path / "shared-files"))
    app = make_app()
    schema_store.publish(app.extensions["crm"].engine, DOC)
    api = Api(app.test_client(), Users(app).token("rep1", "rep"))
    assert api.upload(PDF).status_code == 201
    digest = hashlib.sha256(PDF).hexdigest()
    assert (tmp_path / "shared-files" / digest[:2] / digest).read_bytes() == PDF
