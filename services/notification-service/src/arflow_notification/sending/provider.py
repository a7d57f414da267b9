"""SMS and webhooks through an HTTP provider: provider-neutral JSON, HMAC-SHA256 signed."""

import hashlib
import hmac
import json
from typing import Any

import httpx

from arflow_notification.domain import Channel, Clock, Delivered, Outcome, Permanent, Transient
from arflow_notification.sending.message import OutgoingMessage

SIGNATURE_HEADER = "X-Arflow-Signature"
TIMESTAMP_HEADER = "X-Arflow-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_RETRYABLE = {408, 409, 425, 429}


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """sha256=<hex HMAC of 'timestamp.body'>: what a provider checks before trusting a request."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def payload(message: OutgoingMessage) -> dict[str, Any]:
    """The provider-neutral JSON body (see docs/notifications.md)."""
    body: dict[str, Any] = {
        "message_id": message.notification_id,
        "request_id": message.request_id,
        "channel": str(message.channel),
        "customer_id": message.customer_id,
        "template": message.template,
        "locale": message.locale,
        "formal_demand": message.formal_demand,
    }
    if message.channel is Channel.SMS:
        body |= {"to": message.phone, "text": message.short}
    else:
        body |= {"subject": message.subject, "text": message.body, "invoices": list(message.invoices)}
    return body


class HttpProvider:
    """POSTs a message to the provider; the notification id is the idempotency key."""

    def __init__(self, url: str, secret: bytes, timeout: float, clock: Clock) -> None:
        self._url = url
        self._secret = secret
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, message: OutgoingMessage) -> Outcome:
        """One POST; 2xx is delivered, 408/409/425/429/5xx and network trouble are retried."""
        if message.channel is Channel.SMS and not message.phone:
            return Permanent("customer has no phone number")
        body = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: message.notification_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Transient("provider timed out")
        except httpx.HTTPError as error:
            return Transient(f"provider unreachable: {type(error).__name__}")
        status = response.status_code
        if 200 <= status < 300:
            return Delivered(receipt=_receipt(response) or message.notification_id, detail=f"HTTP {status}")
        reason = f"provider answered HTTP {status}"
        if status >= 500 or status in _RETRYABLE:
            return Transient(reason, _retry_after(response))
        return Permanent(reason)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def _receipt(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("id", "message_id", "receipt"):
            if isinstance(data.get(key), str | int):
                return str(data[key])[:300]
    return response.headers.get("X-Message-Id")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
