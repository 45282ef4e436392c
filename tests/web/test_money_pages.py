"""The money recovery pages on two sellers' real data (tests/queries/conftest.py): a month's reconciliation,
one claim (resolved won or lost by a role with claims:resolve) and the receive scan for a barcode reader. Each
asks for its permission, unsafe requests need the CSRF token, bad input names the field, and another seller's
claim is 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from robnu.db.claims_models import ReturnClaim, ReturnScanEvent
from robnu.db.models import OrderReturn
from robnu.db.money_models import Adjustment, ReconciliationBatch
from robnu.domain.permissions import Role, permissions_of
from robnu.services.claims.claims import Actor
from robnu.services.claims.disputes import file_dispute, storage_for
from robnu.web.serve import build_app
from tests.api.conftest import add_role_members, role_email
from tests.queries.conftest import Data, SellerData
from tests.queries.conftest import data as data  # the module-scoped data fixture
from tests.web.test_pages import sign_in

# The module-scoped data is built once: the whole module runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("web-money-pages-data")


def _email(seller: SellerData, role: Role) -> str:
    return role_email(seller.seller_id, role)


@pytest.fixture(scope="module")
def client(data: Data) -> Iterator[TestClient]:
    add_role_members(data.rt, [data.a.seller_id, data.b.seller_id])
    with TestClient(build_app(data.rt), base_url="http://testserver") as c:
        yield c


def _first(data: Data, model: Any, seller: SellerData, *where: Any) -> Any:
    with data.rt.sessions() as s:
        return s.execute(select(model).where(model.seller_id == seller.seller_id, *where).limit(1)).scalar_one()


def _filed_claim(data: Data, seller: SellerData) -> int:
    """A fresh claim: a dispute of one of the seller's open recoverable adjustments."""
    adjustment = _first(data, Adjustment, seller, Adjustment.status == "OPEN", Adjustment.is_recoverable.is_(True))
    with data.rt.session() as s:
        claim = file_dispute(
            s,
            storage_for(data.rt),
            adjustment.id,
            actor=Actor("test"),
            now=data.rt.clock.now(),
            marketplace_ref="TKT-WEB",
            seller_id=seller.seller_id,
        )
        s.flush()
        return int(claim.id)


