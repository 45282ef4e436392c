"""The process's start-up objects kept out of the cyclic garbage collector's way.

A process that has imported Robnu and built its runtime holds some 290,000 objects (modules, classes, table
metadata, validators) that live as long as it does. Every full pass of the cyclic collector walks all of them,
and a sync allocates enough to trigger several passes: a sync of 10,000 Amazon orders spent a fifth of its CPU
in three or four full collections, each also holding the GIL long enough to stall the thread that asks for the
next page (bench/sync_ingest.py). Freezing what is alive after start-up moves it to the permanent generation,
so the passes walk only what the work itself allocates.
"""

from __future__ import annotations

import functools
import gc


@functools.cache  # once per process: later calls would freeze the work's own objects, which may become garbage
def settle_heap() -> None:
    """Collect start-up garbage, then freeze every object still alive. Call once the process is set up, before
    its work starts (a command's runtime built, a worker or server about to serve). Frozen objects are still freed
    by reference counting; only a cycle among them is never collected, which start-up objects do not become."""
    gc.collect()
    gc.freeze()
