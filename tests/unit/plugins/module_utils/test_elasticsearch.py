# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests for plugins/module_utils/_elasticsearch.py against a fake Elasticsearch (pytest-httpserver)."""

from __future__ import annotations

import base64
import importlib.util
import json
import socket
import sys
import time

import pytest
import yaml
from werkzeug.wrappers import Response

import elasticsearch
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.ilert.watcher.tests.unit.compat.module_args import patch_module_args

from ansible_collections.ilert.watcher.plugins.doc_fragments.elasticsearch import ModuleDocFragment
from ansible_collections.ilert.watcher.plugins.module_utils import _elasticsearch as es_utils
from ansible_collections.ilert.watcher.plugins.module_utils._collection import user_agent

# Every real Elasticsearch response carries this header; elasticsearch-py 8/9 refuses 2xx without it.
ES_HEADERS = {"X-Elastic-Product": "Elasticsearch"}

PASSWORD = "Pa55-w0rd-s3cret"
API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
BEARER = "dGhpcyBpcyBub3QgYSByZWFsIHRva2VuIGJ1dCBpdCBpcyBhIHNlY3JldA=="
URL_PASSWORD = "url-s3cret-pw"

ENV_VARS = (
    "ELASTICSEARCH_ENDPOINTS",
    "ELASTICSEARCH_USERNAME",
    "ELASTICSEARCH_PASSWORD",
    "ELASTICSEARCH_API_KEY",
    "ELASTICSEARCH_BEARER_TOKEN",
    "ELASTICSEARCH_CA_FILE",
)

# --- Elasticsearch response bodies, shaped as ES 8.x/9.x sends them ----------------------------

ROOT_INFO_8 = {
    "name": "es01",
    "cluster_name": "docker-cluster",
    "version": {"number": "8.19.3", "build_flavor": "default", "lucene_version": "9.12.2"},
    "tagline": "You Know, for Search",
}

# ES 8.x answering a 9.x client (elastic/elasticsearch-py#2923, elastic/mcp-server-elasticsearch#171).
MEDIA_TYPE_400_FROM_ES8 = {
    "error": {
        "root_cause": [
            {"type": "media_type_header_exception", "reason": "Invalid media-type value on headers [Content-Type, Accept]"}
        ],
        "type": "media_type_header_exception",
        "reason": "Invalid media-type value on headers [Content-Type, Accept]",
        "caused_by": {
            "type": "status_exception",
            "reason": "Accept version must be either version 8 or 7, but found 9. "
            "Accept=application/vnd.elasticsearch+json; compatible-with=9",
        },
    },
    "status": 400,
}

# Watcher on a basic licence (ES src LicenseUtils.newComplianceException; elastic/elasticsearch#23490).
LICENCE_403 = {
    "error": {
        "root_cause": [
            {
                "type": "security_exception",
                "reason": "current license is non-compliant for [watcher]",
                "license.expired.feature": "watcher",
            }
        ],
        "type": "security_exception",
        "reason": "current license is non-compliant for [watcher]",
        "license.expired.feature": "watcher",
    },
    "status": 403,
}

AUTHN_401 = {
    "error": {
        "root_cause": [
            {
                "type": "security_exception",
                "reason": "unable to authenticate user [elastic] for REST request [/_watcher/watch/w1]",
                "header": {"WWW-Authenticate": ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]},
            }
        ],
        "type": "security_exception",
        "reason": "unable to authenticate user [elastic] for REST request [/_watcher/watch/w1]",
        "header": {"WWW-Authenticate": ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]},
    },
    "status": 401,
}

_UNAUTHORIZED = (
    "action [cluster:admin/xpack/watcher/watch/put] is unauthorized for user [watch_reader] with effective roles "
    "[watcher_ro], this action is granted by the cluster privileges [manage_watcher,manage,all]"
)
AUTHZ_403 = {
    "error": {
        "root_cause": [{"type": "security_exception", "reason": _UNAUTHORIZED}],
        "type": "security_exception",
        "reason": _UNAUTHORIZED,
    },
    "status": 403,
}

NOT_FOUND_404 = {
    "error": {
        "root_cause": [{"type": "resource_not_found_exception", "reason": "Watch with id [w1] does not exist"}],
        "type": "resource_not_found_exception",
        "reason": "Watch with id [w1] does not exist",
    },
    "status": 404,
}

