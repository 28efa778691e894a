"""Types are judged by content; ``accept`` lists resolve to known kinds (no app needed)."""
from __future__ import annotations

import pytest

from runtime.files import sniff
from tests.runtime.files.conftest import PDF, PNG, TEXT, office

GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16


@pytest.mark.parametrize("data, kind", [
    (PDF, "pdf"), (PNG, "png"), (JPEG, "jpeg"), (GIF, "gif"), (WEBP, "webp"), (TEXT, "text"),
    (office("word/document.xml"), "docx"), (office("xl/workbook.xml"), "xlsx"),
    (office("other.xml"), None), (b"PK\x03\x04 not really a zip", None), (b"\x00\x01\x02\x03" * 8, None),
])
def test_kinds_are_recognised_by_their_bytes(tmp_path, data, kind):
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    found = sniff.detect(path)
    assert (found.name if found else None) == kind


def test_accept_lists_resolve_to_kinds_and_name_only_extensions():
    rules = sniff.allowed([".pdf", "image/*", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           ".dwg"])
    assert [k.name for k in rules.kinds] == ["pdf", "png", "jpeg", "gif", "webp", "docx"]
    assert rules.by_name == (".dwg",)
    kinds = {k.name: k for k in sniff.KINDS}
    assert rules.content_type(kinds["png"], "photo.pdf") == "image/png"       # the content decides
    assert rules.content_type(kinds["xlsx"], "sheet.xlsx") is None
    assert rules.content_type(None, "plan.dwg") == sniff.OCTET                  # checkable by name only
    assert rules.content_type(None, "plan.exe") is None
    assert sniff.allowed([".dwg"]).content_type(kinds["png"], "plan.dwg") is None  # a PNG is not a .dwg
    anything = sniff.allowed(())
    assert anything.content_type(None, "x.bin") == sniff.OCTET and anything.content_type(kinds["pdf"], "x") == "application/pdf"
