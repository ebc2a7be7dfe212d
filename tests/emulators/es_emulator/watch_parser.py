# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A watch body turned into the canonical form Elasticsearch stores (WatchParser + Watch.toXContent).

`parse_watch` is both the PUT path (with secrets: a redacted password is refused, or dropped in
update mode) and the GET path (the stored source is parsed again and written with secrets hidden,
see `redact_watch`). Parsing the canonical form gives the canonical form back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import EsError, parse_error
from .http_request import parse_http_request, redact_http_request
from .notification_actions import NOTIFICATION_ACTIONS, parse_notification_action, redact_notification_action
from .schedules import parse_timezone, parse_trigger
from .search_request import parse_search_request
from .templates import (DEFAULT_SCRIPT_LANG, is_number, long_value, parse_script, parse_text_template,
                        parse_time_field, script_for_output, token)
from .versions import ServerVersion

LOGGING_LEVELS = ("error", "warn", "info", "debug", "trace")
COMPARE_OPS = ("eq", "not_eq", "lt", "lte", "gt", "gte")
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

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def _single_type(value, what: str, ctx) -> tuple[str, object]:
    """Registries expect `{<type>: <body>}`; the last type given wins, as the Java loops do."""
    if not isinstance(value, dict):
        raise parse_error("could not parse %s for watch [%s]. expected an object representing the %s, but found [%s] instead" % (
            what, ctx.watch_id, what, token(value)))
    if not value:
        raise parse_error("could not parse %s for watch [%s]. expected field indicating the %s type, but found an empty object instead" % (
            what, ctx.watch_id, what))
    return list(value.items())[-1]


def _empty(value, kind: str, what: str, ctx) -> dict:
    if value != {}:
        raise parse_error("could not parse [%s] %s for watch [%s]. expected an empty object but found [%s] instead" % (
            kind, what, ctx.watch_id, token(value) if not isinstance(value, dict) else "FIELD_NAME"))
    return {}


def _timed_search(value, kind: str, what: str, ctx, allow_extract: bool) -> dict:
    """Search inputs and transforms: request, extract (inputs only), timeout."""
    if not isinstance(value, dict):
        raise parse_error("could not parse [%s] %s for watch [%s]. unexpected token [%s]" % (kind, what, ctx.watch_id, token(value)))
    request, extract, timeout = None, None, None
    for key, field_value in value.items():
        if key == "request":
            try:
                request = parse_search_request(field_value, ctx)
            except EsError as error:
                raise parse_error("could not parse [%s] %s for watch [%s]. failed to parse [request]" % (kind, what, ctx.watch_id), error) from error
        elif key == "extract" and allow_extract and isinstance(field_value, list):
            extract = [str(item) for item in field_value]
        elif key == "timeout_in_millis" and is_number(field_value):
            timeout = int(field_value)
        elif key == "timeout":
            timeout = parse_time_field(field_value, "timeout")
        else:
            raise parse_error("could not parse [%s] %s for watch [%s]. unexpected field [%s]" % (kind, what, ctx.watch_id, key))
    if request is None:
        raise parse_error("could not parse [%s] %s for watch [%s]. missing required [request] field" % (kind, what, ctx.watch_id))
    out = {"request": request}
    if extract is not None:
        out["extract"] = extract
    if timeout is not None:
        out["timeout_in_millis"] = timeout
    return out


# --- inputs ------------------------------------------------------------------------------------

def _http_input(value, ctx) -> dict:
    if not isinstance(value, dict):
        raise parse_error("could not parse [http] input for watch [%s]. unexpected token [%s]" % (ctx.watch_id, token(value)))
    request, extract, content_type = None, None, None
    for key, field_value in value.items():
        if key == "request":
            try:
                request = parse_http_request(field_value, ctx)
            except EsError as error:
                raise parse_error("could not parse [http] input for watch [%s]. failed to parse http request template" % ctx.watch_id, error) from error
        elif isinstance(field_value, list) and key == "extract":
            extract = []
            for item in field_value:
                if not isinstance(item, str):
                    raise parse_error("could not parse [http] input for watch [%s]. expected a string value as an [extract] item but found [%s] instead" % (
                        ctx.watch_id, token(item)))
                if item not in extract:
                    extract.append(item)
        elif isinstance(field_value, str) and key == "response_content_type":
            content_type = field_value.lower()
            if content_type not in ("json", "yaml", "text"):
                raise parse_error("could not parse [http] input for watch [%s]. unknown content type [%s]" % (ctx.watch_id, field_value))
        else:
            raise parse_error("could not parse [http] input for watch [%s]. unexpected %s field [%s]" % (
                ctx.watch_id, {"START_ARRAY": "array", "VALUE_STRING": "string"}.get(token(field_value), "token"), key))
    if request is None:
        raise parse_error("could not parse [http] input for watch [%s]. missing require [request] field" % ctx.watch_id)
    if content_type == "text" and extract is not None:
        raise parse_error("could not parse [http] input for watch [%s]. key extraction is not supported for content type [text]" % ctx.watch_id)
    out = {"request": request}
    if extract is not None:
        out["extract"] = extract
    if content_type is not None:
        out["response_content_type"] = content_type
    return out


