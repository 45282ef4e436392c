"""Master keys: a new key only for an empty database or on ``robnu keys init``; every missing, damaged or
wrong key is a clear error naming where the keys were looked for and what to do; ``keys status`` lists every
key id a stored secret names and whether the ring has it; providers plug in through an entry point."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from robnu.config import Settings, get_settings
from robnu.db.key_models import MasterKeyCheck
from robnu.db.models import MarketplaceAccount
from robnu.domain.errors import KeyRingError
from robnu.security.keyring import FileKeyProvider, key_provider
from robnu.services.accounts import connect_account, create_seller, show_account
from robnu.services.runtime import Runtime
from tests.factories import credentials
from tests.reliability.conftest import invoke

KEYS_EXIT = 4


def _seed(rt: Runtime) -> int:
    seller = create_seller(rt, "Keys Test")
    return connect_account(rt, seller, "MEESHO", credentials("MEESHO"))


def _key_file(settings: Settings) -> Path:
    return settings.resolved_key_file()


def test_an_empty_database_gets_a_new_key_file(rt: Runtime, settings: Settings) -> None:
    assert not _key_file(settings).exists()
    _seed(rt)
    assert _key_file(settings).stat().st_mode & 0o777 == 0o600
    with rt.sessions() as s:  # the new key's fingerprint is recorded with the first secret
        assert s.execute(select(MasterKeyCheck.kid)).scalars().all() == [rt.vault.ring.active_kid]


def test_a_missing_key_file_in_front_of_sealed_secrets_is_an_error_not_a_new_key(
    rt: Runtime, settings: Settings, cli: CliRunner
) -> None:
    account = _seed(rt)
    _key_file(settings).rename(_key_file(settings).with_suffix(".bak"))  # lost (a new data dir, a bad restore)
    with pytest.raises(KeyRingError) as err:
        show_account(Runtime.create(settings), account)
    message = str(err.value)
    assert str(_key_file(settings)) in message and "Restore" in message and "keys init --yes" in message
    assert not _key_file(settings).exists(), "no new key may appear"
    for args in (("accounts", "show", str(account)), ("accounts", "add", "1", "MEESHO", "--credentials-file", "-")):
        result = invoke(cli, *args, input=json.dumps(credentials("MEESHO", 2)))
        assert result.exit_code == KEYS_EXIT and str(_key_file(settings)) in result.output, result.output
    assert not _key_file(settings).exists()
    with Runtime.create(settings).sessions() as s:
        assert s.execute(select(func.count(MarketplaceAccount.id))).scalar_one() == 1  # nothing was added


DAMAGE = {
    "not JSON": b"{not json",
    "binary": os.urandom(64),
    "a list": b"[1, 2]",
    "no keys": b'{"active": "k1"}',
    "bad base64": b'{"active": "k1", "keys": {"k1": "***"}}',
    "short key": b'{"active": "k1", "keys": {"k1": "' + base64.b64encode(b"short") + b'"}}',
    "active missing": b'{"active": "k9", "keys": {"k1": "' + base64.b64encode(b"1" * 32) + b'"}}',
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_key_file_names_the_file_and_what_to_do(
    rt: Runtime, settings: Settings, cli: CliRunner, kind: str
) -> None:
    account = _seed(rt)
    path = _key_file(settings)
    path.write_bytes(DAMAGE[kind])
    path.chmod(0o600)
    result = invoke(cli, "accounts", "show", str(account))
    assert result.exit_code == KEYS_EXIT, result.output
    assert str(path) in result.output and "damaged" in result.output and "backup" in result.output


def test_key_file_permissions_and_kind_are_checked(rt: Runtime, settings: Settings, cli: CliRunner) -> None:
    account = _seed(rt)
    path = _key_file(settings)
    path.chmod(0o644)
    result = invoke(cli, "accounts", "show", str(account))
    assert result.exit_code == KEYS_EXIT and f"chmod 600 {path}" in result.output
    path.chmod(0o600)
    path.rename(path.with_suffix(".bak"))
    path.mkdir()
    result = invoke(cli, "accounts", "show", str(account))
    assert result.exit_code == KEYS_EXIT and "not a regular file" in result.output


def _wrong_ring(path: Path) -> None:
    """Another installation's key under the same key id."""
    data = json.loads(path.read_text())
    data["keys"][data["active"]] = base64.b64encode(os.urandom(32)).decode()
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("fingerprinted", [True, False])
def test_a_wrong_key_is_named_as_such_not_as_tampering(
    rt: Runtime, settings: Settings, cli: CliRunner, fingerprinted: bool
) -> None:
    account = _seed(rt)
    if not fingerprinted:  # a database from before fingerprints: the key must open what it sealed
        with rt.session() as s:
            s.execute(delete(MasterKeyCheck))
    _wrong_ring(_key_file(settings))
    result = invoke(cli, "accounts", "show", str(account))
    assert result.exit_code == KEYS_EXIT, result.output
    assert "is not the key this database's secrets were sealed with" in result.output
    assert "does not belong" not in result.output


