# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: notification actions (email, slack, pagerduty, jira) in the form Elasticsearch stores.

Elasticsearch parses each of these actions with its own ``<Type>Action.parse`` and writes it back
with ``toXContent``: defaults are added and shapes rewritten (the rules and their sources are in
the emulator's STORED_FORMS.md table, section "Notification actions"). es_watch compares in that
form. What Elasticsearch would refuse and can be known without asking it raises
WatchDefinitionError; whether a notification account exists only the cluster knows.

* email: ``profile`` defaults to ``standard``; ``to``/``cc``/``bcc``/``reply_to`` are arrays; a
  string ``body`` is ``{text: ...}``; ``attach_data: true`` is ``{format: yaml}``; a ``data``
  attachment gains ``format: yaml``; a ``reporting`` interval is written as ``TimeValue`` does;
  addresses without mustache must be valid;
* slack: ``message.to`` is an array, ``message.attachments`` an array, a field's ``short`` is
  always written (default false);
* pagerduty: ``context`` is stored as ``contexts`` and a context's ``type`` in lower case;
* jira: ``fields`` is always written (``{}`` when not given).

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
import re

from ansible_collections.ilert.watcher.plugins.module_utils._watch_http_request import canonical_http_proxy, canonical_http_request
from ansible_collections.ilert.watcher.plugins.module_utils._watch_templates import (
    WatchDefinitionError, boolean_of, canonical_text_template, is_number)

NOTIFICATION_ACTIONS = ("email", "slack", "pagerduty", "jira")

_EMAIL_ORDER = ("account", "user", "password", "profile", "attach_data", "attachments",
                "from", "reply_to", "priority", "to", "cc", "bcc", "subject", "body")
_PROFILES = {"std": "standard", "standard": "standard", "outlook": "outlook", "gmail": "gmail", "mac": "mac"}
_ADDRESS_SPECIALS = '()<>,;:\\"[]@'


def _fail(where: str, message: str, value=None):
    if value is None:
        raise WatchDefinitionError("%s %s" % (where, message))
    raise WatchDefinitionError("%s %s, got %s" % (where, message, json.dumps(value, sort_keys=True, default=str)))


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        _fail(where, "must be an object", value)
    return value


def _scalar_text(value):
    """XContentParser.text() of a scalar: numbers and booleans as their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return str(value)
    return value if isinstance(value, str) else None


def _basic_auth(value, where: str):
    """BasicAuth.parse: the last object under any type name is basic auth (username required, strings only)."""
    _object(value, where)
    basic = None
    for dummy, body in value.items():
        if isinstance(body, list):
            _fail(where, "must be {basic: {username, password}}", value)
        if not isinstance(body, dict):
            continue
        for key, item in body.items():
            if key not in ("username", "password") or not isinstance(item, str):
                _fail("%s.basic.%s" % (where, key), "is not a string username or password", item)
        if "username" not in body:
            _fail(where + ".basic", "needs a username")
        basic = dict((key, body[key]) for key in ("username", "password") if key in body)
    return None if basic is None else {"basic": basic}


# --- e-mail -----------------------------------------------------------------------------------------------
def _split_addresses(text: str) -> list:
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


def _address_part_problem(part: str, what: str):
    if what == "local part" and len(part) > 1 and part.startswith('"') and part.endswith('"'):
        return None
    if what == "domain" and part.startswith("[") and part.endswith("]"):
        return None
    if any(char in _ADDRESS_SPECIALS for char in part):
        return "its %s has an illegal character" % what
    if part.startswith(".") or part.endswith(".") or ".." in part:
        return "its %s has a misplaced dot" % what
    return None


def _address_problem(text: str):
    """Why Elasticsearch (javax.mail, strict) refuses an address list, or None."""
    if text.count('"') % 2:
        return "a quote is not closed"
    for piece in _split_addresses(text):
        if "<" in piece:
            if ">" not in piece[piece.index("<"):]:
                return "'>' is missing"
            address = piece[piece.index("<") + 1:piece.index(">", piece.index("<"))].strip()
        else:
            address = re.sub(r"\([^)]*\)", "", piece).strip()
        if not address:
            return "an address is empty"
        if any(char.isspace() for char in address):
            return "an address has whitespace"
        local, at_sign, domain = address.rpartition("@") if address.startswith('"') else address.partition("@")
        if not at_sign:
            return "'@domain' is missing"
        if not local or not domain:
            return "the local part or the domain is missing"
        problem = _address_part_problem(local, "local part") or _address_part_problem(domain, "domain")
        if problem:
            return problem
    return None


def _check_addresses(templates: list, where: str) -> None:
    """EmailTemplate.Parser.validateEmailAddresses: templates without mustache (and not stored scripts) must be addresses."""
    for template in templates:
        if isinstance(template, dict):
            if "id" in template or "{{" in str(template.get("source", "")):
                continue
            text = str(template.get("source"))
        elif "{{" in template:
            continue
        else:
            text = template
        problem = _address_problem(text)
        if problem:
            _fail(where, "holds an invalid email address %r: %s" % (text, problem))


def _email_body(value, where: str, email: dict) -> None:
    if isinstance(value, str):
        email.setdefault("body", {})["text"] = value
    elif isinstance(value, dict):
        for part, template in value.items():
            if part not in ("text", "html"):
                _fail("%s.%s" % (where, part), "is not a body part (text, html)")
            email.setdefault("body", {})[part] = canonical_text_template(template, "%s.%s" % (where, part))


def _data_format(value, where: str) -> str:
    if not isinstance(value, str) or value.lower() not in ("yaml", "json"):
        _fail(where, "must be yaml or json", value)
    return value.lower()


def _attach_data(value, where: str):
    """DataAttachment.parse: true, false, null or {format}."""
    if value is None or value is False:
        return None
    if value is True:
        return {"format": "yaml"}
    _object(value, where)
    unknown = sorted(set(value) - {"format"})
    if unknown:
        _fail(where, "has unknown field(s) %s" % ", ".join(unknown))
    return {"format": _data_format(value["format"], where + ".format") if "format" in value else "yaml"}


def _data_attachment(body: dict, where: str) -> dict:
    """DataAttachmentParser: only format is read; other scalar fields are skipped."""
    for key, item in body.items():
        if key != "format" and isinstance(item, (dict, list)):
            _fail("%s.%s" % (where, key), "is not a data attachment setting")
    return {"format": _data_format(body["format"], where + ".format") if "format" in body else "yaml"}


def _http_attachment(body: dict, where: str) -> dict:
    unknown = sorted(set(body) - {"request", "content_type", "inline"})
    if unknown:
        _fail(where, "has unknown field(s) %s (request, content_type, inline)" % ", ".join(unknown))
    if "request" not in body:
        _fail(where, "needs a request")
    attachment = {"request": canonical_http_request(body["request"], where + ".request")}
    if isinstance(body.get("content_type"), (dict, list)):
        _fail(where + ".content_type", "must be a string", body["content_type"])
    content_type = _scalar_text(body.get("content_type"))
    if content_type:
        attachment["content_type"] = content_type
    if "inline" in body and boolean_of(body["inline"], where + ".inline"):
        attachment["inline"] = True
    return attachment


def _time_value_rep(value, where: str) -> str:
    """TimeValue.parseTimeValue, written back with getStringRep: `15S` is `15s`, `-1` is `-1`, `0` is `0ms` (`M` is no unit)."""
    text = value if isinstance(value, str) else ""
    normalized = text.lower().strip()
    unit = next((unit for unit in ("nanos", "micros", "ms", "s") if normalized.endswith(unit)), None)
    if unit is None and text.endswith("m"):
        unit = "m"
    unit = unit or next((unit for unit in ("h", "d") if normalized.endswith(unit)), None)
    if unit is None and re.fullmatch(r"-0*1|0+", normalized):
        return "-1" if normalized.startswith("-") else "0ms"
    number = normalized[:-len(unit)].strip() if unit else ""
    if not re.fullmatch(r"[+-]?\d+", number) or int(number) < -1:
        _fail(where, "must be a time value such as 15s or 1m (a string, whole and not negative)", value)
    return "-1" if int(number) < 0 else "%d%s" % (int(number), unit)


def _reporting_attachment(body: dict, where: str) -> dict:
    """ReportingAttachmentParser and ReportingAttachment.toXContent."""
    unknown = sorted(set(body) - {"url", "retries", "interval", "inline", "auth", "proxy"})
    if unknown:
        _fail(where, "has unknown field(s) %s (url, retries, interval, inline, auth, proxy)" % ", ".join(unknown))
    if not isinstance(body.get("url"), str):
        _fail(where + ".url", "is required (a string)", body.get("url"))
    attachment = {"url": body["url"]}
    if "retries" in body:
        retries = body["retries"]
        try:
            retries = int(float(retries.strip())) if isinstance(retries, str) else int(retries) if is_number(retries) else None
        except (ValueError, OverflowError):
            retries = None
        if retries is None or retries < 0:
            _fail(where + ".retries", "must be a whole number of 0 or more", body["retries"])
        attachment["retries"] = retries
    if "interval" in body:
        attachment["interval"] = _time_value_rep(body["interval"], where + ".interval")
    if "inline" in body and boolean_of(body["inline"], where + ".inline"):
        attachment["inline"] = True
    if "auth" in body and _basic_auth(body["auth"], where + ".auth") is not None:
        attachment["auth"] = _basic_auth(body["auth"], where + ".auth")
    if "proxy" in body:
        attachment["proxy"] = canonical_http_proxy(body["proxy"], where + ".proxy")
    return attachment


_ATTACHMENTS = {"data": _data_attachment, "http": _http_attachment, "reporting": _reporting_attachment}


def _attachments(value, where: str) -> dict:
    _object(value, where)
    attachments = {}
    for name, spec in value.items():
        if spec is None or isinstance(spec, (str, bool, int, float)):
            continue  # EmailAttachmentsParser skips an id whose value is no object
        if not isinstance(spec, dict) or len(spec) != 1:
            _fail("%s.%s" % (where, name), "must be an object with exactly one attachment type (data, http, reporting)", spec)
        kind, body = next(iter(spec.items()))
        if kind not in _ATTACHMENTS:
            _fail("%s.%s" % (where, name), "has an unknown attachment type %r (data, http, reporting)" % kind)
        attachments[name] = {kind: _ATTACHMENTS[kind](_object(body, "%s.%s.%s" % (where, name, kind)), "%s.%s.%s" % (where, name, kind))}
    return attachments


def _email_field(key: str, value, where: str, email: dict) -> None:
    here = "%s.%s" % (where, key)
    if key == "from":
        email["from"] = canonical_text_template(value, here)
        _check_addresses([email["from"]], here)
    elif key in ("reply_to", "to", "cc", "bcc"):
        items = value if isinstance(value, list) else [value]
        email[key] = [canonical_text_template(item, here) for item in items]
        _check_addresses(email[key], here)
    elif key in ("priority", "subject"):
        email[key] = canonical_text_template(value, here)
    elif key == "body":
        _email_body(value, here, email)
    elif key == "attach_data":
        email["attach_data"] = _attach_data(value, here)
    elif key == "attachments":
        email["attachments"] = _attachments(value, here)
    elif key in ("account", "user", "password", "profile"):
        if not isinstance(value, str):
            _fail(here, "must be a string", value)
        if key == "profile" and value.lower() not in _PROFILES:
            _fail(here, "must be one of standard, outlook, gmail, mac", value)
        email[key] = _PROFILES[value.lower()] if key == "profile" else value
    else:
        _fail(here, "is not an email action setting")


def _email(value, where: str) -> dict:
    _object(value, where)
    email = {"profile": "standard"}
    for key, item in value.items():
        _email_field(key, item, where, email)
    if "user" in email and "password" not in email:
        _fail(where, "has a user without a password (Elasticsearch cannot store that)")
    if "user" not in email:
        email.pop("password", None)  # EmailAction keeps a password only with a user
    if not email.get("attachments"):
        email.pop("attachments", None)
    if email.get("attach_data") is None:
        email.pop("attach_data", None)
    return dict((key, email[key]) for key in _EMAIL_ORDER if key in email)


# --- slack ------------------------------------------------------------------------------------------------
_SLACK_TEXTS = ("fallback", "color", "pretext", "author_name", "author_link", "author_icon", "title", "title_link", "text", "image_url", "thumb_url")
_SLACK_ATTACHMENT_ORDER = _SLACK_TEXTS[:9] + ("fields", "image_url", "thumb_url", "mrkdwn_in", "actions")
_SLACK_BUTTON = ("name", "style", "type", "text", "url")


def _slack_field(value, where: str) -> dict:
    _object(value, where)
    unknown = sorted(set(value) - {"title", "value", "short"})
    if unknown:
        _fail(where, "has unknown field(s) %s (title, value, short)" % ", ".join(unknown))
    for required in ("title", "value"):
        if required not in value:
            _fail(where, "needs %s" % required)
    short = value.get("short", False)
    if not isinstance(short, bool):
        _fail(where + ".short", "must be true or false", short)
    return {"title": canonical_text_template(value["title"], where + ".title"),
            "value": canonical_text_template(value["value"], where + ".value"), "short": short}


def _slack_button(value, where: str) -> dict:
    _object(value, where)
    for key in _SLACK_BUTTON:
        if not isinstance(value.get(key), str):
            _fail("%s.%s" % (where, key), "is required (a string)", value.get(key))
    unknown = sorted(set(value) - set(_SLACK_BUTTON))
    if unknown:
        _fail(where, "has unknown field(s) %s" % ", ".join(unknown))
    return dict((key, value[key]) for key in _SLACK_BUTTON)


def _slack_attachment(value, where: str) -> dict:
    _object(value, where)
    attachment = {}
    for key, item in value.items():
        here = "%s.%s" % (where, key)
        if key in _SLACK_TEXTS:
            attachment[key] = canonical_text_template(item, here)
        elif key == "fields":
            attachment["fields"] = [_slack_field(field, "%s[%d]" % (here, index))
                                    for index, field in enumerate(item if isinstance(item, list) else [item])]
        elif key == "mrkdwn_in":
            items = item if isinstance(item, list) else [item]
            if any(_scalar_text(name) is None for name in items):
                _fail(here, "must be field names", item)
            attachment["mrkdwn_in"] = [_scalar_text(name) for name in items]
        elif key == "actions":
            buttons = [button for button in (item if isinstance(item, list) else [item]) if isinstance(button, dict)]
            attachment.setdefault("actions", []).extend(_slack_button(button, here) for button in buttons)
        else:
            _fail(here, "is not a slack attachment setting")
    for dependent, owner in (("author_link", "author_name"), ("author_icon", "author_name"), ("title_link", "title")):
        if dependent in attachment and owner not in attachment:
            _fail(where, "has %s without %s" % (dependent, owner))
    if not attachment.get("actions"):
        attachment.pop("actions", None)
    return dict((key, attachment[key]) for key in _SLACK_ATTACHMENT_ORDER if key in attachment)


def _slack_message(value, where: str) -> dict:
    _object(value, where)
    message = {}
    for key, item in value.items():
        here = "%s.%s" % (where, key)
        if key in ("from", "text", "icon"):
            message[key] = canonical_text_template(item, here)
        elif key == "to":
            message.setdefault("to", []).extend(canonical_text_template(name, here) for name in (item if isinstance(item, list) else [item]))
        elif key == "attachments":
            items = item if isinstance(item, list) else [item]
            message.setdefault("attachments", []).extend(_slack_attachment(one, "%s[%d]" % (here, index)) for index, one in enumerate(items))
        elif key == "dynamic_attachments":
            _object(item, here)
            if set(item) != {"list_path", "attachment_template"} or not isinstance(item["list_path"], str):
                _fail(here, "must be {list_path: string, attachment_template: {...}}", item)
            message[key] = {"list_path": item["list_path"],
                            "attachment_template": _slack_attachment(item["attachment_template"], here + ".attachment_template")}
        else:
            _fail(here, "is not a slack message setting")
    for key in ("to", "attachments"):
        if not message.get(key):
            message.pop(key, None)
    return dict((key, message[key]) for key in ("from", "to", "text", "icon", "attachments", "dynamic_attachments") if key in message)


def _slack(value, where: str) -> dict:
    _object(value, where)
    action = {}
    for key, item in value.items():
        if key == "account":
            if not isinstance(item, str):
                _fail(where + ".account", "must be a string", item)
            action["account"] = item
        elif key == "proxy":
            action["proxy"] = canonical_http_proxy(item, where + ".proxy")
        elif key == "message":
            action["message"] = _slack_message(item, where + ".message")
        else:
            _fail("%s.%s" % (where, key), "is not a slack action setting (account, proxy, message)")
    if "message" not in action:
        _fail(where, "needs a message")
    return dict((key, action[key]) for key in ("account", "proxy", "message") if key in action)


# --- pagerduty --------------------------------------------------------------------------------------------
_PAGERDUTY_ORDER = ("description", "incident_key", "client", "client_url", "event_type", "attach_payload", "account", "proxy", "contexts")


def _pagerduty_context(value, where: str) -> dict:
    _object(value, where)
    kind = _scalar_text(value.get("type"))
    if kind is None or kind.lower() not in ("link", "image"):
        _fail(where + ".type", "must be link or image", value.get("type"))
    kind = kind.lower()
    parts = {}
    for key, item in value.items():
        if key in ("type", ""):
            continue
        if key not in ("href", "text", "src", "alt"):
            _fail("%s.%s" % (where, key), "is not a context setting (type, href, text, src, alt)")
        parts[key] = canonical_text_template(item, "%s.%s" % (where, key))
    required, forbidden, order = ("href", ("src", "alt"), ("href", "text")) if kind == "link" else ("src", ("text",), ("src", "href", "alt"))
    if required not in parts:
        _fail(where, "needs %s for a %s context" % (required, kind))
    for key in forbidden:
        if key in parts:
            _fail(where, "cannot have %s in a %s context" % (key, kind))
    context = {"type": kind}
    context.update((key, parts[key]) for key in order if key in parts)
    return context


def _pagerduty(value, where: str) -> dict:
    _object(value, where)
    event = {}
    for key, item in value.items():
        here = "%s.%s" % (where, key)
        if key in ("description", "incident_key", "client", "client_url", "event_type"):
            event[key] = canonical_text_template(item, here)
        elif key == "account":
            if _scalar_text(item) is None:
                _fail(here, "must be a string", item)
            event["account"] = _scalar_text(item)
        elif key == "proxy":
            event["proxy"] = canonical_http_proxy(item, here)
        elif key == "attach_payload":
            if not isinstance(item, bool):
                _fail(here, "must be true or false", item)
            event["attach_payload"] = item
        elif key in ("contexts", "context"):
            if isinstance(item, dict):
                _fail(here, "must be a list of contexts", item)
            if isinstance(item, list):
                event["contexts"] = [_pagerduty_context(context, "%s[%d]" % (here, index)) for index, context in enumerate(item)]
        else:
            _fail(here, "is not a pagerduty event setting")
    if "description" not in event:
        _fail(where, "needs a description")
    return dict((key, event[key]) for key in _PAGERDUTY_ORDER if key in event)


# --- jira -------------------------------------------------------------------------------------------------
def _jira(value, where: str) -> dict:
    _object(value, where)
    action = {}
    for key, item in value.items():
        if key == "account":
            if not isinstance(item, str):
                _fail(where + ".account", "must be a string", item)
            action["account"] = item
        elif key == "proxy":
            action["proxy"] = canonical_http_proxy(item, where + ".proxy")
        elif key == "fields":
            if isinstance(item, list):
                _fail(where + ".fields", "must be an object of issue fields", item)
            action["fields"] = copy.deepcopy(item) if isinstance(item, dict) else {}
        else:
            _fail("%s.%s" % (where, key), "is not a jira action setting (account, proxy, fields)")
    action.setdefault("fields", {})
    return dict((key, action[key]) for key in ("account", "proxy", "fields") if key in action)


_CANONICAL = {"email": _email, "slack": _slack, "pagerduty": _pagerduty, "jira": _jira}


def canonical_notification_action(kind: str, value, where: str):
    """The stored form of one notification action body (``where`` names it in errors, e.g. ``actions.notify.email``)."""
    return _CANONICAL[kind](copy.deepcopy(value), where)