def _chain_input(value, ctx) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("inputs"), list) or set(value) != {"inputs"}:
        raise parse_error("could not parse [chain] input for watch [%s]. expected an object with an [inputs] array" % ctx.watch_id)
    inputs = []
    for item in value["inputs"]:
        if not isinstance(item, dict) or len(item) != 1:
            raise parse_error("could not parse [chain] input for watch [%s]. expected an object with a single named input" % ctx.watch_id)
        name, body = next(iter(item.items()))
        inputs.append({name: parse_input(body, ctx)})
    return {"inputs": inputs}


def _simple_input(value, ctx) -> dict:
    if not isinstance(value, dict):
        raise parse_error("could not parse [simple] input for watch [%s]. expected an object but found [%s] instead" % (ctx.watch_id, token(value)))
    return value


_INPUTS = {
    "none": lambda value, ctx: _empty(value, "none", "input", ctx),
    "simple": _simple_input,
    "search": lambda value, ctx: _timed_search(value, "search", "input", ctx, True),
    "http": _http_input,
    "chain": _chain_input,
}


def parse_input(value, ctx) -> dict:
    kind, body = _single_type(value, "input", ctx)
    parser = _INPUTS.get(kind)
    if parser is None:
        raise parse_error("could not parse input for watch [%s]. unknown input type [%s]" % (ctx.watch_id, kind))
    return {kind: parser(body, ctx)}


# --- conditions and transforms -----------------------------------------------------------------

def _compare(value, ctx, kind: str) -> dict:
    if not isinstance(value, dict) or len(value) != 1:
        raise parse_error("could not parse [%s] condition for watch [%s]. expected an object but found [%s] instead" % (kind, ctx.watch_id, token(value)))
    path, spec = next(iter(value.items()))
    if not isinstance(spec, dict) or not spec:
        raise parse_error("could not parse [%s] condition for watch [%s]. expected an object for field [%s] but found [%s] instead" % (
            kind, ctx.watch_id, path, token(spec)))
    for op in spec:
        if kind == "compare" and op not in COMPARE_OPS:
            raise parse_error("could not parse [compare] condition for watch [%s]. unknown comparison operator [%s]" % (ctx.watch_id, op))
        if kind == "array_compare" and op != "path" and op not in COMPARE_OPS:
            raise parse_error("could not parse [array_compare] condition for watch [%s]. unknown comparison operator [%s]" % (ctx.watch_id, op))
    return value


def _script(value, ctx, what: str) -> dict:
    try:
        return script_for_output(parse_script(value, DEFAULT_SCRIPT_LANG))
    except EsError as error:
        raise parse_error("could not parse [script] %s for watch [%s]" % (what, ctx.watch_id), error) from error


_CONDITIONS = {
    "always": lambda value, ctx: _empty(value, "always", "condition", ctx),
    "never": lambda value, ctx: _empty(value, "never", "condition", ctx),
    "compare": lambda value, ctx: _compare(value, ctx, "compare"),
    "array_compare": lambda value, ctx: _compare(value, ctx, "array_compare"),
    "script": lambda value, ctx: _script(value, ctx, "condition"),
}


def parse_condition(value, ctx) -> dict:
    kind, body = _single_type(value, "condition", ctx)
    parser = _CONDITIONS.get(kind)
    if parser is None:
        raise parse_error("could not parse condition for watch [%s]. unknown condition type [%s]" % (ctx.watch_id, kind))
    return {kind: parser(body, ctx)}


def _chain_transform(value, ctx) -> list:
    if not isinstance(value, list):
        raise parse_error("could not parse [chain] transform for watch [%s]. expected an array of transform objects, but found [%s] instead" % (
            ctx.watch_id, token(value)))
    return [parse_transform(item, ctx) for item in value]


