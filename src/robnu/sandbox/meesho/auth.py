"""Server-side verification of signed requests: every auth error code, the exact HMAC_MISMATCH body."""

from __future__ import annotations

import re

from fastapi import Request

from robnu.sandbox.faults import FaultKind
from robnu.sandbox.kit import SandboxKit
from robnu.sandbox.meesho.errors import fail
from robnu.sandbox.meesho.model import Account
from robnu.sandbox.meesho.signing import SIGNED_FIELDS, canonical_sha256, canonical_string, signature_matches
from robnu.sandbox.meesho.world import MeeshoWorld

TIMESTAMP_WINDOW = 300  # seconds either side of the server's clock
NONCE_TTL = 600  # seconds a nonce may not repeat
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SIG_RE = re.compile(r"[0-9a-f]{64}")
_TS_RE = re.compile(r"[0-9]{1,12}")


def wire_path(request: Request) -> str:
    """The path exactly as percent-encoded on the wire, relative to the base URL (from ``/v1/``)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    path = path.split("?", 1)[0]
    index = path.find("/v1/")
    return path[index:] if index >= 0 else path


def account_key_of(request: Request, world: MeeshoWorld) -> str | None:
    """The supplier id behind X-Api-Key (unverified): the rate-limit and fault scope of the request."""
    return world.key_index.get(request.headers.get("x-api-key", ""))


def authenticate(request: Request, body: bytes, world: MeeshoWorld, kit: SandboxKit, operation: str) -> Account:
    headers = request.headers
    values = {name: headers.get(name, "") for name in ("X-Api-Key", "X-Timestamp", "X-Nonce", "X-Signature")}
    missing = [name for name, value in values.items() if not value]
    if values["X-Timestamp"] and not _TS_RE.fullmatch(values["X-Timestamp"]):
        missing.append("X-Timestamp")
    if values["X-Nonce"] and not _NONCE_RE.fullmatch(values["X-Nonce"]):
        missing.append("X-Nonce")
    if values["X-Signature"] and not _SIG_RE.fullmatch(values["X-Signature"]):
        missing.append("X-Signature")
    if missing:
        raise fail(401, "AUTH_HEADERS_MISSING", {"missing": missing})
    api_key = values["X-Api-Key"]
    supplier_id = world.key_index.get(api_key)
    if supplier_id is None:
        raise fail(401, "INVALID_API_KEY", {})
    acct = world.account(supplier_id)
    if kit.faults.take_one(operation, FaultKind.REVOKED_CREDENTIALS, supplier_id) is not None:
        world.revoke(acct)
    key = next(k for k in acct.keys if k.api_key == api_key)
    if not key.active:
        raise fail(403, "API_KEY_DISABLED", {})
    now = world.clock.now().timestamp()
    skew = kit.faults.take_one(operation, FaultKind.CLOCK_SKEW, supplier_id)
    if skew is not None:
        now += float(skew.params.get("skew_seconds", 600))  # modelled default: 10 minutes
    server_time = int(now)
    if abs(server_time - int(values["X-Timestamp"])) > TIMESTAMP_WINDOW:
        raise fail(401, "TIMESTAMP_OUT_OF_WINDOW", {"server_time": server_time})
    canonical = canonical_string(
        request.method,
        wire_path(request),
        request.scope.get("query_string", b"").decode("latin-1"),
        values["X-Timestamp"],
        values["X-Nonce"],
        body,
    )
    if not signature_matches(key.api_secret, canonical, values["X-Signature"]):
        raise fail(
            401,
            "HMAC_MISMATCH",
            {
                "canonical_request_sha256": canonical_sha256(canonical),
                "signed_fields": list(SIGNED_FIELDS),
                "server_time": server_time,
            },
        )
    nonce_key = f"{api_key}|{values['X-Nonce']}"
    seen = acct.nonces.get(nonce_key)
    if seen is not None and now - seen < NONCE_TTL:
        raise fail(401, "NONCE_REUSED", {})
    if len(acct.nonces) > 20000:
        acct.nonces = {k: t for k, t in acct.nonces.items() if now - t < NONCE_TTL}
    acct.nonces[nonce_key] = now
    return acct
