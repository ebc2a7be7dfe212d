# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Concurrent requests, as a module writing several watches at once sends them: werkzeug serves each on its
own thread, the state lock makes every Watcher action atomic (a shard applies one operation at a time:
one `_seq_no` each, versions in order), compare-and-set lets exactly one of several writers win, and
the request counters and the `--data` file stay exact."""

from __future__ import annotations

import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import requests

from es_emulator.testing import served, stats

TRIGGER = {"schedule": {"interval": "1h"}}


class TickingClock:
    """Every reading a millisecond later, so no two activations write the same timestamp (which would be a noop)."""

    def __init__(self):
        self._ticks = itertools.count()
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=next(self._ticks))


def fire(calls: list) -> list:
    """Send every (method, url, json) at the same moment, one thread each; the responses in order."""
    start = threading.Barrier(len(calls))

    def send(call):
        method, url, body = call
        start.wait()
        return requests.request(method, url, json=body, timeout=30)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def test_fifty_concurrent_requests_keep_state_and_counters_exact():
    with served(scheduler=False, clock=TickingClock()) as server:
        url = server.url + "/_watcher/watch/"
        assert requests.put(url + "shared", json={"trigger": TRIGGER}, timeout=10).status_code == 201
        calls = [("PUT", url + "w%02d" % number, {"trigger": TRIGGER}) for number in range(20)]
        calls += [("PUT", url + "shared", {"trigger": TRIGGER, "metadata": {"n": number}}) for number in range(10)]
        calls += [("POST", url + "shared/" + ("_activate" if number % 2 else "_deactivate"), None) for number in range(10)]
        calls += [("GET", url + "shared", None) for dummy in range(10)]
        answers = fire(calls)

        assert [answer.status_code for answer in answers] == [201] * 20 + [200] * 30
        puts = [answer.json() for answer in answers[:30]]
        # one operation at a time on the shard: every write got its own sequence number
        assert len({answer["_seq_no"] for answer in puts}) == 30
        assert len({answer["_version"] for answer in puts[20:]}) == 10  # the writes to one watch were applied one after another
        gets = [answer.json() for answer in answers[40:]]
        assert all(answer["found"] and answer["_id"] == "shared" for answer in gets)

        shared = requests.get(url + "shared", timeout=10).json()
        assert shared["_version"] == 1 + 10 + 10  # the first PUT, ten PUTs, ten (de)activations
        assert server.app.store.max_seq_no == 1 + 20 + 10 + 10 - 1  # 41 operations: sequence numbers 0 to 40
        assert requests.put(url + "next", json={"trigger": TRIGGER}, timeout=10).json()["_seq_no"] == 41
        listing = requests.post(server.url + "/_watcher/_query/watches", json={"size": 100}, timeout=10).json()
        assert listing["count"] == 22

        counted = stats(server.url)
        assert counted["requests"] == 1 + 50 + 3 and counted["writes"] == 1 + 40 + 1
        assert counted["by_route"]["PUT /_watcher/watch/<id>"] == 32
        assert counted["by_route"]["GET /_watcher/watch/<id>"] == 11
        assert counted["by_route"]["POST /_watcher/watch/<watch_id>/_activate"] == 5
        assert counted["by_route"]["POST /_watcher/watch/<watch_id>/_deactivate"] == 5
        assert counted["by_status"] == {"201": 22, "200": 32}


def test_compare_and_set_lets_exactly_one_concurrent_writer_win():
    with served(scheduler=False) as server:
        url = server.url + "/_watcher/watch/cas"
        first = requests.put(url, json={"trigger": TRIGGER}, timeout=10).json()
        guarded = "%s?if_seq_no=%d&if_primary_term=%d" % (url, first["_seq_no"], first["_primary_term"])
        answers = fire([("PUT", guarded, {"trigger": TRIGGER, "metadata": {"writer": number}}) for number in range(20)])
        assert sorted(answer.status_code for answer in answers) == [200] + [409] * 19
        conflicts = [answer.json()["error"] for answer in answers if answer.status_code == 409]
        assert {error["type"] for error in conflicts} == {"version_conflict_engine_exception"}
        winner = next(answer.json() for answer in answers if answer.status_code == 200)
        stored = requests.get(url, timeout=10).json()
        assert stored["_version"] == 2 and stored["_seq_no"] == winner["_seq_no"] == first["_seq_no"] + 1


def test_concurrent_deletes_of_one_watch_find_it_once():
    with served(scheduler=False) as server:
        url = server.url + "/_watcher/watch/gone"
        requests.put(url, json={"trigger": TRIGGER}, timeout=10)
        answers = fire([("DELETE", url, None) for dummy in range(10)])
        assert sorted(answer.status_code for answer in answers) == [200] + [404] * 9
        assert sum(answer.json()["found"] for answer in answers) == 1
        assert len({answer.json()["_version"] for answer in answers}) == 10  # each delete is an operation of its own


def test_the_data_file_holds_the_last_state_after_concurrent_writes(tmp_path):
    data = tmp_path / "state.json"
    with served(scheduler=False, data_file=str(data)) as server:
        url = server.url + "/_watcher/watch/"
        answers = fire([("PUT", url + "w%02d" % number, {"trigger": TRIGGER}) for number in range(50)])
        assert {answer.status_code for answer in answers} == {201}
    saved = json.loads(data.read_text(encoding="utf-8"))
    assert len(saved["watches"]["docs"]) == 50 and saved["watches"]["max_seq_no"] == 49
