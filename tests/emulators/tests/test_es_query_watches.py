# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Query Watches as TransportQueryWatchesAction runs it: a search of `.watches` (lenient when the index is
missing), its request parser (QueryWatchesAction.Request), the shard's checks (field data on `_id`,
`search_after`, the result window) and what the `.watches` mapping indexes."""

from __future__ import annotations

import copy

import pytest
import requests
from elasticsearch import BadRequestError

from es_emulator.testing import es_client, served

TRIGGER = {"schedule": {"interval": "1h"}}
DISALLOWED = ("Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: "
              "indices.id_field_data.enabled")
DEPRECATED = "Loading the fielddata on the _id field is deprecated and will be removed in future versions."
WINDOW = ("Result window is too large, from + size must be less than or equal to: [10000] but was [10005]. See the scroll api for a "
          "more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index "
          "level setting.")


def put(es, watch_id, **body):
    body.setdefault("trigger", TRIGGER)
    es.watcher.put_watch(id=watch_id, **body)


def ids(answer) -> list:
    return [item["_id"] for item in answer["watches"]]


def shard_failure(error: BadRequestError) -> dict:
    """The envelope of an exception a shard threw: search_phase_execution_exception, all shards failed."""
    body = error.body["error"]
    assert error.meta.status == 400
    assert body["type"] == "search_phase_execution_exception" and body["reason"] == "all shards failed"
    assert body["phase"] == "query" and body["grouped"] is True
    assert body["failed_shards"][0]["index"] == ".watches"
    assert body["root_cause"] == [body["failed_shards"][0]["reason"]]
    if body["root_cause"][0]["type"] == "illegal_argument_exception":
        # the search phase's cause: ElasticsearchException.guessRootCauses' wrapper, caused by the exception itself
        cause = {"type": "illegal_argument_exception", "reason": body["root_cause"][0]["reason"]}
        assert body["caused_by"] == dict(cause, caused_by=cause)
    return body["root_cause"][0]


@pytest.fixture(name="faithful")
def fixture_faithful():
    """A 9.x emulator with the node's own default for indices.id_field_data.enabled (false since 8.0)."""
    with served(scheduler=False, id_field_data="version") as server:
        yield server


@pytest.fixture(name="es9")
def fixture_es9(faithful):
    return es_client(faithful.url)


# --- sorting on _id ------------------------------------------------------------------------------
def test_sorting_on_id_is_refused_from_8_0(es9):
    for number in range(3):
        put(es9, "w%d" % number)
    with pytest.raises(BadRequestError) as caught:
        es9.watcher.query_watches(sort=[{"_id": {"order": "asc"}}])
    assert shard_failure(caught.value) == {"type": "illegal_argument_exception", "reason": DISALLOWED}


def test_sorting_on_id_is_refused_on_an_empty_index_too(es9):
    put(es9, "w")
    es9.watcher.delete_watch(id="w")
    with pytest.raises(BadRequestError):
        es9.watcher.query_watches(sort=[{"_id": "desc"}])


def test_no_watches_index_no_shard_no_failure(es9):
    """IndicesOptions.lenientExpandOpen: without `.watches` the search has no shard to fail on."""
    assert es9.watcher.query_watches(sort=[{"_id": "asc"}], from_=9999, size=10).body == {"count": 0, "watches": []}


def test_without_sort_the_listing_is_in_index_order(es9):
    for watch_id in ("c", "a", "b"):
        put(es9, watch_id)
    assert ids(es9.watcher.query_watches()) == ["c", "a", "b"]
    assert ids(es9.watcher.query_watches(query={"ids": {"values": ["b", "c"]}})) == ["c", "b"]


