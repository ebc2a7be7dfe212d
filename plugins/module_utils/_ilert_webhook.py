# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the Watcher webhook action that posts to an iLert alert source.

iLert's Elastic Watcher guide has users hand-write this action; es_watch builds it from the
integration key instead. The parts follow the guide: https, the API host and port, POST to
``/api/v1/events/eswatcher/<integration key>``, ``Content-Type: application/json`` and the whole
execution context as body. Written in Elasticsearch's canonical form, so a stored copy compares
equal to a freshly built one.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

DEFAULT_API_URL = "https://api.ilert.com"
DEFAULT_ACTION_ID = "ilert"
CTX_BODY = "{{#toJson}}ctx{{/toJson}}"
# Exported hand-made iLert actions stand in this text for the key, so an export never holds the secret.
KEY_PLACEHOLDER = "<ilert_integration_key>"
# The placeholder in a path built with quote(): "<" and ">" percent-encoded, hex digits in either case.
_QUOTED_KEY_PLACEHOLDER = re.compile(r"%3[cC]ilert_integration_key%3[eE]")
# Request leaves that hold a URL path, where the quoted placeholder counts too.
_URL_LEAVES = ("path", "url")


class ILertWebhookError(ValueError):
    """The iLert settings cannot make a webhook (the message names the option)."""


def api_request(api_url: str, path: str) -> dict:
    """scheme, host, port and path of ``path`` (below ``/api``) on the iLert API at ``api_url``."""
    parts = urlsplit((api_url or DEFAULT_API_URL).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ILertWebhookError("ilert.api_url must be an http or https URL such as https://api.ilert.com, got %r" % api_url)
    base = parts.path.rstrip("/")
    if base.endswith("/api"):
        base = base[:-len("/api")]  # api_url may name the API root, as the iLert connection options allow
    return {"scheme": parts.scheme, "host": parts.hostname, "port": parts.port or (443 if parts.scheme == "https" else 80),
            "path": base + path}


def integration_key_of(integration_key) -> str:
    """The key as it goes into a request: a non-empty string without spaces, surrounding blanks dropped."""
    if not isinstance(integration_key, str) or not integration_key.strip() or any(char.isspace() for char in integration_key.strip()):
        raise ILertWebhookError("ilert.integration_key must be the alert source's integration key (a non-empty string without spaces)")
    return integration_key.strip()


def _with_key(value, key: str, quoted_key: str, name=None):
    if isinstance(value, dict):
        return dict((item_name, _with_key(item, key, quoted_key, item_name)) for item_name, item in value.items())
    if isinstance(value, list):
        return [_with_key(item, key, quoted_key) for item in value]
    if not isinstance(value, str):
        return value
    if name in _URL_LEAVES:
        value = _QUOTED_KEY_PLACEHOLDER.sub(lambda match: quoted_key, value)
    return value.replace(KEY_PLACEHOLDER, key)


def with_key(value, integration_key: str):
    """A copy of ``value`` with every KEY_PLACEHOLDER in its strings replaced by the key (URL-quoted where a path quoted it)."""
    key = integration_key_of(integration_key)
    return _with_key(value, key, quote(key, safe=""))


def _with_placeholder(value, key: str, quoted_key: str, name=None):
    if isinstance(value, dict):
        return dict((item_name, _with_placeholder(item, key, quoted_key, item_name)) for item_name, item in value.items())
    if isinstance(value, list):
        return [_with_placeholder(item, key, quoted_key) for item in value]
    if not isinstance(value, str):
        return value
    if name in _URL_LEAVES and quoted_key != key:
        value = value.replace(quoted_key, quote(KEY_PLACEHOLDER, safe=""))
    return value.replace(key, KEY_PLACEHOLDER)


def with_placeholder(value, integration_key: str):
    """The inverse of with_key: a copy of ``value`` with the key written as KEY_PLACEHOLDER (quoted where a path quoted it)."""
    return _with_placeholder(value, integration_key, quote(integration_key, safe=""))


def key_placeholder_paths(value, path=()) -> list:
    """Where ``value`` carries KEY_PLACEHOLDER (in a path or url also percent-encoded), as key paths."""
    if isinstance(value, dict):
        return [found for name, item in value.items() for found in key_placeholder_paths(item, path + (name,))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in key_placeholder_paths(item, path + (index,))]
    if isinstance(value, str) and (KEY_PLACEHOLDER in value or (path and path[-1] in _URL_LEAVES and _QUOTED_KEY_PLACEHOLDER.search(value))):
        return [path]
    return []


def webhook_parts(api_url: str, integration_type: str, integration_key: str) -> dict:
    """scheme, host, port and path of the events URL of one alert source."""
    return api_request(api_url, "/api/v1/events/%s/%s" % (quote(integration_type.lower(), safe=""), quote(integration_key, safe="")))


def ilert_action(integration_key: str, api_url: str = DEFAULT_API_URL) -> dict:
    """The webhook action, canonical form, that sends the watch's context to iLert."""
    webhook = webhook_parts(api_url, "eswatcher", integration_key_of(integration_key))
    webhook.update({
        "method": "post",
        "params": {},
        "headers": {"Content-Type": "application/json"},
        "body": CTX_BODY,
    })
    return {"webhook": webhook}
