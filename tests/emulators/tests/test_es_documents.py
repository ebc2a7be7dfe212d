# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The document store through the official 9.x client: index, create, get, delete, bulk, refresh,
indices create / exists / delete, and `_search` / `_count` with the query subset watches use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from elasticsearch import BadRequestError, ConflictError, NotFoundError

from es_emulator.testing import es_client, served

NOW = datetime.now(timezone.utc)


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture(name="logs")
def fixture_logs(es):
    docs = [
        {"level": "error", "service": "api", "took": 120, "@timestamp": stamp(1), "message": "Disk full on node-1"},
        {"level": "error", "service": "db", "took": 30, "@timestamp": stamp(3), "message": "Connection refused"},
        {"level": "warn", "service": "api", "took": 80, "@timestamp": stamp(20), "message": "Slow query"},
        {"level": "info", "service": "web", "took": 5, "@timestamp": stamp(90), "message": "Started", "tags": ["boot"]},
    ]
    for number, doc in enumerate(docs, start=1):
        es.index(index="logs-2025", id=str(number), document=doc)
    es.indices.refresh(index="logs-2025")
    return es


def ids(answer) -> list[str]:
    return [hit["_id"] for hit in answer["hits"]["hits"]]


# --- documents -----------------------------------------------------------------------------------
def test_index_get_update_and_delete_a_document(es):
    created = es.index(index="things", id="a", document={"x": 1})
    assert created.meta.status == 201
    assert (created["result"], created["_version"], created["_seq_no"]) == ("created", 1, 0)
    updated = es.index(index="things", id="a", document={"x": 2})
    assert (updated["result"], updated["_version"], updated["_seq_no"]) == ("updated", 2, 1)
    got = es.get(index="things", id="a")
    assert got["_source"] == {"x": 2} and got["found"] is True and got["_version"] == 2
    assert es.delete(index="things", id="a")["result"] == "deleted"
    with pytest.raises(NotFoundError):
        es.get(index="things", id="a")


def test_auto_generated_ids_and_create_conflicts(es):
    generated = es.index(index="things", document={"x": 1})
    assert len(generated["_id"]) == 20
    es.create(index="things", id="once", document={"x": 1})
    with pytest.raises(ConflictError) as raised:
        es.create(index="things", id="once", document={"x": 2})
    assert raised.value.body["error"]["type"] == "version_conflict_engine_exception"


def test_get_from_a_missing_index_is_index_not_found(es):
    with pytest.raises(NotFoundError) as raised:
        es.get(index="nothing-here", id="1")
    assert raised.value.body["error"]["type"] == "index_not_found_exception"


def test_source_filtering_on_get(es):
    es.index(index="things", id="a", document={"x": 1, "nested": {"y": 2, "z": 3}})
    assert es.get(index="things", id="a", source_includes=["nested.y"])["_source"] == {"nested": {"y": 2}}
    assert es.get(index="things", id="a", source_excludes=["nested"])["_source"] == {"x": 1}
    assert "_source" not in es.get(index="things", id="a", source=False)


def test_bulk_index_create_delete_and_update(es):
    answer = es.bulk(operations=[
        {"index": {"_index": "bulky", "_id": "1"}}, {"n": 1},
        {"create": {"_index": "bulky", "_id": "2"}}, {"n": 2},
        {"create": {"_index": "bulky", "_id": "1"}}, {"n": 3},
        {"update": {"_index": "bulky", "_id": "2"}}, {"doc": {"m": 1}},
        {"delete": {"_index": "bulky", "_id": "1"}},
    ])
    assert answer["errors"] is True
    statuses = [next(iter(item.values()))["status"] for item in answer["items"]]
    assert statuses == [201, 201, 409, 200, 200]
    assert es.get(index="bulky", id="2")["_source"] == {"n": 2, "m": 1}
    assert es.count(index="bulky")["count"] == 1


def test_indices_create_exists_and_delete(es):
    assert es.indices.create(index="made", settings={"number_of_shards": 1})["acknowledged"] is True
    assert es.indices.exists(index="made")
    with pytest.raises(BadRequestError) as raised:
        es.indices.create(index="made")
    assert raised.value.body["error"]["type"] == "resource_already_exists_exception"
    assert es.indices.delete(index="made")["acknowledged"] is True
    assert not es.indices.exists(index="made")
    with pytest.raises(NotFoundError):
        es.indices.delete(index="made")
    with pytest.raises(BadRequestError) as raised:
        es.indices.create(index="Upper")
    assert raised.value.body["error"]["type"] == "invalid_index_name_exception"


def test_refresh_answers_shards(es):
    es.index(index="things", id="a", document={"x": 1})
    assert es.indices.refresh(index="things")["_shards"]["failed"] == 0


# --- search --------------------------------------------------------------------------------------
def test_match_all_with_total_as_object_or_int(logs):
    answer = logs.search(index="logs-*")
    assert answer["hits"]["total"] == {"value": 4, "relation": "eq"}
    assert sorted(ids(answer)) == ["1", "2", "3", "4"]
    assert logs.search(index="logs-2025", rest_total_hits_as_int=True)["hits"]["total"] == 4


