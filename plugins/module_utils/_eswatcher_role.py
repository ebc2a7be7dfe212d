# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: a watch of the eswatcher role's ``eswatcher_sources`` as es_watches takes it.

The role keeps the iLert settings of a watch flat (``ilert_action``, ``ilert_action_id``, ``auto_resolve``, ``summary``,
``resolve_throttle_period``) next to its parts; es_watches wants them under ``ilert``, and the key and
API URL come from the alert source. One mapping, used by the role's filters, so the up-front check
sees exactly what the module will get.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

# The key a source that check mode has not created yet stands in with: its watches still report what
# they would do, and nothing is sent with it.
CHECK_MODE_KEY = "check-mode-no-key-yet"
WATCH_PARTS = ("definition", "trigger", "input", "condition", "actions", "transform", "throttle_period", "metadata")
# The role's name of each iLert setting of a watch, and es_watches' name of it under ``ilert``.
ILERT_SETTINGS = (("ilert_action_id", "action_id"), ("auto_resolve", "auto_resolve"), ("summary", "summary"),
                  ("resolve_throttle_period", "resolve_throttle_period"), ("ilert_action", "add_action"))


def plain(value):
    """The value as plain Python data: dicts, lists and untagged scalars.

    ansible-core 2.19+ hands a filter lazy containers, and copy.deepcopy of one deep-copies its templar
    too, with every variable of the task (eswatcher_sources included). The canonical form deep-copies
    each part of a watch, so a check of N watches copied all N watches several times per watch:
    quadratic, over a minute at 50 watches. Tagged strings and numbers (origin, trust) copy a hundred
    times slower than plain ones and the messages do not need their tags. Reading each value here
    renders it as reading it later would have, once.
    """
    if isinstance(value, dict):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool):  # bool cannot be subclassed, so never tagged
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def prunes(source: dict, prune_default) -> bool:
    """Whether the undeclared watches posting to this source's key are deleted (``prune_watches``, else the role's default)."""
    own = source.get("prune_watches")
    return bool(prune_default if own is None else own)


def watch_entry(watch: dict, state: str | None = None) -> dict:
    """One es_watches entry of a role watch; with ``state='absent'`` only what a deletion needs."""
    if state == "absent" or watch.get("state") == "absent":
        return {"watch_id": watch.get("id"), "state": "absent"}
    entry = {"watch_id": watch.get("id"), "state": "present"}
    for option in WATCH_PARTS + ("active", "redacted_values"):
        if watch.get(option) is not None:
            entry[option] = watch[option]
    ilert = dict((option, watch[setting]) for setting, option in ILERT_SETTINGS if watch.get(setting) is not None)
    if ilert:
        entry["ilert"] = ilert
    return entry


def source_watches(source: dict, cluster_watches=None) -> list:
    """The watches of one alert source on one cluster: the source's own ``watches`` (every cluster's), then the
    cluster's watches of that source (``eswatcher_cluster_watches``, by source name)."""
    return list(source.get("watches") or []) + list((cluster_watches or {}).get(source.get("name")) or [])


def watch_set_entries(sources: list, source_results: list, api_url: str, prune_default=False, cluster_watches=None) -> list:
    """Every watch of every present source that does not prune, as one es_watches list, each with its source's key.

    ``source_results`` are the registered results of the role's source loop, in the order of ``sources``.
    The sources that prune are left out: es_watches prunes for one key, so each of them gets an execution of its own.
    ``cluster_watches`` adds the watches of this cluster (``eswatcher_cluster_watches``) to those of their source.
    """
    entries = []
    for source, result in zip(sources, source_results):
        if source.get("state", "present") == "absent" or prunes(source, prune_default):
            continue
        ilert = {"integration_key": str((result or {}).get("integration_key") or CHECK_MODE_KEY), "api_url": str(api_url)}
        for watch in source_watches(source, cluster_watches):
            entry = watch_entry(plain(watch))
            if entry["state"] == "present":
                entry["ilert"] = dict(entry.get("ilert") or {}, **ilert)
            entries.append(entry)
    return entries
