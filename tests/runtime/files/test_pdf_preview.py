"""First-page previews of PDFs: a real PNG rendered once and cached next to the file, the download's
permission check, 404 for files that are not PDFs, 422 for a PDF that cannot be read."""
from __future__ import annotations

import hashlib
import struct

import pytest

from tests.runtime.files.conftest import PNG


def make_pdf(text: str = "Contract 2026", pages: int = 1) -> bytes:
    """A small valid PDF (A4 pages, a blue bar and a line of text each), with a correct xref table."""
    objs = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        stream = (f"0.1 0.3 0.8 rg 50 700 495 80 re f 0 g BT /F1 36 Tf 60 600 Td ({text} p{i + 1}) Tj ET"
                  ).encode()
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
                    f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def cached(app, data: bytes, page: int = 1):
    digest = hashlib.sha256(data).hexdigest()
    return app.extensions["crm"].settings.instance_path / "files" / digest[:2] / f"{digest}.p{page}.png"


def attached(crm, data: bytes, name: str = "合同.pdf", owner: str = "rep1") -> dict:
    rep = crm.api(owner)
    scan = rep.upload(data, name)
    assert scan.status_code == 201, scan.json
    created = rep.post("/api/v1/records/contract", {"title": "采购合同", "scan": [scan.json["id"]]})
    assert created.status_code == 201, created.json
    return scan.json


def test_the_first_page_of_a_pdf_as_a_png(crm):
    pdf = make_pdf(pages=2)
    scan = attached(crm, pdf)
    answer = crm.api("rep1").get(f"{scan['url']}/preview.png")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "private, no-cache"
    width, height = png_size(answer.data)
    assert width == 800 and 1100 <= height <= 1150                      # A4 portrait, 800 px wide
    assert 1_000 < len(answer.data) < 500_000
    assert cached(crm, pdf).read_bytes() == answer.data
    second = crm.api("mgr").get(f"{scan['url']}/preview.png?page=2")     # scope all; another page
    assert second.status_code == 200 and png_size(second.data)[0] == 800 and second.data != answer.data
    assert crm.api("rep1").get(f"{scan['url']}/preview.png?page=3").status_code == 404   # past the end
    for bad in ("0", "-1", "abc", "99999", "１"):
        assert crm.api("rep1").get(f"{scan['url']}/preview.png?page={bad}").status_code == 404


def test_the_second_request_is_served_from_the_cache(crm, monkeypatch):
    import pypdfium2

    pdf = make_pdf("Cached")
    scan = attached(crm, pdf)
    rep = crm.api("rep1")
    first = rep.get(f"{scan['url']}/preview.png")
    assert first.status_code == 200
    mtime = cached(crm, pdf).stat().st_mtime_ns

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pypdfium2, "PdfDocument", no_render)
    again = rep.get(f"{scan['url']}/preview.png")
    assert again.status_code == 200 and again.data == first.data
    assert cached(crm, pdf).stat().st_mtime_ns == mtime
    etag = first.headers["ETag"]
    assert rep.get(f"{scan['url']}/preview.png", headers={"If-None-Match": etag}).status_code == 304


def test_who_may_not_read_the_record_gets_a_404(crm):
    scan = attached(crm, make_pdf("Secret"))
    hidden = crm.api("rep2").get(f"{scan['url']}/preview.png")          # scope own: rep1's contract
    assert hidden.status_code == 404 and hidden.json["error"]["code"] == "not_found"
    assert crm.api("rep2").get("/api/v1/files/999999/preview.png").json == hidden.json
    assert not cached(crm, make_pdf("Secret")).exists()                 # refused before rendering
    unattached = crm.api("rep1").upload(make_pdf("Draft"), "草稿.pdf").json
    assert crm.api("rep1").get(f"{unattached['url']}/preview.png").status_code == 200  # the uploader
    assert crm.api("mgr").get(f"{unattached['url']}/preview.png").status_code == 404


def test_a_file_that_is_not_a_pdf_has_no_preview(crm):
    scan = attached(crm, PNG, "photo.png")
    answer = crm.api("rep1").get(f"{scan['url']}/preview.png")
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    assert crm.api("rep1").get(f"{scan['url']}?inline=1").status_code == 200   # images keep their route


@pytest.mark.parametrize("lang, start", [("en", "This PDF cannot be read"), ("zh-CN", "无法读取此 PDF")])
def test_a_pdf_that_cannot_be_read_is_a_422(crm, lang, start):
    corrupt = b"%PDF-1.4\n" + b"\x00garbage, not a PDF body\n" * 20
    scan = attached(crm, corrupt, "坏的.pdf")
    answer = crm.api("rep1", lang=lang).get(f"{scan['url']}/preview.png")
    assert answer.status_code == 422, answer.data
    assert answer.json["error"]["code"] == "unreadable_pdf"
    assert answer.json["error"]["message"].startswith(start)
    assert not cached(crm, corrupt).exists()
