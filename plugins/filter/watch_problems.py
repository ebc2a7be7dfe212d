# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter ilert.watcher.watch_problems: what es_watch would refuse in a list of alert sources with watches."""

from __future__ import annotations

DOCUMENTATION = r"""
name: watch_problems
short_description: What is wrong with the watches of eswatcher_sources, found before any request
version_added: 0.1.0
description:
  - Checks every watch of every present alert source in a list shaped like the C(eswatcher_sources) of the
    ilert.watcher.eswatcher role exactly as M(ilert.watcher.es_watch) would, without sending a request, and
    returns one message per problem.
  - A watch declared under more than one present source is a problem too, since a watch posts to one source.
  - The role calls it first, so that a bad watch fails the play before an alert source is created for it.
author:
  - ilert.watcher maintainers (@ilert-watcher)
options:
  _input:
    description: The alert sources, each with C(name) and C(watches).
    type: list
    elements: dict
    required: true
  cluster_watches:
    description:
      - The watches of one Elasticsearch cluster by alert source name (the role's C(eswatcher_cluster_watches)),
        checked with the watches of their source.
      - Each name must be one of the alert sources.
    type: dict
    version_added: 0.1.0
"""

EXAMPLES = r"""
- name: Nothing is written until every watch is one es_watch accepts
  ansible.builtin.assert:
    that: eswatcher_sources | ilert.watcher.watch_problems | length == 0
"""

RETURN = r"""
_value:
  description: One message per problem, naming the source, the watch and what is wrong; empty when all is well.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import WatchError, check_watch_id, wanted_watch
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import plain, source_watches

PARTS = ("definition", "trigger", "input", "condition", "actions", "transform", "throttle_period", "metadata")
# Stands in for the source's integration key, which a check before any request cannot know yet.
STAND_IN_KEY = "il1eswatcher0stand0in0for0the0key"


def module_params(watch: dict) -> dict:
    """The options es_watch gets from the role for one watch (the es_watches entry of tasks/main.yml).

    The stand-in key also fills in the key placeholder of a hand-made iLert action, as the source's key will.
    """
    watch = dict((key, plain(watch.get(key)))
                 for key in PARTS + ("id", "ilert_action", "ilert_action_id", "auto_resolve", "summary", "resolve_throttle_period"))
    params = dict((part, watch[part]) for part in PARTS)
    params.update(watch_id=watch["id"], ilert={
        "integration_key": STAND_IN_KEY, "api_url": "https://api.ilert.com", "action_id": watch["ilert_action_id"] or "ilert",
        # Read as the module's argument spec reads them, so that "no" is false here too.
        "auto_resolve": boolean(watch["auto_resolve"], strict=False),
        "add_action": True if watch["ilert_action"] is None else boolean(watch["ilert_action"], strict=False),
        "summary": watch["summary"], "resolve_throttle_period": watch["resolve_throttle_period"],
    })
    return params


def cluster_watches_problems(sources: list, cluster_watches) -> list:
    """What is wrong with the shape of ``eswatcher_cluster_watches``: a dict of watch lists, each under a declared source."""
    if cluster_watches is None:
        return []
    if not isinstance(cluster_watches, dict):
        return ["eswatcher_cluster_watches must be a dict of alert source names to lists of watches, got %s"
                % type(cluster_watches).__name__]
    names = set(source.get("name") for source in sources if isinstance(source, dict))
    problems = []
    for name, watches in cluster_watches.items():
        if name not in names:
            problems.append("eswatcher_cluster_watches names alert source '%s', which eswatcher_sources does not declare" % name)
        elif watches is not None and (not isinstance(watches, list) or not all(isinstance(watch, dict) for watch in watches)):
            problems.append("eswatcher_cluster_watches['%s'] must be a list of watches, each a dict with id" % name)
    return problems


def watch_problems(sources, cluster_watches=None) -> list:
    if not isinstance(sources, list):
        raise AnsibleFilterError("watch_problems expects the list of alert sources, got %s" % type(sources).__name__)
    problems = cluster_watches_problems(sources, cluster_watches)
    if problems:
        return problems
    sources_of = {}  # watch id -> the present sources declaring it: one watch posts to one source
    for source in sources:
        if not isinstance(source, dict) or source.get("state", "present") == "absent":
            continue
        for watch in source_watches(source, cluster_watches):
            if not isinstance(watch, dict) or watch.get("state", "present") == "absent":
                continue
            sources_of.setdefault(watch.get("id"), []).append(source.get("name"))
            if watch.get("definition") is not None and any(watch.get(part) is not None for part in PARTS[1:]):
                problems.append("alert source '%s', watch '%s': definition and the separate parts (%s) are mutually exclusive"
                                % (source.get("name"), watch.get("id"), ", ".join(part for part in PARTS[1:] if watch.get(part) is not None)))
                continue
            try:
                check_watch_id(watch.get("id"))
                wanted_watch(module_params(watch))
            except WatchError as exc:
                problems.append("alert source '%s', watch '%s': %s" % (source.get("name"), watch.get("id"), exc))
    for watch_id, names in sources_of.items():
        if len(names) > 1:
            problems.append("watch '%s' is declared %d times (alert sources %s); a watch posts to one alert source"
                            % (watch_id, len(names), ", ".join("'%s'" % name for name in names)))
    return problems


class FilterModule:
    def filters(self):
        return {"watch_problems": watch_problems}
