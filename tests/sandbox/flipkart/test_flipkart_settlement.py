from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from fk_helpers import Seller

from robnu.sandbox.flipkart import FlipkartSandbox
from robnu.sandbox.flipkart.settlement import FEE_LINES, payouts

P = Decimal("0.01")  # tax rounded half-up to paise


def _settled(sandbox: FlipkartSandbox, key: str) -> None:
    sandbox.advance(timedelta(days=14))


def test_settlement_arithmetic(seller: Seller, sandbox: FlipkartSandbox) -> None:
    _settled(sandbox, seller.key)
    pays = payouts(sandbox.world, seller.key)
    assert len(pays) >= 3
    kinds = set()
    for payout in pays:
        assert payout.settlement_date.weekday() == 2
        assert payout.net == sum((ln.net_amount for ln in payout.lines), Decimal(0)).quantize(P, ROUND_HALF_UP)
        for ln in payout.lines:
            kinds.add(ln.line_type)
            assert ln.amount == ln.amount.quantize(P, ROUND_HALF_UP)
            if ln.line_type in FEE_LINES:
                assert ln.gst_on_line == (ln.amount * Decimal("0.18")).quantize(P, ROUND_HALF_UP)
                assert ln.tcs == ln.tds == 0
            else:
                assert ln.gst_on_line == 0
                # TCS/TDS are deducted on sales and given back on refunds
                assert ln.tcs == -(ln.taxable * Decimal("0.005")).quantize(P, ROUND_HALF_UP)
                assert ln.tds == -(ln.taxable * Decimal("0.001")).quantize(P, ROUND_HALF_UP)
                assert abs(ln.taxable) < abs(ln.amount) and (ln.taxable > 0) == (ln.amount > 0)
            assert ln.net_amount == ln.amount + ln.gst_on_line + ln.tcs + ln.tds
    assert {
        "SALE",
        "COMMISSION",
        "FIXED_FEE",
        "COLLECTION_FEE",
        "SHIPPING_FEE",
        "REFUND",
        "REVERSE_SHIPPING_FEE",
    } <= kinds
    truth = sandbox.truth(seller.key)
    assert set(truth["payouts"]) == {p.neft_id for p in pays}
    assert Decimal(truth["totals"]["payout_net"]) == sum(
        (Decimal(v["net"]) for v in truth["payouts"].values()), Decimal(0)
    )


def test_settlement_report_trigger_poll_download(seller: Seller, sandbox: FlipkartSandbox) -> None:
    _settled(sandbox, seller.key)
    truth = sandbox.truth(seller.key)["payouts"]
    now = sandbox.kit.clock.now().date()
    body = {
        "correlation_id": "c0ffee",
        "parameters": {"from_date": (now - timedelta(days=60)).isoformat(), "to_date": now.isoformat()},
    }
    r = seller.post("/reports/settled_transaction_ledger", json=body)
    assert r.status_code == 200
    report_id = r.json()["report_id"]
    detail = seller.get(f"/reports/{report_id}/detail").json()
    assert detail["status"] == "PROCESSING" and "location" not in detail
    sandbox.advance(timedelta(seconds=30))
    detail = seller.get(f"/sellers/reports/{report_id}/detail").json()
    assert detail["status"] == "COMPLETED"
    r = seller.get(detail["location"])
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == [
        "settlement_ref",
        "settlement_date",
        "order_id",
        "order_item_id",
        "sku",
        "line_type",
        "amount",
        "gst_on_line",
        "tcs",
        "tds",
        "net_amount",
        "neft_id",
    ]
    per_payout: dict[str, Decimal] = defaultdict(Decimal)
    lines: dict[str, int] = defaultdict(int)
    for row in rows:
        per_payout[row["neft_id"]] += Decimal(row["net_amount"])
        lines[row["neft_id"]] += 1
        assert Decimal(row["net_amount"]) == sum(Decimal(row[k]) for k in ("amount", "gst_on_line", "tcs", "tds"))
    assert {k: str(v) for k, v in per_payout.items()} == {k: v["net"] for k, v in truth.items()}
    assert dict(lines) == {k: v["lines"] for k, v in truth.items()}
    sandbox.advance(timedelta(days=8))
    assert seller.get(f"/reports/{report_id}/detail").json()["status"] == "EXPIRED"


def test_report_errors(seller: Seller) -> None:
    assert seller.post("/reports/nope", json={"parameters": {"from_date": "2026-01-01"}}).status_code == 400
    assert (
        seller.post("/reports/settled_transaction_ledger", json={"parameters": {"from_date": "x"}}).status_code == 400
    )
    assert seller.post("/reports/settled_transaction_ledger", json={}).status_code == 400
    assert seller.get("/reports/unknown/detail").status_code == 404
    assert seller.get("/reports/unknown/download").status_code == 404


def test_tcs_tds_rates_follow_the_dates() -> None:
    from robnu.sandbox.flipkart.settlement import tcs_rate, tds_rate

    assert tcs_rate(date(2024, 7, 9)) == Decimal("0.01") and tcs_rate(date(2024, 7, 10)) == Decimal("0.005")
    assert tds_rate(date(2024, 9, 30)) == Decimal("0.01") and tds_rate(date(2024, 10, 1)) == Decimal("0.001")


def test_report_completes_on_its_second_poll_under_a_frozen_clock(seller: Seller, sandbox: FlipkartSandbox) -> None:
    """Modelled: 30 s of sandbox time or the second status poll, whichever comes first."""
    today = sandbox.kit.clock.now().date().isoformat()
    r = seller.post("/reports/settled_transaction_ledger", json={"parameters": {"from_date": today}})
    report_id = r.json()["report_id"]
    assert seller.get(f"/reports/{report_id}/detail").json()["status"] == "PROCESSING"
    assert seller.get(f"/reports/{report_id}/download").status_code == 404
    detail = seller.get(f"/reports/{report_id}/detail").json()
    assert detail["status"] == "COMPLETED" and detail["location"]
    assert seller.get(detail["location"]).status_code == 200
