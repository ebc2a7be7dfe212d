# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the values every part of a watch shares: time values, scripts and text templates.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
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


# --- scripts and templates ---------------------------------------------------------------------------
def canonical_script(value, default_lang: str = DEFAULT_SCRIPT_LANG, where: str = "script"):
    """Script.toXContent: inline source with lang, or a stored script id; empty params/options left out."""
    if isinstance(value, str):
        return {"source": value, "lang": default_lang}
    if not isinstance(value, dict) or ("source" in value) == ("id" in value):
        raise WatchDefinitionError("%s must be a string, or an object with either source or id" % where)
    script = copy.deepcopy(value)
    if isinstance(script.get("source"), (dict, list)):
        # A search template or JSON body written as an object: stored as JSON text with its content type,
        # and written back as the object.
        script["options"] = dict(script.get("options") or {}, content_type="application/json")
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
