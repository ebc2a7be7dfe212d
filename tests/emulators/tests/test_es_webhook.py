# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Webhook actions and mustache: templates rendered as Watcher renders them (no escaping, toJson,
join, url, list items by index, Java value printing), then a real HTTP request whose response is
recorded; a status of 400 or more, or no connection at all, fails the action."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from es_emulator.mustache import EsDate, render


def webhook_watch(httpserver, path="/hook", **request):
    spec = {"scheme": "http", "host": httpserver.host, "port": httpserver.port, "method": "post", "path": path,
            "headers": {"Content-Type": "application/json"}, "body": "{{#toJson}}ctx{{/toJson}}"}
    spec.update(request)
    return {"trigger": {"schedule": {"interval": "1h"}}, "input": {"simple": {"message": "disk <full> & \"hot\"", "items": [1, 2]}},
            "actions": {"hook": {"webhook": spec}}, "metadata": {"name": "disk"}}


# --- mustache ------------------------------------------------------------------------------------
def test_text_templates_are_not_escaped_and_values_print_as_java_does():
    data = {"ctx": {"payload": {"text": "<b>&\"x\"", "flag": True, "ratio": 1.0, "map": {"a": 1}, "list": ["x", "y"]}}}
    rendered = render("{{ctx.payload.text}}|{{ctx.payload.flag}}|{{ctx.payload.ratio}}|{{ctx.payload.map}}|{{ctx.payload.list}}", data)
    assert rendered == '<b>&"x"|true|1.0|{a=1}|[x, y]'


def test_list_items_by_index_and_missing_values_render_empty():
    data = {"ctx": {"payload": {"objects": [{"field": "value1"}, {"field": "value2"}]}}}
    assert render("{{ctx.payload.objects.0.field}} {{ctx.payload.objects.1.field}}[{{ctx.payload.objects.5.field}}]", data) == "value1 value2[]"


def test_to_json_join_and_url_functions():
    moment = datetime(2015, 1, 4, tzinfo=timezone.utc)
    data = {"ctx": {"payload": {"list": [1, 2, 3], "query": "a b&c/d"}, "execution_time": EsDate(moment)}}
    expected = {"payload": {"list": [1, 2, 3], "query": "a b&c/d"}, "execution_time": "2015-01-04T00:00:00.000Z"}
    assert json.loads(render("{{#toJson}}ctx{{/toJson}}", data)) == expected
    assert render("{{#join}}ctx.payload.list{{/join}}", data) == "1,2,3"
    assert render("{{#join delimiter=' | '}}ctx.payload.list{{/join delimiter=' | '}}", data) == "1 | 2 | 3"
    assert render("q={{#url}}{{ctx.payload.query}}{{/url}}", data) == "q=a+b%26c%2Fd"
    # Outside toJson a date prints as ZonedDateTime.toString() does.
    assert render("{{ctx.execution_time}}", data) == "2015-01-04T00:00Z"


def test_to_json_output_is_never_rendered_again():
    data = {"ctx": {"payload": {"template": "{{ctx.payload.secret}}", "secret": "s3cr3t"}}}
    assert json.loads(render("{{#toJson}}ctx.payload{{/toJson}}", data))["template"] == "{{ctx.payload.secret}}"


def test_json_prefix_switches_to_json_escaping():
    assert render('__json__::{"text": "{{ctx.payload.text}}"}', {"ctx": {"payload": {"text": 'say "hi"\n'}}}) == '{"text": "say \\"hi\\"\\n"}'


