"""The forms section's new keys are checked at publish time, each problem at its place."""
from __future__ import annotations

from schema_store.semantic import validate
from tests.runtime.public_forms.kit import form_doc


def problems(doc):
    return {d.path: d.code for d in validate(doc)}


def test_the_test_document_is_valid():
    assert problems(form_doc()) == {}


def test_channel_values_referrers_default_and_company_email_must_fit_the_channel_field():
    doc = form_doc(channel={"field": "channel", "from": "utm_source", "values": {"expo": "展览"},
                            "referrers": {"example.com": "网站"}, "default": "电视"},
                   company_email={"fields": ["employees", "email"], "channels": ["邮件"]})
    assert problems(doc) == {
        "/forms/demo/channel/values/expo": "form.channel_value",
        "/forms/demo/channel/referrers/example.com": "form.channel_value",
        "/forms/demo/channel/default": "form.channel_value",
        "/forms/demo/company_email/fields/0": "field.wrong_kind",
        "/forms/demo/company_email/channels/0": "form.channel_value",
        "/forms/closed/channel/values/expo": "form.channel_value",
        "/forms/closed/channel/referrers/example.com": "form.channel_value",
        "/forms/closed/channel/default": "form.channel_value",
        "/forms/closed/company_email/fields/0": "field.wrong_kind",
        "/forms/closed/company_email/channels/0": "form.channel_value",
    }


def test_the_document_schema_refuses_malformed_domains_and_origins():
    doc = form_doc(company_email={"fields": ["email"], "free_domains": ["Not A Domain"]},
                   embed_origins=["www.example.com"], min_fill_seconds=-1)
    found = problems(doc)
    assert {"/forms/demo/company_email/free_domains/0", "/forms/demo/embed_origins/0",
            "/forms/demo/min_fill_seconds"} <= set(found)


def test_a_form_route_must_route_the_forms_object():
    doc = form_doc()
    doc["objects"]["contact"] = {"label": {"zh-CN": "联系人"}, "fields": {"channel": doc["objects"]["lead"]["fields"]["channel"]}}
    doc["assignment"]["routes"]["web_leads"]["object"] = "contact"
    assert problems(doc) == {"/forms/demo/route": "form.route_object", "/forms/closed/route": "form.route_object"}
