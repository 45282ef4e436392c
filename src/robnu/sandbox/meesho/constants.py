"""Fixed values of the Meesho sandbox: its rate limits."""

from __future__ import annotations

from robnu.sandbox.ratelimit import Limit

# 20 req/s per API key, burst 40 (one shared bucket, "default"); labels and manifests 2 req/s on top.
# modelled: the burst of 2 for labels and manifests (only their rate is given).
RATE_LIMITS: dict[str, Limit] = {
    "default": Limit(20.0, 40),
    "createLabels": Limit(2.0, 2),
    "createManifest": Limit(2.0, 2),
}
