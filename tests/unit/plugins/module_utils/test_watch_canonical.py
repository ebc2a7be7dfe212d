# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Canonicalization of a watch, rule by rule (research note es-watcher-api.md section 2)."""

from __future__ import annotations

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._watch_canonical import (
    WatchDefinitionError,
    canonical_watch,
    time_millis,
)

TRIGGER = {"schedule": {"interval": "1m"}}


def watch(**parts):
    return canonical_watch(dict({"trigger": TRIGGER}, **parts))


def webhook(**request):
    return watch(actions={"hook": {"webhook": request}})["actions"]["hook"]["webhook"]


def test_defaults_for_input_condition_and_actions_and_the_stored_key_order():
    assert watch() == {"trigger": TRIGGER, "input": {"none": {}}, "condition": {"always": {}}, "actions": {}}
    full = watch(metadata={"a": 1}, actions={}, throttle_period="5s", transform={"script": "return 1"})
    assert list(full) == ["trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata"]


def test_a_canonical_watch_is_its_own_canonical_form():
    written = {
        # one schedule type: of several, Elasticsearch keeps the last (ScheduleRegistry), so the module refuses them
        "trigger": {"schedule": {"daily": {"at": "noon"}}},
        "input": {"search": {"request": {"indices": "logs-a, logs-b", "body": {"query": {"match_all": {}}}}, "timeout": "30s"}},
        "condition": {"script": "return true"},
        "throttle_period": "10m",
        "actions": {
            "hook": {"throttle_period": "1h", "foreach": "ctx.payload.hits.hits",
                     "webhook": {"url": "https://example.com:8443/x?y=1", "method": "PUT", "headers": {"A": "b"}}},
            "log": {"logging": {"text": "{{ctx.watch_id}}"}},
        },
    }
    once = canonical_watch(written)
    assert canonical_watch(once) == once


@pytest.mark.parametrize("written, millis", [
    ("10s", 10000), ("5m", 300000), ("1h", 3600000), ("2d", 172800000), ("250ms", 250), ("0", 0), (1500, 1500), (" 3S ", 3000),
])
def test_time_values(written, millis):
    assert time_millis(written, "x") == millis


@pytest.mark.parametrize("bad", ["10", "1.5s", "5w", "soon", [], True])
def test_bad_time_values_name_the_option(bad):
    with pytest.raises(WatchDefinitionError, match="throttle_period must be a time value"):
        watch(throttle_period=bad)


def test_throttle_period_is_stored_in_millis_at_watch_and_action_level():
    canonical = watch(throttle_period="10s", actions={"log": {"throttle_period": "2m", "logging": {"text": "x"}}})
    assert canonical["throttle_period_in_millis"] == 10000 and "throttle_period" not in canonical
    assert canonical["actions"]["log"]["throttle_period_in_millis"] == 120000
    assert watch(throttle_period_in_millis=7000)["throttle_period_in_millis"] == 7000


def test_action_settings_order_and_foreach_max_iterations_default():
    action = watch(actions={"a": {"logging": {"text": "x"}, "foreach": "ctx.payload.items", "condition": {"never": {}},
                                  "throttle_period": "1s"}})["actions"]["a"]
    assert list(action) == ["throttle_period_in_millis", "condition", "foreach", "max_iterations", "logging"]
    assert action["max_iterations"] == 100


def test_webhook_request_always_has_scheme_port_lower_case_method_params_and_headers():
    assert webhook(host="example.com", port=80) == {"scheme": "http", "host": "example.com", "port": 80, "method": "get", "params": {},
                                                    "headers": {}}
    assert webhook(host="example.com", port=443, scheme="HTTPS", method="POST")["scheme"] == "https"
    assert webhook(host="example.com", port=443, scheme="HTTPS", method="POST")["method"] == "post"
    assert webhook(host="example.com", port="9200")["port"] == 9200


def test_a_host_without_port_is_refused_but_a_url_brings_the_default_port():
    with pytest.raises(WatchDefinitionError, match="actions.hook.webhook needs a port between 1 and 65535"):
        webhook(host="example.com")
    assert webhook(url="https://example.com/x")["port"] == 443
    assert webhook(url="http://example.com/x")["port"] == 80


def test_url_is_split_into_its_parts_and_never_kept():
    request = webhook(url="https://hooks.example.com/services/a%20b?x=1&y=", method="post")
    assert request == {"scheme": "https", "host": "hooks.example.com", "port": 443, "path": "/services/a b",
                       "params": {"x": "1", "y": ""}, "method": "post", "headers": {}}
    assert webhook(url="http://h:8080")["port"] == 8080


def test_timeouts_come_back_under_their_asymmetric_names():
    request = webhook(host="h", port=1, connection_timeout="5s", read_timeout="1m")
    assert request["connection_timeout_in_millis"] == 5000 and request["read_timeout_millis"] == 60000
    assert "connection_timeout" not in request and "read_timeout" not in request


