"""Master-key rotation: add a key, re-wrap every stored secret's data key, then the old key can go."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from robnu.db.models import MarketplaceAccessToken, MarketplaceAccount
from robnu.db.satellite import SatelliteSpec
from robnu.domain.errors import InvalidInput, KeyRingError
from robnu.security.vault import Binding
from robnu.services import key_setup
from robnu.services.accounts import adapter_for
from robnu.services.runtime import Runtime


@dataclass(frozen=True)
class RotationReport:
    new_kid: str
    rewrapped: int
    by_previous_kid: dict[str, int]


def rotate(rt: Runtime, *, add_key: bool = True) -> RotationReport:
    """Make a new key active (key-file rings) and re-wrap every secret under it.

    Re-wrapping goes one account per transaction: readers keep working throughout, because every key
    still in the ring decrypts; nothing needs to stop.
    """
    ring = rt.vault.ring
    if add_key:
        ring.add_new_key()
    key_setup.record_check(rt.engine, ring.active())
    seen: Counter[str] = Counter()
    with rt.sessions() as s:
        account_ids = list(s.execute(select(MarketplaceAccount.id).order_by(MarketplaceAccount.id)).scalars())
    for account_id in account_ids:
        with rt.session() as s:
            account = s.get(MarketplaceAccount, account_id)
            assert account is not None
            spec = _spec_for(rt, account)
            row = s.get(spec.model, account.id)
            if row is not None:
                for column in spec.secrets.values():
                    token = getattr(row, column)
                    seen[key_setup.kid_of(token)] += 1
                    setattr(
                        row,
                        column,
                        rt.vault.rewrap(token, Binding(account.seller_id, spec.table, account.id, column)),
                    )
            token_row = s.get(MarketplaceAccessToken, account.id)
            if token_row is not None:
                seen[key_setup.kid_of(token_row.token_ciphertext)] += 1
                token_row.token_ciphertext = rt.vault.rewrap(
                    token_row.token_ciphertext,
                    Binding(account.seller_id, "marketplace_access_tokens", account.id, "token_ciphertext"),
                )
    return RotationReport(ring.active_kid, sum(seen.values()), dict(seen))


def keys_in_use(rt: Runtime) -> Counter[str]:
    """How many stored ciphertexts each key id wraps: a key with none can be retired."""
    with rt.sessions() as s:
        return key_setup.keys_in_use(s, rt.registry)


@dataclass(frozen=True)
class KeyState:
    kid: str
    in_ring: bool
    active: bool
    secrets: int  # stored ciphertexts sealed under it


@dataclass(frozen=True)
class KeyStatus:
    source: str  # where the ring comes from, or why it cannot be opened
    ring_error: str | None
    keys: list[KeyState]

    @property
    def unreadable(self) -> int:
        """Secrets no key of the ring opens (their key is missing, or the ring itself)."""
        return sum(k.secrets for k in self.keys if not k.in_ring)


def status(rt: Runtime) -> KeyStatus:
    """Every key id the ring has or a stored ciphertext names, and whether the ring has it. Works when the
    ring cannot be opened too: then it lists what the database needs."""
    used = keys_in_use(rt)
    try:
        ring = rt.vault.ring
    except (KeyRingError, InvalidInput) as exc:
        return KeyStatus("unavailable", str(exc), [KeyState(k, False, False, n) for k, n in sorted(used.items())])
    kids = sorted(set(ring.keys) | set(used))
    states = [KeyState(k, k in ring.keys, k == ring.active_kid, used.get(k, 0)) for k in kids]
    return KeyStatus(ring.description, None, states)


def retire(rt: Runtime, kid: str) -> None:
    """Drop a master key from the ring, refusing while any ciphertext still needs it."""
    still = keys_in_use(rt).get(kid, 0)
    if still:
        raise InvalidInput("kid", f"{still} stored secrets still use key {kid}; run `robnu keys rotate` first")
    rt.vault.ring.retire(kid)


def _spec_for(rt: Runtime, account: MarketplaceAccount) -> SatelliteSpec:
    return adapter_for(rt, account).satellite
