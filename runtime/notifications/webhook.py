"""The ``webhook`` channel: a signed JSON POST, one per recipient, with a timeout.

The signature works like Stripe's: header ``X-CRM-Signature: t=<unix seconds>,v1=<hex>`` where
``v1 = HMAC-SHA256(secret, f"{t}.{raw body}")``. Receivers check it with :func:`verify_signature`
(or the same few lines in their own language) and reject old timestamps to stop replays.
``X-CRM-Delivery`` carries the delivery id, which stays the same across retries.

Requests go through :mod:`runtime.outbound`: no redirects, and no internal addresses unless
``Settings.outbound_allow`` (``CRM_OUTBOUND_ALLOW``) lists them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import urllib.error
import urllib.request
from typing import Any

from runtime.config import Settings
from runtime.notifications.channels import (DeliveryError, Message, NotificationError, PermanentDeliveryError,
                                            Recipient, Target, WebhookTarget)
from runtime.outbound import OutboundRefused, open_url

SIGNATURE_HEADER = "X-CRM-Signature"
DELIVERY_HEADER = "X-CRM-Delivery"
DEFAULT_TOLERANCE = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-CRM-Signature`` header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str | None, body: bytes, *, now: float,
                     tolerance: int | None = DEFAULT_TOLERANCE) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within
    ``tolerance`` seconds of ``now`` (unix seconds; ``tolerance=None`` skips the age check)."""
    fields: dict[str, list[str]] = {}
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if tolerance is not None and abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def payload(message: Message) -> dict[str, Any]:
    """The JSON document POSTed for one delivery."""
    r = message.recipient
    return {
        "type": "notification",
        "delivery_id": message.delivery_id,
        "notification": {
            "id": message.notification_id, "kind": message.kind, "title": message.title,
            "body": message.body, "object": message.object, "record_id": message.record_id,
            "link": message.link, "created_at": message.created_at.isoformat(),
        },
        "recipient": {"id": r.id, "username": r.username, "display_name": r.display_name,
                      "email": r.email},
    }


class WebhookChannel:
    """POSTs to the ``webhook`` given to ``notify``; 2xx is success, anything else a failure."""

    name = "webhook"
    instant = False

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def target(self, recipient: Recipient, webhook: WebhookTarget | None) -> Target:
        if webhook is None:
            raise NotificationError("the webhook channel needs webhook={'url': ..., 'secret': ...}")
        return Target(address=webhook.url, secret=webhook.secret)

    def send(self, message: Message, *, settings: Settings, now: dt.datetime) -> None:
        if not message.target or not message.secret:
            raise DeliveryError("this delivery has no webhook URL or secret")
        body = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        request = urllib.request.Request(message.target, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "crm-engine-webhook/1",
            SIGNATURE_HEADER: sign(message.secret, body, int(now.timestamp())),
            DELIVERY_HEADER: str(message.delivery_id),
        })
        try:
            with open_url(request, allow=settings.outbound_allow, timeout=self.timeout) as response:
                status = response.status
        except OutboundRefused as exc:
            raise PermanentDeliveryError(f"webhook {message.target}: {exc}") from None
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip()
            raise DeliveryError(f"HTTP {exc.code} from {message.target}" + (f": {detail}" if detail else "")) \
                from None
        except (TimeoutError, socket.timeout):
            raise DeliveryError(f"no answer from {message.target} within {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise DeliveryError(f"no answer from {message.target} within {self.timeout:g} s") from None
            raise DeliveryError(f"cannot reach {message.target}: {reason}") from None
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"cannot POST to {message.target}: {exc}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status} from {message.target}")
