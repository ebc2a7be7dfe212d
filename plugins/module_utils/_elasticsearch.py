# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the Elasticsearch client layer of the es_* modules.

Connection options (paired 1:1 with the ilert.watcher.elasticsearch doc fragment), building the
official elasticsearch-py 8.x/9.x client from them, and turning its exceptions into one-line
messages that name the fix. Private: backwards-incompatible changes can happen in any release.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import traceback
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.basic import AnsibleFallbackNotFound, env_fallback, missing_required_lib

from ansible_collections.ilert.watcher.plugins.module_utils._collection import user_agent

# ansible-test's import sanity test loads this file without third-party libraries, so nothing
# outside this guard may touch an elasticsearch name at import time.
try:
    import elasticsearch
    from elasticsearch import ApiError, Elasticsearch, TransportError, UnsupportedProductError
    from elasticsearch.exceptions import (
        ConnectionError as EsConnectionError,
        ConnectionTimeout,
        SerializationError,
        SSLError,
    )
except ImportError:
    HAS_ELASTICSEARCH = False
    ELASTICSEARCH_IMPORT_ERROR = traceback.format_exc()
    CLIENT_VERSION = ()
    ELASTICSEARCH_ERRORS = ()
else:
    HAS_ELASTICSEARCH = True
    ELASTICSEARCH_IMPORT_ERROR = None
    CLIENT_VERSION = tuple(elasticsearch.__version__)
    # What modules catch around client calls; an empty tuple (library missing) catches nothing.
    ELASTICSEARCH_ERRORS = (ApiError, TransportError)

DEFAULT_HOSTS = ["http://localhost:9200"]

# elastic-transport's default plus 500. Every request of the es_* modules is a read or a write
# by id that may be repeated (a repeated conditional PUT meets a 409 and the module reads
# again), so a repeat never does anything twice. Spelled out so the doc fragment cannot drift.
RETRY_ON_STATUS = (429, 500, 502, 503, 504)

REDACTED = "********"


def _endpoints_fallback(*names):
    """Like env_fallback, but splits a comma-separated list and drops blanks ("a, b," -> [a, b])."""
    for name in names:
        endpoints = [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]
        if endpoints:
            return endpoints
    raise AnsibleFallbackNotFound


