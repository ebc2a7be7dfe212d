# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wire around Watcher: `GET /`, the product header, content negotiation with REST API
compatibility, the error envelope, the legacy `/_xpack/watcher` routes and the licence check."""

from __future__ import annotations

import json

import pytest
import requests
from elasticsearch import AuthorizationException, BadRequestError, NotFoundError

from es_emulator.testing import es_client, served

TRIGGER = {"schedule": {"interval": "1m"}}
JSON = "application/json"


def compat(major: int) -> str:
    return "application/vnd.elasticsearch+json; compatible-with=%d" % major


@pytest.fixture(name="server", scope="module")
def fixture_server():
    with served() as server:
        yield server


def call(server, method, path, accept=None, content_type=None, body=None):
    headers = {}
    if accept:
        headers["Accept"] = accept
    if content_type:
        headers["Content-Type"] = content_type
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    return requests.request(method, server.url + path, headers=headers, data=data, timeout=10)


# --- GET / and the product header ------------------------------------------------------------------
def test_info_through_the_client(server):
    info = es_client(server.url).info()
    assert info["version"]["number"] == "9.1.0" and info["version"]["build_flavor"] == "default"
    assert info["tagline"] == "You Know, for Search"
    assert info.meta.headers["X-Elastic-Product"] == "Elasticsearch"


@pytest.mark.parametrize("version", ["9.1.0", "8.19.0", "7.17.29"])
def test_info_reports_the_emulated_version(version):
    with served(version=version) as server:
        assert call(server, "GET", "/").json()["version"]["number"] == version


def test_product_header_on_every_response_including_errors(server):
    for method, path in (("GET", "/"), ("GET", "/_watcher/watch/missing"), ("GET", "/no/such/route"), ("DELETE", "/_watcher/_start")):
        answer = call(server, method, path)
        assert answer.headers["X-Elastic-Product"] == "Elasticsearch", (method, path, answer.status_code)


# --- content negotiation ---------------------------------------------------------------------------
@pytest.mark.parametrize("accept", [None, JSON, compat(9), compat(8)])
def test_accepted_media_types(server, accept):
    answer = call(server, "PUT", "/_watcher/watch/neg", accept=accept, content_type=accept or JSON, body={"trigger": TRIGGER})
    assert answer.status_code in (200, 201), answer.text


def test_compatible_response_content_type(server):
    answer = call(server, "GET", "/", accept=compat(8))
    assert answer.headers["Content-Type"] == "application/vnd.elasticsearch+json;compatible-with=8"
    assert call(server, "GET", "/", accept=JSON).headers["Content-Type"].startswith(JSON)


def test_compatible_with_seven_is_refused_by_nine(server):
    answer = call(server, "GET", "/", accept=compat(7))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "media_type_header_exception"
    assert error["reason"] == "Invalid media-type value on headers [Accept, Content-Type]"
    assert error["caused_by"]["type"] == "status_exception"
    assert error["caused_by"]["reason"].startswith("Accept version must be either version 9 or 8, but found 7.")
    assert error["root_cause"] == [{"type": "media_type_header_exception", "reason": error["reason"]}]


def test_mismatched_accept_and_content_type_are_refused(server):
    answer = call(server, "PUT", "/_watcher/watch/neg", accept=compat(9), content_type=compat(8), body={"trigger": TRIGGER})
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "media_type_header_exception"
    assert "compatible versions must match" in answer.json()["error"]["caused_by"]["reason"]
    half = call(server, "PUT", "/_watcher/watch/neg", accept=compat(8), content_type=JSON, body={"trigger": TRIGGER})
    assert half.status_code == 400
    assert half.json()["error"]["caused_by"]["reason"].startswith("A compatible version is required on both Content-Type and Accept headers")


def test_malformed_accept_and_unsupported_content_type(server):
    assert call(server, "GET", "/", accept="nonsense").json()["error"]["type"] == "media_type_header_exception"
    answer = call(server, "PUT", "/_watcher/watch/neg", content_type="text/plain", body='{"trigger": {}}')
    assert answer.status_code == 406
    assert answer.json() == {"error": "Content-Type header [text/plain] is not supported", "status": 406}


def test_nine_client_against_eight_server_gets_media_type_header_exception():
    with served(version="8.19.0") as server:
        with pytest.raises(BadRequestError) as caught:
            es_client(server.url).watcher.get_watch(id="x")
        error = caught.value.body["error"]
        assert error["type"] == "media_type_header_exception"
        assert error["caused_by"]["reason"].startswith("Accept version must be either version 8 or 7, but found 9.")


# --- the error envelope ----------------------------------------------------------------------------
def test_error_envelope_shape(server):
    answer = call(server, "PUT", "/_watcher/watch/bad", body={"trigger": TRIGGER, "nope": 1}, content_type=JSON)
    body = answer.json()
    assert answer.status_code == 400 and body["status"] == 400
    assert set(body) == {"error", "status"}
    assert list(body["error"])[:3] == ["root_cause", "type", "reason"]
    assert body["error"]["root_cause"] == [{"type": "parse_exception", "reason": "could not parse watch [bad]. unexpected field [nope]"}]


def test_root_cause_is_the_innermost_elasticsearch_exception(server):
    body = {"trigger": TRIGGER, "actions": {"h": {"webhook": {"host": "h", "port": "x"}}}}
    error = call(server, "PUT", "/_watcher/watch/bad", body=body, content_type=JSON).json()["error"]
    assert error["type"] == "parse_exception" and "caused_by" in error
    assert error["root_cause"][0]["reason"] == error["caused_by"]["reason"]


def test_unknown_route_and_wrong_method(server):
    missing = call(server, "GET", "/_watcher/nothing/here")
    assert missing.status_code == 400
    assert missing.json() == {"error": "no handler found for uri [/_watcher/nothing/here] and method [GET]", "status": 400}
    wrong = call(server, "DELETE", "/_watcher/_start")
    assert wrong.status_code == 405 and "Allow" in wrong.headers


def test_unknown_parameter_is_refused(server):
    answer = call(server, "GET", "/_watcher/watch/x?bogus=1")
    assert answer.status_code == 400 and answer.json()["error"]["type"] == "illegal_argument_exception"
    assert "bogus" in answer.json()["error"]["reason"]


# --- legacy /_xpack/watcher routes -----------------------------------------------------------------
def test_legacy_routes_only_with_compatible_with_seven_on_eight():
    with served(version="8.19.0") as server:
        plain = call(server, "PUT", "/_xpack/watcher/watch/old", content_type=JSON, accept=JSON, body={"trigger": TRIGGER})
        assert plain.status_code == 400 and plain.json()["error"].startswith("no handler found for uri [/_xpack/watcher/watch/old]")
        legacy = call(server, "PUT", "/_xpack/watcher/watch/old", content_type=compat(7), accept=compat(7), body={"trigger": TRIGGER})
        assert legacy.status_code == 201
        assert "[PUT /_xpack/watcher/watch/{id}] is deprecated! Use [PUT /_watcher/watch/{id}] instead." in legacy.headers["Warning"]
        got = call(server, "GET", "/_xpack/watcher/watch/old", accept=compat(7))
        assert got.status_code == 200 and got.json()["found"] is True
        assert call(server, "GET", "/_watcher/watch/old", accept=JSON).json()["_id"] == "old"
        deleted = call(server, "DELETE", "/_xpack/watcher/watch/old", accept=compat(7))
        assert deleted.status_code == 200 and deleted.json()["found"] is True


def test_no_legacy_routes_on_nine(server):
    answer = call(server, "GET", "/_xpack/watcher/stats", accept=JSON)
    assert answer.status_code == 400 and answer.json()["error"].startswith("no handler found")


def test_legacy_routes_are_native_on_seven():
    with served(version="7.17.29") as server:
        answer = call(server, "GET", "/_xpack/watcher/stats")
        assert answer.status_code == 200 and "Warning" in answer.headers


# --- licence ---------------------------------------------------------------------------------------
@pytest.fixture(name="basic", scope="module")
def fixture_basic():
    with served(license_type="basic") as server:
        yield server


def _refused(caught) -> None:
    error = caught.value.body["error"]
    assert caught.value.meta.status == 403
    assert error["type"] == "security_exception"
    assert error["reason"] == "current license is non-compliant for [watcher]"
    assert error["license.expired.feature"] == "watcher"


@pytest.mark.parametrize("api, kwargs", [
    ("put_watch", {"id": "w", "trigger": TRIGGER}),
    ("get_watch", {"id": "w"}),
    ("activate_watch", {"watch_id": "w"}),
    ("deactivate_watch", {"watch_id": "w"}),
    ("ack_watch", {"watch_id": "w"}),
    ("execute_watch", {"id": "w"}),
    ("query_watches", {}),
])
def test_basic_licence_refuses_watcher_calls(basic, api, kwargs):
    with pytest.raises(AuthorizationException) as caught:
        getattr(es_client(basic.url).watcher, api)(**kwargs)
    _refused(caught)


def test_basic_licence_still_allows_delete(basic):
    with pytest.raises(NotFoundError) as caught:
        es_client(basic.url).watcher.delete_watch(id="w")
    assert caught.value.body == {"_id": "w", "_version": 1, "found": False}


def test_basic_licence_is_what_get_license_reports(basic, server):
    assert call(basic, "GET", "/_license").json()["license"]["type"] == "basic"
    assert call(server, "GET", "/_license").json()["license"]["type"] == "trial"
