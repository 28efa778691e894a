"""The channel registry: built-ins register like an extension would; frozen after start-up."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from runtime.notifications import (ChannelRegistry, DeliveryError, Message, Recipient, Target,
                                   builtin_channels, channel_registry)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"


class RecordingChannel:
    """An extension's channel (say, an SMS gateway) that records what it would send."""

    name = "sms"
    instant = False

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[Message] = []
        self.fail = fail

    def target(self, recipient: Recipient, webhook) -> Target:
        return Target(address=f"+86-{recipient.id:08d}")

    def send(self, message: Message, *, settings, now: dt.datetime) -> None:
        if self.fail:
            raise self.fail
        self.sent.append(message)


def test_an_extension_channel_is_written_and_delivered_like_a_built_in(bench):
    registry = builtin_channels()
    sms = registry.register(RecordingChannel())
    registry.freeze()
    rep = bench.users.add("lihua", "rep")
    bench.notify(user_ids=[rep], channels=("in_app", "sms"), registry=registry, title="短信")
    assert bench.deliver(registry=registry).sent == 1
    [message] = sms.sent
    assert message.target == f"+86-{rep:08d}" and message.title == "短信" and message.recipient.id == rep


def test_a_channel_that_crashes_is_recorded_never_raised(make_bench):
    bench = make_bench()
    registry = builtin_channels()
    registry.register(RecordingChannel(fail=KeyError("gateway exploded")))
    rep = bench.users.add("x", "rep")
    bench.notify(user_ids=[rep], channels=("sms",), registry=registry)
    report = bench.deliver(registry=registry)
    assert report.failed == 1 and "KeyError" in bench.deliveries()[0]["last_error"]
    # a worker without the extension: the delivery fails visibly instead of vanishing
    bench.advance(minutes=1)
    assert bench.deliver().failed == 1
    assert "unknown notification channel 'sms'" in bench.deliveries()[0]["last_error"]


def test_registry_rules():
    registry = ChannelRegistry()
    registry.register(RecordingChannel())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(RecordingChannel())
    bad = RecordingChannel()
    bad.name = "SMS!"
    with pytest.raises(ValueError, match="API name"):
        registry.register(bad)
    registry.freeze()
    with pytest.raises(RuntimeError, match="frozen"):
        registry.register(RecordingChannel())
    assert "sms" in registry and registry.names() == ("sms",)


def test_the_apps_registry_is_frozen_once_requests_are_served(app):
    registry = channel_registry(app)
    assert registry.names() == ("in_app", "email", "webhook") and not registry.frozen
    app.test_client().get("/healthz")
    assert registry.frozen


def test_every_built_in_channel_is_documented():
    documented = set(re.findall(r"^### `([a-z_]+)`", DOCS.read_text(encoding="utf-8"), re.M))
    assert set(builtin_channels().names()) <= documented


def test_delivery_error_is_an_exception_channels_raise():
    assert issubclass(DeliveryError, Exception)
