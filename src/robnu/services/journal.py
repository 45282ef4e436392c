"""The raw-payload journal: every answer an adapter is handed — sync runs, catalog reads, inventory pushes, the
dispatch flow's calls and credential checks — appended to an hourly, gzip-compressed JSON-lines object
``raw-payloads/{seller}/{code}/{date}/{hour}.jsonl.gz`` in the storage port.

Each line is one page: when, what kind of work received it and which run / window / push tasks / processing
batch, stage and order it belongs to, the account, the request's identity (method, path and query, minus
secrets), the answer's status and its body. In a JSON body up to ``SPLIT_LIMIT``, secrets (token answers,
signatures) are removed for good and buyer PII (names, phones, e-mails, addresses) is moved out of the body and
sealed with the master key bound to the seller and account; a larger body (a page of orders) and one that is
not JSON (a label PDF, a CSV report) is compressed and sealed whole. So the journal can be read for evidence and
replayed (``services.replay``) but never leaks a credential or a buyer's address from a bucket.

One place hooks it in: ``attach`` points the adapter context's HTTP factory at a ``PageJournal``, and
``MarketplaceHttp`` tells it about every answer. Recording is cheap on purpose (a sync must not slow down): a
page is kept as bytes and handed, between the owner's batches, to a writer thread that parses, seals and
compresses it meanwhile and stores the lines when enough are ready or the work ends. A journal that cannot be
written is logged and the work goes on (its data is in the database either way)."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import secrets
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import orjson
from sqlalchemy import Select, select

from robnu.adapters.base import AdapterContext
from robnu.db.storage_models import StorageObject
from robnu.domain.records import SyncWindow
from robnu.security import envelope
from robnu.security.vault import Binding
from robnu.services.runtime import Runtime

log = logging.getLogger(__name__)

PREFIX = "raw-payloads"
MIME = "application/x-ndjson+gzip"
FLUSH_BYTES = 4 * 1024 * 1024  # lines sealed (kept as gzip) before they are stored: memory stays flat on long runs
# A JSON body up to this size is split field by field (secrets removed, PII sealed: the rest readable in the
# journal): token answers, push and processing answers. A larger one (a page of orders, a catalog page, a
# report) is compressed and sealed whole, like a body that is not JSON: walking every field of it in Python
# cost a sync at full speed a fifth of its CPU (docs/benchmarks.md), compressing and sealing it a few per cent.
SPLIT_LIMIT = 64 * 1024
# Pages recorded before they are handed to the writer without waiting for the owner's next batch (a sync's
# batch holds up to ten pages of orders): what is left to seal when the work ends stays small.
HAND_OVER_PAGES = 4
REMOVED = "***"
SEALED = "[sealed]"
# What kind of work received a page (the line's "kind"); replay re-runs the sync pages only.
SYNC, CATALOG, INVENTORY, PROCESSING, VALIDATION = "sync", "catalog", "inventory", "processing", "validation"
KINDS = frozenset({SYNC, CATALOG, INVENTORY, PROCESSING, VALIDATION})
# Keys whose values are secrets: dropped from the journal for good (compared lower-case, without - and _).
_SECRET_KEYS = frozenset(
    {
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "token",
        "sessiontoken",
        "clientsecret",
        "apisecret",
        "appsecret",
        "secret",
        "password",
        "apipassword",
        "apikey",
        "signature",
        "authorization",
        "xamzsecuritytoken",
        "xamzaccesstoken",
        "xamzsignature",
        "xamzcredential",
    }
)
# Keys that hold a buyer's personal data (or a whole block of it, such as an address): sealed, not dropped.
_PII_KEY = re.compile(r"name|phone|mobile|email|address|addr|line[123]|street|landmark|buyer|customer|recipient")


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


_SECRET, _PII, _PLAIN = "secret", "pii", "plain"


@lru_cache(maxsize=4096)
def _kind(key: str) -> str:
    """What a JSON key holds; cached, as the same few hundred keys repeat on every page."""
    norm = _norm(key)
    if norm in _SECRET_KEYS:
        return _SECRET
    return _PII if _PII_KEY.search(norm) else _PLAIN


def request_identity(method: str, path: str, query: str) -> str:
    """What a page was asked with, the same at record and at replay: secret query values left out."""
    pairs = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if _norm(k) not in _SECRET_KEYS)
    return f"{method.upper()} {path}" + (f"?{urlencode(pairs)}" if pairs else "")


def split_body(value: Any) -> tuple[Any, list[list[Any]]]:
    """``value`` (a parsed body, changed in place) with secrets removed and PII replaced by a marker, and the PII
    as [path, value] pairs. One pass, a shared path stack: this runs on every page of every sync."""
    pii: list[list[Any]] = []
    path: list[Any] = []

    def walk(node: Any) -> None:
        if type(node) is dict:
            for k, v in node.items():
                kind = _kind(k)
                if kind is _PLAIN:
                    if type(v) is dict or type(v) is list:
                        path.append(k)
                        walk(v)
                        path.pop()
                elif kind is _SECRET:
                    node[k] = REMOVED
                elif v is not None and v != "":
                    pii.append([[*path, k], v])
                    node[k] = SEALED
        else:
            for i, v in enumerate(node):
                if type(v) is dict or type(v) is list:
                    path.append(i)
                    walk(v)
                    path.pop()

    if type(value) is dict or type(value) is list:
        walk(value)
    return value, pii


def restore_body(body: Any, pii: Iterable[list[Any]]) -> Any:
    for path, value in pii:
        node = body
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
    return body


def _binding(seller_id: int, account_id: int) -> Binding:
    return Binding(seller_id, "raw_payloads", account_id, "pii")


def hour_key(seller_id: int, code: str, at: datetime) -> str:
    """The hour's stem: its parts are ``{stem}.{part}.jsonl.gz`` (see ``append``)."""
    at = at.astimezone(UTC)
    return f"{PREFIX}/{seller_id}/{code}/{at:%Y-%m-%d}/{at:%H}"


