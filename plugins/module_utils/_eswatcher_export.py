# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: live alert sources and their watches as ``eswatcher_sources``.

What the export writes must converge to what is stored: applying it changes nothing. So every
choice here is checked against es_watch's own decision (``converges``): the watch the role would
build from an entry, compared the way es_watch compares it with the stored watch. Shortening
(Elasticsearch's defaults left out, ``throttle_period: 5m`` for milliseconds), recognising the
role's iLert action and the auto-resolve pair are all tried and kept only where that check holds;
whatever does not pass stays as stored, with a comment saying why.

The watches come from es_watch_info with ``ilert_integration_keys``: the key of a known source
already reads ``<ilert_integration_key>``, which es_watch fills in again, so no key reaches this file.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
import re

from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import WatchError, parts_of, wanted_watch
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import watch_entry
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_alert_source_state import (
    DEFAULT_INTEGRATION_TYPE,
    SERVER_DEFAULTS,
    current_view,
)
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_auto_resolve import DEFAULT_RESOLVE_THROTTLE, RESOLVE_SUFFIX
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import DEFAULT_ACTION_ID, ilert_action, key_placeholder_paths, with_key
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import (
    MASK,
    REDACTED,
    comparable,
    is_secret_path,
    leaves,
    path_text,
    redacted_paths,
)

# The key es_watch is given while an entry is checked: any key works, as the stored watch carries
# the placeholder where the real one was, and is checked with this key filled in the same way.
CHECK_KEY = "il1export0check0key"
_TIME_UNITS = (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000))
_MILLIS_SUFFIXES = ("_in_millis", "_millis")
# How people order a watch: what it is, when, what it reads and decides, what it does, then the role's settings.
ENTRY_ORDER = ("id", "metadata", "trigger", "input", "condition", "transform", "throttle_period", "actions",
               "ilert_action", "ilert_action_id", "auto_resolve", "summary", "resolve_throttle_period", "active", "redacted_values")
_SUMMARY_IN_BODY = re.compile(r'"summary"\s*:\s*("(?:[^"\\]|\\.)*")')


class ExportedWatch:
    """One watch as the role takes it (``entry``), the comments that go above it, and what keeps it from converging (``problem``)."""

    def __init__(self, entry: dict, comments: list, problem=None):
        self.entry = entry
        self.comments = comments
        self.problem = problem


