# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter ilert.watcher.watch_entries: the watches of one alert source of eswatcher_sources as es_watches takes them."""

from __future__ import annotations

DOCUMENTATION = r"""
name: watch_entries
short_description: The watches of one alert source of eswatcher_sources, as the watches option of es_watches
version_added: 0.1.0
description:
  - Turns the watches of one alert source, written as the ilert.watcher.eswatcher role takes them (iLert settings
    such as C(auto_resolve) and C(ilert_action_id) next to the watch parts), into the O(ilert.watcher.es_watches#module:watches)
    entries of M(ilert.watcher.es_watches) (those settings under C(ilert)).
  - Options left out or null are left out, so the module's defaults apply.
author:
  - ilert.watcher maintainers (@ilert-watcher)
options:
  _input:
    description: The watches of one alert source, each with at least C(id).
    type: list
    elements: dict
    required: true
  state:
    description: V(absent) turns every watch into a deletion, as when its alert source is removed.
    type: str
    choices: [present, absent]
"""

EXAMPLES = r"""
- name: The watches of one alert source, in one module execution
  ilert.watcher.es_watches:
    ilert:
      integration_key: "{{ source_result.integration_key }}"
    watches: "{{ source.watches | ilert.watcher.watch_entries }}"
"""

RETURN = r"""
_value:
  description: The es_watches entries, in the order of the input.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import watch_entry, watch_set_entries


def watch_entries(watches, state=None) -> list:
    if watches is None:
        return []
    if not isinstance(watches, list) or not all(isinstance(watch, dict) for watch in watches):
        raise AnsibleFilterError("watch_entries expects the list of watches of one alert source, each a dict with id")
    return [watch_entry(watch, state) for watch in watches]


def watch_set_entries_filter(sources, source_results, api_url, prune_default=False) -> list:
    if not isinstance(sources, list) or not isinstance(source_results, list) or len(sources) != len(source_results):
        raise AnsibleFilterError("watch_set_entries expects eswatcher_sources and the results of the source loop, one per source")
    return watch_set_entries(sources, source_results, api_url, prune_default)


class FilterModule:
    def filters(self):
        return {"watch_entries": watch_entries, "watch_set_entries": watch_set_entries_filter}