_CONFLICT = "[w1]: version conflict, required seqNo [3], primary term [1]. current document has seqNo [5] and primary term [1]"
CONFLICT_409 = {
    "error": {
        "root_cause": [{"type": "version_conflict_engine_exception", "reason": _CONFLICT, "index": ".watches", "shard": "0"}],
        "type": "version_conflict_engine_exception",
        "reason": _CONFLICT,
        "index": ".watches",
        "shard": "0",
    },
    "status": 409,
}

PARSE_400 = {
    "error": {
        "root_cause": [{"type": "parse_exception", "reason": "could not parse trigger [schedule] for [w1]"}],
        "type": "parse_exception",
        "reason": "could not parse trigger [schedule] for [w1]",
        "caused_by": {"type": "parse_exception", "reason": "could not parse schedule. unknown schedule type [every]"},
    },
    "status": 400,
}

WATCH = {"trigger": {"schedule": {"interval": "1m"}}, "input": {"simple": {}}, "actions": {}}


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def validate(args):
    """Run Ansible's own argument validation with the collection's rules."""
    validator = ArgumentSpecValidator(
        es_utils.elasticsearch_argument_spec(),
        mutually_exclusive=es_utils.ELASTICSEARCH_MUTUALLY_EXCLUSIVE,
        required_together=es_utils.ELASTICSEARCH_REQUIRED_TOGETHER,
        required_by=es_utils.ELASTICSEARCH_REQUIRED_BY,
    )
    return validator.validate(args)


def params(**args):
    result = validate(args)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def base_url(httpserver):
    return httpserver.url_for("/").rstrip("/")


def client_for(httpserver, **args):
    args.setdefault("hosts", [base_url(httpserver)])
    p = params(**args)
    return es_utils.create_client(p), p


def respond(httpserver, uri, body, status=200, method=None, headers=None):
    kwargs = {"method": method} if method else {}
    httpserver.expect_request(uri, **kwargs).respond_with_json(body, status=status, headers=dict(ES_HEADERS, **(headers or {})))


def raised(call):
    with pytest.raises(Exception) as info:
        call()
    return info.value


def assert_no_secrets(msg):
    for secret in (PASSWORD, API_KEY, BEARER, URL_PASSWORD, base64.b64encode(("elastic:" + PASSWORD).encode()).decode()):
        assert secret not in msg
    assert "\n" not in msg


def unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeModule:
    """Stands in for AnsibleModule where only fail_json and params matter."""

    def __init__(self, module_params):
        self.params = module_params
        self.failed = None
        self.no_log_values = set()

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise SystemExit(1)


# --- argument spec and doc fragment -------------------------------------------------------------


def test_doc_fragment_documents_argument_spec_one_to_one():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = es_utils.elasticsearch_argument_spec()
    assert set(documented) == set(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc["type"] == option["type"], name
        assert doc.get("elements") == option.get("elements"), name
        assert doc.get("default") == option.get("default"), name
        assert doc.get("required", False) == option.get("required", False), name
        assert "no_log" not in doc
        for env in (option.get("fallback") or (None, []))[1]:
            assert "E(%s)" % env in " ".join(doc["description"]), (name, env)


def test_secrets_are_no_log_and_key_path_is_not():
    spec = es_utils.elasticsearch_argument_spec()
    assert {name for name, option in spec.items() if option.get("no_log")} == {"password", "api_key", "bearer_token"}
    assert spec["client_key"]["no_log"] is False


def test_argument_spec_is_a_fresh_copy():
    first = es_utils.elasticsearch_argument_spec()
    first["hosts"]["default"].append("http://mutated:9200")
    first["retries"]["default"] = 99
    second = es_utils.elasticsearch_argument_spec()
    assert second["hosts"]["default"] == ["http://localhost:9200"]
    assert second["retries"]["default"] == 3


def test_defaults():
    p = params()
    assert p["hosts"] == ["http://localhost:9200"]
    assert p["validate_certs"] is True
    assert p["request_timeout"] == 30.0
    assert p["retries"] == 3
    assert p["username"] is p["api_key"] is p["bearer_token"] is p["cloud_id"] is None


def test_env_fallbacks(monkeypatch, tmp_path):
    ca = tmp_path / "ca.pem"
    monkeypatch.setenv("ELASTICSEARCH_ENDPOINTS", " https://es1.example.com:9200, https://es2.example.com:9200 ,,")
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", "elastic")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ELASTICSEARCH_CA_FILE", str(ca))
    result = validate({})
    assert not result.error_messages
    p = result.validated_parameters
    assert p["hosts"] == ["https://es1.example.com:9200", "https://es2.example.com:9200"]
    assert (p["username"], p["password"], p["ca_path"]) == ("elastic", PASSWORD, str(ca))
    # Ansible hides no_log values that came from the environment, too.
    assert PASSWORD in result._no_log_values


