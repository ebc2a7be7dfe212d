# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Building blocks every watch part uses: token names, time values, scripts and text templates.

The Java parsers walk JSON tokens; here the parsed JSON value stands in for the token, so
`token(value)` gives the name Elasticsearch puts in its messages (START_OBJECT, VALUE_STRING, ...).
"""

from __future__ import annotations

import json
import re

from .errors import EsError, illegal_argument, parse_error

REDACTED = "::es_redacted::"
DEFAULT_SCRIPT_LANG = "painless"
DEFAULT_TEMPLATE_LANG = "mustache"
JSON_MEDIA_TYPE = "application/json"


def token(value) -> str:
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, bool):
        return "VALUE_BOOLEAN"
    if isinstance(value, (int, float)):
        return "VALUE_NUMBER"
    if value is None:
        return "VALUE_NULL"
    return "VALUE_STRING"


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def long_value(value) -> int:
    """XContentParser.longValue(): numbers truncate, numeric strings are coerced."""
    if is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value)) if re.fullmatch(r"-?\d+(\.\d+)?", value.strip()) else int(value)
        except ValueError as error:
            raise illegal_argument('For input string: "%s"' % value) from error
    raise illegal_argument("Current token (%s) not numeric, can not use numeric value accessors" % token(value))


_UNITS = (("nanos", 1e-6), ("micros", 1e-3), ("ms", 1), ("s", 1000), ("m", 60000), ("h", 3600000), ("d", 86400000))


def time_value_millis(text: str, setting: str) -> int:
    """TimeValue.parseTimeValue: `10s`, `500ms`, `1m`, `-1`, `0`; no fractions, no weeks."""
    normalized = text.strip().lower()
    if normalized in ("-1", "0"):
        return int(normalized)
    for suffix, factor in sorted(_UNITS, key=lambda unit: -len(unit[0])):
        if normalized.endswith(suffix):
            number = normalized[: -len(suffix)].strip()
            if re.fullmatch(r"-?\d+", number):
                return int(int(number) * factor)
            if re.fullmatch(r"-?\d*\.\d+", number):
                raise illegal_argument("failed to parse [%s], fractional time values are not supported" % text)
            break
    raise illegal_argument("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized" % (setting, text))


def parse_time_field(value, setting: str) -> int | None:
    """WatcherDateTimeUtils.parseTimeValue: a number is milliseconds, a string a time value, null nothing."""
    if value is None:
        return None
    if is_number(value):
        return int(value)
    if isinstance(value, str):
        return time_value_millis(value, setting)
    raise parse_error("could not parse time value [%s]. expected a string or a number value but found [%s] instead" % (setting, token(value)))


# --- scripts (org.elasticsearch.script.Script) ------------------------------------------------

_SCRIPT_FIELDS = frozenset({"source", "id", "lang", "options", "params"})


def parse_script(value, default_lang: str) -> dict:
    """Script.parse: a string is an inline script; an object has source|id, lang, options, params.

    Returns the canonical form Script.toXContent writes: source|id, lang (inline only), options and
    params only when not empty. An object `source` (a search template) is kept as JSON text with
    `options.content_type` and written back as the object.
    """
    if isinstance(value, str):
        return {"source": value, "lang": default_lang}
    if not isinstance(value, dict):
        raise EsError(400, "x_content_parse_exception", "[script] Expected START_OBJECT but was: %s" % token(value))
    for key in value:
        if key not in _SCRIPT_FIELDS:
            raise EsError(400, "x_content_parse_exception", "[script] unknown field [%s]" % key)
    source, script_id = value.get("source"), value.get("id")
    if (source is None) == (script_id is None):
        raise illegal_argument("must specify either [source] for an inline script or [id] for a stored script")
    options = value.get("options") or {}
    params = value.get("params") or {}
    if not isinstance(options, dict) or not isinstance(params, dict):
        raise EsError(400, "x_content_parse_exception", "[script] failed to parse field [%s]" % ("options" if not isinstance(options, dict) else "params"))
    if script_id is not None:
        if value.get("lang") is not None:
            raise illegal_argument("lang cannot be specified for stored scripts")
        if options:
            raise illegal_argument("options cannot be specified for stored scripts")
        script = {"id": script_id}
    else:
        options = dict(options)
        if isinstance(source, (dict, list)):
            options["content_type"] = JSON_MEDIA_TYPE
            source = json.dumps(source, separators=(",", ":"))
        elif not isinstance(source, str):
            source = json.dumps(source)
        script = {"source": source, "lang": value.get("lang") or default_lang}
    if options:
        script["options"] = options
    if params:
        script["params"] = params
    return script


def script_for_output(script: dict) -> dict:
    """Script.toXContent: a JSON source stored with `content_type` is written back as an object."""
    if script.get("options", {}).get("content_type") == JSON_MEDIA_TYPE and isinstance(script.get("source"), str):
        try:
            return dict(script, source=json.loads(script["source"]))
        except ValueError:
            return script
    return script


def parse_text_template(value) -> str | dict:
    """TextTemplate.parse: strings stay strings; objects become mustache scripts."""
    if isinstance(value, str):
        return value
    return script_for_output(parse_script(value, DEFAULT_TEMPLATE_LANG))
