"""The same scores computed in Python with the expressions' Python closures, rule by rule: what the
Top-N page shows as "why", and what the differential tests compare with the SQL recompute."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

import sqlalchemy as sa

from runtime.automation.context import eval_context, evaluate, load_raw, system_actor
from runtime.scoring.models import ScoringModel
from schema_store import AppSchema

if TYPE_CHECKING:
    from runtime.services import Services


@dataclass(frozen=True)
class Explained:
    parts: dict[str, Decimal]
    total: Decimal
    band: str | None
    matched: tuple[tuple[str, str | None, Decimal], ...]   # (rule key, part, points) of rules that held


def _points(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def explain_record(svc: Services, conn: sa.Connection, schema: AppSchema, m: ScoringModel,
                   record: Mapping[str, Any]) -> Explained:
    exprs = [e for r in m.rules for e in (r.when, r.points)]
    ctx = eval_context(svc, conn, schema, m.object, record, exprs, actor=system_actor(conn, record))[0]
    parts = {p.key: Decimal(0) for p in m.parts}
    total = Decimal(0)
    matched = []
    for rule in m.rules:
        if evaluate(rule.when, ctx, False) is not True:
            continue
        points = _points(evaluate(rule.points, ctx))
        total += points
        if rule.part in parts:
            parts[rule.part] += points
        matched.append((rule.key, rule.part, points))
    return Explained(parts, total, m.band_for(total), tuple(matched))


def explain(svc: Services, conn: sa.Connection, schema: AppSchema, m: ScoringModel, record_id: int) -> Explained | None:
    record = load_raw(conn, schema, m.object, record_id)
    return None if record is None else explain_record(svc, conn, schema, m, record)
