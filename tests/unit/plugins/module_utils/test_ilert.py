# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for the iLert HTTP client, against a real local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import sys
import threading
import time
import types
from pathlib import Path

import pytest
import urllib3.util.retry
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Response

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.ilert.watcher.tests.unit.compat.module_args import patch_module_args

from ansible_collections.ilert.watcher.plugins.doc_fragments.ilert import ModuleDocFragment
from ansible_collections.ilert.watcher.plugins.module_utils import _ilert
from ansible_collections.ilert.watcher.plugins.module_utils._collection import user_agent
from ansible_collections.ilert.watcher.plugins.module_utils._ilert import (
    ILERT_ARGUMENT_SPEC,
    ILertAPIError,
    ILertClient,
    ILertConnectionError,
    ILertError,
    client_from_module,
    ensure_requests,
)

TOKEN = "il1api-SECRET-token-0123456789"
KEY = "il1eswatcher-SECRET-key-42"
GALAXY_YML = Path(__file__).resolve().parents[4] / "galaxy.yml"


# -- fixtures ---------------------------------------------------------------

@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    """Record urllib3's retry sleeps instead of sleeping: keeps tests fast and lets them check the waits."""
    recorded = []
    monkeypatch.setattr(urllib3.util.retry, "time", types.SimpleNamespace(sleep=recorded.append, time=time.time))
    return recorded


@pytest.fixture
def fixed_jitter(monkeypatch):
    """Make the jitter deterministic: random.random() returns the value set in the returned list."""
    value = [0.5]
    monkeypatch.setattr(_ilert, "random", types.SimpleNamespace(random=lambda: value[0]))
    return value


@pytest.fixture
def make_client(httpserver):
    def make(warn=None, **overrides):
        params = dict(api_url=httpserver.url_for("/"), api_token=TOKEN, validate_certs=True, timeout=5, retries=3)
        params.update(overrides)
        return ILertClient(params, warn=warn)
    return make


class FakeModule:
    def __init__(self, params=None):
        self.params = params or {}
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)


