# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Conditions over what a search input found: compare (numbers, strings, date math `<{...}>`,
`{{path}}` values), array_compare (some / all), always / never; and Painless scripts, which fail
cleanly and visibly wherever they are (condition, transform, action transform)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from es_emulator.testing import es_client, served

NOW = datetime.now(timezone.utc)


def stamp(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture(name="es", scope="module")
def fixture_es():
    with served(scheduler=False) as server:
        es = es_client(server.url)
        for number, (level, minutes) in enumerate([("error", 1), ("error", 2), ("error", 30), ("info", 3)]):
            es.index(index="logs", id=str(number), document={"level": level, "@timestamp": stamp(minutes), "bytes": 100 * (number + 1)})
        yield es


def run(es, condition, query=None, **watch):
    body = {
        "trigger": {"schedule": {"interval": "1m"}},
        "input": {"search": {"request": {"indices": ["logs"], "body": {
            "query": query or {"bool": {"filter": [{"term": {"level": "error"}}, {"range": {"@timestamp": {"gte": "now-5m"}}}]}},
            "sort": [{"@timestamp": "desc"}],
            "aggs": {"levels": {"terms": {"field": "level.keyword"}}}}}}},
        "condition": condition,
        "actions": {"log": {"logging": {"text": "{{ctx.payload.hits.total}} hits"}}},
    }
    body.update(watch)
    return es.watcher.execute_watch(watch=body)["watch_record"]


@pytest.mark.parametrize("condition, met", [
    ({"compare": {"ctx.payload.hits.total": {"gte": 2}}}, True),
    ({"compare": {"ctx.payload.hits.total": {"gt": 2}}}, False),
    ({"compare": {"ctx.payload.hits.total": {"eq": 2}}}, True),
    ({"compare": {"ctx.payload.hits.total": {"not_eq": 2}}}, False),
    ({"compare": {"ctx.payload.hits.total": {"lt": 3}}}, True),
    ({"compare": {"ctx.payload.hits.total": {"lte": 1}}}, False),
    ({"compare": {"ctx.payload.hits.total": {"gte": "2"}}}, True),  # numbers and numeric strings compare leniently
    ({"compare": {"ctx.payload.hits.hits.0._source.level": {"eq": "error"}}}, True),
    ({"compare": {"ctx.payload.missing": {"eq": 1}}}, False),
    ({"compare": {"ctx.payload.missing": {"not_eq": 1}}}, True),
    ({"always": {}}, True),
    ({"never": {}}, False),
])
def test_compare_conditions_over_search_hits(es, condition, met):
    record = run(es, condition)
    assert record["result"]["input"]["payload"]["hits"]["total"] == 2
    assert record["result"]["condition"]["met"] is met
    assert record["state"] == ("executed" if met else "execution_not_needed")


def test_compare_reports_the_resolved_values(es):
    condition = run(es, {"compare": {"ctx.payload.hits.total": {"gte": 2}}})["result"]["condition"]
    assert condition == {"type": "compare", "status": "success", "met": True, "compare": {"resolved_values": {"ctx.payload.hits.total": 2}}}


@pytest.mark.parametrize("value, met", [("<{now-5m}>", True), ("<{now-30s}>", False), ("<{now-5m/m}>", True), ("<{now+1h}>", False)])
def test_compare_with_date_math(es, value, met):
    condition = run(es, {"compare": {"ctx.payload.hits.hits.0._source.@timestamp": {"gte": value}}})["result"]["condition"]
    assert condition["met"] is met
    assert value[2:-2] in condition["compare"]["resolved_values"]


def test_compare_with_a_path_value(es):
    condition = run(es, {"compare": {"ctx.payload.hits.total": {"eq": "{{ctx.payload.aggregations.levels.buckets.0.doc_count}}"}}},
                    query={"term": {"level": "error"}})["result"]["condition"]
    assert condition["met"] is True
    assert condition["compare"]["resolved_values"] == {"ctx.payload.aggregations.levels.buckets.0.doc_count": 3, "ctx.payload.hits.total": 3}


@pytest.mark.parametrize("quantifier, threshold, met", [("some", 300, True), ("all", 300, False), ("all", 100, True), ("some", 999, False)])
def test_array_compare(es, quantifier, threshold, met):
    condition = {"array_compare": {"ctx.payload.hits.hits": {"path": "_source.bytes", "gte": {"value": threshold, "quantifier": quantifier}}}}
    assert run(es, condition, query={"match_all": {}})["result"]["condition"]["met"] is met


def test_a_painless_condition_fails_cleanly(es):
    record = run(es, {"script": {"source": "return ctx.payload.hits.total > 1"}})
    assert record["state"] == "failed"
    condition = record["result"]["condition"]
    assert condition["type"] == "script" and condition["status"] == "failure"
    assert "Painless" in condition["reason"]
    assert record["exception"]["type"] == "script_exception"
    assert record["messages"] == ["failed to execute watch condition"]
    assert "actions" not in record["result"]


def test_a_painless_transform_fails_cleanly(es):
    record = run(es, {"always": {}}, transform={"script": "return [:]"})
    assert record["result"]["transform"]["status"] == "failure"
    assert "Painless" in record["result"]["transform"]["reason"]


def test_a_painless_action_transform_fails_that_action_only(es):
    record = run(es, {"always": {}}, actions={
        "scripted": {"transform": {"script": {"source": "return ['a': 1]", "lang": "painless"}}, "logging": {"text": "x"}},
        "plain": {"logging": {"text": "y"}}})
    results = {item["id"]: item for item in record["result"]["actions"]}
    assert results["scripted"]["status"] == "failure"
    assert "Painless" in results["scripted"]["reason"]
    assert results["plain"]["status"] == "success"


def test_a_painless_condition_in_a_stored_watch_is_recorded_as_failed(es):
    es.watcher.put_watch(id="scripted", trigger={"schedule": {"interval": "1h"}}, condition={"script": "return true"},
                         actions={"log": {"logging": {"text": "x"}}})
    answer = es.watcher.execute_watch(id="scripted", record_execution=True)
    assert answer["watch_record"]["state"] == "failed"
    status = es.watcher.get_watch(id="scripted")["status"]
    assert status["execution_state"] == "failed"
    history = requests.get(es.transport.node_pool.get().base_url + "/.watcher-history-*/_search", timeout=5).json()
    assert [hit["_source"]["state"] for hit in history["hits"]["hits"]] == ["failed"]


def test_a_script_query_in_a_search_input_fails_the_input_and_names_painless(es):
    record = run(es, {"always": {}}, query={"script": {"script": "doc['bytes'].value > 100"}})
    assert record["state"] == "failed"
    assert record["result"]["input"]["status"] == "failure"
    assert "Painless" in record["result"]["input"]["reason"]
    assert record["messages"] == ["failed to execute watch input"]
