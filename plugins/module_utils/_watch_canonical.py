# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: a watch in the canonical form Elasticsearch stores and returns.

Elasticsearch never gives a watch back as it was PUT: it parses the body and writes its own
serialization (WatchParser, then Watch.toXContent). To know whether a PUT is needed, es_watch
brings the wanted watch into that same form and compares. The rules, each from Elasticsearch's
documented or source-level behaviour (research note es-watcher-api.md section 2):

* top level: ``input`` defaults to ``{none: {}}``, ``condition`` to ``{always: {}}``, ``actions``
  to ``{}``; ``throttle_period`` becomes ``throttle_period_in_millis`` (a number);
* per action: ``throttle_period`` likewise; ``foreach`` brings ``max_iterations`` (default 100);
* http requests (webhook actions, http inputs): ``url`` is split into scheme, host, port, path and
  params; ``scheme`` (default http), ``port`` (default 80/443 by scheme), lower-case ``method``
  (default get), ``params`` and ``headers`` (default ``{}``) are always present;
  ``connection_timeout`` becomes ``connection_timeout_in_millis``, ``read_timeout`` becomes
  ``read_timeout_millis``; object templates become mustache scripts; without a ``url`` the port is
  required;
* scripts: a string is ``{source, lang: painless}``; empty ``params``/``options`` disappear;
* logging actions gain ``level: info``; search requests gain ``search_type: query_then_fetch``,
  ``rest_total_hits_as_int: true`` and an ``indices`` array;
* schedules: an ``interval`` number N is ``"Ns"``; ``hourly.minute`` and ``daily.at`` are arrays.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

WATCH_FIELDS = ("trigger", "input", "condition", "transform", "throttle_period", "throttle_period_in_millis", "actions", "metadata")
# The order Watch.toXContent writes; dict equality ignores it, but diffs and returns read better.
CANONICAL_ORDER = ("trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata")
DEFAULT_SCRIPT_LANG = "painless"
DEFAULT_TEMPLATE_LANG = "mustache"
DEFAULT_MAX_ITERATIONS = 100
HTTP_SCHEMES = {"http": 80, "https": 443}
HTTP_METHODS = ("head", "get", "post", "put", "delete")
ACTION_SETTINGS = ("throttle_period", "throttle_period_in_millis", "condition", "transform", "foreach", "max_iterations")
_TIME_UNITS = (("nanos", 1e-6), ("micros", 1e-3), ("ms", 1), ("s", 1000), ("m", 60000), ("h", 3600000), ("d", 86400000))


class WatchDefinitionError(ValueError):
    """The wanted watch is not one Elasticsearch would accept; the message says where and why."""


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def time_millis(value, where: str) -> int:
    """Milliseconds of a time value as Watcher reads one: a number is milliseconds, a string has a unit."""
    if _is_number(value):
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("0", "-1"):
            return int(text)
        for unit, factor in sorted(_TIME_UNITS, key=lambda pair: -len(pair[0])):
            number = text[:-len(unit)].strip()
            if text.endswith(unit) and re.fullmatch(r"\d+", number):
                return int(int(number) * factor)
    raise WatchDefinitionError(
        "%s must be a time value such as 30s, 5m, 1h or 2d (or a number of milliseconds), got %r" % (where, value))


def _single(value, where: str):
    """The (type, body) of a one-type object such as ``{"search": {...}}``."""
    if not isinstance(value, dict) or len(value) != 1:
        raise WatchDefinitionError("%s must be an object with exactly one type key, got %s" % (where, json.dumps(value, sort_keys=True)))
    return next(iter(value.items()))


# --- scripts and templates ---------------------------------------------------------------------------
def canonical_script(value, default_lang: str = DEFAULT_SCRIPT_LANG, where: str = "script"):
    """Script.toXContent: inline source with lang, or a stored script id; empty params/options left out."""
    if isinstance(value, str):
        return {"source": value, "lang": default_lang}
    if not isinstance(value, dict) or ("source" in value) == ("id" in value):
        raise WatchDefinitionError("%s must be a string, or an object with either source or id" % where)
    script = dict(value)
    for optional in ("params", "options"):
        if not script.get(optional):
            script.pop(optional, None)
    if "source" in script:
        script["lang"] = script.get("lang") or default_lang
    return script


