# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: es_watch_info, watches with their status, secrets masked.

One watch is read with the get watch API; several through the Query Watches API, which can
filter only on ``_id`` and ``metadata.*`` and pages with ``from`` / ``size``. It cannot sort on
``_id`` from Elasticsearch 8.0 on (``indices.id_field_data.enabled`` is off, so the search fails),
so every matching watch is read, unsorted, and sorted by id here before ``offset`` and ``limit``.

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import with_placeholder
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import ilert_keys_posted_to, mask

PAGE_SIZE = 1000
# index.max_result_window of .watches: Query Watches pages no further (from + size).
RESULT_WINDOW = 10000


def metadata_filter(key: str, value) -> dict:
    """A term query on one metadata field; strings are matched whole, through their keyword field."""
    if isinstance(value, str):
        return {"term": {"metadata.%s.keyword" % key: value}}
    return {"term": {"metadata.%s" % key: value}}


def watch_query(ids=None, metadata=None) -> dict:
    filters = []
    if ids:
        filters.append({"ids": {"values": list(ids)}})
    for key, value in sorted((metadata or {}).items()):
        filters.append(metadata_filter(key, value))
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def ilert_view(watch: dict, integration_keys) -> tuple:
    """The watch with the known keys it posts to as KEY_PLACEHOLDER, their labels, and how many other iLert keys it posts to.

    ``integration_keys`` maps a label (an alert source's id, say) to its integration key. The
    placeholder is what es_watch fills with its ``ilert.integration_key``, so a definition read
    here can be declared again without the key ever being written down.
    """
    posted = ilert_keys_posted_to(watch)
    labels = sorted(label for label, key in (integration_keys or {}).items() if key in posted)
    for label in labels:
        watch = dict(watch, actions=with_placeholder(watch.get("actions"), str(integration_keys[label])))
    return watch, labels, len(posted - set(integration_keys[label] for label in labels))


def summary(watch_id: str, watch: dict, status: dict, integration_keys=None) -> dict:
    status = status or {}
    actions = status.get("actions") or {}
    watch, posts_to, others = ilert_view(watch or {}, integration_keys)
    return {
        "watch_id": watch_id,
        "active": bool((status.get("state") or {}).get("active", False)),
        "last_checked": status.get("last_checked"),
        "last_met_condition": status.get("last_met_condition"),
        "ack_states": dict((action_id, ((action or {}).get("ack") or {}).get("state")) for action_id, action in sorted(actions.items())),
        "status": status,
        "watch": mask(watch, list((integration_keys or {}).values())),
        "ilert_alert_sources": posts_to,
        "other_ilert_keys": others,
    }


def get_one(client, watch_id: str, integration_keys=None) -> list:
    try:
        answer = client.watcher.get_watch(id=watch_id).body
    except Exception as exc:  # pylint: disable=broad-exception-caught
        if getattr(getattr(exc, "meta", None), "status", None) == 404:
            return []
        raise
    return [summary(answer["_id"], answer.get("watch"), answer.get("status"), integration_keys)]


class TooManyWatches(Exception):
    """More watches match than Query Watches can list without sorting."""


def query(client, ids=None, metadata=None, offset: int = 0, limit=None, integration_keys=None) -> list:
    """Every matching watch, sorted by id, from ``offset`` on, at most ``limit``."""
    found = {}
    position = total = 0
    while position < RESULT_WINDOW:
        answer = client.watcher.query_watches(query=watch_query(ids, metadata), from_=position,
                                              size=min(PAGE_SIZE, RESULT_WINDOW - position)).body
        page = answer.get("watches") or []
        total = answer.get("count", 0)
        for item in page:
            found.setdefault(item["_id"], item)  # a watch moved between two pages is kept once
        position += len(page)
        if not page or position >= total:
            break
    if total > RESULT_WINDOW:
        raise TooManyWatches("%d watches match, more than the %d that Query Watches lists without sorting; narrow the search"
                             " with ids or metadata" % (total, RESULT_WINDOW))
    ordered = [found[watch_id] for watch_id in sorted(found)]
    ordered = ordered[offset:] if limit is None else ordered[offset:offset + limit]
    return [summary(item["_id"], item.get("watch"), item.get("status"), integration_keys) for item in ordered]
