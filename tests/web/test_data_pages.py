"""The list pages on two sellers' real data (tests/queries/conftest.py): each shows the rows of the API's read
model for the signed-in seller (the same service as /v1) and none of the other seller's; filters narrow them,
a bad filter names its field, and a list longer than a page links to the next."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from robnu.domain.clock import ist_day
from robnu.domain.permissions import Role
from robnu.services.queries import orders, payouts, processing, returns, runs, stock
from robnu.services.queries.common import MAX_LIMIT
from robnu.services.tenancy import tenant_session
from robnu.web.formatting import inr
from tests.queries.conftest import Data, SellerData
from tests.queries.conftest import data as data  # the module-scoped data fixture
from tests.web.test_money_pages import _email
from tests.web.test_money_pages import client as client  # the module-scoped client with a user per role
from tests.web.test_pages import sign_in

# The module-scoped data is built once: the whole module runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("web-data-pages-data")


def _read(data: Data, seller: SellerData, query: Any, *args: Any, **kwargs: Any) -> Any:
    with tenant_session(data.rt, seller.seller_id) as s:
        return query(s, seller.seller_id, *args, **kwargs)


def _hrefs(text: str, prefix: str) -> set[str]:
    return {part.split('"', 1)[0] for part in text.split(f'href="{prefix}')[1:]}


def test_each_list_page_shows_the_read_models_rows_of_the_seller_only(client: TestClient, data: Data) -> None:
    sign_in(client, _email(data.a, Role.OWNER))
    mine = _read(data, data.a, orders.list_orders, limit=50).items
    theirs = _read(data, data.b, orders.list_orders, limit=MAX_LIMIT).items
    shown = _hrefs(client.get("/orders").text, "/orders/")
    assert shown == {str(o.id) for o in mine} and not shown & {str(o.id) for o in theirs}

    page = client.get("/payouts").text
    assert _hrefs(page, "/payouts/") == {str(p.id) for p in _read(data, data.a, payouts.list_payouts, limit=200).items}
    first = _read(data, data.a, payouts.list_payouts, limit=1).items[0]
    detail = client.get(f"/payouts/{first.id}").text
    assert first.external_id in detail and ("fees and taxes " + inr(first.fees)) in detail
    other = _read(data, data.b, payouts.list_payouts, limit=1).items[0]
    assert client.get(f"/payouts/{other.id}").status_code == 404

    page = client.get("/returns").text
    rows = _read(data, data.a, returns.list_returns, limit=MAX_LIMIT).items
    assert {r.external_id for r in rows} <= set(_cells(page, "Return"))
    assert not {r.order_id for r in _read(data, data.b, returns.list_returns, limit=MAX_LIMIT).items} & {
        int(h) for h in _hrefs(page, "/orders/")
    }
    rto = client.get("/returns", params={"kind": "RTO"}).text
    assert set(_cells(rto, "Kind")) == {"RTO"}
    bad = client.get("/returns", params={"status": "LOST"})
    assert bad.status_code == 200 and "status: must be one of" in bad.text

    page = client.get("/stock").text
    skus = {p.sku for p in _read(data, data.a, stock.list_stock, limit=MAX_LIMIT).items}
    assert skus and set(_cells(page, "SKU")) == skus
    one = sorted(skus)[0]
    assert set(_cells(client.get("/stock", params={"sku": one}).text, "SKU")) == {one}


def test_batches_are_grouped_by_ist_day_with_their_progress(client: TestClient, data: Data) -> None:
    sign_in(client, _email(data.a, Role.OPERATOR))
    since = (ist_day(data.rt.clock.now()) - timedelta(days=6)).isoformat()
    batches = _read(data, data.a, processing.list_batches, processing.BatchFilters(ist_day_from=since)).items
    page = client.get("/process/batches").text
    assert batches and all(f"<h2>{b.ist_day}</h2>" in page for b in batches)
    assert page.count('data-label="Batch"') == len(batches)
    assert "stage " in page and " of " in page  # the progress bar of each flow
    manual = [b for b in batches if b.status == "OPEN" and b.closure_policy == "MANUAL"]
    assert manual and f'hx-post="/process/batches/{manual[0].id}/close"' in page
    theirs = _read(data, data.b, processing.list_batches).items
    assert theirs and not any(f"/process/batches/{b.id}/close" in page for b in theirs)


def test_the_orders_filters_and_the_next_page(client: TestClient, data: Data) -> None:
    sign_in(client, _email(data.a, Role.VIEWER))
    ajio = client.get("/orders", params={"marketplace": "AJIO"}).text
    assert set(_cells(ajio, "Marketplace")) == {"AJIO"}
    first = client.get("/orders").text
    assert "Next page" in first
    next_url = first.split('<a href="/orders?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get(f"/orders?{next_url}").text
    assert _hrefs(second, "/orders/") and not _hrefs(second, "/orders/") & _hrefs(first, "/orders/")
    assert "First page" in second
    by_held = _read(data, data.a, orders.list_orders, orders.OrderFilters(held=True), limit=MAX_LIMIT).items
    page = client.get("/orders", params={"processing": "HELD"}).text
    assert _hrefs(page, "/orders/") == {str(o.id) for o in by_held}
    bad = client.get("/orders", params={"day_from": "yesterday"})
    assert bad.status_code == 200 and "day_from: " in bad.text and "No orders match" in bad.text
    bad = client.get("/orders", params={"day_from": "2026-11-20", "day_to": "2026-11-01"})
    assert "day_to: must not be before" in bad.text


def test_today_and_the_sla_board_show_the_sellers_accounts(client: TestClient, data: Data) -> None:
    sign_in(client, _email(data.a, Role.OWNER))
    today = client.get("/").text
    assert today.count('<section class="card"') == 2  # A's AJIO and Meesho accounts; none of B's
    sla = client.get("/process/sla-watchdog/board").text
    assert 'data-batch="' in sla and "MEESHO" in sla  # A's manual Meesho batch is watched
    sign_in(client, _email(data.b, Role.OWNER))
    assert "MEESHO" not in client.get("/process/sla-watchdog/board").text
    assert client.get("/").text.count('<section class="card"') == 1


def _cells(html: str, label: str) -> list[str]:
    """The text of every table cell with ``data-label`` ``label`` (tags stripped)."""
    out = []
    for part in html.split(f'data-label="{label}">')[1:]:
        cell = part.split("</td>", 1)[0]
        while "<" in cell:
            head, _, rest = cell.partition("<")
            cell = head + rest.partition(">")[2]
        out.append(cell.strip())
    return out


def test_the_runs_page_lists_the_sellers_reports(client: TestClient, data: Data) -> None:
    sign_in(client, _email(data.a, Role.VIEWER))
    mine = _read(data, data.a, runs.list_run_reports, limit=MAX_LIMIT).items
    theirs = _read(data, data.b, runs.list_run_reports, limit=MAX_LIMIT).items
    assert mine and theirs
    assert _hrefs(client.get("/runs").text, "/runs/") == {str(r.id) for r in mine}
    succeeded = _hrefs(client.get("/runs", params={"status": "SUCCEEDED"}).text, "/runs/")
    assert succeeded == {str(r.id) for r in mine if r.status == "SUCCEEDED"}
    assert client.get(f"/runs/{mine[0].id}").status_code == 200
    assert client.get(f"/runs/{theirs[0].id}").status_code == 404
