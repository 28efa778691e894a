"""The SLA sweep: which records have passed a warning level of their node's SLA, found by indexed
SQL, each level recorded once per stage entry (``stage_alerts`` has a unique key), recipients
notified, and ``stage_overdue`` hooks fired so rules can react.

Per node and level the threshold is one instant, the *cutoff*: a record is due when its SLA clock
started (``stage_entered_at``, or ``last_activity_at`` for "no update for N hours" SLAs) at or
before it. Hour SLAs: ``now - fraction * hours``. Workday SLAs: the business calendar is walked
backwards from ``now`` until ``fraction * workdays`` whole working days (24 h each, holidays and
weekends skipped, swapped working days counted) lie between the cutoff and now. So the database
does a plain comparison on ``stage`` + the clock column; no row is scanned in Python.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runtime.i18n import pick_label
from runtime.message_templates import MessageTemplateError, compile_message
from runtime.notifications import NotificationError, Recipient
from runtime.notifications.batch import Notice, check_channels, notify_many
from runtime.records.values import to_json
from runtime.stages.tables import stage_alerts
from runtime.system_tables import teams, users
from schema_store import AppSchema
from schema_store.database import begin_write
from schema_store.model import ActionDef, SlaDef, StageNode

if TYPE_CHECKING:
    from runtime.services import Services

log = logging.getLogger(__name__)
UTC = dt.timezone.utc
ESCALATE = "escalate"
CHUNK = 500
DEFAULT_LANG = "zh-CN"


@dataclass(frozen=True)
class LevelPlan:
    """One (object, node, level) to sweep, with its cutoff instant."""

    object: str
    node: StageNode
    level: str
    label: Any
    fraction: float
    basis: str
    cutoff: dt.datetime
    actions: tuple[ActionDef, ...]


@dataclass
class SweepReport:
    fired: int = 0
    notified: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    claim_seconds: float = 0.0   # finding and recording the due set (SQL only)
    hook_seconds: float = 0.0    # in the stage_overdue hooks (other features' handlers)


def workday_cutoff(calendar: Any, now: dt.datetime, workdays: float) -> dt.datetime:
    """The latest instant with ``workdays`` working days (24 h each) between it and ``now``."""
    remaining = dt.timedelta(days=workdays)
    local = now.astimezone(calendar.tz)
    day, end = local.date(), now.astimezone(UTC)
    for _ in range(366 * 10):
        start = dt.datetime.combine(day, dt.time(0), tzinfo=calendar.tz).astimezone(UTC)
        if calendar.is_workday(day):
            span = end - start
            if span >= remaining:
                return end - remaining
            remaining -= span
        day, end = day - dt.timedelta(days=1), start
    raise ValueError("an SLA longer than ten years")


def sla_cutoff(sla: SlaDef, fraction: float, now: dt.datetime, calendar: Any) -> dt.datetime:
    if sla.workdays is not None:
        return workday_cutoff(calendar, now, float(sla.workdays) * fraction)
    return now.astimezone(UTC) - dt.timedelta(hours=float(sla.hours or 0) * fraction)


def plans(schema: AppSchema, now: dt.datetime, calendar: Any) -> list[LevelPlan]:
    out = []
    for obj in schema.objects.values():
        if obj.pipeline is None:
            continue
        for node in obj.pipeline.nodes:
            sla = node.sla
            if sla is None or (sla.hours is None and sla.workdays is None):
                continue
            levels = [(lv.name, lv.label, float(lv.at), lv.actions) for lv in sla.levels]
            if sla.escalate:
                levels.append((ESCALATE, {"zh-CN": "升级", "en": "escalation"}, 1.0, sla.escalate))
            for name, label, fraction, actions in levels:
                out.append(LevelPlan(obj.name, node, name, label, fraction, sla.basis,
                                     sla_cutoff(sla, fraction, now, calendar), tuple(actions)))
    return out


def _db_instant(conn: sa.Connection, value: dt.datetime) -> dt.datetime:
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if conn.dialect.name == "sqlite" else value


def _claim(conn: sa.Connection, schema: AppSchema, plan: LevelPlan, now: dt.datetime) -> list[tuple[int, Any]]:
    """Insert one alert row per due record not alerted yet; returns (record_id, anchor) inserted."""
    table = schema.table(plan.object)
    anchor = table.c.stage_entered_at if plan.basis != "last_activity" else table.c.last_activity_at
    a = stage_alerts.c
    already = sa.exists().where(a.object == plan.object, a.record_id == table.c.id, a.stage == plan.node.key,
                                a.anchor_at == anchor, a.level == plan.level)
    select = sa.select(
        sa.literal(plan.object, sa.String), table.c.id, sa.literal(plan.node.key, sa.String), anchor,
        sa.literal(plan.level, sa.String), sa.literal(now.astimezone(UTC), sa.DateTime(timezone=True)),
    ).where(table.c.stage == plan.node.key, table.c.deleted_at.is_(None), anchor.is_not(None),
            anchor <= _db_instant(conn, plan.cutoff), ~already)
    columns = ["object", "record_id", "stage", "anchor_at", "level", "fired_at"]
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
    if dialect is None:
        ids = [(r[1], r[3]) for r in conn.execute(select)]
        for rid, anc in ids:
            conn.execute(stage_alerts.insert().values(object=plan.object, record_id=rid, stage=plan.node.key,
                                                      anchor_at=anc, level=plan.level, fired_at=now))
        return ids
    statement = (dialect.insert(stage_alerts).from_select(columns, select)
                 .on_conflict_do_nothing().returning(a.record_id, a.anchor_at))
    return [(r[0], r[1]) for r in conn.execute(statement)]


def sweep(svc: Services, now: dt.datetime, *, calendar: Any = None) -> SweepReport:
    """One idempotent pass over every SLA level of every pipeline (run it twice: same effect)."""
    report = SweepReport()
    with svc.engine.connect() as conn:
        schema = svc.schema_cache.get(conn)
    if schema is None or not any(o.pipeline is not None for o in schema.objects.values()):
        return report
    if calendar is None:
        factory = svc.extras.get("calendar")
        calendar = factory(schema) if factory else None
    if calendar is None:
        from runtime.business_calendar import BusinessCalendar
        calendar = BusinessCalendar.from_metadata(schema.calendar, svc.settings.timezone)
    for plan in plans(schema, now, calendar):
        with begin_write(svc.engine) as conn:
            started = time.perf_counter()
            fired = _claim(conn, schema, plan, now)
            report.claim_seconds += time.perf_counter() - started
            if not fired:
                continue
            report.fired += len(fired)
            report.levels[f"{plan.object}.{plan.node.key}.{plan.level}"] = len(fired)
            report.notified += _alert(svc, conn, schema, plan, fired, now, report)
    return report


# -- alerting ------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(?<!\{)\{\s*([A-Za-z_][\w.]*)\s*\}(?!\})")


def _template(label: Any) -> Any:
    """Metadata messages use ``{field}`` placeholders; Jinja's ``{{ }}`` works as well."""
    def convert(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: "{{ record[%r] }}" % m.group(1), text)
    if label is None:
        return None
    if isinstance(label, str):
        return convert(label)
    return {lang: convert(text) for lang, text in label.items() if text is not None}