@pytest.mark.parametrize("role", list(Role))
def test_each_money_page_needs_its_permission(client: TestClient, data: Data, role: Role) -> None:
    batch = _first(data, ReconciliationBatch, data.a)
    claim = _first(data, ReturnClaim, data.a)
    pages = {
        f"/reconciliation/{batch.period}": "reconciliation:read",
        f"/claims/{claim.id}": "claims:read",
        "/returns/scan": "returns:scan",
    }
    sign_in(client, _email(data.a, role))
    held = permissions_of(role)
    for path, permission in pages.items():
        r = client.get(path)
        assert r.status_code == (200 if permission in held else 403), (role, path, r.status_code)
        nav_href = "/returns/scan" if path == "/returns/scan" else path.rsplit("/", 1)[0]
        if permission in held and path != f"/claims/{claim.id}":
            assert f'href="{nav_href}"' in r.text, (role, path)  # the nav links to it
    if "returns:scan" in held and "returns:read" in held:  # the most specific nav link is the current one
        scan_nav = client.get("/returns/scan").text
        assert 'href="/returns/scan" aria-current="page"' in scan_nav
        assert 'href="/returns" aria-current' not in scan_nav
    client.cookies.clear()
    r = client.get("/returns/scan", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/returns/scan"


def test_the_reconciliation_page_shows_each_accounts_latest_run(client: TestClient, data: Data) -> None:
    batch = _first(data, ReconciliationBatch, data.a)
    sign_in(client, _email(data.a, Role.FINANCE))
    page = client.get(f"/reconciliation/{batch.period}")
    assert page.status_code == 200 and " matched · " in page.text and " deltas · " in page.text
    assert "recoverable" in page.text and "Adjustments" in page.text
    r = client.get("/reconciliation", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/reconciliation/20")
    r = client.get("/reconciliation", params={"period": batch.period}, follow_redirects=False)
    assert r.headers["location"] == f"/reconciliation/{batch.period}"
    bad = client.get("/reconciliation/2026-13")
    assert bad.status_code == 400 and "period: must be a month" in bad.text
    assert "No reconciliation has run for 1999-01" in client.get("/reconciliation/1999-01").text


def test_another_sellers_claim_is_not_found(client: TestClient, data: Data) -> None:
    theirs = _first(data, ReturnClaim, data.b)
    csrf = sign_in(client, _email(data.a, Role.OWNER))
    assert client.get(f"/claims/{theirs.id}").status_code == 404
    r = client.post(f"/claims/{theirs.id}/resolve", data={"outcome": "lost", "csrf_token": csrf})
    assert r.status_code == 404 and theirs.reference not in r.text
    with data.rt.sessions() as s:
        assert s.get(ReturnClaim, theirs.id).status == theirs.status  # type: ignore[union-attr]


def test_resolving_a_claim_won(client: TestClient, data: Data) -> None:
    claim_id = _filed_claim(data, data.a)
    csrf = sign_in(client, _email(data.a, Role.OPERATOR))  # claims:read, not claims:resolve
    page = client.get(f"/claims/{claim_id}")
    assert page.status_code == 200 and "TKT-WEB" in page.text and 'action="/claims/' not in page.text
    assert client.post(f"/claims/{claim_id}/resolve", data={"outcome": "won", "csrf_token": csrf}).status_code == 403
    csrf = sign_in(client, _email(data.a, Role.FINANCE))
    page = client.get(f"/claims/{claim_id}")
    assert f'action="/claims/{claim_id}/resolve"' in page.text and "Evidence" in page.text
    assert client.post(f"/claims/{claim_id}/resolve", data={"outcome": "won"}).status_code == 403  # no CSRF token
    r = client.post(f"/claims/{claim_id}/resolve", data={"outcome": "won", "amount": "ten", "csrf_token": csrf})
    assert r.status_code == 400 and "amount: " in r.text and 'value="ten"' in r.text
    r = client.post(f"/claims/{claim_id}/resolve", data={"outcome": "maybe", "csrf_token": csrf})
    assert r.status_code == 400 and "outcome: must be won or lost" in r.text
    r = client.post(
        f"/claims/{claim_id}/resolve",
        data={"outcome": "won", "amount": "10.50", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/claims/{claim_id}?done=won"
    page = client.get(r.headers["location"]).text
    assert "resolved won" in page and "Resolved won" in page
    with data.rt.sessions() as s:
        assert s.get(ReturnClaim, claim_id).status == "resolved_won"  # type: ignore[union-attr]
    again = client.post(f"/claims/{claim_id}/resolve", data={"outcome": "lost", "csrf_token": csrf})
    assert again.status_code == 400  # the claim's state refuses it, and the page says so


def test_the_scan_form_receives_a_return_once(client: TestClient, data: Data) -> None:
    ret = _first(data, OrderReturn, data.a, OrderReturn.return_awb.is_not(None), OrderReturn.received_at.is_(None))
    theirs = _first(data, OrderReturn, data.b, OrderReturn.return_awb.is_not(None))
    csrf = sign_in(client, _email(data.a, Role.OPERATOR))
    form = client.get("/returns/scan").text
    assert "data-keep-focus" in form and "autofocus" in form and 'name="csrf_token"' in form
    assert client.post("/returns/scan", data={"code": ret.return_awb}).status_code == 403  # no CSRF token
    first = client.post("/returns/scan", data={"code": ret.return_awb, "warehouse": "WH-1", "csrf_token": csrf})
    assert first.status_code == 200 and "scan-ok" in first.text and "Received" in first.text
    assert ret.external_id in first.text and 'value="WH-1"' in first.text
    repeat = client.post("/returns/scan", data={"code": ret.return_awb, "csrf_token": csrf})
    assert repeat.status_code == 200 and "scan-repeat" in repeat.text and "Already received" in repeat.text
    with data.rt.sessions() as s:
        scans = s.scalars(select(ReturnScanEvent.first).where(ReturnScanEvent.return_id == ret.id)).all()
        assert list(scans) == [True, False]
        assert s.get(OrderReturn, ret.id).internal_status == "received"  # type: ignore[union-attr]
    empty = client.post("/returns/scan", data={"code": " ", "csrf_token": csrf})
    assert empty.status_code == 400 and "scan-bad" in empty.text and "code: " in empty.text
    other = client.post("/returns/scan", data={"code": theirs.return_awb, "csrf_token": csrf})
    assert other.status_code == 400 and "code: " in other.text  # another seller's parcel does not resolve
    with data.rt.sessions() as s:
        n = s.scalar(select(func.count()).select_from(ReturnScanEvent).where(ReturnScanEvent.return_id == theirs.id))
        assert n == 0
    csrf = sign_in(client, _email(data.a, Role.FINANCE))  # no returns:scan
    assert client.post("/returns/scan", data={"code": ret.return_awb, "csrf_token": csrf}).status_code == 403


def test_the_claims_list_filters_by_status_and_links_each_claim(client: TestClient, data: Data) -> None:
    mine = _first(data, ReturnClaim, data.a)
    theirs = _first(data, ReturnClaim, data.b)
    sign_in(client, _email(data.a, Role.FINANCE))
    page = client.get("/claims")
    assert page.status_code == 200 and 'href="/claims" aria-current="page"' in page.text  # in the nav
    assert f'href="/claims/{mine.id}"' in page.text and mine.reference in page.text
    assert f'href="/claims/{theirs.id}"' not in page.text and theirs.reference not in page.text
    same = client.get("/claims", params={"status": mine.status}).text
    assert f'href="/claims/{mine.id}"' in same
    other_status = "cancelled" if mine.status != "cancelled" else "filed"
    assert f'href="/claims/{mine.id}"' not in client.get("/claims", params={"status": other_status}).text
    bad = client.get("/claims", params={"status": "maybe"})
    assert bad.status_code == 200 and "status: must be one of" in bad.text


def test_an_adjustment_shows_the_claim_it_belongs_to(client: TestClient, data: Data) -> None:
    claim = _first(data, ReturnClaim, data.a, ReturnClaim.adjustment_id.is_not(None))
    adjustment = _first(data, Adjustment, data.a, Adjustment.id == claim.adjustment_id)
    sign_in(client, _email(data.a, Role.FINANCE))
    page = client.get(f"/reconciliation/{adjustment.period}").text
    assert 'href="/claims">All claims</a>' in page
    assert f'<a href="/claims/{claim.id}">{claim.reference}</a>' in page  # in the adjustments table
    assert adjustment.payout_id is not None  # the payout's line that raised it links the claim too
    assert f'href="/claims/{claim.id}"' in client.get(f"/payouts/{adjustment.payout_id}").text
