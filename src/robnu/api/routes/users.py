"""A seller's users and their roles (users:read, users:write)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from robnu.api.deps import Tenant, require
from robnu.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset, page
from robnu.api.params import id_path
from robnu.api.problems import problem_responses
from robnu.db.models import User
from robnu.db.tenancy_models import SellerUser
from robnu.domain.errors import NotFound
from robnu.domain.permissions import Permission, Role
from robnu.services import users as user_service

router = APIRouter(prefix="/v1/users", tags=["users"])
ERRORS = problem_responses(401, 403, 404, 422, 429)
UserId = id_path()


class MemberOut(BaseModel):
    user_id: int
    email: str
    display_name: str | None
    role: Role
    joined_at: datetime


EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"


class AddUserIn(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)


class AddedUserOut(MemberOut):
    created: bool = Field(description="a new user; false: an existing user joined this seller")
    one_time_password: str | None = Field(
        default=None, description="a new user's first password: shown once, give it to them privately"
    )


class RoleIn(BaseModel):
    role: Role


def _member(tenant: Tenant, user_id: int) -> MemberOut:
    row = tenant.session.execute(
        select(User, SellerUser).join(SellerUser, SellerUser.user_id == User.id).where(User.id == user_id)
    ).one()
    user, member = row
    return MemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=Role(member.role),
        joined_at=member.created_at,
    )


@router.get("", response_model=Page[MemberOut], responses=ERRORS)
def list_users(
    tenant: Tenant = require(Permission.USERS_READ),
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
) -> Page[MemberOut]:
    stmt = select(User, SellerUser).join(SellerUser, SellerUser.user_id == User.id)
    rows = tenant.session.execute(keyset(stmt, [User.id], cursor, limit)).all()
    items, next_cursor = page(rows, limit, lambda r: (r[0].id,))
    return Page[MemberOut](
        items=[
            MemberOut(
                user_id=u.id, email=u.email, display_name=u.display_name, role=Role(m.role), joined_at=m.created_at
            )
            for u, m in items
        ],
        next_cursor=next_cursor,
    )


@router.post("", response_model=AddedUserOut, status_code=201, responses=ERRORS)
def add_user(body: AddUserIn, tenant: Tenant = require(Permission.USERS_WRITE)) -> AddedUserOut:
    """Add a user to this seller with a role. A new user gets a one-time password (in this answer only)."""
    now = tenant.rt.clock.now()
    with tenant.rt.session() as s:  # the user row is global (one person, several sellers): system work
        added = user_service.add_member(
            s,
            tenant.seller_id,
            body.email,
            body.role,
            now,
            actor=tenant.principal.actor(tenant.ip),
            granter=tenant.principal.role,
            display_name=body.display_name,
        )
    tenant.session.expire_all()
    member = _member(tenant, added.user_id)
    return AddedUserOut(**member.model_dump(), created=added.created, one_time_password=added.one_time_password)


@router.get("/{user_id}", response_model=MemberOut, responses=ERRORS)
def get_user(user_id: int = UserId, tenant: Tenant = require(Permission.USERS_READ)) -> MemberOut:
    if tenant.session.execute(select(SellerUser.id).where(SellerUser.user_id == user_id)).first() is None:
        raise NotFound(f"user {user_id} is not a member of this seller")
    return _member(tenant, user_id)


@router.patch("/{user_id}", response_model=MemberOut, responses=ERRORS)
def change_role(body: RoleIn, user_id: int = UserId, tenant: Tenant = require(Permission.USERS_WRITE)) -> MemberOut:
    """Change a user's role here. Only an OWNER makes or changes an OWNER; the last OWNER stays."""
    user_service.change_role(
        tenant.session,
        tenant.seller_id,
        user_id,
        body.role,
        tenant.rt.clock.now(),
        actor=tenant.principal.actor(tenant.ip),
        granter=tenant.principal.role,
    )
    tenant.session.flush()
    return _member(tenant, user_id)


@router.delete("/{user_id}", status_code=204, responses=ERRORS)
def remove_user(user_id: int = UserId, tenant: Tenant = require(Permission.USERS_WRITE)) -> Response:
    """Remove a user from this seller: their sessions here and their API tokens for it end now."""
    user_service.remove_member(
        tenant.session,
        tenant.seller_id,
        user_id,
        tenant.rt.clock.now(),
        actor=tenant.principal.actor(tenant.ip),
        granter=tenant.principal.role,
    )
    return Response(status_code=204)