_TRANSFORMS = {
    "script": lambda value, ctx: _script(value, ctx, "transform"),
    "search": lambda value, ctx: _timed_search(value, "search", "transform", ctx, False),
    "chain": _chain_transform,
}


def parse_transform(value, ctx) -> dict:
    kind, body = _single_type(value, "transform", ctx)
    parser = _TRANSFORMS.get(kind)
    if parser is None:
        raise parse_error("could not parse transform for watch [%s]. unknown transform type [%s]" % (ctx.watch_id, kind))
    return {kind: parser(body, ctx)}


# --- actions -----------------------------------------------------------------------------------

def _webhook(value, ctx, action_id: str) -> dict:
    try:
        return parse_http_request(value, ctx)
    except EsError as error:
        raise parse_error("could not parse [webhook] action [%s/%s]. failed parsing http request template" % (ctx.watch_id, action_id), error) from error


def _logging(value, ctx, action_id: str) -> dict:
    prefix = "failed to parse [logging] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    text, level, category = None, "info", None
    for key, field_value in value.items():
        if key == "text":
            try:
                text = parse_text_template(field_value)
            except EsError as error:
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


def _index(value, ctx, action_id: str) -> dict:
    prefix = "could not parse [index] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    fields = {}
    for key, field_value in value.items():
        if key == "index":
            fields["index"] = field_value if isinstance(field_value, str) else str(field_value)
        elif is_number(field_value):
            if key != "timeout_in_millis":
                raise parse_error(prefix + "unexpected number field [%s]" % key)
            fields["timeout_in_millis"] = int(field_value)
        elif isinstance(field_value, str):
            if key == "doc_id":
                fields["doc_id"] = field_value
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
                fields["dynamic_name_timezone"] = parse_timezone(field_value)
            elif key == "refresh":
                if field_value not in REFRESH_POLICIES:
                    raise EsError(400, "illegal_argument_exception", "Unknown value for refresh: [%s]." % field_value)
                fields["refresh"] = REFRESH_POLICIES[field_value]
            else:
                raise parse_error(prefix + "unexpected string field [%s]" % key)
        else:
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
    order = ("index", "doc_id", "op_type", "execution_time_field", "timeout_in_millis", "dynamic_name_timezone", "refresh")
    return {key: fields[key] for key in order if key in fields}


_ACTIONS = {"webhook": _webhook, "logging": _logging, "index": _index}


def _action(action_id: str, value, ctx) -> dict:
    if not isinstance(value, dict):
        raise parse_error("could not parse action [%s] for watch [%s]. expected an object but found [%s] instead" % (action_id, ctx.watch_id, token(value)))
    throttle, condition, transform, foreach, max_iterations = None, None, None, None, 100
    kind, body = None, None
    for key, field_value in value.items():
        if key == "condition":
            condition = parse_condition(field_value, ctx)
        elif key == "transform":
            transform = parse_transform(field_value, ctx)
        elif key == "throttle_period_in_millis":
            throttle = long_value(field_value)
        elif key == "throttle_period":
            try:
                throttle = parse_time_field(field_value, "throttle_period")
            except EsError as error:
                raise parse_error("could not parse action [%s/%s]. failed to parse field [%s] as time value" % (ctx.watch_id, action_id, key), error) from error
        elif key == "foreach" and isinstance(field_value, str):
            foreach = field_value
        elif key == "max_iterations" and is_number(field_value):
            max_iterations = int(field_value)
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
    if not isinstance(value, dict):
        raise parse_error("could not parse actions for watch [%s]. expected an object but found [%s] instead" % (ctx.watch_id, token(value)))
    return {action_id: _action(action_id, body, ctx) for action_id, body in value.items()}


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
            parts["metadata"] = _metadata(value, ctx)
        elif key in ("status", "_status", "_version"):
            continue  # the status is never taken from a request
        else:
            raise parse_error("could not parse watch [%s]. unexpected field [%s]" % (ctx.watch_id, key))
    if "trigger" not in parts:
        raise parse_error("could not parse watch [%s]. missing required field [trigger]" % ctx.watch_id)
    order = ("trigger", "input", "condition", "transform", "throttle_period_in_millis", "actions", "metadata")
    return {key: parts[key] for key in order if key in parts}


def _metadata(value, ctx) -> dict:
    """XContentParser.map(): null and scalars read as an empty map; arrays are not a map."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        raise parse_error("could not parse watch [%s], unexpected token [START_ARRAY]" % ctx.watch_id)
    return {}


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
