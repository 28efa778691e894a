"""Every UI string marked for translation has its zh-CN text (the UI is Chinese first)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from runtime.i18n import read_catalog

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "runtime" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")]


def marked_strings() -> dict[str, str]:
    found = {}
    for folder in ("runtime", "builder", "templates"):
        for filename, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, METHODS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}):
            text = message[0] if isinstance(message, tuple) else message
            if text:
                found.setdefault(text, f"{folder}/{filename}")
    return found


def test_every_marked_string_has_a_chinese_translation():
    catalog = read_catalog(list(CATALOGS.glob("*.po")))
    translated = {m.id for m in catalog if m.id and m.string}
    missing = {text: where for text, where in marked_strings().items() if text not in translated}
    assert missing == {}