@pytest.mark.parametrize(
    "env, option",
    [("ELASTICSEARCH_API_KEY", "api_key"), ("ELASTICSEARCH_BEARER_TOKEN", "bearer_token")],
)
def test_env_fallback_for_tokens(monkeypatch, env, option):
    monkeypatch.setenv(env, "tok-from-env")
    result = validate({})
    assert result.validated_parameters[option] == "tok-from-env"
    assert "tok-from-env" in result._no_log_values


def test_explicit_hosts_win_over_env(monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_ENDPOINTS", "http://env:9200")
    assert params(hosts=["http://explicit:9200"])["hosts"] == ["http://explicit:9200"]


def test_blank_endpoints_env_falls_back_to_default(monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_ENDPOINTS", " , ")
    assert params()["hosts"] == ["http://localhost:9200"]


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"api_key": "k", "bearer_token": "t"}, "mutually exclusive"),
        ({"username": "u", "password": "p", "api_key": "k"}, "mutually exclusive"),
        ({"hosts": ["https://es:9200"], "cloud_id": "c"}, "mutually exclusive"),
        ({"username": "u"}, "required together"),
        ({"password": "p"}, "required together"),
        ({"client_key": "/k.pem"}, "required by 'client_key'"),
    ],
)
def test_argument_rules_reject(args, expected):
    errors = " ".join(validate(args).error_messages)
    assert expected in errors


@pytest.mark.parametrize(
    "args",
    [
        {"cloud_id": "deployment:ZXhhbXBsZS5jb20kYWJjJGRlZg=="},  # the hosts default does not clash
        {"client_cert": "/combined.pem"},  # certificate and key in one PEM
        {"client_cert": "/c.pem", "client_key": "/k.pem"},
        {"username": "u", "password": "p"},
    ],
)
def test_argument_rules_accept(args):
    assert not validate(args).error_messages


def test_env_username_counts_as_set_for_mutual_exclusion(monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", "elastic")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", PASSWORD)
    assert "mutually exclusive" in " ".join(validate({"api_key": "k"}).error_messages)


# --- client keyword arguments -------------------------------------------------------------------


def test_client_kwargs_tls_and_transport_options(tmp_path):
    p = params(
        hosts=["https://es1.example.com:9243", "https://es2.example.com"],
        username="elastic",
        password=PASSWORD,
        ca_path=str(tmp_path / "ca.pem"),
        client_cert=str(tmp_path / "c.pem"),
        client_key=str(tmp_path / "k.pem"),
        validate_certs=False,
        request_timeout=12,
        retries=5,
    )
    kwargs = es_utils.client_kwargs(p)
    assert kwargs == {
        "hosts": ["https://es1.example.com:9243", "https://es2.example.com:443"],
        "basic_auth": ("elastic", PASSWORD),
        "ca_certs": str(tmp_path / "ca.pem"),
        "client_cert": str(tmp_path / "c.pem"),
        "client_key": str(tmp_path / "k.pem"),
        "verify_certs": False,
        "ssl_show_warn": False,
        "request_timeout": 12.0,
        "max_retries": 5,
        "retry_on_status": (429, 500, 502, 503, 504),
        "retry_on_timeout": True,
        "headers": {"user-agent": user_agent("elasticsearch")},
    }


def test_client_kwargs_reach_the_real_client(tmp_path):
    ca = tmp_path / "ca.pem"
    p = params(hosts=["https://es.example.com:9200"], ca_path=str(ca), client_cert=str(tmp_path / "c.pem"), request_timeout=7)
    client = es_utils.create_client(p)
    (node,) = client.transport.node_pool.all()
    assert (node.config.scheme, node.config.host, node.config.port) == ("https", "es.example.com", 9200)
    assert node.config.ca_certs == str(ca)
    assert node.config.client_cert == str(tmp_path / "c.pem")
    assert node.config.verify_certs is True
    assert client._request_timeout == 7.0


