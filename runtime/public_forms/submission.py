"""One submission of a public form: the visitor's input read from the POST (only the form's own
fields, bounded), the captured channel values added, and the record created through the
RecordService as the "web form" system user. Returns an :class:`Outcome` the view renders."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from runtime import users
from runtime.automation.context import evaluate, load_raw
from runtime.dedup.merging import create_or_merge
from runtime.public_forms import tokens
from runtime.public_forms.channel import Visit, captured_values
from runtime.public_forms.definition import PublicForm
from runtime.public_forms.hooks import ATTRIBUTE, Submission
from runtime.records.errors import Invalid
from runtime.records.evaluation import context
from runtime.records.service import RecordService
from schema_store import AppSchema
from schema_store.database import begin_write

if TYPE_CHECKING:
    from runtime.services import Services

SYSTEM_USER = "web-form"
PAGE_ACTOR = users.Actor(id=0, username=SYSTEM_USER, role="admin")   # for defaults shown on a page (no I/O)
MAX_TEXT, MAX_TEXTAREA, MAX_CHOICES = 1000, 10000, 100


@dataclass
class Outcome:
    record: dict[str, Any] | None = None         # the record created now or by the first submit
    errors: dict[str, list[str]] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    repeated: bool = False                        # the token had been used: nothing new was created

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rules


def form_actor(svc: Services) -> users.Actor:
    """The system user public forms act as (created on first use; it cannot sign in). It acts
    with full rights: what a visitor can write is limited by the form's field list, not by roles."""
    with svc.engine.connect() as conn:
        user_id = users.find_user_id(conn, SYSTEM_USER)
    if user_id is None:
        try:
            with begin_write(svc.engine) as conn:
                user_id = users.create_user(conn, SYSTEM_USER, "rep", display_name="网页表单 / Web form",
                                            now=svc.clock.now())
        except (sa.exc.IntegrityError, users.UserError):   # created meanwhile by another request
            with svc.engine.connect() as conn:
                user_id = users.find_user_id(conn, SYSTEM_USER)
    with svc.engine.connect() as conn:
        actor = users.get_actor(conn, user_id) if user_id else None
    return dataclasses.replace(actor or users.Actor(id=0, username=SYSTEM_USER, role="rep"), role="admin")


def read_input(form: PublicForm, posted: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The visible fields' values from the POST (a MultiDict): strings, lists for multi-selects;
    anything else posted is ignored. Over-long values are refused, not cut."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for item in form.visible_items:
        f = form.object.fields[item.field]
        if f.type == "multi_picklist":
            values = [v for v in posted.getlist(item.field) if isinstance(v, str) and v][:MAX_CHOICES + 1]
            if len(values) > MAX_CHOICES:
                errors[item.field] = [_("Choose from the list.")]
            data[item.field] = values or None
            continue
        value = posted.get(item.field)
        if value is None:
            continue
        limit = MAX_TEXTAREA if f.type == "textarea" else MAX_TEXT
        if len(value) > limit:
            errors[item.field] = [_("At most %(n)s characters.", n=limit)]
            data[item.field] = value[:limit]
            continue
        data[item.field] = value.strip() if f.type not in ("textarea",) else value
    return data, errors


def defaults(svc: Services, schema: AppSchema, form: PublicForm, actor: users.Actor) -> dict[str, Any]:
    """The form's ``default`` expressions (hidden fields take only these; visible ones start with them)."""
    ctx = context({}, actor=actor, now=svc.clock.now(), tz=svc.settings.tz, is_new=True)
    out = {}
    for item in form.items:
        if item.default_path:
            value = evaluate(schema.expression(item.default_path), ctx)
            if value is not None:
                out[item.field] = value
    return out


def submit(svc: Services, schema: AppSchema, form: PublicForm, data: Mapping[str, Any], visit: Visit,
           token: tokens.Token, *, lang: str) -> Outcome:
    """Create the record (once per token). ``data`` is the visitor's input from :func:`read_input`."""
    with svc.engine.connect() as conn:
        was_used, record_id = tokens.used(conn, token)
        if was_used:
            return Outcome(record=_load(conn, schema, form, record_id), repeated=True)
    actor = form_actor(svc)
    # the form's defaults, then what the visit tells (channel, UTM), then what the visitor typed;
    # ``data`` holds visible fields only, so hidden ones never take the visitor's input
    values = {k: v for k, v in defaults(svc, schema, form, actor).items() if k not in data}
    values.update({k: v for k, v in captured_values(form.channel, visit, form.channel_options()).items()
                   if k in form.object.fields and not form.object.fields[k].computed})
    values.update({k: v for k, v in data.items() if v not in (None, "", [])})
    service = RecordService(svc, actor, schema=schema, source=f"form:{form.key}", lang=lang)
    setattr(service, ATTRIBUTE, Submission(form, token))
    try:  # a ``merge`` duplicate rule puts a returning visitor's new details into their lead
        record, _merged_into = create_or_merge(service, form.object.name, values)
    except Invalid as exc:
        return Outcome(errors=exc.errors, rules=[r.get("message", "") for r in exc.rules])
    except sa.exc.IntegrityError:
        with svc.engine.connect() as conn:
            was_used, record_id = tokens.used(conn, token)
            if not was_used:
                raise
            return Outcome(record=_load(conn, schema, form, record_id), repeated=True)
    return Outcome(record=record)


def _load(conn: sa.Connection, schema: AppSchema, form: PublicForm, record_id: int | None) -> dict[str, Any]:
    if record_id is None:
        return {}
    return load_raw(conn, schema, form.object.name, record_id) or {}
