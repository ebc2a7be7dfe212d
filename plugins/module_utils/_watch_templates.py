# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the values every part of a watch shares: time values, scripts and text templates.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
import re


DEFAULT_SCRIPT_LANG = "painless"


DEFAULT_TEMPLATE_LANG = "mustache"


_TIME_UNITS = (("nanos", 1e-6), ("micros", 1e-3), ("ms", 1), ("s", 1000), ("m", 60000), ("h", 3600000), ("d", 86400000))


class WatchDefinitionError(ValueError):
    """The wanted watch is not one Elasticsearch would accept; the message says where and why."""


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def time_millis(value, where: str) -> int:
    """Milliseconds of a time value as Watcher reads one: a number is milliseconds, a string has a unit."""
    if is_number(value):
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


def single_type(value, where: str):
    """The (type, body) of a one-type object such as ``{"search": {...}}``."""
    if not isinstance(value, dict) or len(value) != 1:
        raise WatchDefinitionError("%s must be an object with exactly one type key, got %s" % (where, json.dumps(value, sort_keys=True)))
    return next(iter(value.items()))


def text_of(value, where: str) -> str:
    """XContentParser.text(): the text of any scalar; null, objects and arrays have none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise WatchDefinitionError("%s must be a string, got %r" % (where, value))


def int_of(value, where: str) -> int:
    """XContentParser.intValue()/longValue(): numbers truncate, numeric strings are read too."""
    if is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            pass
    raise WatchDefinitionError("%s must be a number, got %r" % (where, value))


def boolean_of(value, where: str) -> bool:
    """XContentParser.booleanValue(): a boolean, or its text true/false."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise WatchDefinitionError("%s must be true or false, got %r" % (where, value))


# --- scripts and templates ---------------------------------------------------------------------------
# Script's parser: the JSON values each field takes; options other than content_type are refused for inline scripts.


_SCRIPT_FIELD_TYPES = {"source": (str, dict), "id": (str,), "lang": (str,), "options": (dict,), "params": (dict,)}


JSON_MEDIA_TYPE = "application/json"


def canonical_script(value, default_lang: str = DEFAULT_SCRIPT_LANG, where: str = "script"):
    """Script.parse then Script.toXContent: inline source with lang, or a stored script id; empty params/options left out.

    An object source (a search template) is kept with the option content_type application/json and
    written back raw, as the object; so is a text source that carries that option."""
    if isinstance(value, str):
        return {"source": value, "lang": default_lang}
    if not isinstance(value, dict) or ("source" in value) == ("id" in value):
        raise WatchDefinitionError("%s must be a string, or an object with either source or id" % where)
    for key, item in value.items():
        if key not in _SCRIPT_FIELD_TYPES or isinstance(item, bool) or not isinstance(item, _SCRIPT_FIELD_TYPES[key]):
            raise WatchDefinitionError("%s.%s is not a script field of that type (source: text or object, id and lang: text, "
                                       "options and params: objects), got %r" % (where, key, item))
    options = dict(value.get("options") or {})
    if isinstance(value.get("source"), dict):
        options["content_type"] = JSON_MEDIA_TYPE
    if "id" in value:
        if "lang" in value or options:
            raise WatchDefinitionError("%s: a stored script (id) takes neither lang nor options" % where)
        script = {"id": value["id"]}
    else:
        if set(options) - set(["content_type"]):
            raise WatchDefinitionError("%s.options may only hold content_type, got %r" % (where, value.get("options")))
        source = copy.deepcopy(value["source"])
        if isinstance(source, str) and options.get("content_type") == JSON_MEDIA_TYPE:
            try:
                source = json.loads(source)
            except ValueError:
                pass
        script = {"source": source, "lang": value.get("lang", default_lang)}
    if options:
        script["options"] = options
    if value.get("params"):
        script["params"] = copy.deepcopy(value["params"])
    return script


def canonical_text_template(value, where: str):
    """TextTemplate: a string stays a string; an object is a mustache script."""
    if isinstance(value, str):
        return value
    return canonical_script(value, DEFAULT_TEMPLATE_LANG, where)