@pytest.mark.parametrize(
    "args, key, value",
    [
        ({"api_key": API_KEY}, "api_key", API_KEY),
        ({"bearer_token": BEARER}, "bearer_auth", BEARER),
        ({"username": "elastic", "password": PASSWORD}, "basic_auth", ("elastic", PASSWORD)),
    ],
)
def test_client_kwargs_auth(args, key, value):
    kwargs = es_utils.client_kwargs(params(**args))
    assert kwargs[key] == value
    assert not {"api_key", "bearer_auth", "basic_auth"} - {key} & set(kwargs)


def test_client_kwargs_cloud_id_replaces_hosts():
    kwargs = es_utils.client_kwargs(params(cloud_id="deployment:ZXhhbXBsZS5jb20kYWJjJGRlZg==", ca_path="/ca.pem"))
    assert kwargs["cloud_id"] == "deployment:ZXhhbXBsZS5jb20kYWJjJGRlZg=="
    assert "hosts" not in kwargs
    assert kwargs["ca_certs"] == "/ca.pem"


def test_client_kwargs_http_hosts_ignore_tls_files():
    kwargs = es_utils.client_kwargs(params(hosts=["http://localhost:9200"], ca_path="/ca.pem", client_cert="/c.pem"))
    assert not {"ca_certs", "client_cert", "client_key"} & set(kwargs)
    es_utils.create_client(params(hosts=["http://localhost:9200"], ca_path="/ca.pem"))  # the client would refuse them


def test_client_kwargs_mixed_schemes_with_tls_files_fail():
    with pytest.raises(ValueError, match="mixes http:// and https://"):
        es_utils.client_kwargs(params(hosts=["http://a:9200", "https://b:9200"], ca_path="/ca.pem"))


@pytest.mark.parametrize("host", ["localhost:9200", "es.example.com", "ftp://es:21"])
def test_client_kwargs_require_url_with_scheme(host):
    with pytest.raises(ValueError, match="not a URL with scheme"):
        es_utils.client_kwargs(params(hosts=[host]))


def test_client_kwargs_fill_default_port():
    kwargs = es_utils.client_kwargs(params(hosts=["http://es.example.com", "http://[::1]", "https://es.example.com/prefix"]))
    assert kwargs["hosts"] == ["http://es.example.com:80", "http://[::1]:80", "https://es.example.com:443/prefix"]


@pytest.mark.parametrize("args, match", [({"retries": -1}, "retries"), ({"request_timeout": 0}, "request_timeout")])
def test_client_kwargs_reject_bad_numbers(args, match):
    with pytest.raises(ValueError, match=match):
        es_utils.client_kwargs(params(**args))


# --- on the wire --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, authorization",
    [
        ({"username": "elastic", "password": PASSWORD}, "Basic " + base64.b64encode(("elastic:" + PASSWORD).encode()).decode()),
        ({"api_key": API_KEY}, "ApiKey " + API_KEY),
        ({"bearer_token": BEARER}, "Bearer " + BEARER),
        ({}, None),
    ],
)
def test_auth_and_user_agent_headers_on_the_wire(httpserver, args, authorization):
    respond(httpserver, "/", ROOT_INFO_8)
    client = client_for(httpserver, **args)[0]
    client.info()
    assert len(httpserver.log) == 1
    request = httpserver.log[0][0]
    assert request.headers.get("Authorization") == authorization
    assert request.headers["User-Agent"] == user_agent("elasticsearch")


def test_credentials_in_host_url_are_sent_as_basic_auth(httpserver):
    respond(httpserver, "/", ROOT_INFO_8)
    client = client_for(httpserver, hosts=[base_url(httpserver).replace("://", "://elastic:%s@" % URL_PASSWORD)])[0]
    client.info()
    expected = "Basic " + base64.b64encode(("elastic:" + URL_PASSWORD).encode()).decode()
    assert httpserver.log[0][0].headers["Authorization"] == expected


def test_cluster_version(httpserver):
    respond(httpserver, "/", ROOT_INFO_8)
    client = client_for(httpserver)[0]
    assert es_utils.cluster_version(client) == (8, 19, 3)


