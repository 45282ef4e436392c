"""Returns: customer returns and RTOs by last update (paged), one return, the seller's RTO receipt, and the
quality check of a received return."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Body, FastAPI, Request

from robnu.sandbox.ajio import actions, views
from robnu.sandbox.ajio.errors import fail
from robnu.sandbox.ajio.model import RETURN_STATUSES, Return
from robnu.sandbox.ajio.plumbing import MAX_PAGE, AjioApi, check_paging, epoch_window, json_object


def register(app: FastAPI, api: AjioApi) -> None:
    world = api.world

    @app.get("/returns")
    def list_returns(
        request: Request,
        return_type: str | None = None,
        status: str | None = None,
        from_date: int | None = None,
        to_date: int | None = None,
        page: int = 0,
        size: int = MAX_PAGE,
    ) -> dict[str, Any]:
        book = api.authed(request, "getReturns")
        check_paging(page, size)
        if return_type not in (None, "CR", "RTO") or status not in (None, *RETURN_STATUSES):
            fail(400, "VALIDATION_ERROR", "return_type must be CR or RTO; status a return status")
        lo, hi = epoch_window(from_date, to_date, 30)
        now = world.now()
        items = world.returns_in(book, lo, hi, return_type, status)

        def touch(first: Return) -> Sequence[Return]:
            _ts, st, note = first.state_at(now)
            first.set_events([*first.events[: first.index_at(now) + 1], (now, st, note or "UPDATED")])
            world.life.reindex(book, book.orders[first.order_key])
            return world.returns_in(book, lo, hi, return_type, status)

        rows, meta = api.paged("getReturns", book.account.pob_id, items, page, size, touch)
        return {"returns": [views.return_(r, now) for r in rows], "page": meta}

    @app.get("/returns/{return_id}")
    def get_return(request: Request, return_id: str) -> dict[str, Any]:
        book = api.authed(request, "getReturn")
        return views.return_(api.return_of(book, return_id), world.now())

    @app.post("/returns/rto")
    def rto(request: Request, body: Any = Body(None)) -> dict[str, Any]:
        book = api.authed(request, "generateRto")
        data = json_object(body)
        order = api.order_of(book, str(data.get("order_id")))
        now = world.now()
        st = order.state_at(now)[1]
        received = data.get("received_at")
        if st != "DISPATCHED":
            fail(422, "ORDER_NOT_DISPATCHED", f"order {order.order_id} is {st}, not DISPATCHED")
        if data.get("awb_number") != order.awb:
            fail(422, "AWB_MISMATCH", f"awb_number does not match order {order.order_id}")
        if not isinstance(received, int) or received > now + 300:
            fail(400, "VALIDATION_ERROR", "received_at must be an epoch second, not in the future")
        ret = actions.generate_rto(world, book, order, received, now)
        book.record("rto_generations", {"order_id": order.order_id, "return_id": ret.return_id, "at": now})
        return {"success": True, "statusCode": 0, "result": views.return_(ret, now)}

    @app.post("/returns/{return_id}/qc")
    def qc(request: Request, return_id: str, body: Any = Body(None)) -> dict[str, Any]:
        book = api.authed(request, "submitQc")
        ret = api.return_of(book, return_id)
        results = json_object(body).get("qc_results")
        now = world.now()
        errors = actions.check_qc(ret, results, now)
        if errors:
            fail(422, errors[0]["code"], f"QC rejected: {len(errors)} problem(s)", errors)
        assert isinstance(results, list)
        actions.submit_qc(world, book, ret, results, now)
        return {"success": True, "statusCode": 0, "result": views.return_(ret, now)}
