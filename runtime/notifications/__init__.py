"""Notifications: an in-app inbox plus e-mail and webhook channels, written inside the caller's
transaction by :func:`notify` and sent after commit by :func:`deliver_pending`.

Importing this package adds its tables to the system metadata and its routes to the API blueprint,
so the app factory imports it before creating tables and registering the blueprint.
"""
from __future__ import annotations

from flask import Flask

from runtime.notifications import api as _api  # noqa: F401 - registers /api/v1/notifications routes
from runtime.notifications.channels import (Channel, ChannelRegistry, DeliveryError, Message,
                                            NotificationError, PermanentDeliveryError, Recipient, Target,
                                            WebhookTarget, builtin_channels)
from runtime.notifications.service import DeliveryReport, deliver_pending, notify
from runtime.notifications.tables import notification_deliveries, notifications
from runtime.notifications.webhook import sign, verify_signature

EXTENSION_KEY = "crm.notification_channels"

__all__ = ["Channel", "ChannelRegistry", "DeliveryError", "DeliveryReport", "Message",
           "NotificationError", "PermanentDeliveryError", "Recipient", "Target", "WebhookTarget",
           "builtin_channels", "channel_registry", "deliver_pending", "init_app", "notification_deliveries",
           "notifications", "notify", "sign", "verify_signature"]


def init_app(app: Flask) -> None:
    """Give the app its channel registry (the built-ins); extensions register theirs on it
    during start-up, and it is frozen before the first request."""
    registry = builtin_channels()
    app.extensions[EXTENSION_KEY] = registry

    def freeze_channels() -> None:
        registry.freeze()

    app.before_request(freeze_channels)


def channel_registry(app: Flask) -> ChannelRegistry:
    """The app's channel registry, to hand to :func:`notify` and :func:`deliver_pending`."""
    return app.extensions[EXTENSION_KEY]