def test_retry_503_then_200_sends_exactly_two_requests(httpserver):
    httpserver.expect_ordered_request("/").respond_with_json({"error": "unavailable"}, status=503, headers=ES_HEADERS)
    httpserver.expect_ordered_request("/").respond_with_json(ROOT_INFO_8, headers=ES_HEADERS)
    client = client_for(httpserver)[0]
    assert client.info()["cluster_name"] == "docker-cluster"
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_status_is_retried_immediately_then_reported(httpserver, status):
    respond(httpserver, "/", {"error": "busy"}, status=status)
    client, p = client_for(httpserver, retries=2)
    start = time.monotonic()
    exc = raised(client.info)
    assert time.monotonic() - start < 2.0  # no backoff between status retries
    assert len(httpserver.log) == 3
    err = es_utils.translate_error(exc, p)
    assert err.status == status
    assert err.msg == "HTTP %d: busy" % status


def test_non_retryable_status_sends_one_request(httpserver):
    respond(httpserver, "/_watcher/watch/w1", PARSE_400, status=400, method="PUT")
    client = client_for(httpserver)[0]
    raised(lambda: client.watcher.put_watch(id="w1", **WATCH))
    assert len(httpserver.log) == 1


def test_retries_zero_sends_one_request(httpserver):
    respond(httpserver, "/", {"error": "unavailable"}, status=503)
    client = client_for(httpserver, retries=0)[0]
    exc = raised(client.info)
    assert exc.meta.status == 503
    assert len(httpserver.log) == 1


def test_connection_refused_is_retried_and_translated():
    port = unused_port()
    p = params(hosts=["http://elastic:%s@127.0.0.1:%d" % (URL_PASSWORD, port)], retries=2, request_timeout=5)
    exc = raised(es_utils.create_client(p).info)
    assert isinstance(exc, elasticsearch.ConnectionError)
    assert len(exc.errors) == 2  # the two earlier attempts; three in all
    msg = es_utils.describe_error(exc, p)
    assert msg.startswith("Cannot reach Elasticsearch at http://127.0.0.1:%d: " % port)
    assert "Connection refused" in msg
    assert "request_timeout is 5s" in msg
    assert_no_secrets(msg)


def test_timeout_is_retried_and_names_request_timeout(httpserver):
    calls = []

    def slow(request):
        calls.append(time.monotonic())  # counted on arrival: the server handles one request at a time
        time.sleep(0.3)
        return Response(json.dumps(ROOT_INFO_8), content_type="application/json", headers=ES_HEADERS)

    httpserver.expect_request("/").respond_with_handler(slow)
    client, p = client_for(httpserver, request_timeout=0.1, retries=2)
    exc = raised(client.info)
    assert isinstance(exc, elasticsearch.ConnectionTimeout)
    deadline = time.monotonic() + 3
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the handler is serial: the retries arrive one after another
    assert len(calls) == 3
    msg = es_utils.describe_error(exc, p)
    assert msg.startswith("No answer from Elasticsearch at %s within request_timeout (0.1s), also after 2 retries" % base_url(httpserver))


def test_tls_error_is_retried_and_points_at_ca_path(httpserver):
    # A TLS client talking to a plain-HTTP port fails in the handshake.
    p = params(hosts=[base_url(httpserver).replace("http://", "https://")], retries=1, api_key=API_KEY)
    exc = raised(es_utils.create_client(p).info)
    assert isinstance(exc, elasticsearch.SSLError)
    assert len(exc.errors) == 1  # one earlier attempt
    msg = es_utils.describe_error(exc, p)
    assert msg.startswith("TLS/certificate problem connecting to Elasticsearch at https://")
    assert "ca_path" in msg and "validate_certs=false" in msg
    assert_no_secrets(msg)


# --- error translation from real responses -------------------------------------------------------


def test_media_type_400_from_es8_names_the_client_pin(httpserver):
    def es8(request):
        # What an 8.x node does with the 9.x client's "compatible-with=9" headers.
        if "compatible-with=9" in request.headers.get("Accept", ""):
            return Response(json.dumps(MEDIA_TYPE_400_FROM_ES8), status=400, content_type="application/json", headers=ES_HEADERS)
        return Response(json.dumps(ROOT_INFO_8), content_type="application/json", headers=ES_HEADERS)

    httpserver.expect_request("/_watcher/watch/w1").respond_with_handler(es8)
    client, p = client_for(httpserver, username="elastic", password=PASSWORD)
    exc = raised(lambda: client.watcher.get_watch(id="w1"))
    err = es_utils.translate_error(exc, p)
    assert (err.status, err.error_type) == (400, "media_type_header_exception")
    assert err.msg.startswith("Elasticsearch 8.x refused the request")
    assert "elasticsearch-py %s" % elasticsearch.__versionstr__ in err.msg
    assert "speaks REST API version 9" in err.msg
    assert err.msg.endswith("Install 'elasticsearch>=8,<9' on the host that runs the module.")
    assert len(httpserver.log) == 1
    assert_no_secrets(err.msg)