def canonical_text_template(value, where: str):
    """TextTemplate: a string stays a string; an object is a mustache script."""
    if isinstance(value, str):
        return value
    return canonical_script(value, DEFAULT_TEMPLATE_LANG, where)


# --- http requests -------------------------------------------------------------------------------------
def _split_url(url: str, where: str) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES or not parts.hostname:
        raise WatchDefinitionError("%s.url must be an http or https URL with a host, got %r" % (where, url))
    split = {"scheme": scheme, "host": parts.hostname, "port": parts.port or HTTP_SCHEMES[scheme]}
    if parts.path:
        split["path"] = unquote(parts.path)
    if parts.query:
        split["params"] = dict(parse_qsl(parts.query, keep_blank_values=True))
    return split


def canonical_http_request(value, where: str) -> dict:
    """HttpRequestTemplate.toXContent, from either the parts or a ``url``."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    request = copy.deepcopy(value)
    if "url" in request:
        split = _split_url(request.pop("url"), where)
        params = split.pop("params", {})
        for key, item in split.items():
            request.setdefault(key, item)  # a part given on its own wins over the url's
        request["params"] = dict(params, **(request.get("params") or {}))
    if not request.get("host"):
        raise WatchDefinitionError("%s needs a host (or a url)" % where)
    scheme = str(request.get("scheme") or "http").lower()
    if scheme not in HTTP_SCHEMES:
        raise WatchDefinitionError("%s.scheme must be http or https, got %r" % (where, request.get("scheme")))
    method = str(request.get("method") or "get").lower()
    if method not in HTTP_METHODS:
        raise WatchDefinitionError("%s.method must be one of %s, got %r" % (where, ", ".join(HTTP_METHODS), request.get("method")))
    try:
        port = int(request.get("port"))
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        # Only a url brings a default port; with host, Elasticsearch refuses a missing one.
        raise WatchDefinitionError("%s needs a port between 1 and 65535 (or a url), got %r" % (where, request.get("port")))
    request["scheme"] = scheme
    request["method"] = method
    request["port"] = port
    for templates in ("params", "headers"):
        request[templates] = dict((key, canonical_text_template(item, "%s.%s.%s" % (where, templates, key)))
                                  for key, item in (request.get(templates) or {}).items())
    for template in ("path", "body"):
        if template in request:
            request[template] = canonical_text_template(request[template], "%s.%s" % (where, template))
    for written, stored in (("connection_timeout", "connection_timeout_in_millis"), ("read_timeout", "read_timeout_millis")):
        if written in request:
            request[stored] = time_millis(request.pop(written), "%s.%s" % (where, written))
    return request


# --- inputs, conditions, transforms ------------------------------------------------------------------
def canonical_search_request(value, where: str) -> dict:
    """WatcherSearchTemplateRequest: search_type, indices array and rest_total_hits_as_int always there."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    request = copy.deepcopy(value)
    indices = request.get("indices") or []
    if isinstance(indices, str):
        indices = [index.strip() for index in indices.split(",") if index.strip()]
    request["indices"] = list(indices)
    request["search_type"] = str(request.get("search_type") or "query_then_fetch").lower()
    request["rest_total_hits_as_int"] = request.get("rest_total_hits_as_int", True) is not False
    if "template" in request:
        request["template"] = canonical_script(request["template"], DEFAULT_TEMPLATE_LANG, where + ".template")
    return request


def _timed_search(value, where: str) -> dict:
    search = copy.deepcopy(value) if isinstance(value, dict) else value
    if not isinstance(search, dict) or "request" not in search:
        raise WatchDefinitionError("%s needs a request" % where)
    search["request"] = canonical_search_request(search["request"], where + ".request")
    if "timeout" in search:
        search["timeout_in_millis"] = time_millis(search.pop("timeout"), where + ".timeout")
    return search


def canonical_input(value, where: str = "input") -> dict:
    kind, body = _single(value, where)
    if kind == "search":
        return {"search": _timed_search(body, where + ".search")}
    if kind == "http":
        http = copy.deepcopy(body) if isinstance(body, dict) else {}
        if "request" not in http:
            raise WatchDefinitionError("%s.http needs a request" % where)
        http["request"] = canonical_http_request(http["request"], where + ".http.request")
        return {"http": http}
    if kind == "chain":
        inputs = (body or {}).get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list):
            raise WatchDefinitionError("%s.chain needs an inputs list" % where)
        chained = []
        for item in inputs:
            name, inner = _single(item, where + ".chain.inputs[]")
            chained.append({name: canonical_input(inner, "%s.chain.inputs.%s" % (where, name))})
        return {"chain": {"inputs": chained}}
    return {kind: copy.deepcopy(body)}