def _hour_parts(stem: str) -> Select[tuple[str]]:
    """The storage_objects rows of an hour, in the order they were written (a version-1 hour is one object,
    ``{stem}.jsonl.gz``, and matches too)."""
    part = StorageObject.key.startswith(stem + ".", autoescape=True)
    return select(StorageObject.key).where(part).order_by(StorageObject.id)


@dataclass
class _Page:
    at: datetime
    operation: str
    identity: str
    status: int
    content_type: str
    body: bytes
    about: Mapping[str, Any]


@dataclass
class PageJournal:
    """The ``PageRecorder`` (see ``adapters.http``) of one piece of work on one account: a sync run, a catalog
    read, an inventory push, a processing pass or a credential check. ``about`` says what the pages belong to
    (push tasks; the processing batch, stage and order, set as the flow moves on with ``tagged``)."""

    rt: Runtime
    seller_id: int
    account_id: int
    code: str
    kind: str = SYNC
    run_id: int | None = None
    target: str | None = None
    window: SyncWindow | None = None
    about: Mapping[str, Any] = field(default_factory=dict)
    pages: int = 0
    failed: bool = False
    _buffer: list[_Page] = field(default_factory=list)
    _buffered: int = 0
    # Pages may be recorded from an adapter's read-ahead thread while the owner flushes: both take this.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _writer: ThreadPoolExecutor | None = field(default=None, repr=False)
    _parts: defaultdict[str, _HourPart] = field(default_factory=lambda: defaultdict(_HourPart), repr=False)
    _ready: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} is not one of {sorted(KINDS)}")

    def __repr__(self) -> str:
        return f"PageJournal({self.kind}, account={self.account_id}, run={self.run_id}, pages={self.pages})"

    def record(self, operation: str, request: httpx.Request, response: httpx.Response) -> None:
        url = request.url
        page = _Page(
            self.rt.clock.now(),
            operation,
            request_identity(request.method, url.path, url.query.decode("ascii", "replace")),
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
            self.about,
        )
        with self._lock:
            self._buffer.append(page)
            self.pages += 1
            self._buffered += len(response.content)
            if len(self._buffer) >= HAND_OVER_PAGES:  # a long batch's pages are sealed while it goes on
                self._hand_over_locked(final=False)

    @contextmanager
    def tagged(self, **ids: Any) -> Iterator[None]:
        """Pages recorded in the block also say ``ids`` (a processing batch, stage, order)."""
        outer = self.about
        self.about = {**outer, **ids}  # replaced, never changed in place: a recorded page keeps its own
        try:
            yield
        finally:
            self.about = outer

    def hand_over(self, *, final: bool = False) -> None:
        """Hand the pages recorded so far to this journal's writer thread, which seals them while the owner goes
        on (the owner calls it between batches; ``record`` every ``HAND_OVER_PAGES`` pages) and stores them once
        ``FLUSH_BYTES`` of lines are ready, or at the end (``final``). One thread per journal, so its appends
        to an hour keep their order. Its write is a transaction of its own: on SQLite it waits for the owner's
        write transaction to commit (the owner never waits for it but in ``close``)."""
        with self._lock:
            self._hand_over_locked(final=final)

    def _hand_over_locked(self, *, final: bool) -> None:
        # Under the lock: two hand-overs (the owner's, the recording thread's) submit in the order they took
        # their pages, so the writer seals and stores the pages in the order they were received.
        pages, self._buffer, self._buffered = self._buffer, [], 0
        if self.failed or not (pages or final):
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"journal-{self.account_id}")
        self._writer.submit(self._seal_and_store, pages, final)

    def _seal_and_store(self, pages: list[_Page], final: bool) -> None:
        """In the writer thread: the pages' lines, compressed by hour as they are sealed (``_parts``, ``_ready``:
        the writer's own), then stored as parts of the hours' objects when enough is ready or the work ends."""
        if self.failed:
            return
        try:
            for page in pages:
                line, sealed_whole = self._line(page)
                self._parts[hour_key(self.seller_id, self.code, page.at)].add(line, deflate=not sealed_whole)
                self._ready += len(line)
            if final or self._ready >= FLUSH_BYTES:
                parts, self._parts, self._ready = self._parts, defaultdict(_HourPart), 0
                for key, part in parts.items():
                    store_part(self.rt, key, part.data(), seller_id=self.seller_id)
        except Exception:  # the journal is evidence, not the work: say so loudly and let the work go on
            self.failed = True
            log.exception("raw-payload journal (%r) could not be written; the work goes on", self)

    def _line(self, page: _Page) -> tuple[bytes, bool]:
        """The page's line, and whether its body is sealed whole (the line is then mostly ciphertext)."""
        entry: dict[str, Any] = {
            "v": 2,
            "kind": self.kind,
            "at": page.at.isoformat(),
            "run": self.run_id,
            "target": self.target,
            "account": self.account_id,
            "window": [self.window.start.isoformat(), self.window.end.isoformat()] if self.window else None,
            "op": page.operation,
            "request": page.identity,
            "status": page.status,
            "type": page.content_type,
            "size": len(page.body),
            "sha256": hashlib.sha256(page.body).hexdigest(),  # of the body as received, before redaction
        }
        if page.about:
            entry["about"] = page.about
        aad = _aad(self.seller_id, self.account_id)
        parsed = _json(page.body) if len(page.body) <= SPLIT_LIMIT else None
        if parsed is None:
            entry["raw"] = envelope.encrypt(self.rt.vault.ring, zlib.compress(page.body, 1), aad)
        else:
            body, pii = split_body(parsed[0])
            entry["body"] = body
            if pii:
                entry["pii"] = envelope.encrypt(self.rt.vault.ring, orjson.dumps(pii), aad)
        return orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE), parsed is None

    def close(self) -> None:
        """Write what is buffered and wait until every page is stored. Call it outside any write transaction
        of the caller's (on SQLite the writer would wait for it, and it for the writer)."""
        self.hand_over(final=True)
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None


