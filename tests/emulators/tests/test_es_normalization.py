# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The canonical form a GET returns for what was PUT, case by case (research section 2).

Each test PUTs one feature through the 9.x client and compares the GET `watch` (or the part of it
the feature changes) with what Elasticsearch stores. Idempotency of `es_watch` rests on these.
"""

from __future__ import annotations

import pytest

from es_emulator.testing import es_client, served

TRIGGER = {"schedule": {"interval": "1m"}}


@pytest.fixture(name="es", scope="module")
def fixture_es():
    with served() as server:
        yield es_client(server.url)


def stored(es, **body):
    body.setdefault("trigger", TRIGGER)
    es.watcher.put_watch(id="norm", **body)
    return es.watcher.get_watch(id="norm")["watch"]


def webhook(es, request: dict) -> dict:
    return stored(es, actions={"hook": {"webhook": request}})["actions"]["hook"]["webhook"]


# --- defaults and top level ------------------------------------------------------------------------
def test_defaults_input_none_condition_always_actions_empty(es):
    watch = stored(es)
    assert watch == {"trigger": TRIGGER, "input": {"none": {}}, "condition": {"always": {}}, "actions": {}}
    assert list(watch) == ["trigger", "input", "condition", "actions"]


def test_top_level_order_is_the_canonical_one(es):
    watch = stored(es, metadata={"m": 1}, actions={}, throttle_period="5s", transform={"script": "return 1"},
                   condition={"never": {}}, input={"simple": {"x": 1}})
    assert list(watch) == ["trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata"]


def test_full_replacement_drops_keys_of_the_previous_version(es):
    stored(es, metadata={"old": True}, transform={"script": "return 1"})
    assert stored(es) == {"trigger": TRIGGER, "input": {"none": {}}, "condition": {"always": {}}, "actions": {}}


def test_watch_throttle_period_becomes_millis(es):
    watch = stored(es, throttle_period="10s")
    assert watch["throttle_period_in_millis"] == 10000 and "throttle_period" not in watch
    assert stored(es, throttle_period_in_millis=2500)["throttle_period_in_millis"] == 2500


def test_action_throttle_period_becomes_millis(es):
    action = stored(es, actions={"log": {"throttle_period": "2m", "logging": {"text": "t"}}})["actions"]["log"]
    assert action == {"throttle_period_in_millis": 120000, "logging": {"level": "info", "text": "t"}}


def test_metadata_round_trips(es):
    metadata = {"owner": "ops", "nested": {"list": [1, "two", None], "flag": False}}
    assert stored(es, metadata=metadata)["metadata"] == metadata


def test_simple_input_and_compare_condition_round_trip(es):
    watch = stored(es, input={"simple": {"count": 3}}, condition={"compare": {"ctx.payload.count": {"gte": 2}}})
    assert watch["input"] == {"simple": {"count": 3}}
    assert watch["condition"] == {"compare": {"ctx.payload.count": {"gte": 2}}}


# --- webhooks --------------------------------------------------------------------------------------
def test_webhook_always_has_scheme_host_port_method_params_headers(es):
    assert webhook(es, {"host": "example.org", "port": 9200}) == {
        "scheme": "http", "host": "example.org", "port": 9200, "method": "get", "params": {}, "headers": {},
    }


def test_webhook_method_and_scheme_lower_case(es):
    request = webhook(es, {"scheme": "HTTPS", "host": "h", "port": 443, "method": "POST", "path": "/p", "body": "b"})
    assert request["scheme"] == "https" and request["method"] == "post"
    assert request["path"] == "/p" and request["body"] == "b"


def test_webhook_url_is_split_into_its_parts(es):
    request = webhook(es, {"url": "https://api.example.com/v1/events/watcher/key?x=1&y=two", "method": "post"})
    assert "url" not in request
    assert request == {
        "scheme": "https", "host": "api.example.com", "port": 443, "method": "post",
        "path": "/v1/events/watcher/key", "params": {"x": "1", "y": "two"}, "headers": {},
    }


def test_webhook_url_default_ports_by_scheme(es):
    assert webhook(es, {"url": "http://plain.example.com/a"})["port"] == 80
    assert webhook(es, {"url": "https://tls.example.com/a"})["port"] == 443
    assert webhook(es, {"url": "http://other.example.com:8080"})["port"] == 8080


def test_webhook_params_and_headers_kept_as_strings(es):
    request = webhook(es, {"host": "h", "port": 80, "params": {"a": "1"}, "headers": {"Content-Type": "application/json"}})
    assert request["params"] == {"a": "1"} and request["headers"] == {"Content-Type": "application/json"}


def test_webhook_timeouts_get_their_asymmetric_names(es):
    request = webhook(es, {"host": "h", "port": 80, "connection_timeout": "5s", "read_timeout": "30s"})
    assert request["connection_timeout_in_millis"] == 5000 and request["read_timeout_millis"] == 30000
    assert "connection_timeout" not in request and "read_timeout" not in request


def test_webhook_template_objects_gain_mustache_lang(es):
    request = webhook(es, {"host": "h", "port": 80, "body": {"source": "{{ctx.id}}"}})
    assert request["body"] == {"source": "{{ctx.id}}", "lang": "mustache"}


def test_http_input_request_is_normalized_like_a_webhook(es):
    watch = stored(es, input={"http": {"request": {"url": "http://in.example.com:9000/s", "method": "GET"}}})
    assert watch["input"]["http"]["request"] == {
        "scheme": "http", "host": "in.example.com", "port": 9000, "method": "get", "path": "/s", "params": {}, "headers": {},
    }


# --- scripts ---------------------------------------------------------------------------------------
def test_string_script_condition_becomes_painless_object(es):
    assert stored(es, condition={"script": "return true"})["condition"] == {"script": {"source": "return true", "lang": "painless"}}


def test_script_object_without_lang_gains_painless_and_keeps_params(es):
    condition = stored(es, condition={"script": {"source": "return params.x", "params": {"x": 1}}})["condition"]
    assert condition == {"script": {"source": "return params.x", "lang": "painless", "params": {"x": 1}}}


def test_string_script_transform_becomes_painless_object(es):
    assert stored(es, transform={"script": "return [:]"})["transform"] == {"script": {"source": "return [:]", "lang": "painless"}}


# --- logging ---------------------------------------------------------------------------------------
def test_logging_level_defaults_to_info(es):
    assert stored(es, actions={"log": {"logging": {"text": "x"}}})["actions"]["log"]["logging"] == {"level": "info", "text": "x"}


def test_logging_level_lower_case_and_category_kept(es):
    logging = stored(es, actions={"log": {"logging": {"text": "x", "level": "WARN", "category": "c"}}})["actions"]["log"]["logging"]
    assert logging == {"category": "c", "level": "warn", "text": "x"}


# --- search requests -------------------------------------------------------------------------------
def test_search_request_gains_search_type_total_hits_and_indices_array(es):
    watch = stored(es, input={"search": {"request": {"indices": "logs-a,logs-b", "body": {"size": 0}}}})
    assert watch["input"]["search"]["request"] == {
        "search_type": "query_then_fetch", "indices": ["logs-a", "logs-b"], "rest_total_hits_as_int": True, "body": {"size": 0},
    }


def test_search_request_without_indices_has_an_empty_array(es):
    request = stored(es, input={"search": {"request": {"body": {}}}})["input"]["search"]["request"]
    assert request["indices"] == [] and request["rest_total_hits_as_int"] is True


def test_search_request_keeps_rest_total_hits_as_int_false_and_search_type(es):
    request = stored(es, input={"search": {"request": {"indices": ["x"], "rest_total_hits_as_int": False,
                                                       "search_type": "DFS_QUERY_THEN_FETCH"}}})["input"]["search"]["request"]
    assert request["rest_total_hits_as_int"] is False and request["search_type"] == "dfs_query_then_fetch"


def test_search_transform_request_is_normalized_too(es):
    transform = stored(es, transform={"search": {"request": {"indices": "t"}}})["transform"]
    assert transform == {"search": {"request": {"search_type": "query_then_fetch", "indices": ["t"], "rest_total_hits_as_int": True}}}


# --- schedules -------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, expected", [(10, "10s"), ("1m", "1m"), ("2h", "2h"), ("30s", "30s")])
def test_interval_numbers_become_seconds_and_units_are_kept(es, given, expected):
    assert stored(es, trigger={"schedule": {"interval": given}})["trigger"] == {"schedule": {"interval": expected}}


def test_cron_string_and_array_are_kept(es):
    assert stored(es, trigger={"schedule": {"cron": "0 0 12 * * ?"}})["trigger"]["schedule"] == {"cron": "0 0 12 * * ?"}
    crons = ["0 0 12 * * ?", "0 0 6 * * ?"]
    assert stored(es, trigger={"schedule": {"cron": crons}})["trigger"]["schedule"] == {"cron": crons}


def test_hourly_minute_scalar_becomes_array(es):
    assert stored(es, trigger={"schedule": {"hourly": {"minute": 5}}})["trigger"]["schedule"] == {"hourly": {"minute": [5]}}
