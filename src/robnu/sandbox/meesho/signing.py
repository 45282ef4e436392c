"""Meesho request signing: the canonical string, the signature and its constant-time check.

Robnu's adapter has its own signer; this one is the sandbox's (server side), unit-tested against the API
design's two test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, quote

EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNED_FIELDS = ("method", "path", "query", "timestamp", "nonce", "body_sha256")


def canonical_query(raw_query: str) -> str:
    """CANONICAL_QUERY: form-decode, RFC 3986 re-encode, sort by key then value, join with '&'."""
    if not raw_query:
        return ""
    pairs = [(quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(raw_query, keep_blank_values=True)]
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_string(method: str, path: str, raw_query: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The six LF-joined lines of the canonical request, no trailing newline."""
    return "\n".join(
        [method.upper(), path, canonical_query(raw_query), timestamp, nonce, hashlib.sha256(body).hexdigest()]
    )


def sign(secret: str, canonical: str) -> str:
    return hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(secret: str, canonical: str, signature: str) -> bool:
    """Constant-time comparison, as the signing rules require."""
    return hmac.compare_digest(sign(secret, canonical), signature)


def canonical_sha256(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signed_headers(
    api_key: str, secret: str, method: str, path: str, raw_query: str, body: bytes, timestamp: int, nonce: str
) -> dict[str, str]:
    """Headers for a signed request (used by the sandbox's own tests and webhook outbox)."""
    canonical = canonical_string(method, path, raw_query, str(timestamp), nonce, body)
    return {
        "X-Api-Key": api_key,
        "X-Timestamp": str(timestamp),
        "X-Nonce": nonce,
        "X-Signature": sign(secret, canonical),
    }
