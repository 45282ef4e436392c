"""Finances v0 listFinancialEventGroups and 2024-06-19 listTransactions."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from robnu.sandbox.amazon_in.account import Account
from robnu.sandbox.amazon_in.constants import MIN_LAG_SECONDS, TRANSACTION_STATUSES
from robnu.sandbox.amazon_in.errors import invalid_input
from robnu.sandbox.amazon_in.finances_json import financial_event_group, group_total, transaction
from robnu.sandbox.amazon_in.orders import DAY
from robnu.sandbox.amazon_in.pagination import encode, filters_hash
from robnu.sandbox.amazon_in.plumbing import Api, int_param, time_param
from robnu.sandbox.amazon_in.settlement import Transaction, group_bounds, group_id, group_index
from robnu.sandbox.faults import FaultKind

MAX_SPAN_S = 180 * DAY  # more than 180 days apart -> nothing
TXN_PAGE = 500  # a page holds up to 500 transactions
# modelled: listTransactions walks the range in 14-day slices; a slice without postings is an empty
# page that still carries a nextToken ("pages may be empty while a token is still returned").
SLICE_S = 14 * DAY
DEFAULT_GROUP_LOOKBACK_S = 90 * DAY  # modelled default for FinancialEventGroupStartedAfter


def group_index_of(account: Account, gid: str, now_s: int) -> int | None:
    first = account.postings[0][0] if account.postings else now_s
    for index in range(group_index(first), group_index(now_s) + 1):
        if group_id(account.key, index) == gid:
            return index
    return None


def register(app: FastAPI, api: Api) -> None:
    world = api.world

    @app.get("/finances/v0/financialEventGroups")
    def list_financial_event_groups(request: Request) -> Response:
        op = "listFinancialEventGroups"
        account = api.begin(request, op)
        now_s = world.now_s()
        limit = int_param(request, op, "MaxResultsPerPage", 10, 1, 100)
        token = request.query_params.get("NextToken")
        with world.lock:
            if token:
                state = api.token_state(op, "fg", account, token)
                start_i, last_i = int(state["n"]), int(state["l"])
            else:
                after = time_param(request, op, "FinancialEventGroupStartedAfter")
                before = time_param(request, op, "FinancialEventGroupStartedBefore")
                after_s = int(after.timestamp()) if after else now_s - DEFAULT_GROUP_LOOKBACK_S
                before_s = int(before.timestamp()) if before else now_s - MIN_LAG_SECONDS
                if before_s > now_s - MIN_LAG_SECONDS:
                    raise invalid_input(op, "FinancialEventGroupStartedBefore must be at least 2 minutes before now")
                if before_s < after_s:
                    raise invalid_input(op, "FinancialEventGroupStartedBefore must be after StartedAfter")
                if before_s - after_s > MAX_SPAN_S:
                    return api.ok(op, {"payload": {"FinancialEventGroupList": []}})
                start_i = group_index(after_s) + (1 if group_bounds(group_index(after_s))[0] < after_s else 0)
                last_i = group_index(before_s)
            groups: list[dict[str, Any]] = []
            index = start_i
            while index <= last_i and len(groups) < limit:
                if group_total(account, index, now_s)[1] > 0:
                    groups.append(financial_event_group(account, index, now_s))
                index += 1
            payload: dict[str, Any] = {"FinancialEventGroupList": groups}
            more = any(group_total(account, i, now_s)[1] > 0 for i in range(index, last_i + 1))
            if more:
                payload["NextToken"] = encode({"k": "fg", "a": account.key, "n": index, "l": last_i, "i": now_s})
        return api.ok(op, {"payload": payload})

    @app.get("/finances/2024-06-19/transactions")
    def list_transactions(request: Request) -> Response:
        op = "listTransactions"
        account = api.begin(request, op)
        now_s = world.now_s()
        q = request.query_params
        status = q.get("transactionStatus")
        if status is not None and status not in TRANSACTION_STATUSES:
            raise invalid_input(op, f"Invalid transactionStatus: {status}")
        name, value = q.get("relatedIdentifierName"), q.get("relatedIdentifierValue")
        if name is not None and name not in ("FINANCIAL_EVENT_GROUP_ID", "ORDER_ID"):
            raise invalid_input(
                op, "Filtering by relatedIdentifierName works only with FINANCIAL_EVENT_GROUP_ID or ORDER_ID"
            )
        if name is not None and not value:
            raise invalid_input(op, "relatedIdentifierValue is required with relatedIdentifierName")
        after = time_param(request, op, "postedAfter")
        before = time_param(request, op, "postedBefore")
        if after is None and name is None:
            raise invalid_input(op, "Start date cannot be null")  # the wording of the model's example
        latest = now_s - MIN_LAG_SECONDS
        before_s = int(before.timestamp()) if before else latest
        if before_s > latest:
            raise invalid_input(op, "postedBefore must be at least 2 minutes before now")
        after_s = int(after.timestamp()) if after else 0
        if after is not None and after_s > latest:
            raise invalid_input(op, "postedAfter must be at least 2 minutes before now")
        if before_s < after_s:
            raise invalid_input(op, "postedBefore must be after postedAfter")
        if after is not None and before_s - after_s > MAX_SPAN_S:
            return api.ok(op, {"payload": {"transactions": []}})
        filters = {"n": name, "v": value, "a": after_s, "b": before_s, "s": status}
        with world.lock:
            if status is not None and status != "RELEASED":
                return api.ok(op, {"payload": {"transactions": []}})
            if name == "ORDER_ID":
                order = account.orders.get(str(value))
                found = (
                    []
                    if order is None
                    else [t for t in account.order_transactions(order, now_s) if after_s <= t.posted_s <= before_s]
                )
                return api.ok(op, {"payload": {"transactions": [transaction(account, t) for t in found]}})
            if name == "FINANCIAL_EVENT_GROUP_ID":
                index = group_index_of(account, str(value), now_s)
                if index is None:
                    return api.ok(op, {"payload": {"transactions": []}})
                start, end = group_bounds(index)
                after_s, before_s = max(after_s, start), min(before_s, end - 1)
            token = q.get("nextToken")
            digest = filters_hash({k: v for k, v in filters.items() if k != "b" or before is not None})
            previous: Transaction | None = None
            if token:
                state = api.token_state(op, "tx", account, token)
                if state["h"] != digest:
                    raise invalid_input(op, "The nextToken does not match the request's arguments")
                slice_start, before_s = int(state["s"]), int(state["b"])
                resume = tuple(state["r"]) if state["r"] else None
                last = state.get("p")
                if last and api.kit.faults.take_one(op, FaultKind.DUPLICATE_ACROSS_PAGES, account.key):
                    previous = account.transaction(account.orders[last[1]], last[2], int(last[0]))
            else:
                slice_start, resume = after_s, None
            slice_end = min(slice_start + SLICE_S - 1, before_s)
            found = []
            for txn in account.iter_postings(slice_start, slice_end, now_s, resume):
                found.append(txn)
                if len(found) > TXN_PAGE:
                    break
            payload: dict[str, Any] = {}
            next_state: dict[str, Any] | None = None
            if len(found) > TXN_PAGE:
                found = found[:TXN_PAGE]
                last_txn = found[-1]
                next_state = {"s": slice_start, "r": [last_txn.posted_s, last_txn.order_id, last_txn.kind]}
            elif slice_end < before_s:
                next_state = {"s": slice_end + 1, "r": None}
            if previous is not None:
                found.insert(0, previous)
            if next_state is not None:
                tail = found[-1] if found else None
                next_state.update(
                    {
                        "k": "tx",
                        "a": account.key,
                        "h": digest,
                        "b": before_s,
                        "i": now_s,
                        "p": [tail.posted_s, tail.order_id, tail.kind] if tail else None,
                    }
                )
                payload["nextToken"] = encode(next_state)
            payload["transactions"] = [transaction(account, t) for t in found]
        return api.ok(op, {"payload": payload})
