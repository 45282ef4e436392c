"""The dashboard in a real browser (Debian's Chromium driven by Playwright): sign-in, the morning's pages,
connecting an account against a sandbox, sync now as a job, the orders filter, a document download, the SLA
board updating without a reload, what a VIEWER may not do, another seller's order, and an axe-core pass."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from robnu.db.models import MarketplaceAccount, Order
from robnu.db.stock_models import Document
from tests.browser.conftest import Served, account_of, axe_violations, shot
from tests.browser.signin import OWNER_A, PASSWORD, VIEWER_A, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def as_owner(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(base_url=served.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, OWNER_A)
    yield page
    context.close()


def _accounts(served: Served) -> int:
    with served.rt.sessions() as s:
        return int(s.execute(select(func.count(MarketplaceAccount.id))).scalar_one())


def test_sign_in_refuses_a_wrong_password_then_signs_in_and_out(browser: Any, served: Served) -> None:
    context = browser.new_context(base_url=served.url)
    page = context.new_page()
    page.goto("/orders")
    page.wait_for_url(re.compile(r"/login\?next=/orders"))
    page.get_by_label("Email").fill(OWNER_A)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "not right" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Email").input_value() == OWNER_A
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/orders$"))  # back where the sign-in was asked for
    page.get_by_role("heading", name="Orders", exact=True).wait_for()
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["robnu_access"]["httpOnly"] and PASSWORD not in page.content()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.goto("/orders").url.endswith("/login?next=/orders")
    context.close()


def test_today_and_main_pages_render_for_a_signed_in_owner_and_pass_axe(as_owner: Any, served: Served) -> None:
    page = as_owner
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("Today")
    for code in ("AJIO", "AMAZON_IN", "FLIPKART", "MEESHO"):
        assert page.get_by_role("heading", name=re.compile(f"^{code}")).count() == 1
    assert re.search(r"\d+ of 25", page.locator("main").inner_text())  # the free tier's use today
    shot(page, "today")
    problems = {"/": axe_violations(page)}
    for path in (
        "/orders",
        "/process/sla-watchdog",
        "/accounts",
        "/platform/marketplace-registry",
        "/payouts",
        "/claims",
        "/process/batches",
        "/stock",
        "/returns",
    ):
        page.goto(path)
        problems[path] = axe_violations(page)
        shot(page, path.strip("/").replace("/", "-") or "today")
    assert all(not v for v in problems.values()), {p: [x["id"] for x in v] for p, v in problems.items() if v}
    page.set_viewport_size(PHONE)  # warehouse staff use phones: no sideways scrolling on these pages
    for path, name in (("/", "today-phone"), ("/orders", "orders-phone"), ("/process/sla-watchdog", "sla-phone")):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        shot(page, name)


def test_connect_an_account_against_the_sandbox_and_see_it_validated(as_owner: Any, served: Served) -> None:
    page = as_owner
    creds = served.world["MEESHO"].create_account()
    before = _accounts(served)
    page.goto("/accounts/connect?marketplace=MEESHO")
    page.get_by_label("Supplier ID").fill("12")  # not six digits
    page.get_by_label("API key").fill(creds["api_key"])
    page.get_by_label("API secret").fill(creds["api_secret"])
    page.get_by_role("button", name="Connect and check").click()
    alert = page.get_by_role("alert")
    assert "supplier_id" in alert.inner_text()
    assert page.get_by_label("Supplier ID").input_value() == "12"  # the rest of the form is kept …
    assert page.get_by_label("API key").input_value() == ""  # … but a secret is never sent back
    assert creds["api_secret"] not in page.content()
    assert _accounts(served) == before  # nothing saved half-way
    page.get_by_label("Supplier ID").fill(creds["supplier_id"])
    page.get_by_label("API key").fill(creds["api_key"])
    page.get_by_label("API secret").fill(creds["api_secret"])
    page.get_by_role("button", name="Connect and check").click()
    page.wait_for_url(re.compile(r"/accounts/\d+\?job="))
    page.locator("[data-job-status=DONE]").wait_for()
    assert "credentials check: valid" in page.locator(".job").inner_text()
    page.reload()
    assert page.locator("#validation-status").inner_text() == "valid"
    assert _accounts(served) == before + 1
    for secret in (creds["api_key"], creds["api_secret"]):
        assert secret not in page.content()


def test_sync_now_runs_as_a_job_and_its_progress_finishes(as_owner: Any, served: Served) -> None:
    page = as_owner
    page.goto(f"/accounts/{account_of(served.rt, served.demo.seller_id, 'FLIPKART')}")
    page.get_by_role("button", name="Sync now").click()
    job = page.locator(".job").first
    job.wait_for()
    page.locator("[data-job-status=DONE]").wait_for(timeout=60_000)
    text = job.inner_text()
    assert "3 of 3 steps" in text and "orders sync: succeeded" in text, text
    assert page.locator("progress").first.get_attribute("value") == "100"


def test_orders_filter_then_an_orders_document_downloads(as_owner: Any, served: Served) -> None:
    page = as_owner
    page.goto("/orders")
    page.get_by_label("Marketplace", exact=True).select_option("AJIO")
    page.wait_for_url(re.compile(r"marketplace=AJIO"))
    rows = page.locator("#orders-table tbody tr")
    rows.first.wait_for()
    markets = page.locator("#orders-table tbody td[data-label=Marketplace]").all_inner_texts()
    assert markets and set(markets) == {"AJIO"}
    with served.rt.sessions() as s:
        order_id, external_id = s.execute(
            select(Order.id, Order.external_id)
            .join(Document, Document.order_id == Order.id)
            .where(Order.marketplace_account_id == account_of(served.rt, served.demo.seller_id, "AJIO"))
            .limit(1)
        ).one()
    page.get_by_label("Order id or AWB").fill(external_id)
    page.locator("#orders-table tbody tr").filter(has_text=external_id).wait_for()
    page.get_by_role("link", name=external_id).click()
    page.wait_for_url(re.compile(f"/orders/{order_id}$"))
    shot(page, "order")
    with page.expect_download() as info:
        page.locator("a[href^='/v1/documents/']").first.click()
    assert info.value.path().read_bytes().startswith(b"%PDF")


def test_sla_board_updates_without_a_reload(as_owner: Any, served: Served) -> None:
    page = as_owner
    page.goto("/process/sla-watchdog")
    rows = page.locator("#sla-board tbody tr[data-batch]")
    assert rows.count() >= 1, "the demo leaves a MANUAL batch open"
    page.evaluate("window.__notReloaded = true")
    before = rows.first.locator("td[data-label=Headroom]").inner_text()
    served.world.clock.advance(timedelta(minutes=10))  # less than a session's access token lives
    headroom = "document.querySelector('#sla-board tbody tr[data-batch] td[data-label=Headroom]').innerText"
    page.wait_for_function(
        f"before => {headroom} !== before",
        arg=before,
        timeout=15_000,
    )
    assert page.evaluate("window.__notReloaded") is True


def test_a_viewer_sees_no_connect_form_and_cannot_post_to_it(browser: Any, served: Served) -> None:
    context = browser.new_context(base_url=served.url)
    page = context.new_page()
    sign_in(page, VIEWER_A)
    page.goto("/accounts")
    assert page.get_by_role("link", name="Connect an account").count() == 0
    assert page.goto("/accounts/connect?marketplace=MEESHO").status == 403
    assert page.locator("form#connect-form").count() == 0
    before = _accounts(served)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    response = page.request.post(
        "/accounts/connect", form={"marketplace": "MEESHO", "supplier_id": "123456", "csrf_token": token or ""}
    )
    assert response.status == 403
    assert _accounts(served) == before
    context.close()


def test_another_sellers_order_is_not_found(as_owner: Any, served: Served) -> None:
    page = as_owner
    response = page.goto(f"/orders/{served.other_order_id}")
    assert response.status == 404
    with served.rt.sessions() as s:
        external = s.execute(select(Order.external_id).where(Order.id == served.other_order_id)).scalar_one()
    assert external not in page.content()
    page.goto(f"/orders?q={external}")
    assert "No orders match" in page.locator("#orders-table").inner_text()
    page.keyboard.press("Control+k")  # global search: the other seller's order id finds nothing, ours does
    search = page.get_by_role("searchbox", name="Order id, AWB, return id or payout id")
    search.fill(external)
    page.get_by_text(f"Nothing matches “{external}”").wait_for()
    with served.rt.sessions() as s:
        own = s.execute(select(Order.external_id).where(Order.seller_id == served.demo.seller_id).limit(1)).scalar_one()
    search.fill(own)
    page.locator("#search-hits a", has_text=own).first.wait_for()