def test_the_cluster_setting_turns_field_data_on_id_back_on(es9, faithful):
    for number in (2, 0, 1):
        put(es9, "w%d" % number)
    es9.cluster.put_settings(persistent={"indices.id_field_data.enabled": True})
    answer = es9.watcher.query_watches(sort=[{"_id": "asc"}])
    assert ids(answer) == ["w0", "w1", "w2"]
    assert "warning" not in {key.lower() for key in answer.meta.headers}  # the search runs with the Watcher origin
    direct = requests.post(faithful.url + "/.watches/_search", json={"sort": [{"_id": "asc"}]}, timeout=10)
    assert [hit["_id"] for hit in direct.json()["hits"]["hits"]] == ["w0", "w1", "w2"]
    assert DEPRECATED in direct.headers["Warning"]
    es9.cluster.put_settings(transient={"indices.id_field_data.enabled": False})
    with pytest.raises(BadRequestError):
        es9.watcher.query_watches(sort=[{"_id": "asc"}])


def test_a_document_search_sorting_on_id_is_refused_too(faithful):
    requests.put(faithful.url + "/logs/_doc/1?refresh=true", json={"n": 1}, timeout=10)
    answer = requests.post(faithful.url + "/logs/_search", json={"sort": [{"_id": "asc"}]}, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["root_cause"][0] == {"type": "illegal_argument_exception", "reason": DISALLOWED}


def test_7_17_sorts_on_id():
    """Until 8.0 indices.id_field_data.enabled defaulted to true (IdFieldMapper logs a deprecation when it is used)."""
    with served(scheduler=False, version="7.17.28", id_field_data="version") as server:
        for number in (1, 0):
            requests.put(server.url + "/_watcher/watch/w%d" % number, json={"trigger": TRIGGER}, timeout=10)
        answer = requests.post(server.url + "/_watcher/_query/watches", json={"sort": [{"_id": "asc"}]}, timeout=10)
        assert ids(answer.json()) == ["w0", "w1"] and "Warning" not in answer.headers
        direct = requests.post(server.url + "/.watches/_search", json={"sort": [{"_id": "asc"}]}, timeout=10)
        assert direct.status_code == 200 and DEPRECATED in direct.headers["Warning"]


@pytest.mark.parametrize("version, sortable", [("7.17.0", True), ("8.19.0", False), ("9.1.0", False)])
def test_by_default_sorting_on_id_works_as_on_the_release(version, sortable):
    """`--id-field-data` defaults to `version` (README, "Sorting on _id"): sortable on 7.17, refused from 8.0."""
    with served(scheduler=False, version=version) as server:
        for watch_id in ("b", "a"):  # plain HTTP: the 9.x client speaks only to 9.x
            requests.put(server.url + "/_watcher/watch/" + watch_id, json={"trigger": {"schedule": {"interval": "1h"}}},
                         timeout=10).raise_for_status()
        answer = requests.post(server.url + "/_watcher/_query/watches", json={"sort": [{"_id": "asc"}]}, timeout=10)
        if sortable:
            assert answer.status_code == 200 and [item["_id"] for item in answer.json()["watches"]] == ["a", "b"]
        else:
            assert answer.status_code == 400
            assert answer.json()["error"]["root_cause"][0]["reason"].startswith("Fielddata access on the _id field is disallowed")


# --- the request parser --------------------------------------------------------------------------
def test_sort_is_an_array_of_objects(es9):
    put(es9, "w")
    with pytest.raises(BadRequestError) as caught:
        es9.watcher.query_watches(sort=["metadata.n"])
    assert caught.value.body["error"]["type"] == "x_content_parse_exception"
    assert caught.value.body["error"]["reason"] == "[query_watches_request] failed to parse field [sort]"


def test_search_after_needs_at_least_one_value(es9):
    put(es9, "w")
    with pytest.raises(BadRequestError) as caught:
        es9.watcher.query_watches(sort=[{"metadata.n": "asc"}], search_after=[])
    assert caught.value.body["error"]["reason"] == "[query_watches_request] failed to parse field [search_after]"


@pytest.mark.parametrize("version, reason", [("9.1.0", "[from] parameter cannot be negative but was [-1]"),
                                             ("7.17.28", "[from] parameter cannot be negative")])
def test_a_negative_from_is_refused_by_the_search_source(version, reason):
    with served(scheduler=False, version=version) as server:
        answer = requests.post(server.url + "/_watcher/_query/watches", json={"from": -1}, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"]["type"] == "illegal_argument_exception"
        assert answer.json()["error"]["reason"] == reason
        answer = requests.post(server.url + "/_watcher/_query/watches", json={"size": -2}, timeout=10)
        assert answer.json()["error"]["reason"] == "[size] parameter cannot be negative, found [-2]"


# --- search_after and the result window ----------------------------------------------------------
def test_search_after_needs_a_sort_and_as_many_values(es9):
    put(es9, "w", metadata={"n": 1})
    with pytest.raises(BadRequestError) as caught:
        es9.watcher.query_watches(search_after=[1])
    assert shard_failure(caught.value) == {"type": "illegal_argument_exception", "reason": "Sort must contain at least one field."}
    with pytest.raises(BadRequestError) as caught:
        es9.watcher.query_watches(sort=[{"metadata.n": "asc"}], search_after=[1, "x"])
    assert shard_failure(caught.value)["reason"] == "search_after has 2 value(s) but sort has 1."


@pytest.fixture(name="many")
def fixture_many(faithful, es9):
    """10,005 watches, written straight into the emulator's `.watches` (a PUT each would take minutes)."""
    put(es9, "w00000", metadata={"n": 0})
    store = faithful.app.store
    with faithful.app.state_lock:
        template = store.get("w00000").source
        for number in range(1, 10005):
            source = copy.deepcopy(template)
            source["metadata"] = {"n": number}
            store.index("w%05d" % number, source, refresh=True)
    return es9


def test_from_and_size_stop_at_the_result_window(many):
    assert many.watcher.query_watches(from_=9995, size=5)["count"] == 10005
    with pytest.raises(BadRequestError) as caught:
        many.watcher.query_watches(from_=10000, size=5)
    assert shard_failure(caught.value) == {"type": "illegal_argument_exception", "reason": WINDOW}


def test_search_after_pages_past_the_result_window(many):
    seen, after = [], None
    while True:
        options = {"search_after": after} if after is not None else {}
        page = many.watcher.query_watches(sort=[{"metadata.n": "asc"}], size=2500, **options)
        assert page["count"] == 10005
        if not page["watches"]:
            break
        seen.extend(ids(page))
        after = [page["watches"][-1]["watch"]["metadata"]["n"]]
    assert len(seen) == 10005 and seen[-1] == "w10004" and len(set(seen)) == 10005


# --- what the .watches mapping indexes -----------------------------------------------------------
def test_the_status_is_not_indexed(es9):
    """`status` is `enabled: false` in the `.watches` mapping: nothing matches it, nothing sorts on it."""
    put(es9, "on")
    put(es9, "off", active=False)
    assert es9.watcher.query_watches(query={"term": {"status.state.active": True}})["count"] == 0
    assert es9.watcher.query_watches(query={"exists": {"field": "status"}})["count"] == 0
    with pytest.raises(BadRequestError) as caught:
        es9.watcher.query_watches(sort=[{"status.state.timestamp": "asc"}])
    cause = shard_failure(caught.value)
    assert cause["type"] == "query_shard_exception" and cause["index"] == ".watches"
    assert cause["reason"] == "No mapping found for [status.state.timestamp] in order to sort on"
    assert "caused_by" not in caught.value.body["error"]  # an Elasticsearch exception is not repeated as the cause


def test_metadata_is_indexed(es9):
    put(es9, "a", metadata={"team": "ops", "n": 2})
    put(es9, "b", metadata={"team": "dev", "n": 1})
    assert ids(es9.watcher.query_watches(query={"term": {"metadata.team.keyword": "ops"}})) == ["a"]
    assert ids(es9.watcher.query_watches(sort=[{"metadata.n": "asc"}])) == ["b", "a"]