DEFAULT_TITLE = {
    "zh-CN": "【{{ level }}】{{ object }} {{ title }} 在「{{ stage }}」已停留 {{ duration }}",
    "en": "[{{ level }}] {{ object }} {{ title }} has been in {{ stage }} for {{ duration }}",
}
DEFAULT_BODY = {
    "zh-CN": "{{ object }} {{ title }} 在「{{ stage }}」阶段已超过时限的 {{ percent }}%。",
    "en": "{{ object }} {{ title }} has used {{ percent }}% of the time allowed in {{ stage }}.",
}
QUIET_TITLE = {
    "zh-CN": "【{{ level }}】{{ object }} {{ title }} 在「{{ stage }}」已 {{ duration }}无更新",
    "en": "[{{ level }}] {{ object }} {{ title }} in {{ stage }}: no update for {{ duration }}",
}
DURATION = {("hours", "zh-CN"): "{n} 小时", ("hours", "en"): "{n} hours",
            ("workdays", "zh-CN"): "{n} 个工作日", ("workdays", "en"): "{n} workdays"}
SUGGESTED = {"zh-CN": "建议操作：", "en": "Suggested actions:"}
COLOURS = ("blue", "yellow", "red")
COLOUR_NAMES = {"zh-CN": {"blue": "蓝色预警", "yellow": "黄色预警", "red": "红色预警"},
                "en": {"blue": "blue warning", "yellow": "yellow warning", "red": "red warning"}}


