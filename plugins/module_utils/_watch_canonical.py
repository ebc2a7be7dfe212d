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


def canonical_http_request(value, where: str) -> dict:
    """HttpRequestTemplate.toXContent, from either the parts or a ``url``, read in document order as Watcher does."""
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be an object" % where)
    request = {"params": {}, "headers": {}}
    for key, item in value.items():
        if key == "url":
            split = _split_url(item, where)
            request["params"].update(split.pop("params"))
            request.update(split)
        elif key in ("params", "headers"):
            request[key].update(_templates(item, "%s.%s" % (where, key)))
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
    if not isinstance(indices, list) or not all(isinstance(index, str) for index in indices):
        raise WatchDefinitionError("%s.indices must be an index name, a comma-separated string or a list of names, got %r"
                                   % (where, request.get("indices")))
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
        if isinstance(http.get("extract"), list):
            http["extract"] = list(dict.fromkeys(http["extract"]))  # a set in Watcher: each key once
        if isinstance(http.get("response_content_type"), str):
            http["response_content_type"] = http["response_content_type"].lower()
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


def _numbers(value, where: str) -> list:
    numbers = []
    for item in _as_list(value):
        try:
            numbers.append(int(item) if not isinstance(item, bool) else None)
        except (TypeError, ValueError):
            numbers.append(None)
        if numbers[-1] is None:
            raise WatchDefinitionError("%s must be numbers, got %r" % (where, item))
    return numbers


def _day_time(value, where: str):
    """"noon", "midnight" and "hh:mm" stay as written; objects become {hour: [..], minute: [..]}."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise WatchDefinitionError("%s must be 'hh:mm', noon, midnight or {hour, minute}, got %r" % (where, value))
    return {"hour": _numbers(value.get("hour", []), where + ".hour") or [0],
            "minute": _numbers(value.get("minute", []), where + ".minute") or [0]}


def _day_time_key(value):
    if value in ("noon", "midnight"):
        return ((12 if value == "noon" else 0,), (0,))
    if isinstance(value, str) and ":" in value:
        hour, dummy, minute = value.partition(":")
        return ((int(hour),), (int(minute),)) if hour.strip("-").isdigit() and minute.strip("-").isdigit() else (value,)
    if isinstance(value, dict):
        return (tuple(value["hour"]), tuple(value["minute"]))
    return (value,)


def _day_times(value, where: str) -> list:
    """A set of day times, as Watcher keeps them: the first of equal times stays."""
    times, seen = [], set()
    for item in _as_list(value):
        parsed = _day_time(item, where)
        if _day_time_key(parsed) not in seen:
            seen.add(_day_time_key(parsed))
            times.append(parsed)
    return times


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
    return sorted(days)


def _periodic(value, kind: str, where: str) -> list:
    """weekly / monthly / yearly: arrays of {on, at[, in]} with Watcher's defaults."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items or [{}]:
        if not isinstance(item, dict):
            raise WatchDefinitionError("%s must be objects with on and at, got %r" % (where, item))
        times = {}
        if kind == "yearly":
            times["in"] = _names(item["in"], _MONTHS, where + ".in") if "in" in item else []
            times["in"] = times["in"] or ["JAN"]
        if kind == "weekly":
            times["on"] = (_names(item["on"], _WEEK_DAYS, where + ".on") if "on" in item else []) or ["MON"]
        else:
            times["on"] = (_month_days(item["on"], where + ".on") if "on" in item else []) or [1]
        times["at"] = (_day_times(item["at"], where + ".at") if "at" in item else []) or [{"hour": [0], "minute": [0]}]
        out.append(times)
    return out


def _interval(value, where: str) -> str:
    if is_number(value):
        return "%ds" % value
    match = _INTERVAL.match(str(value).strip())
    if not match:
        raise WatchDefinitionError("%s.interval must be a number of seconds or a time such as 30s, 5m, 1h, 1d or 1w, got %r" % (where, value))
    return "%d%s" % (int(match.group(1)), match.group(2))


def _cron(value, where: str):
    expressions = _as_list(value)
    if not expressions or not all(isinstance(expression, str) for expression in expressions):
        raise WatchDefinitionError("%s.cron must be a cron expression or a list of them" % where)
    expressions = sorted(expression.upper() for expression in expressions)
    return expressions[0] if len(expressions) == 1 else expressions


def canonical_schedule(value, where: str = "trigger.schedule") -> dict:
    if not isinstance(value, dict) or not value:
        raise WatchDefinitionError("%s must be an object such as {interval: 5m} or {cron: '0 0/5 * * * ?'}" % where)
    schedule = copy.deepcopy(value)
    if "interval" in schedule:
        schedule["interval"] = _interval(schedule["interval"], where)
    if "cron" in schedule:
        schedule["cron"] = _cron(schedule["cron"], where)
    if isinstance(schedule.get("hourly"), dict):
        schedule["hourly"] = {"minute": _numbers(schedule["hourly"].get("minute", []), where + ".hourly.minute") or [0]}
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
        iterations = value.get("max_iterations", DEFAULT_MAX_ITERATIONS)
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise WatchDefinitionError("%s.max_iterations must be a whole number of 1 or more, got %r" % (where, iterations))
        action["max_iterations"] = iterations
    body = copy.deepcopy(value[kind])
    if kind == "webhook":
        body = canonical_http_request(body, where + ".webhook")
    elif kind == "logging" and isinstance(body, dict):
        body["level"] = str(body.get("level") or "info").lower()
        if "text" in body:
            body["text"] = canonical_text_template(body["text"], where + ".logging.text")
    elif kind == "index" and isinstance(body, dict) and "timeout" in body:
        body["timeout_in_millis"] = time_millis(body.pop("timeout"), where + ".index.timeout")
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
