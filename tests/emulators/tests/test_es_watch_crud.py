# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every Watcher route of the emulator, driven through the official 9.x client: put/post/get/delete,
activate, deactivate, ack, query watches, start, stop, stats and the 8.8+ settings API."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests
from elasticsearch import BadRequestError, NotFoundError

from es_emulator.testing import ManualClock, es_client, served

TRIGGER = {"schedule": {"interval": "1m"}}
LOGGING = {"logging": {"text": "hello"}}


@pytest.fixture(name="clock")
def fixture_clock():
    return ManualClock(datetime(2025, 5, 26, 18, 21, 8, 630000, tzinfo=timezone.utc))


@pytest.fixture(name="server")
def fixture_server(clock):
    with served(clock=clock) as server:
        yield server


@pytest.fixture(name="es")
def fixture_es(server):
    return es_client(server.url)


def put(es, watch_id="w1", **body):
    body.setdefault("trigger", TRIGGER)
    return es.watcher.put_watch(id=watch_id, **body)


# --- put / get / delete ----------------------------------------------------------------------------
def test_put_creates_with_201_then_updates_with_200(es):
    created = put(es, actions={"log": LOGGING})
    assert created.meta.status == 201
    assert list(created.body) == ["_id", "_version", "_seq_no", "_primary_term", "created"]
    assert created.body == {"_id": "w1", "_version": 1, "_seq_no": 0, "_primary_term": 1, "created": True}
    updated = put(es, actions={"log": LOGGING})
    assert updated.meta.status == 200
    assert updated.body == {"_id": "w1", "_version": 2, "_seq_no": 1, "_primary_term": 1, "created": False}


def test_post_is_the_same_as_put(server):
    answer = requests.post(server.url + "/_watcher/watch/posted", json={"trigger": TRIGGER}, timeout=10)
    assert answer.status_code == 201 and answer.json()["created"] is True
    assert es_client(server.url).watcher.get_watch(id="posted")["found"] is True


def test_get_returns_found_ids_counters_status_and_watch_in_order(es):
    put(es, actions={"log": LOGGING}, metadata={"team": "ops"})
    answer = es.watcher.get_watch(id="w1")
    assert list(answer.body) == ["found", "_id", "_version", "_seq_no", "_primary_term", "status", "watch"]
    assert answer["found"] is True and answer["_id"] == "w1" and answer["_version"] == 1
    stamp = "2025-05-26T18:21:08.630Z"
    assert answer["status"] == {
        "state": {"active": True, "timestamp": stamp},
        "actions": {"log": {"ack": {"timestamp": stamp, "state": "awaits_successful_execution"}}},
        "version": 1,
    }
    assert answer["watch"] == {
        "trigger": TRIGGER, "input": {"none": {}}, "condition": {"always": {}},
        "actions": {"log": {"logging": {"level": "info", "text": "hello"}}}, "metadata": {"team": "ops"},
    }


def test_get_missing_watch_is_404_found_false(es):
    with pytest.raises(NotFoundError) as caught:
        es.watcher.get_watch(id="nope")
    assert caught.value.body == {"found": False, "_id": "nope"}


def test_delete_then_delete_again(es):
    put(es)
    deleted = es.watcher.delete_watch(id="w1")
    assert deleted.body == {"_id": "w1", "_version": 2, "found": True}
    with pytest.raises(NotFoundError) as caught:
        es.watcher.delete_watch(id="w1")
    assert caught.value.body["found"] is False and caught.value.body["_id"] == "w1"
    with pytest.raises(NotFoundError):
        es.watcher.get_watch(id="w1")


def test_put_after_delete_creates_again_and_keeps_counting_versions(es):
    put(es)
    es.watcher.delete_watch(id="w1")
    again = put(es)
    assert again.meta.status == 201 and again["created"] is True
    assert again["_version"] == 3  # the delete tombstone keeps the version (index.gc_deletes)