def level_colour(level: str | None, fraction: float) -> str | None:
    """The colour of an SLA level: its name when that is a colour, else by how much of the time
    allowed it marks (from 100 % red, from 80 % yellow, blue before)."""
    if level is None:
        return None
    if level in COLOURS:
        return level
    return "red" if fraction >= 1 else "yellow" if fraction >= 0.8 else "blue"


def level_name(label: Any, level: str, fraction: float, lang: str) -> str:
    """What a level is called in ``lang``: its own label, else its colour's name, never its key."""
    return pick_label(label, lang) or COLOUR_NAMES.get(lang, COLOUR_NAMES["en"])[level_colour(level, fraction) or "red"]


class _People:
    """Users, their managers and teams, loaded once per alert batch."""

    def __init__(self, conn: sa.Connection):
        u = users.c
        self.rows = {r.id: r for r in conn.execute(sa.select(
            u.id, u.username, u.display_name, u.email, u.role, u.team_id, u.manager_id, u.locale, u.active))}
        self.recipients = {r.id: Recipient(id=r.id, username=r.username, display_name=r.display_name,
                                           email=r.email, locale=r.locale)
                           for r in self.rows.values() if r.active}
        self.by_name = {r.username: r.id for r in self.rows.values()}
        self.teams = {r.name: (r.id, r.manager_id) for r in conn.execute(sa.select(teams.c.id, teams.c.name,
                                                                                   teams.c.manager_id))}
        self.team_manager = {tid: mid for tid, mid in self.teams.values()}

    def manager(self, uid: int | None) -> int | None:
        row = self.rows.get(uid) if uid is not None else None
        return row.manager_id if row is not None else None

    def resolve(self, spec: Mapping[str, Any], record: Mapping[str, Any]) -> list[int]:
        kind = spec.get("kind")
        owner = record.get("owner")
        if kind == "owner":
            return [owner] if owner else []
        if kind == "owner_manager":
            m = self.manager(owner)
            return [m] if m else []
        if kind == "owner_director":  # the manager's manager
            d = self.manager(self.manager(owner))
            return [d] if d else []
        if kind == "user":
            uid = self.by_name.get(spec.get("user"))
            return [uid] if uid else []
        if kind == "role":
            return [r.id for r in self.rows.values() if r.role == spec.get("role") and r.active]
        if kind == "team":
            tid = self.teams.get(spec.get("team"), (None, None))[0]
            return [r.id for r in self.rows.values() if tid is not None and r.team_id == tid and r.active]
        if kind == "team_manager":
            if spec.get("team"):
                m = self.teams.get(spec["team"], (None, None))[1]
            else:
                row = self.rows.get(owner)
                m = self.team_manager.get(row.team_id) if row is not None else None
            return [m] if m else []
        if kind == "field":
            value = record.get(spec.get("field"))
            return [value] if isinstance(value, int) and value in self.rows else []
        return []

    def locale(self, uid: int) -> str:
        row = self.rows.get(uid)
        loc = (row.locale if row is not None else None) or DEFAULT_LANG
        return "zh-CN" if loc.lower().startswith("zh") else "en"