def attach(
    rt: Runtime,
    ctx: AdapterContext[Any],
    code: str,
    kind: str,
    *,
    run_id: int | None = None,
    target: str | None = None,
    window: SyncWindow | None = None,
    **about: Any,
) -> PageJournal | None:
    """When the journal is on, a ``PageJournal`` for the work ``ctx`` is about to do, and ``ctx`` changed so
    that every answer its adapter is handed is recorded in it (the factory keeps the process-wide rate
    buckets). The caller closes it when the work ends, outside any write transaction: services call it through
    ``services.adapter_session``, which does so."""
    if not rt.settings.journal_enabled:
        return None
    journal = PageJournal(
        rt, ctx.account.seller_id, ctx.account.id, code, kind, run_id=run_id, target=target, window=window, about=about
    )
    ctx.http = ctx.http.recording(journal)
    return journal


@contextmanager
def tagged(recorder: object, **ids: Any) -> Iterator[None]:
    """``PageJournal.tagged`` on ``recorder`` (an HTTP factory's recorder) when it is a journal; else nothing."""
    if isinstance(recorder, PageJournal):
        with recorder.tagged(**ids):
            yield
    else:
        yield


def _json(body: bytes) -> tuple[Any] | None:
    """The body parsed (in a 1-tuple: JSON may be null), or None when it is not JSON."""
    try:
        return (orjson.loads(body) if body else None,)
    except ValueError:
        return None


def _aad(seller_id: int, account_id: int) -> bytes:
    return _binding(seller_id, account_id).aad()


