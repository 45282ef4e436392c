"""The money commands end to end on a seeded AJIO account: reconcile a period, override a posture, file and
resolve a dispute, download its packet, add a negotiated rate as a new rate-card row, import bank credits."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from robnu.cli import common
from robnu.cli.main import app
from robnu.config import Settings, get_settings
from robnu.domain.money import rupees
from tests.jobs.conftest import remove_kirana_hub
from tests.money_wiring import MoneyAccount, arm, money_account, sync
from tests.sandbox_wiring import wired_runtime

PERIOD = "2026-11"


@pytest.fixture
def seeded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MoneyAccount, dict[str, object]]]:
    with wired_runtime(settings, ("AJIO",), backfill_days=60) as (world, rt):
        remove_kirana_hub(rt)  # the CLI migrates on start; another test's marketplace branch would stop it
        account = money_account(rt, world, "AJIO", 400)
        plan = arm(world, "AJIO", account.key, PERIOD)
        sync(rt, account.account_id)
        monkeypatch.setenv("ROBNU_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("ROBNU_DATABASE_URL", str(settings.database_url))
        monkeypatch.setattr(common.console, "width", 250)
        get_settings.cache_clear()
        yield account, plan
        get_settings.cache_clear()


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_money_commands(seeded: tuple[MoneyAccount, dict[str, object]], tmp_path: Path) -> None:
    account, plan = seeded
    acc = str(account.account_id)
    errors = plan["errors"]
    assert isinstance(errors, list)
    total = Decimal(str(plan["recoverable_total"]))

    out = _ok("reconcile-payouts", acc, "--period", PERIOD)
    assert f"· {len(errors)} deltas · {rupees(total)} recoverable" in out and "run 1" in out
    for e in errors:
        assert e["order_id"] in out
    again = json.loads(_ok("reconcile-payouts", acc, "--period", PERIOD, "--json"))
    assert again["run"] == 2 and again["deltas"] == len(errors) and Decimal(again["recoverable_total"]) == total
    assert again["diff"]["new"] == [] and again["diff"]["gone"] == []
    by_reason = {a["reason_code"]: a for a in again["adjustments"]}

    tax = by_reason["tax_wrong_base"]["id"]
    assert "hold" in _ok(
        "adjustments", "override", str(tax), "hold", "--reason", "check with AJIO first", "--actor", "owner"
    )
    shown = _ok("adjustments", "show", str(tax))
    assert "POSTURE recoverable -> hold by owner: check with AJIO first" in shown
    assert "tax_wrong_base" in _ok("adjustments", "list", "--account", acc, "--status", "OPEN")

    penalty = by_reason["penalty_without_event"]
    filed = _ok(
        "claims", "file", "--adjustment", str(penalty["id"]), "--marketplace-ref", "AJ-1001", "--actor", "finance"
    )
    reference = filed.split()[0]
    assert reference.startswith("CLM-") and "filed" in filed and rupees(Decimal(penalty["amount"])) in filed
    assert reference in _ok("claims", "list", "--seller", str(account.seller_id), "--status", "filed")
    packet = tmp_path / "packet.zip"
    _ok("claims", "evidence", reference, "--out", str(packet))
    assert "summary.pdf" in zipfile.ZipFile(packet).namelist()
    assert "resolved_won, recovered ₹100.00" in _ok(
        "claims", "resolve", reference, "won", "--amount", "100", "--reason", "part"
    )
    shown = _ok("claims", "show", reference)
    for step in (
        "create: - -> pending by finance",
        "file: pending -> filed by finance",
        "win: filed -> resolved_won by cli",
    ):
        assert step in shown
    assert "evidence packet:" in shown
    stats = _ok("money", "stats", str(account.seller_id))
    assert "penalty_without_event" in stats and "₹100.00" in stats

    assert "MARGIN" in _ok("money", "fee-rules", acc, "--fee", "margin")
    added = _ok(
        "money",
        "add-fee-rule",
        acc,
        "--fee",
        "MARGIN",
        "--valid-from",
        "2026-01-01",
        "--band-min",
        "475",
        "--rate-percent",
        "22",
    )
    assert "rule" in added
    negotiated = json.loads(_ok("reconcile-payouts", acc, "--period", PERIOD, "--json"))
    reasons = {a["reason_code"] for a in negotiated["adjustments"]}
    # 22 % is now this seller's margin: that order's margin is no longer above its card (the other seeded
    # errors stay; reversals at AJIO's 19 % buy price no longer fit the negotiated one and are held as "other")
    assert "fee_above_rate_card" not in reasons
    assert {"penalty_without_event", "unsettled_delivery", "tax_wrong_base", "rto_charged_as_return"} <= reasons
    assert f"fee_above_rate_card:{by_reason['fee_above_rate_card']['order']}:sale:fees" in negotiated["diff"]["gone"]

    bad = CliRunner().invoke(app, ["reconcile-payouts", acc, "--period", "2026-13"])
    assert bad.exit_code == 2 and "period" in bad.output
    bad = CliRunner().invoke(
        app,
        [
            "money",
            "add-fee-rule",
            acc,
            "--fee",
            "MARGIN",
            "--valid-from",
            "2026-01-01",
            "--band-min",
            "475",
            "--rate-percent",
            "20",
        ],
    )
    assert bad.exit_code == 2 and "overlaps" in bad.output
    bad = CliRunner().invoke(app, ["claims", "file"])
    assert bad.exit_code == 2 and "--adjustment or --claim" in bad.output

    statement = tmp_path / "bank.csv"
    statement.write_text("Value Date,Description,Credit\n15/11/2026,RTGS CR AJIO,1.00\n")
    assert "1 credits imported" in _ok("money", "bank-import", str(account.seller_id), str(statement))
    assert "pickup Jaipur 302001" in _ok(
        "money", "settings", acc, "--pickup-pincode", "302001", "--pickup-city", "Jaipur"
    )
