# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real HTTP requests for webhook actions and http inputs (HttpClient, HttpRequestTemplate.render).

A stored request template is rendered with mustache (path, params, headers, body), then sent with
`requests` to `scheme://host:port/path`. The recorded request hides the basic-auth password as
Elasticsearch does; the recorded response has lower-cased header names with lists of values.
Timeouts default to 10 s (xpack.http.default_connection_timeout / default_read_timeout).
"""

from __future__ import annotations

import base64
import json

import requests
from requests.structures import CaseInsensitiveDict

from . import mustache
from .templates import REDACTED

DEFAULT_TIMEOUT_MILLIS = 10000


def render_template(template, data: dict) -> str:
    """TextTemplate: a string, or {source, lang: mustache, params?}; object sources render with JSON escaping."""
    if template is None:
        return ""
    if isinstance(template, str):
        return mustache.render(template, data)
    source = template.get("source", "")
    escape_json = not isinstance(source, str) or template.get("options", {}).get("content_type") == "application/json"
    if not isinstance(source, str):
        source = json.dumps(source, separators=(",", ":"))
    params = dict(template.get("params") or {})
    params.update(data)
    return mustache.render(source, params, escape_json)


def render_request(stored: dict, data: dict) -> dict:
    """HttpRequest as it will be sent (and recorded)."""
    request = {"host": stored["host"], "port": stored["port"], "scheme": stored.get("scheme", "http"), "method": stored.get("method", "get")}
    if stored.get("path") is not None:
        request["path"] = render_template(stored["path"], data)
    params = {name: render_template(value, data) for name, value in (stored.get("params") or {}).items()}
    headers = {name: render_template(value, data) for name, value in (stored.get("headers") or {}).items()}
    if params:
        request["params"] = params
    if headers:
        request["headers"] = headers
    if stored.get("auth"):
        request["auth"] = stored["auth"]
    if stored.get("body") is not None:
        request["body"] = render_template(stored["body"], data)
        if isinstance(stored["body"], dict) and not isinstance(stored["body"].get("source"), str) and "content-type" not in {
                name.lower() for name in headers}:
            request.setdefault("headers", {})["Content-Type"] = "application/json; charset=UTF-8"
    for key in ("connection_timeout_in_millis", "read_timeout_millis", "proxy"):
        if key in stored:
            request[key] = stored[key]
    return request


def for_record(request: dict) -> dict:
    """HttpRequest.toXContent: secrets hidden."""
    out = {key: value for key, value in request.items() if key not in ("connection_timeout_in_millis", "read_timeout_millis")}
    basic = (request.get("auth") or {}).get("basic")
    if basic:
        out["auth"] = {"basic": {"username": basic.get("username"), "password": REDACTED}}
    return out


def _guessed_media_type(body: str) -> str | None:
    """XContentFactory.xContentType(CharSequence) on the first 20 characters: JSON, YAML, or JSON after blanks."""
    head = body[:20]
    if head.startswith("{"):
        return "application/json"
    if head.startswith("---"):
        return "application/yaml"
    stripped = head.lstrip()
    return "application/json" if stripped.startswith("{") and len(stripped) < len(head) else None


def wire_headers(headers: dict, body: str | None) -> CaseInsensitiveDict:
    """The headers HttpClient.execute sends (x-pack/plugin/watcher/src/main/java/org/elasticsearch/xpack/watcher/common/http/
    HttpClient.java @ 01195333bcdb620d4f5a5eef7bc8e3827dcb1f15): `Accept-Charset: UTF-8`, then the request's own headers
    (replacing by name, in any case); a body without a Content-Type header gets the media type guessed from it (the
    "BWC hack"), else its entity's type, text/plain in ISO-8859-1."""
    wire = CaseInsensitiveDict({"Accept-Charset": "UTF-8"})
    wire.update(headers)
    if body is not None and "Content-Type" not in wire:
        wire["Content-Type"] = _guessed_media_type(body) or "text/plain; charset=ISO-8859-1"
    return wire


def send(request: dict) -> dict:
    """Send the rendered request; returns {status, headers, body}. Connection problems raise requests' exceptions."""
    path = request.get("path") or ""
    if path and not path.startswith("/"):
        path = "/" + path
    url = "%s://%s:%d%s" % (request["scheme"], request["host"], request["port"], path)
    body = request.get("body")
    headers = wire_headers(request.get("headers") or {}, body)
    basic = (request.get("auth") or {}).get("basic")
    if basic:
        token = base64.b64encode(("%s:%s" % (basic.get("username", ""), basic.get("password") or "")).encode("utf-8")).decode("ascii")
        headers["Authorization"] = "Basic " + token
    timeout = (request.get("connection_timeout_in_millis", DEFAULT_TIMEOUT_MILLIS) / 1000.0,
               request.get("read_timeout_millis", DEFAULT_TIMEOUT_MILLIS) / 1000.0)
    answer = requests.request(request["method"].upper(), url, params=request.get("params") or None, headers=headers,
                              data=body.encode("utf-8") if body is not None else None, timeout=timeout, allow_redirects=False)
    response_headers: dict[str, list[str]] = {}
    for name, value in answer.raw.headers.items() if answer.raw is not None else answer.headers.items():
        response_headers.setdefault(name.lower(), []).append(value)
    return {"status": answer.status_code, "headers": response_headers, "body": answer.text}
