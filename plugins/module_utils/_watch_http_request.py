# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: http request templates (webhook actions, http inputs, e-mail attachments) as HttpRequestTemplate stores them.

``url`` is split into scheme, host, port, path and params; ``scheme`` (default http), ``port``
(default 80/443 by scheme), lower-case ``method`` (default get), ``params`` and ``headers`` (default
``{}``) are always present; ``connection_timeout`` becomes ``connection_timeout_in_millis``,
``read_timeout`` becomes ``read_timeout_millis``; object templates become mustache scripts; without a
``url`` the port is required; ``auth`` is ``{basic: {..}}`` whatever its type name; ``proxy`` keeps
host, port, scheme.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
from urllib.parse import parse_qsl, unquote, urlsplit

from ansible_collections.ilert.watcher.plugins.module_utils._watch_templates import (
    WatchDefinitionError, canonical_text_template, int_of, text_of, time_millis)


HTTP_SCHEMES = {"http": 80, "https": 443}


HTTP_METHODS = ("head", "get", "post", "put", "delete")


def _split_url(url, where: str) -> dict:
    """HttpRequestTemplate.Builder.fromUrl: the parts of a url (the host as written, as java.net.URI keeps it)."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        port = parts.port if parts else None
    except ValueError:
        parts = None
    scheme = parts.scheme.lower() if parts else ""
    host = parts.netloc.rpartition("@")[2] if parts else ""
    host = host[:host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    if scheme not in HTTP_SCHEMES or not host:
        raise WatchDefinitionError("%s.url must be an http or https URL with a host and a valid port, got %r" % (where, url))
    split = {"scheme": scheme, "host": host, "port": port or HTTP_SCHEMES[scheme]}
    if parts.path:
        split["path"] = unquote(parts.path)
    split["params"] = dict(parse_qsl(parts.query, keep_blank_values=True))
    return split


def _templates(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object of names to values, got %r" % (where, value))
    return dict((key, canonical_text_template(item, "%s.%s" % (where, key))) for key, item in value.items())


def _http_auth(value, where: str):
    """BasicAuth.parse: the last object under any type name is basic auth (username required, strings only)."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object such as {basic: {username, password}}, got %r" % (where, value))
    basic = None
    for dummy, body in value.items():
        if not isinstance(body, dict):
            continue
        for key, item in body.items():
            if key not in ("username", "password") or not isinstance(item, str):
                raise WatchDefinitionError("%s.basic takes the strings username and password only, got %s: %r" % (where, key, item))
        if "username" not in body:
            raise WatchDefinitionError("%s.basic needs a username" % where)
        basic = dict((key, body[key]) for key in ("username", "password") if key in body)
    return None if basic is None else {"basic": basic}


def canonical_http_proxy(value, where: str) -> dict:
    """HttpProxy.parse: host, port (1 to 65534) and an optional scheme; other scalar fields are skipped."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object with host and port, got %r" % (where, value))
    proxy = {}
    for key, item in value.items():
        if key == "host":
            proxy["host"] = text_of(item, where + ".host")
        elif key == "port":
            proxy["port"] = int_of(item, where + ".port")
            if not 0 < proxy["port"] < 65535:
                raise WatchDefinitionError("%s.port must be between 1 and 65534, got %r" % (where, item))
        elif key == "scheme":
            proxy["scheme"] = str(text_of(item, where + ".scheme")).lower()
            if proxy["scheme"] not in HTTP_SCHEMES:
                raise WatchDefinitionError("%s.scheme must be http or https, got %r" % (where, item))
        elif isinstance(item, (dict, list)):
            raise WatchDefinitionError("%s has an unknown field %s" % (where, key))
    if "host" not in proxy or "port" not in proxy:
        raise WatchDefinitionError("%s needs a host and a port" % where)
    return dict((key, proxy[key]) for key in ("host", "port", "scheme") if key in proxy)


_HTTP_STRING_FIELDS = ("scheme", "method", "host")


_HTTP_FIELDS = ("url", "scheme", "host", "port", "method", "path", "params", "headers", "auth", "body", "proxy", "connection_timeout",
                "connection_timeout_in_millis", "read_timeout", "read_timeout_millis")


def canonical_http_request(value, where: str) -> dict:
    """HttpRequestTemplate.toXContent, from either the parts or a ``url``, read in document order as Watcher does."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    request = {"params": {}, "headers": {}}
    for key, item in value.items():
        if key not in _HTTP_FIELDS:
            raise WatchDefinitionError("%s has an unknown field %s; an http request has %s" % (where, key, ", ".join(_HTTP_FIELDS)))
        if key == "url":
            split = _split_url(item, where)
            request["params"].update(split.pop("params"))
            request.update(split)
        elif key in ("params", "headers"):
            request[key].update(_templates(item, "%s.%s" % (where, key)))
        elif key in _HTTP_STRING_FIELDS and not isinstance(item, str):
            raise WatchDefinitionError("%s.%s must be a string, got %r" % (where, key, item))
        elif key == "port":
            # Elasticsearch takes a number only; a numeric string (what Jinja2 templating gives) is sent as the number
            request["port"] = int_of(item, where + ".port")
        elif key == "auth":
            request.pop("auth", None)
            auth = _http_auth(item, where + ".auth")
            if auth is not None:
                request["auth"] = auth
        elif key == "proxy":
            request["proxy"] = canonical_http_proxy(item, where + ".proxy")
        elif key in ("connection_timeout_in_millis", "read_timeout_millis"):
            request[key] = int_of(item, "%s.%s" % (where, key))
        elif key in ("connection_timeout", "read_timeout"):
            stored = "connection_timeout_in_millis" if key == "connection_timeout" else "read_timeout_millis"
            request[stored] = time_millis(item, "%s.%s" % (where, key))
        else:
            request[key] = copy.deepcopy(item)
    if not request.get("host"):
        raise WatchDefinitionError("%s needs a host (or a url)" % where)
    scheme = str(request.get("scheme") or "http").lower()
    if scheme not in HTTP_SCHEMES:
        raise WatchDefinitionError("%s.scheme must be http or https, got %r" % (where, request.get("scheme")))
    method = str(request.get("method") or "get").lower()
    if method not in HTTP_METHODS:
        raise WatchDefinitionError("%s.method must be one of %s, got %r" % (where, ", ".join(HTTP_METHODS), request.get("method")))
    port = int(request.get("port") or 0)
    if not 0 < port < 65536:
        # Only a url brings a default port; with host, Elasticsearch refuses a missing one. It takes a port past
        # 65535 and fails when the watch runs: refused here before any request.
        raise WatchDefinitionError("%s needs a port between 1 and 65535 (or a url), got %r" % (where, request.get("port")))
    request["scheme"] = scheme
    request["method"] = method
    request["port"] = port
    for template in ("path", "body"):
        if template in request:
            request[template] = canonical_text_template(request[template], "%s.%s" % (where, template))
    return request
