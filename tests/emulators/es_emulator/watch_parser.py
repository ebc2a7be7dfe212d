# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A watch body turned into the canonical form Elasticsearch stores (WatchParser + Watch.toXContent).

`parse_watch` is both the PUT path (with secrets: a redacted password is refused, or dropped in
update mode) and the GET path (the stored source is parsed again and written with secrets hidden,
see `redact_watch`). Parsing the canonical form gives the canonical form back.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from .errors import EsError, illegal_argument, parse_error
from .http_request import parse_http_request, redact_http_request
from .notification_actions import NOTIFICATION_ACTIONS, parse_notification_action, redact_notification_action
from .schedules import _zone_id as zone_id  # java.time.ZoneId.of  pylint: disable=protected-access
from .schedules import parse_trigger
from .search_request import parse_search_request
from .templates import (DEFAULT_SCRIPT_LANG, compile_script, is_number, java_hash_set, long_value, parse_script,
                        parse_text_template, parse_time_field, scalar_text, script_for_output, token)
from .versions import ServerVersion

LOGGING_LEVELS = ("error", "warn", "info", "debug", "trace")
COMPARE_OPS = ("eq", "not_eq", "lt", "lte", "gt", "gte")
QUANTIFIERS = ("some", "all")
HTTP_CONTENT_TYPES = ("json", "yaml", "text")
REFRESH_POLICIES = {"true": "true", "false": "false", "wait_for": "wait_for", "": "true"}


@dataclass
class ParseContext:
    """One parse: which watch, which release, whether a redacted password may be dropped."""

    watch_id: str
    version: ServerVersion
    allow_redacted: bool = False
    warnings: list = field(default_factory=list)
    # The node's notification accounts (accounts.NotificationAccounts); None skips the account lookup.
    accounts: object = None
    # The cluster's stored scripts by id ({lang, source, options?}); None skips the stored-script lookup.
    stored_scripts: dict | None = None

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _not_an_object(what: str, ctx, value) -> EsError:
    """UNSETTLED: the registries read a non-object here token by token and lose their place; refused."""
    return parse_error("could not parse %s for watch [%s]. expected an object but found [%s] instead" % (what, ctx.watch_id, token(value)))


def _wrap_parse_error(error: EsError, reason: str) -> EsError:
    """Only an ElasticsearchParseException is wrapped by the part's parser; any other exception passes through."""
    if error.type == "parse_exception":
        return parse_error(reason, error)
    return error


