"""The public form's part of the save pipeline. A submission is a normal create through the
RecordService; the service carries a :class:`Submission` and these hooks (registered like any
extension's) add the form's rules to the save:

- ``before_save``: the form's ``route`` decides the owner when the object's own create routes do not
  already run it;
- ``validate``: the form's required fields, per-channel required fields, company e-mail and the
  form's validations, collected with every other problem of the save;
- ``after_save``: the idempotency token is stored with the new record in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from runtime.automation import assignment
from runtime.automation.context import eval_context, evaluate
from runtime.i18n import pick_label
from runtime.public_forms import tokens
from runtime.public_forms.definition import PublicForm
from runtime.public_forms.email_policy import free_mail_domain
from runtime.records.checks import Problems
from runtime.records.evaluation import compute_formulas
from runtime.records.hooks import SaveEvent

ATTRIBUTE = "public_form_submission"   # set on the RecordService doing the submission


@dataclass
class Submission:
    form: PublicForm
    token: tokens.Token
    decision: Any = None
    stored: bool = False
    record_id: int | None = None
    extra: dict = field(default_factory=dict)


def _submission(event: SaveEvent) -> Submission | None:
    sub = getattr(event.service, ATTRIBUTE, None)
    if sub is None or event.action != "create" or event.object_name != sub.form.object.name or sub.stored:
        return None
    return sub


def blank(value: Any) -> bool:
    return value is None or value == "" or value == () or value == []


def _ctx_for(event: SaveEvent):
    svc, schema = event.service.svc, event.service.schema
    return lambda exprs: eval_context(svc, event.conn, schema, event.object_name, event.record, exprs,
                                      actor=event.service.actor, is_new=True)[0]


def before_save(event: SaveEvent) -> None:
    sub = _submission(event)
    if sub is None or not sub.form.route:
        return
    schema = event.service.schema
    table = schema.assignment.get("routes", {}).get(sub.form.route)
    if table is None or table.get("object") != event.object_name or "create" in tuple(table.get("on", ("create",))):
        return  # unknown, for another object, or already run by the automation's own create routes
    decision = assignment.route(event.conn, schema, event.object_name, sub.form.route, event.record, _ctx_for(event))
    if assignment.apply(event.record, decision):
        event.changed.add("owner")
        sub.decision = decision


def validate(event: SaveEvent, problems: Problems) -> None:
    sub = _submission(event)
    if sub is None:
        return
    form, record, lang = sub.form, event.record, event.service.lang
    for item in form.items:
        if item.required and blank(record.get(item.field)):
            problems.add(item.field, _("This field is required."))
    channel = record.get(form.channel.field) if form.channel.field else None
    for name in form.required_by_channel.get(channel, ()) if isinstance(channel, str) else ():
        if blank(record.get(name)) and not problems.errors.get(name):   # one "required" per field
            problems.add(name, _("Required for visitors from %(channel)s.", channel=_channel_label(form, channel, lang)))
    policy = form.company_email
    if policy is not None and (not policy.channels or channel in policy.channels):
        for name in policy.fields:
            value = record.get(name)
            domain = free_mail_domain(value, policy.free_domains) if isinstance(value, str) else None
            if domain:
                problems.add(name, pick_label(policy.message, lang) if policy.message else _(
                    "Please use your company email address; %(domain)s addresses are not accepted.", domain=domain))
    if form.validations:
        schema = event.service.schema
        exprs = [schema.expression(path) for path, _rule in form.validations]
        formulas = [f.formula for f in form.object.fields.values() if f.formula is not None]
        ctx, full = eval_context(event.service.svc, event.conn, schema, event.object_name, event.record,
                                 [*exprs, *formulas], actor=event.service.actor, is_new=True)
        compute_formulas(form.object, full, lambda _record: ctx)   # ctx reads ``full``: formulas included
        for expr, (_path, rule) in zip(exprs, form.validations):
            if evaluate(expr, ctx, False) is True:
                message = pick_label(rule.get("message"), lang)
                if rule.get("field"):
                    problems.add(rule["field"], message)
                else:
                    problems.rules.append({"key": rule.get("key"), "message": message})


def _channel_label(form: PublicForm, value: str, lang: str) -> str:
    f = form.object.fields.get(form.channel.field or "")
    option = next((o for o in (f.options if f else ()) if o.value == value), None)
    return (pick_label(option.label, lang) if option is not None and option.label else "") or value


def after_save(event: SaveEvent) -> None:
    sub = _submission(event)
    if sub is None or event.record_id is None:
        return
    now = event.service.now()
    if sub.decision is not None:
        assignment.record_decision(event.conn, event.object_name, event.record_id, sub.decision,
                                   source=f"form:{sub.form.key}", actor_id=event.service.actor.id, at=now)
    tokens.mark_used(event.conn, sub.token, sub.form.key, event.object_name, event.record_id, now)
    sub.stored, sub.record_id = True, event.record_id


HOOKS = (("before_save", before_save), ("validate", validate), ("after_save", after_save))
