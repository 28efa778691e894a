"""A public form as the runtime uses it: the ``forms`` entry of the live AppSchema turned into a
small frozen object (built once per published version and kept in the services' memo)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from schema_store import AppSchema
from schema_store.model import ObjectDef

# Field types a visitor can fill in on a public page; the others can only be hidden with a default.
PUBLIC_TYPES = ("text", "textarea", "email", "phone", "url", "number", "currency", "percent", "boolean",
                "date", "datetime", "picklist", "multi_picklist")
DEFAULT_LIMITS = {"per_minute": 10, "per_hour": 100, "per_day": 500}


@dataclass(frozen=True)
class FormItem:
    field: str
    label: Any                   # the form's label, else the field's (a {"zh-CN", "en"} mapping)
    help: Any
    required: bool
    hidden: bool
    default_path: str | None     # JSON pointer of the compiled default expression


@dataclass(frozen=True)
class ChannelSpec:
    field: str | None
    source: str | None           # the UTM parameter giving the channel ("from")
    values: Mapping[str, str]    # lower-cased UTM value -> channel
    referrers: Mapping[str, str]  # host -> channel
    default: str | None
    utm: Mapping[str, str]       # utm parameter (or "referrer") -> field


@dataclass(frozen=True)
class CompanyEmail:
    fields: tuple[str, ...]
    channels: tuple[str, ...]    # empty: every channel
    free_domains: tuple[str, ...]
    message: Any


@dataclass(frozen=True)
class PublicForm:
    key: str
    object: ObjectDef
    items: tuple[FormItem, ...]
    title: Any
    description: Any
    channel: ChannelSpec
    required_by_channel: Mapping[str, tuple[str, ...]]
    company_email: CompanyEmail | None
    validations: tuple[tuple[str, Mapping[str, Any]], ...]   # (error_when path, raw rule)
    thank_you: Any
    redirect_url: str | None
    limits: tuple[tuple[str, int, int], ...]                 # (name, window seconds, max hits)
    min_fill_seconds: int
    embed_origins: tuple[str, ...]
    route: str | None

    @property
    def visible_items(self) -> tuple[FormItem, ...]:
        return tuple(i for i in self.items if not i.hidden and self.object.fields[i.field].type in PUBLIC_TYPES)

    @property
    def hidden_items(self) -> tuple[FormItem, ...]:
        return tuple(i for i in self.items if i not in self.visible_items)

    def channel_options(self) -> tuple[str, ...] | None:
        f = self.object.fields.get(self.channel.field or "")
        if f is None or f.type != "picklist":
            return None
        return f.option_values


WINDOWS = {"per_minute": 60, "per_hour": 3600, "per_day": 86400}


def load_form(schema: AppSchema, key: str) -> PublicForm | None:
    """The active form ``key`` of ``schema``, or None (unknown, inactive, or its object is gone)."""
    raw = schema.forms.get(key)
    if not isinstance(raw, Mapping) or raw.get("active", True) is False:
        return None
    obj = schema.objects.get(raw.get("object", ""))
    if obj is None:
        return None
    base = f"/forms/{key}"
    items = []
    for i, item in enumerate(raw.get("fields") or ()):
        f = obj.fields.get(item.get("field", ""))
        if f is None or f.computed:
            continue
        items.append(FormItem(field=f.name, label=item.get("label") or f.label, help=item.get("help") or f.help,
                              required=bool(item.get("required")), hidden=bool(item.get("hidden")),
                              default_path=f"{base}/fields/{i}/default" if "default" in item else None))
    channel = raw.get("channel") or {}
    company = raw.get("company_email")
    rate = raw.get("rate_limit") or {}
    return PublicForm(
        key=key, object=obj, items=tuple(items), title=raw.get("title") or raw.get("label") or obj.label,
        description=raw.get("description"),
        channel=ChannelSpec(
            field=channel.get("field"), source=channel.get("from"),
            values={str(k).strip().lower(): v for k, v in (channel.get("values") or {}).items()},
            referrers=dict(channel.get("referrers") or {}), default=channel.get("default"),
            utm=dict(channel.get("utm") or {})),
        required_by_channel={k: tuple(v) for k, v in (raw.get("required_by_channel") or {}).items()},
        company_email=CompanyEmail(tuple(company.get("fields") or ()), tuple(company.get("channels") or ()),
                                   tuple(company.get("free_domains") or ()), company.get("message"))
        if company else None,
        validations=tuple((f"{base}/validations/{i}/error_when", v)
                          for i, v in enumerate(raw.get("validations") or ()) if v.get("active", True)),
        thank_you=raw.get("thank_you"), redirect_url=raw.get("redirect_url"),
        limits=tuple((name, seconds, int(rate.get(name) or DEFAULT_LIMITS[name])) for name, seconds in WINDOWS.items()),
        min_fill_seconds=int(raw.get("min_fill_seconds") or 0),
        embed_origins=tuple(raw.get("embed_origins") or ()), route=raw.get("route"))
