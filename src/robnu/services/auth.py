"""Signing in and staying signed in: password sign-in (throttled per account and per IP), access tokens
(15 minutes), refresh tokens (30 days, rotated on every use; a rotated one used again revokes its whole
family), seller switch, sign-out, and turning a presented token into a ``Principal``.

Sign-in looks a user up across sellers before any tenant is known, so it runs as system work (an unscoped
session); everything it writes about a seller is audited under that seller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, cast

from sqlalchemy import BigInteger, BindParameter, CursorResult, Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from robnu.db.models import Seller, User
from robnu.db.tenancy_models import ApiToken, LoginThrottle, RefreshToken, SellerUser, SessionFamily
from robnu.domain.errors import RobnuError
from robnu.domain.permissions import Permission, Role, parse_permissions, permissions_of
from robnu.security import signing_key
from robnu.security.passwords import needs_rehash, verify_password
from robnu.security.tokens import (
    API_TOKEN_PREFIX,
    REFRESH_PREFIX,
    AccessClaims,
    InvalidToken,
    digest,
    issue_access,
    opaque,
    read_access,
)
from robnu.services.audit import Actor, AuditAction, record
from robnu.services.runtime import Runtime


class LoginRefused(RobnuError):
    """Wrong email or password, a disabled user, or no seller to sign in to (the client is not told which)."""


class Throttled(RobnuError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


class NoAccess(RobnuError):
    """The user is not a member of that seller (or the seller is suspended)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, for which seller, with which permissions (the role's, narrowed by an API token)."""

    user_id: int
    seller_id: int
    role: Role
    permissions: frozenset[Permission]
    kind: Literal["session", "api_token"]
    family_id: int | None = None
    token_id: int | None = None

    def actor(self, ip: str | None = None) -> Actor:
        return Actor(user_id=self.user_id, token_id=self.token_id, ip=ip)


@dataclass(frozen=True)
class SessionTokens:
    user_id: int
    seller_id: int
    family_id: int
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)
    refresh_expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"SessionTokens(user={self.user_id}, seller={self.seller_id}, family={self.family_id})"


@cache
def _key_for(path: str, configured: str | None) -> bytes:
    from pathlib import Path

    return signing_key.load_or_create(Path(path), configured)


def signing_key_of(rt: Runtime) -> bytes:
    configured = rt.settings.jwt_signing_key.get_secret_value() if rt.settings.jwt_signing_key else None
    return _key_for(str(rt.settings.resolved_jwt_key_file()), configured)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- sign-in -------------------------------------------------------------------------------------------


def _throttle_keys(email: str, ip: str | None) -> list[str]:
    return [f"account:{email}"] + ([f"ip:{ip}"] if ip else [])


def _locked_for(s: Session, keys: list[str], now: datetime) -> int:
    rows = s.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).scalars()
    waits = [int((r.locked_until - now).total_seconds()) + 1 for r in rows if r.locked_until and r.locked_until > now]
    return max(waits, default=0)


def _count_failure(rt: Runtime, email: str, ip: str | None, now: datetime) -> None:
    limits = {"account": rt.settings.login_max_failures_per_account, "ip": rt.settings.login_max_failures_per_ip}
    window = timedelta(seconds=rt.settings.login_lockout_seconds)
    for key in _throttle_keys(email, ip):
        for _attempt in range(2):  # a concurrent first failure may insert the row first: then update it
            try:
                with rt.session() as s:
                    row = s.get(LoginThrottle, key, with_for_update=True)
                    if row is None:
                        s.add(LoginThrottle(key=key, failures=1, window_started_at=now))
                        s.flush()
                        row = s.get(LoginThrottle, key)
                        assert row is not None
                    elif row.window_started_at + window <= now:
                        row.failures, row.window_started_at, row.locked_until = 1, now, None
                    else:
                        row.failures += 1
                    if row.failures >= limits[key.split(":", 1)[0]]:
                        row.locked_until = now + window
                break
            except IntegrityError:
                continue