def canonical_condition(value, where: str = "condition") -> dict:
    kind, body = _single(value, where)
    if kind == "script":
        return {"script": canonical_script(body, where=where + ".script")}
    return {kind: copy.deepcopy(body)}


def canonical_transform(value, where: str = "transform") -> dict:
    kind, body = _single(value, where)
    if kind == "script":
        return {"script": canonical_script(body, where=where + ".script")}
    if kind == "search":
        return {"search": _timed_search(body, where + ".search")}
    if kind == "chain":
        if not isinstance(body, list):
            raise WatchDefinitionError("%s.chain must be a list of transforms" % where)
        return {"chain": [canonical_transform(item, "%s.chain[%d]" % (where, index)) for index, item in enumerate(body)]}
    return {kind: copy.deepcopy(body)}


# --- triggers ------------------------------------------------------------------------------------------
def _as_list(value) -> list:
    return copy.deepcopy(value) if isinstance(value, list) else [copy.deepcopy(value)]


def canonical_schedule(value, where: str = "trigger.schedule") -> dict:
    if not isinstance(value, dict) or not value:
        raise WatchDefinitionError("%s must be an object such as {interval: 5m} or {cron: '0 0/5 * * * ?'}" % where)
    schedule = copy.deepcopy(value)
    if _is_number(schedule.get("interval")):
        schedule["interval"] = "%ds" % schedule["interval"]
    if isinstance(schedule.get("hourly"), dict) and "minute" in schedule["hourly"]:
        schedule["hourly"]["minute"] = _as_list(schedule["hourly"]["minute"])
    if isinstance(schedule.get("daily"), dict) and "at" in schedule["daily"]:
        schedule["daily"]["at"] = _as_list(schedule["daily"]["at"])
    return schedule


def canonical_trigger(value, where: str = "trigger") -> dict:
    kind, body = _single(value, where)
    if kind == "schedule":
        return {"schedule": canonical_schedule(body, where + ".schedule")}
    return {kind: copy.deepcopy(body)}


# --- actions -------------------------------------------------------------------------------------------
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
    throttle = value.get("throttle_period_in_millis", value.get("throttle_period"))
    if throttle is not None:
        action["throttle_period_in_millis"] = time_millis(throttle, where + ".throttle_period")
    if value.get("condition") is not None:
        action["condition"] = canonical_condition(value["condition"], where + ".condition")
    if value.get("transform") is not None:
        action["transform"] = canonical_transform(value["transform"], where + ".transform")
    if value.get("foreach"):
        action["foreach"] = value["foreach"]
        action["max_iterations"] = int(value.get("max_iterations") or DEFAULT_MAX_ITERATIONS)
    body = copy.deepcopy(value[kind])
    if kind == "webhook":
        body = canonical_http_request(body, where + ".webhook")
    elif kind == "logging" and isinstance(body, dict):
        body["level"] = str(body.get("level") or "info").lower()
        if "text" in body:
            body["text"] = canonical_text_template(body["text"], where + ".logging.text")
    elif kind == "index" and isinstance(body, dict) and "timeout" in body:
        body["timeout_in_millis"] = time_millis(body.pop("timeout"), where + ".index.timeout")
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
    throttle = definition.get("throttle_period_in_millis", definition.get("throttle_period"))
    if throttle is not None:
        watch["throttle_period_in_millis"] = time_millis(throttle, "throttle_period")
    actions = {} if definition.get("actions") is None else definition["actions"]
    if not isinstance(actions, dict):
        raise WatchDefinitionError("actions must be an object of action id to action")
    watch["actions"] = dict((action_id, canonical_action(action_id, action)) for action_id, action in actions.items())
    if definition.get("metadata") is not None:
        if not isinstance(definition["metadata"], dict):
            raise WatchDefinitionError("metadata must be an object")
        watch["metadata"] = copy.deepcopy(definition["metadata"])
    return dict((key, watch[key]) for key in CANONICAL_ORDER if key in watch)
