"""Idempotency keys on creating POSTs: a retried request with the same ``Idempotency-Key`` gets the first
answer (nothing is created twice); the same key with a different request is refused. The answer is stored in
the same transaction as what it created, so either both are kept or neither."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from robnu.api.deps import Tenant
from robnu.api.problems import ApiProblem, FieldError
from robnu.db.tenancy_models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY = 200
KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"  # visible ASCII (what a header carries intact), no space at either end
IdempotencyKeyHeader = Annotated[
    str | None, Header(alias=HEADER, min_length=1, max_length=MAX_KEY, pattern=KEY_PATTERN, description="retry-safe")
]


def request_hash(method: str, path: str, body: BaseModel) -> str:
    raw = json.dumps([method, path, body.model_dump(mode="json")], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def run_once(
    tenant: Tenant,
    key: str | None,
    fingerprint: str,
    status_code: int,
    create: Callable[[], BaseModel],
) -> JSONResponse:
    if key is not None:
        if len(key) > MAX_KEY or not re.fullmatch(KEY_PATTERN, key):
            reason = f"must be 1 to {MAX_KEY} visible ASCII characters"
            raise ApiProblem(422, f"{HEADER}: {reason}", errors=[FieldError(field=HEADER, message=reason)])
        seen = tenant.session.execute(select(IdempotencyKey).where(IdempotencyKey.key == key)).scalar_one_or_none()
        if seen is not None:
            if seen.request_hash != fingerprint:
                raise ApiProblem(
                    422,
                    f"{HEADER}: this key was used for a different request",
                    errors=[FieldError(field=HEADER, message="was used for a different request")],
                )
            body: Any = json.loads(seen.response_body)
            return JSONResponse(body, status_code=seen.status_code, headers={"Idempotent-Replayed": "true"})
    out = create().model_dump(mode="json")
    if key is not None:
        tenant.session.add(
            IdempotencyKey(
                seller_id=tenant.seller_id,
                key=key,
                request_hash=fingerprint,
                status_code=status_code,
                response_body=json.dumps(out),
                created_at=tenant.rt.clock.now(),
            )
        )
    return JSONResponse(out, status_code=status_code)
