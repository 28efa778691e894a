"""A scoring model as the runtime reads it: the ``scoring`` section of one published version, with
the compiled ``when`` / ``points`` expressions of its rules (``AppSchema.expression``). Pure: no I/O.

Semantics (docs/scoring.md): a rule adds its ``points`` when its ``when`` holds (a blank condition
does not hold; blank points count as 0); a part is the sum of its rules; the total is the sum of all
rules; the band is the first band (in document order) with ``min <= total < max`` (either bound may
be missing) and is stored in the bands' ``field``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from schema_store import AppSchema
from schema_store.model import ExprDef


class UnknownModel(LookupError):
    """There is no scoring model of that name in the live version."""


@dataclass(frozen=True)
class ScoreRule:
    key: str
    label: Mapping[str, str] | None
    part: str | None
    when: ExprDef
    points: ExprDef


@dataclass(frozen=True)
class Part:
    key: str
    label: Mapping[str, str] | None
    field: str | None


@dataclass(frozen=True)
class Band:
    key: str
    label: Mapping[str, str] | None
    min: Decimal | None
    max: Decimal | None
    actions: tuple[Mapping[str, Any], ...]

    def holds(self, total: Decimal) -> bool:
        return (self.min is None or total >= self.min) and (self.max is None or total < self.max)


@dataclass(frozen=True)
class ScoringModel:
    name: str
    object: str
    label: Mapping[str, str] | None
    field: str
    parts: tuple[Part, ...]
    rules: tuple[ScoreRule, ...]
    bands: tuple[Band, ...]
    band_field: str | None
    every_hours: float | None
    cron: str | None
    top_limit: int | None
    top_label: Mapping[str, str] | None

    def band_for(self, total: Decimal) -> str | None:
        return next((b.key for b in self.bands if b.holds(total)), None)

    def band(self, key: str | None) -> Band | None:
        return next((b for b in self.bands if b.key == key), None)

    @property
    def score_fields(self) -> tuple[str, ...]:
        """The fields the model writes."""
        return tuple(n for n in (self.field, *(p.field for p in self.parts), self.band_field) if n)

    @property
    def references(self) -> frozenset[str]:
        """The first segment of every path the rules read (a lookup path counts as its lookup)."""
        names: set[str] = set()
        for rule in self.rules:
            for expr in (rule.when, rule.points):
                names.update(ref.split(".")[0] for ref in expr.references)
        return frozenset(names)


def _number(value: Any) -> Decimal | None:
    return None if value is None or isinstance(value, bool) else Decimal(str(value))


def model(schema: AppSchema, name: str) -> ScoringModel:
    """The compiled model ``name`` of ``schema``; UnknownModel if it has none of that name."""
    raw = schema.scoring.get(name)
    if raw is None or raw.get("object") not in schema.objects:
        raise UnknownModel(name)
    base = f"/scoring/{name}"
    rules = []
    for i, r in enumerate(raw.get("rules", ())):
        when, points = schema.expression(f"{base}/rules/{i}/when"), schema.expression(f"{base}/rules/{i}/points")
        if when is None or points is None:  # a published version always has both (checked at publish)
            raise UnknownModel(name)
        rules.append(ScoreRule(r.get("key") or f"rule{i + 1}", r.get("label"), r.get("part"), when, points))
    bands = tuple(Band(b["key"], b.get("label"), _number(b.get("min")), _number(b.get("max")),
                       tuple(b.get("actions", ()))) for b in raw.get("bands", ()))
    band_field = next((b["field"] for b in raw.get("bands", ()) if b.get("field")), None)
    schedule, top = raw.get("schedule") or {}, raw.get("top") or {}
    return ScoringModel(
        name=name, object=raw["object"], label=raw.get("label"), field=raw["field"],
        parts=tuple(Part(k, p.get("label"), p.get("field")) for k, p in (raw.get("parts") or {}).items()),
        rules=tuple(rules), bands=bands, band_field=band_field,
        every_hours=float(schedule["every_hours"]) if schedule.get("every_hours") else None,
        cron=schedule.get("cron"), top_limit=top.get("limit"), top_label=top.get("label"))


def models(schema: AppSchema, object_name: str | None = None) -> list[ScoringModel]:
    """Every model of ``schema`` (of ``object_name`` only, when given)."""
    out = []
    for name, raw in schema.scoring.items():
        if object_name is None or raw.get("object") == object_name:
            try:
                out.append(model(schema, name))
            except UnknownModel:
                continue
    return out