def test_keys_status_lists_every_key_a_stored_secret_names(
    rt: Runtime, settings: Settings, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(rt)
    old = rt.vault.ring.active_kid
    ok = invoke(cli, "keys", "status")
    assert ok.exit_code == 0 and old in ok.output and "MISSING" not in ok.output
    # Production switches to configured keys but forgets the old one: new accounts seal under k-new.
    monkeypatch.setenv("ROBNU_MASTER_KEYS", "k-new:" + base64.b64encode(os.urandom(32)).decode())
    get_settings.cache_clear()
    second = json.dumps(credentials("MEESHO", 2))
    added = invoke(cli, "accounts", "add", "1", "MEESHO", "--credentials-file", "-", input=second)
    assert added.exit_code == 0, added.output
    status = invoke(cli, "keys", "status")
    assert status.exit_code == KEYS_EXIT
    lines = {line.split("│")[1].strip(): line for line in status.output.splitlines() if line.count("│") > 3}
    assert "MISSING" in lines[old] and "yes" in lines["k-new"]
    assert f"sealed under keys the ring does not have ({old})" in status.output


def test_keys_status_works_when_the_ring_cannot_open(rt: Runtime, settings: Settings, cli: CliRunner) -> None:
    _seed(rt)
    old = rt.vault.ring.active_kid
    _key_file(settings).unlink()
    status = invoke(cli, "keys", "status")
    assert status.exit_code == KEYS_EXIT
    assert old in status.output and "MISSING" in status.output and "is missing" in status.output


def test_keys_init_is_the_explicit_way_to_a_new_ring(rt: Runtime, settings: Settings, cli: CliRunner) -> None:
    refused = invoke(cli, "keys", "init")  # a ring exists already (the rt fixture's first use made none yet)
    assert refused.exit_code == 0 and "created" in refused.output  # empty database: allowed
    again = invoke(cli, "keys", "init")
    assert again.exit_code == KEYS_EXIT and "already exists" in again.output
    account = _seed(rt)
    _key_file(settings).unlink()
    without_yes = invoke(cli, "keys", "init")
    assert without_yes.exit_code == KEYS_EXIT and not _key_file(settings).exists()
    forced = invoke(cli, "keys", "init", "--yes")
    assert forced.exit_code == 0 and _key_file(settings).exists()
    shown = invoke(cli, "accounts", "show", str(account))  # the old secrets are now unreadable, said so
    assert shown.exit_code == KEYS_EXIT and "is not in the key ring" in shown.output


_PROVIDER = '''
import base64, json, os
from robnu.security.keyring import KeyRing, MasterKey

class JsonEnvProvider:
    """Keys from a JSON document in an environment variable (a KMS agent's output, say)."""
    description = "ROBNU_TEST_KMS_JSON"
    writable = False

    def __init__(self, settings):
        self._doc = os.environ["ROBNU_TEST_KMS_JSON"]

    def load(self):
        doc = json.loads(self._doc)
        keys = {k: MasterKey(k, base64.b64decode(v)) for k, v in doc["keys"].items()}
        return KeyRing(keys, doc["active"], provider=self)

    def create(self):
        raise RuntimeError("not writable")

    def save(self, ring):
        raise RuntimeError("not writable")
'''


def test_a_key_provider_plugs_in_through_an_entry_point(
    tmp_path: Path, rt: Runtime, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "kms_provider_test.dist-info").mkdir(parents=True)
    (site / "kms_provider_test.py").write_text(_PROVIDER)
    (site / "kms_provider_test.dist-info" / "METADATA").write_text("Name: kms-provider-test\nVersion: 1.0\n")
    (site / "kms_provider_test.dist-info" / "entry_points.txt").write_text(
        "[robnu.key_providers]\ntestkms = kms_provider_test:JsonEnvProvider\n"
    )
    monkeypatch.syspath_prepend(str(site))
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("ROBNU_TEST_KMS_JSON", json.dumps({"active": "kms-1", "keys": {"kms-1": key}}))
    plugged = settings.model_copy(update={"key_provider": "testkms"})
    assert key_provider(plugged).description == "ROBNU_TEST_KMS_JSON"
    runtime = Runtime.create(plugged)
    account = _seed(runtime)
    assert runtime.vault.ring.active_kid == "kms-1" and show_account(runtime, account).credentials
    assert not _key_file(settings).exists()
    assert isinstance(key_provider(settings), FileKeyProvider)
    sys.modules.pop("kms_provider_test", None)
