# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What Elastic's own Watcher YAML tests ask of a cluster beyond the Watcher APIs: date math index names
(index API and index action), `_mget`, the cluster state and node info a watch uses to call the cluster
itself; and what the execute API records: the status of an inline watch, logging templates with params,
the index action as ExecutableIndexAction runs it, secrets hidden in the record."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from es_emulator import datemath
from es_emulator.testing import served

TRIGGER = {"schedule": {"interval": "1h"}}
NOW = datetime(2024, 3, 5, 23, 30, tzinfo=timezone.utc)


def today(prefix: str) -> str:
    return prefix + datetime.now(timezone.utc).strftime("%Y.%m.%d")


def execute_inline(es, **watch) -> dict:
    watch.setdefault("trigger", TRIGGER)
    return es.watcher.execute_watch(watch=watch)["watch_record"]


# --- date math index names ------------------------------------------------------------------------------
@pytest.mark.parametrize("expression, name", [
    ("<logs-{now/d}>", "logs-2024.03.05"),
    ("<logs-{now/M{uuuu.MM}}>", "logs-2024.03"),
    ("<logs-{now/d{yyyy.MM.dd|+02:00}}>", "logs-2024.03.06"),
    ("<logs-{now-1d/d}>", "logs-2024.03.04"),
    ("<a\\{b\\}-{now/d}>", "a{b}-2024.03.05"),
    ("plain-name", "plain-name"),
])
def test_date_math_names_resolve_as_the_date_math_expression_resolver_does(expression, name):
    assert datemath.resolve_index_name(expression, NOW) == name


@pytest.mark.parametrize("expression, message", [
    ("<logs}>", "invalid character at position [5]"),
    ("<logs-{now/d>", "date math placeholder is open ended"),
    ("<logs-{now/d{}}>", "missing date format"),
])
def test_bad_date_math_names_are_refused(expression, message):
    with pytest.raises(datemath.IndexNameError, match=message.replace("[", r"\[").replace("]", r"\]")):
        datemath.resolve_index_name(expression, NOW)


def test_index_api_count_and_get_resolve_a_url_encoded_date_math_name(server, es):
    encoded = "%3Cdate-index-%7Bnow%2Fd%7D%3E"
    answer = requests.put("%s/%s/_doc/1?refresh=true" % (server.url, encoded), json={"foo": "bar"}, timeout=10)
    assert answer.status_code == 201 and answer.json()["_index"] == today("date-index-")
    assert requests.get("%s/%s/_count" % (server.url, encoded), timeout=10).json()["count"] == 1
    assert requests.get("%s/%s/_doc/1" % (server.url, encoded), timeout=10).json()["_source"] == {"foo": "bar"}
    assert es.count(index="<date-index-{now/d}>")["count"] == 1


def test_index_action_writes_to_the_resolved_date_math_name_and_simulates_the_expression(es):
    action = {"index": {"index": "<out-{now/d}>", "doc_id": "1"}}
    record = execute_inline(es, input={"simple": {"v": 1}}, actions={"a": action})
    assert record["result"]["actions"][0]["index"]["response"]["index"] == today("out-")
    simulated = es.watcher.execute_watch(watch={"trigger": TRIGGER, "actions": {"a": action}}, action_modes={"_all": "simulate"})
    assert simulated["watch_record"]["result"]["actions"][0]["index"]["request"]["index"] == "<out-{now/d}>"


# --- _mget ------------------------------------------------------------------------------------------------
def test_mget_reads_docs_and_ids_and_fails_only_the_items_of_a_missing_index(es):
    es.index(index="m", id="1", document={"a": 1, "b": 2}, refresh=True)
    answer = es.mget(docs=[{"_index": "m", "_id": "1", "_source": ["a"]}, {"_index": "m", "_id": "2"}, {"_index": "none", "_id": "1"}])
    first, missing, failed = answer["docs"]
    assert first["found"] is True and first["_source"] == {"a": 1}
    assert missing == {"_index": "m", "_id": "2", "found": False}
    assert failed["error"]["type"] == "index_not_found_exception"
    assert es.mget(index="m", ids=["1"])["docs"][0]["_source"] == {"a": 1, "b": 2}


def test_mget_without_documents_or_index_is_a_validation_error(server):
    empty = requests.post(server.url + "/_mget", json={"docs": []}, timeout=10)
    assert empty.status_code == 400 and "no documents to get" in empty.json()["error"]["reason"]
    no_index = requests.post(server.url + "/_mget", json={"ids": ["1"]}, timeout=10)
    assert no_index.status_code == 400 and "index is missing for doc 0" in no_index.json()["error"]["reason"]


# --- the cluster state and node info ------------------------------------------------------------------
def test_cluster_state_names_the_master_and_node_info_its_http_address(server, es):
    state = es.cluster.state()
    master = state["master_node"]
    assert state["metadata"]["cluster_uuid"] == state["cluster_uuid"]
    assert master in state["nodes"]
    assert es.nodes.info()["nodes"][master]["http"]["publish_address"] == server.url.split("://", 1)[1]
    only_master = es.cluster.state(metric="master_node")
    assert set(only_master) == {"cluster_name", "cluster_uuid", "master_node"}


