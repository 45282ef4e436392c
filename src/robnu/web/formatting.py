"""Jinja filters: times in IST, money in rupees with Indian digit grouping, durations."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from robnu.domain.clock import IST


def ist(at: datetime | None, fmt: str = "%d %b %H:%M") -> str:
    return "—" if at is None else at.astimezone(IST).strftime(fmt)


def inr(amount: Decimal | int | float | None) -> str:
    """₹1,23,456.78: lakh grouping, as Indian sellers read amounts."""
    if amount is None:
        return "—"
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return f"{sign}₹{','.join([*groups, tail]) if groups else tail}.{frac}"


def seconds(value: int | None) -> str:
    if not value:
        return "—"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value % size == 0:
            return f"every {value // size}{unit}"
    return f"every {value}s"


def script_json(data: Any) -> str:
    """JSON to place inside a <script> element: no "<" survives, so no text can close the element."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
