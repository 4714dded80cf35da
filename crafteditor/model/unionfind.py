"""Union-find over the integers 0..n-1, for grouping things that touch.

Merge by size (ties keep the root that came first), find by path halving.
``subsets`` lists the groups in the order of their first member, each built
by walking a circular list of its members, as ``scipy``'s ``DisjointSet``
does, so callers iterating a group see its members in the same order; it
costs none of ``scipy.cluster``'s import time.
"""

from __future__ import annotations


class DisjointSet:
    def __init__(self, n: int) -> None:
        self._parent = list(range(n))
        self._size = [1] * n
        self._next = list(range(n))  # circular list of each group's members

    def find(self, x: int) -> int:
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def connected(self, x: int, y: int) -> bool:
        return self.find(x) == self.find(y)

    def merge(self, x: int, y: int) -> bool:
        """Join the groups of ``x`` and ``y``; False when they were one already."""
        xr, yr = self.find(x), self.find(y)
        if xr == yr:
            return False
        if (self._size[xr], yr) < (self._size[yr], xr):
            xr, yr = yr, xr
        self._parent[yr] = xr
        self._size[xr] += self._size[yr]
        self._next[xr], self._next[yr] = self._next[yr], self._next[xr]
        return True

    def subset(self, x: int) -> set[int]:
        members = [x]
        k = self._next[x]
        while k != x:
            members.append(k)
            k = self._next[k]
        return set(members)

    def subsets(self) -> list[set[int]]:
        out: list[set[int]] = []
        seen: set[int] = set()
        for x in range(len(self._parent)):
            if x not in seen:
                group = self.subset(x)
                seen.update(group)
                out.append(group)
        return out
