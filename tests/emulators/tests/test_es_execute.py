# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Execute Watch API: by id and inline, each action mode, alternative_input, ignore_condition,
record_execution (status, counters, history), trigger_data, debug; the watch_record shape; the
inputs, transforms and actions that run; validation errors."""

from __future__ import annotations

import pytest
import requests
from elasticsearch import BadRequestError, NotFoundError

from es_emulator.testing import served

LOG = {"logging": {"text": "payload {{ctx.payload.value}}"}}
TRIGGER = {"schedule": {"interval": "1h"}}


def put(es, watch_id="w", **body):
    body.setdefault("trigger", TRIGGER)
    body.setdefault("input", {"simple": {"value": 42}})
    body.setdefault("actions", {"log": LOG})
    es.watcher.put_watch(id=watch_id, **body)


def record_of(answer) -> dict:
    return answer["watch_record"]


# --- the record ----------------------------------------------------------------------------------
def test_execute_by_id_answers_a_watch_record(es):
    put(es, metadata={"owner": "ops"})
    answer = es.watcher.execute_watch(id="w")
    assert answer["_id"].startswith("w_")
    record = record_of(answer)
    assert list(record)[:3] == ["watch_id", "node", "state"]
    assert record["watch_id"] == "w" and record["state"] == "executed"
    assert record["trigger_event"]["type"] == "manual"
    assert record["trigger_event"]["triggered_time"] == record["trigger_event"]["manual"]["schedule"]["scheduled_time"]
    assert record["input"] == {"simple": {"value": 42}}
    assert record["condition"] == {"always": {}}
    assert record["metadata"] == {"owner": "ops"}
    assert record["messages"] == []
    result = record["result"]
    assert set(result) == {"execution_time", "execution_duration", "input", "condition", "actions"}
    assert result["input"] == {"type": "simple", "status": "success", "payload": {"value": 42}}
    assert result["condition"] == {"type": "always", "status": "success", "met": True}
    assert result["actions"] == [{"id": "log", "type": "logging", "status": "success", "logging": {"logged_text": "payload 42"}}]
    assert "vars" not in record


def test_inline_watches_run_as_inlined(es):
    record = record_of(es.watcher.execute_watch(watch={"trigger": TRIGGER, "input": {"simple": {"value": 1}}, "actions": {"log": LOG}}))
    assert record["watch_id"] == "_inlined_"
    assert record["result"]["actions"][0]["logging"]["logged_text"] == "payload 1"


def test_without_record_execution_nothing_is_written(es):
    put(es)
    record = record_of(es.watcher.execute_watch(id="w"))
    # The record shows the status the execution computed ...
    assert record["status"]["actions"]["log"]["ack"]["state"] == "ackable"
    assert record["status"]["execution_state"] == "executed"
    # ... but the stored watch is untouched and no history is written.
    stored = es.watcher.get_watch(id="w")
    assert stored["_version"] == 1
    assert stored["status"]["actions"]["log"]["ack"]["state"] == "awaits_successful_execution"
    assert "last_checked" not in stored["status"]
    assert not es.indices.exists(index=".watcher-history-*")


def test_record_execution_updates_status_counters_and_history(es):
    put(es)
    before = es.watcher.get_watch(id="w")
    answer = es.watcher.execute_watch(id="w", record_execution=True)
    stored = es.watcher.get_watch(id="w")
    assert stored["_version"] == before["_version"] + 1
    assert stored["_seq_no"] > before["_seq_no"]
    status = stored["status"]
    execution_time = record_of(answer)["result"]["execution_time"]
    assert status["last_checked"] == status["last_met_condition"] == execution_time
    action = status["actions"]["log"]
    assert action["ack"]["state"] == "ackable"
    assert action["last_execution"] == {"timestamp": execution_time, "successful": True}
    assert action["last_successful_execution"] == {"timestamp": execution_time, "successful": True}
    assert record_of(answer)["status"]["version"] == stored["_version"]
    history = es.search(index=".watcher-history-*", query={"term": {"watch_id": "w"}})
    assert [hit["_id"] for hit in history["hits"]["hits"]] == [answer["_id"]]
    assert history["hits"]["hits"][0]["_source"]["state"] == "executed"


def test_trigger_data_and_debug(es):
    put(es)
    trigger_data = {"scheduled_time": "2015-01-04T00:00:00", "triggered_time": "2015-01-04T00:00:05Z"}
    record = record_of(es.watcher.execute_watch(id="w", trigger_data=trigger_data, debug=True))
    assert record["trigger_event"]["triggered_time"] == "2015-01-04T00:00:05.000Z"
    assert record["trigger_event"]["manual"]["schedule"]["scheduled_time"] == "2015-01-04T00:00:00.000Z"
    assert record["vars"] == {}


def test_alternative_input_and_ignore_condition(es):
    put(es, condition={"never": {}})
    record = record_of(es.watcher.execute_watch(id="w"))
    assert record["state"] == "execution_not_needed" and record["result"]["actions"] == []
    record = record_of(es.watcher.execute_watch(id="w", ignore_condition=True, alternative_input={"value": "other"}))
    assert record["state"] == "executed"
    assert record["result"]["input"] == {"type": "simple", "status": "success", "payload": {"value": "other"}}
    assert record["result"]["condition"] == {"type": "always", "status": "success", "met": True}
    assert record["result"]["actions"][0]["logging"]["logged_text"] == "payload other"


# --- action modes --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, status", [("simulate", "simulated"), ("force_simulate", "simulated"), ("execute", "success"),
                                          ("force_execute", "success"), ("skip", "acknowledged")])
def test_each_action_mode(es, mode, status):
    put(es, actions={"log": LOG, "other": {"logging": {"text": "other"}}})
    record = record_of(es.watcher.execute_watch(id="w", action_modes={"log": mode}))
    results = {item["id"]: item for item in record["result"]["actions"]}
    assert results["log"]["status"] == status
    assert results["other"]["status"] == "success"
    if mode != "skip":
        assert results["log"]["logging"]["logged_text"] == "payload 42"


def test_all_mode_applies_to_every_action_and_simulated_index_writes_nothing(es):
    put(es, actions={"log": LOG, "store": {"index": {"index": "out", "doc_id": "one"}}})
    record = record_of(es.watcher.execute_watch(id="w", action_modes={"_all": "simulate"}))
    assert [item["status"] for item in record["result"]["actions"]] == ["simulated", "simulated"]
    assert record["result"]["actions"][1]["index"]["request"] == {"index": "out", "doc_id": "one", "source": {"value": 42}}
    assert not es.indices.exists(index="out")


def test_force_modes_ignore_throttling_and_acks(es):
    put(es)
    es.watcher.execute_watch(id="w", record_execution=True)
    # Within the default throttle period (5 s) the action is throttled ...
    assert record_of(es.watcher.execute_watch(id="w"))["result"]["actions"][0]["status"] == "throttled"
    es.watcher.ack_watch(watch_id="w")
    # ... and once acked, still throttled first (period before ack), unless forced.
    assert record_of(es.watcher.execute_watch(id="w"))["result"]["actions"][0]["status"] == "throttled"
    assert record_of(es.watcher.execute_watch(id="w", action_modes={"log": "force_execute"}))["result"]["actions"][0]["status"] == "success"
    assert record_of(es.watcher.execute_watch(id="w", action_modes={"log": "force_simulate"}))["result"]["actions"][0]["status"] == "simulated"


# --- inputs, transforms, actions -----------------------------------------------------------------
def test_search_input_chain_input_and_search_transform(es):
    for number in range(3):
        es.index(index="events", id=str(number), document={"kind": "error" if number else "ok", "n": number})
    watch = {
        "trigger": TRIGGER,
        "input": {"chain": {"inputs": [
            {"first": {"simple": {"kind": "error"}}},
            {"second": {"search": {"request": {"indices": ["events"], "body": {"query": {"term": {"kind": "{{ctx.payload.first.kind}}"}}}}}}},
        ]}},
        "transform": {"chain": [
            {"search": {"request": {"indices": ["events"], "body": {"query": {"match_all": {}}, "sort": [{"n": "desc"}], "size": 1}}}},
        ]},
        "actions": {"log": {"logging": {"text": "{{ctx.payload.hits.hits.0._source.n}}"}}},
    }
    result = record_of(es.watcher.execute_watch(watch=watch))["result"]
    assert result["input"]["payload"]["second"]["hits"]["total"] == 2
    assert result["input"]["chain"]["second"]["search"]["request"]["body"]["query"] == {"term": {"kind": "error"}}
    assert result["transform"]["type"] == "chain" and result["transform"]["status"] == "success"
    assert result["actions"][0]["logging"]["logged_text"] == "2"


def test_index_action_writes_documents(es):
    put(es, input={"simple": {"_doc": [{"_id": "a", "v": 1}, {"v": 2}]}}, actions={"store": {"index": {"index": "out"}}})
    record = record_of(es.watcher.execute_watch(id="w"))
    responses = record["result"]["actions"][0]["index"]["response"]
    assert [item["id"] for item in responses][:1] == ["a"]
    assert es.get(index="out", id="a")["_source"] == {"v": 1}
    assert es.count(index="out")["count"] == 2


def test_foreach_runs_the_action_per_item_up_to_max_iterations(es):
    put(es, input={"simple": {"items": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}},
        actions={"each": {"foreach": "ctx.payload.items", "max_iterations": 2, "logging": {"text": "item {{ctx.payload.name}}"}}})
    action = record_of(es.watcher.execute_watch(id="w"))["result"]["actions"][0]
    assert action["status"] == "success"
    assert action["number_of_actions_executed"] == 2
    assert [item["logging"]["logged_text"] for item in action["foreach"]] == ["item a", "item b"]


def test_action_condition_and_transform(es):
    put(es, input={"simple": {"value": 3}}, actions={
        "big": {"condition": {"compare": {"ctx.payload.value": {"gt": 5}}}, "logging": {"text": "big"}},
        "small": {"condition": {"compare": {"ctx.payload.value": {"lte": 5}}}, "logging": {"text": "small {{ctx.payload.value}}"}},
    })
    results = {item["id"]: item for item in record_of(es.watcher.execute_watch(id="w"))["result"]["actions"]}
    assert results["big"]["status"] == "condition_failed"
    assert results["big"]["reason"] == "condition not met. skipping"
    assert results["small"]["status"] == "success"
    assert results["small"]["condition"]["met"] is True


# --- errors --------------------------------------------------------------------------------------
def test_unknown_watch_is_a_404(es):
    with pytest.raises(NotFoundError) as raised:
        es.watcher.execute_watch(id="missing")
    assert raised.value.body["error"]["reason"] == "Watch with id [missing] does not exist"


@pytest.mark.parametrize("body, reason", [
    ({"watch": {"trigger": TRIGGER}, "record_execution": True}, "the execution of an inline watch cannot be recorded"),
    ({}, "watch id is missing"),
])
def test_validation(server, body, reason):
    answer = requests.post(server.url + "/_watcher/watch/_execute", json=body, timeout=5)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]["reason"]


def test_a_watch_outside_the_watch_field_is_refused(es):
    with pytest.raises(BadRequestError) as raised:
        es.perform_request("POST", "/_watcher/watch/_execute", headers={"content-type": "application/json", "accept": "application/json"},
                           body={"trigger": TRIGGER})
    expected = 'could not parse watch execution request. please wrap watch including field [trigger] inside a "watch" field'
    assert raised.value.body["error"]["reason"] == expected


def test_a_basic_licence_refuses_execution():
    with served(license_type="basic", scheduler=False) as server:
        answer = requests.post(server.url + "/_watcher/watch/_execute", json={"watch": {"trigger": TRIGGER}}, timeout=5)
    assert answer.status_code == 403
