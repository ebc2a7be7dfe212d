# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter ilert.watcher.watch_entries: the watches of one alert source of eswatcher_sources as es_watches takes them."""

from __future__ import annotations

# No DOCUMENTATION here: ansible-doc would show it for every filter of this file, watch_set_entries too.
# Each filter has its own sidecar, watch_entries.yml and watch_set_entries.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import watch_entry, watch_set_entries


def watch_entries(watches, state=None) -> list:
    if watches is None:
        return []
    if not isinstance(watches, list) or not all(isinstance(watch, dict) for watch in watches):
        raise AnsibleFilterError("watch_entries expects the list of watches of one alert source, each a dict with id")
    return [watch_entry(watch, state) for watch in watches]


def watch_set_entries_filter(sources, source_results, api_url, prune_default=False, cluster_watches=None) -> list:
    if not isinstance(sources, list) or not isinstance(source_results, list) or len(sources) != len(source_results):
        raise AnsibleFilterError("watch_set_entries expects eswatcher_sources and the results of the source loop, one per source")
    if cluster_watches is not None and not isinstance(cluster_watches, dict):
        raise AnsibleFilterError("watch_set_entries expects cluster_watches as a dict of alert source names to lists of watches")
    return watch_set_entries(sources, source_results, api_url, prune_default, cluster_watches)


class FilterModule:
    def filters(self):
        return {"watch_entries": watch_entries, "watch_set_entries": watch_set_entries_filter}
