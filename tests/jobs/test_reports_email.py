"""Run reports go out by email when SMTP is configured, to the seller's users; a mail outage never fails a run."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from robnu.jobs.execute import execute_run
from robnu.services import reports
from robnu.services.reports import RunOutcome, SmtpSettings
from tests.jobs.conftest import KH


class FakeSMTP:
    sent: list[EmailMessage] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def starttls(self) -> None:
        pass

    def login(self, user: str, password: str) -> None:
        pass

    def send_message(self, msg: EmailMessage) -> None:
        if self.host == "down.example":
            raise OSError("connection refused")
        FakeSMTP.sent.append(msg)


def test_reports_are_emailed_when_smtp_is_configured(kh: KH, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    assert execute_run(kh.rt, kh.account, "ORDERS").outcome is RunOutcome.SUCCEEDED
    assert FakeSMTP.sent == []  # no SMTP configured
    monkeypatch.setenv("ROBNU_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("ROBNU_SMTP_NOTIFY", "ORDERS")
    result = execute_run(kh.rt, kh.account, "ORDERS")
    (msg,) = FakeSMTP.sent
    assert msg["To"] == "owner@example.in" and "KIRANA_HUB orders run succeeded" in msg["Subject"]
    assert "outcome SUCCEEDED" in msg.get_content()
    assert result.report_id is not None and reports.get_report(kh.rt, result.report_id).emailed_at is not None
    assert not reports.email_report(kh.rt, result.report_id, SmtpSettings(host="down.example", notify="ORDERS"))
