# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request counters, so tests can prove that check mode writes nothing and benchmarks can count calls."""

from __future__ import annotations

import threading
from collections import Counter

READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


class RequestStats:
    """Thread-safe totals of API requests, by method and by route (the route's pattern, not its URL).

    A write is any request with a method other than GET/HEAD/OPTIONS, whether or not it succeeded:
    "check mode writes nothing" means no such request reached the server at all. Routes that
    only search or read with POST (for example `_watcher/_query/watches`) are declared read-only
    by the emulator through `read_only_routes`.
    """

    def __init__(self, read_only_routes: frozenset[str] = frozenset()):
        self._lock = threading.Lock()
        self._read_only_routes = read_only_routes
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._writes = 0
            self._by_method: Counter[str] = Counter()
            self._by_route: Counter[str] = Counter()
            self._writes_by_route: Counter[str] = Counter()
            self._by_status: Counter[str] = Counter()

    def record(self, method: str, route: str, status: int) -> None:
        is_write = method not in READ_METHODS and route not in self._read_only_routes
        key = "%s %s" % (method, route)
        with self._lock:
            self._requests += 1
            self._by_method[method] += 1
            self._by_route[key] += 1
            self._by_status[str(status)] += 1
            if is_write:
                self._writes += 1
                self._writes_by_route[key] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": self._requests,
                "writes": self._writes,
                "by_method": dict(self._by_method),
                "by_route": dict(self._by_route),
                "writes_by_route": dict(self._writes_by_route),
                "by_status": dict(self._by_status),
            }
