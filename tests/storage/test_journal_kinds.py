"""Every page an adapter receives is journaled, whatever the work: the demo seller's morning (credential checks,
syncs, catalog reads, stock pushes, the dispatch flows, on all four marketplaces) against sandboxes whose every
answer is counted. Each 2xx answer is in the journal exactly once, under the kind of work that received it and
what it belongs to (push tasks; processing batch, stage and order); no line holds a credential, an access token
or a buyer's personal data; a label PDF is sealed whole and read back byte for byte."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from robnu.cli.demo_run import DemoData, build_demo, wire_demo_world
from robnu.config import Settings
from robnu.db.models import InventoryTask, MarketplaceAccount
from robnu.db.processing_models import OrderProcessing, ProcessingBatch
from robnu.db.storage_models import StorageObject
from robnu.services import journal
from robnu.services.accounts import adapter_for
from robnu.services.credentials import load_credentials
from robnu.services.runtime import Runtime
from robnu.services.tokens import DbTokenStore
from tests.conftest import _empty_tables
from tests.storage.test_journal import SECRET_FIELDS, _pii_strings

# The module-scoped data is built once: the whole module runs on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("journal-kinds-data")

CODES = ("AJIO", "MEESHO", "AMAZON_IN", "FLIPKART")


class CountingTransport(httpx.BaseTransport):
    """The sandboxes' transport, noting every answer (its request identity as the journal writes it, status and
    the sha256 of its body)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.answers: list[tuple[str, str, int, str]] = []  # (host, identity, status, sha256)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        url = request.url
        identity = journal.request_identity(request.method, url.path, url.query.decode("ascii", "replace"))
        self.answers.append((url.host, identity, response.status_code, hashlib.sha256(response.content).hexdigest()))
        return response


@dataclass
class Journaled:
    rt: Runtime
    demo: DemoData
    counted: CountingTransport
    raw: dict[str, bytes]  # journal hour key -> its decompressed JSON lines, as stored
    lines: list[dict[str, Any]]  # every line of every hour, as stored (redacted)
    pages: list[journal.JournalPage]  # every page read back (PII restored)


@pytest.fixture(scope="module")
def journaled(tmp_path_factory: pytest.TempPathFactory, migrated_url: str) -> Iterator[Journaled]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("journal-data"), database_url=migrated_url, http_backoff_base_seconds=0.01
    )
    rt = Runtime.create(settings)
    _empty_tables(rt.engine)
    world = wire_demo_world(rt, seed=11)
    counted = CountingTransport(rt.http.transport)  # type: ignore[arg-type]
    rt.http.transport = counted
    start = rt.clock.now()
    try:
        demo = build_demo(rt, world, orders=12, seed=11)
        raw: dict[str, bytes] = {}
        with rt.sessions() as s:
            for key, seller in s.execute(
                select(StorageObject.key, StorageObject.seller_id).where(StorageObject.key.startswith("raw-payloads/"))
            ).tuples():
                raw[key] = gzip.decompress(rt.storage.read(s, key, seller_id=seller))
            accounts = s.execute(select(MarketplaceAccount.id, MarketplaceAccount.marketplace_id)).tuples().all()
        lines = [json.loads(line) for content in raw.values() for line in content.splitlines()]
        pages = [
            page
            for summary in demo.summaries
            for page in journal.read_pages(
                rt,
                seller_id=demo.seller_id,
                code=summary.code,
                account_id=summary.account_id,
                start=start - timedelta(hours=1),
                end=rt.clock.now() + timedelta(hours=1),
            )
        ]
        assert len(accounts) == len(CODES)
        yield Journaled(rt, demo, counted, raw, lines, pages)
    finally:
        world.close()
        rt.engine.dispose()