def test_media_type_400_client_too_old_for_cluster(httpserver):
    body = json.loads(json.dumps(MEDIA_TYPE_400_FROM_ES8).replace("version 8 or 7, but found 9", "version 10 or 9, but found 8"))
    respond(httpserver, "/", body, status=400)
    client, p = client_for(httpserver)
    msg = es_utils.describe_error(raised(client.info), p)
    assert msg.startswith("Elasticsearch 10.x refused the request")
    assert "speaks REST API version 8" in msg
    assert "'elasticsearch>=10,<11'" in msg


def test_media_type_400_without_detail_still_explains_the_mismatch(httpserver):
    body = {"error": {k: v for k, v in MEDIA_TYPE_400_FROM_ES8["error"].items() if k != "caused_by"}, "status": 400}
    respond(httpserver, "/", body, status=400)
    client, p = client_for(httpserver)
    msg = es_utils.describe_error(raised(client.info), p)
    assert "HTTP 400 media_type_header_exception: Invalid media-type value on headers [Content-Type, Accept]" in msg
    assert "'elasticsearch>=8,<9' for Elasticsearch 8.x" in msg


def test_licence_403_says_watcher_needs_trial_or_paid_licence(httpserver):
    respond(httpserver, "/_watcher/watch/w1", LICENCE_403, status=403, method="PUT")
    client, p = client_for(httpserver, api_key=API_KEY)
    err = es_utils.translate_error(raised(lambda: client.watcher.put_watch(id="w1", **WATCH)), p)
    assert (err.status, err.error_type, err.reason) == (403, "security_exception", "current license is non-compliant for [watcher]")
    assert err.msg.startswith("The cluster's licence does not include watcher (HTTP 403 security_exception:")
    assert "not part of the free basic licence" in err.msg
    assert "start a trial" in err.msg and "paid licence" in err.msg
    assert "privilege" not in err.msg


@pytest.mark.parametrize(
    "args, hint",
    [
        ({"username": "elastic", "password": PASSWORD}, "check username and password (user 'elastic')"),
        ({"api_key": API_KEY}, "check api_key"),
        ({"bearer_token": BEARER}, "check bearer_token"),
        ({}, "no credentials were given"),
    ],
)
def test_401_names_the_auth_method_without_secrets(httpserver, args, hint):
    respond(httpserver, "/_watcher/watch/w1", AUTHN_401, status=401, headers={"WWW-Authenticate": "ApiKey"})
    client, p = client_for(httpserver, **args)
    err = es_utils.translate_error(raised(lambda: client.watcher.get_watch(id="w1")), p)
    assert err.status == 401
    assert err.msg.startswith("Authentication to Elasticsearch at %s failed (HTTP 401 security_exception: " % base_url(httpserver))
    assert hint in err.msg
    assert_no_secrets(err.msg)


def test_403_names_the_privileges_from_the_body(httpserver):
    respond(httpserver, "/_watcher/watch/w1", AUTHZ_403, status=403, method="PUT")
    client, p = client_for(httpserver, username="watch_reader", password=PASSWORD)
    msg = es_utils.describe_error(raised(lambda: client.watcher.put_watch(id="w1", **WATCH)), p)
    assert msg.startswith("Not authorised (HTTP 403 security_exception: action [cluster:admin/xpack/watcher/watch/put]")
    assert msg.endswith("grant the user or API key one of the cluster privileges manage_watcher, manage, all.")


def test_403_without_privilege_detail_suggests_watcher_privileges(httpserver):
    respond(httpserver, "/_watcher/watch/w1", {"error": {"type": "security_exception", "reason": "denied"}, "status": 403}, status=403)
    client, p = client_for(httpserver)
    msg = es_utils.describe_error(raised(lambda: client.watcher.get_watch(id="w1")), p)
    assert msg == (
        "Not authorised (HTTP 403 security_exception: denied): managing watches needs the cluster privilege "
        "manage_watcher (monitor_watcher for read-only access)."
    )


