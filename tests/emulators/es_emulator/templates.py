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

# Script's ObjectParser ("script"): which JSON values each field takes (ValueType OBJECT_OR_STRING,
# STRING, OBJECT); anything else is "[script] <field> doesn't support values of type: <token>".
_SCRIPT_FIELD_TYPES = {"source": (str, dict), "id": (str,), "lang": (str,), "options": (dict,), "params": (dict,)}


def _script_parse_error(reason: str, caused_by: EsError | None = None) -> EsError:
    return EsError(400, "x_content_parse_exception", "[script] " + reason, caused_by)


def _java_map(values: dict) -> str:
    """AbstractMap.toString: {key=value, ...}."""
    return "{" + ", ".join("%s=%s" % (key, value) for key, value in values.items()) + "}"


def parse_script(value, default_lang: str) -> dict:
    """Script.parse: a string is an inline script; an object has source|id, lang, options, params.

    Returns the canonical form Script.toXContent writes: source|id, lang (inline only), options and
    params only when not empty. An object `source` (a search template) is kept as JSON text with
    `options.content_type` and written back as the object (`script_for_output`).
    """
    if isinstance(value, str):
        return {"source": value, "lang": default_lang}
    if not isinstance(value, dict):
        raise _script_parse_error("Expected START_OBJECT but was: %s" % token(value))
    kind, code, lang, options, params = None, None, None, {}, {}
    for key, field_value in value.items():
        if key not in _SCRIPT_FIELD_TYPES:
            raise _script_parse_error("unknown field [%s]" % key)
        if isinstance(field_value, bool) or not isinstance(field_value, _SCRIPT_FIELD_TYPES[key]):
            raise _script_parse_error("%s doesn't support values of type: %s" % (key, token(field_value)))
        if key in ("source", "id"):
            if kind is not None:
                # Builder.throwOnlyOneOfType, wrapped by the ObjectParser as a failure of that field
                raise _script_parse_error("failed to parse field [%s]" % key,
                                          illegal_argument("must only use one of [source, id] when specifying a script"))
            kind = "source" if key == "source" else "id"
            code = field_value
            if isinstance(field_value, dict):
                code = json.dumps(field_value, separators=(",", ":"))
                options["content_type"] = JSON_MEDIA_TYPE
        elif key == "lang":
            lang = field_value
        elif key == "options":
            options.update({name: option if isinstance(option, str) else json.dumps(option) for name, option in field_value.items()})
        else:
            params = field_value
    if kind is None:
        raise illegal_argument("must specify either [source] for an inline script or [id] for a stored script")
    if kind == "id":
        if lang is not None:
            raise illegal_argument("illegally specified <lang> for a stored script")
        if options:
            raise illegal_argument("field [options] cannot be specified using a stored script")
        script = {"id": code}
    else:
        extra = {name: option for name, option in options.items() if name != "content_type"}
        if extra:
            raise illegal_argument("illegal compiler options [%s] specified" % _java_map(extra))
        script = {"source": code, "lang": default_lang if lang is None else lang}
    if options:
        script["options"] = options
    if params:
        script["params"] = params
    return script


def script_for_output(script: dict) -> dict:
    """Script.toXContent: a source with the JSON `content_type` option is written raw (as the object)."""
    if script.get("options", {}).get("content_type") == JSON_MEDIA_TYPE and isinstance(script.get("source"), str):
        try:
            return dict(script, source=json.loads(script["source"]))
        except ValueError:
            return script
    return script


# --- compiling (ScriptService.compile) ----------------------------------------------------------

# The script engines of the default distribution (modules lang-painless, lang-expression, lang-mustache).
SCRIPT_ENGINES = ("painless", "expression", "mustache")
MAX_INLINE_SCRIPT_BYTES = 65535  # script.max_size_in_bytes
# PainlessScriptEngine.buildCompilerSettings: the compile-time options it takes.
_PAINLESS_OPTIONS = ("max_loop_counter", "picky", "initial_call_site_depth")


