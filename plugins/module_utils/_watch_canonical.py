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
* http requests (webhook actions, http inputs): ``_watch_http_request.py``;
* scripts: a string is ``{source, lang: painless}``; empty ``params``/``options`` disappear;
* logging actions gain ``level: info``; search requests gain ``search_type: query_then_fetch``,
  ``rest_total_hits_as_int: true`` and an ``indices`` array;
* triggers: ``_watch_schedule.py``; notification actions: ``_watch_notification_actions.py``.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.ilert.watcher.plugins.module_utils._watch_http_request import canonical_http_request
from ansible_collections.ilert.watcher.plugins.module_utils._watch_notification_actions import (
    NOTIFICATION_ACTIONS, canonical_notification_action)
from ansible_collections.ilert.watcher.plugins.module_utils._watch_schedule import canonical_trigger
from ansible_collections.ilert.watcher.plugins.module_utils._watch_templates import (  # noqa: F401 pylint: disable=unused-import
    DEFAULT_TEMPLATE_LANG, WatchDefinitionError, boolean_of, canonical_script, canonical_text_template, int_of, is_number, single_type, text_of,
    time_millis)
from ansible_collections.ilert.watcher.plugins.module_utils._watch_time_zones import dynamic_name_timezone

WATCH_FIELDS = ("trigger", "input", "condition", "transform", "throttle_period", "throttle_period_in_millis", "actions", "metadata")
# The order Watch.toXContent writes; dict equality ignores it, but diffs and returns read better.
CANONICAL_ORDER = ("trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata")
DEFAULT_MAX_ITERATIONS = 100
ACTION_SETTINGS = ("throttle_period", "throttle_period_in_millis", "condition", "transform", "foreach", "max_iterations")


# --- inputs, conditions, transforms ------------------------------------------------------------------
SEARCH_TYPES = ("query_then_fetch", "dfs_query_then_fetch")
COMPARE_OPS = ("eq", "not_eq", "lt", "lte", "gt", "gte")
HTTP_CONTENT_TYPES = ("json", "yaml", "text")
_WILDCARD_STATES = ("open", "closed", "hidden")
_DEFAULT_INDICES_OPTIONS = {"expand_wildcards": ["open"], "ignore_unavailable": True, "allow_no_indices": True, "ignore_throttled": False}


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
            options[key] = boolean_of(item, "%s.%s" % (where, key))
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
            request[key] = boolean_of(item, "%s.%s" % (where, key))
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
            search[key] = dynamic_name_timezone(item, "%s.%s" % (where, key))
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
            name, inner = single_type(item, where + ".inputs[]")
            chained.append({name: canonical_input(inner, "%s.inputs.%s" % (where, name))})
    return {"inputs": chained}


def canonical_input(value, where: str = "input") -> dict:
    kind, body = single_type(value, where)
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
    kind, body = single_type(value, where)
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
    kind, body = single_type(value, where)
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


# --- actions -------------------------------------------------------------------------------------------
def _throttle_period(value: dict, where: str):
    """throttle_period (a time value, null for none) or throttle_period_in_millis (a number): the last one written wins."""
    millis = None
    for key, item in value.items():
        name = "%s.%s" % (where, key) if where else key
        if key == "throttle_period_in_millis":
            millis = int_of(item, name)
        elif key == "throttle_period":
            millis = None if item is None else time_millis(item, name)
    return millis


def _max_iterations(value, where: str) -> int:
    """XContentParser.intValue(): any number, truncated (Elasticsearch does not check the range)."""
    if isinstance(value, bool) or value is None:
        raise WatchDefinitionError("%s must be a whole number, got %r" % (where, value))
    return int_of(value, where)


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
            index[key] = text_of(item, name)
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
            index[key] = dynamic_name_timezone(item, name)
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
    # TransformRegistry.parse reads {} as no transform at all.
    if value.get("transform") not in (None, {}):
        action["transform"] = canonical_transform(value["transform"], where + ".transform")
    foreach = text_of(value["foreach"], where + ".foreach") if "foreach" in value else ""
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
    if definition.get("transform") not in (None, {}):
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
