"""Journal overhead: the same end-to-end ORDERS sync with the raw-payload journal off and on (local backend,
or S3 with --storage-url), alternating, each on a fresh database and sandbox; prints the median CPU time of each
and the overhead in percent, and - robust on a busy machine - the CPU time spent inside the journal itself as a
share of the sync it rode along. The journal's budget is 10 % of a sync.

    python bench/journal_overhead.py --orders 2000 --rounds 3
    python bench/journal_overhead.py --marketplace AJIO --storage-url 's3://bench?endpoint=http://127.0.0.1:5000'
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_ingest import sandbox_account

from robnu.domain.marketplace import ScheduleTarget
from robnu.services import journal as journal_module
from robnu.services.sync import SyncEngine

INSIDE = [0.0]  # CPU seconds spent in the journal's own code (record + flush)


def _timed(fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            INSIDE[0] += time.process_time() - t0

    return wrapper


journal_module.RunJournal.record = _timed(journal_module.RunJournal.record)  # type: ignore[method-assign]
journal_module.RunJournal.flush = _timed(journal_module.RunJournal.flush)  # type: ignore[method-assign]


def one_sync(marketplace: str, orders: int, journal: bool, storage_url: str | None, label: str) -> tuple[float, int]:
    tmp = Path(tempfile.mkdtemp(prefix="robnu-journal-bench-"))
    bench = sandbox_account(marketplace, orders, tmp=tmp, label=label)
    try:
        rt = bench.rt
        rt.settings = rt.settings.model_copy(update={"journal_enabled": journal, "storage_url": storage_url})
        if storage_url:
            from robnu.services.storage import Storage

            rt.storage = Storage.from_url(storage_url, tmp)
            getattr(rt.storage.primary, "ensure_bucket", lambda: None)()
        t0 = time.process_time()
        outcome = SyncEngine(rt).run(bench.account, ScheduleTarget.ORDERS)
        elapsed = time.process_time() - t0
        assert outcome.status == "SUCCEEDED", outcome
        return elapsed, outcome.fetched
    finally:
        bench.world.close()
        bench.rt.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marketplace", default="AMAZON_IN")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--storage-url", default=None, help="journal to S3 (default: the local directory)")
    args = parser.parse_args()
    off: list[float] = []
    on: list[float] = []
    shares: list[float] = []
    fetched = 0
    for i in range(args.rounds):
        t, fetched = one_sync(args.marketplace, args.orders, False, args.storage_url, f"off{i}")
        off.append(t)
        INSIDE[0] = 0.0
        t, _ = one_sync(args.marketplace, args.orders, True, args.storage_url, f"on{i}")
        on.append(t)
        shares.append(INSIDE[0] / (t - INSIDE[0]))
    without, with_ = statistics.median(off), statistics.median(on)
    where = args.storage_url or "local directory"
    print(f"marketplace          {args.marketplace}; {fetched} orders; {args.rounds} round(s); journal to {where}")
    print(f"sync without journal {without:.2f} s CPU (median of {', '.join(f'{t:.2f}' for t in off)})")
    print(f"sync with journal    {with_:.2f} s CPU (median of {', '.join(f'{t:.2f}' for t in on)})")
    print(f"overhead (medians)   {100 * (with_ - without) / without:+.1f} %  (budget: 10 %)")
    print(f"inside the journal   {100 * statistics.median(shares):.1f} % of the sync's own CPU (median per run)")


if __name__ == "__main__":
    main()
