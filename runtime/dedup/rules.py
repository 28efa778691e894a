"""Duplicate rules of an object, compiled from the ``duplicates`` section, and the keys a record
has under them. Pure: no I/O, so the importer can dedup within a file with exactly this logic.

A rule's key is the composite of its ``match`` parts, each normalized (runtime/dedup/normalize.py)
and joined by U+001F; a record with a blank part has no key under that rule (blank never matches).
A part with ``fuzzy`` (a rapidfuzz score 50-100) matches a near value too; exact key equality is
always a match.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from runtime.dedup.normalize import normalize

SEP = "\x1f"
PART_MAX = 200          # characters of one normalized part kept in a key
GRAMS_MAX = 16          # block grams stored per fuzzy rule and record
DEFAULT_KIND = {"phone": "phone", "email": "email"}


@dataclass(frozen=True)
class MatchPart:
    field: str
    kind: str
    fuzzy: float | None = None


@dataclass(frozen=True)
class DedupRule:
    name: str
    object: str
    parts: tuple[MatchPart, ...]
    action: str                      # block | warn | merge
    message: Mapping[str, str] | None
    checksum: str                    # changes when the key definition changes (-> backfill)

    @property
    def fuzzy(self) -> bool:
        return any(p.fuzzy is not None for p in self.parts)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.parts)


_RULES: dict[tuple[str, str], tuple[DedupRule, ...]] = {}  # (schema checksum, object) -> rules
_RULES_KEPT = 256


def rules_for(app_schema: Any, object_name: str) -> tuple[DedupRule, ...]:
    """The duplicate rules of ``object_name`` in document order (none for an unknown object),
    remembered per schema checksum (a checksum names one document, so its rules never change)."""
    checksum = getattr(app_schema, "checksum", None)
    if not checksum:
        return _rules_for(app_schema, object_name)
    key = (checksum, object_name)
    rules = _RULES.get(key)
    if rules is None:
        if len(_RULES) >= _RULES_KEPT:
            _RULES.clear()
        rules = _RULES[key] = _rules_for(app_schema, object_name)
    return rules


def _rules_for(app_schema: Any, object_name: str) -> tuple[DedupRule, ...]:
    obj = app_schema.objects.get(object_name)
    if obj is None:
        return ()
    out = []
    for name, raw in (app_schema.duplicates or {}).items():
        if raw.get("object") != object_name or raw.get("active") is False:
            continue
        parts = []
        for m in raw.get("match") or ():
            f = obj.fields.get(m.get("field"))
            kind = m.get("normalize") or DEFAULT_KIND.get(getattr(f, "type", None), "text")
            fuzzy = m.get("fuzzy")
            parts.append(MatchPart(m["field"], kind, float(fuzzy) if fuzzy is not None else None))
        if not parts:
            continue
        definition = json.dumps([[p.field, p.kind] for p in parts])
        out.append(DedupRule(name, object_name, tuple(parts), raw.get("action", "warn"), raw.get("message"),
                             hashlib.sha1(definition.encode()).hexdigest()[:16]))
    return tuple(out)


def part_values(rule: DedupRule, values: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The normalized parts of a record under ``rule``; None when any part is blank."""
    parts = []
    for p in rule.parts:
        v = normalize(p.kind, values.get(p.field))
        if v is None:
            return None
        parts.append(v[:PART_MAX])
    return tuple(parts)


def join_key(parts: tuple[str, ...]) -> str:
    return SEP.join(parts)


def split_key(key: str) -> tuple[str, ...]:
    return tuple(key.split(SEP))


def rule_keys(app_schema: Any, object_name: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``[(rule_name, key)]``: the key ``values`` has under each duplicate rule of the object."""
    out = []
    for rule in rules_for(app_schema, object_name):
        parts = part_values(rule, values)
        if parts is not None:
            out.append((rule.name, join_key(parts)))
    return out


def block_grams(rule: DedupRule, parts: tuple[str, ...]) -> list[str]:
    """Blocking keys for a fuzzy rule: the exact parts plus one character bigram of the fuzzy
    parts (spaces removed), at most GRAMS_MAX of them. Two records are compared only when they
    share a block, so matching never scans the whole object."""
    exact = [v for p, v in zip(rule.parts, parts) if p.fuzzy is None]
    fuzzy = "".join(v.replace(" ", "") for p, v in zip(rule.parts, parts) if p.fuzzy is not None)
    grams: list[str] = []
    for i in range(max(1, len(fuzzy) - 1)):
        gram = fuzzy[i:i + 2]
        if gram not in grams:
            grams.append(gram)
        if len(grams) >= GRAMS_MAX:
            break
    return [join_key((*exact, "#" + g)) for g in grams]


def score(rule: DedupRule, a: tuple[str, ...], b: tuple[str, ...]) -> float | None:
    """How alike two records' parts are under ``rule`` (100 = same key); None = no match."""
    from rapidfuzz import fuzz

    if a == b:
        return 100.0
    lowest = 100.0
    for p, x, y in zip(rule.parts, a, b):
        if p.fuzzy is None:
            if x != y:
                return None
            continue
        s = fuzz.token_sort_ratio(x, y)
        if s < p.fuzzy:
            return None
        lowest = min(lowest, s)
    return round(lowest, 1)
