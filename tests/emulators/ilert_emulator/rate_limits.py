# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iLert's rate limits: fixed one-minute windows per client IP, per API key and, for events, per
integration key. Over the limit the answer is 429 until the window ends, with no Retry-After."""

from __future__ import annotations

import threading
import time

# Requests per window, as iLert documents them (developer docs, "alert source throttle").
DOCUMENTED = {"ip": 700, "api_key": 120, "integration_key": 50}


class RateLimits:
    """Counts requests per (scope, key) in fixed windows aligned to the clock; off unless enabled."""

    def __init__(self, enabled: bool = False, limits: dict | None = None, window: float = 60.0, clock=time.time):
        unknown = sorted(set(limits or {}) - set(DOCUMENTED))
        if unknown:
            raise ValueError("unknown rate limit scope(s): %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(DOCUMENTED))))
        if window <= 0:
            raise ValueError("the rate limit window must be positive, got %r" % (window,))
        self.enabled = enabled
        self.limits = dict(DOCUMENTED, **(limits or {}))
        self.window = float(window)
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}

    def allow(self, scope: str, key: str) -> bool:
        """Count one request; False when it goes over the scope's limit in the current window."""
        if not self.enabled:
            return True
        window = int(self.clock() // self.window)
        with self._lock:
            seen_window, count = self._counts.get((scope, key), (window, 0))
            if seen_window != window:
                count = 0
            count += 1
            self._counts[(scope, key)] = (window, count)
        return count <= self.limits[scope]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def describe(self) -> dict:
        return {"enabled": self.enabled, "window_seconds": self.window, "limits": dict(self.limits)}
