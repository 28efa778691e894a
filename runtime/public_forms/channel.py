"""Where a visitor came from: UTM parameters and the referring page, turned into the channel and
the captured values the form's ``channel`` metadata asks for. Pure: no Flask, no database."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from runtime.public_forms.definition import ChannelSpec

UTM_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_UTM, MAX_REFERRER = 255, 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Visit:
    """What a visit tells: the UTM parameters present and the referring page (cleaned, bounded)."""

    params: Mapping[str, str]
    referrer: str = ""

    @classmethod
    def from_request(cls, values: Mapping[str, Any], referrer: Any) -> "Visit":
        params = {}
        for name in UTM_PARAMS:
            value = clean(values.get(name), MAX_UTM)
            if value:
                params[name] = value
        ref = clean(referrer, MAX_REFERRER)
        return cls(params, ref if ref.startswith(("http://", "https://")) else "")

    def hidden_fields(self) -> dict[str, str]:
        """What the page carries through its POST (the visit is judged when the page is served)."""
        return {**self.params, "ref": self.referrer}


def clean(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip()[:limit]


def referrer_host(referrer: str) -> str:
    try:
        return (urlsplit(referrer).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def channel_of(spec: ChannelSpec, visit: Visit, options: tuple[str, ...] | None) -> str | None:
    """The channel: the UTM parameter named by ``from`` (mapped by ``values``, or taken as it is
    when it is a valid option), else the referrer's host (``referrers``), else ``default``.
    With a picklist channel field, only its options count."""
    def valid(value: str | None) -> str | None:
        if not value:
            return None
        if options is None:
            return value
        if value in options:
            return value
        return next((o for o in options if o.lower() == value.lower()), None)

    raw = visit.params.get(spec.source or "", "")
    if raw:
        found = valid(spec.values.get(raw.lower())) or valid(raw)
        if found:
            return found
    host = referrer_host(visit.referrer)
    if host:
        for domain, value in spec.referrers.items():
            if host == domain or host.endswith("." + domain):
                found = valid(value)
                if found:
                    return found
    return valid(spec.default)


def captured_values(spec: ChannelSpec, visit: Visit, options: tuple[str, ...] | None) -> dict[str, str]:
    """Field values the visit fills: the channel field and the fields UTM parameters map to."""
    out: dict[str, str] = {}
    for param, field in spec.utm.items():
        value = visit.referrer if param == "referrer" else visit.params.get(param, "")
        if value:
            out[field] = value
    channel = channel_of(spec, visit, options)
    if spec.field and channel:
        out[spec.field] = channel
    return out
