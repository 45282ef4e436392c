"""A time-sorted index of (epoch, key) pairs with per-key replacement, served with ``bisect``.

Pages never scan all records: a window query bisects to the events inside it. Bulk loads append
and sort once; later edits (a seller action rewriting one order's future) remove and insort.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort


class TimeIndex:
    def __init__(self) -> None:
        self._pairs: list[tuple[int, int]] = []
        self._by_key: dict[int, list[int]] = {}
        self._dirty = False

    def bulk_add(self, key: int, times: list[int]) -> None:
        """Add without keeping order; ``seal`` sorts once at the end of a bulk load."""
        uniq = sorted(set(times))
        self._by_key.setdefault(key, []).extend(uniq)
        self._pairs.extend((t, key) for t in uniq)
        self._dirty = True

    def seal(self) -> None:
        if self._dirty:
            self._pairs.sort()
            self._dirty = False

    def replace(self, key: int, times: list[int]) -> None:
        self.seal()
        for t in self._by_key.pop(key, []):
            i = bisect_left(self._pairs, (t, key))
            if i < len(self._pairs) and self._pairs[i] == (t, key):
                del self._pairs[i]
        uniq = sorted(set(times))
        self._by_key[key] = uniq
        for t in uniq:
            insort(self._pairs, (t, key))

    def window(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Pairs with ``lo <= time <= hi``, in time order."""
        self.seal()
        i = bisect_left(self._pairs, (lo, -1))
        j = bisect_right(self._pairs, (hi, 2**62))
        return self._pairs[i:j]

    def next_after(self, ts: int) -> int | None:
        self.seal()
        i = bisect_right(self._pairs, (ts, 2**62))
        return self._pairs[i][0] if i < len(self._pairs) else None

    def first(self) -> int | None:
        self.seal()
        return self._pairs[0][0] if self._pairs else None

    def __len__(self) -> int:
        return len(self._pairs)