def test_generic_404_uses_the_error_envelope(httpserver):
    respond(httpserver, "/_watcher/watch/w1/_ack", NOT_FOUND_404, status=404, method="PUT")
    client, p = client_for(httpserver)
    exc = raised(lambda: client.watcher.ack_watch(watch_id="w1"))
    assert isinstance(exc, elasticsearch.NotFoundError)
    err = es_utils.translate_error(exc, p)
    assert err.msg == "HTTP 404 resource_not_found_exception: Watch with id [w1] does not exist"
    assert (err.status, err.error_type, err.reason) == (404, "resource_not_found_exception", "Watch with id [w1] does not exist")


def test_404_without_envelope_shows_the_body(httpserver):
    respond(httpserver, "/_watcher/watch/w1", {"found": False, "_id": "w1"}, status=404)
    client, p = client_for(httpserver)
    assert es_utils.describe_error(raised(lambda: client.watcher.get_watch(id="w1")), p) == 'HTTP 404: {"_id": "w1", "found": false}'


def test_generic_409(httpserver):
    respond(httpserver, "/_watcher/watch/w1", CONFLICT_409, status=409, method="PUT")
    client, p = client_for(httpserver)
    exc = raised(lambda: client.watcher.put_watch(id="w1", if_seq_no=3, if_primary_term=1, **WATCH))
    assert isinstance(exc, elasticsearch.ConflictError)
    assert dict(httpserver.log[0][0].args) == {"if_seq_no": "3", "if_primary_term": "1"}
    assert es_utils.describe_error(exc, p) == "HTTP 409 version_conflict_engine_exception: " + _CONFLICT


def test_400_includes_caused_by(httpserver):
    respond(httpserver, "/_watcher/watch/w1", PARSE_400, status=400, method="PUT")
    client, p = client_for(httpserver)
    msg = es_utils.describe_error(raised(lambda: client.watcher.put_watch(id="w1", **WATCH)), p)
    assert msg == (
        "HTTP 400 parse_exception: could not parse trigger [schedule] for [w1] "
        "(caused by: parse_exception: could not parse schedule. unknown schedule type [every])"
    )


def test_proxy_error_page_is_one_line(httpserver):
    httpserver.expect_request("/").respond_with_data(
        "<html>\n<body>502 Bad Gateway</body>\n</html>\n", status=502, content_type="text/html"
    )
    client, p = client_for(httpserver, retries=0)
    assert es_utils.describe_error(raised(client.info), p) == "HTTP 502: <html> <body>502 Bad Gateway</body> </html>"


def test_unsupported_product(httpserver):
    httpserver.expect_request("/").respond_with_json({"hello": "not elasticsearch"})  # no X-Elastic-Product
    client, p = client_for(httpserver, hosts=[base_url(httpserver).replace("://", "://u:%s@" % URL_PASSWORD)])
    exc = raised(client.info)
    assert isinstance(exc, elasticsearch.UnsupportedProductError)
    msg = es_utils.describe_error(exc, p)
    assert msg.startswith("The server at %s answered, but not as Elasticsearch" % base_url(httpserver))
    assert "X-Elastic-Product: Elasticsearch" in msg and "proxy" in msg
    assert_no_secrets(msg)


def test_secrets_echoed_by_the_server_are_redacted(httpserver):
    basic = base64.b64encode(("elastic:" + PASSWORD).encode()).decode()
    reason = "bad header [Basic %s] password %s token %s %s seen at http://elastic:%s@proxy:9200/" % (
        basic, PASSWORD, API_KEY, BEARER, URL_PASSWORD,
    )
    respond(httpserver, "/", {"error": {"type": "illegal_argument_exception", "reason": reason}, "status": 400}, status=400)
    p = params(
        hosts=[base_url(httpserver).replace("://", "://elastic:%s@" % URL_PASSWORD)],
        username="elastic",
        password=PASSWORD,
    )
    p.update(api_key=API_KEY, bearer_token=BEARER)  # the module rules forbid this mix; the scrubbing must not care
    err = es_utils.translate_error(raised(es_utils.create_client(dict(p, api_key=None, bearer_token=None)).info), p)
    assert_no_secrets(err.msg)
    assert_no_secrets(err.reason)
    assert "********" in err.msg and "http://proxy:9200/" in err.msg


