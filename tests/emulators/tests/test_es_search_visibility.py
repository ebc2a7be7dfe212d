# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Near-real-time search with `--refresh-interval`: what Query Watches, `.watches/_search` and `_search`
see of a write, against what a (realtime) get sees.

Every Watcher API write refreshes `.watches` before it answers (RefreshPolicy.IMMEDIATE in
TransportPutWatchAction, TransportDeleteWatchAction, TransportActivateWatchAction and
TransportAckWatchAction); the status a recorded execution writes does not
(ExecutionService.updateWatchStatus), so searches see it after the next scheduled refresh, or at once
when the shard was search-idle (IndexShard.scheduledRefresh / ensureShardSearchActive). The clock the
shards use is a fake monotonic clock the tests move.
"""

from __future__ import annotations

import pytest
import requests

from es_emulator.app import WatcherEmulator
from es_emulator.store import RefreshSettings, WatchStore, parse_interval
from es_emulator.testing import es_client, served

TRIGGER = {"schedule": {"interval": "1h"}}
LOG = {"logging": {"text": "hello"}}
SYSTEM_INDEX_WARNING = "this request accesses system indices: [.watches]"


class Monotonic:
    """A monotonic clock the test moves (seconds)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(name="monotonic")
def fixture_monotonic():
    return Monotonic()


@pytest.fixture(name="server")
def fixture_server(monotonic):
    with served(scheduler=False, refresh_interval="1s", monotonic=monotonic) as server:
        yield server


@pytest.fixture(name="es")
def fixture_es(server):
    return es_client(server.url)


def put(es, watch_id="w", **body):
    body.setdefault("trigger", TRIGGER)
    body.setdefault("actions", {"log": LOG})
    return es.watcher.put_watch(id=watch_id, **body)


def listed(es, **options) -> dict:
    return {item["_id"]: item for item in es.watcher.query_watches(**options)["watches"]}


# --- the option --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, seconds", [("1s", 1.0), ("500ms", 0.5), ("2m", 120.0), ("-1", -1.0), ("immediate", None)])
def test_refresh_interval_values(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["0", "fast", "1x", ""])
def test_refresh_interval_refuses_other_values(text):
    with pytest.raises(ValueError):
        parse_interval(text)


def test_the_default_makes_every_write_searchable_at_once():
    app = WatcherEmulator(scheduler=False)
    assert app.refresh_settings.interval is None


# --- Watcher writes refresh --------------------------------------------------------------------
def test_watcher_writes_are_searchable_when_they_answer(es, monotonic):
    """The clock never moves: no scheduled refresh runs, so only the writes' own refreshes show them."""
    put(es, "a")
    put(es, "b")
    assert set(listed(es)) == {"a", "b"}
    es.watcher.deactivate_watch(watch_id="a")
    assert listed(es)["a"]["status"]["state"]["active"] is False
    put(es, "b", metadata={"v": 2})
    assert listed(es)["b"]["watch"]["metadata"] == {"v": 2}
    es.watcher.delete_watch(id="b")
    assert set(listed(es)) == {"a"}
    assert monotonic.now == 1000.0


def test_query_watches_shows_the_seq_no_of_what_it_found(es):
    answer = put(es, "a").body
    assert listed(es)["a"]["_seq_no"] == answer["_seq_no"]


# --- a recorded execution does not refresh -----------------------------------------------------
def test_an_executed_status_is_seen_by_get_at_once_and_by_searches_after_the_next_refresh(es, monotonic):
    put(es, "a")
    before = listed(es)["a"]
    es.watcher.execute_watch(id="a", record_execution=True)
    got = es.watcher.get_watch(id="a")
    assert "last_checked" in got["status"] and got["_seq_no"] == before["_seq_no"] + 1
    stale = listed(es)["a"]
    assert "last_checked" not in stale["status"] and stale["_seq_no"] == before["_seq_no"]
    monotonic.advance(0.5)
    assert listed(es)["a"]["_seq_no"] == before["_seq_no"]  # the next scheduled refresh has not run yet
    monotonic.advance(0.6)
    fresh = listed(es)["a"]
    assert fresh["_seq_no"] == got["_seq_no"] and fresh["status"]["last_checked"] == got["status"]["last_checked"]


def test_a_search_idle_shard_refreshes_before_the_first_search(es, monotonic):
    """After 30 s without a search the scheduled refresh is skipped; the next search refreshes first."""
    put(es, "a")
    monotonic.advance(31)
    es.watcher.execute_watch(id="a", record_execution=True)
    monotonic.advance(5)  # ticks came and went, skipped: the shard is search-idle
    assert "last_checked" in listed(es)["a"]["status"]


def test_a_search_idle_shard_does_not_wait_for_a_write_no_refresh_skipped_yet(es, monotonic):
    """ensureShardSearchActive waits only for a refresh that was skipped: a write since the last tick stays unseen."""
    put(es, "a")
    monotonic.advance(31.2)
    es.watcher.execute_watch(id="a", record_execution=True)
    assert "last_checked" not in listed(es)["a"]["status"]
    monotonic.advance(1)  # the search made the shard search-active again: the next tick refreshes
    assert "last_checked" in listed(es)["a"]["status"]


def test_the_watches_search_route_sees_the_same(es, server, monotonic):
    put(es, "a")
    es.watcher.execute_watch(id="a", record_execution=True)
    hits = requests.post(server.url + "/.watches/_search", json={}, timeout=10).json()["hits"]["hits"]
    assert "last_checked" not in hits[0]["_source"]["status"]
    monotonic.advance(1)
    hits = requests.post(server.url + "/.watches/_search", json={}, timeout=10).json()["hits"]["hits"]
    assert "last_checked" in hits[0]["_source"]["status"]


