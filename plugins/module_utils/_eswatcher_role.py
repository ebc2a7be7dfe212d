# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: a watch of the eswatcher role's ``eswatcher_sources`` as es_watches takes it.

The role keeps the iLert settings of a watch flat (``ilert_action_id``, ``auto_resolve``, ``summary``,
``resolve_throttle_period``) next to its parts; es_watches wants them under ``ilert``, and the key and
API URL come from the alert source. One mapping, used by the role's filters, so the up-front check
sees exactly what the module will get.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

WATCH_PARTS = ("definition", "trigger", "input", "condition", "actions", "transform", "throttle_period", "metadata")
# The role's name of each iLert setting of a watch, and es_watches' name of it under ``ilert``.
ILERT_SETTINGS = (("ilert_action_id", "action_id"), ("auto_resolve", "auto_resolve"), ("summary", "summary"),
                  ("resolve_throttle_period", "resolve_throttle_period"))


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