@pytest.mark.parametrize("query, expected", [
    ({"term": {"level": "error"}}, ["1", "2"]),
    ({"terms": {"service": ["db", "web"]}}, ["2", "4"]),
    ({"match": {"message": "disk refused"}}, ["1", "2"]),
    ({"term": {"message.keyword": "Slow query"}}, ["3"]),
    ({"range": {"took": {"gte": 30, "lt": 120}}}, ["2", "3"]),
    ({"range": {"@timestamp": {"gte": "now-5m"}}}, ["1", "2"]),
    ({"range": {"@timestamp": {"lt": "now-10m/m"}}}, ["3", "4"]),
    ({"exists": {"field": "tags"}}, ["4"]),
    ({"ids": {"values": ["3", "9"]}}, ["3"]),
    ({"bool": {"must": [{"term": {"service": "api"}}], "must_not": [{"term": {"level": "warn"}}]}}, ["1"]),
    ({"bool": {"should": [{"term": {"level": "warn"}}, {"term": {"level": "info"}}]}}, ["3", "4"]),
    ({"bool": {"filter": [{"term": {"level": "error"}}, {"range": {"took": {"gt": 50}}}]}}, ["1"]),
])
def test_queries(logs, query, expected):
    assert sorted(ids(logs.search(index="logs-2025", query=query))) == expected


def test_date_math_anchored_on_a_date():
    with served(scheduler=False) as server:
        es = es_client(server.url)
        for day in range(1, 5):
            es.index(index="idx", id=str(day), document={"date": "2015-01-0%dT00:00:00" % day})
        answer = es.search(index="idx", query={"range": {"date": {"lte": "2015-01-04T00:00Z", "gte": "2015-01-04T00:00Z||-1d"}}})
        assert sorted(ids(answer)) == ["3", "4"]
        # Rounding: lte rounds up to the end of the day, gt too.
        assert sorted(ids(es.search(index="idx", query={"range": {"date": {"lte": "2015-01-02||/d"}}}))) == ["1", "2"]
        assert sorted(ids(es.search(index="idx", query={"range": {"date": {"gt": "2015-01-02||/d"}}}))) == ["3", "4"]


def test_sort_from_size_and_source_filtering(logs):
    answer = logs.search(index="logs-2025", sort=[{"took": "desc"}], size=2, source_includes=["took"])
    assert ids(answer) == ["1", "3"]
    assert answer["hits"]["hits"][0]["_source"] == {"took": 120}
    assert answer["hits"]["hits"][0]["sort"] == [120]
    assert ids(logs.search(index="logs-2025", sort=[{"@timestamp": {"order": "asc"}}], from_=1, size=2)) == ["3", "2"]
    assert answer["hits"]["total"]["value"] == 4


def test_sorting_on_a_text_field_is_refused(logs):
    with pytest.raises(BadRequestError) as raised:
        logs.search(index="logs-2025", sort=["message"])
    assert raised.value.body["error"]["type"] == "search_phase_execution_exception"


def test_count_and_wildcards_and_missing_indices(logs):
    assert logs.count(index="logs-*", query={"term": {"level": "error"}})["count"] == 2
    assert logs.count(index="nomatch-*")["count"] == 0
    with pytest.raises(NotFoundError):
        logs.search(index="missing")


def test_terms_and_value_count_aggregations(logs):
    answer = logs.search(index="logs-2025", size=0, aggs={"levels": {"terms": {"field": "level.keyword", "size": 1}},
                                                          "count": {"value_count": {"field": "took"}}})
    assert answer["aggregations"]["levels"]["buckets"] == [{"key": "error", "doc_count": 2}]
    assert answer["aggregations"]["levels"]["sum_other_doc_count"] == 2
    assert answer["aggregations"]["count"] == {"value": 4}
    assert answer["hits"]["hits"] == []


def test_other_aggregations_and_unknown_queries_are_a_clear_400(logs):
    with pytest.raises(BadRequestError) as raised:
        logs.search(index="logs-2025", aggs={"h": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1m"}}})
    assert "not supported by the emulator" in raised.value.body["error"]["reason"]
    with pytest.raises(BadRequestError) as raised:
        logs.search(index="logs-2025", query={"does_not_exist": {}})
    assert raised.value.body["error"]["reason"] == "unknown query [does_not_exist]"


def test_search_over_several_indices_names_each_hit_s_index(es):
    es.index(index="alpha", id="1", document={"n": 1})
    es.index(index="beta", id="1", document={"n": 2})
    es.index(index="gamma", id="1", document={"n": 3})
    answer = es.search(index="alpha,beta", sort=["n"])
    assert [(hit["_index"], hit["_source"]["n"]) for hit in answer["hits"]["hits"]] == [("alpha", 1), ("beta", 2)]
    assert answer["_shards"]["total"] == 2
    assert es.count(index="*,-gamma")["count"] == 2
