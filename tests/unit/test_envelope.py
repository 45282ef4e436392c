from pathlib import Path

import pytest

from robnu.config import Settings
from robnu.domain.errors import DecryptionFailed, InvalidInput, KeyNotFound
from robnu.security import envelope
from robnu.security.keyring import load_keyring
from robnu.security.vault import Binding, CredentialVault


def _vault(tmp_path: Path) -> CredentialVault:
    return CredentialVault(load_keyring(Settings(data_dir=tmp_path), create=True))


def test_key_file_is_created_private(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    key_file = tmp_path / "master.keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert vault.ring.active_kid in key_file.read_text()
    assert "material" not in repr(vault.ring.active()) and repr(vault.ring.active()).startswith("MasterKey(")


def test_round_trip_and_binding(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    here = Binding(1, "amazon_account_details", 10, "refresh_token_ciphertext")
    token = vault.seal("Atzr|secret-value", here)
    assert "secret-value" not in token
    assert vault.open(token, here) == "Atzr|secret-value"
    for elsewhere in (
        Binding(2, here.table, here.row_id, here.column),  # another seller
        Binding(1, here.table, 11, here.column),  # another row
        Binding(1, here.table, 10, "lwa_client_secret_ciphertext"),  # another column
        Binding(1, "meesho_account_details", 10, here.column),  # another table
    ):
        with pytest.raises(DecryptionFailed, match="does not belong"):
            vault.open(token, elsewhere)


def test_tampering_is_detected(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    b = Binding(1, "t", 1, "c")
    token = vault.seal("x" * 20, b)
    version, kid, wrapped, body = token.split("$")
    flipped = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    with pytest.raises(DecryptionFailed):
        vault.open("$".join((version, kid, wrapped, flipped)), b)


def test_rotation_rewraps_and_old_key_reads_until_retired(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    b = Binding(1, "t", 1, "c")
    old_kid = vault.ring.active_kid
    token = vault.seal("s3cret-s3cret", b)
    vault.ring.add_new_key()
    assert vault.open(token, b) == "s3cret-s3cret"  # old ciphertext still readable
    new_token = vault.rewrap(token, b)
    assert envelope.key_id_of(new_token) == vault.ring.active_kid != old_kid
    assert new_token.split("$")[3] == token.split("$")[3]  # the secret's ciphertext is untouched
    vault.ring.retire(old_kid)
    assert vault.open(new_token, b) == "s3cret-s3cret"
    with pytest.raises(KeyNotFound):
        vault.open(token, b)
    reloaded = load_keyring(Settings(data_dir=tmp_path))
    assert set(reloaded.keys) == {vault.ring.active_kid}


def test_configured_keys(tmp_path: Path) -> None:
    import base64

    k1, k2 = base64.b64encode(b"1" * 32).decode(), base64.b64encode(b"2" * 32).decode()
    ring = load_keyring(Settings(data_dir=tmp_path, master_keys=f"a:{k1},b:{k2}", active_key_id="b"))
    assert ring.active_kid == "b" and set(ring.keys) == {"a", "b"}
    with pytest.raises(InvalidInput, match="32 bytes"):
        load_keyring(Settings(data_dir=tmp_path, master_keys="a:" + base64.b64encode(b"short").decode()))
    with pytest.raises(InvalidInput, match="ROBNU_ACTIVE_KEY_ID"):
        load_keyring(Settings(data_dir=tmp_path, master_keys=f"a:{k1}", active_key_id="zz"))
    assert not (tmp_path / "master.keys").exists()