class FailJson(Exception):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hangup_server():
    """A server that reads each request completely and closes the connection without answering.

    The client sees the request go out and no answer come back (a read error), the case in
    which a POST must not be repeated. ``accepted`` counts requests.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    state = types.SimpleNamespace(accepted=0, stop=False, url="http://127.0.0.1:%d" % listener.getsockname()[1])

    def serve():
        while not state.stop:
            try:
                conn, dummy = listener.accept()
            except socket.timeout:
                continue
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, dummy, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                while len(body) < length:
                    body += conn.recv(65536)
                state.accepted += 1

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield state
    state.stop = True
    thread.join(2)
    listener.close()


def all_texts(exc):
    return [str(exc), repr(exc)] + [str(a) for a in exc.args] + [repr(a) for a in exc.args] + [
        str(getattr(exc, name, "")) for name in ("path", "message", "code")]


# -- argument spec and doc fragment ----------------------------------------

def test_argument_spec_options_and_fallbacks():
    spec = ILERT_ARGUMENT_SPEC
    assert set(spec) == {"api_url", "api_token", "validate_certs", "timeout", "retries"}
    assert spec["api_url"]["default"] == "https://api.ilert.com"
    assert spec["api_url"]["fallback"][1] == ["ILERT_ENDPOINT"]
    assert spec["api_token"]["no_log"] is True
    assert spec["api_token"]["fallback"][1] == ["ILERT_API_TOKEN"]
    assert "required" not in spec["api_token"]  # so the client can name the env var when it is missing
    assert (spec["validate_certs"]["default"], spec["timeout"]["default"], spec["retries"]["default"]) == (True, 30, 3)


def test_doc_fragment_matches_argument_spec_one_to_one():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(options) == set(ILERT_ARGUMENT_SPEC)
    for name, spec in ILERT_ARGUMENT_SPEC.items():
        assert options[name]["type"] == spec["type"], name
        assert options[name].get("default") == spec.get("default"), name
        assert options[name].get("required", False) == spec.get("required", False), name
        for env in spec.get("fallback", (None, []))[1]:
            assert "E(%s)" % env in " ".join(options[name]["description"]), name
    assert "no_log" in " ".join(options["api_token"]["description"])


def test_environment_fallbacks_through_ansible_module(monkeypatch):
    monkeypatch.setenv("ILERT_API_TOKEN", TOKEN)
    monkeypatch.setenv("ILERT_ENDPOINT", "https://ilert.example.com/")
    with patch_module_args({}):
        module = AnsibleModule(argument_spec=ILERT_ARGUMENT_SPEC)
    assert module.params["api_token"] == TOKEN
    assert module.params["api_url"] == "https://ilert.example.com/"
    assert TOKEN in module.no_log_values
    assert ILertClient(module.params).api_url == "https://ilert.example.com"


@pytest.mark.parametrize("params", [{}, {"api_token": None}, {"api_token": ""}, {"api_token": "  \n"}])
def test_missing_token_names_option_and_env_var(params):
    with pytest.raises(ILertError) as info:
        ILertClient(params)
    assert "api_token" in str(info.value)
    assert "ILERT_API_TOKEN" in str(info.value)


def test_token_with_inner_whitespace_is_refused_without_echoing_it():
    with pytest.raises(ILertError) as info:
        ILertClient({"api_token": "abc def"})
    assert "abc" not in str(info.value) and "api_token" in str(info.value)


def test_client_from_module_fails_module_with_clear_message():
    with pytest.raises(FailJson) as info:
        client_from_module(FakeModule({"api_url": "https://api.ilert.com"}))
    assert "ILERT_API_TOKEN" in info.value.args[0]["msg"]


# -- requests, headers, JSON --------------------------------------------------

def test_headers_auth_accept_and_user_agent(httpserver, make_client):
    httpserver.expect_request("/api/alert-sources/7", method="GET").respond_with_json({"id": 7, "name": "x"})
    assert make_client().get("/api/alert-sources/7") == {"id": 7, "name": "x"}
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == "Bearer " + TOKEN
    assert request.headers["Accept"] == "application/json"
    version = yaml.safe_load(GALAXY_YML.read_text(encoding="utf-8"))["version"]
    assert request.headers["User-Agent"] == user_agent("ilert")
    assert request.headers["User-Agent"].startswith("ilert.watcher/%s " % version)


@pytest.mark.parametrize("token", ["Bearer " + TOKEN, "  %s\n" % TOKEN, "bearer  " + TOKEN])
def test_token_prefix_and_surrounding_whitespace_are_dropped(httpserver, make_client, token):
    httpserver.expect_request("/api/teams").respond_with_json([])
    make_client(api_token=token).get("/api/teams")
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer " + TOKEN


def test_netrc_does_not_replace_bearer_auth(httpserver, make_client, tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine localhost login user password pass\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/api/teams").respond_with_json([])
    make_client().get("/api/teams")
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer " + TOKEN


def test_post_sends_json_and_returns_decoded_json(httpserver, make_client):
    body = {"name": "es", "integrationType": "ESWATCHER", "escalationPolicy": {"id": 1}, "active": False}
    httpserver.expect_request("/api/alert-sources", method="POST", json=body).respond_with_json(
        dict(body, id=99), status=201)
    assert make_client().post("/api/alert-sources", body) == dict(body, id=99)
    request = httpserver.log[0][0]
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data()) == body


def test_put_with_query_params_and_path_params(httpserver, make_client):
    httpserver.expect_request("/api/alert-sources/5", method="PUT", json={"a": 1},
                              query_string="include=summaryTemplate&include=eventFilter").respond_with_json({"id": 5})
    result = make_client().put("/api/alert-sources/{id}", {"a": 1}, path_params={"id": 5},
                               params={"include": ["summaryTemplate", "eventFilter"]})
    assert result == {"id": 5}


@pytest.mark.parametrize("response", [Response(status=204), Response(status=200), Response(status=202)])
def test_empty_answers_decode_to_none(httpserver, make_client, response):
    httpserver.expect_request("/api/alert-sources/5", method="DELETE").respond_with_response(response)
    assert make_client().delete("/api/alert-sources/5") is None


def test_non_json_success_body_is_an_error(httpserver, make_client):
    httpserver.expect_request("/api/teams").respond_with_data("<html>login</html>", content_type="text/html")
    with pytest.raises(ILertAPIError) as info:
        make_client().get("/api/teams")
    assert (info.value.status, info.value.code) == (200, "INVALID_RESPONSE")
    assert "<html>login</html>" in info.value.message


def test_redirect_is_reported_not_followed(httpserver, make_client):
    httpserver.expect_request("/api/alert-sources", method="POST").respond_with_data(
        "", status=301, headers={"Location": "https://api.ilert.com/api/alert-sources"})
    httpserver.expect_request("/api/alert-sources", method="GET").respond_with_json([])
    with pytest.raises(ILertAPIError) as info:
        make_client().post("/api/alert-sources", {"name": "x"})
    assert info.value.status == 301 and "api_url" in str(info.value)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/", "//api//"])
@pytest.mark.parametrize("path", ["/api/alert-sources", "/alert-sources", "alert-sources"])
def test_api_url_and_path_normalisation(httpserver, make_client, suffix, path):
    httpserver.expect_request("/api/alert-sources").respond_with_json([])
    client = make_client(api_url=httpserver.url_for("/").rstrip("/") + suffix)
    assert client.api_url == httpserver.url_for("/").rstrip("/")
    assert client.get(path) == []
    assert httpserver.log[0][0].path == "/api/alert-sources"


def test_api_url_keeps_a_proxy_prefix():
    client = ILertClient({"api_token": TOKEN, "api_url": "https://proxy.example.com/ilert/api/"})
    assert client.api_url == "https://proxy.example.com/ilert"


@pytest.mark.parametrize("url", ["api.ilert.com", "ftp://api.ilert.com", "https://"])
def test_bad_api_url_is_a_clear_error(url):
    with pytest.raises(ILertError, match="api_url"):
        ILertClient({"api_token": TOKEN, "api_url": url})


def test_default_api_url():
    assert ILertClient({"api_token": TOKEN}).api_url == "https://api.ilert.com"


# -- pagination ----------------------------------------------------------------

def page_handler(total):
    def handler(request):
        start = int(request.args["start-index"])
        size = int(request.args["max-results"])
        if size > 50 and request.path != "/api/teams":
            return Response(json.dumps({"status": 400, "code": "BAD_REQUEST", "message": "max-results"}), status=400)
        return Response(json.dumps([{"id": i} for i in range(start, min(start + size, total))]),
                        content_type="application/json")
    return handler


@pytest.mark.parametrize("total, pages", [
    (0, [(0, 50)]),
    (49, [(0, 50)]),
    (50, [(0, 50), (50, 50)]),
    (120, [(0, 50), (50, 50), (100, 50)]),
])
def test_paginate_walks_pages_until_a_short_one(httpserver, make_client, total, pages):
    httpserver.expect_request("/api/escalation-policies").respond_with_handler(page_handler(total))
    items = make_client().paginate("/api/escalation-policies")
    assert [i["id"] for i in items] == list(range(total))
    sent = [(int(r.args["start-index"]), int(r.args["max-results"])) for r, dummy in httpserver.log]
    assert sent == pages
    assert all(size <= 50 for dummy, size in sent)


def test_paginate_page_size_and_extra_params(httpserver, make_client):
    httpserver.expect_request("/api/teams").respond_with_handler(page_handler(150))
    items = make_client().paginate("/api/teams", params={"members": "3"}, page_size=100)
    assert len(items) == 150
    assert [dict(r.args) for r, dummy in httpserver.log] == [
        {"members": "3", "start-index": "0", "max-results": "100"},
        {"members": "3", "start-index": "100", "max-results": "100"},
    ]


def test_paginate_rejects_a_non_list(httpserver, make_client):
    httpserver.expect_request("/api/teams").respond_with_json({"id": 1})
    with pytest.raises(ILertError, match="expected a JSON list"):
        make_client().paginate("/api/teams")


# -- errors --------------------------------------------------------------------

def test_get_or_none_maps_404_to_none_only(httpserver, make_client):
    httpserver.expect_request("/api/alert-sources/1").respond_with_json(
        {"status": 404, "code": "NOT_FOUND", "message": "gone"}, status=404)
    httpserver.expect_request("/api/alert-sources/2").respond_with_json(
        {"status": 403, "code": "KEY_ERROR", "message": "bad key"}, status=403)
    client = make_client()
    assert client.get_or_none("/api/alert-sources/1") is None
    with pytest.raises(ILertAPIError) as info:
        client.get_or_none("/api/alert-sources/2")
    assert info.value.status == 403


def test_json_error_body_is_mapped(httpserver, make_client):
    httpserver.expect_request("/api/alert-sources", method="POST").respond_with_json(
        {"status": 400, "code": "BAD_REQUEST", "message": "name must not be empty"}, status=400)
    with pytest.raises(ILertAPIError) as info:
        make_client().post("/api/alert-sources", {"name": ""})
    error = info.value
    assert (error.status, error.code, error.message, error.method, error.path) == (
        400, "BAD_REQUEST", "name must not be empty", "POST", "/api/alert-sources")
    assert str(error) == "iLert API POST /api/alert-sources answered HTTP 400 (BAD_REQUEST): name must not be empty"
    assert isinstance(error, ILertError)


def test_non_json_error_body_is_mapped_and_truncated(httpserver, make_client):
    page = "<html>\n<body>Bad   Gateway</body>\n</html>" + "x" * 1000
    httpserver.expect_request("/api/teams", method="POST").respond_with_data(page, status=502, content_type="text/html")
    with pytest.raises(ILertAPIError) as info:
        make_client().post("/api/teams", {})
    error = info.value
    assert (error.status, error.code, error.method, error.path) == (502, "ERROR", "POST", "/api/teams")
    assert error.message.startswith("<html> <body>Bad Gateway</body> </html>xxx")
    assert error.message.endswith("...") and len(error.message) <= 300
    assert "\n" not in str(error)


def test_empty_error_body_uses_reason_phrase(httpserver, make_client):
    httpserver.expect_request("/api/teams").respond_with_data("", status=403)
    with pytest.raises(ILertAPIError) as info:
        make_client().get("/api/teams")
    assert (info.value.status, info.value.code, info.value.message) == (403, "ERROR", "FORBIDDEN")


# -- retries ---------------------------------------------------------------------

def test_retry_configuration_defaults():
    retry = ILertClient({"api_token": TOKEN}).retry
    assert retry.total == 3
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert "POST" not in retry.allowed_methods
    assert {"GET", "PUT", "DELETE"} <= set(retry.allowed_methods)
    assert retry.raise_on_status is False
    assert (retry.backoff_factor, retry.backoff_max, retry.backoff_jitter, retry.retry_after_max) == (1.0, 30.0, 1.0, 60.0)
    assert retry.other == 0


def test_backoff_grows_exponentially_within_bounds(fixed_jitter):
    retry = ILertClient({"api_token": TOKEN, "retries": 10}).retry
    expected_base = [1, 2, 4, 8, 16, 30, 30, 30]
    for jitter in (0.0, 0.999):
        fixed_jitter[0] = jitter
        current, waits = retry, []
        for dummy in expected_base:
            current = current.increment("GET", "/api/x", error=urllib3.exceptions.ConnectTimeoutError())
            waits.append(current.get_backoff_time())
        assert waits == [min(30.0, base + jitter) for base in expected_base]
    assert retry.get_backoff_time() == 0.0


def test_backoff_actually_waits(httpserver, make_client, sleeps, fixed_jitter):
    fixed_jitter[0] = 0.25
    httpserver.expect_request("/api/teams").respond_with_data("", status=503)
    with pytest.raises(ILertAPIError):
        make_client(retries=3).get("/api/teams")
    assert sleeps == [1.25, 2.25, 4.25]


@pytest.mark.parametrize("header, waited", [("7", [7]), ("600", [60])])
def test_retry_after_is_honoured_and_capped(httpserver, make_client, sleeps, header, waited):
    httpserver.expect_oneshot_request("/api/teams").respond_with_data("", status=429, headers={"Retry-After": header})
    httpserver.expect_oneshot_request("/api/teams").respond_with_json([])
    assert make_client().get("/api/teams") == []
    assert sleeps == waited


def test_unparsable_retry_after_falls_back_to_backoff(httpserver, make_client, sleeps, fixed_jitter):
    fixed_jitter[0] = 0.0
    httpserver.expect_oneshot_request("/api/teams").respond_with_data("", status=503, headers={"Retry-After": "soon"})
    httpserver.expect_oneshot_request("/api/teams").respond_with_json([])
    assert make_client().get("/api/teams") == []
    assert sleeps == [1.0]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_idempotent_requests_are_retried(httpserver, make_client, method, status):
    httpserver.expect_oneshot_request("/api/alert-sources/1", method=method).respond_with_data("", status=status)
    httpserver.expect_oneshot_request("/api/alert-sources/1", method=method).respond_with_json({"id": 1})
    assert make_client().request(method, "/api/alert-sources/1", body={} if method == "PUT" else None) == {"id": 1}
    assert len(httpserver.log) == 2


def test_post_is_retried_after_429(httpserver, make_client):
    httpserver.expect_oneshot_request("/api/alert-sources", method="POST").respond_with_json(
        {"status": 429, "code": "TOO_MANY_REQUESTS", "message": "slow down"}, status=429)
    httpserver.expect_oneshot_request("/api/alert-sources", method="POST").respond_with_json({"id": 3}, status=201)
    assert make_client().post("/api/alert-sources", {"name": "x"}) == {"id": 3}
    assert len(httpserver.log) == 2
    assert [json.loads(r.get_data()) for r, dummy in httpserver.log] == [{"name": "x"}, {"name": "x"}]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_is_not_retried_after_server_errors(httpserver, make_client, status):
    httpserver.expect_request("/api/alert-sources", method="POST").respond_with_data("", status=status)
    with pytest.raises(ILertAPIError) as info:
        make_client().post("/api/alert-sources", {"name": "x"})
    assert info.value.status == status
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 409, 413])
def test_other_errors_are_never_retried(httpserver, make_client, method, status):
    # 413 with Retry-After would be retried by stock urllib3.
    httpserver.expect_request("/api/x", method=method).respond_with_data(
        "", status=status, headers={"Retry-After": "1"})
    with pytest.raises(ILertAPIError) as info:
        make_client().request(method, "/api/x")
    assert info.value.status == status
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_exhausted_retries_raise_the_last_status(httpserver, make_client, retries):
    httpserver.expect_oneshot_request("/api/teams").respond_with_data("", status=502)
    httpserver.expect_request("/api/teams").respond_with_json(
        {"status": 503, "code": "UNAVAILABLE", "message": "maintenance"}, status=503)
    with pytest.raises(ILertAPIError) as info:
        make_client(retries=retries).get("/api/teams")
    assert (info.value.status, info.value.code) == ((503, "UNAVAILABLE") if retries else (502, "ERROR"))
    assert len(httpserver.log) == retries + 1


def test_retries_are_reported_to_warn(httpserver, make_client):
    warnings = []
    httpserver.expect_oneshot_request("/api/alert-sources/" + KEY).respond_with_data("", status=503)
    httpserver.expect_oneshot_request("/api/alert-sources/" + KEY).respond_with_data("", status=429)
    httpserver.expect_oneshot_request("/api/alert-sources/" + KEY).respond_with_json({"id": 1})
    client = make_client(warn=warnings.append)
    assert client.get("/api/alert-sources/{key}", secrets={"key": KEY}) == {"id": 1}
    assert warnings == [
        "iLert API GET /api/alert-sources/******** answered HTTP 503; retry 1 of 3.",
        "iLert API GET /api/alert-sources/******** answered HTTP 429; retry 2 of 3.",
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_refused_is_retried_then_raised(method):
    warnings = []
    url = "http://127.0.0.1:%d/" % free_port()
    client = ILertClient({"api_url": url, "api_token": TOKEN, "retries": 2}, warn=warnings.append)
    with pytest.raises(ILertConnectionError) as info:
        client.request(method, "/api/alert-sources/{key}", secrets={"key": KEY})
    assert len(warnings) == 2  # the request never left, so even POST was repeated
    assert warnings[1] == "iLert API %s /api/alert-sources/******** failed (NewConnectionError); retry 2 of 2." % method
    assert str(info.value).startswith("iLert API %s /api/alert-sources/******** failed: could not connect to " % method)
    assert "refused" in str(info.value).lower()
    assert (info.value.method, info.value.path) == (method, "/api/alert-sources/********")


def test_post_is_not_retried_when_the_answer_is_lost(hangup_server):
    client = ILertClient({"api_url": hangup_server.url, "api_token": TOKEN, "retries": 3})
    with pytest.raises(ILertConnectionError):
        client.post("/api/alert-sources", {"name": "x"})
    assert hangup_server.accepted == 1


def test_get_is_retried_when_the_answer_is_lost(hangup_server):
    client = ILertClient({"api_url": hangup_server.url, "api_token": TOKEN, "retries": 2})
    with pytest.raises(ILertConnectionError):
        client.get("/api/alert-sources")
    assert hangup_server.accepted == 3


def test_timeout_names_the_limit(httpserver):
    def slow(request):
        time.sleep(0.3)
        return Response("[]", content_type="application/json")
    httpserver.expect_request("/api/teams", method="POST").respond_with_handler(slow)
    client = ILertClient({"api_url": httpserver.url_for("/"), "api_token": TOKEN, "timeout": 0.1, "retries": 3})
    with pytest.raises(ILertConnectionError, match="within 0.1 seconds") as info:
        client.post("/api/teams", {})
    assert info.value.__suppress_context__
    time.sleep(0.3)
    assert len(httpserver.log) == 1


def test_tls_failure_is_a_certificate_error():
    from werkzeug.serving import generate_adhoc_ssl_context
    server = HTTPServer(host="127.0.0.1", ssl_context=generate_adhoc_ssl_context())
    server.expect_request("/api/teams").respond_with_json([])
    server.start()
    try:
        url = "https://127.0.0.1:%d/" % server.port
        with pytest.raises(ILertConnectionError) as info:
            ILertClient({"api_url": url, "api_token": TOKEN, "retries": 2}).get("/api/teams")
        assert "certificate" in str(info.value) and "validate_certs" in str(info.value)
        assert info.value.__suppress_context__
        assert not server.log
        insecure = ILertClient({"api_url": url, "api_token": TOKEN, "validate_certs": False})
        with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
            assert insecure.get("/api/teams") == []
    finally:
        server.stop()


# -- secrets -----------------------------------------------------------------------

def test_secrets_never_reach_error_messages(httpserver, make_client):
    echo = "Unknown key %s for token Bearer %s" % (KEY, TOKEN)
    httpserver.expect_request("/api/alert-sources/" + KEY).respond_with_json(
        {"status": 404, "code": "NOT_FOUND", "message": echo}, status=404)
    httpserver.expect_request("/api/v1/events/eswatcher/" + KEY, method="POST").respond_with_data(echo, status=400)
    client = make_client()
    errors = []
    for call in (lambda: client.get("/api/alert-sources/{key}", secrets={"key": KEY}),
                 lambda: client.post("/api/v1/events/eswatcher/{key}", {}, secrets={"key": KEY}),
                 lambda: client.paginate("/api/alert-sources/{key}", secrets={"key": KEY})):
        with pytest.raises(ILertAPIError) as info:
            call()
        errors.append(info.value)
    assert errors[0].path == "/api/alert-sources/********"
    assert errors[1].path == "/api/v1/events/eswatcher/********"
    assert "Unknown key ******** for token Bearer ********" in str(errors[0])
    for error in errors:
        for text in all_texts(error):
            assert KEY not in text and TOKEN not in text
        assert error.__suppress_context__ or error.__context__ is None
    assert TOKEN not in repr(client) and TOKEN not in repr(client._session.auth)


def test_secrets_are_url_encoded_in_the_request_and_masked_in_both_forms(httpserver, make_client):
    secret = "a/b c"
    httpserver.expect_request(re.compile("^/api/alert-sources/")).respond_with_json(
        {"status": 400, "code": "X", "message": "bad a/b c and a%2Fb%20c"}, status=400)
    with pytest.raises(ILertAPIError) as info:
        make_client().get("/api/alert-sources/{key}", secrets={"key": secret})
    assert httpserver.log[0][0].environ["REQUEST_URI"] == "/api/alert-sources/a%2Fb%20c"
    assert info.value.message == "bad ******** and ********"
    assert "a%2Fb" not in str(info.value)


def test_secrets_stay_out_of_connection_errors():
    client = ILertClient({"api_url": "http://127.0.0.1:%d" % free_port(), "api_token": TOKEN, "retries": 0})
    with pytest.raises(ILertConnectionError) as info:
        client.get("/api/alert-sources/{key}", secrets={"key": KEY})
    for text in all_texts(info.value):
        assert KEY not in text and TOKEN not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_added_secrets_are_masked_in_later_errors(httpserver, make_client):
    httpserver.expect_request("/api/alert-sources/5").respond_with_json(
        {"status": 400, "code": "X", "message": "key %s is bad" % KEY}, status=400)
    client = make_client()
    client.add_secret(KEY)
    with pytest.raises(ILertAPIError) as info:
        client.get("/api/alert-sources/5")
    assert info.value.message == "key ******** is bad"


# -- missing requests -----------------------------------------------------------------

def test_ensure_requests_fails_module_when_requests_is_missing(monkeypatch):
    monkeypatch.setattr(_ilert, "HAS_REQUESTS", False)
    monkeypatch.setattr(_ilert, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
    with pytest.raises(FailJson) as info:
        ensure_requests(FakeModule())
    assert info.value.args[0] == {"msg": missing_required_lib("requests"),
                                  "exception": "Traceback: No module named 'requests'"}
    with pytest.raises(ILertError, match="requests"):
        ILertClient({"api_token": TOKEN})


def test_ensure_requests_is_silent_when_requests_is_present():
    ensure_requests(FakeModule())  # would raise FailJson


def test_module_imports_without_requests_or_urllib3(monkeypatch):
    for name in [n for n in sys.modules if n.split(".")[0] in ("requests", "urllib3")]:
        monkeypatch.delitem(sys.modules, name)
    for name in ("requests", "urllib3"):
        monkeypatch.setitem(sys.modules, name, None)  # makes "import requests" raise ImportError
    spec = importlib.util.spec_from_file_location("_ilert_without_requests", _ilert.__file__)
    isolated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(isolated)
    assert isolated.HAS_REQUESTS is False
    assert "ImportError" in isolated.REQUESTS_IMPORT_ERROR or "ModuleNotFoundError" in isolated.REQUESTS_IMPORT_ERROR
    with pytest.raises(FailJson) as info:
        isolated.ensure_requests(FakeModule())
    assert info.value.args[0]["msg"] == missing_required_lib("requests")
    with pytest.raises(isolated.ILertError, match="requests"):
        isolated.ILertClient({"api_token": TOKEN})
