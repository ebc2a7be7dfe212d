# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Notification actions (email, slack, pagerduty, jira): their parsers, stored form and hidden secrets.

Elasticsearch parses each of them with its own `<Type>Action.parse` and writes it back with
`toXContent`; the action factories look the notification account up when the watch is stored.
"""

from __future__ import annotations

from .errors import parse_error
from .http_request import parse_http_request, redact_http_request, secret
from .templates import REDACTED, token

NOTIFICATION_ACTIONS = ("email", "slack", "pagerduty", "jira")


def _email(value, ctx, action_id: str) -> dict:
    """Email actions are kept as written, except for the secrets they may carry."""
    if not isinstance(value, dict):
        raise parse_error("could not parse [email] action [%s/%s]. unexpected token [%s]" % (ctx.watch_id, action_id, token(value)))
    out = dict(value)
    if "password" in out:
        password = secret(out["password"], "password", ctx)
        if password is None:
            del out["password"]
        else:
            out["password"] = password
    attachments = out.get("attachments")
    if isinstance(attachments, dict):
        out["attachments"] = {name: _attachment(body, ctx) for name, body in attachments.items()}
    return out


def _attachment(body, ctx):
    if not isinstance(body, dict):
        return body
    out = {}
    for kind, spec in body.items():
        if kind == "http" and isinstance(spec, dict) and isinstance(spec.get("request"), dict):
            spec = dict(spec, request=parse_http_request(spec["request"], ctx))
        elif kind == "reporting" and isinstance(spec, dict) and isinstance(spec.get("auth"), dict):
            basic = dict(spec["auth"].get("basic") or {})
            if "password" in basic:
                password = secret(basic["password"], "password", ctx)
                if password is None:
                    del basic["password"]
                else:
                    basic["password"] = password
            spec = dict(spec, auth={"basic": basic})
        out[kind] = spec
    return out



def _pass_through(kind):
    def parse(value, ctx, action_id):
        if not isinstance(value, dict):
            raise parse_error("could not parse [%s] action [%s/%s]. unexpected token [%s]" % (kind, ctx.watch_id, action_id, token(value)))
        return value
    return parse


_PARSERS = {"email": _email, "slack": _pass_through("slack"), "pagerduty": _pass_through("pagerduty"), "jira": _pass_through("jira")}


def parse_notification_action(kind: str, value, ctx, action_id: str) -> dict:
    return _PARSERS[kind](value, ctx, action_id)


def _redact_email(email: dict, hide_authorization: bool) -> dict:
    out = dict(email)
    if "password" in out:
        out["password"] = REDACTED
    attachments = out.get("attachments")
    if isinstance(attachments, dict):
        redacted = {}
        for name, attachment in attachments.items():
            if isinstance(attachment, dict):
                attachment = dict(attachment)
                http = attachment.get("http")
                if isinstance(http, dict) and isinstance(http.get("request"), dict):
                    attachment["http"] = dict(http, request=redact_http_request(http["request"], hide_authorization))
                reporting = attachment.get("reporting")
                basic = ((reporting or {}).get("auth") or {}).get("basic") if isinstance(reporting, dict) else None
                if isinstance(basic, dict) and "password" in basic:
                    attachment["reporting"] = dict(reporting, auth={"basic": dict(basic, password=REDACTED)})
            redacted[name] = attachment
        out["attachments"] = redacted
    return out



def redact_notification_action(kind: str, body: dict, hide_authorization: bool) -> dict:
    if kind == "email":
        return _redact_email(body, hide_authorization)
    return body
