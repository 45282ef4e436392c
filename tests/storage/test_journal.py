"""The raw-payload journal: every page a sync is handed lands in the hour's gzip JSON-lines object (on both
backends), secrets removed, buyer PII sealed with the seller's binding; pages read back restored; retention."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from robnu.config import Settings
from robnu.db.models import SyncRun
from robnu.db.storage_models import StorageObject
from robnu.domain.marketplace import ScheduleTarget
from robnu.services import journal
from robnu.services.accounts import create_seller
from robnu.services.sync import SyncEngine
from tests.conftest import FIXED_NOW
from tests.sandbox_wiring import connect_sandbox_account, wired_runtime

PII_WORDS = ("phone", "email", "address", "buyer", "recipient", "customer")
SECRET_FIELDS = ("api_password", "client_secret", "refresh_token", "api_secret", "app_secret", "api_key")


@pytest.mark.parametrize("code", ["AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"])
def test_every_page_of_a_sync_is_journaled_without_secrets_or_buyer_pii(
    settings: Settings, storage_url: str | None, code: str
) -> None:
    with wired_runtime(settings.model_copy(update={"storage_url": storage_url}), (code,)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        creds = world[code].create_account()
        world[code].generate_orders(str(creds["account_key"]), 12)
        account, _ = connect_sandbox_account(rt, world, code, seller, creds=creds)
        world.clock.advance(timedelta(minutes=5))
        outcome = SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
        assert outcome.fetched >= 12  # Meesho splits an order into sub-orders

        with rt.sessions() as s:
            obj = s.execute(select(StorageObject).where(StorageObject.key.startswith("raw-payloads/"))).scalar_one()
            hour = f"raw-payloads/{seller}/{code}/{FIXED_NOW:%Y-%m-%d}/06"
            assert re.fullmatch(rf"{hour}\.\d{{4}}-[0-9a-f]{{8}}\.jsonl\.gz", obj.key)  # the hour's one part
            assert obj.backend == rt.storage.primary.ident and obj.mime == journal.MIME
            raw = gzip.decompress(rt.storage.read(s, obj.key, seller_id=seller)).decode()
        lines = [json.loads(line) for line in raw.splitlines()]
        assert lines and {(e["run"], e["account"], e["target"]) for e in lines} == {(outcome.run_id, account, "ORDERS")}

        secrets = [str(v) for k, v in creds.items() if k in SECRET_FIELDS and v]
        assert secrets and not any(secret in raw for secret in secrets)

        # Every page read back restored: the PII the journal sealed is really there again, and not in the file.
        pages = list(
            journal.read_pages(
                rt, seller_id=seller, code=code, account_id=account, start=FIXED_NOW, end=FIXED_NOW + timedelta(hours=1)
            )
        )
        assert len(pages) == len(lines)
        sealed_values = _pii_strings([json.loads(p.body) for p in pages if p.body])
        assert sealed_values, "orders carry a buyer's name or address"
        assert not [v for v in sealed_values if f'"{v}"' in raw]


def _pii_strings(bodies: list[object]) -> set[str]:
    """String values under the buyer's own keys (names, phones, e-mails, addresses), long enough to be unique."""
    found: set[str] = set()

    def walk(node: object, under_pii: bool) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                norm = journal._norm(k)
                walk(v, under_pii or any(w in norm for w in PII_WORDS))
        elif isinstance(node, list):
            for v in node:
                walk(v, under_pii)
        elif under_pii and isinstance(node, str) and len(node) >= 8 and not node.isdigit():
            found.add(node)

    for body in bodies:
        walk(body, False)
    return found