def test_object_templates_become_mustache_scripts_and_strings_stay_strings():
    request = webhook(host="h", port=1, body={"source": "{{ctx.id}}", "params": {}}, path="/p", headers={"X": {"source": "{{a}}"}})
    assert request["body"] == {"source": "{{ctx.id}}", "lang": "mustache"}
    assert request["path"] == "/p" and request["headers"]["X"] == {"source": "{{a}}", "lang": "mustache"}


def test_bad_webhooks_are_refused_with_their_place():
    with pytest.raises(WatchDefinitionError, match="actions.hook.webhook needs a host"):
        webhook(path="/x")
    with pytest.raises(WatchDefinitionError, match="actions.hook.webhook.method must be one of"):
        webhook(host="h", port=1, method="patch")
    with pytest.raises(WatchDefinitionError, match="actions.hook.webhook.url must be an http or https URL"):
        webhook(url="ftp://h/x")


def test_string_scripts_become_painless_objects_and_empty_params_disappear():
    assert watch(condition={"script": "return true"})["condition"] == {"script": {"source": "return true", "lang": "painless"}}
    assert watch(condition={"script": {"source": "x", "params": {}}})["condition"] == {"script": {"source": "x", "lang": "painless"}}
    assert watch(condition={"script": {"id": "stored"}})["condition"] == {"script": {"id": "stored"}}
    assert watch(transform={"script": {"source": "x", "lang": "expression", "params": {"a": 1}}})["transform"] == {
        "script": {"source": "x", "lang": "expression", "params": {"a": 1}}}


def test_logging_gains_level_info_and_levels_are_lower_case():
    assert watch(actions={"l": {"logging": {"text": "t"}}})["actions"]["l"] == {"logging": {"text": "t", "level": "info"}}
    assert watch(actions={"l": {"logging": {"text": "t", "level": "WARN"}}})["actions"]["l"]["logging"]["level"] == "warn"


def test_search_requests_gain_search_type_rest_total_hits_as_int_and_an_indices_array():
    request = watch(input={"search": {"request": {"indices": "a,b", "body": {"size": 0}}}})["input"]["search"]["request"]
    assert request == {"indices": ["a", "b"], "search_type": "query_then_fetch", "rest_total_hits_as_int": True, "body": {"size": 0}}
    transform = watch(transform={"search": {"request": {"body": {}}, "timeout": "5s"}})["transform"]["search"]
    assert transform == {"request": {"indices": [], "search_type": "query_then_fetch", "rest_total_hits_as_int": True, "body": {}},
                         "timeout_in_millis": 5000}
    assert watch(input={"search": {"request": {"rest_total_hits_as_int": False}}})["input"]["search"]["request"]["rest_total_hits_as_int"] is False


def test_chained_inputs_and_transforms_are_canonical_inside():
    canonical = watch(input={"chain": {"inputs": [{"first": {"http": {"request": {"host": "h", "port": 80}}}}, {"second": {"simple": {"a": 1}}}]}},
                      transform={"chain": [{"script": "1"}, {"search": {"request": {}}}]})
    assert canonical["input"]["chain"]["inputs"][0]["first"]["http"]["request"]["method"] == "get"
    assert canonical["input"]["chain"]["inputs"][1] == {"second": {"simple": {"a": 1}}}
    assert canonical["transform"]["chain"][0] == {"script": {"source": "1", "lang": "painless"}}
    assert canonical["transform"]["chain"][1]["search"]["request"]["search_type"] == "query_then_fetch"


def test_schedules():
    assert watch(trigger={"schedule": {"interval": 30}})["trigger"] == {"schedule": {"interval": "30s"}}
    assert watch(trigger={"schedule": {"interval": "1m"}})["trigger"] == {"schedule": {"interval": "1m"}}
    assert watch(trigger={"schedule": {"hourly": {"minute": 5}}})["trigger"] == {"schedule": {"hourly": {"minute": [5]}}}
    assert watch(trigger={"schedule": {"daily": {"at": "noon"}}})["trigger"] == {"schedule": {"daily": {"at": ["noon"]}}}
    assert watch(trigger={"schedule": {"cron": "0 0/5 * * * ?"}})["trigger"] == {"schedule": {"cron": "0 0/5 * * * ?"}}


def test_compare_conditions_simple_inputs_and_metadata_round_trip_as_written():
    parts = {"condition": {"compare": {"ctx.payload.hits.total": {"gt": 0}}}, "input": {"simple": {"x": [1, {"y": None}]}},
             "metadata": {"owner": "ops", "nested": {"k": [1, 2]}}}
    canonical = watch(**parts)
    for key, value in parts.items():
        assert canonical[key] == value


def test_the_definition_is_not_modified():
    written = {"trigger": TRIGGER, "actions": {"h": {"webhook": {"url": "http://h/x"}}}}
    canonical_watch(written)
    assert written == {"trigger": TRIGGER, "actions": {"h": {"webhook": {"url": "http://h/x"}}}}