class _HourPart:
    """One hour's lines as gzip, compressed line by line as the writer seals them: what is left to do when the
    part is stored (at the end of the work, in the sync's own time) is the last few lines.

    A line that is mostly a sealed body (ciphertext in base64) is stored in the gzip stream, not deflated:
    deflating it won back only base64's overhead (a quarter) for as much CPU as compressing the page had taken
    before it was sealed. Lines keep their order: a gzip member ends where the kind of line changes, and gzip
    readers read a part's members one after another."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._gzip: Any = None  # zlib's compress object of the member being written
        self._level = -1

    def add(self, line: bytes, *, deflate: bool) -> None:
        level = 1 if deflate else 0  # 1: fast, the journal rides along a sync
        if level != self._level:
            self._end_member()
            self._gzip, self._level = zlib.compressobj(level, zlib.DEFLATED, 31), level  # 31: gzip framing
        if out := self._gzip.compress(line):
            self._chunks.append(out)

    def _end_member(self) -> None:
        if self._gzip is not None:
            self._chunks.append(self._gzip.flush())
            self._gzip = None

    def data(self) -> bytes:
        self._end_member()
        return b"".join(self._chunks)


def store_part(rt: Runtime, stem: str, data: bytes, *, seller_id: int) -> str:
    """Store ``data`` (lines as gzip, one or more members) as a new part of the hour ``stem``; returns its key.

    A part is written once and never rewritten: appending to one object per hour meant reading it back and
    storing it whole on every flush (a GET and a PUT of a growing object on S3), so a big sync's journal cost
    grew with the square of its pages. The part's name is unique without asking anyone (two writers of the
    same hour, in two processes, cannot pick the same one), and the rows' ids give the order to read them in."""
    key = f"{stem}.{rt.clock.now():%M%S}-{secrets.token_hex(4)}.jsonl.gz"
    with rt.session() as s:
        rt.storage.put(s, key, data, mime=MIME, seller_id=seller_id, now=rt.clock.now())
    return key


# ---------------------------------------------------------------------- reading
@dataclass(frozen=True)
class JournalPage:
    at: datetime
    kind: str
    run: int | None
    target: str | None
    account: int
    window: SyncWindow | None
    about: Mapping[str, Any]
    operation: str
    request: str
    status: int
    content_type: str
    body: bytes  # as the marketplace sent it (PII restored; secrets stay removed)


def read_pages(
    rt: Runtime, *, seller_id: int, code: str, account_id: int, start: datetime, end: datetime
) -> Iterator[JournalPage]:
    """The account's journaled pages received in [start, end], oldest first, each hour's checksum verified."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    aad = _aad(seller_id, account_id)
    with rt.sessions() as s:
        while hour <= end:
            stem = hour_key(seller_id, code, hour)
            hour += timedelta(hours=1)
            for key in s.scalars(_hour_parts(stem)).all():
                for raw in gzip.decompress(rt.storage.read(s, key, seller_id=seller_id)).splitlines():
                    entry = orjson.loads(raw)
                    at = datetime.fromisoformat(entry["at"])
                    if entry["account"] != account_id or not start <= at <= end:
                        continue
                    yield _page(rt, entry, at, aad)


def _page(rt: Runtime, entry: dict[str, Any], at: datetime, aad: bytes) -> JournalPage:
    pii = orjson.loads(envelope.decrypt(rt.vault.ring, entry["pii"], aad)) if "pii" in entry else []
    if "raw" in entry:
        body = zlib.decompress(envelope.decrypt(rt.vault.ring, entry["raw"], aad))
    elif "text" in entry:  # a version 1 line: a non-JSON body sealed as text
        body = str(pii[0][1]).encode()
    else:
        restored = restore_body(entry.get("body"), pii)
        body = b"" if restored is None else orjson.dumps(restored)
    window = entry.get("window")
    return JournalPage(
        at=at,
        kind=entry.get("kind", SYNC),  # version 1 journaled sync runs only
        run=entry.get("run"),
        target=entry.get("target"),
        account=entry["account"],
        window=SyncWindow(datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])) if window else None,
        about=entry.get("about", {}),
        operation=entry["op"],
        request=entry["request"],
        status=entry["status"],
        content_type=entry.get("type", ""),
        body=body,
    )


# ---------------------------------------------------------------------- retention
def prune(rt: Runtime, *, keep_days: int | None = None) -> int:
    """Delete journal hours older than the retention (``journal_retention_days``); returns how many."""
    days = keep_days if keep_days is not None else rt.settings.journal_retention_days
    cutoff = rt.clock.now() - timedelta(days=days)
    deleted = 0
    with rt.sessions() as s:
        rows = s.execute(
            select(StorageObject.key, StorageObject.seller_id).where(StorageObject.key.startswith(PREFIX + "/"))
        ).all()
    for key, seller_id in rows:
        date, hour = key.rsplit("/", 2)[-2], key.rsplit("/", 1)[-1].split(".", 1)[0]
        if datetime.fromisoformat(f"{date}T{hour}:00:00+00:00") + timedelta(hours=1) <= cutoff:
            with rt.session() as s:
                rt.storage.delete(s, key, seller_id=seller_id)
            deleted += 1
    return deleted