# --- values as people write them -------------------------------------------------------------------
def human_time(millis: int) -> str:
    """``5m`` for 300000: the largest unit that divides the value exactly."""
    if millis == 0:
        return "0s"
    for unit, size in _TIME_UNITS:
        if millis % size == 0:
            return "%d%s" % (millis // size, unit)
    return "%dms" % millis


def _set(value, path: tuple, leaf) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = leaf


# --- the check: what es_watch would decide -------------------------------------------------------------
class Checker:
    """Whether an entry converges to one stored watch, decided as the role and es_watch decide it."""

    def __init__(self, watch_id: str, stored: dict, api_url: str):
        self.watch_id = watch_id
        self.api_url = api_url
        self.stored = parts_of(with_key(stored, CHECK_KEY))
        self.checks = 0

    def converges(self, entry: dict) -> bool:
        self.checks += 1
        params = watch_entry(dict(entry, id=self.watch_id))
        params["ilert"] = dict(params.get("ilert") or {}, integration_key=CHECK_KEY, api_url=self.api_url)
        params.setdefault("redacted_values", "assume_unchanged")
        try:
            wanted = wanted_watch(params)
        except (WatchError, ValueError, TypeError, KeyError, AttributeError):
            return False
        return parts_of(comparable(wanted, self.stored, params["redacted_values"])) == self.stored


# --- the iLert actions ---------------------------------------------------------------------------------
def _auto_resolve_settings(actions: dict, alert_id: str) -> dict:
    """The role settings that would build the pair ``alert_id`` / ``alert_id_resolve`` of a stored watch."""
    alert, resolve = actions[alert_id], actions[alert_id + RESOLVE_SUFFIX]
    settings = {"auto_resolve": True, "condition": copy.deepcopy(alert.get("condition"))}
    if alert_id != DEFAULT_ACTION_ID:
        settings["ilert_action_id"] = alert_id
    millis = resolve.get("throttle_period_in_millis")
    if isinstance(millis, int) and human_time(millis) != DEFAULT_RESOLVE_THROTTLE:
        settings["resolve_throttle_period"] = human_time(millis)
    match = _SUMMARY_IN_BODY.search(str(((alert.get("webhook") or {}).get("body")) or ""))
    if match:
        settings["summary"] = json.loads(match.group(1))
    return settings


def _wired(parts: dict, checker: Checker):
    """(entry, the action ids the role builds) for the first of the role's own iLert wirings that converges, else None."""
    actions = parts.get("actions") or {}
    ordered = sorted(actions, key=lambda action_id: (action_id != DEFAULT_ACTION_ID, action_id))
    for action_id in ordered:
        if action_id + RESOLVE_SUFFIX not in actions:
            continue
        rest = dict((other, action) for other, action in actions.items() if other not in (action_id, action_id + RESOLVE_SUFFIX))
        entry = dict(parts, actions=rest)
        entry.update(_auto_resolve_settings(actions, action_id))
        if entry["condition"] is None:
            del entry["condition"]
        if checker.converges(entry):
            # The summary es_watch falls back on (metadata.name, then the id) is left out when it is that one.
            trial = dict(entry)
            trial.pop("summary", None)
            return (trial if checker.converges(trial) else entry), (action_id, action_id + RESOLVE_SUFFIX)
    for action_id in ordered:
        rest = dict((other, action) for other, action in actions.items() if other != action_id)
        entry = dict(parts, actions=rest)
        if action_id != DEFAULT_ACTION_ID:
            entry["ilert_action_id"] = action_id
        if checker.converges(entry):
            return entry, (action_id,)
    return None


def differences(action: dict, api_url: str) -> list:
    """How a stored action posting to the source differs from the role's iLert action, in words."""
    built = ilert_action(CHECK_KEY, api_url)["webhook"]
    words = []
    for field in ("condition", "transform", "foreach"):
        if action.get(field) is not None:
            words.append("its own %s" % field)
    if action.get("throttle_period_in_millis") is not None:
        words.append("its own throttle_period (%s)" % human_time(action["throttle_period_in_millis"]))
    webhook = action.get("webhook")
    if not isinstance(webhook, dict):
        return words + ["it is not a webhook action"]
    webhook = with_key(webhook, CHECK_KEY)
    if [webhook.get(part) for part in ("scheme", "host", "port")] != [built[part] for part in ("scheme", "host", "port")]:
        words.append("another address (%s://%s:%s, the role posts to %s)" % (webhook.get("scheme"), webhook.get("host"), webhook.get("port"), api_url))
    if webhook.get("path") != built["path"]:
        words.append("it posts to iLert's Events API" if str(webhook.get("path", "")).rstrip("/").endswith("/api/events") else "another path")
    for part, words_for in (("method", "another method"), ("params", "other params"), ("headers", "other headers"), ("body", "another body"),
                            ("auth", "basic auth"), ("proxy", "a proxy"), ("connection_timeout_in_millis", "a connection timeout"),
                            ("read_timeout_millis", "a read timeout")):
        if (webhook.get(part) or None) != (built.get(part) or None):
            words.append(words_for)
    return words or ["a detail the role does not build"]


# --- shortest form -----------------------------------------------------------------------------------------
def _human_times(value, entry, checker) -> None:
    """Milliseconds written by Elasticsearch (``timeout_in_millis``) as the time value people write (``timeout: 90s``)."""
    if not isinstance(value, dict):
        if isinstance(value, list):
            for item in value:
                _human_times(item, entry, checker)
        return
    for key in list(value):
        suffix = next((suffix for suffix in _MILLIS_SUFFIXES if key.endswith(suffix)), None)
        if suffix and isinstance(value[key], int) and not isinstance(value[key], bool) and key[:-len(suffix)] not in value:
            items = list(value.items())
            shorter = dict((key[:-len(suffix)], human_time(item)) if name == key else (name, item) for name, item in items)
            value.clear()
            value.update(shorter)
            if not checker.converges(entry):
                value.clear()
                value.update(items)
        elif key in value:
            _human_times(value[key], entry, checker)


def _drop_defaults(value, entry, checker) -> None:
    """Every key whose absence converges to the same stored watch, left out; subtrees first, then inside what must stay."""
    if isinstance(value, list):
        for item in value:
            _drop_defaults(item, entry, checker)
        return
    if not isinstance(value, dict):
        return
    for key in list(value):
        items = list(value.items())
        del value[key]
        if checker.converges(entry):
            continue
        value.clear()
        value.update(items)
        _drop_defaults(value[key], entry, checker)


def shortest(entry: dict, checker: Checker) -> dict:
    """``entry`` with Elasticsearch's defaults left out and times as people write them, still converging."""
    entry = copy.deepcopy(entry)
    for part in ("trigger", "input", "condition", "transform", "actions", "metadata"):
        if entry.get(part) is not None:
            _human_times(entry[part], entry, checker)
    for part in ("trigger", "input", "condition", "transform", "actions", "metadata"):
        if part not in entry:
            continue
        value = entry.pop(part)
        if checker.converges(entry):
            continue
        entry[part] = value
        if part != "metadata":  # user data: kept whole
            _drop_defaults(value, entry, checker)
        if value in ({}, []):
            del entry[part]
            if not checker.converges(entry):
                entry[part] = value
    return entry


# --- one watch ---------------------------------------------------------------------------------------------
def export_watch(item: dict, api_url: str) -> ExportedWatch:
    """One watch of es_watch_info (its key already the placeholder) as an entry of a source's ``watches``."""
    watch_id = item["watch_id"]
    stored = copy.deepcopy(item.get("watch") or {})
    comments, problem = [], None
    # Secrets es_watch_info masked: Elasticsearch showed them in clear.
    clear = [path for path, leaf in leaves(stored) if leaf == MASK and is_secret_path(path)]
    for path in clear:
        _set(stored, path, REDACTED)
    checker = Checker(watch_id, stored, api_url)
    parts = dict((part, value) for part, value in parts_of(stored).items() if value is not None)
    if isinstance(parts.get("throttle_period_in_millis"), int):
        # The role takes throttle_period only, and people write 5m.
        parts["throttle_period"] = human_time(parts.pop("throttle_period_in_millis"))
    wired = _wired(parts, checker)
    if wired is None:
        entry, built = dict(parts, ilert_action=False), ()
    else:
        entry, built = wired
    for action_id, action in sorted((entry.get("actions") or {}).items()):
        if key_placeholder_paths(action):
            comments.append("Action '%s' posts to this alert source but differs from the action the role builds (%s): kept as it is,"
                            " so that applying this file does not change it." % (action_id, "; ".join(differences(action, api_url))))
    if not built:
        comments.append("ilert_action: false, so the role adds no iLert action of its own; <ilert_integration_key> stands for the"
                        " source's key, which the role fills in.")
    entry = shortest(entry, checker)
    if item.get("active") is False:
        entry["active"] = False
    hidden = redacted_paths(stored)
    if hidden:
        entry["redacted_values"] = "assume_unchanged"
        comments.append("Elasticsearch hides %s (::es_redacted::): kept as hidden, so applying this file leaves them as they are; give the"
                        " real values before the watch can be created anywhere else." % ", ".join(path_text(path) for path in hidden))
    if clear:
        problem = ("Elasticsearch shows %s in clear; the export does not write secrets, so they read ::es_redacted:: here and es_watch"
                   " will refuse to write this watch until they hold the real values (from a vault)." % ", ".join(path_text(path) for path in clear))
    elif not checker.converges(entry):
        problem = "the export found no form of this watch that converges to the stored one; applying this file would change it."
    if problem:
        comments.append("CHECK: " + problem)
    entry["id"] = watch_id
    return ExportedWatch(dict((key, entry[key]) for key in ENTRY_ORDER if key in entry), comments, problem)


# --- one alert source ---------------------------------------------------------------------------------------
def _reference(value):
    """A policy, team, support hours or service by name where iLert gave one, else by id."""
    if not isinstance(value, dict):
        return None
    return value.get("name") if isinstance(value.get("name"), str) and value["name"].strip() else value.get("id")


def source_entry(source: dict) -> tuple:
    """(settings as ilert_alert_source takes them, comments): references by name, iLert's defaults left out."""
    view = current_view(source)
    entry, comments = {"name": source.get("name")}, []
    if view["integration_type"] != DEFAULT_INTEGRATION_TYPE:
        entry["integration_type"] = view["integration_type"]
    if source.get("escalationPolicy"):
        entry["escalation_policy"] = _reference(source["escalationPolicy"])
    for option, field in (("teams", "teams"), ("services", "services")):
        names = [_reference(item) for item in source.get(field) or [] if isinstance(item, dict)]
        if names:
            entry[option] = names
    hours = source.get("supportHours")
    if isinstance(hours, dict) and hours.get("id") is not None:
        entry["support_hours"] = _reference(hours)
    elif isinstance(hours, dict):
        comments.append("Its support hours are a legacy inline definition, which ilert_alert_source cannot declare: left out, and kept.")
    for option, default in sorted(SERVER_DEFAULTS.items()):
        if view[option] != default:
            entry[option] = view[option]
    for option in ("score_threshold", "severity", "alert_grouping_window", "auto_resolution_timeout", "summary_template", "details_template",
                   "routing_template", "alert_key_template", "priority_template", "severity_template", "event_filter",
                   "event_type_filter_create", "event_type_filter_accept", "event_type_filter_resolve"):
        if view.get(option) is not None:
            entry[option] = view[option]
    for option in ("link_templates", "services_template"):
        if view.get(option):
            entry[option] = view[option]
    return entry, comments


# --- everything ---------------------------------------------------------------------------------------------
def export(alert_sources: list, watches: list, api_url: str, names=None) -> dict:
    """``eswatcher_sources`` for the sources (all, or those named) and their watches, and what the file cannot hold.

    Returns ``sources`` (each ``entry``, ``comments``, ``watches`` as ExportedWatch), ``orphans``
    (``(watch id, why)`` of watches posting to a key of no exported source) and ``missing`` (names asked for that exist not).
    """
    by_id = dict((str(source.get("id")), source) for source in alert_sources if isinstance(source, dict))
    wanted = set(names or []) or None
    exported = [source for source in sorted(by_id.values(), key=lambda source: (str(source.get("name")), source.get("id") or 0))
                if wanted is None or source.get("name") in wanted]
    exported_ids = set(str(source.get("id")) for source in exported)
    shared_names = set(name for name in (source.get("name") for source in exported) if [s.get("name") for s in exported].count(name) > 1)
    per_source = dict((str(source.get("id")), []) for source in exported)
    orphans = []
    for item in sorted(watches or [], key=lambda item: item.get("watch_id") or ""):
        labels = [str(label) for label in item.get("ilert_alert_sources") or []]
        mine = [label for label in labels if label in exported_ids]
        if len(labels) == 1 and mine and not item.get("other_ilert_keys"):
            per_source[mine[0]].append(export_watch(item, api_url))
            continue
        if not labels and not item.get("other_ilert_keys"):
            continue  # not an iLert watch
        orphans.append((item.get("watch_id"), _orphan_reason(labels, item.get("other_ilert_keys") or 0, by_id, exported_ids)))
    sources = []
    for source in exported:
        entry, comments = source_entry(source)
        if source.get("name") in shared_names:
            entry = dict([("name", entry.pop("name")), ("id", source.get("id"))] + list(entry.items()))
            comments.append("Several exported alert sources are named '%s': pinned by id." % source.get("name"))
        sources.append({"entry": entry, "comments": comments, "watches": per_source[str(source.get("id"))]})
    missing = sorted(wanted - set(source.get("name") for source in exported)) if wanted else []
    return {"sources": sources, "orphans": orphans, "missing": missing}


def _orphan_reason(labels: list, others: int, by_id: dict, exported_ids: set) -> str:
    names = ", ".join("'%s'" % by_id.get(label, {}).get("name") for label in labels)
    unknown = "%d iLert key%s of no Elastic Watcher alert source visible to this API token (a deleted source?)" % (others, "" if others == 1 else "s")
    if len(labels) + (1 if others else 0) > 1:
        return "posts to %s%s, which one watch entry cannot express (the role wires a watch to one source)" % (
            "alert sources " + names if labels else "", (" and to " if labels else "") + unknown if others else "")
    if labels and labels[0] not in exported_ids:
        return "posts to alert source %s, which is not exported" % names
    return "posts to " + unknown
