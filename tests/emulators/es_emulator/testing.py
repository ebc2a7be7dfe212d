# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for tests that drive the emulator in-process: a served emulator, a client, the control routes."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import requests

from emulator_kit.server import BackgroundServer

from .app import WatcherEmulator


@contextmanager
def served(**options):
    """An emulator (options as for WatcherEmulator) on a free port; yields the BackgroundServer (`.url`, `.app`).

    The scheduler is stopped when the block ends.
    """
    app = WatcherEmulator(**options)
    try:
        with BackgroundServer(app) as server:
            yield server
    finally:
        app.close()


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.02):
    """Poll `predicate` until it returns something truthy (returned) or `timeout` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.1f s" % timeout)
        time.sleep(interval)


def es_client(url: str, **options):
    """The official client, without retries unless asked for, and without waiting long."""
    from elasticsearch import Elasticsearch  # pylint: disable=import-outside-toplevel

    options.setdefault("max_retries", 0)
    options.setdefault("request_timeout", 10)
    return Elasticsearch(url, **options)


def control(url: str, name: str, method: str = "GET", body=None) -> dict:
    answer = requests.request(method, url + "/_emulator/" + name, json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def reset(url: str) -> None:
    control(url, "reset", "POST")


def stats(url: str) -> dict:
    return control(url, "stats")


class ManualClock:
    """A clock a test moves by hand (``served(clock=ManualClock(start))``), so timestamps are predictable."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)
