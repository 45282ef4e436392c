"""Replay: re-run an account's mapping and leaf upserts from the raw-payload journal, without calling the
marketplace — after a mapping fix (the stored rows take the corrected values), as evidence in a dispute, or into
a scratch database to look before touching the real one.

Each journaled run is replayed as it ran: the adapter's own sync for the run's target and window, its HTTP
answered page by page from the journal (``ReplayTransport``: a request the journal cannot answer stops the
replay), the same writers. What would change is computed first, in a transaction that is rolled back (rows
compared column by column, the bookkeeping columns ``id``, ``created_at`` and ``updated_at`` aside); unless it is
a dry run, only the records whose rows really change are then written. So replaying what is stored changes
nothing, not even ``updated_at``."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from robnu.adapters.base import AdapterContext, HttpFactory, MarketplaceAdapter, TokenStore
from robnu.adapters.http import HttpPolicy
from robnu.db.models import (
    MarketplaceAccount,
    MarketplacePayout,
    Order,
    OrderItem,
    OrderReturn,
    OrderReturnItem,
    PayoutLineItem,
    Seller,
    Shipment,
    SyncRun,
)
from robnu.domain.clock import ManualClock
from robnu.domain.errors import InvalidInput, NotFound, RobnuError
from robnu.domain.marketplace import ScheduleTarget
from robnu.domain.records import Quarantine, SyncWindow
from robnu.services.accounts import adapter_for
from robnu.services.context import build_context
from robnu.services.journal import JournalPage, read_pages, request_identity
from robnu.services.runtime import Runtime
from robnu.services.writers import BatchCounts, write_orders, write_payouts, write_returns

BATCH = 250
SKIPPED_COLUMNS = frozenset({"id", "created_at", "updated_at"})


class ReplayMiss(RobnuError):
    """The adapter asked for a page the journal does not hold (the journal is incomplete for this run)."""


class ReplayTransport(httpx.BaseTransport):
    """Answers each request with the next journaled page of the same identity (method, path, query)."""

    def __init__(self, pages: Iterable[JournalPage]) -> None:
        self._pages: dict[str, deque[JournalPage]] = defaultdict(deque)
        self._last: dict[str, JournalPage] = {}
        for page in pages:
            self._pages[page.request].append(page)
        self.served = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        identity = request_identity(request.method, request.url.path, request.url.query.decode("ascii", "replace"))
        queue = self._pages.get(identity)
        if queue:
            page = self._last[identity] = queue.popleft()
        elif identity in self._last:  # asked again (a re-read): the same answer as last time
            page = self._last[identity]
        else:
            raise ReplayMiss(f"the journal holds no answer to {identity}; this run cannot be replayed from it")
        self.served += 1
        kind = "application/json" if page.body[:1] in (b"{", b"[") else "text/plain"
        return httpx.Response(page.status, content=page.body, headers={"content-type": kind}, request=request)


class _ReplayTokens(TokenStore):
    """A token that never expires: a replay authenticates with nobody."""

    def get(self) -> tuple[str, datetime] | None:
        return "replay", datetime(9999, 1, 1, tzinfo=UTC)

    def put(self, token: str, expires_at: datetime) -> None:
        pass

    def clear(self) -> None:
        pass


@dataclass(frozen=True)
class _Leaf:
    read: Callable[[MarketplaceAdapter, AdapterContext[Any], SyncWindow], Iterable[Any]]
    write: Callable[..., BatchCounts]
    tables: tuple[Any, ...]  # the leaf models this target writes, parent first
    footprint: Callable[[Any], set[tuple[str, str]]]  # (table, external_id) of every row a record writes


def _order_rows(r: Any) -> set[tuple[str, str]]:
    return (
        {("orders", r.external_id)}
        | {("order_items", i.external_id) for i in r.items}
        | {("shipments", sh.external_id) for sh in r.shipments}
    )


def _return_rows(r: Any) -> set[tuple[str, str]]:
    return {("order_returns", r.external_id)} | {("order_return_items", i.external_id) for i in r.items}


def _payout_rows(r: Any) -> set[tuple[str, str]]:
    return {("marketplace_payouts", r.external_id)} | {("payout_line_items", ln.external_id) for ln in r.lines}


LEAVES: dict[ScheduleTarget, _Leaf] = {
    ScheduleTarget.ORDERS: _Leaf(
        lambda a, ctx, w: a.sync_orders(ctx, w), write_orders, (Order, OrderItem, Shipment), _order_rows
    ),
    ScheduleTarget.RETURNS: _Leaf(
        lambda a, ctx, w: a.sync_returns(ctx, w), write_returns, (OrderReturn, OrderReturnItem), _return_rows
    ),
    ScheduleTarget.PAYOUTS: _Leaf(
        lambda a, ctx, w: a.sync_payouts(ctx, w), write_payouts, (MarketplacePayout, PayoutLineItem), _payout_rows
    ),
}


@dataclass(frozen=True)
class RowChange:
    table: str
    external_id: str
    kind: str  # "inserted" or "updated"
    fields: dict[str, tuple[Any, Any]]  # column -> (stored, replayed); every column for an inserted row


@dataclass
class RunReplay:
    run_id: int | None
    target: str
    pages: int
    records: int
    quarantined: int
    changes: list[RowChange] = field(default_factory=list)


@dataclass
class ReplayReport:
    account_id: int
    dry_run: bool
    into: str  # the database written (or that would be), password hidden
    runs: list[RunReplay] = field(default_factory=list)

    @property
    def changes(self) -> list[RowChange]:
        return [c for run in self.runs for c in run.changes]


def replay(
    rt: Runtime,
    account_id: int,
    *,
    run_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    into: Runtime | None = None,
    dry_run: bool = False,
) -> ReplayReport:
    target_rt = into or rt
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        seller_id = account.seller_id
        adapter = adapter_for(rt, account)
        start, end = _range(s, account_id, run_id, start, end, rt.clock.now())
    pages = [
        p
        for p in read_pages(rt, seller_id=seller_id, code=adapter.code, account_id=account_id, start=start, end=end)
        if run_id is None or p.run == run_id
    ]
    if not pages:
        what = f"run {run_id}" if run_id is not None else f"{start.isoformat()} … {end.isoformat()}"
        raise NotFound(
            f"the journal holds no page of account {account_id} for {what} (journal off then, pruned, or empty)"
        )
    runs: dict[int | None, list[JournalPage]] = defaultdict(list)
    for page in pages:
        runs[page.run].append(page)
    if into is not None:
        _copy_owner(rt, into, account_id)
    report = ReplayReport(account_id, dry_run, target_rt.engine.url.render_as_string(hide_password=True), [])
    for rid, run_pages in runs.items():
        report.runs.append(_replay_run(rt, target_rt, adapter, account_id, rid, run_pages, dry_run))
    return report


def _range(
    s: Session,
    account_id: int,
    run_id: int | None,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> tuple[datetime, datetime]:
    if run_id is not None:
        if start is not None or end is not None:
            raise InvalidInput("run", "give either a run or a time range (--from/--to), not both")
        run = s.get(SyncRun, run_id)
        if run is None or run.marketplace_account_id != account_id:
            raise NotFound(f"sync run {run_id} of account {account_id} does not exist")
        return run.started_at, (run.finished_at or now) + timedelta(minutes=1)
    if start is None or end is None:
        raise InvalidInput("from", "give a run (--run) or both ends of a time range (--from and --to)")
    if start > end:
        raise InvalidInput("to", f"must not be before from ({start.isoformat()})")
    return start, end


def _copy_owner(rt: Runtime, into: Runtime, account_id: int) -> None:
    """A scratch database gets the account's seller and account rows (same ids) so the leaf rows can point at
    them; nothing secret is copied (no satellite, no token)."""
    with rt.sessions() as s, into.session() as t:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        seller = s.get(Seller, account.seller_id)
        assert seller is not None
        for row in (seller, account):
            model = type(row)
            if t.get(model, row.id) is None:
                t.add(model(**{c.name: getattr(row, c.name) for c in model.__table__.columns}))
                t.flush()


def _replay_run(
    rt: Runtime,
    target_rt: Runtime,
    adapter: MarketplaceAdapter,
    account_id: int,
    run_id: int | None,
    pages: Sequence[JournalPage],
    dry_run: bool,
) -> RunReplay:
    first = pages[0]
    target = ScheduleTarget(first.target)
    leaf = LEAVES.get(target)
    if leaf is None or first.window is None:
        raise InvalidInput("run", f"run {run_id} ({first.target}) is not a sync of orders, returns or payouts")
    records, quarantined = _records(rt, adapter, account_id, leaf, first.window, pages)
    result = RunReplay(run_id, target, len(pages), len(records), quarantined)
    now = target_rt.clock.now()
    with target_rt.sessions() as t:
        account = t.get(MarketplaceAccount, account_id)
        assert account is not None
        before = _snapshot(t, account_id, leaf.tables)
        _write(t, account, leaf, records, now)
        after = _snapshot(t, account_id, leaf.tables)
        t.rollback()  # this pass only measured what the replay changes
        result.changes = _diff(before, after)
        if dry_run or not result.changes:
            return result
        touched = {(c.table, c.external_id) for c in result.changes}
        account = t.get(MarketplaceAccount, account_id)
        assert account is not None
        _write(t, account, leaf, [r for r in records if leaf.footprint(r) & touched], now)
        t.commit()
    return result


def _records(
    rt: Runtime,
    adapter: MarketplaceAdapter,
    account_id: int,
    leaf: _Leaf,
    window: SyncWindow,
    pages: Sequence[JournalPage],
) -> tuple[list[Any], int]:
    """The adapter's records of the run, its HTTP answered by the journal (rate limits and retries off)."""
    with rt.sessions() as s:
        account = s.get(MarketplaceAccount, account_id)
        assert account is not None
        ctx = build_context(rt, s, adapter, account)
    ctx.http = HttpFactory(
        policy=HttpPolicy(max_retries=0, rate_scale=0, sleep=lambda _seconds: None),
        endpoints=rt.http.endpoints,
        transport=ReplayTransport(pages),
    )
    ctx.tokens = _ReplayTokens()
    ctx.clock = ManualClock(pages[0].at)
    records: list[Any] = []
    quarantined = 0
    for record in leaf.read(adapter, ctx, window):
        if isinstance(record, Quarantine):
            quarantined += 1
        else:
            records.append(record)
    return records, quarantined


def _write(t: Session, account: MarketplaceAccount, leaf: _Leaf, records: Sequence[Any], now: datetime) -> None:
    write = partial(leaf.write, refresh=True)
    for at in range(0, len(records), BATCH):
        write(t, account, records[at : at + BATCH], now)
    t.flush()


Snapshot = dict[tuple[str, str], dict[str, Any]]


def _snapshot(t: Session, account_id: int, models: Sequence[Any]) -> Snapshot:
    rows: Snapshot = {}
    for model in models:
        table = model.__table__
        cols = [c for c in table.columns if c.name not in SKIPPED_COLUMNS]
        for row in t.execute(select(*cols).where(table.c.marketplace_account_id == account_id)).mappings():
            rows[(table.name, str(row["external_id"]))] = dict(row)
    return rows


def _diff(before: Snapshot, after: Snapshot) -> list[RowChange]:
    changes = []
    for key in sorted(after):
        new = after[key]
        old = before.get(key)
        if old is None:
            changes.append(RowChange(key[0], key[1], "inserted", {c: (None, v) for c, v in new.items()}))
            continue
        fields = {c: (old[c], v) for c, v in new.items() if old[c] != v}
        if fields:
            changes.append(RowChange(key[0], key[1], "updated", fields))
    return changes
