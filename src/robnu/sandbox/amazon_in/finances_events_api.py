"""Finances v0 event lists, still called by many integrations until Amazon removes them: listFinancialEvents,
listFinancialEventsByOrderId and listFinancialEventsByGroupId, on the same postings as listTransactions.

Paging: ``MaxResultsPerPage`` (1-100, default 100) events a page; ``NextToken`` resumes after the last event
served and must come back with the same arguments. Dates follow the v0 rules: ``PostedBefore`` (default two
minutes ago) must be at least two minutes old and after ``PostedAfter``; more than 180 days apart answers
empty lists. modelled: listFinancialEvents without ``PostedAfter`` (and no ``NextToken``) is 400
``InvalidInput``, as listTransactions answers a missing start date; an order or group id the account does
not have answers empty lists, as listTransactions does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.constants import MIN_LAG_SECONDS
from robnu.sandbox.amazon_in.errors import invalid_input
from robnu.sandbox.amazon_in.finances_api import MAX_SPAN_S, group_index_of
from robnu.sandbox.amazon_in.finances_events_json import financial_events
from robnu.sandbox.amazon_in.pagination import encode, filters_hash
from robnu.sandbox.amazon_in.plumbing import Api, int_param, time_param
from robnu.sandbox.amazon_in.settlement import Transaction, group_bounds

DEFAULT_PAGE = 100
Resume = tuple[int, str, str]  # (posted second, order id, posting kind) of the last event served


def _window(request: Request, op: str, now_s: int, *, required: bool) -> tuple[int, int] | None:
    """[PostedAfter, PostedBefore) as inclusive epoch seconds, or None when more than 180 days apart."""
    after = time_param(request, op, "PostedAfter")
    before = time_param(request, op, "PostedBefore")
    if after is None and required:
        raise invalid_input(op, "PostedAfter is required")
    latest = now_s - MIN_LAG_SECONDS
    before_s = int(before.timestamp()) if before else latest
    if before_s > latest:
        raise invalid_input(op, "PostedBefore must be at least 2 minutes before now")
    after_s = int(after.timestamp()) if after else 0
    if after is not None and after_s > latest:
        raise invalid_input(op, "PostedAfter must be at least 2 minutes before now")
    if before_s < after_s:
        raise invalid_input(op, "PostedBefore must be after PostedAfter")
    if after is not None and before_s - after_s > MAX_SPAN_S:
        return None
    return after_s, before_s - 1  # PostedBefore itself is excluded


class Paging:
    """Where a page starts: fresh from the request's arguments, or resumed from a ``NextToken``.

    The token carries the window and the last event served, so a client may send the token alone; when it
    sends the dates again they must be the ones the token was issued for.
    """

    def __init__(self, api: Api, op: str, scope: str, account: Account, request: Request, *, required: bool) -> None:
        self.api, self.op, self.scope, self.account = api, op, scope, account
        now_s = api.world.now_s()
        dates = {name: request.query_params.get(name) for name in ("PostedAfter", "PostedBefore")}
        self.limit = int_param(request, op, "MaxResultsPerPage", DEFAULT_PAGE, 1, 100)
        token = request.query_params.get("NextToken")
        self.resume: Resume | None = None
        if token:
            state = api.token_state(op, scope, account, token)
            if any(dates.values()) and state.get("d") != filters_hash(dates):
                raise invalid_input(op, "The NextToken does not match the request's arguments")
            posted_s, order_id, kind = state["r"]
            self.resume = (int(posted_s), str(order_id), str(kind))
            self.window: tuple[int, int] | None = (int(state["w"][0]), int(state["w"][1]))
            self.dates_hash = str(state.get("d"))
        else:
            self.window = _window(request, op, now_s, required=required)
            self.dates_hash = filters_hash(dates)

    def answer(self, postings: Iterator[Transaction]) -> Response:
        """One page of ``postings`` (already resumed), with a NextToken when more remain."""
        found: list[Transaction] = []
        more = False
        for txn in postings:
            if len(found) == self.limit:
                more = True
                break
            found.append(txn)
        payload: dict[str, Any] = {}
        if more and self.window is not None:
            last = found[-1]
            payload["NextToken"] = encode(
                {
                    "k": self.scope,
                    "a": self.account.key,
                    "d": self.dates_hash,
                    "w": list(self.window),
                    "i": self.api.world.now_s(),
                    "r": [last.posted_s, last.order_id, last.kind],
                }
            )
        payload["FinancialEvents"] = financial_events(found)
        return self.api.ok(self.op, {"payload": payload})


def _after(txns: list[Transaction], resume: Resume | None) -> Iterator[Transaction]:
    for txn in txns:
        if resume is None or (txn.posted_s, txn.order_id, txn.kind) > resume:
            yield txn


def register(app: FastAPI, api: Api) -> None:
    world = api.world

    @app.get("/finances/v0/financialEvents")
    def list_financial_events(request: Request) -> Response:
        op = "listFinancialEvents"
        account = api.begin(request, op)
        with world.lock:
            paging = Paging(api, op, "fe", account, request, required=True)
            if paging.window is None:
                return paging.answer(iter(()))
            after_s, before_s = paging.window
            return paging.answer(account.iter_postings(after_s, before_s, world.now_s(), paging.resume))

    @app.get("/finances/v0/orders/{order_id}/financialEvents")
    def list_financial_events_by_order_id(request: Request, order_id: str) -> Response:
        op = "listFinancialEventsByOrderId"
        account = api.begin(request, op)
        with world.lock:
            paging = Paging(api, op, "fo:" + order_id, account, request, required=False)
            order = account.orders.get(order_id)
            latest = world.now_s() - MIN_LAG_SECONDS
            txns = [] if order is None else account.order_transactions(order, latest)
            txns.sort(key=lambda t: (t.posted_s, t.order_id, t.kind))
            return paging.answer(_after(txns, paging.resume))

    @app.get("/finances/v0/financialEventGroups/{group_id}/financialEvents")
    def list_financial_events_by_group_id(request: Request, group_id: str) -> Response:
        op = "listFinancialEventsByGroupId"
        account = api.begin(request, op)
        now_s = world.now_s()
        with world.lock:
            paging = Paging(api, op, "fg:" + group_id, account, request, required=False)
            index = group_index_of(account, group_id, now_s)
            if paging.window is None or index is None:
                return paging.answer(iter(()))
            start, end = group_bounds(index)
            after_s, before_s = max(paging.window[0], start), min(paging.window[1], end - 1)
            return paging.answer(account.iter_postings(after_s, before_s, now_s, paging.resume))
