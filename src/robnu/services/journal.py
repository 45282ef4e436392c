"""The raw-payload journal: every answer an adapter is handed during a sync run, appended to an hourly,
gzip-compressed JSON-lines object ``raw-payloads/{seller}/{code}/{date}/{hour}.jsonl.gz`` in the storage port.

Each line is one page: when, which run / target / window / account, the request's identity (method, path and
query, minus secrets), the answer's status and its body. Secrets (token answers, signatures) are removed for
good; buyer PII (names, phones, e-mails, addresses) is moved out of the body and sealed with the master key
bound to the seller and account, so the journal can be read for evidence and replayed (``services.replay``)
but never leaks a buyer's address from a bucket.

Recording is cheap on purpose (the sync must not slow down): a page is kept as bytes; parsing, sealing and
compressing happen when a buffer fills or the run ends. A journal that cannot be written is logged and the
sync goes on (the sync's data is in the database either way)."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from robnu.db.storage_models import StorageObject
from robnu.domain.records import SyncWindow
from robnu.security import envelope
from robnu.security.vault import Binding
from robnu.services.runtime import Runtime

log = logging.getLogger(__name__)

PREFIX = "raw-payloads"
MIME = "application/x-ndjson+gzip"
FLUSH_BYTES = 4 * 1024 * 1024  # buffered body bytes before a flush: memory stays flat on long runs
REMOVED = "***"
SEALED = "[sealed]"
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
_append_lock = threading.Lock()  # appends of one process to one hour are serialised (the row lock does the rest)


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
    at = at.astimezone(UTC)
    return f"{PREFIX}/{seller_id}/{code}/{at:%Y-%m-%d}/{at:%H}.jsonl.gz"


@dataclass
class _Page:
    at: datetime
    operation: str
    identity: str
    status: int
    content_type: str
    body: bytes


@dataclass
class RunJournal:
    """The ``PageRecorder`` of one sync run (see ``adapters.http``)."""

    rt: Runtime
    seller_id: int
    account_id: int
    code: str
    run_id: int
    target: str
    window: SyncWindow | None = None
    pages: int = 0
    failed: bool = False
    _buffer: list[tuple[datetime, bytes]] = field(default_factory=list)  # (page time, its journal line)
    _buffered: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __repr__(self) -> str:
        return f"RunJournal(run={self.run_id}, pages={self.pages})"

    def record(self, operation: str, request: httpx.Request, response: httpx.Response) -> None:
        """Called from the thread that reads the marketplace (the sync's read-ahead): the page is split, sealed
        and serialised there, while the engine's thread writes the previous batch, and only the finished line
        is handed over under the lock."""
        url = request.url
        page = _Page(
            self.rt.clock.now(),
            operation,
            request_identity(request.method, url.path, url.query.decode("ascii", "replace")),
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
        )
        if self.failed:
            return
        try:
            line = self._line(page)
        except Exception:  # like a failed flush: the journal stops, the sync goes on
            self.failed = True
            log.exception("raw-payload journal of run %s could not seal a page; the sync goes on", self.run_id)
            return
        with self._lock:
            self._buffer.append((page.at, line))
            self.pages += 1
            self._buffered += len(line)

    def flush_if_full(self) -> None:
        """Called by the engine between its write transactions (never inside one: on SQLite a second writer
        would wait for the first, which waits for this call)."""
        if self._buffered >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pages, self._buffer, self._buffered = self._buffer, [], 0
        if not pages or self.failed:
            return
        try:
            by_hour: dict[str, list[bytes]] = defaultdict(list)
            for at, line in pages:
                by_hour[hour_key(self.seller_id, self.code, at)].append(line)
            for key, lines in by_hour.items():
                append(self.rt, key, b"".join(lines), seller_id=self.seller_id)
        except Exception:  # the journal is evidence, not the sync: say so loudly and let the sync go on
            self.failed = True
            log.exception("raw-payload journal of run %s could not be written; the sync goes on", self.run_id)

    def _line(self, page: _Page) -> bytes:
        entry: dict[str, Any] = {
            "v": 1,
            "at": page.at.isoformat(),
            "run": self.run_id,
            "target": self.target,
            "account": self.account_id,
            "window": [self.window.start.isoformat(), self.window.end.isoformat()] if self.window else None,
            "op": page.operation,
            "request": page.identity,
            "status": page.status,
            "sha256": hashlib.sha256(page.body).hexdigest(),  # of the body as received, before redaction
        }
        aad = _aad(self.seller_id, self.account_id)
        try:
            parsed = orjson.loads(page.body) if page.body else None
        except ValueError:  # not JSON (a report file, a CSV): it cannot be split field by field, so all is sealed
            text = page.body.decode("utf-8", "replace")
            entry["text"] = SEALED
            entry["pii"] = envelope.encrypt(self.rt.vault.ring, orjson.dumps([[["$text"], text]]), aad)
        else:
            body, pii = split_body(parsed)
            entry["body"] = body
            if pii:
                entry["pii"] = envelope.encrypt(self.rt.vault.ring, orjson.dumps(pii), aad)
        return orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)

    def close(self) -> None:
        self.flush()


def _aad(seller_id: int, account_id: int) -> bytes:
    return _binding(seller_id, account_id).aad()


def append(rt: Runtime, key: str, lines: bytes, *, seller_id: int) -> None:
    """Append ``lines`` to the hour object ``key`` as one more gzip member (a gzip file may hold many)."""
    member = gzip.compress(lines, compresslevel=1, mtime=0)  # fast: the journal rides along a sync
    for attempt in range(3):
        try:
            with _append_lock, rt.session() as s:
                row = s.scalar(select(StorageObject).where(StorageObject.key == key).with_for_update())
                existing = rt.storage.read(s, key, seller_id=seller_id) if row is not None else b""
                rt.storage.put(s, key, existing + member, mime=MIME, seller_id=seller_id, now=rt.clock.now())
            return
        except IntegrityError:  # another writer created the hour first: append to theirs
            if attempt == 2:
                raise


# ---------------------------------------------------------------------- reading
@dataclass(frozen=True)
class JournalPage:
    at: datetime
    run: int | None
    target: str
    account: int
    window: SyncWindow | None
    operation: str
    request: str
    status: int
    body: bytes  # as the marketplace sent it (PII restored; secrets stay removed)


def read_pages(
    rt: Runtime, *, seller_id: int, code: str, account_id: int, start: datetime, end: datetime
) -> Iterator[JournalPage]:
    """The account's journaled pages received in [start, end], oldest first, each hour's checksum verified."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    aad = _aad(seller_id, account_id)
    with rt.sessions() as s:
        while hour <= end:
            key = hour_key(seller_id, code, hour)
            hour += timedelta(hours=1)
            if s.scalar(select(StorageObject.id).where(StorageObject.key == key)) is None:
                continue
            for raw in gzip.decompress(rt.storage.read(s, key, seller_id=seller_id)).splitlines():
                entry = orjson.loads(raw)
                at = datetime.fromisoformat(entry["at"])
                if entry["account"] != account_id or not start <= at <= end:
                    continue
                yield _page(rt, entry, at, aad)


def _page(rt: Runtime, entry: dict[str, Any], at: datetime, aad: bytes) -> JournalPage:
    pii = orjson.loads(envelope.decrypt(rt.vault.ring, entry["pii"], aad)) if "pii" in entry else []
    if "text" in entry:
        body = str(pii[0][1]).encode()
    else:
        restored = restore_body(entry.get("body"), pii)
        body = b"" if restored is None else orjson.dumps(restored)
    window = entry.get("window")
    return JournalPage(
        at=at,
        run=entry.get("run"),
        target=entry["target"],
        account=entry["account"],
        window=SyncWindow(datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])) if window else None,
        operation=entry["op"],
        request=entry["request"],
        status=entry["status"],
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