def test_put_rejects_whitespace_id_and_missing_body(server, es):
    with pytest.raises(BadRequestError) as caught:
        put(es, watch_id="has space")
    assert caught.value.body["error"]["type"] == "action_request_validation_exception"
    assert caught.value.body["error"]["reason"] == "Validation Failed: 1: watch id contains whitespace;"
    answer = requests.put(server.url + "/_watcher/watch/empty", timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["reason"] == "Validation Failed: 1: request body is missing;"


def test_put_rejects_unknown_top_level_field_and_missing_trigger(es):
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w1", body={"trigger": TRIGGER, "bogus": 1})
    assert caught.value.body["error"]["type"] == "parse_exception"
    assert caught.value.body["error"]["reason"] == "could not parse watch [w1]. unexpected field [bogus]"
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w1", body={"actions": {}})
    assert caught.value.body["error"]["reason"] == "could not parse watch [w1]. missing required field [trigger]"


def test_put_rejects_bad_schedule_and_bad_webhook(es):
    with pytest.raises(BadRequestError) as caught:
        es.watcher.put_watch(id="w1", trigger={"schedule": {"interval": "1m"}, "timezone": "Mars/Olympus"})
    assert caught.value.body["error"]["type"] == "parse_exception"
    with pytest.raises(BadRequestError) as caught:
        put(es, actions={"hook": {"webhook": {"path": "/x"}}})
    error = caught.value.body["error"]
    assert error["reason"] == "could not parse [webhook] action [w1/hook]. failed parsing http request template"
    assert error["caused_by"]["reason"] == "could not parse http request template. missing required [host] string field"


# --- activate / deactivate -------------------------------------------------------------------------
def test_deactivate_and_activate_change_state_timestamp_and_version(es, clock):
    put(es)
    clock.tick(5)
    answer = es.watcher.deactivate_watch(watch_id="w1")
    assert answer["status"]["state"] == {"active": False, "timestamp": "2025-05-26T18:21:13.630Z"}
    assert answer["status"]["version"] == 2
    assert es.watcher.get_watch(id="w1")["status"]["state"]["active"] is False
    clock.tick(5)
    again = es.watcher.activate_watch(watch_id="w1")
    assert again["status"]["state"] == {"active": True, "timestamp": "2025-05-26T18:21:18.630Z"}
    assert again["status"]["version"] == 3


def test_activating_an_active_watch_still_writes(es, clock):
    put(es)
    clock.tick()
    assert es.watcher.activate_watch(watch_id="w1")["status"]["version"] == 2


def test_activate_post_route_and_missing_watch(server, es):
    put(es)
    answer = requests.post(server.url + "/_watcher/watch/w1/_deactivate", timeout=10)
    assert answer.status_code == 200 and answer.json()["status"]["state"]["active"] is False
    for call in (es.watcher.activate_watch, es.watcher.deactivate_watch):
        with pytest.raises(NotFoundError):
            call(watch_id="missing")


def test_put_active_false_stores_an_inactive_watch(es):
    es.watcher.put_watch(id="w1", trigger=TRIGGER, active=False)
    assert es.watcher.get_watch(id="w1")["status"]["state"]["active"] is False


# --- ack -------------------------------------------------------------------------------------------
def _ackable_state(tmp_path, clock) -> str:
    """A state file holding a watch whose actions a real execution made ackable."""
    stamp = "2025-05-26T18:00:00.000Z"
    with served(clock=clock) as server:
        put(es_client(server.url), actions={"a": LOGGING, "b": LOGGING, "c": LOGGING})
        state = server.app.state_to_dict()
    for item in state["watches"]["docs"]:
        for action in item["_source"]["status"]["actions"].values():
            action["ack"] = {"timestamp": stamp, "state": "ackable"}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    return str(path)


def test_ack_all_actions(tmp_path, clock):
    with served(clock=clock, data_file=_ackable_state(tmp_path, clock)) as server:
        es = es_client(server.url)
        answer = es.watcher.ack_watch(watch_id="w1")
        states = {name: action["ack"]["state"] for name, action in answer["status"]["actions"].items()}
        assert states == {"a": "acked", "b": "acked", "c": "acked"}
        assert answer["status"]["version"] == 1  # the version the watch had when the ack read it
        after = es.watcher.get_watch(id="w1")
        assert after["_version"] == 2
        assert all(action["ack"]["state"] == "acked" for action in after["status"]["actions"].values())


def test_ack_listed_actions_only(tmp_path, clock):
    with served(clock=clock, data_file=_ackable_state(tmp_path, clock)) as server:
        es = es_client(server.url)
        answer = es.watcher.ack_watch(watch_id="w1", action_id="a,c")
        states = {name: action["ack"]["state"] for name, action in answer["status"]["actions"].items()}
        assert states == {"a": "acked", "b": "ackable", "c": "acked"}
        assert es.watcher.get_watch(id="w1")["status"]["actions"]["b"]["ack"]["state"] == "ackable"
        single = requests.post(server.url + "/_watcher/watch/w1/_ack/b", timeout=10)
        assert single.status_code == 200 and single.json()["status"]["actions"]["b"]["ack"]["state"] == "acked"


def test_ack_without_ackable_actions_writes_nothing(es):
    put(es, actions={"a": LOGGING})
    answer = es.watcher.ack_watch(watch_id="w1")
    assert answer["status"]["actions"]["a"]["ack"]["state"] == "awaits_successful_execution"
    assert es.watcher.get_watch(id="w1")["_version"] == 1


def test_ack_missing_watch_is_404(es):
    put(es, watch_id="other")
    with pytest.raises(NotFoundError) as caught:
        es.watcher.ack_watch(watch_id="missing")
    assert caught.value.body["error"]["type"] == "resource_not_found_exception"
    assert caught.value.body["error"]["reason"] == "Watch with id [missing] does not exist"


# --- query watches ---------------------------------------------------------------------------------
@pytest.fixture(name="five")
def fixture_five(es):
    # These tests sort on _id, which 8.x and 9.x clusters refuse unless the setting is on (README, "Sorting on _id").
    es.cluster.put_settings(transient={"indices.id_field_data.enabled": True})
    for number in range(5):
        put(es, watch_id="w%d" % number, metadata={"team": "ops" if number % 2 else "dev", "rank": number})
    return es


def _ids(answer) -> list:
    return [item["_id"] for item in answer["watches"]]


def test_query_watches_lists_items_without_version(five):
    answer = five.watcher.query_watches()
    assert answer["count"] == 5
    item = answer["watches"][0]
    assert set(item) == {"_id", "watch", "status", "_seq_no", "_primary_term"}
    assert item["status"]["version"] == -1


def test_query_watches_from_size_and_sort(five):
    page = five.watcher.query_watches(sort=[{"_id": "desc"}], from_=1, size=2)
    assert page["count"] == 5 and _ids(page) == ["w3", "w2"]
    by_rank = five.watcher.query_watches(sort=[{"metadata.rank": {"order": "asc"}}])
    assert _ids(by_rank) == ["w0", "w1", "w2", "w3", "w4"]


def test_query_watches_query_on_id_and_metadata(five):
    ops = five.watcher.query_watches(query={"term": {"metadata.team": "ops"}}, sort=[{"_id": "asc"}])
    assert ops["count"] == 2 and _ids(ops) == ["w1", "w3"]
    some = five.watcher.query_watches(query={"ids": {"values": ["w0", "w4", "zz"]}}, sort=[{"_id": "asc"}])
    assert _ids(some) == ["w0", "w4"]
    one = five.watcher.query_watches(query={"term": {"_id": "w2"}})
    assert _ids(one) == ["w2"]


def test_query_watches_search_after(five):
    first = five.watcher.query_watches(sort=[{"_id": "asc"}], size=2)
    assert _ids(first) == ["w0", "w1"]
    second = five.watcher.query_watches(sort=[{"_id": "asc"}], size=2, search_after=["w1"])
    assert _ids(second) == ["w2", "w3"]
    with pytest.raises(BadRequestError):
        five.watcher.query_watches(search_after=["w1"])  # search_after needs a sort


def test_query_watches_get_route(server, five):
    answer = requests.get(server.url + "/_watcher/_query/watches", timeout=10)
    assert answer.status_code == 200 and answer.json()["count"] == 5
    assert five.watcher.query_watches(size=0)["watches"] == []


# --- the service: start, stop, stats ---------------------------------------------------------------
def test_stop_start_and_stats(es):
    put(es)
    es.watcher.put_watch(id="idle", trigger=TRIGGER, active=False)
    stats = es.watcher.stats()
    assert stats["manually_stopped"] is False
    node = stats["stats"][0]
    assert node["watcher_state"] == "started" and node["watch_count"] == 1  # active watches only
    assert set(stats["_nodes"]) == {"total", "successful", "failed"}
    assert es.watcher.stop().body == {"acknowledged": True}
    stopped = es.watcher.stats()
    assert stopped["manually_stopped"] is True and stopped["stats"][0]["watcher_state"] == "stopped"
    assert es.watcher.start().body == {"acknowledged": True}
    assert es.watcher.stats()["stats"][0]["watcher_state"] == "started"


def test_stats_metrics(es):
    node = es.watcher.stats(metric="_all")["stats"][0]
    assert node["current_watches"] == [] and node["queued_watches"] == []
    only_current = es.watcher.stats(metric="current_watches")["stats"][0]
    assert "current_watches" in only_current and "queued_watches" not in only_current
    assert "current_watches" not in es.watcher.stats()["stats"][0]


# --- settings (8.8+) -------------------------------------------------------------------------------
def test_settings_get_and_update(es):
    assert es.watcher.get_settings().body == {}  # no .watches index yet
    put(es)
    assert es.watcher.get_settings().body == {"index": {"auto_expand_replicas": "0-1", "number_of_replicas": "0"}}
    assert es.watcher.update_settings(index_auto_expand_replicas="0-all").body == {"acknowledged": True}
    assert es.watcher.get_settings()["index"]["auto_expand_replicas"] == "0-all"
    es.watcher.update_settings(body={"index.auto_expand_replicas": None, "index.number_of_replicas": 1})
    assert es.watcher.get_settings().body == {"index": {"number_of_replicas": "1"}}


def test_settings_refuse_other_settings(es):
    put(es)
    with pytest.raises(BadRequestError) as caught:
        es.watcher.update_settings(body={"index.blocks.write": True})
    assert caught.value.body["error"]["type"] == "action_request_validation_exception"
    assert caught.value.body["error"]["reason"].startswith("Validation Failed: 1: illegal settings: [index.blocks.write]")
    with pytest.raises(BadRequestError):
        es.watcher.update_settings(body={"index.routing.allocation.include._tier_preference": "data_hot"})
    es.watcher.update_settings(body={"index.routing.allocation.include.role": "watcher"})
    assert es.watcher.get_settings()["index"]["routing"]["allocation"]["include"]["role"] == "watcher"


def test_settings_update_without_watches_index_is_404(es):
    with pytest.raises(NotFoundError) as caught:
        es.watcher.update_settings(index_number_of_replicas=1)
    assert caught.value.body["error"]["reason"] == "no Watches found on which to modify settings"


def test_settings_routes_do_not_exist_before_8_8():
    with served(version="8.7.0") as server:
        answer = requests.get(server.url + "/_watcher/settings", headers={"Accept": "application/json"}, timeout=10)
        assert answer.status_code == 400
        assert answer.json()["error"] == "no handler found for uri [/_watcher/settings] and method [GET]"
