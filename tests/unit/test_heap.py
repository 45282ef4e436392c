"""settle_heap freezes the start-up objects once per process, and a later call leaves the work's objects alone."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import gc
from robnu.services.heap import settle_heap
import robnu.services.runtime  # what a process imports before its work
assert gc.get_freeze_count() == 0
settle_heap()
frozen = gc.get_freeze_count()
assert frozen > 10_000, frozen
work = [[i] for i in range(1000)]
settle_heap()
assert gc.get_freeze_count() == frozen, "a second call froze the work's objects"
print("ok")
"""


def test_settle_heap_freezes_once() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
