"""Notification channels and their registry.

A channel decides, when a notification is written, where it goes for one recipient
(:meth:`Channel.target`), and later sends one delivery (:meth:`Channel.send`). The built-in
channels ``in_app``, ``email`` and ``webhook`` register through :meth:`ChannelRegistry.register`
exactly as an extension's channel would::

    registry = builtin_channels()
    registry.register(MySmsChannel())
    registry.freeze()
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Protocol

from runtime.config import Settings

CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class NotificationError(ValueError):
    """A caller's mistake: an unknown channel or user, a webhook channel without a target ..."""


class DeliveryError(Exception):
    """One delivery could not be made; the message is recorded as the delivery's ``last_error``."""

    permanent = False  # True: trying again cannot help, the delivery is dead at once


class PermanentDeliveryError(DeliveryError):
    """A delivery that no retry can make (a webhook to an address the server may not call)."""

    permanent = True


@dataclass(frozen=True)
class Recipient:
    id: int
    username: str
    display_name: str | None
    email: str | None
    locale: str | None = None


@dataclass(frozen=True)
class WebhookTarget:
    """Where a webhook channel POSTs, and the secret its signature is made with."""

    url: str
    secret: str

    @classmethod
    def coerce(cls, value: WebhookTarget | Mapping[str, Any]) -> WebhookTarget:
        if isinstance(value, WebhookTarget):
            target = value
        elif isinstance(value, Mapping):
            target = cls(url=str(value.get("url") or ""), secret=str(value.get("secret") or ""))
        else:
            raise NotificationError("a webhook is {'url': ..., 'secret': ...}")
        if not target.url.startswith(("http://", "https://")):
            raise NotificationError(f"a webhook URL starts with http:// or https://, got {target.url!r}")
        if len(target.secret) < 16:
            raise NotificationError("a webhook secret has at least 16 characters")
        return target


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: an address (shown to admins) and an optional secret (never shown)."""

    address: str | None
    secret: str | None = None


@dataclass(frozen=True)
class Message:
    """Everything a channel needs to send one delivery of one notification."""

    delivery_id: int
    notification_id: int
    channel: str
    target: str | None
    secret: str | None
    kind: str
    title: str
    body: str
    object: str | None
    record_id: int | None
    link: str | None
    created_at: dt.datetime
    recipient: Recipient


class Channel(Protocol):
    """What a channel provides. ``instant`` channels are delivered by being written (in-app)."""

    name: str
    instant: bool

    def target(self, recipient: Recipient, webhook: WebhookTarget | None) -> Target:
        """Where this recipient's delivery goes. Raise :class:`NotificationError` for a caller's
        mistake (the notification is refused) or :class:`DeliveryError` when this recipient
        cannot be reached (the delivery is recorded as ``dead``, the others go ahead)."""
        ...

    def send(self, message: Message, *, settings: Settings, now: dt.datetime) -> None:
        """Send one delivery; raise :class:`DeliveryError` (or anything) when it failed."""
        ...


class ChannelRegistry:
    """Channels by name. Registration happens at start-up; :meth:`freeze` closes it."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}
        self._frozen = False

    def register(self, channel: Channel) -> Channel:
        if self._frozen:
            raise RuntimeError("the channel registry is frozen; register channels at start-up")
        if not CHANNEL_NAME.match(channel.name):
            raise ValueError(f"a channel name is an API name like 'in_app', got {channel.name!r}")
        if channel.name in self._channels:
            raise ValueError(f"a channel named {channel.name!r} is already registered")
        self._channels[channel.name] = channel
        return channel

    def freeze(self) -> ChannelRegistry:
        self._frozen = True
        return self

    @property
    def frozen(self) -> bool:
        return self._frozen

    def get(self, name: str) -> Channel:
        try:
            return self._channels[name]
        except KeyError:
            raise NotificationError(
                f"unknown notification channel {name!r}; channels: {', '.join(self.names())}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._channels)

    def __contains__(self, name: object) -> bool:
        return name in self._channels

    def __iter__(self) -> Iterator[Channel]:
        return iter(tuple(self._channels.values()))


class InAppChannel:
    """The inbox: a notification is delivered by being stored; users list it through the API."""

    name = "in_app"
    instant = True

    def target(self, recipient: Recipient, webhook: WebhookTarget | None) -> Target:
        return Target(address=f"user:{recipient.id}")

    def send(self, message: Message, *, settings: Settings, now: dt.datetime) -> None:
        return None


def builtin_channels() -> ChannelRegistry:
    """A new, open registry holding the built-in channels."""
    from runtime.notifications.mail import EmailChannel
    from runtime.notifications.webhook import WebhookChannel
    registry = ChannelRegistry()
    for channel in (InAppChannel(), EmailChannel(), WebhookChannel()):
        registry.register(channel)
    return registry
