"""docs/automation.md's section on internal addresses: its refusal message is the real one, and its
CRM_OUTBOUND_ALLOW examples behave as described."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.automation.actions import WebhookRefused, run_webhook
from runtime.config import ConfigError, load_settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "automation.md"


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("### Webhooks and internal addresses", 1)[1].split("\n## ", 1)[0]


def test_the_documented_refusal_is_what_an_admin_sees(make_app):
    [shown] = re.findall(r"```text\n(.*?)\n```", section(), re.S)
    url = re.search(r"webhook (\S+):", shown).group(1)
    app = make_app()
    with app.extensions["crm"].engine.connect() as conn, pytest.raises(WebhookRefused) as refused:
        run_webhook(_Ctx(conn), {"url": url, "payload": {}})
    assert f"{type(refused.value).__name__}: {refused.value}" == shown


def test_the_documented_settings_examples(tmp_path):
    good = re.search(r"e\.g\. `([^`]+)`", section()).group(1)
    env = {"CRM_INSTANCE_PATH": str(tmp_path), "CRM_OUTBOUND_ALLOW": good}
    assert load_settings(env=env).outbound_allow == ("erp.local", "10.0.0.0/8", "127.0.0.1/32")
    bad = re.search(r"a bad entry \(`([^`]+)`\)", section()).group(1)
    with pytest.raises(ConfigError, match=re.escape(bad)):
        load_settings(env={**env, "CRM_OUTBOUND_ALLOW": bad})


class _Ctx:
    """The little of an outbox ActionContext that run_webhook reads."""

    def __init__(self, conn) -> None:
        self.conn, self.clock, self.idempotency_key = conn, None, "docs:example"