# --- the webhook action --------------------------------------------------------------------------
def test_webhook_posts_the_rendered_ctx_and_records_the_response(es, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_json({"ok": True}, status=202)
    answer = es.watcher.execute_watch(watch=webhook_watch(httpserver))
    action = answer["watch_record"]["result"]["actions"][0]
    assert action["status"] == "success"
    assert action["webhook"]["response"]["status"] == 202
    assert json.loads(action["webhook"]["response"]["body"]) == {"ok": True}
    assert action["webhook"]["response"]["headers"]["content-type"] == ["application/json"]
    request, dummy = httpserver.log[-1]
    assert request.headers["Content-Type"] == "application/json"
    ctx = json.loads(request.get_data(as_text=True))
    assert ctx["watch_id"] == "_inlined_"
    assert ctx["payload"] == {"message": 'disk <full> & "hot"', "items": [1, 2]}
    assert ctx["metadata"] == {"name": "disk"}
    assert ctx["id"] == answer["_id"]
    assert set(ctx) == {"id", "watch_id", "execution_time", "trigger", "metadata", "payload", "vars"}
    # The recorded request is the rendered one.
    assert action["webhook"]["request"]["body"] == request.get_data(as_text=True)
    assert action["webhook"]["request"]["method"] == "post"


def test_path_params_and_headers_are_templates_too(es, httpserver):
    httpserver.expect_request("/alerts/disk", method="GET", query_string={"watch": "_inlined_"}).respond_with_data("fine")
    watch = webhook_watch(httpserver, path="/alerts/{{ctx.metadata.name}}", method="get", params={"watch": "{{ctx.watch_id}}"},
                          headers={"X-Items": "{{#join}}ctx.payload.items{{/join}}"}, body=None)
    del watch["actions"]["hook"]["webhook"]["body"]
    action = es.watcher.execute_watch(watch=watch)["watch_record"]["result"]["actions"][0]
    assert action["status"] == "success", action
    request, dummy = httpserver.log[-1]
    assert request.headers["X-Items"] == "1,2"
    assert action["webhook"]["request"]["path"] == "/alerts/disk"


def test_basic_auth_is_sent_and_hidden_in_the_record(es, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    watch = webhook_watch(httpserver, auth={"basic": {"username": "elastic", "password": "changeme"}})
    action = es.watcher.execute_watch(watch=watch)["watch_record"]["result"]["actions"][0]
    request, dummy = httpserver.log[-1]
    assert request.authorization.username == "elastic" and request.authorization.password == "changeme"
    assert action["webhook"]["request"]["auth"] == {"basic": {"username": "elastic", "password": "::es_redacted::"}}


def test_a_4xx_or_5xx_answer_fails_the_action(es, httpserver):
    httpserver.expect_request("/hook").respond_with_response(Response("nope", status=503))
    record = es.watcher.execute_watch(watch=webhook_watch(httpserver))["watch_record"]
    action = record["result"]["actions"][0]
    assert action["status"] == "failure"
    assert action["reason"] == "received [503] status code"
    assert action["webhook"]["response"]["body"] == "nope"
    assert record["state"] == "executed"


def test_no_connection_fails_the_action_without_failing_the_request(es, httpserver):
    watch = webhook_watch(httpserver)
    watch["actions"]["hook"]["webhook"]["port"] = 9  # discard: nothing listens there
    watch["actions"]["hook"]["webhook"]["connection_timeout"] = "2s"
    action = es.watcher.execute_watch(watch=watch)["watch_record"]["result"]["actions"][0]
    assert action["status"] == "failure"
    assert action["reason"].startswith("failed to send request")


def test_simulated_webhooks_send_nothing(es, httpserver):
    before = len(httpserver.log)
    answer = es.watcher.execute_watch(watch=webhook_watch(httpserver), action_modes={"hook": "simulate"})
    action = answer["watch_record"]["result"]["actions"][0]
    assert action["status"] == "simulated"
    assert json.loads(action["webhook"]["request"]["body"])["payload"]["items"] == [1, 2]
    assert len(httpserver.log) == before


def test_http_input_makes_a_real_request_and_reads_json(es, httpserver):
    httpserver.expect_request("/stats", query_string={"q": "x"}).respond_with_json({"errors": 7})
    watch = {"trigger": {"schedule": {"interval": "1h"}},
             "input": {"http": {"request": {"host": httpserver.host, "port": httpserver.port, "path": "/stats", "params": {"q": "x"}}}},
             "condition": {"compare": {"ctx.payload.errors": {"gte": 5}}},
             "actions": {"log": {"logging": {"text": "{{ctx.payload.errors}} errors, status {{ctx.payload._status_code}}"}}}}
    result = es.watcher.execute_watch(watch=watch)["watch_record"]["result"]
    assert result["input"]["status"] == "success"
    assert result["input"]["http"]["status_code"] == 200
    assert result["condition"]["met"] is True
    assert result["actions"][0]["logging"]["logged_text"] == "7 errors, status 200"