def test_other_exceptions_are_described():
    assert es_utils.describe_error(ValueError("bad\nvalue")) == "ValueError: bad value"
    err = es_utils.translate_error(elasticsearch.SerializationError("Unknown mimetype"), params())
    assert err.msg == "Could not decode the response from Elasticsearch at http://localhost:9200: Unknown mimetype."
    assert err.status is None


# --- helpers for modules ------------------------------------------------------------------------


def test_fail_from_error_adds_action_and_status(httpserver):
    respond(httpserver, "/_watcher/watch/w1", CONFLICT_409, status=409, method="PUT")
    client, p = client_for(httpserver)
    exc = raised(lambda: client.watcher.put_watch(id="w1", **WATCH))
    module = FakeModule(p)
    with pytest.raises(SystemExit):
        es_utils.fail_from_error(module, exc, "Cannot update watch 'w1'")
    assert module.failed == {
        "msg": "Cannot update watch 'w1': HTTP 409 version_conflict_engine_exception: " + _CONFLICT,
        "status": 409,
        "error_type": "version_conflict_engine_exception",
    }


def test_require_elasticsearch_fails_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(es_utils, "HAS_ELASTICSEARCH", False)
    monkeypatch.setattr(es_utils, "ELASTICSEARCH_IMPORT_ERROR", "Traceback: No module named 'elasticsearch'")
    module = FakeModule(params())
    with pytest.raises(SystemExit):
        es_utils.require_elasticsearch(module)
    assert "Failed to import the required Python library (elasticsearch)" in module.failed["msg"]
    assert module.failed["exception"] == "Traceback: No module named 'elasticsearch'"


def test_require_elasticsearch_passes_when_installed():
    module = FakeModule(params())
    es_utils.require_elasticsearch(module)
    assert module.failed is None


def _run_module(args):
    spec = es_utils.elasticsearch_argument_spec()
    with patch_module_args(args):
        module = AnsibleModule(
            argument_spec=spec,
            mutually_exclusive=es_utils.ELASTICSEARCH_MUTUALLY_EXCLUSIVE,
            required_together=es_utils.ELASTICSEARCH_REQUIRED_TOGETHER,
            required_by=es_utils.ELASTICSEARCH_REQUIRED_BY,
        )
        return module, es_utils.connect(module)


def test_connect_returns_a_client_and_hides_url_passwords():
    module, client = _run_module({"hosts": ["http://elastic:%s@localhost:9200" % URL_PASSWORD]})
    assert isinstance(client, elasticsearch.Elasticsearch)
    assert URL_PASSWORD in module.no_log_values


def test_connect_fails_cleanly_on_invalid_hosts(capsys):
    with pytest.raises(SystemExit):
        _run_module({"hosts": ["elastic:%s@localhost:9200" % URL_PASSWORD]})
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid Elasticsearch connection settings: hosts entry ")
    assert URL_PASSWORD not in json.dumps(result)


def test_imports_without_elasticsearch(monkeypatch):
    # What ansible-test's import sanity test does: no third-party libraries at all.
    for name in list(sys.modules):
        if name.split(".")[0] in ("elasticsearch", "elastic_transport"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "elasticsearch", None)
    monkeypatch.setitem(sys.modules, "elastic_transport", None)
    spec = importlib.util.spec_from_file_location("_es_without_client", es_utils.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.HAS_ELASTICSEARCH is False
    assert "elasticsearch" in module.ELASTICSEARCH_IMPORT_ERROR
    assert module.ELASTICSEARCH_ERRORS == () and module.CLIENT_VERSION == ()
    assert module.elasticsearch_argument_spec()["hosts"]["default"] == ["http://localhost:9200"]
    assert module.describe_error(RuntimeError("boom")) == "RuntimeError: boom"
    with pytest.raises(RuntimeError, match=r"required Python library \(elasticsearch\)"):
        module.create_client(params())


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://elastic:pw@es.example.com:9200/prefix", "https://es.example.com:9200/prefix"),
        ("http://user@[::1]:9200", "http://[::1]:9200"),
        ("elastic:pw@localhost:9200", "localhost:9200"),
        ("http://es.example.com:9200/a@b", "http://es.example.com:9200/a@b"),
        ("http://localhost:9200", "http://localhost:9200"),
    ],
)
def test_redact_url(url, expected):
    assert es_utils.redact_url(url) == expected
