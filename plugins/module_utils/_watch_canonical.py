# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: a watch in the canonical form Elasticsearch stores and returns.

Elasticsearch never gives a watch back as it was PUT: it parses the body and writes its own
serialization (WatchParser, then Watch.toXContent). To know whether a PUT is needed, es_watch
brings the wanted watch into that same form and compares. The rules, each from Elasticsearch's
source (tests/emulators/es_emulator/STORED_FORMS.md gives the class and commit of each):

* top level: ``input`` defaults to ``{none: {}}``, ``condition`` to ``{always: {}}``, ``actions``
  to ``{}``; ``throttle_period`` becomes ``throttle_period_in_millis`` (a number; of the two, the
  last written wins); ``metadata: null`` is ``{}``;
* per action: ``throttle_period`` likewise; a non-empty ``foreach`` (as text) brings
  ``max_iterations`` (default 100), which is dropped without it;
* http requests (webhook actions, http inputs): ``url`` is split into scheme, host, port, path and
  params; ``scheme`` (default http), ``port`` (default 80/443 by scheme), lower-case ``method``
  (default get), ``params`` and ``headers`` (default ``{}``) are always present;
  ``connection_timeout`` becomes ``connection_timeout_in_millis``, ``read_timeout`` becomes
  ``read_timeout_millis``; object templates become mustache scripts; without a ``url`` the port is
  required; ``auth`` is ``{basic: {..}}`` whatever its type name; ``proxy`` keeps host, port, scheme;
* scripts: a string is ``{source, lang: painless}``; empty ``params``/``options`` disappear;
* logging actions gain ``level: info``; search requests gain ``search_type: query_then_fetch``,
  ``rest_total_hits_as_int: true`` and an ``indices`` array;
* schedules: an ``interval`` number N is ``"Ns"``; cron expressions upper-case, several sorted;
  ``hourly.minute`` and ``daily.at`` are arrays; weekly/monthly/yearly are arrays of ``{in, on, at}``
  with defaults, their days as sets in order and their times as a Java HashSet (each once, in the
  set's iteration order); ``timezone`` is the zone id Java gives.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ansible_collections.ilert.watcher.plugins.module_utils._watch_notification_actions import (
    NOTIFICATION_ACTIONS, canonical_notification_action)
from ansible_collections.ilert.watcher.plugins.module_utils._watch_templates import (  # noqa: F401 pylint: disable=unused-import
    DEFAULT_TEMPLATE_LANG, WatchDefinitionError, canonical_script, canonical_text_template, is_number, time_millis)

WATCH_FIELDS = ("trigger", "input", "condition", "transform", "throttle_period", "throttle_period_in_millis", "actions", "metadata")
# The order Watch.toXContent writes; dict equality ignores it, but diffs and returns read better.
CANONICAL_ORDER = ("trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata")
DEFAULT_MAX_ITERATIONS = 100
HTTP_SCHEMES = {"http": 80, "https": 443}
HTTP_METHODS = ("head", "get", "post", "put", "delete")
ACTION_SETTINGS = ("throttle_period", "throttle_period_in_millis", "condition", "transform", "foreach", "max_iterations")


def _single(value, where: str):
    """The (type, body) of a one-type object such as ``{"search": {...}}``."""
    if not isinstance(value, dict) or len(value) != 1:
        raise WatchDefinitionError("%s must be an object with exactly one type key, got %s" % (where, json.dumps(value, sort_keys=True)))
    return next(iter(value.items()))


# --- http requests -------------------------------------------------------------------------------------
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


def _text_of(value, where: str) -> str:
    """XContentParser.text(): the text of any scalar; null, objects and arrays have none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise WatchDefinitionError("%s must be a string, got %r" % (where, value))


def _int_of(value, where: str) -> int:
    """XContentParser.intValue()/longValue(): numbers truncate, numeric strings are read too."""
    if is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            pass
    raise WatchDefinitionError("%s must be a number, got %r" % (where, value))


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


def _http_proxy(value, where: str) -> dict:
    """HttpProxy.parse: host, port (1 to 65534) and an optional scheme; other scalar fields are skipped."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object with host and port, got %r" % (where, value))
    proxy = {}
    for key, item in value.items():
        if key == "host":
            proxy["host"] = _text_of(item, where + ".host")
        elif key == "port":
            proxy["port"] = _int_of(item, where + ".port")
            if not 0 < proxy["port"] < 65535:
                raise WatchDefinitionError("%s.port must be between 1 and 65534, got %r" % (where, item))
        elif key == "scheme":
            proxy["scheme"] = str(_text_of(item, where + ".scheme")).lower()
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
            request["port"] = _int_of(item, where + ".port")
        elif key == "auth":
            request.pop("auth", None)
            auth = _http_auth(item, where + ".auth")
            if auth is not None:
                request["auth"] = auth
        elif key == "proxy":
            request["proxy"] = _http_proxy(item, where + ".proxy")
        elif key in ("connection_timeout_in_millis", "read_timeout_millis"):
            request[key] = _int_of(item, "%s.%s" % (where, key))
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