_ARGUMENT_SPEC = dict(
    hosts=dict(
        type="list",
        elements="str",
        default=DEFAULT_HOSTS,
        fallback=(_endpoints_fallback, ["ELASTICSEARCH_ENDPOINTS"]),
    ),
    username=dict(type="str", fallback=(env_fallback, ["ELASTICSEARCH_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["ELASTICSEARCH_PASSWORD"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["ELASTICSEARCH_API_KEY"])),
    bearer_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ELASTICSEARCH_BEARER_TOKEN"])),
    cloud_id=dict(type="str"),
    ca_path=dict(type="path", fallback=(env_fallback, ["ELASTICSEARCH_CA_FILE"])),
    client_cert=dict(type="path"),
    # A file name, not a secret; explicit so validate-modules' no-log-needed stays quiet.
    client_key=dict(type="path", no_log=False),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=30),
    retries=dict(type="int", default=3),
)

# Ansible checks these before it applies defaults but after env fallbacks: the default hosts never
# clash with cloud_id, while ELASTICSEARCH_ENDPOINTS or ELASTICSEARCH_USERNAME in the environment
# count as if the option had been given (documented in the fragment).
ELASTICSEARCH_MUTUALLY_EXCLUSIVE = [
    ("api_key", "bearer_token", "username"),
    ("hosts", "cloud_id"),
]
ELASTICSEARCH_REQUIRED_TOGETHER = [("username", "password")]
# Not required_together: client_cert alone is valid when the PEM file also holds the key.
ELASTICSEARCH_REQUIRED_BY = {"client_key": ("client_cert",)}


def elasticsearch_argument_spec():
    """A fresh copy of the connection options, for a module to extend with its own."""
    return copy.deepcopy(_ARGUMENT_SPEC)


def require_elasticsearch(module):
    """Fail the module with Ansible's standard message when elasticsearch-py is not importable."""
    if not HAS_ELASTICSEARCH:
        module.fail_json(msg=missing_required_lib("elasticsearch"), exception=ELASTICSEARCH_IMPORT_ERROR)


def _check_host(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "hosts entry '%s' is not a URL with scheme, for example https://es.example.com:9200" % redact_url(url)
        )
    if parts.port is None:
        # The client insists on an explicit port for http://; use what the URL means.
        default_port = 443 if parts.scheme == "https" else 80
        parts = parts._replace(netloc="%s:%d" % (parts.netloc, default_port))
    return urlunsplit(parts)


def client_kwargs(params):
    """Keyword arguments for elasticsearch.Elasticsearch() (8.x and 9.x) from the module options.

    Raises ValueError for settings the client would reject, with a message free of secrets.
    """
    if params.get("retries") is not None and params["retries"] < 0:
        raise ValueError("retries must be 0 or greater")
    if params.get("request_timeout") is not None and params["request_timeout"] <= 0:
        raise ValueError("request_timeout must be greater than 0")

    kwargs = dict(
        headers={"user-agent": user_agent("elasticsearch")},
        verify_certs=params.get("validate_certs", True),
        request_timeout=float(params.get("request_timeout") or 30),
        max_retries=params.get("retries", 3),
        retry_on_status=RETRY_ON_STATUS,
        # A timed-out request may have been carried out; repeating it is safe for the same reason
        # as above, and each repeat waits request_timeout again.
        retry_on_timeout=True,
    )

    if params.get("cloud_id"):
        # hosts then only holds its default (a user-given value is rejected as mutually exclusive).
        kwargs["cloud_id"] = params["cloud_id"]
        schemes = {"https"}
    else:
        hosts = [_check_host(host) for host in params.get("hosts") or DEFAULT_HOSTS]
        kwargs["hosts"] = hosts
        schemes = {urlsplit(host).scheme for host in hosts}

    if params.get("username"):
        kwargs["basic_auth"] = (params["username"], params.get("password") or "")
    elif params.get("api_key"):
        kwargs["api_key"] = params["api_key"]
    elif params.get("bearer_token"):
        kwargs["bearer_auth"] = params["bearer_token"]

    tls_files = dict(
        ca_certs=params.get("ca_path"),
        client_cert=params.get("client_cert"),
        client_key=params.get("client_key"),
    )
    tls_files = dict((key, value) for key, value in tls_files.items() if value)
    if tls_files:
        # The client refuses TLS options for http:// nodes. Skipping them for plain-http hosts keeps
        # ELASTICSEARCH_CA_FILE set for other clusters from breaking a local http://localhost:9200.
        if schemes == {"https"}:
            kwargs.update(tls_files)
        elif "https" in schemes:
            raise ValueError(
                "ca_path, client_cert and client_key cannot be used when hosts mixes http:// and https:// URLs"
            )

    if not kwargs["verify_certs"]:
        # The user opted out explicitly; the client's SecurityWarning would only add noise.
        kwargs["ssl_show_warn"] = False
    return kwargs


def create_client(params):
    """An elasticsearch.Elasticsearch client for the module options (no request is sent yet)."""
    if not HAS_ELASTICSEARCH:
        raise RuntimeError(missing_required_lib("elasticsearch"))
    return Elasticsearch(**client_kwargs(params))


def connect(module):
    """The client for an AnsibleModule whose argument spec includes elasticsearch_argument_spec().

    Fails the module when the library is missing or the connection settings are invalid.
    """
    require_elasticsearch(module)
    # Passwords written into a host URL are not covered by no_log; hide them in the module result.
    for secret in _url_secrets(module.params.get("hosts")):
        module.no_log_values.add(secret)
    try:
        return create_client(module.params)
    except ValueError as exc:
        module.fail_json(msg="Invalid Elasticsearch connection settings: %s" % _scrub(str(exc), module.params))


def cluster_version(client):
    """The cluster's version from GET /, e.g. (8, 19, 3); () if the server reports none."""
    number = str((client.info().body.get("version") or {}).get("number", ""))
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", number)
    return tuple(int(part) for part in match.groups()) if match else ()


# --------------------------------------------------------------------------------------------
# Error translation
# --------------------------------------------------------------------------------------------


class ElasticsearchClientError(Exception):
    """A translated client error: ``msg`` is the one-line, secret-free message for fail_json.

    ``status`` (HTTP status), ``error_type`` and ``reason`` (from the Elasticsearch error body)
    are None when the request never got an HTTP response.
    """

    def __init__(self, msg, status=None, error_type=None, reason=None):
        super().__init__(msg)
        self.msg = msg
        self.status = status
        self.error_type = error_type
        self.reason = reason

    def details(self) -> dict:
        """``status`` and ``error_type`` where known, as extra values of a failed result."""
        return dict((key, value) for key, value in (("status", self.status), ("error_type", self.error_type)) if value is not None)


_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/?#\s@'\"]+@")
# ES 8.x/9.x, RestCompatibleVersionHelper: "Accept version must be either version 8 or 7, but found 9."
_COMPAT_VERSION_RE = re.compile(r"(?:Accept|Content-Type) version must be either version (\d+)(?: or (\d+))?, but found (\d+)")
_LICENCE_RE = re.compile(r"current license is non-compliant for \[([^\]]+)\]")
_GRANTED_BY_RE = re.compile(r"this action is granted by the (cluster|index) privileges \[([^\]]+)\]")
_URLLIB3_PREFIX_RE = re.compile(r"^\w+\(host=[^)]*\):\s*")


def _split_userinfo(url):
    """(prefix, userinfo, rest) of a URL, also for scheme-less "user:pass@host:9200"."""
    scheme, sep, rest = url.partition("://")
    prefix = scheme + sep if sep else ""
    rest = rest if sep else url
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, dummy = authority.rpartition("@")
    return prefix, userinfo, rest[len(userinfo) + len(at):]


def redact_url(url):
    """The URL without its user:password@ part, for messages."""
    prefix, dummy, rest = _split_userinfo(url)
    return prefix + rest


def _url_secrets(hosts):
    secrets = []
    for host in hosts or []:
        userinfo = _split_userinfo(host)[1]
        if userinfo:
            secrets.append(userinfo)
            password = userinfo.partition(":")[2]
            if password:
                secrets.append(password)
    return secrets


def _scrub(text, params):
    """Remove every secret the options may carry, in plain or Basic-encoded form, from text."""
    text = _USERINFO_RE.sub(r"\1", text)
    secrets = [params.get(name) for name in ("password", "api_key", "bearer_token")]
    secrets.extend(_url_secrets(params.get("hosts")))
    if params.get("username") and params.get("password"):
        pair = "%s:%s" % (params["username"], params["password"])
        secrets.append(base64.b64encode(pair.encode("utf-8")).decode("ascii"))
    for secret in sorted(set(s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _one_line(text, limit=400):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(params, exc):
    if params.get("cloud_id"):
        return "the Elastic Cloud deployment given by cloud_id"
    if params.get("hosts"):
        return ", ".join(redact_url(host) for host in params["hosts"])
    node = getattr(getattr(exc, "meta", None), "node", None)
    if node is not None:
        return "%s://%s:%s" % (node.scheme, node.host, node.port)
    return "the configured hosts"


def _envelope(body):
    """(type, reason, caused_by text) from {"error": {"type", "reason", "caused_by"}, "status"}."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        causes = []
        cause = error.get("caused_by")
        while isinstance(cause, dict) and len(causes) < 3:
            causes.append("%s: %s" % (cause.get("type"), cause.get("reason")) if cause.get("type") else str(cause.get("reason")))
            cause = cause.get("caused_by")
        return error.get("type"), error.get("reason"), "; ".join(causes)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return None, body["error"], ""
    if isinstance(body, (dict, list)):
        return None, json.dumps(body, sort_keys=True), ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return None, (body or None), ""


def _auth_hint(params):
    if params.get("username"):
        return "check username and password (user '%s')" % params["username"]
    if params.get("api_key"):
        return "check api_key: it must be the base64 'encoded' value of an API key that exists and has not expired"
    if params.get("bearer_token"):
        return "check bearer_token: it may have expired"
    if _url_secrets(params.get("hosts")):
        return "check the user:password given in hosts"
    return "no credentials were given: set username and password, api_key or bearer_token"


def _compat_message(match, status, error_type, reason):
    accepted = sorted(set(int(group) for group in match.group(1, 2) if group))
    found = int(match.group(3))
    server_major = max(accepted)
    client = "elasticsearch-py %s" % ".".join(str(part) for part in CLIENT_VERSION) if CLIENT_VERSION else "elasticsearch-py"
    head = (
        "Elasticsearch %d.x refused the request (HTTP %s %s: %s) because the installed %s client "
        "speaks REST API version %d, which the cluster does not accept." % (server_major, status, error_type, reason, client, found)
    )
    if server_major < 8:
        return head + " This collection supports Elasticsearch 8.x and 9.x clusters only."
    return head + " Install 'elasticsearch>=%d,<%d' on the host that runs the module." % (server_major, server_major + 1)


def _api_error(exc, params):
    status = exc.meta.status
    body = exc.body
    error_type, reason, caused_by = _envelope(body)
    reason = _one_line(reason) if reason else None
    summary = "HTTP %s" % status
    if error_type:
        summary += " %s" % error_type
    if reason:
        summary += ": %s" % reason
    text = json.dumps(body) if isinstance(body, (dict, list)) else str(body)

    if isinstance(exc, UnsupportedProductError):
        return (
            "The server at %s answered, but not as Elasticsearch: its response lacks the header "
            "'X-Elastic-Product: Elasticsearch' that elasticsearch-py requires. Check hosts, and any "
            "proxy in between that may strip the header." % _where(params, exc),
            status, None, None,
        )

    compat = _COMPAT_VERSION_RE.search(text)
    if compat:
        return _compat_message(compat, status, error_type, reason), status, error_type, reason
    if error_type == "media_type_header_exception":
        return (
            "Elasticsearch refused the client's API compatibility headers (%s%s). This usually means the "
            "elasticsearch-py major version does not match the cluster: install 'elasticsearch>=8,<9' for "
            "Elasticsearch 8.x and 'elasticsearch>=9,<10' for 9.x on the host that runs the module."
            % (summary, " (caused by: %s)" % _one_line(caused_by) if caused_by else ""),
            status, error_type, reason,
        )

    licence = _LICENCE_RE.search(text)
    if status == 403 and licence:
        feature = licence.group(1)
        return (
            "The cluster's licence does not include %s (%s). Watcher is not part of the free basic licence: "
            "start a trial (POST /_license/start_trial?acknowledge=true) or install a paid licence." % (feature, summary),
            status, error_type, reason,
        )

    if status == 401:
        return (
            "Authentication to Elasticsearch at %s failed (%s): %s." % (_where(params, exc), summary, _auth_hint(params)),
            status, error_type, reason,
        )

    if status == 403:
        granted = _GRANTED_BY_RE.search(text)
        if granted:
            privileges = ", ".join(part.strip() for part in granted.group(2).split(","))
            hint = "grant the user or API key one of the %s privileges %s" % (granted.group(1), privileges)
        else:
            hint = "managing watches needs the cluster privilege manage_watcher (monitor_watcher for read-only access)"
        return "Not authorised (%s): %s." % (summary, hint), status, error_type, reason

    if caused_by:
        summary += " (caused by: %s)" % _one_line(caused_by)
    return summary, status, error_type, reason


def _transport_detail(exc):
    # The transport replaces exc.errors with earlier attempts; the root cause stays on __cause__.
    cause = exc.__cause__ or (exc.errors[-1] if getattr(exc, "errors", None) else None)
    detail = str(cause) if cause is not None else str(exc)
    return _one_line(_URLLIB3_PREFIX_RE.sub("", detail), 300)


def _retried(params):
    retries = params.get("retries")
    retries = 3 if retries is None else retries
    return "%d retr%s" % (retries, "y" if retries == 1 else "ies")


def _transport_error(exc, params):
    where = _where(params, exc)
    detail = _transport_detail(exc)
    timeout = params.get("request_timeout")
    timeout_text = "%gs" % timeout if timeout else "its default"
    if isinstance(exc, ConnectionTimeout):
        return (
            "No answer from Elasticsearch at %s within request_timeout (%s), also after %s: %s. Raise request_timeout "
            "for a slow cluster, or check hosts and the network." % (where, timeout_text, _retried(params), detail)
        )
    if isinstance(exc, SSLError):
        return (
            "TLS/certificate problem connecting to Elasticsearch at %s: %s. Set ca_path to the CA certificate "
            "that signed the cluster's certificate and check the host name matches it, or (for tests only) "
            "set validate_certs=false." % (where, detail)
        )
    if isinstance(exc, EsConnectionError):
        return (
            "Cannot reach Elasticsearch at %s: %s. Check hosts (scheme, host name, port) and that the cluster "
            "is running and reachable from the host that runs the module (request_timeout is %s)."
            % (where, detail, timeout_text)
        )
    if isinstance(exc, SerializationError):
        return "Could not decode the response from Elasticsearch at %s: %s." % (where, detail)
    return "Elasticsearch client error talking to %s (%s): %s." % (where, type(exc).__name__, detail)


def translate_error(exc, params=None):
    """An ElasticsearchClientError describing exc (any exception) without leaking secrets.

    ``params`` are the module options; they name the hosts and tell which secrets to remove.
    """
    params = params or {}
    status = error_type = reason = None
    if HAS_ELASTICSEARCH and isinstance(exc, ApiError):
        msg, status, error_type, reason = _api_error(exc, params)
    elif HAS_ELASTICSEARCH and isinstance(exc, TransportError):
        msg = _transport_error(exc, params)
    else:
        msg = "%s: %s" % (type(exc).__name__, _one_line(exc))
    return ElasticsearchClientError(
        _scrub(msg, params),
        status=status,
        error_type=error_type,
        reason=_scrub(reason, params) if reason else reason,
    )


def describe_error(exc, params=None):
    """The one-line message of translate_error()."""
    return translate_error(exc, params).msg


def fail_from_error(module, exc, action=None):
    """module.fail_json() for a client exception, e.g. fail_from_error(module, exc, "Cannot read watch 'x'")."""
    error = translate_error(exc, module.params)
    module.fail_json(msg="%s: %s" % (action, error.msg) if action else error.msg, **error.details())