def test_refreshing_watches_by_name_shows_the_status(es, server):
    put(es, "a")
    es.watcher.execute_watch(id="a", record_execution=True)
    answer = requests.post(server.url + "/.watches/_refresh", timeout=10)
    assert answer.status_code == 200 and answer.json()["_shards"] == {"total": 1, "successful": 1, "failed": 0}
    assert SYSTEM_INDEX_WARNING in answer.headers["Warning"]
    assert "last_checked" in listed(es)["a"]["status"]


def test_refreshing_all_indices_leaves_the_hidden_watches_index_alone(es, server):
    put(es, "a")
    es.watcher.execute_watch(id="a", record_execution=True)
    assert requests.post(server.url + "/_refresh", timeout=10).status_code == 200
    assert "last_checked" not in listed(es)["a"]["status"]


def test_refreshing_watches_before_the_index_exists_is_404(server):
    answer = requests.post(server.url + "/.watches/_refresh", timeout=10)
    assert answer.status_code == 404 and answer.json()["error"]["type"] == "index_not_found_exception"


# --- documents ---------------------------------------------------------------------------------
def test_a_document_is_searchable_after_a_refresh(server, monotonic):
    url = server.url
    assert requests.put(url + "/logs/_doc/1", json={"n": 1}, timeout=10).status_code == 201
    assert requests.get(url + "/logs/_doc/1", timeout=10).json()["found"] is True  # realtime get
    assert requests.post(url + "/logs/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 0
    assert requests.post(url + "/logs/_count", json={}, timeout=10).json()["count"] == 0
    monotonic.advance(1)
    assert requests.post(url + "/logs/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 1


@pytest.mark.parametrize("refresh, forced", [("true", True), ("", True), ("wait_for", None)])
def test_refresh_parameter_of_a_write(server, refresh, forced):
    answer = requests.put(server.url + "/logs/_doc/1?refresh=" + refresh, json={"n": 1}, timeout=10).json()
    assert answer.get("forced_refresh") is forced  # DocWriteResponse writes the key only when a refresh was forced
    assert requests.post(server.url + "/logs/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 1


def test_refresh_false_is_the_default_and_an_unknown_value_is_refused(server):
    assert "forced_refresh" not in requests.put(server.url + "/logs/_doc/1?refresh=false", json={"n": 1}, timeout=10).json()
    answer = requests.put(server.url + "/logs/_doc/2?refresh=soon", json={"n": 1}, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]["reason"] == "Unknown value for refresh: [soon]."


def test_bulk_with_refresh_and_the_refresh_api(server):
    lines = '{"index": {"_index": "a", "_id": "1"}}\n{"n": 1}\n{"index": {"_index": "b", "_id": "1"}}\n{"n": 2}\n'
    items = requests.post(server.url + "/_bulk?refresh=true", data=lines, headers={"Content-Type": "application/x-ndjson"},
                          timeout=10).json()["items"]
    assert all(item["index"]["forced_refresh"] is True for item in items)
    assert requests.post(server.url + "/a,b/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 2
    requests.put(server.url + "/a/_doc/2", json={"n": 3}, timeout=10)
    assert requests.post(server.url + "/a/_refresh", timeout=10).json()["_shards"] == {"total": 2, "successful": 1, "failed": 0}
    assert requests.post(server.url + "/a/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 2


def test_an_index_with_refresh_disabled_shows_writes_only_after_a_refresh(server, monotonic):
    requests.put(server.url + "/frozen", json={"settings": {"index": {"refresh_interval": "-1"}}}, timeout=10)
    requests.put(server.url + "/frozen/_doc/1", json={"n": 1}, timeout=10)
    monotonic.advance(600)
    assert requests.post(server.url + "/frozen/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 0
    requests.post(server.url + "/frozen/_refresh", timeout=10)
    assert requests.post(server.url + "/frozen/_search", json={}, timeout=10).json()["hits"]["total"]["value"] == 1


def test_the_watch_history_is_written_without_a_refresh(es, server, monotonic):
    put(es, "a")
    es.watcher.execute_watch(id="a", record_execution=True)
    search = server.url + "/.watcher-history-*/_search"
    assert requests.post(search, json={}, timeout=10).json()["hits"]["total"]["value"] == 0
    monotonic.advance(1)
    assert requests.post(search, json={}, timeout=10).json()["hits"]["total"]["value"] == 1


# --- the shard's schedule ------------------------------------------------------------------------
def test_an_idle_shard_refreshes_on_schedule_again_once_inactive():
    """IndexShard.scheduledRefresh skips a search-idle shard only while it is active (written to in the last 5 minutes)."""
    clock = Monotonic()
    store = WatchStore(clock=clock, refresh=RefreshSettings(1.0))
    store.index("a", {"n": 1}, refresh=True)
    clock.advance(40)
    store.index("b", {"n": 2})
    clock.advance(10)
    store.index("c", {"n": 3})  # the write runs the ticks due so far: skipped, search-idle
    assert store.refresh_pending and set(store.searchable) == {"a"}
    clock.advance(301)
    store.index("d", {"n": 4})
    assert set(store.searchable) == {"a", "b", "c"} and not store.refresh_pending


def test_an_explicit_interval_turns_search_idle_off():
    clock = Monotonic()
    store = WatchStore(clock=clock, refresh=RefreshSettings(1.0, explicit=True))
    store.index("a", {"n": 1})
    clock.advance(100)
    store.index("b", {"n": 2})
    assert set(store.searchable) == {"a"}
    clock.advance(1)
    store.index("c", {"n": 3})
    assert set(store.searchable) == {"a", "b"}