def _alert(svc: Services, conn: sa.Connection, schema: AppSchema, plan: LevelPlan,
           fired: list[tuple[int, Any]], now: dt.datetime, report: SweepReport) -> int:
    obj = schema.object(plan.object)
    table = schema.table(plan.object)
    people = _People(conn)
    notifies = [a for a in plan.actions if a.type == "notify"] or \
        [ActionDef(type="notify", params={"to": [{"kind": "owner"}], "channels": ["in_app"]}, path="")]
    others = tuple(a for a in plan.actions if a.type != "notify")
    compiled = [(a, compile_message(_template(a.params.get("title")) or
                                    (QUIET_TITLE if plan.basis == "last_activity" else DEFAULT_TITLE)),
                 compile_message(_template(a.params.get("message")) or DEFAULT_BODY)) for a in notifies]
    sla = plan.node.sla
    hours = float(sla.hours) * plan.fraction if sla and sla.hours is not None else \
        float(sla.workdays or 0) * plan.fraction * 24 if sla else 0
    unit = "workdays" if sla is not None and sla.workdays is not None else "hours"
    amount = float(sla.workdays) * plan.fraction if unit == "workdays" else hours  # type: ignore[union-attr]
    title_field = obj.title_field
    count = 0
    hooks = svc.hooks("stage_overdue")
    tz = svc.settings.tz
    for action, _t, _b in compiled:
        try:
            check_channels(tuple(action.params.get("channels") or ("in_app",)))
        except NotificationError as exc:
            report.errors.append(str(exc))
            return 0
    for start in range(0, len(fired), CHUNK):
        chunk = fired[start:start + CHUNK]
        anchors = {rid: anchor for rid, anchor in chunk}
        notices: list[Notice] = []
        payloads = []
        rows = conn.execute(table.select().where(table.c.id.in_(list(anchors)))).mappings()
        for row in rows:
            record = dict(row)
            text = {k: to_json(v, tz) for k, v in record.items()}
            anchor = anchors[record["id"]]
            anchor_iso = (anchor if isinstance(anchor, str) else
                          (anchor.replace(tzinfo=UTC) if anchor.tzinfo is None else anchor).isoformat())
            for index, (action, title_tpl, body_tpl) in enumerate(compiled):
                recipients: list[int] = []
                for spec in action.params.get("to", ()):
                    recipients.extend(people.resolve(spec, record))
                recipients = list(dict.fromkeys(r for r in recipients if r))
                by_lang: dict[str, list[int]] = {}
                for uid in recipients:
                    by_lang.setdefault(people.locale(uid), []).append(uid)
                channels = tuple(action.params.get("channels") or ("in_app",))
                url = action.params.get("webhook_url")
                webhook = {"url": url, "secret": svc.settings.secret_key} if url else None
                if "webhook" in channels and webhook is None:
                    channels = tuple(c for c in channels if c != "webhook") or ("in_app",)
                for lang, uids in by_lang.items():
                    ctx = {"record": text, "stage": pick_label(plan.node.label, lang) or plan.node.key,
                           "level": level_name(plan.label, plan.level, plan.fraction, lang),
                           "object": pick_label(obj.label, lang) or obj.name,
                           "title": text.get(title_field) if title_field else f"#{record['id']}",
                           "hours": f"{hours:g}", "percent": f"{plan.fraction * 100:g}",
                           "duration": DURATION[(unit, lang)].format(n=f"{amount:g}")}
                    try:
                        title = title_tpl.render(ctx, lang).strip()
                        body = body_tpl.render(ctx, lang).strip()
                    except MessageTemplateError as exc:
                        report.errors.append(str(exc))
                        continue
                    steps = [pick_label(item, lang) for item in action.params.get("checklist", ())] or \
                        ([pick_label(plan.node.guidance, lang)] if plan.node.guidance else [])
                    if steps:
                        body += "\n" + SUGGESTED[lang] + "\n" + "\n".join(f"☐ {s}" for s in steps if s)
                    key = f"sla:{plan.object}:{record['id']}:{plan.node.key}:{anchor_iso}:{plan.level}:{index}"
                    notices.extend(Notice(
                        user_id=uid, title=title, body=body, channels=channels, object=plan.object,
                        record_id=record["id"], link=f"/app/{plan.object}/{record['id']}", dedupe_key=key,
                        webhook=webhook) for uid in uids)
            payloads.append({"object": plan.object, "record_id": record["id"], "stage": plan.node.key,
                             "level": plan.level, "anchor_at": anchor_iso, "basis": plan.basis,
                             "fraction": plan.fraction, "actions": others, "now": now,
                             "schema": schema})  # listeners reuse it instead of re-reading it per alert
        try:
            count += notify_many(conn, notices, people.recipients, now=now)
        except NotificationError as exc:
            report.errors.append(str(exc))
        started = time.perf_counter()
        for payload in payloads:
            for hook in hooks:
                hook(svc, conn, payload)
        report.hook_seconds += time.perf_counter() - started
    return count


def alerts_for(conn: sa.Connection, object_name: str, record_id: int) -> Iterable[Mapping[str, Any]]:
    a = stage_alerts.c
    return conn.execute(sa.select(stage_alerts).where(a.object == object_name, a.record_id == record_id)
                        .order_by(a.fired_at, a.id)).mappings().all()
