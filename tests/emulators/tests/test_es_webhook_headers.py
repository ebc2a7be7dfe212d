# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The headers a webhook sends, as HttpClient.execute sets them: Accept-Charset, the request's own
headers, and a Content-Type guessed from the body (JSON, YAML) when none is given, else text/plain."""

from __future__ import annotations

import pytest
from werkzeug.wrappers import Response


def _sent_headers(es, httpserver, body, headers=None):
    httpserver.expect_request("/hook", method="POST").respond_with_response(Response("ok"))
    webhook = {"scheme": "http", "host": httpserver.host, "port": httpserver.port, "method": "post", "path": "/hook", "body": body}
    if headers is not None:
        webhook["headers"] = headers
    watch = {"trigger": {"schedule": {"interval": "1h"}}, "actions": {"hook": {"webhook": webhook}}}
    record = es.watcher.execute_watch(watch=watch)["watch_record"]
    assert record["result"]["actions"][0]["status"] == "success", record
    request, dummy = httpserver.log[-1]
    return request.headers


@pytest.mark.parametrize("body, content_type", [
    ('{"a": 1}', "application/json"),
    ('  \n{"a": 1}', "application/json"),
    ("---\na: 1\n", "application/yaml"),
    ("a plain text", "text/plain; charset=ISO-8859-1"),
    ("", "text/plain; charset=ISO-8859-1"),
])
def test_a_body_without_content_type_gets_the_guessed_one(es, httpserver, body, content_type):
    assert _sent_headers(es, httpserver, body)["Content-Type"] == content_type


def test_a_content_type_header_in_any_case_is_sent_as_given(es, httpserver):
    headers = _sent_headers(es, httpserver, '{"a": 1}', {"content-type": "text/csv"})
    assert headers["Content-Type"] == "text/csv"


def test_accept_charset_is_always_sent_unless_overridden(es, httpserver):
    assert _sent_headers(es, httpserver, "x")["Accept-Charset"] == "UTF-8"
    assert _sent_headers(es, httpserver, "x", {"Accept-Charset": "ISO-8859-1"})["Accept-Charset"] == "ISO-8859-1"
