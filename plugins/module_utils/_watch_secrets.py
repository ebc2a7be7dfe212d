# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: secrets in watches, as Elasticsearch hides them and as we mask them.

Elasticsearch returns basic-auth passwords and ``Authorization`` headers as ``::es_redacted::``,
so the stored value of a secret can never be compared. Two policies decide what such a leaf
means (option ``redacted_values``): ``assume_unchanged`` takes the wanted value as equal to the
hidden one (never a perpetual diff), ``always_update`` takes it as different (the secret is sent
again on every run). Diffs and return values show secrets as ``********``.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import quote, unquote

from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import KEY_PLACEHOLDER

REDACTED = "::es_redacted::"
MASK = "********"
ASSUME_UNCHANGED = "assume_unchanged"
ALWAYS_UPDATE = "always_update"
# An iLert events URL carries the integration key as its last segment, and anyone who has the key
# can raise alerts: it is masked wherever a request path holds one, known to this run or not.
_ILERT_EVENTS_PATH = re.compile(r"(/api/v1/events/[^/?#]+/)([^/?#]+)")
# iLert's Events API takes the key in the body (the auto-resolve actions post there).
_ILERT_EVENTS_BODY_KEY = re.compile(r'("(?:integrationKey|apiKey)"\s*:\s*")([^"]*)(")')
# Where a key was, es_watch_info writes the placeholder, which is no secret and must stay readable.
_NOT_A_KEY = (KEY_PLACEHOLDER, quote(KEY_PLACEHOLDER, safe=""))


def _masked_key(match) -> str:
    return match.group(0) if match.group(2) in _NOT_A_KEY else match.group(1) + MASK + (match.group(3) if match.lastindex >= 3 else "")


def leaves(value, path=()):
    """(path, leaf) of every scalar in a JSON value; list items are addressed by index."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, path + (index,))
    else:
        yield path, value


def is_secret_path(path: tuple) -> bool:
    """Passwords anywhere (basic auth, email accounts) and Authorization headers."""
    if not path or not isinstance(path[-1], str):
        return False
    if path[-1] == "password":
        return True
    return len(path) >= 2 and path[-2] == "headers" and path[-1].lower() == "authorization"


def _get(value, path: tuple):
    for key in path:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return None, False
    return value, True


def _set(value, path: tuple, leaf) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = leaf


def redacted_paths(watch: dict) -> list:
    """Where a watch read from Elasticsearch hides a value."""
    return [path for path, leaf in leaves(watch) if leaf == REDACTED]


def comparable(desired: dict, current: dict, policy: str = ASSUME_UNCHANGED) -> dict:
    """``desired`` as it is to be compared with ``current`` under the ``redacted_values`` policy.

    With ``assume_unchanged`` every leaf that ``current`` hides takes the hidden marker in the
    copy too, so only the visible parts decide. With ``always_update`` nothing is assumed and a
    hidden secret always differs from the wanted one.
    """
    view = copy.deepcopy(desired)
    if policy != ASSUME_UNCHANGED:
        return view
    for path in redacted_paths(current):
        dummy, present = _get(view, path)
        if present:
            _set(view, path, REDACTED)
    return view


def redacted_secrets_in(desired: dict) -> list:
    """Paths where the wanted watch itself carries ``::es_redacted::`` (e.g. a copy of a GET result)."""
    return [path for path, leaf in leaves(desired) if leaf == REDACTED]


def path_text(path: tuple) -> str:
    return ".".join("[%d]" % key if isinstance(key, int) else str(key) for key in path).replace(".[", "[")


def mask(value, secrets=()):
    """A copy fit for output: secret leaves, iLert keys in request paths and every known secret string masked."""
    secrets = [secret for secret in secrets if secret]
    masked = copy.deepcopy(value)

    def scrub(text):
        for secret in secrets:
            text = text.replace(secret, MASK)
        return text

    for path, leaf in list(leaves(masked)):
        if not path:
            return scrub(leaf) if isinstance(leaf, str) else leaf
        if is_secret_path(path) and leaf not in (None, REDACTED):
            _set(masked, path, MASK)
        elif isinstance(leaf, str) and path[-1] == "path":
            _set(masked, path, _ILERT_EVENTS_PATH.sub(_masked_key, scrub(leaf)))
        elif isinstance(leaf, str) and path[-1] == "body":
            _set(masked, path, _ILERT_EVENTS_BODY_KEY.sub(_masked_key, scrub(leaf)))
        elif isinstance(leaf, str):
            _set(masked, path, scrub(leaf))
    return masked


def ilert_keys_posted_to(watch: dict) -> set:
    """The iLert integration keys the actions of a stored watch post to: in an events URL path or an Events API body.

    Only the request parts of actions count (``path`` and ``body`` leaves), so a key quoted in
    metadata or in a search does not make a watch an iLert watch.
    """
    keys = set()
    for path, leaf in leaves((watch or {}).get("actions") or {}):
        if not isinstance(leaf, str) or not path or not isinstance(path[-1], str):
            continue
        if path[-1] == "path":
            keys.update(unquote(match.group(2)) for match in _ILERT_EVENTS_PATH.finditer(leaf))
        elif path[-1] == "body":
            keys.update(match.group(2) for match in _ILERT_EVENTS_BODY_KEY.finditer(leaf))
    return keys


def secret_strings(value) -> set:
    """Every secret string in module options holding watches: what mask() hides, found anywhere.

    Passwords and Authorization headers, iLert keys in events paths and bodies, also inside a
    ``definition`` given as JSON text.
    """
    found = set()
    for path, leaf in leaves(value):
        if not isinstance(leaf, str) or not leaf or leaf == REDACTED or not path:
            continue
        if is_secret_path(path):
            found.add(leaf)
        elif path[-1] == "path":
            found.update(match.group(2) for match in _ILERT_EVENTS_PATH.finditer(leaf) if match.group(2) not in _NOT_A_KEY)
        elif path[-1] == "body":
            found.update(match.group(2) for match in _ILERT_EVENTS_BODY_KEY.finditer(leaf) if match.group(2) not in _NOT_A_KEY)
        elif path[-1] == "definition" and leaf.lstrip().startswith("{"):
            try:
                found.update(secret_strings(json.loads(leaf)))
            except ValueError:
                pass
    # A key quoted in an events URL stands for itself too.
    return found | {unquote(secret) for secret in found}


def hide_in_results(module) -> None:
    """Keep the secrets written into watch options out of everything the module returns.

    ansible-core before 2.19 returns the module's options (``invocation``) with looped task results
    and shows them at -vvv; watch bodies are free-form, so no_log on an option cannot cover them.
    """
    module.no_log_values.update(secret_strings(module.params))
