"""Push (webhook) events, derived from the timelines: an outbox the test harness (or a relay) delivers.

modelled: the sandbox never opens a socket; ``GET /_sandbox/meesho/accounts/{id}/webhook-events`` returns each
event as the exact signed POST Meesho would send to the registered URL (body bytes + headers).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from robnu.sandbox.meesho import settlement as st
from robnu.sandbox.meesho import timeline as tl
from robnu.sandbox.meesho.model import Account
from robnu.sandbox.meesho.signing import signed_headers
from robnu.sandbox.meesho.views import iso, return_view, sub_order_view
from robnu.sandbox.meesho.world import MeeshoWorld


def _event(acct: Account, kind: str, key: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    digest = hashlib.sha256(f"{acct.supplier_id}|{kind}|{key}|{at.isoformat()}".encode()).hexdigest()
    return {
        "event_id": f"evt_{digest[:24]}",
        "event_type": kind,
        "occurred_at": iso(at),
        "supplier_id": acct.supplier_id,
        "data": data,
        "_at": at,
    }


def derive_events(world: MeeshoWorld, acct: Account, now: datetime, since: datetime | None) -> list[dict[str, Any]]:
    tl.ensure_all(acct)
    events: list[dict[str, Any]] = []
    for sub in acct.sub_orders.values():
        previous: str | None = None
        for at, status in sub.events:
            if at > now:
                break
            if previous is None:
                events.append(_event(acct, "sub_order.created", sub.sub_order_no, at, sub_order_view(sub, acct, at)))
            else:
                change = {"sub_order_no": sub.sub_order_no, "from": previous, "to": status, "at": iso(at)}
                events.append(_event(acct, "sub_order.status_changed", sub.sub_order_no, at, change))
                if status == "CANCELLED" and sub.cancellation is not None:
                    cancelled = {
                        "sub_order_no": sub.sub_order_no,
                        "cancelled_by": sub.cancellation["cancelled_by"],
                        "reason": sub.cancellation["reason"],
                    }
                    events.append(_event(acct, "sub_order.cancelled", sub.sub_order_no, at, cancelled))
            previous = status
    for ret in acct.returns.values():
        for index, (at, _status) in enumerate(ret.timeline()):
            if at > now:
                break
            kind = "return.created" if index == 0 else "return.status_changed"
            events.append(_event(acct, kind, ret.return_id, at, return_view(ret, acct, at, None)))
    for start, lines in st.closed_periods(st.ledger(acct, world.config), now):
        at = tl.ist_at(start + timedelta(days=7), time(0, 0))
        header = st.settlement_header(acct, start, lines, at)
        events.append(_event(acct, "settlement.created", header["settlement_id"], at, header))
    wanted = set(acct.webhook["event_types"]) if acct.webhook else None
    events = [
        e for e in events if (wanted is None or e["event_type"] in wanted) and (since is None or e["_at"] > since)
    ]
    events.sort(key=lambda e: (e["_at"], e["event_id"]))
    return events


def delivery(acct: Account, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The POST Meesho sends: the request signature over the registered URL's path and query, and these body bytes."""
    url = acct.webhook["url"] if acct.webhook else "https://unregistered.invalid/meesho/events"
    parts = urlsplit(url)
    payload = {k: v for k, v in event.items() if k != "_at"}
    body = json.dumps(payload, separators=(",", ":"))
    key = acct.keys[0]
    active = next((k for k in acct.keys if k.active), key)
    nonce = event["event_id"].replace("evt_", "nonce_")
    headers = signed_headers(
        active.api_key,
        active.api_secret,
        "POST",
        parts.path or "/",
        parts.query,
        body.encode(),
        int(now.timestamp()),
        nonce,
    )
    headers.pop("X-Api-Key")
    headers = {"X-Event-Id": event["event_id"], "X-Event-Type": event["event_type"], **headers}
    return {"url": url, "method": "POST", "headers": headers, "body": body}
