"""A seller's people: add (a new user gets a one-time password, printed once), list, change role, remove.
Only an OWNER makes, changes or removes an OWNER, and a seller always keeps one OWNER."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from robnu.db.models import Seller, User
from robnu.db.tenancy_models import ApiToken, SellerUser, SessionFamily
from robnu.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from robnu.domain.permissions import Role, may_grant, parse_role
from robnu.security.passwords import hash_password, one_time_password
from robnu.services.audit import SYSTEM, Actor, AuditAction, record

MAX_EMAIL = 320


@dataclass(frozen=True)
class MemberView:
    user_id: int
    email: str
    display_name: str | None
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class AddedUser:
    user_id: int
    created: bool  # a new user (with a one-time password) rather than an existing one joining
    one_time_password: str | None = field(default=None, repr=False)


def check_email(email: str, field_name: str = "email") -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > MAX_EMAIL or not email.isprintable() or " " in email:
        raise InvalidInput(field_name, "is not an email address")
    return email


def add_member(
    s: Session,
    seller_id: int,
    email: str,
    role: str,
    now: datetime,
    *,
    actor: Actor = SYSTEM,
    granter: Role | None = None,
    display_name: str | None = None,
) -> AddedUser:
    """Runs in a system session (the user row is global). ``granter`` is the actor's role; None: the console."""
    email = check_email(email)
    wanted = parse_role(role)
    if granter is not None and not may_grant(granter, wanted):
        raise Forbidden("only an OWNER may make another OWNER")
    if s.get(Seller, seller_id) is None:
        raise NotFound(f"seller {seller_id} does not exist")
    user = s.execute(select(User).where(User.email == email)).scalar_one_or_none()
    password: str | None = None
    if user is None:
        password = one_time_password()
        user = User(
            email=email,
            display_name=(display_name or "").strip()[:200] or None,
            password_hash=hash_password(password),
            password_changed_at=now,
            created_at=now,
        )
        s.add(user)
        s.flush()
    elif s.execute(
        select(SellerUser.id).where(SellerUser.seller_id == seller_id, SellerUser.user_id == user.id)
    ).first():
        raise Conflict("email", f"{email} is already a member of this seller")
    s.add(SellerUser(seller_id=seller_id, user_id=user.id, role=wanted, created_at=now, updated_at=now))
    record(s, seller_id, AuditAction.USER_ADDED, now, actor, subject=f"user:{user.id}", role=wanted)
    return AddedUser(user.id, password is not None, password)


def list_members(s: Session, seller_id: int) -> list[MemberView]:
    rows = s.execute(
        select(User, SellerUser)
        .join(SellerUser, SellerUser.user_id == User.id)
        .where(SellerUser.seller_id == seller_id)
        .order_by(User.id)
    ).all()
    return [MemberView(u.id, u.email, u.display_name, m.role, m.created_at) for u, m in rows]


def _membership(s: Session, seller_id: int, user_id: int) -> SellerUser:
    member = s.execute(
        select(SellerUser).where(SellerUser.seller_id == seller_id, SellerUser.user_id == user_id)
    ).scalar_one_or_none()
    if member is None:
        raise NotFound(f"user {user_id} is not a member of this seller")
    return member


def _owners(s: Session, seller_id: int) -> int:
    return int(
        s.execute(
            select(func.count()).where(SellerUser.seller_id == seller_id, SellerUser.role == Role.OWNER)
        ).scalar_one()
    )


def change_role(
    s: Session,
    seller_id: int,
    user_id: int,
    role: str,
    now: datetime,
    *,
    actor: Actor = SYSTEM,
    granter: Role | None = None,
) -> None:
    wanted = parse_role(role)
    member = _membership(s, seller_id, user_id)
    current = Role(member.role)
    if actor.user_id == user_id:
        raise Forbidden("you cannot change your own role; another OWNER or ADMIN can")
    if granter is not None and not (may_grant(granter, wanted) and may_grant(granter, current)):
        raise Forbidden("only an OWNER may make or change an OWNER")
    if current is Role.OWNER and wanted is not Role.OWNER and _owners(s, seller_id) <= 1:
        raise Conflict("role", "the seller's last OWNER cannot be changed; make another OWNER first")
    if current is not wanted:
        member.role, member.updated_at = wanted, now
        record(s, seller_id, AuditAction.ROLE_CHANGED, now, actor, subject=f"user:{user_id}", old=current, new=wanted)


def remove_member(
    s: Session, seller_id: int, user_id: int, now: datetime, *, actor: Actor = SYSTEM, granter: Role | None = None
) -> None:
    """Remove the membership; the user's sessions on this seller and API tokens for it end with it."""
    member = _membership(s, seller_id, user_id)
    current = Role(member.role)
    if actor.user_id == user_id:
        raise Forbidden("you cannot remove yourself; another OWNER or ADMIN can")
    if granter is not None and not may_grant(granter, current):
        raise Forbidden("only an OWNER may remove an OWNER")
    if current is Role.OWNER and _owners(s, seller_id) <= 1:
        raise Conflict("user_id", "the seller's last OWNER cannot be removed")
    s.delete(member)
    s.execute(
        update(SessionFamily)
        .where(
            SessionFamily.user_id == user_id, SessionFamily.seller_id == seller_id, SessionFamily.revoked_at.is_(None)
        )
        .values(revoked_at=now, revoked_reason="REMOVED")
    )
    s.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.seller_id == seller_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    record(s, seller_id, AuditAction.USER_REMOVED, now, actor, subject=f"user:{user_id}", role=current)


def find_user(s: Session, email: str) -> User:
    user = s.execute(select(User).where(User.email == check_email(email))).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user {email}")
    return user


def set_password(s: Session, user_id: int, password: str, now: datetime) -> None:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    user.password_hash, user.password_changed_at = hash_password(password), now
