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
  - The role calls it first, so that a bad watch fails the play before an alert source is created for it.
author:
  - ilert.watcher maintainers (@ilert-watcher)
options:
  _input:
    description: The alert sources, each with C(name) and C(watches).
    type: list
    elements: dict
    required: true
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
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import plain

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


def watch_problems(sources) -> list:
    if not isinstance(sources, list):
        raise AnsibleFilterError("watch_problems expects the list of alert sources, got %s" % type(sources).__name__)
    problems = []
    for source in sources:
        if not isinstance(source, dict) or source.get("state", "present") == "absent":
            continue
        for watch in source.get("watches") or []:
            if not isinstance(watch, dict) or watch.get("state", "present") == "absent":
                continue
            if watch.get("definition") is not None and any(watch.get(part) is not None for part in PARTS[1:]):
                problems.append("alert source '%s', watch '%s': definition and the separate parts (%s) are mutually exclusive"
                                % (source.get("name"), watch.get("id"), ", ".join(part for part in PARTS[1:] if watch.get(part) is not None)))
                continue
            try:
                check_watch_id(watch.get("id"))
                wanted_watch(module_params(watch))
            except WatchError as exc:
                problems.append("alert source '%s', watch '%s': %s" % (source.get("name"), watch.get("id"), exc))
    return problems


class FilterModule:
    def filters(self):
        return {"watch_problems": watch_problems}
