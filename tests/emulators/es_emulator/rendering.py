# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Response bodies: JSON (compact, or `?pretty`), YAML on request, and `?filter_path`."""

from __future__ import annotations

import fnmatch
import json

import yaml

_EMPTY = object()


def _include(value, patterns: list[list[str]]):
    if any(not pattern for pattern in patterns):
        return value
    if isinstance(value, list):
        kept = [item for item in (_include(element, patterns) for element in value) if item is not _EMPTY]
        return kept if kept else _EMPTY
    if not isinstance(value, dict):
        return _EMPTY
    out = {}
    for key, child in value.items():
        remaining = []
        for pattern in patterns:
            head = pattern[0]
            if head == "**":
                remaining.append(pattern)
                remaining.append(pattern[1:])
            elif fnmatch.fnmatchcase(key, head):
                remaining.append(pattern[1:])
        if remaining:
            kept = _include(child, remaining)
            if kept is not _EMPTY:
                out[key] = kept
    return out if out else _EMPTY


def _exclude(value, patterns: list[list[str]]):
    if isinstance(value, list):
        return [_exclude(element, patterns) for element in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, child in value.items():
        matching = [pattern[1:] for pattern in patterns if pattern[0] == "**" or fnmatch.fnmatchcase(key, pattern[0])]
        if any(not rest for rest in matching):
            continue
        out[key] = _exclude(child, matching) if matching else child
    return out


def filter_path(body, expression: str | None):
    """The `filter_path` parameter: comma separated paths, `*` and `**` wildcards, `-` to exclude."""
    if not expression or not isinstance(body, (dict, list)):
        return body
    patterns = [item.strip() for item in expression.split(",") if item.strip()]
    includes = [pattern.split(".") for pattern in patterns if not pattern.startswith("-")]
    excludes = [pattern[1:].split(".") for pattern in patterns if pattern.startswith("-")]
    if includes:
        body = _include(body, includes)
        body = {} if body is _EMPTY else body
    if excludes:
        body = _exclude(body, excludes)
    return body


def render(body, response_format: str, pretty: bool) -> bytes:
    if response_format == "yaml":
        return ("---\n" + yaml.safe_dump(body, default_flow_style=False, sort_keys=False, allow_unicode=True)).encode("utf-8")
    if pretty:
        return (json.dumps(body, indent=2, separators=(",", " : "), ensure_ascii=False) + "\n").encode("utf-8")
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