# --- inputs, conditions, transforms ------------------------------------------------------------------
SEARCH_TYPES = ("query_then_fetch", "dfs_query_then_fetch")
COMPARE_OPS = ("eq", "not_eq", "lt", "lte", "gt", "gte")
HTTP_CONTENT_TYPES = ("json", "yaml", "text")
_WILDCARD_STATES = ("open", "closed", "hidden")
_DEFAULT_INDICES_OPTIONS = {"expand_wildcards": ["open"], "ignore_unavailable": True, "allow_no_indices": True, "ignore_throttled": False}
# DateUtils.of: the deprecated short zone ids it maps itself.
_SHORT_ZONES = {"EST": "-05:00", "HST": "-10:00", "MST": "-07:00", "ROC": "Asia/Taipei", "Eire": "Europe/London"}


def _java_string_hash(text: str) -> int:
    """String.hashCode over UTF-16 code units, unsigned."""
    units = text.encode("utf-16-be")
    code = 0
    for index in range(0, len(units), 2):
        code = (31 * code + (units[index] << 8 | units[index + 1])) & 0xFFFFFFFF
    return code


def _java_string_set(items) -> list:
    """A java.util.HashSet<String> in its iteration order: each item once, by bucket (16 buckets, doubled past 0.75 load)."""
    unique = list(dict.fromkeys(items))
    capacity = 16
    while len(unique) > capacity * 3 // 4:
        capacity *= 2
    return sorted(unique, key=lambda item: (_java_string_hash(item) ^ (_java_string_hash(item) >> 16)) & (capacity - 1))


def _strings(value, where: str) -> list:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise WatchDefinitionError("%s must be a list of strings, got %r" % (where, value))
    return value


