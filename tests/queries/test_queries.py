"""The read models on real data of two sellers (SQLite and PostgreSQL): every list pages through exactly the
seller's rows in its stable order, filters narrow it, details carry what belongs to the row, and nothing of
the other seller ever shows — not in a list, not by id, not in a search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.db.claims_models import ReturnClaim
from robnu.db.models import MarketplacePayout, Order, OrderReturn, RunReport, Shipment, SyncRun
from robnu.db.money_models import Adjustment, ReconciliationBatch
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.domain.errors import InvalidInput, NotFound
from robnu.services import sla
from robnu.services.queries import money, orders, payouts, processing, returns, runs, search, stock
from robnu.services.queries import sla as sla_queries
from robnu.services.queries.common import ByAccount, Page
from tests.queries.conftest import Data, SellerData

# The module-scoped data is built once: the whole module runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("queries-data")


def _all(fetch: Callable[..., Page[Any]], limit: int = 7) -> list[Any]:
    """Every item of a list, page by page; no page is empty but the only one, and no cursor after the last."""
    items: list[Any] = []
    cursor = None
    while True:
        page = fetch(cursor=cursor, limit=limit)
        items += page.items
        if page.next_cursor is None:
            return items
        assert len(page.items) == limit
        cursor = page.next_cursor


def _accounts(seller: SellerData) -> set[int]:
    return {seller.ajio.account_id, *seller.others.values()}


def test_the_orders_list_pages_through_the_sellers_orders_newest_first_once_each(data: Data) -> None:
    with data.rt.sessions() as s:
        got = _all(lambda **kw: orders.list_orders(s, data.a.seller_id, **kw))
        want = (
            s.execute(
                select(Order.id)
                .where(Order.seller_id == data.a.seller_id)
                .order_by(Order.ordered_at.desc(), Order.id.desc())
            )
            .scalars()
            .all()
        )
    assert [o.id for o in got] == want and len(want) > 100
    assert {o.account.account_id for o in got} == _accounts(data.a)
    dumped = got[0].model_dump(mode="json")
    assert isinstance(dumped["order_total"], str) and "." in dumped["order_total"]  # money as a decimal string
    assert dumped["ordered_at"].endswith(("Z", "+00:00"))


def test_order_filters_narrow_the_list(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        meesho = _all(lambda **kw: orders.list_orders(s, a, orders.OrderFilters(marketplace="meesho"), **kw))
        assert meesho and {o.account.marketplace for o in meesho} == {"MEESHO"}
        by_account = _all(
            lambda **kw: orders.list_orders(s, a, orders.OrderFilters(account_id=data.a.ajio.account_id), **kw)
        )
        assert len(by_account) + len(meesho) == s.query(Order).filter(Order.seller_id == a).count()
        delivered = _all(lambda **kw: orders.list_orders(s, a, orders.OrderFilters(status="delivered"), **kw))
        assert delivered and {o.status for o in delivered} == {"DELIVERED"}
        in_flow = _all(
            lambda **kw: orders.list_orders(s, a, orders.OrderFilters(processing_status="IN_PROGRESS"), **kw)
        )
        want = s.execute(
            select(OrderProcessing.order_id).where(
                OrderProcessing.seller_id == a, OrderProcessing.status == "IN_PROGRESS"
            )
        ).scalars()
        assert {o.id for o in in_flow} == set(want) and in_flow
        staged = orders.list_orders(s, a, orders.OrderFilters(processing_stage=in_flow[0].processing_stage))
        assert in_flow[0].id in {o.id for o in staged.items}
        middle = delivered[len(delivered) // 2].ordered_at
        recent = _all(lambda **kw: orders.list_orders(s, a, orders.OrderFilters(ordered_from=middle), **kw))
        assert recent and all(o.ordered_at >= middle for o in recent)
        older = _all(lambda **kw: orders.list_orders(s, a, orders.OrderFilters(ordered_to=middle), **kw))
        assert len(recent) + len(older) == len(_all(lambda **kw: orders.list_orders(s, a, **kw), limit=200))
        one = delivered[3]
        assert [o.id for o in orders.list_orders(s, a, orders.OrderFilters(q=one.external_id)).items] == [one.id]
        awb = s.execute(select(Shipment.awb).where(Shipment.order_id == one.id)).scalar_one()
        assert awb and [o.id for o in orders.list_orders(s, a, orders.OrderFilters(q=awb)).items] == [one.id]
        # another seller's account, or a marketplace the seller is not on: nothing, not an error
        assert orders.list_orders(s, a, orders.OrderFilters(account_id=data.b.ajio.account_id)).items == []
        assert orders.list_orders(s, a, orders.OrderFilters(marketplace="FLIPKART")).items == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (orders.OrderFilters(status="SHIPPEDISH"), "status"),
        (orders.OrderFilters(processing_status="NOPE"), "processing_status"),
    ],
)
def test_a_bad_filter_names_its_field(data: Data, filters: orders.OrderFilters, field: str) -> None:
    with data.rt.sessions() as s, pytest.raises(InvalidInput) as err:
        orders.list_orders(s, data.a.seller_id, filters)
    assert err.value.field == field


def test_a_cursor_belongs_to_its_list_and_a_bad_one_is_refused(data: Data) -> None:
    with data.rt.sessions() as s:
        page = orders.list_orders(s, data.a.seller_id, limit=5)
        assert page.next_cursor is not None
        for bad in ("garbage!", "eyJ4Ijox", page.next_cursor[:-3]):
            with pytest.raises(InvalidInput) as err:
                orders.list_orders(s, data.a.seller_id, cursor=bad)
            assert err.value.field == "cursor"
        with pytest.raises(InvalidInput, match="cursor"):
            returns.list_returns(s, data.a.seller_id, cursor=page.next_cursor)  # an orders cursor
        for limit in (0, 201):
            with pytest.raises(InvalidInput, match="limit"):
                orders.list_orders(s, data.a.seller_id, limit=limit)


def test_a_new_order_between_pages_neither_repeats_nor_shifts_the_next_page(data: Data) -> None:
    """Keyset, not offset: the next page starts after the last row seen, whatever was added before it."""
    with data.rt.sessions() as s:
        first = orders.list_orders(s, data.a.seller_id, limit=10)
        second = orders.list_orders(s, data.a.seller_id, cursor=first.next_cursor, limit=10)
        newest = s.get(Order, first.items[0].id)
        assert newest is not None
        s.add(
            Order(
                seller_id=newest.seller_id,
                marketplace_account_id=newest.marketplace_account_id,
                external_id="NEW-BETWEEN-PAGES",
                source_updated_at=newest.source_updated_at,
                status="NEW",
                raw_status="NEW",
                created_at=newest.created_at,
                updated_at=newest.updated_at,
                ordered_at=newest.ordered_at + timedelta(minutes=1),
                order_total=newest.order_total,
            )
        )
        s.flush()
        again = orders.list_orders(s, data.a.seller_id, cursor=first.next_cursor, limit=10)
        assert again.items == second.items
        s.rollback()


def test_order_detail_has_items_shipments_processing_steps_and_documents(data: Data) -> None:
    with data.rt.sessions() as s:
        order_id = s.execute(
            select(OrderProcessing.order_id)
            .where(
                OrderProcessing.seller_id == data.a.seller_id,
                OrderProcessing.marketplace_account_id == data.a.ajio.account_id,
            )
            .limit(1)
        ).scalar_one()
        detail = orders.get_order(s, data.a.seller_id, order_id)
    assert detail.items and sum(i.quantity for i in detail.items) >= 1
    assert detail.shipments and detail.processing is not None and detail.processing.batch_id is not None
    assert detail.processing.status == "HELD" and detail.processing.held_reason
    assert [st.stage for st in detail.steps] == sorted(st.stage for st in detail.steps) and len(detail.steps) >= 3
    assert {d.doc_type for d in detail.documents} >= {"SLIP"}
    assert detail.account.marketplace == "AJIO"


def test_return_list_filters_and_detail(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        every = _all(lambda **kw: returns.list_returns(s, a, **kw), limit=5)
        assert len(every) == s.query(OrderReturn).filter(OrderReturn.seller_id == a).count() > 10
        rto = _all(lambda **kw: returns.list_returns(s, a, returns.ReturnFilters(kind="rto"), **kw))
        customer = _all(lambda **kw: returns.list_returns(s, a, returns.ReturnFilters(kind="CUSTOMER_RETURN"), **kw))
        assert rto and customer and len(rto) + len(customer) == len(every)
        assert {r.kind for r in rto} == {"RTO"}
        (received,) = returns.list_returns(s, a, returns.ReturnFilters(internal_status="RECEIVED")).items
        assert received.return_awb is not None
        assert [r.id for r in returns.list_returns(s, a, returns.ReturnFilters(q=received.return_awb)).items] == [
            received.id
        ]
        detail = returns.get_return(s, a, received.id)
    assert detail.received_at is not None and detail.damage_note == "torn"
    assert [sc.first for sc in detail.scans] == [True] and detail.scans[0].actor == "dock"
    assert {w.leg for w in detail.awbs} == {"FORWARD", "RETURN"} and detail.items and detail.events


def test_payout_detail_carries_each_lines_reconciliation_status(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        every = _all(lambda **kw: payouts.list_payouts(s, a, **kw), limit=2)
        assert {p.id for p in every} == set(
            s.execute(select(MarketplacePayout.id).where(MarketplacePayout.seller_id == a)).scalars()
        )
        ajio = [p for p in every if p.account.marketplace == "AJIO"]
        details = [payouts.get_payout(s, a, p.id) for p in ajio]
    statuses = {line.reconciliation_status for d in details for line in d.lines}
    assert "MATCHED" in statuses and statuses & {"DELTA", "UNEXPECTED"}
    deltas = [line for d in details for line in d.lines if line.adjustment_id is not None]
    assert deltas and all(line.reconciliation_status != "MATCHED" for line in deltas)
    assert all(sum(d.reconciliation.values()) == len(d.lines) for d in details)
    assert isinstance(details[0].model_dump(mode="json")["lines"][0]["amount"], str)


def test_stock_has_one_truth_per_sku_with_every_listing(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        skus = _all(lambda **kw: stock.list_stock(s, a, **kw), limit=10)
        assert [p.sku for p in skus] == sorted(p.sku for p in skus) and len({p.sku for p in skus}) == len(skus)
        linked = [p for p in skus if p.listings]
        assert linked
        for p in linked:
            for listing in p.listings:
                assert listing.product_id == p.product_id and listing.due_quantity is not None
                assert listing.due_quantity <= max(0, p.on_hand - p.reserved)
        listings = _all(lambda **kw: stock.list_listings(s, a, **kw), limit=10)
        assert sorted(li.id for li in listings) == sorted(li.id for p in skus for li in p.listings)
        pushed = _all(lambda **kw: stock.list_inventory_tasks(s, a, **kw), limit=3)
        assert pushed and {t.status for t in pushed} == {"SENT"}
        one = skus[0].sku
        assert [p.sku for p in stock.list_stock(s, a, sku=one).items] == [one]


def test_schedules_runs_and_reports(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        scheds = runs.list_schedules(s, a)
        assert {sc.account.account_id for sc in scheds} == _accounts(data.a)
        assert runs.list_schedules(s, a, marketplace="MEESHO") and all(
            sc.account.marketplace == "MEESHO" for sc in runs.list_schedules(s, a, marketplace="MEESHO")
        )
        sync_runs = _all(lambda **kw: runs.list_sync_runs(s, a, **kw), limit=2)
        assert [r.id for r in sync_runs] == list(
            s.execute(
                select(SyncRun.id).where(SyncRun.seller_id == a).order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            ).scalars()
        )
        payout_runs = runs.list_sync_runs(s, a, runs.RunFilters(target="payouts")).items
        assert payout_runs and {r.target for r in payout_runs} == {"PAYOUTS"}
        assert runs.get_sync_run(s, a, payout_runs[0].id) == payout_runs[0]
        (report,) = runs.list_run_reports(s, a).items
        assert report.details == {"note": "Seller A"} and runs.get_run_report(s, a, report.id) == report


def test_batches_and_the_sla_board(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        batches = _all(lambda **kw: processing.list_batches(s, a, **kw), limit=1)
        assert {b.id for b in batches} == set(
            s.execute(select(ProcessingBatch.id).where(ProcessingBatch.seller_id == a)).scalars()
        )
        manual = next(b for b in batches if b.closure_policy == "MANUAL")
        assert manual.status == "OPEN" and manual.orders.get("IN_PROGRESS", 0) > 0
        detail = processing.get_batch(s, a, manual.id)
        assert len(detail.order_list) == sum(manual.orders.values()) and detail.steps
        assert processing.list_batches(s, a, processing.BatchFilters(status="closed")).items == [
            b for b in batches if b.status == "CLOSED"
        ]
        board = sla_queries.sla_board(s, a, data.rt.clock.now())
    watchdog = sla.headroom_board(data.rt, a)
    assert [b.batch_id for b in board] == [w.batch_id for w in watchdog] == [manual.id]
    assert board[0].open_orders == watchdog[0].open_orders and board[0].band == watchdog[0].band.value
    with data.rt.sessions() as s:
        assert sla_queries.sla_board(s, data.b.seller_id, data.rt.clock.now()) == []
        assert sla_queries.sla_board(s, a, data.rt.clock.now(), account_id=data.b.ajio.account_id) == []


def test_money_lists_and_details(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        (recon,) = money.list_reconciliations(s, a).items
        assert recon.period == "2026-11" and recon.deltas > 0
        assert money.list_reconciliations(s, a, money.MoneyFilters(period="2026-10")).items == []
        detail = money.get_reconciliation(s, a, recon.id)
        assert len(detail.items) == recon.lines or detail.items
        adjustments = _all(lambda **kw: money.list_adjustments(s, a, **kw), limit=3)
        assert {x.id for x in adjustments} == set(
            s.execute(select(Adjustment.id).where(Adjustment.seller_id == a)).scalars()
        )
        (disputed,) = money.list_adjustments(s, a, money.AdjustmentFilters(status="disputed")).items
        adj = money.get_adjustment(s, a, disputed.id)
        assert adj.claim_reference and adj.events
        (claim,) = money.list_claims(s, a).items
        assert claim.adjustment_id == disputed.id and claim.status == "filed"
        full = money.get_claim(s, a, claim.id)
        assert [e.to_value for e in full.events] == ["pending", "filed"] and full.evidence
        with pytest.raises(InvalidInput, match="period"):
            money.list_adjustments(s, a, money.AdjustmentFilters(period="Nov"))


def test_search_finds_orders_shipments_returns_and_payouts_by_any_id(data: Data) -> None:
    a = data.a.seller_id
    with data.rt.sessions() as s:
        order = s.execute(select(Order).where(Order.seller_id == a).limit(1)).scalar_one()
        shipment = s.execute(select(Shipment).where(Shipment.order_id == order.id)).scalar_one()
        ret = s.execute(
            select(OrderReturn).where(OrderReturn.seller_id == a, OrderReturn.return_awb.is_not(None)).limit(1)
        ).scalar_one()
        payout = s.execute(select(MarketplacePayout).where(MarketplacePayout.seller_id == a).limit(1)).scalar_one()
        assert ("ORDER", order.id) in {(h.kind, h.id) for h in search.search(s, a, order.external_id)}
        assert shipment.awb and [(h.kind, h.id, h.order_id) for h in search.search(s, a, shipment.awb.lower())] == [
            ("SHIPMENT", shipment.id, order.id)
        ]
        assert ret.return_awb and ("RETURN", ret.id) in {(h.kind, h.id) for h in search.search(s, a, ret.return_awb)}
        assert [(h.kind, h.id) for h in search.search(s, a, f"  {payout.external_id} ")] == [("PAYOUT", payout.id)]
        assert search.search(s, a, "NO-SUCH-ID-ANYWHERE") == []
        with pytest.raises(InvalidInput, match="q"):
            search.search(s, a, "   ")


def _lists(s: Session, seller: int) -> dict[str, list[Any]]:
    return {
        "orders": _all(lambda **kw: orders.list_orders(s, seller, **kw), limit=200),
        "returns": _all(lambda **kw: returns.list_returns(s, seller, **kw), limit=200),
        "payouts": _all(lambda **kw: payouts.list_payouts(s, seller, **kw), limit=200),
        "listings": _all(lambda **kw: stock.list_listings(s, seller, **kw), limit=200),
        "tasks": _all(lambda **kw: stock.list_inventory_tasks(s, seller, **kw), limit=200),
        "schedules": runs.list_schedules(s, seller),
        "sync_runs": _all(lambda **kw: runs.list_sync_runs(s, seller, **kw), limit=200),
        "reports": _all(lambda **kw: runs.list_run_reports(s, seller, **kw), limit=200),
        "batches": _all(lambda **kw: processing.list_batches(s, seller, **kw), limit=200),
        "reconciliations": _all(lambda **kw: money.list_reconciliations(s, seller, **kw), limit=200),
        "adjustments": _all(lambda **kw: money.list_adjustments(s, seller, **kw), limit=200),
        "claims": _all(lambda **kw: money.list_claims(s, seller, **kw), limit=200),
    }


ReadByAccount = Callable[[Session, int, ByAccount], list[Any]]


def _paged(fetch: Callable[..., Page[Any]], filters: Callable[..., Any]) -> ReadByAccount:
    """Every item of a paged list, its own filters carrying only a marketplace / account filter."""

    def read(s: Session, seller: int, by: ByAccount) -> list[Any]:
        narrowed = filters(marketplace=by.marketplace, account_id=by.account_id)
        return _all(lambda **kw: fetch(s, seller, narrowed, **kw), limit=25)

    return read


BY_ACCOUNT: dict[str, ReadByAccount] = {
    "orders": _paged(orders.list_orders, orders.OrderFilters),
    "returns": _paged(returns.list_returns, returns.ReturnFilters),
    "payouts": _paged(payouts.list_payouts, payouts.PayoutFilters),
    "listings": _paged(stock.list_listings, stock.ListingFilters),
    "tasks": _paged(stock.list_inventory_tasks, stock.InventoryTaskFilters),
    "schedules": lambda s, seller, by: runs.list_schedules(
        s, seller, marketplace=by.marketplace, account_id=by.account_id
    ),
    "sync_runs": _paged(runs.list_sync_runs, runs.RunFilters),
    "reports": _paged(runs.list_run_reports, runs.RunFilters),
    "batches": _paged(processing.list_batches, processing.BatchFilters),
    "reconciliations": _paged(money.list_reconciliations, money.MoneyFilters),
    "adjustments": _paged(money.list_adjustments, money.AdjustmentFilters),
    "claims": _paged(money.list_claims, money.MoneyFilters),
}


@pytest.mark.parametrize("name", sorted(BY_ACCOUNT))
def test_every_list_narrows_to_a_marketplace_or_an_account_of_the_sellers(data: Data, name: str) -> None:
    """The marketplace / account filter every list of account rows shares (``common.ListScope``): a marketplace
    (any case) or one of the seller's accounts keeps exactly those rows in the list's order; another seller's
    account, a marketplace the seller is not on, or an account not on the marketplace named is an empty list."""
    read, a = BY_ACCOUNT[name], data.a
    ajio, meesho = a.ajio.account_id, a.others["MEESHO"]
    with data.rt.sessions() as s:
        every = read(s, a.seller_id, ByAccount())
        assert every
        narrowed = {
            ByAccount(account_id=ajio): lambda i: i.account.account_id == ajio,
            ByAccount(marketplace="meesho"): lambda i: i.account.marketplace == "MEESHO",
            ByAccount(marketplace="AJIO", account_id=ajio): lambda i: i.account.account_id == ajio,
            ByAccount(account_id=meesho): lambda i: i.account.account_id == meesho,
        }
        for by, keeps in narrowed.items():
            assert [i.id for i in read(s, a.seller_id, by)] == [i.id for i in every if keeps(i)], by
        by_ajio, by_meesho = (read(s, a.seller_id, ByAccount(account_id=i)) for i in (ajio, meesho))
        assert len(by_ajio) + len(by_meesho) == len(every)  # the seller's two accounts: every row is on one
        for by in (
            ByAccount(account_id=data.b.ajio.account_id),
            ByAccount(marketplace="FLIPKART"),
            ByAccount(marketplace="MEESHO", account_id=ajio),
        ):
            assert read(s, a.seller_id, by) == [], by


def test_one_seller_never_sees_the_others_rows(data: Data) -> None:
    with data.rt.sessions() as s:
        for me, other in ((data.a, data.b), (data.b, data.a)):
            mine = _lists(s, me.seller_id)
            theirs = _lists(s, other.seller_id)
            for name, items in mine.items():
                assert items, f"{name}: the data set has rows of every kind for both sellers"
                assert {i.account.account_id for i in items} <= _accounts(me), name
                assert not {i.id for i in items} & {i.id for i in theirs[name]}, name
            stock_ids = {p.product_id for p in _all(lambda **kw: stock.list_stock(s, me.seller_id, **kw), limit=200)}
            assert not stock_ids & {
                p.product_id for p in _all(lambda **kw: stock.list_stock(s, other.seller_id, **kw), limit=200)
            }
            getters: list[tuple[Callable[[Session, int, int], Any], list[Any]]] = [
                (orders.get_order, theirs["orders"]),
                (returns.get_return, theirs["returns"]),
                (payouts.get_payout, theirs["payouts"]),
                (runs.get_sync_run, theirs["sync_runs"]),
                (runs.get_run_report, theirs["reports"]),
                (processing.get_batch, theirs["batches"]),
                (money.get_reconciliation, theirs["reconciliations"]),
                (money.get_adjustment, theirs["adjustments"]),
                (money.get_claim, theirs["claims"]),
            ]
            for get, rows in getters:
                with pytest.raises(NotFound):
                    get(s, me.seller_id, rows[0].id)
            their_order = theirs["orders"][0]
            their_awb = s.execute(select(Shipment.awb).where(Shipment.order_id == their_order.id)).scalar()
            for code in (their_order.external_id, their_awb):
                if code is not None:
                    found = search.search(s, me.seller_id, code)
                    assert all(h.account.account_id in _accounts(me) for h in found)
                    assert their_order.id not in {h.id for h in found if h.kind == "ORDER"}
            their_claim = s.execute(select(ReturnClaim.id).where(ReturnClaim.seller_id == other.seller_id)).scalar_one()
            assert their_claim not in {c.id for c in mine["claims"]}
            batch_ids = s.execute(
                select(ReconciliationBatch.id).where(ReconciliationBatch.seller_id == other.seller_id)
            )
            assert not set(batch_ids.scalars()) & {r.id for r in mine["reconciliations"]}
            report_ids = s.execute(select(RunReport.id).where(RunReport.seller_id == other.seller_id)).scalars()
            assert not set(report_ids) & {r.id for r in mine["reports"]}