def test_an_http_input_can_call_the_cluster_it_runs_on(server, es):
    address = es.nodes.info(metric="http")["nodes"][es.cluster.state()["master_node"]]["http"]["publish_address"]
    request = {"url": "http://%s/_cluster/health" % address, "auth": {"basic": {"username": "u", "password": "secret"}},
               "headers": {"authorization": "token"}}
    record = execute_inline(es, input={"http": {"request": request, "extract": ["timed_out", "cluster_name"]}},
                            actions={"log": {"logging": {"text": "hi"}}})
    payload = record["result"]["input"]["payload"]
    assert payload["timed_out"] is False and payload["_status_code"] == 200 and payload["_headers"] and "status" not in payload
    assert record["input"]["http"]["request"]["auth"]["basic"]["password"] == "::es_redacted::"
    assert record["input"]["http"]["request"]["headers"]["authorization"] == "::es_redacted::"
    assert record["result"]["input"]["http"]["request"]["headers"]["authorization"] == "::es_redacted::"


# --- execution -----------------------------------------------------------------------------------------
def test_an_inline_watch_records_the_status_watch_parser_gives_it(es):
    record = execute_inline(es, input={"simple": {"foo": "bar"}}, actions={"indexme": {"index": {"index": "t", "doc_id": "1"}}})
    status = record["status"]
    assert record["watch_id"] == "_inlined_"
    assert status["state"]["active"] is True and status["execution_state"] == "executed" and status["version"] == -1
    assert status["actions"]["indexme"]["ack"]["state"] == "ackable"


def test_logging_text_renders_its_params_under_ctx_and_stored_templates(es):
    es.put_script(id="log-action", script={"lang": "mustache", "source": "{{color}} alert on {{ctx.watch_id}}"})
    record = execute_inline(es, actions={
        "inline": {"logging": {"text": {"source": "{{color}} {{ctx.payload.x}}", "params": {"color": "red", "ctx": "hidden"}}}},
        "stored": {"logging": {"text": {"id": "log-action", "params": {"color": "yellow"}}}},
        "missing": {"logging": {"text": {"id": "nope"}}}}, input={"simple": {"x": 1}})
    results = {item["id"]: item for item in record["result"]["actions"]}
    assert results["inline"]["logging"]["logged_text"] == "red 1"
    assert results["stored"]["logging"]["logged_text"] == "yellow alert on _inlined_"
    assert results["missing"]["status"] == "failure" and "unable to find script [nope]" in results["missing"]["reason"]


def test_index_action_refuses_a_payload_index_next_to_the_action_index(es):
    record = execute_inline(es, input={"simple": {"_index": "other", "v": 1}}, actions={"a": {"index": {"index": "out"}}})
    action = record["result"]["actions"][0]
    assert action["status"] == "failure"
    assert "[ctx.payload._index] or [ctx.payload._doc._index] were set together with action [index] field" in action["reason"]


def test_index_action_bulk_simulation_and_doc_id_refusal_follow_executable_index_action(es):
    docs = {"_doc": [{"_index": "a", "_id": "1", "v": 1}, {"_index": "b", "v": 2}]}
    simulated = es.watcher.execute_watch(watch={"trigger": TRIGGER, "input": {"simple": docs}, "actions": {"a": {"index": {"refresh": "true"}}}},
                                         action_modes={"_all": "simulate"})["watch_record"]["result"]["actions"][0]
    assert simulated["index"]["request"] == {"index": "", "doc_id": "", "refresh": "true",
                                             "source": [{"_id": "1", "_index": "a"}, {"_id": None, "_index": "b"}]}
    refused = execute_inline(es, input={"simple": docs}, actions={"a": {"index": {"doc_id": "x"}}})["result"]["actions"][0]
    assert refused["status"] == "failure" and "[doc_id] cannot be used with bulk [_doc] indexing" in refused["reason"]
    written = execute_inline(es, input={"simple": docs}, actions={"a": {"index": {}}})["result"]["actions"][0]
    assert written["status"] == "success" and [item["index"] for item in written["index"]["response"]] == ["a", "b"]


def test_index_action_without_any_index_fails_the_request_validation(es):
    action = execute_inline(es, input={"simple": {"v": 1}}, actions={"a": {"index": {}}})["result"]["actions"][0]
    assert action["status"] == "failure" and "index is missing" in action["reason"]


# --- 7.17 --------------------------------------------------------------------------------------------------
def test_doc_type_is_taken_with_the_types_warning_on_7_17_only():
    watch = {"trigger": TRIGGER, "actions": {"a": {"index": {"index": "t", "doc_type": "_doc"}}}}
    with served(version="7.17.0", scheduler=False) as old:
        answer = requests.put(old.url + "/_watcher/watch/w", json=watch, timeout=10)
        assert answer.status_code == 201
        assert "Specifying types in a watcher index action is deprecated" in answer.headers.get("Warning", "")
        shown = requests.get(old.url + "/_watcher/watch/w", timeout=10).json()["watch"]
        assert shown["actions"]["a"]["index"] == {"index": "t", "doc_type": "_doc"}
    with served(version="8.19.0", scheduler=False) as new:
        answer = requests.put(new.url + "/_watcher/watch/w", json=watch, timeout=10)
        assert answer.status_code == 400 and "unexpected string field [doc_type]" in answer.text
