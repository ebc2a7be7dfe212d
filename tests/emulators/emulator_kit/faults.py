# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: make a share of requests fail the way real networks and servers fail,
so that retries, timeouts and error messages can be exercised against the emulators."""

from __future__ import annotations

import random
import re
import socket
import struct
import threading
import time

STATUS_KINDS = {"429": 429, "500": 500, "502": 502, "503": 503, "504": 504}
KINDS = frozenset(STATUS_KINDS) | {"reset", "delay", "timeout"}


class FaultConfigError(ValueError):
    """A fault configuration that cannot be applied; the message says which field and why."""


class Fault:
    """One decision: what to do to this request instead of (or before) answering it."""

    def __init__(self, kind: str, delay_seconds: float = 0.0):
        self.kind = kind
        self.delay_seconds = delay_seconds

    @property
    def status(self) -> int | None:
        return STATUS_KINDS.get(self.kind)


class FaultInjector:
    """Decides per request whether to inject a fault.

    Configuration (JSON, at start-up with --faults or at run time with POST /_emulator/faults):
      rate      share of matching requests that fail, 0..1 (default 0: off)
      kinds     list drawn from uniformly: 429 500 502 503 504 reset delay timeout
      routes    optional regular expressions; a request matches when "METHOD /path" matches one
      methods   optional list of HTTP methods the faults apply to
      count     optional: stop after injecting this many faults
      delay_ms  for "delay": how long to wait before handling the request (default 200)
      timeout_s for "timeout": the request is handled at once, its answer held back this long (default 30),
                so a client that gives up earlier never learns that the server acted
      seed      optional random seed, for repeatable runs
    """

    def __init__(self, config: dict | None = None):
        self._lock = threading.Lock()
        self.configure(config or {})

    def configure(self, config: dict) -> None:
        rate = config.get("rate", 0)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise FaultConfigError("rate must be a number between 0 and 1, got %r" % (rate,))
        kinds = [str(kind) for kind in config.get("kinds", ["503"])]
        unknown = sorted(set(kinds) - KINDS)
        if unknown or not kinds:
            raise FaultConfigError("kinds must be a non-empty list of %s; unknown: %s" % (", ".join(sorted(KINDS)), ", ".join(unknown)))
        try:
            routes = [re.compile(pattern) for pattern in config.get("routes", [])]
        except re.error as error:
            raise FaultConfigError("routes must be regular expressions: %s" % error) from error
        count = config.get("count")
        if count is not None and (not isinstance(count, int) or count < 0):
            raise FaultConfigError("count must be a non-negative integer, got %r" % (count,))
        with self._lock:
            self._config = {
                "rate": rate,
                "kinds": kinds,
                "routes": [route.pattern for route in routes],
                "methods": [method.upper() for method in config.get("methods", [])],
                "count": count,
                "delay_ms": float(config.get("delay_ms", 200)),
                "timeout_s": float(config.get("timeout_s", 30)),
                "seed": config.get("seed"),
            }
            self._routes = routes
            self._random = random.Random(config.get("seed"))
            self._injected = 0

    def describe(self) -> dict:
        with self._lock:
            return dict(self._config, injected=self._injected)

    def decide(self, method: str, path: str) -> Fault | None:
        with self._lock:
            config = self._config
            if not config["rate"]:
                return None
            if config["count"] is not None and self._injected >= config["count"]:
                return None
            if config["methods"] and method not in config["methods"]:
                return None
            target = "%s %s" % (method, path)
            if self._routes and not any(route.search(target) for route in self._routes):
                return None
            if self._random.random() >= config["rate"]:
                return None
            self._injected += 1
            kind = self._random.choice(config["kinds"])
        if kind == "delay":
            return Fault(kind, config["delay_ms"] / 1000.0)
        if kind == "timeout":
            return Fault(kind, config["timeout_s"])
        return Fault(kind)


def reset_connection(environ: dict) -> None:
    """Abort the client's TCP connection with a RST, as a crashed proxy or server would."""
    connection = environ.get("werkzeug.socket")
    if connection is None:
        return
    # SO_LINGER with a zero timeout makes the final close a reset instead of an orderly FIN;
    # shutdown() ends the exchange now, before any byte of a response is written.
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.shutdown(socket.SHUT_RDWR)
    # werkzeug treats a ConnectionError from the application as a dropped client: it writes
    # nothing more and closes the socket.
    raise ConnectionAbortedError("injected fault: connection reset")


def stall(fault: Fault) -> None:
    time.sleep(fault.delay_seconds)
