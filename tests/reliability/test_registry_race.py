"""The adapter registry under concurrent first use: every thread of a fresh process sees every built-in
adapter, never a half-loaded registry (``robnu run`` / ``robnu worker`` used to fail their first runs with
"marketplace 'AMAZON_IN' has no registered adapter (known: )")."""

from __future__ import annotations

import subprocess
import sys
import textwrap

THREADS = 16

_SCRIPT = textwrap.dedent(
    f"""
    import threading
    from robnu.adapters.registry import registry

    barrier = threading.Barrier({THREADS})
    errors = []

    def first_use(code):
        barrier.wait()
        try:
            registry.get(code)
        except Exception as exc:
            errors.append(f"{{type(exc).__name__}}: {{exc}}")

    codes = ["AJIO", "MEESHO", "AMAZON_IN", "FLIPKART"]
    threads = [threading.Thread(target=first_use, args=(codes[i % 4],)) for i in range({THREADS})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(errors))
    for e in errors[:3]:
        print(e)
    """
)


def test_concurrent_first_use_sees_every_builtin_adapter() -> None:
    for _ in range(3):  # a fresh interpreter each time: the race is only on the very first lookup
        done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == "0", "\n".join(lines[1:])
