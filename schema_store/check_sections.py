"""Semantic checks of the remaining sections: duplicates, forms, reports, roles and permissions,
teams, calendar."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schema_store.check_automation import check_placeholders
from schema_store.check_context import Context, as_list, as_map, as_str
from schema_store.check_objects import check_validation
from schema_store.diagnostics import join, pointer

NOT_INPUT = ("formula", "rollup", "autonumber", "system")


MATCHABLE = ("text", "textarea", "email", "phone", "url", "number", "currency", "percent", "picklist", "date",
             "datetime", "lookup", "user", "boolean", "autonumber")


def check_duplicates(ctx: Context) -> None:
    """Match fields exist, hold a stored value, and appear once per rule."""
    for _key, rule, path, obj in ctx.items_on_objects("duplicates"):
        seen: set[str] = set()
        for i, m in enumerate(as_list(rule.get("match"))):
            name = as_map(m).get("field")
            fpath = join(path, "match", i, "field")
            ctx.ref_field(obj, name, fpath, system=False, kinds=MATCHABLE, expected="a field with a stored value")
            if isinstance(name, str) and name in seen:
                ctx.report("dup.key", fpath, name=name)
            seen.add(name if isinstance(name, str) else "")


def check_forms(ctx: Context) -> None:
    routes = as_map(as_map(ctx.doc.get("assignment")).get("routes"))
    for key, form, path, obj in ctx.items_on_objects("forms"):
        for i, item in enumerate(as_list(form.get("fields"))):
            item = as_map(item)
            ipath = join(path, "fields", i)
            info = ctx.ref_field(obj, item.get("field"), join(ipath, "field"), system=False)
            if info is not None and info.type in NOT_INPUT:
                ctx.report("field.wrong_kind", join(ipath, "field"), name=item.get("field"), actual=info.type,
                           expected="a field people can fill in")
            elif info is not None and "default" in item:
                ctx.expr(item["default"], obj, join(ipath, "default"), expect=info.expr_type)
        channel = as_map(form.get("channel"))
        channel_info = None
        if "field" in channel:
            channel_info = ctx.ref_field(obj, channel["field"], join(path, "channel", "field"), system=False)
        for param, field in as_map(channel.get("utm")).items():
            ctx.ref_field(obj, field, join(path, "channel", "utm", param), system=False)
        def channel_option(value: Any, vpath: str) -> None:
            if channel_info is not None and channel_info.options is not None and value not in channel_info.options:
                ctx.report("form.channel_value", vpath, value=value, field=channel.get("field"))

        for mapping in ("values", "referrers"):
            for source, value in as_map(channel.get(mapping)).items():
                channel_option(value, join(path, "channel", mapping, source))
        if "default" in channel:
            channel_option(channel["default"], join(path, "channel", "default"))
        for value, fields in as_map(form.get("required_by_channel")).items():
            cpath = join(path, "required_by_channel", value)
            channel_option(value, cpath)
            for j, name in enumerate(as_list(fields)):
                ctx.ref_field(obj, name, join(cpath, j), system=False)
        company = as_map(form.get("company_email"))
        for j, name in enumerate(as_list(company.get("fields"))):
            ctx.ref_field(obj, name, join(path, "company_email", "fields", j), system=False,
                          kinds=("email", "text"), expected="an email or text field")
        for j, value in enumerate(as_list(company.get("channels"))):
            channel_option(value, join(path, "company_email", "channels", j))
        validations = as_list(form.get("validations"))
        ctx.check_keys_unique(validations, join(path, "validations"))
        for i, v in enumerate(validations):
            check_validation(ctx, obj, as_map(v), join(path, "validations", i))
        for label_key in ("thank_you", "title", "description"):
            check_placeholders(ctx, obj, form.get(label_key), join(path, label_key))
        route = form.get("route")
        if isinstance(route, str):
            if route not in routes:
                ctx.report("ref.route", join(path, "route"), name=route)
            elif as_map(routes[route]).get("object") != obj:
                ctx.report("form.route_object", join(path, "route"), name=route,
                           object=str(as_map(routes[route]).get("object")), form_object=obj)


def check_reports(ctx: Context) -> None:
    for key, report, path, obj in ctx.items_on_objects("reports"):
        rtype = report.get("type")
        if "filter" in report:
            ctx.expr(report["filter"], obj, join(path, "filter"), expect="boolean")
        for date_key in ("date_field",):
            if date_key in report:
                ctx.ref_field(obj, report[date_key], join(path, date_key))
        needs_stages = rtype in ("funnel", "stage_distribution") or (rtype == "matrix" and "columns" not in report)
        keys = ctx.pipeline_keys(obj)
        if needs_stages and keys is None:
            ctx.report("report.stage_field", join(path, "type"), object=obj)
        for i, stage in enumerate(as_list(report.get("stages"))):
            if keys is not None and isinstance(stage, str) and stage not in keys:
                ctx.report("ref.stage", join(path, "stages", i), object=obj, name=stage)
        for axis in ("rows", "columns", "group_by"):
            if axis in report:
                ctx.ref_field(obj, report[axis], join(path, axis))
        if isinstance(report.get("measure"), dict):
            _check_measure(ctx, obj, report["measure"], join(path, "measure"))
        measures = as_map(report.get("measures"))
        for mkey, measure in measures.items():
            _check_measure(ctx, obj, as_map(measure), join(path, "measures", mkey))
        if "formula" in report:
            ctx.expr(report["formula"], obj, join(path, "formula"), expect="number",
                     fields={name: "number" for name in measures})


def _check_measure(ctx: Context, obj: str, measure: dict[str, Any], path: str) -> None:
    if "field" in measure:
        info = ctx.ref_field(obj, measure["field"], join(path, "field"))
        if info is not None and measure.get("function") in ("sum", "avg") and info.expr_type not in (
                "number", "currency"):
            ctx.report("field.wrong_kind", join(path, "field"), name=measure["field"],
                       actual=info.expr_type or info.type, expected="number")
    if "filter" in measure:
        ctx.expr(measure["filter"], obj, join(path, "filter"), expect="boolean")


def check_permissions(ctx: Context) -> None:
    roles = ctx.known_roles()
    for role, objects in as_map(ctx.doc.get("permissions")).items():
        path = pointer("permissions", role)
        if role not in roles:
            ctx.report("ref.role", path, name=role)
        for obj, perm in as_map(objects).items():
            perm = as_map(perm)
            opath = join(path, obj)
            if not ctx.ref_object(obj, opath):
                continue
            if "scope_when" in perm:
                ctx.expr(perm["scope_when"], obj, join(opath, "scope_when"), expect="boolean")
            for name in as_map(perm.get("fields")):
                ctx.ref_field(obj, name, join(opath, "fields", name), system=False)


def check_teams(ctx: Context) -> None:
    teams = as_map(ctx.doc.get("teams"))
    for key, team in teams.items():
        parent = as_map(team).get("parent")
        if isinstance(parent, str) and parent not in teams:
            ctx.report("ref.team", pointer("teams", key, "parent"), name=parent)


def check_calendar(ctx: Context) -> None:
    cal = as_map(ctx.doc.get("calendar"))
    tz = as_str(cal.get("timezone"))
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            ctx.report("calendar.timezone", "/calendar/timezone", value=tz)
    dates: dict[str, set[str]] = {}
    for key in ("holidays", "extra_workdays"):
        dates[key] = set()
        for i, value in enumerate(as_list(cal.get(key))):
            if not isinstance(value, str):
                continue
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                ctx.report("calendar.date", pointer("calendar", key, i), value=value)
                continue
            dates[key].add(value)
    for i, value in enumerate(as_list(cal.get("extra_workdays"))):
        if value in dates["holidays"]:
            ctx.report("calendar.conflict", pointer("calendar", "extra_workdays", i), value=value)