@pytest.mark.parametrize("definition, message", [
    ({"trigger": TRIGGER, "triggers": {}}, "unknown top-level watch field.s. triggers; a watch has only trigger, input"),
    ({"input": {"none": {}}}, "a watch needs a trigger"),
    ({"trigger": TRIGGER, "actions": []}, "actions must be an object"),
    ({"trigger": TRIGGER, "actions": {"a": {"throttle_period": "1s"}}}, "actions.a must have exactly one action type .* found none"),
    ({"trigger": TRIGGER, "actions": {"a": {"logging": {}, "webhook": {}}}}, "found logging, webhook"),
    ({"trigger": TRIGGER, "input": {"search": {}, "simple": {}}}, "input must be an object with exactly one type key"),
    ({"trigger": TRIGGER, "condition": {"script": 5}}, "condition.script must be a string"),
    ({"trigger": TRIGGER, "metadata": [1]}, "metadata must be an object"),
    ("{}", "the watch definition must be an object"),
])
def test_bad_definitions_are_refused_before_any_request(definition, message):
    with pytest.raises(WatchDefinitionError, match=message):
        canonical_watch(definition)


@pytest.mark.parametrize("schedule, stored", [
    ({"cron": "0 0 12 ? * mon"}, {"cron": "0 0 12 ? * MON"}),
    ({"cron": ["0 0 12 * * ?"]}, {"cron": "0 0 12 * * ?"}),
    ({"cron": ["0 * * ? * MON-FRI", "0 * * ? * *"]}, {"cron": ["0 * * ? * *", "0 * * ? * MON-FRI"]}),
    ({"interval": "05m"}, {"interval": "5m"}),
    ({"interval": "2w"}, {"interval": "2w"}),
    ({"hourly": {"minute": ["5", 30]}}, {"hourly": {"minute": [5, 30]}}),
    ({"hourly": {}}, {"hourly": {"minute": [0]}}),
    ({"daily": {"at": {"hour": 0, "minute": 0}}}, {"daily": {"at": [{"hour": [0], "minute": [0]}]}}),
    ({"daily": {"at": ["noon", "noon", "17:30"]}}, {"daily": {"at": ["noon", "noon", "17:30"]}}),
    ({"daily": {}}, {"daily": {"at": ["midnight"]}}),
    ({"weekly": {"on": ["friday", "mon"], "at": ["noon", "12:00"]}}, {"weekly": [{"on": ["MON", "FRI"], "at": ["noon"]}]}),
    ({"weekly": {}}, {"weekly": [{"on": ["MON"], "at": [{"hour": [0], "minute": [0]}]}]}),
    ({"monthly": {"on": [15, "last_day"], "at": "09:00"}}, {"monthly": [{"on": [15, 32], "at": ["09:00"]}]}),
    ({"yearly": {"in": "dec", "on": 24, "at": "noon"}}, {"yearly": [{"in": ["DEC"], "on": [24], "at": ["noon"]}]}),
])
def test_schedules_in_the_spelling_watcher_stores(schedule, stored):
    assert watch(trigger={"schedule": schedule})["trigger"] == {"schedule": stored}


def test_bad_schedules_name_their_place():
    with pytest.raises(WatchDefinitionError, match="trigger.schedule.interval must be a number of seconds"):
        watch(trigger={"schedule": {"interval": "5 minutes"}})
    with pytest.raises(WatchDefinitionError, match="trigger.schedule.weekly.on has an unknown value 'someday'"):
        watch(trigger={"schedule": {"weekly": {"on": "someday"}}})


def test_url_and_params_are_read_in_document_order_and_the_host_keeps_its_case():
    assert webhook(params={"a": "1"}, url="http://H.example/?a=2")["params"] == {"a": "2"}
    assert webhook(url="http://h/?a=2", params={"a": "1"})["params"] == {"a": "1"}
    assert webhook(url="https://Hooks.Example.com/x")["host"] == "Hooks.Example.com"


def test_object_template_sources_carry_their_content_type():
    assert webhook(host="h", port=1, body={"source": {"text": "{{ctx.watch_id}}"}})["body"] == {
        "source": {"text": "{{ctx.watch_id}}"}, "lang": "mustache", "options": {"content_type": "application/json"}}


def test_http_input_extract_keys_once_and_content_type_lower_case():
    http = watch(input={"http": {"request": {"host": "h", "port": 1}, "extract": ["took", "took", "hits"],
                                 "response_content_type": "JSON"}})["input"]["http"]
    # a java.util.HashSet: "hits" hashes to bucket 0, "took" to bucket 1
    assert http["extract"] == ["hits", "took"] and http["response_content_type"] == "json"


@pytest.mark.parametrize("request_part, message", [
    ({"host": "h", "port": 1, "headers": "Content-Type: text/plain"}, "actions.hook.webhook.headers must be an object"),
    ({"host": "h", "port": 1, "params": ["a"]}, "actions.hook.webhook.params must be an object"),
    ({"url": "http://x:99999/"}, "actions.hook.webhook.url must be an http or https URL with a host and a valid port"),
])
def test_wrong_shapes_in_requests_are_named(request_part, message):
    with pytest.raises(WatchDefinitionError, match=message):
        webhook(**request_part)