def login(
    rt: Runtime,
    email: str,
    password: str,
    *,
    seller_id: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SessionTokens:
    email = normalise_email(email)
    now = rt.clock.now()
    with rt.session() as s:
        wait = _locked_for(s, _throttle_keys(email, ip), now)
        user = s.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if wait:
            for sid in _member_sellers(s, user.id) if user else []:
                record(s, sid, AuditAction.LOGIN_THROTTLED, now, Actor(user_id=user.id if user else None, ip=ip))
    if wait:
        raise Throttled(wait)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled_at is not None:
        _count_failure(rt, email, ip, now)
        with rt.session() as s:
            sellers: list[int | None] = list(_member_sellers(s, user.id)) if user else []
            for member_of in sellers or [None]:
                record(
                    s,
                    member_of,
                    AuditAction.LOGIN_FAILED,
                    now,
                    Actor(user_id=user.id if user else None, ip=ip),
                    subject=f"user:{user.id}" if user else None,
                )
        raise LoginRefused("email or password is not right")
    with rt.session() as s:
        s.execute(
            LoginThrottle.__table__.delete().where(LoginThrottle.key == f"account:{email}")  # type: ignore[attr-defined]
        )
        memberships = _active_memberships(s, user.id)
        if not memberships:
            raise LoginRefused("this user belongs to no seller that can be signed in to")
        chosen = seller_id if seller_id is not None else memberships[0]
        if chosen not in memberships:
            raise NoAccess(f"not a member of seller {chosen}")
        stored = s.get(User, user.id)
        assert stored is not None
        if stored.password_hash and needs_rehash(stored.password_hash):
            from robnu.security.passwords import hash_password

            stored.password_hash = hash_password(password)
        tokens = _new_family(rt, s, user.id, chosen, now, ip=ip, user_agent=user_agent)
        record(s, chosen, AuditAction.LOGIN, now, Actor(user_id=user.id, ip=ip), subject=f"user:{user.id}")
        return tokens


def _member_sellers(s: Session, user_id: int) -> list[int]:
    return list(
        s.execute(select(SellerUser.seller_id).where(SellerUser.user_id == user_id).order_by(SellerUser.id)).scalars()
    )


def _active_memberships(s: Session, user_id: int) -> list[int]:
    return list(
        s.execute(
            select(SellerUser.seller_id)
            .join(Seller, Seller.id == SellerUser.seller_id)
            .where(SellerUser.user_id == user_id, Seller.suspended_at.is_(None))
            .order_by(SellerUser.id)
        ).scalars()
    )


def _access(rt: Runtime, user_id: int, seller_id: int, family_id: int, now: datetime) -> tuple[str, datetime]:
    expires = now + timedelta(seconds=rt.settings.access_token_seconds)
    return issue_access(signing_key_of(rt), AccessClaims(user_id, seller_id, family_id, expires), now), expires


def _new_refresh(rt: Runtime, s: Session, family_id: int, now: datetime, family_expires: datetime) -> str:
    token = opaque(REFRESH_PREFIX)
    s.add(RefreshToken(family_id=family_id, token_hash=digest(token), created_at=now, expires_at=family_expires))
    return token


def _new_family(
    rt: Runtime, s: Session, user_id: int, seller_id: int, now: datetime, *, ip: str | None, user_agent: str | None
) -> SessionTokens:
    expires = now + timedelta(days=rt.settings.refresh_token_days)
    family = SessionFamily(
        user_id=user_id,
        seller_id=seller_id,
        created_at=now,
        expires_at=expires,
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    s.add(family)
    s.flush()
    refresh = _new_refresh(rt, s, family.id, now, expires)
    access, access_expires = _access(rt, user_id, seller_id, family.id, now)
    return SessionTokens(user_id, seller_id, family.id, access, access_expires, refresh, expires)


# --- refresh, switch, sign-out -------------------------------------------------------------------------


def refresh(rt: Runtime, token: str, *, ip: str | None = None) -> SessionTokens:
    """Rotate: the presented token is spent and a new one issued. A spent token presented again means it
    leaked: the whole family (every device of that sign-in) is revoked."""
    now = rt.clock.now()
    reused: tuple[int, int, int] | None = None
    with rt.session() as s:
        row = s.execute(
            select(RefreshToken, SessionFamily)
            .join(SessionFamily, SessionFamily.id == RefreshToken.family_id)
            .where(RefreshToken.token_hash == digest(token))
        ).one_or_none()
        if row is None:
            raise InvalidToken("refresh token is not valid")
        stored, family = row
        if family.revoked_at is not None or family.expires_at <= now or stored.expires_at <= now:
            raise InvalidToken("refresh token is not valid")
        spent = cast(
            CursorResult[Any],
            s.execute(
                update(RefreshToken)
                .where(RefreshToken.id == stored.id, RefreshToken.rotated_at.is_(None))
                .values(rotated_at=now)
            ),
        ).rowcount
        if spent != 1:
            family.revoked_at, family.revoked_reason = now, "REUSE"
            reused = (family.seller_id, family.user_id, family.id)
            record(
                s,
                family.seller_id,
                AuditAction.REFRESH_REUSED,
                now,
                Actor(user_id=family.user_id, ip=ip),
                subject=f"session:{family.id}",
            )
        else:
            if family.seller_id not in _active_memberships(s, family.user_id):
                family.revoked_at, family.revoked_reason = now, "REMOVED"
                raise InvalidToken("refresh token is not valid")
            new = _new_refresh(rt, s, family.id, now, family.expires_at)
            access, access_expires = _access(rt, family.user_id, family.seller_id, family.id, now)
            return SessionTokens(
                family.user_id, family.seller_id, family.id, access, access_expires, new, family.expires_at
            )
    assert reused is not None
    raise InvalidToken("refresh token was already used; the session has been revoked")


def logout(rt: Runtime, principal: Principal, *, ip: str | None = None) -> None:
    if principal.family_id is None:
        return
    now = rt.clock.now()
    with rt.session() as s:
        s.execute(
            update(SessionFamily)
            .where(SessionFamily.id == principal.family_id, SessionFamily.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="LOGOUT")
        )
        record(
            s, principal.seller_id, AuditAction.LOGOUT, now, principal.actor(ip), subject=f"user:{principal.user_id}"
        )


def switch_seller(rt: Runtime, principal: Principal, seller_id: int, *, ip: str | None = None) -> SessionTokens:
    """The same sign-in, now for another of the user's sellers: a new access token; the refresh token keeps
    working and refreshes into the new seller."""
    if principal.family_id is None:
        raise NoAccess("an API token is bound to its seller")
    now = rt.clock.now()
    with rt.session() as s:
        if seller_id not in _active_memberships(s, principal.user_id):
            raise NoAccess(f"not a member of seller {seller_id}")
        family = s.get(SessionFamily, principal.family_id)
        if family is None or family.revoked_at is not None:
            raise InvalidToken("session is not valid")
        family.seller_id = seller_id
        record(s, seller_id, AuditAction.SELLER_SWITCHED, now, principal.actor(ip), from_seller=principal.seller_id)
    access, expires = _access(rt, principal.user_id, seller_id, principal.family_id, now)
    return SessionTokens(principal.user_id, seller_id, principal.family_id, access, expires)


# --- presented tokens -> principal ----------------------------------------------------------------------


def _membership_query(user_id: int | BindParameter[int], seller_id: int | BindParameter[int]) -> Select[tuple[str]]:
    return (
        select(SellerUser.role)
        .join(User, User.id == SellerUser.user_id)
        .join(Seller, Seller.id == SellerUser.seller_id)
        .where(
            SellerUser.user_id == user_id,
            SellerUser.seller_id == seller_id,
            User.disabled_at.is_(None),
            Seller.suspended_at.is_(None),
        )
    )


def _membership(s: Session, user_id: int, seller_id: int) -> Role | None:
    role = s.execute(_membership_query(user_id, seller_id)).scalar_one_or_none()
    return Role(role) if role else None


# Whether the sign-in goes on, and the role in the token's seller; built once (bound by name per request).
_ACCESS_CHECK = select(
    SessionFamily.revoked_at,
    _membership_query(bindparam("user_id", type_=BigInteger), bindparam("seller_id", type_=BigInteger))
    .scalar_subquery()
    .label("role"),
).where(SessionFamily.id == bindparam("family_id", type_=BigInteger))


def principal_from_access(rt: Runtime, token: str) -> Principal:
    """The caller of a signed access token, checked against the database on every request (a revoked sign-in,
    a removed membership, a disabled user or a suspended seller take effect at once): one statement on an
    autocommit connection, so a request's authentication is a single round trip."""
    claims = read_access(signing_key_of(rt), token, rt.clock.now())
    params = {"family_id": claims.family_id, "user_id": claims.user_id, "seller_id": claims.seller_id}
    with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        found = conn.execute(_ACCESS_CHECK, params).one_or_none()
    if found is None or found[0] is not None:
        raise InvalidToken("session has ended")
    if found[1] is None:
        raise InvalidToken("no access to this seller any more")
    role = Role(found[1])
    return Principal(claims.user_id, claims.seller_id, role, permissions_of(role), "session", claims.family_id)


def principal_from_api_token(rt: Runtime, token: str) -> Principal:
    if not token.startswith(API_TOKEN_PREFIX):
        raise InvalidToken("API token is not valid")
    now = rt.clock.now()
    with rt.session() as s:
        row = s.execute(select(ApiToken).where(ApiToken.token_hash == digest(token))).scalar_one_or_none()
        if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            raise InvalidToken("API token is not valid")
        role = _membership(s, row.user_id, row.seller_id)
        if role is None:
            raise InvalidToken("API token is not valid")
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now  # at most once a minute: a busy script does not write on every call
        granted = parse_permissions(row.permissions.split())
        # Never more than the creator may do today: a demoted creator's tokens shrink with them.
        return Principal(row.user_id, row.seller_id, role, granted & permissions_of(role), "api_token", None, row.id)


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)
