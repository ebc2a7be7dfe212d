# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mustache as Watcher renders it, on top of pystache (modules/lang-mustache CustomMustacheFactory).

What pystache does not do the way Elasticsearch does is adapted here, and only that:
- escaping: Watcher's text templates use the `text/plain` encoder (nothing escaped); a template
  starting with `__json__::` and JSON bodies use JSON string escaping instead;
- `{{#toJson}}path{{/toJson}}` (the value at `path` as JSON), `{{#join}}path{{/join}}` and
  `{{#join delimiter='x'}}...{{/join delimiter='x'}}` (a list joined, default `,`), and
  `{{#url}}...{{/url}}` (the rendered content URL-encoded) are lambdas. Their output is
  put in after rendering (placeholders), so JSON that happens to contain `{{` is never rendered again;
- values print as Java does: `true`, `1.0`, maps as `{a=1, b=2}`, lists as `[a, b]`, dates as
  ZonedDateTime.toString();
- list items are reachable by index (`ctx.payload.hits.hits.0._id`), as Elasticsearch's
  reflection object handler allows.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import quote_plus

import pystache
from pystache.context import KeyNotFoundError

from .datemath import iso, java_string

JSON_PREFIX = "__json__::"
_JOIN_WITH = re.compile(r"\{\{([#/])join delimiter='([^']*)'\}\}")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_URL = re.compile("\x01U\x02((?:(?!\x01U\x02).)*?)\x01/U\x02", re.DOTALL)


class EsDate:
    """A date in the model: mustache prints ZonedDateTime.toString(), toJson the ISO form."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __str__(self) -> str:
        return java_string(self.moment)


class _Sequence:
    """A list whose items are also reachable by index as names (`list.0`)."""

    def __init__(self, items: list):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __getattr__(self, name: str):
        if name.isdigit() and int(name) < len(self.items):
            return self.items[int(name)]
        raise AttributeError(name)


def model(value):
    """Plain data (dicts, lists, EsDate) as the renderer reads it."""
    if isinstance(value, dict):
        return {key: model(item) for key, item in value.items()}
    if isinstance(value, list):
        return _Sequence([model(item) for item in value])
    return value


def plain(value, dates=iso):
    """The model back as JSON-ready data."""
    if isinstance(value, dict):
        return {key: plain(item, dates) for key, item in value.items()}
    if isinstance(value, (_Sequence, list)):
        return [plain(item, dates) for item in value]
    if isinstance(value, EsDate):
        return dates(value.moment)
    return value


def java_value(value) -> str:
    """String.valueOf of what the model holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if abs(value) < 1e7 else ("%E" % value).replace("E+", "E")
    if isinstance(value, dict):
        return "{" + ", ".join("%s=%s" % (key, java_value(item)) for key, item in value.items()) + "}"
    if isinstance(value, (_Sequence, list)):
        return "[" + ", ".join(java_value(item) for item in value) + "]"
    return str(value)


def _json_escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


class _Renderer(pystache.Renderer):
    def str_coerce(self, val):
        return java_value(val)


class _Render:
    """One rendering: the lambdas need the renderer's current context stack."""

    def __init__(self, escape: bool):
        self.renderer = _Renderer(escape=_json_escape if escape else (lambda text: text), missing_tags="ignore")
        self.outputs: list[str] = []

    def _lookup(self, name: str):
        try:
            return self.renderer.context.get(name.strip())
        except KeyNotFoundError:
            return None

    def _placeholder(self, text: str) -> str:
        self.outputs.append(text)
        return "\x00%d\x00" % (len(self.outputs) - 1)

    def to_json(self, text: str) -> str:
        value = self._lookup(text)
        if isinstance(value, (dict, list, _Sequence)):
            return self._placeholder(json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False))
        return self._placeholder(java_value(plain(value)) if value is not None else "")

    def joiner(self, delimiter: str):
        def join(text: str) -> str:
            value = self._lookup(text)
            if isinstance(value, (list, _Sequence)):
                return self._placeholder(delimiter.join(java_value(item) for item in value))
            return self._placeholder(java_value(value))
        return join

    @staticmethod
    def url(text: str) -> str:
        return "\x01U\x02" + text + "\x01/U\x02"

    def run(self, template: str, data: dict) -> str:
        helpers = {"toJson": self.to_json, "join": self.joiner(","), "url": self.url}
        names = {}

        def rename(match):
            key = names.setdefault(match.group(2), "__join_%d" % len(names))
            helpers[key] = self.joiner(match.group(2))
            return "{{%s%s}}" % (match.group(1), key)

        template = _JOIN_WITH.sub(rename, template)
        text = self.renderer.render(template, helpers, model(data))
        text = _PLACEHOLDER.sub(lambda match: self.outputs[int(match.group(1))], text)
        while True:
            replaced = _URL.sub(lambda match: quote_plus(match.group(1)), text)
            if replaced == text:
                return text
            text = replaced


def render(template: str, data: dict, escape_json: bool = False) -> str:
    """Render a template string against `data` ({ctx: ...} for watches, the params for search templates)."""
    if template.startswith(JSON_PREFIX):
        template, escape_json = template[len(JSON_PREFIX):], True
    return _Render(escape_json).run(template, data)
