"""Localized message templates rendered in Jinja2's sandbox."""
from __future__ import annotations

import pytest

from runtime.message_templates import (MessageTemplateError, check_message, compile_message,
                                       render_message)

STUCK = {"zh-CN": "{{ record.name }} 在「{{ stage }}」已停留 {{ hours }} 小时，建议：{{ suggestion }}",
         "en": "{{ record.name }} has been in {{ stage }} for {{ hours }} hours. Suggested: {{ suggestion }}"}
CONTEXT = {"record": {"name": "协和医院招标"}, "stage": "述标安排", "hours": 73,
           "suggestion": "电话确认述标时间"}


def test_renders_in_the_requested_language_with_fallback():
    tpl = compile_message(STUCK)
    assert tpl.render(CONTEXT, "zh-CN") == "协和医院招标 在「述标安排」已停留 73 小时，建议：电话确认述标时间"
    assert tpl.render(CONTEXT, "en").startswith("协和医院招标 has been in 述标安排 for 73 hours")
    only_zh = compile_message({"zh-CN": "你好 {{ name }}"})
    assert only_zh.render({"name": "李华"}, "en") == "你好 李华"
    assert compile_message("Hi {{ name }}").render({"name": "Li"}, "zh-CN") == "Hi Li"
    assert compile_message(None).render({}) == ""


def test_missing_variables_and_fields_render_empty():
    tpl = compile_message(STUCK)
    assert tpl.render({"record": {}}, "zh-CN") == " 在「」已停留  小时，建议："
    assert render_message("[{{ record.hospital.level }}]", {}) == "[]"


def test_html_output_is_escaped_text_output_is_not():
    context = {"record": {"name": "<script>alert(1)</script> & Co"}}
    assert render_message("{{ record.name }}", context, html=True) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co")
    assert render_message("{{ record.name }}", context) == "<script>alert(1)</script> & Co"


def test_the_sandbox_reaches_nothing_but_the_context():
    assert render_message("{{ record.__class__.__mro__ }}{{ ''.__class__ }}", {"record": {}}) == ""
    with pytest.raises(MessageTemplateError):
        render_message("{{ ''.format.__globals__['os'].system('true') }}", {})


def test_syntax_errors_name_the_language_and_line():
    with pytest.raises(MessageTemplateError) as caught:
        compile_message({"zh-CN": "第一行\n{{ record.name }", "en": "fine"})
    err = caught.value
    assert err.lang == "zh-CN" and err.line == 2 and err.excerpt == "{{ record.name }"
    assert err.path == "/zh-CN" and "line 2" in str(err) and "zh-CN" in str(err)


def test_check_collects_every_problem():
    problems = check_message({"zh-CN": "{% if %}", "en": "{{ a }"})
    assert [(p.lang, p.line) for p in problems] == [("zh-CN", 1), ("en", 1)]
    assert check_message(STUCK) == []
    assert [p.lang for p in check_message({"fr": "x"})] == ["fr"]
    assert "text" in str(check_message(42)[0])


def test_rendering_failures_become_template_errors():
    with pytest.raises(MessageTemplateError, match="division by zero"):
        render_message("{{ 1 / 0 }}", {})
    with pytest.raises(MessageTemplateError, match="longer than"):
        render_message("{% for i in range(100000) %}xxxxxxxxxx{% endfor %}", {})
