"""The pure parts: where a visitor came from, company e-mail addresses, idempotency tokens."""
from __future__ import annotations

import datetime as dt

from runtime.public_forms import tokens
from runtime.public_forms.channel import Visit, captured_values, channel_of
from runtime.public_forms.definition import ChannelSpec
from runtime.public_forms.email_policy import free_mail_domain

OPTIONS = ("官网", "展会", "广告")
SPEC = ChannelSpec(field="channel", source="utm_source", values={"expo": "展会", "website": "官网"},
                   referrers={"example.com": "官网", "baidu.com": "广告"}, default=None,
                   utm={"utm_campaign": "campaign", "referrer": "referrer"})


def visit(referrer="", **params):
    return Visit.from_request(params, referrer)


def test_the_utm_source_decides_through_the_mapping_then_as_an_option():
    assert channel_of(SPEC, visit(utm_source="EXPO"), OPTIONS) == "展会"
    assert channel_of(SPEC, visit(utm_source="广告"), OPTIONS) == "广告"
    assert channel_of(SPEC, visit(utm_source="newsletter"), OPTIONS) is None


def test_the_referrer_host_decides_when_no_utm_does_and_subdomains_count():
    assert channel_of(SPEC, visit("https://www.baidu.com/s?wd=crm"), OPTIONS) == "广告"
    assert channel_of(SPEC, visit("https://shop.example.com/"), OPTIONS) == "官网"
    assert channel_of(SPEC, visit("https://notexample.com/"), OPTIONS) is None
    assert channel_of(SPEC, visit("https://www.baidu.com/", utm_source="expo"), OPTIONS) == "展会"


def test_the_default_applies_last_and_must_be_an_option():
    spec = ChannelSpec("channel", "utm_source", {}, {}, "官网", {})
    assert channel_of(spec, visit(), OPTIONS) == "官网"
    assert channel_of(ChannelSpec("channel", "utm_source", {}, {}, "电视", {}), visit(), OPTIONS) is None
    assert channel_of(ChannelSpec("channel", "utm_source", {}, {}, None, {}), visit(utm_source="电视"), None) == "电视"


def test_captured_values_fill_the_mapped_fields_and_ignore_junk():
    v = visit("javascript:alert(1)", utm_source="expo", utm_campaign="spring\x00 2026" + "x" * 400)
    assert v.referrer == ""
    values = captured_values(SPEC, v, OPTIONS)
    assert values["channel"] == "展会" and values["campaign"].startswith("spring 2026") and len(values["campaign"]) == 255
    assert "referrer" not in values
    assert captured_values(SPEC, visit("https://www.example.com/a"), OPTIONS)["referrer"] == "https://www.example.com/a"


def test_free_mail_domains_are_recognised_with_subdomains_and_form_additions():
    assert free_mail_domain("zhang@QQ.com") == "qq.com"
    assert free_mail_domain("li@vip.163.com") == "vip.163.com"
    assert free_mail_domain("wang@mail.gmail.com") == "gmail.com"
    assert free_mail_domain("zhao@huawei.com") is None
    assert free_mail_domain("zhao@partner.example.org", ["example.org"]) == "example.org"
    assert free_mail_domain("not an address") is None


def test_tokens_are_signed_per_form_and_expire():
    now = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
    token = tokens.issue("secret-key-0123456789", "demo", now)
    read = tokens.read("secret-key-0123456789", token, "demo", now + dt.timedelta(hours=1))
    assert read is not None and read.issued_at == now
    assert tokens.read("secret-key-0123456789", token, "other", now) is None
    assert tokens.read("another-secret-0123456789", token, "demo", now) is None
    assert tokens.read("secret-key-0123456789", token, "demo", now + dt.timedelta(days=3)) is None
    assert tokens.read("secret-key-0123456789", token[:-2] + "xx", "demo", now) is None
    assert tokens.read("secret-key-0123456789", ["list"], "demo", now) is None
    assert tokens.issue("secret-key-0123456789", "demo", now) != token


def test_embed_snippets_are_ready_to_paste_and_escape_the_title():
    from runtime.public_forms.snippets import embed_snippets
    s = embed_snippets("https://crm.example.com/f/demo?utm_source=x", 'Book "a" demo <now>')
    assert s.link == "https://crm.example.com/f/demo"
    assert s.script == '<script src="https://crm.example.com/f/demo/embed.js" async></script>'
    assert s.iframe.startswith('<iframe src="https://crm.example.com/f/demo?embed=1" '
                               'title="Book &#34;a&#34; demo &lt;now&gt;"')
