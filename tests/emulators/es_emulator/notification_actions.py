# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Notification actions (email, slack, pagerduty, jira): their parsers, stored form and hidden secrets.

Elasticsearch parses each of them with its own `<Type>Action.parse` and stores `toXContent` of the
result (STORED_FORMS.md, section "Notification actions", names the classes read). The slack,
pagerduty and jira factories then look the notification account up (`accounts.py`), on every
parse: a watch whose account is gone cannot be read any more.

Where the Java pull parsers would wander into the next fields on a value of an unexpected shape,
the emulator refuses instead (the table marks those points UNSETTLED).
"""

from __future__ import annotations

import re

from .errors import EsError, illegal_argument, parse_error
from .http_request import parse_basic_auth, parse_http_request, parse_proxy, redact_http_request, secret
from .templates import REDACTED, is_number, parse_text_template, token

NOTIFICATION_ACTIONS = ("email", "slack", "pagerduty", "jira")
ENCRYPTED_PREFIX = "::es_encrypted::"


def _template(value, on_error):
    """TextTemplate.parse, with the caller's wrapping of a parse failure."""
    try:
        return parse_text_template(value)
    except EsError as error:
        raise on_error(error) from error


def _parse_exception_only(message: str, keep_cause: bool = True):
    """`catch (ElasticsearchParseException pe) { throw new ElasticsearchParseException(message, pe) }`: other errors pass."""
    def wrap(error: EsError) -> EsError:
        if error.type != "parse_exception":
            return error
        return parse_error(message, error if keep_cause else None)
    return wrap


def _scalar_text(value) -> str | None:
    """XContentParser.text() of a scalar value (numbers and booleans as their text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return str(value)
    return value if isinstance(value, str) else None


# --- e-mail addresses (Email.Address / javax.mail InternetAddress, strict parse then validate) ---

_SPECIALS = '()<>,;:\\"[]@'


def _split_addresses(text: str) -> list:
    """InternetAddress.parse: a comma-separated list; commas inside quotes, <>, () and [] do not split."""
    pieces, current, depth, quoted, escaped = [], [], 0, False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char in "<([":
            depth += 1
        elif not quoted and char in ">)]":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def _address_of(piece: str) -> str:
    if "<" in piece:
        if ">" not in piece[piece.index("<"):]:
            raise ValueError("Missing '>'")
        return piece[piece.index("<") + 1:piece.index(">", piece.index("<"))].strip()
    return re.sub(r"\([^)]*\)", "", piece).strip()


def _check_part(part: str, what: str) -> None:
    if part.startswith('"') and part.endswith('"') and len(part) > 1 and what == "Local address":
        return
    if any(char in _SPECIALS for char in part):
        raise ValueError("%s contains illegal character" % what)
    if part.startswith("."):
        raise ValueError("%s starts with dot" % what)
    if part.endswith("."):
        raise ValueError("%s ends with dot" % what)
    if ".." in part:
        raise ValueError("%s contains dot-dot" % what)


def address_problem(text: str) -> str | None:
    """Why javax.mail would refuse an address list without mustache, or None when every address is valid."""
    try:
        if text.count('"') % 2:
            raise ValueError("Missing '\"'")
        for piece in _split_addresses(text):
            address = _address_of(piece)
            if not address:
                raise ValueError("Empty address")
            if any(char.isspace() for char in address):
                raise ValueError("Illegal whitespace in address")
            local, at, domain = address.rpartition("@") if address.startswith('"') else address.partition("@")
            if not at:
                raise ValueError("Missing final '@domain'")
            if not local:
                raise ValueError("Missing local name")
            if not domain:
                raise ValueError("Missing domain")
            _check_part(local, "Local address")
            if not (domain.startswith("[") and domain.endswith("]")):
                _check_part(domain, "Domain")
    except ValueError as error:
        return str(error)
    return None


def _needs_compilation(template) -> bool:
    """TextTemplate.mayRequireCompilation: stored scripts, and text holding `{{`, are not validated."""
    if isinstance(template, str):
        return "{{" in template
    return "id" in template or "{{" in str(template.get("source", ""))


def _validate_addresses(templates: list) -> None:
    """EmailTemplate.Parser.validateEmailAddresses."""
    for template in templates:
        if _needs_compilation(template):
            continue
        text = template if isinstance(template, str) else str(template.get("source"))
        problem = address_problem(text)
        if problem:
            cause = EsError(400, "address_exception", problem)
            cause.es_exception = False  # javax.mail.internet.AddressException: never the root cause
            raise parse_error("invalid email address [%s]" % text, cause)


# --- email ----------------------------------------------------------------------------------------

_EMAIL_ADDRESS_FIELDS = ("reply_to", "to", "cc", "bcc")
_EMAIL_ORDER = ("account", "user", "password", "profile", "attach_data", "attachments",
                "from", "reply_to", "priority", "to", "cc", "bcc", "subject", "body")
_PROFILES = {"std": "standard", "standard": "standard", "outlook": "outlook", "gmail": "gmail", "mac": "mac"}


def _email_template_field(key: str, value, fields: dict) -> bool:
    """EmailTemplate.Parser.handle: True when `key` is one of the template's fields."""
    if key == "from":
        fields["from"] = parse_text_template(value)
        _validate_addresses([fields["from"]])
    elif key in _EMAIL_ADDRESS_FIELDS:
        items = value if isinstance(value, list) else [value]
        fields[key] = [parse_text_template(item) for item in items]
        _validate_addresses(fields[key])
    elif key in ("priority", "subject"):
        fields[key] = parse_text_template(value)
    elif key == "body":
        _email_body(value, fields)
    else:
        return False
    return True


