"""The Top-N list of a scoring model for one reader: the ``top.limit`` best-scored records the
reader may read (the record service's read scope: own / team / all / ``scope_when``), with score,
band, parts and the rules that gave the points (the Python closures, :mod:`runtime.scoring.explain`).
One SELECT ordered by the score (ties: the older record first)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime.i18n import pick_label
from runtime.records import RecordService
from runtime.records.errors import Forbidden, NotFound
from runtime.records.reading import base_select, row_to_record
from runtime.scoring.explain import explain
from runtime.scoring.models import ScoringModel, UnknownModel, model

DEFAULT_LIMIT = 50
EXPLAINED = 100   # rows whose reasons are listed (each costs an evaluation in Python)


def number(value: Decimal | None) -> int | float | None:
    """A score as JSON: whole numbers as integers."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def number_text(value: Decimal | None) -> str:
    return "" if value is None else str(number(value))


@dataclass(frozen=True)
class TopRow:
    id: int
    title: str
    score: Decimal | None
    band: str | None
    band_label: str
    parts: dict[str, Decimal | None]
    owner: int | None
    record: Mapping[str, Any]
    reasons: tuple[tuple[str, str, Decimal], ...] = ()   # (rule key, label, points) of the rules that held


@dataclass(frozen=True)
class TopList:
    model: ScoringModel
    label: str
    object_label: str
    limit: int
    parts: list[tuple[str, str]]     # (key, label) in model order
    rows: list[TopRow]

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model.name, "label": self.label, "object": self.model.object, "limit": self.limit,
                "parts": [{"key": k, "label": lbl} for k, lbl in self.parts],
                "records": [{"id": r.id, "title": r.title, "score": number(r.score), "band": r.band,
                             "band_label": r.band_label, "parts": {k: number(v) for k, v in r.parts.items()},
                             "owner": r.owner, "url": f"/app/{self.model.object}/{r.id}",
                             "reasons": [{"rule": k, "label": lbl, "points": number(p)} for k, lbl, p in r.reasons]}
                            for r in self.rows]}


def find_model(service: RecordService, name: str) -> ScoringModel:
    """The model, if the reader may read its object (NotFound otherwise, as for records)."""
    try:
        m = model(service.schema, name)
    except UnknownModel:
        raise NotFound(_("There is no scoring model called %(name)s.", name=name)) from None
    try:
        service.access(m.object, "read")
    except (NotFound, Forbidden):
        raise NotFound(_("There is no scoring model called %(name)s.", name=name)) from None
    return m


def top_list(service: RecordService, name: str, conn: sa.Connection, lang: str | None = None) -> TopList:
    m = find_model(service, name)
    access = service.access(m.object, "read")
    if not access.can_see(m.field):
        raise Forbidden(_("You may not see the score of these records."))
    schema = service.schema
    obj = schema.object(m.object)
    query, _cols, fields = base_select(conn, service.read_scope(), m.object, access)
    table = schema.table(m.object)
    limit = m.top_limit or DEFAULT_LIMIT
    rows = conn.execute(query.where(table.c[m.field].is_not(None))
                        .order_by(table.c[m.field].desc(), table.c.id.asc()).limit(limit)).mappings().all()
    band_labels = {b.key: pick_label(b.label, lang) or b.key for b in m.bands}
    rule_labels = {r.key: pick_label(r.label, lang) or r.key for r in m.rules}
    out = []
    for index, row in enumerate(rows):
        record = row_to_record(schema, m.object, row, fields)
        why = explain(service.svc, conn, schema, m, record["id"]) if index < EXPLAINED else None
        title = str(record.get(obj.title_field) or "") if obj.title_field else ""
        band = record.get(m.band_field) if m.band_field and access.can_see(m.band_field) else None
        out.append(TopRow(
            id=record["id"], title=title or f"{pick_label(obj.label, lang)} #{record['id']}", score=record.get(m.field),
            band=band, band_label=band_labels.get(band, "") if band else "",
            parts={p.key: record.get(p.field) if p.field and access.can_see(p.field) else None for p in m.parts},
            owner=record.get("owner"), record=record,
            reasons=tuple((k, rule_labels[k], p) for k, _part, p in why.matched) if why else ()))
    return TopList(model=m, label=pick_label(m.top_label or m.label, lang) or m.name,
                   object_label=pick_label(obj.label, lang), limit=limit,
                   parts=[(p.key, pick_label(p.label, lang) or p.key) for p in m.parts], rows=out)
