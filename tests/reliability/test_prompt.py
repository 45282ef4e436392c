"""Secrets at the prompt (issue item 5): every secret field of a credential set, nested ones included, is
read without echo; ``accounts show`` shows none of any secret."""

from __future__ import annotations

from typer.testing import CliRunner

from robnu.services.accounts import show_account
from robnu.services.credentials import SECRET_MASK
from robnu.services.runtime import Runtime
from tests.reliability.conftest import invoke

PASSWORD = "CANARY-api-password-7f3c"
EINVOICE_PASSWORD = "CANARY-einvoice-password-91ab"
CLIENT_SECRET = "CANARY-einvoice-client-secret-55d0"


def test_nested_secrets_are_read_hidden_and_never_shown(rt: Runtime, cli: CliRunner) -> None:
    assert invoke(cli, "sellers", "create", "Prompt Test").exit_code == 0
    answers = [
        "DV4K7Q01",  # pob_id
        PASSWORD,  # api_password (hidden)
        "JPR-WH1",  # store.store_code
        "302013",  # store.ship_from_pincode
        "08",  # store.state_code
        "08ABCDE1234F1Z0",  # store.seller_gstin
        "JPR/",  # store.invoice_series_prefix
        "y",  # einvoice: enter it now?
        "y",  # einvoice.enabled
        "ClearTax",  # einvoice.gsp_provider
        "08ABCDE1234F1Z0",  # einvoice.gstin
        "gsp-user",  # einvoice.username
        EINVOICE_PASSWORD,  # einvoice.password (hidden)
        "gsp-client-id",  # einvoice.client_id
        CLIENT_SECRET,  # einvoice.client_secret (hidden)
    ]
    result = invoke(cli, "accounts", "add", "1", "AJIO", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    for secret in (PASSWORD, EINVOICE_PASSWORD, CLIENT_SECRET):
        assert secret not in result.output, "a secret was echoed or shown"
    assert "einvoice.password" in result.output and "einvoice.client_secret" in result.output  # it was asked
    creds = show_account(rt, 1).credentials
    assert creds is not None
    assert creds["api_password"] == SECRET_MASK
    assert creds["einvoice"]["password"] == SECRET_MASK and creds["einvoice"]["client_secret"] == SECRET_MASK
    assert creds["einvoice"]["username"] == "gsp-user"
    shown = invoke(cli, "accounts", "show", "1").output
    for secret in (PASSWORD, EINVOICE_PASSWORD, CLIENT_SECRET):
        assert secret[-4:] not in shown  # not even the last characters of a long secret