def _email_body(value, fields: dict) -> None:
    if isinstance(value, str):
        fields.setdefault("body", {})["text"] = value
    elif isinstance(value, dict):
        for part, template in value.items():
            if part not in ("text", "html"):
                raise parse_error("could not parse email template. unknown field [body.%s] field" % part)
            fields.setdefault("body", {})[part] = parse_text_template(template)
    # Any other token is skipped by the parser: no body.


def _data_format(value) -> str:
    """DataAttachment.resolve."""
    if value.lower() not in ("yaml", "json"):
        raise illegal_argument("unknown data attachment format [%s]" % value)
    return value.lower()


def _attach_data(value) -> dict | None:
    """DataAttachment.parse (the `attach_data` field): true, false, null or {format}."""
    if value is None or value is False:
        return None
    if value is True:
        return {"format": "yaml"}
    if not isinstance(value, dict):
        raise parse_error("could not parse data attachment. expected either a boolean value or an object but found [%s] instead" % token(value))
    attachment = {"format": "yaml"}
    for key, field_value in value.items():
        if key != "format":
            raise parse_error("could not parse data attachment. unexpected field [%s]" % key)
        if not isinstance(field_value, str):
            raise parse_error("could not parse data attachment. expected string value for [format] field but found [%s] instead" % token(field_value))
        attachment["format"] = _data_format(field_value)
    return attachment


def _data_attachment(body: dict, ctx) -> dict:  # pylint: disable=unused-argument
    """DataAttachmentParser.parse: only `format` is read, other scalar fields are skipped."""
    attachment = {"format": "yaml"}
    for key, field_value in body.items():
        if key == "format":
            if not isinstance(field_value, str):
                raise parse_error("could not parse data attachment. expected string value for [format] field but found [%s] instead"
                                  % token(field_value))
            attachment["format"] = _data_format(field_value)
        elif isinstance(field_value, (dict, list)):
            raise parse_error("could not parse data attachment. unexpected field [%s]" % key)  # UNSETTLED: the Java loop would lose its place
    return attachment