def test_the_journal_can_be_switched_off(settings: Settings) -> None:
    with wired_runtime(settings.model_copy(update={"journal_enabled": False}), ("AJIO",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        account, _ = connect_sandbox_account(rt, world, "AJIO", seller)
        world.clock.advance(timedelta(minutes=5))
        SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
        with rt.sessions() as s:
            assert s.execute(select(StorageObject)).first() is None
            assert s.execute(select(SyncRun.status)).scalar_one() == "SUCCEEDED"


def test_prune_deletes_the_hours_past_retention_and_keeps_the_rest(settings: Settings) -> None:
    with wired_runtime(settings.model_copy(update={"journal_retention_days": 2}), ("AJIO",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        account, _ = connect_sandbox_account(rt, world, "AJIO", seller)
        world.clock.advance(timedelta(minutes=5))
        SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
        world.clock.advance(timedelta(days=1))
        SyncEngine(rt).run(account, ScheduleTarget.ORDERS)
        with rt.sessions() as s:
            keys = sorted(s.execute(select(StorageObject.key)).scalars())
        assert len(keys) == 2
        assert journal.prune(rt) == 0
        world.clock.advance(timedelta(days=1, hours=1))
        assert journal.prune(rt) == 1
        with rt.sessions() as s:
            assert list(s.execute(select(StorageObject.key)).scalars()) == keys[1:]
        assert not rt.storage.primary.exists(keys[0]) and rt.storage.primary.exists(keys[1])


def test_a_long_run_stores_its_hour_in_parts_written_once_and_read_back_in_order(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every hand-over stores a new part (FLUSH_BYTES made tiny): no part is ever read back and rewritten, and
    the hour reads back as every page of the run, in the order they were received."""
    monkeypatch.setattr(journal, "FLUSH_BYTES", 1)
    # Without read-ahead the first batch is handed over before the last page is even asked for.
    with wired_runtime(settings.model_copy(update={"sync_read_ahead_records": 0}), ("AMAZON_IN",)) as (world, rt):
        seller = create_seller(rt, "Jaipur Prints")
        creds = world["AMAZON_IN"].create_account()
        world["AMAZON_IN"].generate_orders(str(creds["account_key"]), 260)  # three pages of 100
        account, _ = connect_sandbox_account(rt, world, "AMAZON_IN", seller, creds=creds)
        world.clock.advance(timedelta(minutes=5))
        written: list[str] = []  # every object the backend is asked to store, in order
        store = rt.storage.primary.put
        monkeypatch.setattr(rt.storage.primary, "put", lambda k, *a, **kw: (written.append(k), store(k, *a, **kw)))
        engine = SyncEngine(rt, batch_size=100)
        outcome = engine.run(account, ScheduleTarget.ORDERS)
        assert outcome.fetched == 260

        with rt.sessions() as s:
            parts = s.scalars(
                select(StorageObject.key).where(StorageObject.key.startswith("raw-payloads/")).order_by(StorageObject.id)
            ).all()
            lines = [
                json.loads(line)
                for key in parts
                for line in gzip.decompress(rt.storage.read(s, key, seller_id=seller)).splitlines()
            ]
        assert len(parts) >= 2, parts  # a part per hand-over that had pages
        assert [k for k in written if k.startswith("raw-payloads/")] == list(parts)  # each stored once, never again
        pages = list(
            journal.read_pages(
                rt, seller_id=seller, code="AMAZON_IN", account_id=account,
                start=FIXED_NOW, end=FIXED_NOW + timedelta(hours=1),
            )
        )
        assert [p.request for p in pages] == [line["request"] for line in lines]
        assert len([p for p in pages if p.operation == "searchOrders"]) == 3


def test_an_hour_part_keeps_its_lines_in_order_deflating_only_what_is_not_sealed() -> None:
    """Sealed bodies (ciphertext in base64) are stored in the gzip stream as they are; readable lines are
    deflated; mixed, they read back as one stream of lines in the order they were added."""
    sealed = [b'{"raw":"' + base64.b64encode(os.urandom(20_000)) + b'"}\n' for _ in range(3)]
    readable = [json.dumps({"body": {"status": "PACKED", "n": n, "k": "v" * 500}}).encode() + b"\n" for n in range(3)]
    part = journal._HourPart()
    order = [sealed[0], readable[0], readable[1], sealed[1], sealed[2], readable[2]]
    for line in order:
        part.add(line, deflate=line in readable)
    data = part.data()
    assert gzip.decompress(data) == b"".join(order)
    only_sealed = journal._HourPart()
    for line in sealed:
        only_sealed.add(line, deflate=False)
    assert len(only_sealed.data()) >= sum(map(len, sealed))  # stored, not deflated
    only_readable = journal._HourPart()
    for line in readable:
        only_readable.add(line, deflate=True)
    assert len(only_readable.data()) < sum(map(len, readable)) / 5  # deflated