def _long_value(value, where: str) -> int:
    """XContentParser.longValue(): a number (truncated) or a numeric text."""
    if is_number(value):
        return int(value)
    if isinstance(value, str) and re.match(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$", value):
        return int(float(value))
    raise WatchDefinitionError("%s must be a number of milliseconds, got %r" % (where, value))


def _boolean(value, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise WatchDefinitionError("%s must be true or false, got %r" % (where, value))


def _indices(value, where: str) -> list:
    """A list of names, or Strings.delimitedListToStringArray(value, ",", " \\t"): spaces and tabs deleted, empty names kept."""
    if isinstance(value, str):
        return ["".join(char for char in part if char not in " \t") for part in value.split(",")] if value else []
    if not isinstance(value, list) or not all(isinstance(index, str) for index in value):
        raise WatchDefinitionError("%s must be an index name, a comma-separated string or a list of names, got %r" % (where, value))
    return list(value)


def _indices_options(value, where: str):
    """IndicesOptions.fromXContent over lenientExpandOpen, written in full, left out when it is the default."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    options = copy.deepcopy(_DEFAULT_INDICES_OPTIONS)
    for key, item in value.items():
        if key == "expand_wildcards":
            states = set()
            for state in (item if isinstance(item, list) else str(item).split(",")):
                state = str(state).strip()
                if state not in _WILDCARD_STATES + ("all", "none"):
                    raise WatchDefinitionError("%s.expand_wildcards has an unknown value %r" % (where, state))
                states = set() if state == "none" else states | (set(_WILDCARD_STATES) if state == "all" else {state})
            options[key] = [state for state in _WILDCARD_STATES if state in states]
        elif key in ("ignore_unavailable", "allow_no_indices", "ignore_throttled"):
            options[key] = _boolean(item, "%s.%s" % (where, key))
        else:
            raise WatchDefinitionError("%s has an unknown option %r" % (where, key))
    return None if options == _DEFAULT_INDICES_OPTIONS else options


def canonical_search_request(value, where: str) -> dict:
    """WatcherSearchTemplateRequest.toXContent: search_type, indices, rest_total_hits_as_int, body, indices_options, template."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    request = {"search_type": "query_then_fetch", "indices": [], "rest_total_hits_as_int": True}
    for key, item in value.items():
        if key == "indices":
            request["indices"] = request["indices"] + _indices(item, where + ".indices")
        elif key == "search_type":
            request["search_type"] = item.lower() if isinstance(item, str) else item
            if request["search_type"] not in SEARCH_TYPES:
                raise WatchDefinitionError("%s.search_type must be one of %s, got %r" % (where, ", ".join(SEARCH_TYPES), item))
        elif key == "rest_total_hits_as_int":
            request[key] = _boolean(item, "%s.%s" % (where, key))
        elif key == "body" and isinstance(item, dict):
            request["body"] = copy.deepcopy(item)
        elif key == "indices_options":
            request.pop(key, None)
            options = _indices_options(item, where + ".indices_options")
            if options is not None:
                request[key] = options
        elif key == "template" and isinstance(item, dict):
            request["template"] = canonical_script(item, DEFAULT_TEMPLATE_LANG, where + ".template")
        elif key == "types" and item == []:
            continue  # an empty types array is read (with a deprecation warning) and not kept
        else:
            raise WatchDefinitionError("%s has an unexpected field %r (or a wrong type for it)" % (where, key))
    order = ("search_type", "indices", "rest_total_hits_as_int", "body", "indices_options", "template")
    return dict((key, request[key]) for key in order if key in request)


def _fixed_zone_offset(zone: str):
    """The offset id of a region with one offset in 1850-2100 (ZoneId.normalized), None otherwise or without zoneinfo."""
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel
        from datetime import datetime  # pylint: disable=import-outside-toplevel
        rules = zoneinfo.ZoneInfo(zone)
    except (ImportError, ValueError, KeyError, OSError):
        return None
    offsets = set(datetime(year, month, 1, tzinfo=rules).utcoffset() for year in range(1850, 2101, 5) for month in (1, 7))
    if len(offsets) != 1:
        return None
    seconds = int(offsets.pop().total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return _zone_offset(sign, seconds // 3600, seconds % 3600 // 60, seconds % 60)


def _dynamic_name_timezone(value, where: str) -> str:
    """DateUtils.of: five deprecated short ids mapped, else ZoneId.of(id).normalized(): fixed zones become offsets."""
    if not isinstance(value, str):
        raise WatchDefinitionError("%s must be a time zone such as UTC or +01:00, got %r" % (where, value))
    if value in _SHORT_ZONES:
        return _SHORT_ZONES[value]
    for prefix in ("", "UTC", "GMT", "UT"):
        rest = value[len(prefix):] if value.startswith(prefix) else None
        if rest == "" and prefix:
            return "Z"
        match = _OFFSET.match(rest or "") if rest is not None else None
        if match:
            return _zone_offset(*match.groups())
    if value == "Z":
        return value
    return _fixed_zone_offset(value) or value


def _timed_search(value, where: str, allow_extract: bool) -> dict:
    """SearchInput / SearchTransform.toXContent: request, extract (inputs, a HashSet), timeout_in_millis, dynamic_name_timezone."""
    if not isinstance(value, dict) or "request" not in value:
        raise WatchDefinitionError("%s needs a request" % where)
    search = {}
    for key, item in value.items():
        if key == "request":
            search["request"] = canonical_search_request(item, where + ".request")
        elif key == "extract" and allow_extract:
            search["extract"] = _java_string_set(_strings(item, where + ".extract"))
        elif key == "timeout_in_millis":
            search[key] = _long_value(item, "%s.%s" % (where, key))
        elif key == "timeout":
            if item is not None:
                search["timeout_in_millis"] = time_millis(item, "%s.%s" % (where, key))
        elif key == "dynamic_name_timezone":
            search[key] = _dynamic_name_timezone(item, "%s.%s" % (where, key))
        else:
            raise WatchDefinitionError("%s has an unexpected field %r" % (where, key))
    order = ("request", "extract", "timeout_in_millis", "dynamic_name_timezone")
    return dict((key, search[key]) for key in order if key in search)


def _http_input(value, where: str) -> dict:
    """HttpInput.toXContent: request, extract (a HashSet), response_content_type (lower case)."""
    if not isinstance(value, dict) or "request" not in value:
        raise WatchDefinitionError("%s needs a request" % where)
    http = {}
    for key, item in value.items():
        if key == "request":
            http["request"] = canonical_http_request(item, where + ".request")
        elif key == "extract":
            http["extract"] = _java_string_set(_strings(item, where + ".extract"))
        elif key == "response_content_type" and isinstance(item, str) and item.lower() in HTTP_CONTENT_TYPES:
            http[key] = item.lower()
        else:
            raise WatchDefinitionError("%s has an unexpected field %r (response_content_type is json, yaml or text)" % (where, key))
    if http.get("response_content_type") == "text" and "extract" in http:
        raise WatchDefinitionError("%s: extract is not supported for response_content_type text" % where)
    order = ("request", "extract", "response_content_type")
    return dict((key, http[key]) for key in order if key in http)


def _chain_input(value, where: str) -> dict:
    """ChainInput: an inputs array of {name: input}; scalars and empty objects in it are skipped as Watcher skips them."""
    inputs = value.get("inputs", [])
    if isinstance(inputs, dict) or any(isinstance(item, list) for item in (inputs if isinstance(inputs, list) else [])):
        raise WatchDefinitionError("%s.inputs must be a list of {name: input} objects" % where)
    chained = []
    for item in inputs if isinstance(inputs, list) else []:
        if isinstance(item, dict) and item:
            name, inner = _single(item, where + ".inputs[]")
            chained.append({name: canonical_input(inner, "%s.inputs.%s" % (where, name))})
    return {"inputs": chained}


def canonical_input(value, where: str = "input") -> dict:
    kind, body = _single(value, where)
    if not isinstance(body, dict):
        raise WatchDefinitionError("%s.%s must be an object" % (where, kind))
    if kind == "none" and body:
        raise WatchDefinitionError("%s.none must be an empty object" % where)
    if kind == "search":
        return {"search": _timed_search(body, where + ".search", True)}
    if kind == "http":
        return {"http": _http_input(body, where + ".http")}
    if kind == "chain":
        return {"chain": _chain_input(body, where + ".chain")}
    if kind == "transform":
        return {"transform": canonical_transform(body, where + ".transform")}
    if kind not in ("none", "simple"):
        raise WatchDefinitionError("%s has an unknown input type %r" % (where, kind))
    return {kind: copy.deepcopy(body)}


def _compare_op(name, where: str) -> str:
    op = name.upper().lower() if isinstance(name, str) else None
    if op not in COMPARE_OPS:
        raise WatchDefinitionError("%s: unknown comparison operator %r (one of %s)" % (where, name, ", ".join(COMPARE_OPS)))
    return op


def _compared_value(op: str, value, where: str):
    if op not in ("eq", "not_eq") and isinstance(value, (dict, list)):
        raise WatchDefinitionError("%s: %s compares a number, string, boolean or null, got %r" % (where, op, value))
    return copy.deepcopy(value)


def _compare(body, where: str) -> dict:
    """CompareCondition: {path: {op: value}}, the operator in lower case; the last path given wins."""
    if not isinstance(body, dict) or not body:
        raise WatchDefinitionError("%s must be an object {path: {operator: value}}" % where)
    for path, spec in body.items():
        if not isinstance(spec, dict) or len(spec) != 1:
            raise WatchDefinitionError("%s.%s must be an object with exactly one comparison operator" % (where, path))
        name, value = next(iter(spec.items()))
        op = _compare_op(name, "%s.%s" % (where, path))
        compared = {path: {op: _compared_value(op, value, "%s.%s" % (where, path))}}
    return compared


def _scalar_text(value, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise WatchDefinitionError("%s must be a string, got %r" % (where, value))


def _array_compare(body, where: str) -> dict:
    """ArrayCompareCondition.toXContent: {array_path: {path (default ""), op: {value (default null), quantifier (default some)}}}."""
    if not isinstance(body, dict) or not body:
        raise WatchDefinitionError("%s must be an object {array path: {path, operator: {value, quantifier}}}" % where)
    array_path, path, op, value, quantifier = None, "", None, None, "some"
    for array_path, spec in body.items():
        if not isinstance(spec, dict):
            raise WatchDefinitionError("%s.%s must be an object" % (where, array_path))
        for name, item in spec.items():
            if name == "path":
                path = _scalar_text(item, "%s.%s.path" % (where, array_path))
                continue
            op = _compare_op(name, "%s.%s" % (where, array_path))
            if not isinstance(item, dict):
                raise WatchDefinitionError("%s.%s.%s must be an object {value, quantifier}" % (where, array_path, name))
            for key, field in item.items():
                if key == "value":
                    value = _compared_value(op, field, "%s.%s.%s" % (where, array_path, name))
                elif key == "quantifier" and _scalar_text(field, where + ".quantifier").lower() in ("some", "all"):
                    quantifier = _scalar_text(field, where + ".quantifier").lower()
                else:
                    raise WatchDefinitionError("%s.%s.%s has an unexpected field %r (value, quantifier some or all)" % (where, array_path, name, key))
    if op is None:
        raise WatchDefinitionError("%s.%s needs a comparison operator" % (where, array_path))
    return {array_path: {"path": path, op: {"value": value, "quantifier": quantifier}}}


def canonical_condition(value, where: str = "condition") -> dict:
    kind, body = _single(value, where)
    if kind == "script":
        return {"script": canonical_script(body, where=where + ".script")}
    if kind in ("always", "never"):
        if body != {}:
            raise WatchDefinitionError("%s.%s must be an empty object" % (where, kind))
        return {kind: {}}
    if kind == "compare":
        return {kind: _compare(body, where + ".compare")}
    if kind == "array_compare":
        return {kind: _array_compare(body, where + ".array_compare")}
    raise WatchDefinitionError("%s has an unknown condition type %r" % (where, kind))


def canonical_transform(value, where: str = "transform") -> dict:
    kind, body = _single(value, where)
    if kind == "script":
        return {"script": canonical_script(body, where=where + ".script")}
    if kind == "search":
        return {"search": _timed_search(body, where + ".search", False)}
    if kind == "chain":
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise WatchDefinitionError("%s.chain must be a list of transforms" % where)
        # every {type: body} of every element is one transform of the chain; an empty element none
        return {"chain": [canonical_transform({kind: inner}, "%s.chain[%d]" % (where, index))
                          for index, item in enumerate(body) for kind, inner in item.items()]}
    raise WatchDefinitionError("%s has an unknown transform type %r" % (where, kind))


# --- triggers ------------------------------------------------------------------------------------------
# Watcher's schedule parsers (ScheduleRegistry and the DayTimes / DayOfWeek / Month parsers) store
# every schedule in one spelling: that spelling is what GET returns and what is compared here.
_INTERVAL = re.compile(r"^([+-]?\d+)(s|m|h|d|w)$")
_WEEK_DAYS = (("SUN", ("1", "sun", "sunday")), ("MON", ("2", "mon", "monday")), ("TUE", ("3", "tue", "tuesday")),
              ("WED", ("4", "wed", "wednesday")), ("THU", ("5", "thu", "thursday")), ("FRI", ("6", "fri", "friday")),
              ("SAT", ("7", "sat", "saturday")))
_MONTHS = (("JAN", ("1", "jan", "first", "january")), ("FEB", ("2", "feb", "february")), ("MAR", ("3", "mar", "march")),
           ("APR", ("4", "apr", "april")), ("MAY", ("5", "may")), ("JUN", ("6", "jun", "june")), ("JUL", ("7", "jul", "july")),
           ("AUG", ("8", "aug", "august")), ("SEP", ("9", "sep", "september")), ("OCT", ("10", "oct", "october")),
           ("NOV", ("11", "nov", "november")), ("DEC", ("12", "dec", "last", "december")))


def _as_list(value) -> list:
    return copy.deepcopy(value) if isinstance(value, list) else [copy.deepcopy(value)]


def _numbers(value, where: str, highest: int = None) -> list:
    """Hours or minutes: numbers (truncated) or strings of digits, within 0..highest."""
    numbers = []
    for item in _as_list(value):
        if is_number(item):
            numbers.append(int(item))
        elif isinstance(item, str) and re.match(r"^[+-]?[0-9]+$", item):
            numbers.append(int(item))
        else:
            raise WatchDefinitionError("%s must be numbers, got %r" % (where, item))
        if highest is not None and not 0 <= numbers[-1] <= highest:
            raise WatchDefinitionError("%s must be between 0 and %d, got %r" % (where, highest, item))
    return numbers


_HH_MM = re.compile(r"^([+-]?[0-9]{1,2}):([+-]?[0-9]{2})$")


def _day_time(value, where: str):
    """"noon", "midnight" and "hh:mm" stay as written; objects become {hour: [..], minute: [..]}."""
    if isinstance(value, str):
        match = _HH_MM.match(value)
        if value not in ("noon", "midnight") and not (match and 0 <= int(match.group(1)) <= 23 and 0 <= int(match.group(2)) <= 59):
            raise WatchDefinitionError("%s must be 'hh:mm' (00:00 to 23:59), noon or midnight, got %r" % (where, value))
        return value
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be 'hh:mm', noon, midnight or {hour, minute}, got %r" % (where, value))
    return {"hour": _numbers(value.get("hour", []), where + ".hour", 23) or [0],
            "minute": _numbers(value.get("minute", []), where + ".minute", 59) or [0]}


def _day_time_key(value):
    if value in ("noon", "midnight"):
        return ((12 if value == "noon" else 0,), (0,))
    if isinstance(value, str) and ":" in value:
        hour, dummy, minute = value.partition(":")
        if re.match(r"^[+-]?[0-9]+$", hour) and re.match(r"^[+-]?[0-9]+$", minute):
            return ((int(hour),), (int(minute),))
        return (value,)
    if isinstance(value, dict):
        return (tuple(value["hour"]), tuple(value["minute"]))
    return (value,)


def _java_int(number: int) -> int:
    number &= 0xFFFFFFFF
    return number - 2 ** 32 if number >= 2 ** 31 else number


def _hash_bucket(key, capacity: int) -> int:
    """The java.util.HashMap bucket of a DayTimes (Arrays.hashCode of hours, then of minutes)."""
    if len(key) != 2:
        return 0
    codes = []
    for values in key:
        code = 1
        for value in values:
            code = _java_int(31 * code + value)
        codes.append(code)
    code = _java_int(31 * codes[0] + codes[1]) & 0xFFFFFFFF
    return (code ^ (code >> 16)) & (capacity - 1)


def _day_times(value, where: str) -> list:
    """The times of a WeekTimes/MonthTimes/YearTimes: a Java HashSet, each time once (the first), in the set's order."""
    times, seen = [], set()
    for item in _as_list(value):
        parsed = _day_time(item, where)
        if _day_time_key(parsed) not in seen:
            seen.add(_day_time_key(parsed))
            times.append(parsed)
    capacity = 16
    while len(times) > capacity * 3 // 4:
        capacity *= 2
    return sorted(times, key=lambda time: _hash_bucket(_day_time_key(time), capacity))


def _names(value, table, where: str) -> list:
    found = set()
    for item in _as_list(value):
        text = str(int(item)) if is_number(item) else str(item)
        name = next((name for name, aliases in table if text.lower() in aliases), None)
        if name is None:
            raise WatchDefinitionError("%s has an unknown value %r" % (where, item))
        found.add(name)
    return [name for name, dummy in table if name in found]


def _month_days(value, where: str) -> list:
    days = set()
    for item in _as_list(value):
        text = str(item).lower()
        days.add({"last_day": 32, "first_day": 1}.get(text) or _numbers(item, where)[0])
    if not all(1 <= day <= 32 for day in days):
        raise WatchDefinitionError("%s must be days 1 to 31, first_day or last_day, got %r" % (where, value))
    return sorted(days)


# Watcher's Times fields, each with a deprecated second name it still reads.
_TIMES_FIELDS = {"in": "in", "month": "in", "on": "on", "day": "on", "at": "at", "time": "at"}


def _times_fields(item: dict, kind: str) -> dict:
    fields = {}
    for key, value in item.items():
        field = _TIMES_FIELDS.get(key)
        if field is not None and (field != "in" or kind == "yearly"):
            fields.setdefault(field, []).extend(_as_list(value))
    return fields


def _periodic(value, kind: str, where: str) -> list:
    """weekly / monthly / yearly: arrays of {on, at[, in]} with Watcher's defaults."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items or [{}]:
        if not isinstance(item, dict):
            raise WatchDefinitionError("%s must be objects with on and at, got %r" % (where, item))
        fields = _times_fields(item, kind)
        times = {}
        if kind == "yearly":
            times["in"] = _names(fields["in"], _MONTHS, where + ".in") if "in" in fields else []
            times["in"] = times["in"] or ["JAN"]
        if kind == "weekly":
            times["on"] = (_names(fields["on"], _WEEK_DAYS, where + ".on") if "on" in fields else []) or ["MON"]
        else:
            times["on"] = (_month_days(fields["on"], where + ".on") if "on" in fields else []) or [1]
        times["at"] = (_day_times(fields["at"], where + ".at") if "at" in fields else []) or [{"hour": [0], "minute": [0]}]
        out.append(times)
    return out


def _interval(value, where: str) -> str:
    if is_number(value):
        if value < 1:
            raise WatchDefinitionError("%s.interval must be 1s or more, got %r" % (where, value))
        return "%ds" % value
    match = _INTERVAL.match(value) if isinstance(value, str) else None
    if not match:
        raise WatchDefinitionError("%s.interval must be a number of seconds or a time such as 30s, 5m, 1h, 1d or 1w, got %r" % (where, value))
    if int(match.group(1)) < 1:
        raise WatchDefinitionError("%s.interval must be 1s or more, got %r" % (where, value))
    return "%d%s" % (int(match.group(1)), match.group(2))


def _cron(value, where: str):
    expressions = _as_list(value)
    if not expressions or not all(isinstance(expression, str) for expression in expressions):
        raise WatchDefinitionError("%s.cron must be a cron expression or a list of them" % where)
    expressions = sorted(expression.upper() for expression in expressions)
    return expressions[0] if len(expressions) == 1 else expressions


_OFFSET = re.compile(r"^([+-])([0-9]{1,2})(?::?([0-9]{2}))?(?::?([0-9]{2}))?$")


def _zone_offset(sign: str, hours: str, minutes, seconds) -> str:
    """java.time.ZoneOffset's id: Z, or +hh:mm[:ss]."""
    parts = (int(hours), int(minutes or 0), int(seconds or 0))
    if parts == (0, 0, 0):
        return "Z"
    return "%s%02d:%02d" % (sign, parts[0], parts[1]) + (":%02d" % parts[2] if parts[2] else "")


def _region_zones() -> dict:
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel
        return dict((name.lower(), name) for name in zoneinfo.available_timezones())
    except ImportError:  # pragma: no cover - Python before 3.9: region names are compared as written
        return {}


def _timezone(value, where: str) -> str:
    """TimezoneUtils.parse (ZoneId.of, then a case-insensitive region, then upper case) as the id Watcher keeps."""
    if not isinstance(value, str):
        raise WatchDefinitionError("%s.timezone must be a time zone name or offset, got %r" % (where, value))
    for text in (value, value.upper()):
        for prefix in ("", "UTC", "GMT", "UT"):
            rest = text[len(prefix):] if text.startswith(prefix) else None
            if rest == "" and prefix:
                return prefix
            match = _OFFSET.match(rest or "") if rest is not None else None
            if match:
                offset = _zone_offset(*match.groups())
                return offset if not prefix else (prefix if offset == "Z" else prefix + offset)
        if text == "Z":
            return text
    zones = _region_zones()
    if zones and value.lower() not in zones:
        raise WatchDefinitionError("%s.timezone is not a time zone Elasticsearch knows: %r" % (where, value))
    return zones.get(value.lower(), value)


def canonical_schedule(value, where: str = "trigger.schedule") -> dict:
    if not isinstance(value, dict) or not value:
        raise WatchDefinitionError("%s must be an object such as {interval: 5m} or {cron: '0 0/5 * * * ?'}" % where)
    kinds = sorted(key for key in value if key != "timezone")
    if len(kinds) != 1:
        # Elasticsearch keeps the last type written and drops the others
        raise WatchDefinitionError("%s must have exactly one schedule type (interval, cron, hourly, daily, weekly, monthly, yearly), found %s"
                                   % (where, ", ".join(kinds) or "none"))
    schedule = copy.deepcopy(value)
    if "timezone" in schedule:
        if "interval" in schedule:
            raise WatchDefinitionError("%s: an interval schedule takes no timezone" % where)
        schedule["timezone"] = _timezone(schedule["timezone"], where)
    if "interval" in schedule:
        schedule["interval"] = _interval(schedule["interval"], where)
    if "cron" in schedule:
        schedule["cron"] = _cron(schedule["cron"], where)
    for kind, field in (("hourly", "minute"), ("daily", "at")):
        if isinstance(schedule.get(kind), dict) and set(schedule[kind]) - {field}:
            raise WatchDefinitionError("%s.%s takes %s only, got %s" % (where, kind, field, ", ".join(sorted(schedule[kind]))))
    if isinstance(schedule.get("hourly"), dict):
        schedule["hourly"] = {"minute": _numbers(schedule["hourly"].get("minute", []), where + ".hourly.minute", 59) or [0]}
    if isinstance(schedule.get("daily"), dict):
        # An array in DailySchedule (repeats kept), a set in the weekly, monthly and yearly times.
        schedule["daily"] = {"at": [_day_time(item, where + ".daily.at") for item in _as_list(schedule["daily"].get("at", []))]
                             or ["midnight"]}
    for kind in ("weekly", "monthly", "yearly"):
        if kind in schedule:
            schedule[kind] = _periodic(schedule[kind], kind, "%s.%s" % (where, kind))
    return schedule


def canonical_trigger(value, where: str = "trigger") -> dict:
    kind, body = _single(value, where)
    if kind != "schedule":
        raise WatchDefinitionError("%s has an unknown trigger type %s; Watcher has schedule only" % (where, kind))
    return {"schedule": canonical_schedule(body, where + ".schedule")}


# --- actions -------------------------------------------------------------------------------------------
def _throttle_period(value: dict, where: str):
    """throttle_period (a time value, null for none) or throttle_period_in_millis (a number): the last one written wins."""
    millis = None
    for key, item in value.items():
        name = "%s.%s" % (where, key) if where else key
        if key == "throttle_period_in_millis":
            millis = _int_of(item, name)
        elif key == "throttle_period":
            millis = None if item is None else time_millis(item, name)
    return millis


def _max_iterations(value, where: str) -> int:
    """XContentParser.intValue(): any number, truncated (Elasticsearch does not check the range)."""
    if isinstance(value, bool) or value is None:
        raise WatchDefinitionError("%s must be a whole number, got %r" % (where, value))
    return _int_of(value, where)


LOGGING_LEVELS = ("error", "warn", "info", "debug", "trace")
INDEX_OP_TYPES = ("index", "create")
INDEX_REFRESH = {"": "true", "true": "true", "false": "false", "wait_for": "wait_for"}
INDEX_ACTION_FIELDS = ("index", "doc_type", "doc_id", "op_type", "execution_time_field", "timeout_in_millis", "dynamic_name_timezone",
                       "refresh")


def _string_field(value, where: str) -> str:
    if not isinstance(value, str):
        raise WatchDefinitionError("%s must be a string, got %r" % (where, value))
    return value


def _logging_action(value, where: str) -> dict:
    """LoggingAction.toXContent: category (when given), level (default info, lower case), text (a TextTemplate)."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object with a text" % where)
    for key in sorted(value):
        if key not in ("text", "level", "category"):
            raise WatchDefinitionError("%s: unexpected %s field [%s] (a logging action takes text, level and category)"
                                       % (where, "string" if isinstance(value[key], str) else "non-string", key))
    if "text" not in value:
        raise WatchDefinitionError("%s: missing required [text] field" % where)
    action = {}
    if "category" in value:
        action["category"] = _string_field(value["category"], where + ".category")
    level = value.get("level", "info")
    if not isinstance(level, str) or level.lower() not in LOGGING_LEVELS:
        raise WatchDefinitionError("%s: unknown logging level [%s] (one of %s)" % (where, level, ", ".join(LOGGING_LEVELS)))
    action["level"] = level.lower()
    action["text"] = canonical_text_template(value["text"], where + ".text")
    return action


def _index_action(value, where: str) -> dict:
    """IndexAction.toXContent: only the fields given; op_type as its enum name, timeout in milliseconds, refresh as a policy.

    `doc_type` is what 7.17 still stores (with a deprecation warning); 8.0 and later refuse it, and that answer is passed on."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    index = {}
    for key, item in value.items():
        name = "%s.%s" % (where, key)
        if key == "index":
            index[key] = _text_of(item, name)
        elif key in ("doc_id", "doc_type", "execution_time_field"):
            index[key] = _string_field(item, name)
        elif key == "op_type":
            if not isinstance(item, str) or item.lower() not in INDEX_OP_TYPES:
                raise WatchDefinitionError("%s must be index or create, got %r" % (name, item))
            index[key] = item.upper()
        elif key in ("timeout", "timeout_in_millis"):
            if is_number(item) != (key == "timeout_in_millis"):
                raise WatchDefinitionError("%s must be %s, got %r" % (name, "a number of milliseconds" if key == "timeout_in_millis"
                                                                      else "a time value such as 30s", item))
            index["timeout_in_millis"] = time_millis(item, name)
        elif key == "dynamic_name_timezone":
            index[key] = _dynamic_name_timezone(item, name)
        elif key == "refresh":
            if item not in INDEX_REFRESH:
                raise WatchDefinitionError("%s must be true, false or wait_for, got %r" % (name, item))
            index[key] = INDEX_REFRESH[item]
        else:
            raise WatchDefinitionError("%s: unexpected %s field [%s]" % (where, "string" if isinstance(item, str) else "non-string", key))
    return dict((key, index[key]) for key in INDEX_ACTION_FIELDS if key in index)


def canonical_action(action_id: str, value, where: str = "actions") -> dict:
    where = "%s.%s" % (where, action_id)
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    kinds = [key for key in value if key not in ACTION_SETTINGS]
    if len(kinds) != 1:
        raise WatchDefinitionError("%s must have exactly one action type (webhook, logging, index, email, ...), found %s"
                                   % (where, ", ".join(sorted(kinds)) or "none"))
    kind = kinds[0]
    action = {}
    throttle = _throttle_period(value, where)
    if throttle is not None:
        action["throttle_period_in_millis"] = throttle
    if value.get("condition") is not None:
        action["condition"] = canonical_condition(value["condition"], where + ".condition")
    if value.get("transform") is not None:
        action["transform"] = canonical_transform(value["transform"], where + ".transform")
    foreach = _text_of(value["foreach"], where + ".foreach") if "foreach" in value else ""
    iterations = _max_iterations(value.get("max_iterations", DEFAULT_MAX_ITERATIONS), where + ".max_iterations")
    if foreach:
        # ActionWrapper.toXContent writes max_iterations (default 100) only next to a foreach path
        action["foreach"] = foreach
        action["max_iterations"] = iterations
    body = copy.deepcopy(value[kind])
    if kind == "webhook":
        body = canonical_http_request(body, where + ".webhook")
    elif kind == "logging":
        body = _logging_action(body, where + ".logging")
    elif kind == "index":
        body = _index_action(body, where + ".index")
    elif kind in NOTIFICATION_ACTIONS:
        body = canonical_notification_action(kind, body, "%s.%s" % (where, kind))
    action[kind] = body
    return action


# --- the watch -----------------------------------------------------------------------------------------
def canonical_watch(definition: dict) -> dict:
    """The watch as Elasticsearch would store and return it (before redaction)."""
    if not isinstance(definition, dict):
        raise WatchDefinitionError("the watch definition must be an object")
    unknown = sorted(key for key in definition if key not in WATCH_FIELDS)
    if unknown:
        raise WatchDefinitionError("unknown top-level watch field(s) %s; a watch has only %s"
                                   % (", ".join(unknown), ", ".join(WATCH_FIELDS)))
    if definition.get("trigger") is None:
        raise WatchDefinitionError("a watch needs a trigger, e.g. {schedule: {interval: 5m}}")
    watch = {
        "trigger": canonical_trigger(definition["trigger"]),
        "input": canonical_input(definition.get("input") or {"none": {}}),
        "condition": canonical_condition(definition.get("condition") or {"always": {}}),
    }
    if definition.get("transform") is not None:
        watch["transform"] = canonical_transform(definition["transform"])
    throttle = _throttle_period(definition, "")
    if throttle is not None:
        watch["throttle_period_in_millis"] = throttle
    actions = definition.get("actions", {})
    if not isinstance(actions, dict):
        raise WatchDefinitionError("actions must be an object of action id to action")
    for action_id in actions:
        if not action_id or any(character.isspace() for character in action_id):
            raise WatchDefinitionError("action id %r is empty or has whitespace, which Elasticsearch refuses" % action_id)
    watch["actions"] = dict((action_id, canonical_action(action_id, action)) for action_id, action in actions.items())
    if "metadata" in definition:
        metadata = definition["metadata"]
        if metadata is not None and not isinstance(metadata, dict):
            # Elasticsearch would store {} in its place: refused rather than lost
            raise WatchDefinitionError("metadata must be an object")
        watch["metadata"] = copy.deepcopy(metadata or {})
    return dict((key, watch[key]) for key in CANONICAL_ORDER if key in watch)