def test_every_answer_an_adapter_received_is_in_the_journal_once(journaled: Journaled) -> None:
    served = Counter((identity, sha) for _host, identity, status, sha in journaled.counted.answers if status < 300)
    kept = Counter((line["request"], line["sha256"]) for line in journaled.lines if line["status"] < 300)
    assert served and kept == served
    assert len(journaled.pages) == len(journaled.lines)
    assert {"body" in line for line in journaled.lines} == {True, False}  # both forms occur
    kinds = {(page.kind, code) for page, code in _with_code(journaled)}
    for kind in (journal.VALIDATION, journal.SYNC, journal.CATALOG, journal.INVENTORY, journal.PROCESSING):
        assert {code for k, code in kinds if k == kind} == set(CODES), kind


def _with_code(j: Journaled) -> Iterator[tuple[journal.JournalPage, str]]:
    codes = {s.account_id: s.code for s in j.demo.summaries}
    for page in j.pages:
        yield page, codes[page.account]


@pytest.mark.parametrize(
    "kind", [journal.VALIDATION, journal.SYNC, journal.CATALOG, journal.INVENTORY, journal.PROCESSING]
)
def test_the_pages_of_each_kind_say_what_they_belong_to_and_hold_no_secret_or_buyer_data(
    journaled: Journaled, kind: str
) -> None:
    rt = journaled.rt
    lines = [line for line in journaled.lines if line["kind"] == kind]
    pages = [page for page in journaled.pages if page.kind == kind]
    assert lines and len(pages) == len(lines)
    stored = b"\n".join(json.dumps(line).encode() for line in lines).decode()

    with rt.sessions() as s:
        secrets = _secrets(rt, s)
        tasks = dict(s.execute(select(InventoryTask.id, InventoryTask.marketplace_account_id)).tuples().all())
        batches = dict(s.execute(select(ProcessingBatch.id, ProcessingBatch.marketplace_account_id)).tuples().all())
        in_flow = set(s.execute(select(OrderProcessing.order_id, OrderProcessing.batch_id)).tuples().all())
    assert secrets and not [secret for secret in secrets if secret in stored]
    sealed = _pii_strings([json.loads(p.body) for p in pages if p.body[:1] in (b"{", b"[")])
    assert not [v for v in sealed if f'"{v}"' in stored]

    for line in lines:
        # A small JSON body is split (readable but for its secrets and PII); a large or non-JSON one sealed whole.
        split = line["size"] == 0 or (
            line["size"] <= journal.SPLIT_LIMIT and line["type"].startswith("application/json")
        )
        assert ("body" in line, "raw" in line) == (split, not split), (line["size"], line["type"])
        about = line.get("about", {})
        if kind == journal.SYNC:
            assert line["run"] and line["target"] in ("ORDERS", "RETURNS", "PAYOUTS") and line["window"]
        else:
            assert line["run"] is None and line["target"] is None
        if kind == journal.INVENTORY:
            assert about["tasks"] and {tasks[t] for t in about["tasks"]} == {line["account"]}
        elif kind == journal.PROCESSING and about:  # a token exchange before the first stage has no stage
            assert batches[about["batch"]] == line["account"] and about["stage"]
            if "order" in about:
                assert (about["order"], about["batch"]) in in_flow
        else:
            assert kind == journal.PROCESSING or not about

    if kind == journal.PROCESSING:
        # A label (not JSON) is sealed whole: the line keeps none of it, the page gives it back byte for byte.
        sealed_lines = [line for line in lines if "raw" in line]
        labels = [page for page in pages if page.body.startswith(b"%PDF")]
        assert labels and len(labels) == len(sealed_lines) and "%PDF" not in stored
        assert {hashlib.sha256(page.body).hexdigest() for page in labels} == {line["sha256"] for line in sealed_lines}
        assert all(page.about.get("order") or page.about.get("batch") for page in labels)


def _secrets(rt: Runtime, s: Any) -> list[str]:
    """Every account's secret credential fields and its current access token."""
    found: list[str] = []
    for account in s.execute(select(MarketplaceAccount)).scalars():
        adapter = adapter_for(rt, account)
        model = load_credentials(s, adapter.satellite, rt.vault, account)
        for name, value in model:
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if name in SECRET_FIELDS and isinstance(text, str) and text:
                found.append(text)
        token = DbTokenStore(rt.sessions, rt.vault, account, rt.clock).get()
        if token is not None:
            found.append(token[0])
    return found
