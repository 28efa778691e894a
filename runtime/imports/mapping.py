"""Which column of the file goes into which field: suggested from the headers against the fields'
API names and their zh-CN and en labels (normalised: case, width, spaces and punctuation folded),
with rapidfuzz as a fallback for near misses; the user overrides any suggestion. Columns that map
to nothing are ignored, with a note."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext as _

from runtime.i18n import pick_label
from schema_store.model import FieldDef, ObjectDef

FUZZY_CUTOFF = 85
NOT_IMPORTABLE = ("formula", "rollup", "autonumber", "file")
SYSTEM_TARGETS = ("owner",)
_PUNCT = re.compile(r"[\s_\-./:：（）()\[\]【】*]+")


@dataclass(frozen=True)
class ColumnMap:
    """Column ``index`` (header ``header``) goes into ``field`` (None: ignored); ``how`` says why:
    ``name``, ``label``, ``fuzzy``, ``user`` (chosen) or ``none``."""

    index: int
    header: str
    field: str | None
    how: str
    score: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "header": self.header, "field": self.field, "how": self.how,
                "score": self.score}


class MappingProblem(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def fold(text: str) -> str:
    """A header or label reduced for comparison: NFKC, casefold, no spaces or punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def importable_fields(obj: ObjectDef) -> list[FieldDef]:
    return [f for f in obj.fields.values() if f.type not in NOT_IMPORTABLE]


def _names(f: FieldDef) -> list[str]:
    labels = f.label if isinstance(f.label, Mapping) else {"en": f.label or ""}
    return [n for n in (f.name, labels.get("zh-CN"), labels.get("en")) if n]


def suggest(headers: list[str], obj: ObjectDef) -> list[ColumnMap]:
    """One suggestion per column; a field is suggested for at most one column (the first)."""
    fields = importable_fields(obj)
    exact: dict[str, tuple[str, str]] = {}
    for f in fields:
        for position, name in enumerate(_names(f)):
            exact.setdefault(fold(name), (f.name, "name" if position == 0 else "label"))
    exact.setdefault("owner", ("owner", "name"))
    exact.setdefault(fold("负责人"), ("owner", "label"))
    used: set[str] = set()
    out: list[ColumnMap] = []
    for index, header in enumerate(headers):
        hit = exact.get(fold(header)) if header else None
        if hit and hit[0] not in used:
            used.add(hit[0])
            out.append(ColumnMap(index, header, hit[0], hit[1]))
        else:
            out.append(ColumnMap(index, header, None, "none"))
    choices = {fold(n): f.name for f in fields for n in _names(f) if fold(n)}
    if choices:
        from rapidfuzz import fuzz, process
        for position, column in enumerate(out):
            if column.field is not None or not fold(column.header):
                continue
            best = process.extractOne(fold(column.header), list(choices), scorer=fuzz.ratio,
                                      score_cutoff=FUZZY_CUTOFF)
            if best is not None and choices[best[0]] not in used:
                used.add(choices[best[0]])
                out[position] = ColumnMap(column.index, column.header, choices[best[0]], "fuzzy",
                                          round(best[1], 1))
    return out


def apply_choices(headers: list[str], obj: ObjectDef, chosen: Mapping[str, Any] | None) -> list[ColumnMap]:
    """The suggestions overridden by the user's ``{header: field or null}``; MappingProblem names
    every unknown header, unknown or read-only field and field chosen twice."""
    mapping = suggest(headers, obj)
    if not chosen:
        return mapping
    errors: dict[str, list[str]] = {}
    by_header = {c.header: c for c in mapping}
    allowed = {f.name for f in importable_fields(obj)} | set(SYSTEM_TARGETS)
    explicit: set[int] = set()
    for header, field in chosen.items():
        column = by_header.get(header)
        if column is None:
            errors.setdefault(str(header), []).append(_("The file has no column called \"%(name)s\".", name=header))
            continue
        if field in (None, ""):
            mapping[column.index] = ColumnMap(column.index, header, None, "user")
        elif not isinstance(field, str) or field not in allowed:
            errors.setdefault(header, []).append(
                _("\"%(field)s\" is not a field that can be imported into.", field=field))
        else:
            explicit.add(column.index)
            if field != column.field:  # a confirmed suggestion keeps saying why it was suggested
                mapping[column.index] = ColumnMap(column.index, header, field, "user")
    seen: dict[str, str] = {}
    for column in mapping:  # the user's choices first; a suggestion they displace is dropped
        if column.field is not None and column.index in explicit:
            if column.field in seen:
                errors.setdefault(column.header, []).append(
                    _("Columns \"%(a)s\" and \"%(b)s\" both go into %(field)s.", a=seen[column.field],
                      b=column.header, field=column.field))
            seen[column.field] = column.header
    for column in list(mapping):
        if column.field is not None and column.index not in explicit and column.field in seen:
            mapping[column.index] = ColumnMap(column.index, column.header, None, "none")
    if errors:
        raise MappingProblem(errors)
    return mapping


def ignored_note(mapping: list[ColumnMap]) -> str | None:
    ignored = [c.header or f"#{c.index + 1}" for c in mapping if c.field is None]
    if not ignored:
        return None
    return _("These columns match no field and are ignored: %(names)s", names=", ".join(ignored))


def field_label(obj: ObjectDef, name: str) -> str:
    f = obj.fields.get(name)
    return pick_label(f.label) or name if f is not None else name
