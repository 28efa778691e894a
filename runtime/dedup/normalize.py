"""Normalization of values for duplicate rules: pure functions, no I/O.

``normalize(kind, value)`` turns a field value into the key a duplicate rule compares; two values
with the same key are "the same" under that kind. Blank values (None, "", whitespace) give
``None``, which never matches anything. Every kind is idempotent:
``normalize(k, normalize(k, x)) == normalize(k, x)``.

Kinds (the ``normalize`` of a duplicate rule's ``match`` entry, docs/dedup.md):

- ``exact``: the value as text with surrounding whitespace trimmed; nothing else changes.
- ``text``: Unicode NFKC (full-width letters/digits/spaces fold to half-width), casefolded,
  runs of whitespace collapsed to one space, trimmed.
- ``phone``: parsed by ``phonenumbers`` with default region CN and written as E.164
  (``138 0013 8000``, ``+86-138-0013-8000`` and ``008613800138000`` all give ``+8613800138000``).
  A value phonenumbers cannot parse, or that is not a possible number, falls back to its digits
  only (``"ext 12-34-56"`` -> ``"123456"``); fewer than 5 digits -> ``None`` (too short to be a
  phone number worth matching).
- ``email``: NFKC, trimmed, lower-cased. Deliberately *no* provider-specific folding: Gmail's
  dots and ``+tags`` are kept, because on most providers ``a.b@`` and ``ab@`` are different
  mailboxes and a false match can merge two real people (see docs/dedup.md).
- ``company``: NFKC, casefolded, brackets (including full-width ``（）【】``) and punctuation
  removed (their content kept: ``华为技术（深圳）`` -> ``华为技术深圳``), whitespace removed between
  CJK characters and collapsed elsewhere, then legal-form suffixes stripped repeatedly from the
  end: 股份有限公司, 有限责任公司, 有限公司, 集团, 公司, Co., Ltd., Inc., LLC, Corp., GmbH ...
  Region prefixes (北京, 上海市 ...) are *kept*: "北京某某" and "上海某某" are often different legal
  entities; a fuzzy threshold on the rule catches the near-misses instead. A name that is
  nothing but a suffix (``有限公司``) keeps its text rather than becoming blank.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Callable

import phonenumbers

KINDS = ("exact", "text", "phone", "email", "company")

_SPACES = re.compile(r"\s+")
_CJK = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
# Chinese legal forms, longest first so 股份有限公司 goes before 有限公司.
_CN_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团公司", "集团", "公司")
_EN_SUFFIXES = ("co ltd", "co limited", "company limited", "limited", "ltd", "incorporated", "inc",
                "llc", "corporation", "corp", "company", "co", "gmbh", "plc", "group", "sa", "ag")
_EN_SUFFIX = re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(s) for s in _EN_SUFFIXES) + r")$")


def _blank(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _settle(step: Callable[[str], str], text: str) -> str:
    """Apply ``step`` until the text stops changing (NFKC, casefold and removing spaces can each
    undo another's work: ``"O\u00a8"`` -> ``"o\u0308"`` -> ``"\u00f6"``), so keys are idempotent."""
    for _ in range(5):
        after = step(text)
        if after == text:
            break
        text = after
    return text


def _fold(text: str) -> str:
    """NFKC + casefold until stable."""
    return _settle(lambda t: _nfkc(t).casefold(), text)


def normalize_exact(value: Any) -> str | None:
    return _blank(value)


def normalize_text(value: Any) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    return _settle(lambda t: _SPACES.sub(" ", _fold(t)).strip(), text) or None


def normalize_phone(value: Any) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    text = _nfkc(text)
    found = _e164(text)
    if found is not None:
        return found
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if len(digits) < 5:
        return None
    return _e164(digits) or digits  # the digits may read as a number on their own: stay a fixed point


def _e164(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: Any) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    return _settle(lambda t: _nfkc(_SPACES.sub("", _nfkc(t).lower())).lower(), text) or None


def _company_core(text: str) -> str:
    """Punctuation and brackets out (content kept), spaces tidied."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        out.append(" " if cat[0] in "PSZ" or ch == "&" else ch)
    text = _SPACES.sub(" ", "".join(out)).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


def _strip_suffixes(text: str) -> str:
    while True:
        before = text
        for suffix in _CN_SUFFIXES:
            if text.endswith(suffix):
                if len(text) > len(suffix):
                    text = text[: -len(suffix)].rstrip()
                break
        match = _EN_SUFFIX.search(text)
        if match and match.start() > 0:
            text = text[: match.start()].rstrip()
        if text == before:
            return text


def normalize_company(value: Any) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    core = _settle(lambda t: _company_core(_fold(t)), text)
    if not core:
        return None
    return _strip_suffixes(core) or core


NORMALIZERS: dict[str, Callable[[Any], str | None]] = {
    "exact": normalize_exact, "text": normalize_text, "phone": normalize_phone,
    "email": normalize_email, "company": normalize_company,
}


def normalize(kind: str, value: Any) -> str | None:
    """The key of ``value`` under ``kind`` (one of :data:`KINDS`); ``None`` for blank values."""
    if kind not in NORMALIZERS:
        raise ValueError(f"unknown normalization {kind!r}; kinds: {', '.join(KINDS)}")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return _cached(kind, type(value), value)  # a save and its import check the same values again
    return NORMALIZERS[kind](value)


@functools.lru_cache(maxsize=65536)
def _cached(kind: str, _type: type, value: str | int) -> str | None:
    return NORMALIZERS[kind](value)