def _engine_refusal(lang: str, context: str, options: dict) -> str | None:
    """What the engine's compile throws before reading the source (the source itself is never compiled here)."""
    if lang == "mustache":
        return "mustache engine does not know how to handle context [%s]" % context
    if lang == "expression":
        return "expression engine does not know how to handle script context [%s]" % context
    unknown = {name: option for name, option in options.items() if name not in _PAINLESS_OPTIONS}
    if unknown:
        return "Unrecognized compile-time parameter(s): %s" % _java_map(unknown)
    return None


def compile_script(script: dict, context: str, stored_scripts: dict | None) -> None:
    """ScriptService.compile for a Watcher script context (watcher_condition, watcher_transform).

    A stored script is looked up first (ResourceNotFoundException, 404); then the engine of its lang
    must exist, an inline source must fit script.max_size_in_bytes, and the engine must take the
    context and the options. Engine failures come back wrapped by ScriptCache.compile in a
    GeneralScriptException. Painless sources are accepted as they are: there is no Painless here.
    `stored_scripts` None: the stored scripts are not known, a stored script is not checked.
    """
    if "id" in script:
        if stored_scripts is None:
            return
        stored = stored_scripts.get(script["id"])
        if stored is None:
            raise EsError(404, "resource_not_found_exception", "unable to find script [%s] in cluster state" % script["id"])
        kind, name, lang, code, options = "stored", script["id"], stored.get("lang"), stored.get("source", ""), stored.get("options") or {}
    else:
        kind, name, lang, code, options = "inline", script["source"], script["lang"], script["source"], script.get("options") or {}
    if lang not in SCRIPT_ENGINES:
        raise illegal_argument("script_lang not supported [%s]" % lang)
    if kind == "inline" and len(code.encode("utf-8")) > MAX_INLINE_SCRIPT_BYTES:
        raise illegal_argument("exceeded max allowed inline script size in bytes [%d] with size [%d] for script [%s]" % (
            MAX_INLINE_SCRIPT_BYTES, len(code.encode("utf-8")), code))
    refusal = _engine_refusal(lang, context, options)
    if refusal is not None:
        # UNSETTLED: the status is ElasticsearchException.status() of a GeneralScriptException (500, not re-read)
        raise EsError(500, "general_script_exception", "Failed to compile %s script [%s] using lang [%s]" % (kind, name, lang),
                      illegal_argument(refusal))


# --- Java collections --------------------------------------------------------------------------

def java_string_hash(text: str) -> int:
    """String.hashCode over UTF-16 code units, as an unsigned 32-bit value."""
    units = text.encode("utf-16-be")
    value = 0
    for index in range(0, len(units), 2):
        value = (31 * value + (units[index] << 8 | units[index + 1])) & 0xFFFFFFFF
    return value


def java_hash_set(items) -> list:
    """The iteration order of a java.util.HashSet filled with `items` in order (default capacity 16, load 0.75).

    Equal items once; buckets in index order, items of one bucket in insertion order (resizes keep it).
    """
    unique = list(dict.fromkeys(items))
    capacity = 16
    while len(unique) > capacity * 3 // 4:
        capacity *= 2

    def bucket(item: str) -> int:
        spread = java_string_hash(item)
        return (spread ^ (spread >> 16)) & (capacity - 1)

    return sorted(unique, key=bucket)


def parse_text_template(value) -> str | dict:
    """TextTemplate.parse: strings stay strings; objects become mustache scripts."""
    if isinstance(value, str):
        return value
    return script_for_output(parse_script(value, DEFAULT_TEMPLATE_LANG))


def scalar_text(value, field_name: str) -> str:
    """XContentParser.text(): any scalar's text; null, objects and arrays have none."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return repr(value)
    raise EsError(500, "illegal_state_exception", "Can't get text on a %s for field [%s]" % (token(value), field_name))