def _scalar_text(value, ctx) -> str:
    """XContentParser.text(): a string, or the text of a number or boolean; anything else has no text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise EsError(500, "illegal_state_exception", "Can't get text on a %s" % token(value))


_SHORT_ZONES = {"EST": "-05:00", "HST": "-10:00", "MST": "-07:00", "ROC": "Asia/Taipei", "Eire": "Europe/London"}


def _fixed_offset(zone: str) -> str | None:
    """ZoneRules.isFixedOffset of a region, judged from its offsets over 1850-2100; the offset id when fixed."""
    try:
        rules = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    offsets = {datetime(year, month, 1, tzinfo=rules).utcoffset() for year in range(1850, 2101, 5) for month in (1, 7)}
    if len(offsets) != 1:
        return None
    seconds = int(offsets.pop().total_seconds())
    if seconds == 0:
        return "Z"
    sign, seconds = ("+" if seconds > 0 else "-"), abs(seconds)
    return "%s%02d:%02d" % (sign, seconds // 3600, seconds % 3600 // 60) + (":%02d" % (seconds % 60) if seconds % 60 else "")


def _dynamic_name_timezone(value, kind: str, what: str, ctx) -> str:
    """DateUtils.of: five deprecated short ids mapped, else ZoneId.of(id).normalized() (fixed zones become offsets)."""
    if not isinstance(value, str):
        raise parse_error("could not parse [%s] %s for watch [%s]. failed to parse [dynamic_name_timezone]. must be a string value "
                          "(e.g. 'UTC' or '+01:00')." % (kind, what, ctx.watch_id))
    if value in _SHORT_ZONES:
        ctx.warn("Use of short timezone id %s is deprecated. Use %s instead" % (value, _SHORT_ZONES[value]))
        return _SHORT_ZONES[value]
    zone = zone_id(value)
    for prefix in ("UTC", "GMT", "UT"):
        if zone == prefix:
            return "Z"
        if zone.startswith(prefix) and zone[len(prefix):][:1] in "+-":
            return zone[len(prefix):]
    if zone == "Z" or zone[:1] in "+-":
        return zone
    return _fixed_offset(zone) or zone


def _timed_search(value, kind: str, what: str, ctx, allow_extract: bool) -> dict:
    """SearchInput.parse / SearchTransform.parse: request, extract (inputs only), timeout, dynamic_name_timezone."""
    prefix = "could not parse [%s] %s for watch [%s]. " % (kind, what, ctx.watch_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    request, extract, timeout, zone = None, None, None, None
    for key, field_value in value.items():
        if key == "request":
            try:
                request = parse_search_request(field_value, ctx)
            except EsError as error:
                raise _wrap_parse_error(error, prefix + "failed to parse [request]") from error
        elif allow_extract and isinstance(field_value, list):
            if key != "extract":
                raise parse_error(prefix + "unexpected array field [%s]" % key)
            for item in field_value:
                if not isinstance(item, str):
                    raise parse_error(prefix + "expected a string value in [extract] array, but found [%s] instead" % token(item))
            extract = java_hash_set(field_value)
        elif key == "timeout_in_millis":
            timeout = long_value(field_value)
        elif key == "timeout":
            timeout = parse_time_field(field_value, "timeout")
        elif key == "dynamic_name_timezone":
            zone = _dynamic_name_timezone(field_value, kind, what, ctx)
        elif allow_extract:
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
        else:
            raise parse_error(prefix + "unexpected field [%s]" % key)
    if request is None:
        raise parse_error(prefix + "missing required [request] field")
    out = {"request": request}
    if extract is not None:
        out["extract"] = extract
    if timeout is not None:
        out["timeout_in_millis"] = timeout
    if zone is not None:
        out["dynamic_name_timezone"] = zone
    return out


# --- inputs ------------------------------------------------------------------------------------

def _none_input(value, ctx) -> dict:
    if value:
        raise parse_error("could not parse [none] input for watch [%s]. expected an empty object but found [FIELD_NAME] instead" % ctx.watch_id)
    return {}


def _http_input(value, ctx) -> dict:
    """HttpInput.parse; extract is a HashSet, response_content_type an HttpContentType written by its id."""
    prefix = "could not parse [http] input for watch [%s]. " % ctx.watch_id
    request, extract, content_type = None, None, None
    for key, field_value in value.items():
        if key == "request":
            try:
                request = parse_http_request(field_value, ctx)
            except EsError as error:
                raise _wrap_parse_error(error, prefix + "failed to parse http request template") from error
        elif isinstance(field_value, list):
            if key != "extract":
                raise parse_error(prefix + "unexpected array field [%s]" % key)
            for item in field_value:
                if not isinstance(item, str):
                    raise parse_error(prefix + "expected a string value as an [extract] item but found [%s] instead" % token(item))
            extract = java_hash_set(field_value)
        elif isinstance(field_value, str):
            if key != "response_content_type":
                raise parse_error(prefix + "unexpected string field [%s]" % key)
            content_type = field_value.lower()
            if content_type not in HTTP_CONTENT_TYPES:
                raise illegal_argument("unknown http content type [%s]" % field_value)
        else:
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
    if request is None:
        raise parse_error(prefix + "missing require [request] field")
    if content_type == "text" and extract is not None:
        raise parse_error(prefix + "key extraction is not supported for content type [text]")
    out = {"request": request}
    if extract is not None:
        out["extract"] = extract
    if content_type is not None:
        out["response_content_type"] = content_type
    return out


def _chain_input(value, ctx) -> dict:
    """ChainInput.parse: only an `inputs` array counts; each element an object holding one named input.

    Scalars (other fields, array elements) are skipped as the Java loop skips them, empty elements too.
    UNSETTLED: an object or array where the loop expects neither makes the Java parser lose its place;
    refused here."""
    inputs = []
    for key, field_value in value.items():
        if isinstance(field_value, (dict, list)) and not (key == "inputs" and isinstance(field_value, list)):
            raise parse_error("could not parse [chain] input for watch [%s]. unexpected %s field [%s]" % (ctx.watch_id, token(field_value), key))
        if key != "inputs" or not isinstance(field_value, list):
            continue
        for item in field_value:
            if isinstance(item, list):
                raise parse_error("could not parse [chain] input for watch [%s]. unexpected array in [inputs]" % ctx.watch_id)
            if not isinstance(item, dict) or not item:
                continue
            name, body = next(iter(item.items()))
            if not isinstance(body, dict):
                raise parse_error("Expected starting JSON object after [%s] in watch [%s]" % (name, ctx.watch_id))
            inner = parse_input(body, ctx)
            if len(item) > 1:
                raise parse_error("Expected closing JSON object after parsing input [%s] named [%s] in watch [%s]" % (
                    next(iter(inner)), name, ctx.watch_id))
            inputs.append({name: inner})
    return {"inputs": inputs}


def _transform_input(value, ctx) -> dict:
    """TransformInputFactory: the object is a transform; UNSETTLED: an empty one (no transform) fails with a NullPointerException."""
    transform = parse_transform(value, ctx)
    if transform is None:
        raise parse_error("could not parse transform for watch [%s]. expected a transform type field, but found an empty object instead" % ctx.watch_id)
    return transform


_INPUTS = {
    "none": _none_input,
    "simple": lambda value, ctx: value,  # SimpleInput: parser.map(), as given
    "search": lambda value, ctx: _timed_search(value, "search", "input", ctx, True),
    "http": _http_input,
    "chain": _chain_input,
    "transform": _transform_input,
}


def parse_input(value, ctx) -> dict:
    """InputRegistry.parse: every `{type: object}` is parsed, the last one is the input."""
    prefix = "could not parse input for watch [%s]. " % ctx.watch_id
    if not isinstance(value, dict):
        raise parse_error(prefix + "expected an object representing the input, but found [%s] instead" % token(value))
    parsed = None
    for kind, body in value.items():
        if not isinstance(body, dict):
            raise parse_error(prefix + "expected an object representing input [%s], but found [%s] instead" % (kind, token(body)))
        parser = _INPUTS.get(kind)
        if parser is None:
            raise parse_error(prefix + "unknown input type [%s]" % kind)
        parsed = {kind: parser(body, ctx)}
    if parsed is None:
        raise parse_error(prefix + "expected field indicating the input type, but found an empty object instead")
    return parsed


# --- conditions and transforms -----------------------------------------------------------------

def _constant(value, ctx, kind: str) -> dict:
    """InternalAlwaysCondition / NeverCondition: an empty object; the message names the field found."""
    verb = "unable to" if kind == "always" else "could not"
    if not isinstance(value, dict):
        raise parse_error("%s parse [%s] condition for watch [%s]. expected an empty object but found [%s]" % (verb, kind, ctx.watch_id, kind))
    if value:
        raise parse_error("%s parse [%s] condition for watch [%s]. expected an empty object but found [%s]" % (
            verb, kind, ctx.watch_id, next(iter(value))))
    return {}


def _compare_op(name: str):
    """Op.resolve: valueOf(name.toUpperCase()); written back by id() in lower case."""
    op = name.upper().lower()
    return op if op in COMPARE_OPS else None


def _structure_check(prefix: str, path, op: str, value) -> None:
    if op not in ("eq", "not_eq") and isinstance(value, (dict, list)):
        raise parse_error(prefix + "compared value for [%s] with operation [%s] must either be a numeric, string, boolean or null value, "
                          "but found [%s] instead" % ("null" if path is None else path, op, token(value)))


def _compare(value, ctx) -> dict:
    """CompareCondition.parse: {path: {op: value}}; the last path wins; exactly one operator per path."""
    prefix = "could not parse [compare] condition for watch [%s]. " % ctx.watch_id
    if not isinstance(value, dict):
        raise parse_error(prefix + "expected an object but found [%s] instead" % token(value))
    path, op, compared = None, None, None
    for path, spec in value.items():
        if not isinstance(spec, dict):
            raise parse_error(prefix + "expected an object for field [%s] but found [%s] instead" % (path, token(spec)))
        if not spec:
            raise parse_error(prefix + "expected a field indicating the comparison operator, but found [END_OBJECT] instead")
        name, compared = next(iter(spec.items()))
        op = _compare_op(name)
        if op is None:
            raise parse_error(prefix + "unknown comparison operator [%s]" % name)
        _structure_check(prefix, path, op, compared)
        if len(spec) > 1:
            raise parse_error(prefix + "expected end of path object, but found [FIELD_NAME] instead")
    if op is None:
        # UNSETTLED: CompareCondition(null, null, null) fails when written (NullPointerException); refused here
        raise parse_error(prefix + "expected a field indicating the compared path, but found [END_OBJECT] instead")
    return {path: {op: compared}}


def _array_compare(value, ctx) -> dict:
    """ArrayCompareCondition.parse: {array_path: {path, op: {value, quantifier}}}, written in full.

    path defaults to "" and quantifier to some, both always written, as is value (null when not given).
    The fields are read into one set of variables, so a later array path keeps what an earlier one set."""
    prefix = "could not parse [array_compare] condition for watch [%s]. " % ctx.watch_id
    if not isinstance(value, dict):
        raise parse_error(prefix + "expected an object but found [%s] instead" % token(value))
    array_path, path, op, compared, quantifier = None, None, None, None, None
    for array_path, spec in value.items():
        if not isinstance(spec, dict):
            raise parse_error(prefix + "expected an object for field [%s] but found [%s] instead" % ("null" if path is None else path, token(spec)))
        for name, item in spec.items():
            if name == "path":
                path = _scalar_text(item, ctx)
                continue
            op = _compare_op(name)
            if op is None:
                raise parse_error(prefix + "unknown comparison operator [%s]" % name)
            if not isinstance(item, dict):
                raise parse_error(prefix + "expected an object for field [%s] but found [%s] instead" % (op, token(item)))
            for field_name, field_value in item.items():
                if field_name == "value":
                    _structure_check(prefix, path, op, field_value)
                    compared = field_value
                elif field_name == "quantifier":
                    text = _scalar_text(field_value, ctx)
                    quantifier = text.upper().lower()
                    if quantifier not in QUANTIFIERS:
                        raise parse_error(prefix + "unknown comparison quantifier [%s]" % text)
                else:
                    raise parse_error(prefix + "expected a field indicating the comparison value or comparison quantifier, but found [%s] instead"
                                      % field_name)
    if op is None:
        # UNSETTLED: without an operator the condition fails when written (NullPointerException); refused here
        raise parse_error(prefix + "expected a field indicating the compared path or a comparison operator, but found [END_OBJECT] instead")
    return {array_path: {"path": "" if path is None else path, op: {"value": compared, "quantifier": quantifier or "some"}}}


def _script(value, ctx, context: str) -> dict:
    """ScriptCondition / ExecutableScriptTransform: Script.parse, then compiled at once (ScriptService.compile)."""
    script = parse_script(value, DEFAULT_SCRIPT_LANG)
    compile_script(script, context, ctx.stored_scripts)
    return script_for_output(script)


_CONDITIONS = {
    "always": lambda value, ctx: _constant(value, ctx, "always"),
    "never": lambda value, ctx: _constant(value, ctx, "never"),
    "compare": _compare,
    "array_compare": _array_compare,
    "script": lambda value, ctx: _script(value, ctx, "watcher_condition"),
}


def parse_condition(value, ctx) -> dict:
    """ConditionRegistry.parseExecutable: every type given is parsed, the last one is the condition."""
    if not isinstance(value, dict):
        raise _not_an_object("condition", ctx, value)
    parsed = None
    for kind, body in value.items():
        parser = _CONDITIONS.get(kind)
        if parser is None:
            raise parse_error("could not parse condition for watch [%s]. unknown condition type [%s]" % (ctx.watch_id, kind))
        parsed = {kind: parser(body, ctx)}
    if parsed is None:
        raise parse_error("could not parse condition for watch [%s]. missing required condition type field" % ctx.watch_id)
    return parsed


def _chain_transform(value, ctx) -> list:
    """ChainTransform.parse: an array of objects, every `{type: body}` of each object one transform."""
    if not isinstance(value, list):
        raise parse_error("could not parse [chain] transform for watch [%s]. expected an array of transform objects, but found [%s] instead" % (
            ctx.watch_id, token(value)))
    chain = []
    for item in value:
        if not isinstance(item, dict):
            raise parse_error("could not parse [chain] transform for watch [%s]. expected a transform object, but found [%s] instead" % (
                ctx.watch_id, token(item)))
        chain.extend({kind: _transform_body(kind, body, ctx)} for kind, body in item.items())
    return chain


_TRANSFORMS = {
    "script": lambda value, ctx: _script(value, ctx, "watcher_transform"),
    "search": lambda value, ctx: _timed_search(value, "search", "transform", ctx, False),
    "chain": _chain_transform,
}


def _transform_body(kind: str, body, ctx):
    parser = _TRANSFORMS.get(kind)
    if parser is None:
        raise parse_error("could not parse transform for watch [%s], unknown transform type [%s]" % (ctx.watch_id, kind))
    return parser(body, ctx)


def parse_transform(value, ctx) -> dict | None:
    """TransformRegistry.parse: every type given is parsed, the last one is the transform.

    `{}` is no transform at all (None): the registry returns null and the watch or action is stored
    without one."""
    if not isinstance(value, dict):
        raise _not_an_object("transform", ctx, value)
    parsed = None
    for kind, body in value.items():
        parsed = {kind: _transform_body(kind, body, ctx)}
    return parsed


# --- actions -----------------------------------------------------------------------------------

def _webhook(value, ctx, action_id: str) -> dict:
    try:
        return parse_http_request(value, ctx)
    except EsError as error:
        raise parse_error("could not parse [webhook] action [%s/%s]. failed parsing http request template" % (ctx.watch_id, action_id), error) from error


def _logging(value, ctx, action_id: str) -> dict:
    """LoggingAction.parse / toXContent: `category` when given, `level` (default info, lower case), `text` (a TextTemplate)."""
    prefix = "failed to parse [logging] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    text, level, category = None, "info", None
    for key, field_value in value.items():
        if key == "text":
            try:
                text = parse_text_template(field_value)
            except EsError as error:
                # Only an ElasticsearchParseException is wrapped; Script.parse's own exceptions answer as they are.
                if error.type != "parse_exception":
                    raise
                raise parse_error(prefix + "failed to parse [text] field", error) from error
        elif isinstance(field_value, str) and key == "category":
            category = field_value
        elif isinstance(field_value, str) and key == "level":
            if field_value.lower() not in LOGGING_LEVELS:
                raise parse_error(prefix + "unknown logging level [%s]" % field_value)
            level = field_value.lower()
        elif isinstance(field_value, str):
            raise parse_error(prefix + "unexpected string field [%s]" % key)
        else:
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
    if text is None:
        raise parse_error(prefix + "missing required [text] field")
    out = {"category": category} if category is not None else {}
    out.update({"level": level, "text": text})
    return out


INDEX_ACTION_TYPES_WARNING = "[types removal] Specifying types in a watcher index action is deprecated."
_INDEX_ORDER = ("index", "doc_type", "doc_id", "op_type", "execution_time_field", "timeout_in_millis", "dynamic_name_timezone", "refresh")


def _index_zone(value, ctx) -> str:
    """DateUtils.of; its java.time exceptions are not wrapped by IndexAction.parse, so they answer 500."""
    try:
        return _dynamic_name_timezone(value, "index", "action", ctx)
    except EsError as error:
        if error.type in ("date_time_exception", "zone_rules_exception"):
            raise EsError(500, error.type, error.reason) from error
        raise


def _index(value, ctx, action_id: str) -> dict:
    """IndexAction.parse / toXContent: every field optional, written only when set; `timeout` is kept in millis."""
    prefix = "could not parse [index] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    fields = {}
    for key, field_value in value.items():
        if key == "index":
            # Matched before the token is looked at: any scalar's text (parser.text()), an object or null is a 500.
            fields["index"] = _scalar_text(field_value, ctx)
        elif is_number(field_value):
            if key != "timeout_in_millis":
                raise parse_error(prefix + "unexpected number field [%s]" % key)
            fields["timeout_in_millis"] = int(field_value)
        elif isinstance(field_value, str):
            if key == "doc_id":
                fields["doc_id"] = field_value
            elif key == "doc_type" and ctx.version.major == 7:
                # 7.x still takes a type, with a deprecation warning; 8.0 removed the field (UNSETTLED in STORED_FORMS.md).
                ctx.warn(INDEX_ACTION_TYPES_WARNING)
                fields["doc_type"] = field_value
            elif key == "op_type":
                if field_value.lower() not in ("index", "create", "update", "delete"):
                    raise parse_error(prefix + "failed to parse op_type value for field [op_type]")
                if field_value.lower() not in ("index", "create"):
                    raise parse_error(prefix + "op_type value for field [op_type] must be [index] or [create]")
                # DocWriteRequest.OpType is written with its enum name.
                fields["op_type"] = field_value.upper()
            elif key == "execution_time_field":
                fields["execution_time_field"] = field_value
            elif key == "timeout":
                fields["timeout_in_millis"] = parse_time_field(field_value, "timeout")
            elif key == "dynamic_name_timezone":
                fields["dynamic_name_timezone"] = _index_zone(field_value, ctx)
            elif key == "refresh":
                if field_value not in REFRESH_POLICIES:
                    raise EsError(400, "illegal_argument_exception", "Unknown value for refresh: [%s]." % field_value)
                fields["refresh"] = REFRESH_POLICIES[field_value]
            else:
                raise parse_error(prefix + "unexpected string field [%s]" % key)
        else:
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
    return {key: fields[key] for key in _INDEX_ORDER if key in fields}


_ACTIONS = {"webhook": _webhook, "logging": _logging, "index": _index}


def _int_value(value, field_name: str) -> int:
    """XContentParser.intValue(): numbers truncate, numeric strings are read as a double first."""
    if is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError as error:
            raise EsError(400, "number_format_exception", 'For input string: "%s"' % value) from error
    raise parse_error("could not parse field [%s]. current token (%s) not numeric" % (field_name, token(value)))


def _action(action_id: str, value, ctx) -> dict:
    """ActionWrapper.parse, written as ActionWrapper.toXContent: throttle, condition, transform, foreach, the action."""
    throttle, condition, transform, foreach, max_iterations = None, None, None, None, 100
    kind, body = None, None
    for key, field_value in value.items():
        if key == "condition":
            condition = parse_condition(field_value, ctx)
        elif key == "foreach":
            foreach = scalar_text(field_value, key)
        elif key == "transform":
            transform = parse_transform(field_value, ctx)
        elif key == "throttle_period_in_millis":
            throttle = long_value(field_value)
        elif key == "throttle_period":
            try:
                throttle = parse_time_field(field_value, "throttle_period")
            except EsError as error:
                raise parse_error("could not parse action [%s/%s]. failed to parse field [%s] as time value" % (ctx.watch_id, action_id, key), error) from error
        elif key == "max_iterations":
            max_iterations = _int_value(field_value, key)
        elif key in _ACTIONS:
            kind, body = key, _ACTIONS[key](field_value, ctx, action_id)
        elif key in NOTIFICATION_ACTIONS:
            kind, body = key, parse_notification_action(key, field_value, ctx, action_id)
        else:
            raise parse_error("could not parse action [%s/%s]. unknown action type [%s]" % (ctx.watch_id, action_id, key))
    if kind is None:
        raise parse_error("could not parse watch action [%s/%s]. missing action type" % (ctx.watch_id, action_id))
    out = {}
    if throttle is not None:
        out["throttle_period_in_millis"] = throttle
    if condition is not None:
        out["condition"] = condition
    if transform is not None:
        out["transform"] = transform
    if foreach:
        out["foreach"] = foreach
        out["max_iterations"] = max_iterations
    out[kind] = body
    return out


def parse_actions(value, ctx) -> dict:
    """ActionRegistry.parseActions: ids without whitespace; only object values are actions."""
    if not isinstance(value, dict):
        raise parse_error("could not parse actions for watch [%s]. expected an object but found [%s] instead" % (ctx.watch_id, token(value)))
    actions = {}
    for action_id, body in value.items():
        if not action_id or any(character.isspace() for character in action_id):
            raise parse_error("could not parse action [%s] for watch [%s]. id contains whitespace" % (action_id, ctx.watch_id))
        if isinstance(body, list):
            # The registry walks into an array and takes every object in it as an action of that id:
            # several actions of one id have no JSON form, so this is refused (UNSETTLED in STORED_FORMS.md).
            raise parse_error("could not parse action [%s] for watch [%s]. expected an object but found [START_ARRAY] instead" % (
                action_id, ctx.watch_id))
        if isinstance(body, dict):
            actions[action_id] = _action(action_id, body, ctx)
        # any other value is skipped: the registry only parses an id followed by an object
    return actions


# --- the watch ---------------------------------------------------------------------------------

def parse_watch(body, ctx: ParseContext) -> dict:
    """WatchParser.parse: strict top level, defaults filled in, written in Watch.toXContent order."""
    if not isinstance(body, dict):
        raise parse_error("could not parse watch [%s], unexpected token [%s]" % (ctx.watch_id, token(body)))
    parts = {"input": {"none": {}}, "condition": {"always": {}}, "actions": {}}
    for key, value in body.items():
        if key == "trigger":
            parts["trigger"] = parse_trigger(value, ctx)
        elif key == "input":
            parts["input"] = parse_input(value, ctx)
        elif key == "condition":
            parts["condition"] = parse_condition(value, ctx)
        elif key == "transform":
            parts["transform"] = parse_transform(value, ctx)
            if parts["transform"] is None:
                del parts["transform"]
        elif key == "throttle_period_in_millis":
            parts["throttle_period_in_millis"] = long_value(value)
        elif key == "throttle_period":
            try:
                millis = parse_time_field(value, "throttle_period")
            except EsError as error:
                raise parse_error("could not parse watch [%s]. failed to parse time value for field [%s]" % (ctx.watch_id, key), error) from error
            if millis is None:
                parts.pop("throttle_period_in_millis", None)
            else:
                parts["throttle_period_in_millis"] = millis
        elif key == "actions":
            parts["actions"] = parse_actions(value, ctx)
        elif key == "metadata":
            parts["metadata"] = _metadata(value)
        elif key == "status":
            continue  # a PUT parses with includeStatus=false: the status is skipped, never taken from a request
        else:
            raise parse_error("could not parse watch [%s]. unexpected field [%s]" % (ctx.watch_id, key))
    if "trigger" not in parts:
        raise parse_error("could not parse watch [%s]. missing required field [trigger]" % ctx.watch_id)
    order = ("trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata")
    return {key: parts[key] for key in order if key in parts}


def _metadata(value) -> dict:
    """XContentParser.map(): a map only from an object; null, scalars and arrays read as an empty map.

    For an array the watch parser then reads each of its tokens as `metadata` again, the last being
    the array's end: an empty map whatever the array held."""
    return value if isinstance(value, dict) else {}


# --- what a GET shows --------------------------------------------------------------------------

def _redact_input(input_, hide_authorization: bool) -> dict:
    kind, body = next(iter(input_.items()))
    if kind == "http":
        return {"http": dict(body, request=redact_http_request(body["request"], hide_authorization))}
    if kind == "chain":
        return {"chain": {"inputs": [{name: _redact_input(inner, hide_authorization) for name, inner in item.items()} for item in body["inputs"]]}}
    return input_


def redact_watch(watch: dict, version: ServerVersion) -> dict:
    """Watch.toXContent with hide_secrets: passwords and (8.6+) Authorization headers as `::es_redacted::`."""
    hide_authorization = version.redacts_authorization_header
    out = dict(watch)
    out["input"] = _redact_input(watch["input"], hide_authorization)
    actions = {}
    for action_id, action in watch["actions"].items():
        action = dict(action)
        if "webhook" in action:
            action["webhook"] = redact_http_request(action["webhook"], hide_authorization)
        for kind in NOTIFICATION_ACTIONS:
            if kind in action:
                action[kind] = redact_notification_action(kind, action[kind], hide_authorization)
        actions[action_id] = action
    out["actions"] = actions
    return out


__all__ = ["ParseContext", "parse_watch", "redact_watch"]