def _boolean(value, what: str, field: str) -> bool:
    """XContentParser.booleanValue(): true/false, or the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise parse_error("[%s] failed to parse field [%s]" % (what, field),
                      illegal_argument("Failed to parse value [%s] as only [true] or [false] are allowed." % value))


def _http_attachment(body: dict, ctx) -> dict:
    """HttpEmailAttachementParser.parse and HttpRequestAttachment.toXContent."""
    inline, content_type, request = False, None, None
    for key, field_value in body.items():
        if key == "content_type":
            if isinstance(field_value, (dict, list)):
                raise parse_error("Unknown field name [%s] in http request attachment configuration" % key)  # UNSETTLED
            content_type = _scalar_text(field_value)
        elif key == "inline":
            inline = _boolean(field_value, "http", key)
        elif key == "request":
            request = parse_http_request(field_value, ctx)
        else:
            raise parse_error("Unknown field name [%s] in http request attachment configuration" % key)
    if request is None:
        raise parse_error("Could not parse http request attachment")
    attachment = {"request": request}
    if content_type:
        attachment["content_type"] = content_type
    if inline:
        attachment["inline"] = True
    return attachment


def _time_value_unit(text: str, normalized: str) -> str | None:
    """The unit TimeValue.parseTimeValue reads; `m` only in lower case (`M` would be months)."""
    for unit in ("nanos", "micros", "ms", "s"):
        if normalized.endswith(unit):
            return unit
    if text.endswith("m"):
        return "m"
    return next((unit for unit in ("h", "d") if normalized.endswith(unit)), None)


def _time_value_rep(text: str, setting: str) -> str:
    """TimeValue.parseTimeValue, then getStringRep: `15S` is `15s`, `-1`/`-1s` are `-1`, `0` is `0ms`."""
    normalized = text.lower().strip()
    unit = _time_value_unit(text, normalized)
    if unit is None:
        if re.fullmatch(r"-0*1", normalized):
            return "-1"
        if re.fullmatch(r"0+", normalized):
            return "0ms"
        raise illegal_argument("failed to parse setting [%s] with value [%s] as a time value: unit is missing or unrecognized" % (setting, text))
    number = normalized[:-len(unit)].strip()
    if not re.fullmatch(r"[+-]?\d+", number):
        if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", number):
            raise illegal_argument("failed to parse [%s], fractional time values are not supported" % text)
        raise illegal_argument("failed to parse [%s]" % text)
    value = int(number)
    if value < -1:
        raise illegal_argument("failed to parse setting [%s] with value [%s] as a time value: negative durations are not supported"
                               % (setting, text))
    return "-1" if value < 0 else "%d%s" % (value, unit)


def _object_parser_type_error(name: str, field: str, value) -> EsError:
    return EsError(400, "x_content_parse_exception", "[%s] %s doesn't support values of type: %s" % (name, field, token(value)))


def _wrapped_field(name: str, field: str, error: EsError) -> EsError:
    return EsError(400, "x_content_parse_exception", "[%s] failed to parse field [%s]" % (name, field), error)


def _reporting_int(value) -> int:
    if is_number(value):
        return int(value)
    try:
        return int(float(value.strip()))  # intValue() of a string reads it as a double
    except (ValueError, OverflowError) as error:
        raise EsError(400, "number_format_exception", 'For input string: "%s"' % value) from error


# The fields ReportingAttachmentParser declares: the value types the ObjectParser accepts, and the reader.
_REPORTING_FIELDS = {
    "url": ((str,), lambda value, ctx: value),
    "retries": ((int, float, str), lambda value, ctx: _reporting_int(value)),
    "interval": ((str,), lambda value, ctx: _time_value_rep(value, "attachment.reporting.interval")),
    "inline": ((bool, str), lambda value, ctx: _boolean(value, "reporting_attachment", "inline")),
    "auth": ((dict,), parse_basic_auth),
    "proxy": ((dict,), lambda value, ctx: parse_proxy(value)),
}


def _reporting_field(key: str, value, ctx, out: dict) -> None:
    name = "reporting_attachment"
    try:
        if key not in _REPORTING_FIELDS:
            raise EsError(400, "x_content_parse_exception", "[%s] unknown field [%s]" % (name, key))
        types, read = _REPORTING_FIELDS[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise _object_parser_type_error(name, key, value)
        out[key] = read(value, ctx)
    except EsError as error:
        if error.type == "x_content_parse_exception" and error.reason.startswith("[%s]" % name):
            raise
        raise _wrapped_field(name, key, error) from error


def _reporting_attachment(body: dict, ctx) -> dict:
    """ReportingAttachmentParser (an ObjectParser) and ReportingAttachment.toXContent."""
    fields = {}
    for key, value in body.items():
        _reporting_field(key, value, ctx, fields)
    if fields.get("retries", 0) < 0:
        raise illegal_argument("Retries for attachment must be >= 0")
    if "url" not in fields:
        # UNSETTLED: Elasticsearch stores `url: null`, and every later parse of the watch fails on it.
        raise _object_parser_type_error("reporting_attachment", "url", None)
    attachment = {"url": fields["url"]}
    for key in ("retries", "interval"):
        if key in fields:
            attachment[key] = fields[key]
    if fields.get("inline"):
        attachment["inline"] = True
    for key in ("auth", "proxy"):
        if fields.get(key) is not None:
            attachment[key] = fields[key]
    return attachment


_ATTACHMENT_PARSERS = {"data": _data_attachment, "http": _http_attachment, "reporting": _reporting_attachment}


def _attachments(value, ctx, prefix: str) -> dict:
    """EmailAttachmentsParser.parse: `{id: {type: {...}}}`; an id whose value is no object is skipped."""
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))  # UNSETTLED: the Java parser would read on into the action
    attachments = {}
    for attachment_id, spec in value.items():
        if isinstance(spec, list):
            raise parse_error("Cannot parse attachment of type [null]")  # UNSETTLED: the Java loop would read into the array
        if not isinstance(spec, dict):
            continue
        if len(spec) > 1:
            raise parse_error("Cannot parse attachment of type [%s]" % list(spec)[1])  # UNSETTLED: a second type is read as an attachment id
        kind, body = next(iter(spec.items())) if spec else (None, None)
        parser = _ATTACHMENT_PARSERS.get(kind)
        if parser is None:
            raise parse_error("Cannot parse attachment of type [%s]" % ("null" if kind is None else kind))
        if not isinstance(body, dict):
            raise parse_error("Cannot parse attachment of type [%s]" % kind)  # UNSETTLED: the type's parser expects an object
        attachments[attachment_id] = {kind: parser(body, ctx)}
    return attachments


def _email_string_field(key: str, value: str, fields: dict, ctx, action_id: str) -> None:
    if key == "account":
        fields["account"] = value
    elif key == "profile":
        if value.lower() not in _PROFILES:
            raise parse_error("could not parse [email] action [%s/%s]" % (ctx.watch_id, action_id),
                              illegal_argument("[%s] is an unknown email profile" % value))
        fields["profile"] = _PROFILES[value.lower()]
    else:
        raise parse_error("could not parse [email] action [%s/%s]. unexpected string field [%s]" % (ctx.watch_id, action_id, key))


def _email(value, ctx, action_id: str) -> dict:
    """EmailAction.parse and EmailAction.toXContent: `profile` always written, address fields as arrays, body as an object."""
    prefix = "could not parse [email] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    fields, auth = {"profile": "standard"}, {}
    for key, field_value in value.items():
        if key == "attach_data":
            fields["attach_data"] = _attach_data(field_value)
        elif key == "attachments":
            fields["attachments"] = _attachments(field_value, ctx, prefix)
        elif _email_template_field(key, field_value, fields):
            continue
        elif not isinstance(field_value, str):
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
        elif key in ("user", "password"):
            auth[key] = field_value if key == "user" else secret(field_value, key, ctx)
        else:
            _email_string_field(key, field_value, fields, ctx, action_id)
    user, password = auth.get("user"), auth.get("password")
    if user is not None:
        if password is None:
            # UNSETTLED: Authentication(user, null) makes EmailAction.toXContent throw when the watch is stored.
            raise EsError(500, "null_pointer_exception", 'Cannot invoke "org.elasticsearch.xpack.core.watcher.common.secret.Secret.value()" '
                                                         'because the return value of "org.elasticsearch.xpack.watcher.notification.email.'
                                                         'Authentication.password()" is null')
        fields["user"], fields["password"] = user, password
    if not fields.get("attachments"):
        fields.pop("attachments", None)
    if fields.get("attach_data") is None:
        fields.pop("attach_data", None)
    return {key: fields[key] for key in _EMAIL_ORDER if key in fields}


# --- slack ----------------------------------------------------------------------------------------

_SLACK_ATTACHMENT_TEXTS = ("fallback", "color", "pretext", "author_name", "author_link", "author_icon", "title", "title_link", "text",
                           "image_url", "thumb_url")
_SLACK_ATTACHMENT_ORDER = ("fallback", "color", "pretext", "author_name", "author_link", "author_icon", "title", "title_link", "text",
                           "fields", "image_url", "thumb_url", "mrkdwn_in", "actions")
_SLACK_BUTTON_FIELDS = ("name", "style", "type", "text", "url")


def _slack_field(value) -> dict:
    """Field.Template.parse: title and value required, short a boolean (default false, always written)."""
    if not isinstance(value, dict):
        raise parse_error("could not parse message attachment field. expected an object but found [%s] instead" % token(value))  # UNSETTLED
    field = {"short": False}
    for key, field_value in value.items():
        if key in ("title", "value"):
            field[key] = _template(field_value, _parse_exception_only(
                "could not parse message attachment field. failed to parse [%s] field" % key))
        elif key == "short":
            if not isinstance(field_value, bool):
                raise parse_error("could not parse message attachment field. expected a boolean value for [short] field, but found [%s]"
                                  % token(field_value))
            field["short"] = field_value
        else:
            raise parse_error("could not parse message attachment field. unexpected field [%s]" % key)
    for required in ("title", "value"):
        if required not in field:
            raise parse_error("could not parse message attachment field. missing required [%s] field" % required)
    return {"title": field["title"], "value": field["value"], "short": field["short"]}


def _slack_button(value) -> dict:
    """Action.ACTION_PARSER (an ObjectParser of five strings); toXContent writes all five."""
    button = {}
    for key, field_value in value.items():
        if key not in _SLACK_BUTTON_FIELDS:
            raise EsError(400, "x_content_parse_exception", "[action] unknown field [%s]" % key)
        if not isinstance(field_value, str):
            raise _object_parser_type_error("action", key, field_value)
        button[key] = field_value
    for key in _SLACK_BUTTON_FIELDS:
        if key not in button:
            # UNSETTLED: Elasticsearch writes `null` for it, and every later parse of the watch fails on that null.
            raise _object_parser_type_error("action", key, None)
    return {key: button[key] for key in _SLACK_BUTTON_FIELDS}


def _slack_list(value, parse_item, message: str) -> list:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        try:
            out.append(parse_item(item))
        except EsError as error:
            raise _parse_exception_only(message)(error) from error
    return out


def _slack_attachment_field(key: str, value, attachment: dict) -> None:
    failed = "could not parse message attachment. failed to parse [%s] field" % key
    if key in _SLACK_ATTACHMENT_TEXTS:
        attachment[key] = _template(value, _parse_exception_only(failed))
    elif key == "fields":
        attachment["fields"] = _slack_list(value, _slack_field, failed)
    elif key == "mrkdwn_in":
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, (dict, list)) or item is None for item in items):
            raise parse_error(failed)  # UNSETTLED: parser.text() of a non-scalar
        attachment["mrkdwn_in"] = [_scalar_text(item) for item in items]
    elif key == "actions":
        items = value if isinstance(value, list) else [value]
        attachment.setdefault("actions", []).extend(_slack_button(item) for item in items if isinstance(item, dict))
    else:
        raise parse_error("could not parse message attachment field. unexpected field [%s]" % key)


def _slack_attachment(value) -> dict:
    """Attachment.Template.parse and toXContent."""
    if not isinstance(value, dict):
        raise parse_error("could not parse message attachment. expected an object but found [%s] instead" % token(value))  # UNSETTLED
    attachment = {}
    for key, field_value in value.items():
        _slack_attachment_field(key, field_value, attachment)
    for dependent, owner in (("author_link", "author_name"), ("author_icon", "author_name"), ("title_link", "title")):
        if dependent in attachment and owner not in attachment:
            raise parse_error("could not parse message attachment field. found field [%s], but no [%s] is defined" % (dependent, owner))
    if not attachment.get("actions"):
        attachment.pop("actions", None)
    return {key: attachment[key] for key in _SLACK_ATTACHMENT_ORDER if key in attachment}


def _dynamic_attachments(value) -> dict:
    """DynamicAttachments.parse: list_path and attachment_template, both required."""
    if not isinstance(value, dict):
        raise parse_error("could not parse dynamic attachments. expected an object but found [%s] instead" % token(value))  # UNSETTLED
    dynamic = {}
    for key, field_value in value.items():
        if key == "list_path":
            if not isinstance(field_value, str):
                raise parse_error("could not parse dynamic attachments. expected a string value for [list_path] field, but found [%s]"
                                  % token(field_value))
            dynamic["list_path"] = field_value
        elif key == "attachment_template":
            try:
                dynamic["attachment_template"] = _slack_attachment(field_value)
            except EsError as error:
                raise _parse_exception_only("could not parse dynamic attachments. failed to parse [attachment_template] field")(error) from error
        else:
            raise parse_error("could not parse dynamic attachments. unexpected field [%s]" % key)
    for required in ("list_path", "attachment_template"):
        if required not in dynamic:
            raise parse_error("could not parse dynamic attachments. missing required field [%s]" % required)
    return {"list_path": dynamic["list_path"], "attachment_template": dynamic["attachment_template"]}


def _slack_message(value) -> dict:
    """SlackMessage.Template.parse and toXContent: `to` as an array, empty `to`/`attachments` left out."""
    if not isinstance(value, dict):
        raise parse_error("could not parse slack message. expected an object but found [%s] instead" % token(value))  # UNSETTLED
    message = {}
    for key, field_value in value.items():
        if key in ("from", "text", "icon"):
            message[key] = _template(field_value, _parse_exception_only("could not parse slack message. failed to parse [%s] field" % key))
        elif key == "to":
            message.setdefault("to", []).extend(_slack_list(field_value, parse_text_template,
                                                            "could not parse slack message. failed to parse [to] field"))
        elif key == "attachments":
            message.setdefault("attachments", []).extend(_slack_list(field_value, _slack_attachment,
                                                                     "could not parse slack message. failed to parse [attachments] field."))
        elif key == "dynamic_attachments":
            try:
                message["dynamic_attachments"] = _dynamic_attachments(field_value)
            except EsError as error:
                # SlackMessage.Template.parse names the wrong field here ([icon]); kept as Elasticsearch words it.
                raise _parse_exception_only("could not parse slack message. failed to parse [icon] field.")(error) from error
        else:
            raise parse_error("could not parse slack message. unknown field [%s]." % key)
    for key in ("to", "attachments"):
        if not message.get(key):
            message.pop(key, None)
    order = ("from", "to", "text", "icon", "attachments", "dynamic_attachments")
    return {key: message[key] for key in order if key in message}


def _slack(value, ctx, action_id: str) -> dict:
    """SlackAction.parse and toXContent; SlackActionFactory then looks the account up."""
    prefix = "failed to parse [slack] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    action = {}
    for key, field_value in value.items():
        if key == "account":
            if not isinstance(field_value, str):
                raise parse_error(prefix + "expected [account] to be of type string, but found [%s] instead" % token(field_value))
            action["account"] = field_value
        elif key == "proxy":
            action["proxy"] = parse_proxy(field_value)
        elif key == "message":
            try:
                action["message"] = _slack_message(field_value)
            except EsError as error:
                raise parse_error(prefix + "failed to parse [message] field", error) from error
        else:
            raise parse_error(prefix + "unexpected token [%s]" % token(field_value))
    if "message" not in action:
        raise parse_error(prefix + "missing required [message] field")
    return {key: action[key] for key in ("account", "proxy", "message") if key in action}


# --- pagerduty ------------------------------------------------------------------------------------

_PAGERDUTY_PREFIX = "could not parse pager duty event template. "
_PAGERDUTY_ORDER = ("description", "incident_key", "client", "client_url", "event_type", "attach_payload", "account", "proxy", "contexts")
_CONTEXT_PREFIX = "could not parse trigger incident event context. "


def _pagerduty_context(value) -> dict:
    """IncidentEventContext.Template.parse and toXContent."""
    if not isinstance(value, dict):
        raise parse_error(_CONTEXT_PREFIX + "expected an object but found [%s] instead" % token(value))  # UNSETTLED
    kind, parts = None, {}
    for key, field_value in value.items():
        if not key:
            continue
        if key == "type":
            text = _scalar_text(field_value)
            if text is None or text.lower() not in ("link", "image"):
                raise parse_error(_CONTEXT_PREFIX + "unknown context type [%s]" % text)
            kind = text.lower()
            continue
        template = _template(field_value, _parse_exception_only(_CONTEXT_PREFIX + "failed to parse [%s] field" % key))
        if key not in ("href", "text", "src", "alt"):
            raise parse_error(_CONTEXT_PREFIX + "unknown field [%s]" % key)
        parts[key] = template
    if kind is None:
        raise parse_error(_CONTEXT_PREFIX + "missing required field [type]")
    required, forbidden, order = (("href", ("src", "alt"), ("href", "text")) if kind == "link"
                                  else ("src", ("text",), ("src", "href", "alt")))
    if required not in parts:
        raise parse_error(_CONTEXT_PREFIX + "missing required field [%s] for [%s] context" % (required, kind))
    for key in forbidden:
        if key in parts:
            raise parse_error(_CONTEXT_PREFIX + "unexpected field [%s] for [%s] context" % (key, kind))
    context = {"type": kind}
    context.update((key, parts[key]) for key in order if key in parts)
    return context


def _pagerduty_field(key: str, value, event: dict) -> None:
    failed = _PAGERDUTY_PREFIX + "failed to parse field [%s]" % key
    if key in ("incident_key", "description", "client", "client_url", "event_type"):
        event[key] = _template(value, _parse_exception_only(failed, keep_cause=False))
    elif key == "account":
        text = _scalar_text(value)
        if text is None:
            raise parse_error(failed)  # UNSETTLED: parser.text() of a non-scalar
        event["account"] = text
    elif key == "proxy":
        event["proxy"] = parse_proxy(value)
    elif key == "attach_payload":
        if not isinstance(value, bool):
            raise parse_error(failed + ", expected a boolean value but found [%s] instead" % token(value))
        event["attach_payload"] = value
    elif key in ("contexts", "context"):
        if isinstance(value, dict):
            raise parse_error(failed)  # UNSETTLED: only an array is read; the parser would read on into the object
        if isinstance(value, list):
            contexts = []
            for item in value:
                try:
                    contexts.append(_pagerduty_context(item))
                except EsError as error:
                    raise _parse_exception_only(_PAGERDUTY_PREFIX + "failed to parse field [%s]" % key, keep_cause=False)(error) from error
            event["contexts"] = contexts
    else:
        raise parse_error(_PAGERDUTY_PREFIX + "unexpected field [%s]" % key)


def _pagerduty(value, ctx, action_id: str) -> dict:  # pylint: disable=unused-argument
    """PagerDutyAction.parse (IncidentEvent.Template.parse) and toXContent; `context` is stored as `contexts`."""
    if not isinstance(value, dict):
        raise parse_error(_PAGERDUTY_PREFIX + "unexpected token [%s]" % token(value))
    event = {}
    for key, field_value in value.items():
        _pagerduty_field(key, field_value, event)
    if "description" not in event:
        # UNSETTLED: Elasticsearch stores `description: null`, which no later parse of the watch reads.
        raise parse_error(_PAGERDUTY_PREFIX + "failed to parse field [description]")
    return {key: event[key] for key in _PAGERDUTY_ORDER if key in event}


# --- jira -----------------------------------------------------------------------------------------

def _jira(value, ctx, action_id: str) -> dict:
    """JiraAction.parse and toXContent: `fields` always written (empty when not given)."""
    prefix = "failed to parse [jira] action [%s/%s]. " % (ctx.watch_id, action_id)
    if not isinstance(value, dict):
        raise parse_error(prefix + "unexpected token [%s]" % token(value))
    action = {}
    for key, field_value in value.items():
        if key == "account":
            if not isinstance(field_value, str):
                raise parse_error(prefix + "expected [account] to be of type string, but found [%s] instead" % token(field_value))
            action["account"] = field_value
        elif key == "proxy":
            action["proxy"] = parse_proxy(field_value)
        elif key == "fields":
            if isinstance(field_value, list):
                raise parse_error(prefix + "failed to parse [fields] field")  # UNSETTLED: XContentParser.map() of an array
            # XContentParser.map(): null and scalars read as an empty map.
            action["fields"] = field_value if isinstance(field_value, dict) else {}
        else:
            raise parse_error(prefix + "unexpected token [%s/%s]" % (token(field_value), key))
    action.setdefault("fields", {})
    return {key: action[key] for key in ("account", "proxy", "fields") if key in action}


_PARSERS = {"email": _email, "slack": _slack, "pagerduty": _pagerduty, "jira": _jira}


def parse_notification_action(kind: str, value, ctx, action_id: str) -> dict:
    """`<Type>ActionFactory.parseExecutable`: the action's stored form, after the account lookup of slack, pagerduty and jira."""
    body = _PARSERS[kind](value, ctx, action_id)
    accounts = getattr(ctx, "accounts", None)
    if kind != "email" and accounts is not None:
        accounts.resolve(kind, body.get("account"))
    return body


# --- what a GET shows -----------------------------------------------------------------------------

def _hidden(password: str) -> str:
    """An encrypted password (`::es_encrypted::...`) is written as stored; any other as `::es_redacted::`."""
    return password if password.startswith(ENCRYPTED_PREFIX) else REDACTED


def _redact_attachment(attachment: dict, hide_authorization: bool) -> dict:
    kind, body = next(iter(attachment.items()))
    if kind == "http":
        return {"http": dict(body, request=redact_http_request(body["request"], hide_authorization))}
    basic = (body.get("auth") or {}).get("basic") if kind == "reporting" else None
    if isinstance(basic, dict) and "password" in basic:
        return {"reporting": dict(body, auth={"basic": dict(basic, password=_hidden(basic["password"]))})}
    return attachment


def redact_notification_action(kind: str, body: dict, hide_authorization: bool) -> dict:
    """toXContent with WatcherParams.hideSecrets: only e-mail actions carry secrets (password, attachment requests)."""
    if kind != "email":
        return body
    out = dict(body)
    if "password" in out:
        out["password"] = _hidden(out["password"])
    if "attachments" in out:
        out["attachments"] = {name: _redact_attachment(attachment, hide_authorization) for name, attachment in out["attachments"].items()}
    return out
