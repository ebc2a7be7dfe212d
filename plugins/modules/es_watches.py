#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: es_watches
short_description: Ensure a set of Elasticsearch Watcher watches exists as declared, in one pass, optionally pruning the others
version_added: 0.1.0
description:
  - Converges a list of watches in one module execution, each exactly as M(ilert.watcher.es_watch) would converge it
    (canonical comparison, O(watches[].active) changes without C(PUT), a re-read when the watch changed meanwhile,
    secrets hidden by Elasticsearch handled by O(watches[].redacted_values)).
  - The stored watches are read with one Query Watches request per 1,000 watches instead of one request per watch.
    Query Watches searches the C(.watches) index, so its answer may lag behind the watches themselves (Watcher's own
    writes are searchable at once, but the status a run of the watch writes is not); a declared watch missing from it
    is looked up with the get watch API before it is created, and an update based on a stale answer is refused by
    Elasticsearch and decided again on a fresh read.
  - Up to O(parallel_requests) watches are written at the same time.
  - A watch that fails does not stop the others. Every watch is decided; the task then fails with one message that
    names each watch that failed and why. Bad input in any entry fails the task before any request is sent.
  - With O(prune=true), a stored watch that is not in O(watches) but whose actions post to O(ilert.integration_key)
    (in the path of an iLert events URL or in the body of an Events API request) is deleted. A watch that does not
    post to that key is never touched.
author:
  - ilert.watcher maintainers (@ilert-watcher)
extends_documentation_fragment:
  - ilert.watcher.elasticsearch
  - ilert.watcher.attributes
  - ilert.watcher.attributes.actiongroup_elasticsearch
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: One diff per watch that changes, headed by its id, holding the top-level parts that change and O(watches[].active), secrets masked.
options:
  watches:
    description:
      - The watches, each with the options of M(ilert.watcher.es_watch). Ids must be unique.
    type: list
    elements: dict
    required: true
    suboptions:
      watch_id:
        description: The id of the watch, without whitespace.
        type: str
        required: true
        aliases: [id]
      state:
        description: V(present) makes the watch exist as declared; V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
      active:
        description: Whether the watch runs on its schedule.
        type: bool
        default: true
      definition:
        description:
          - The whole watch as a dict or a JSON string, as O(ilert.watcher.es_watch#module:definition).
          - Mutually exclusive with the separate parts below.
        type: raw
      trigger:
        description: When the watch runs. Required with O(watches[].state=present) unless O(watches[].definition) is given.
        type: dict
      input:
        description: "What the watch loads into its payload. Defaults to C({none: {}})."
        type: dict
      condition:
        description: "When the actions run. Defaults to C({always: {}})."
        type: dict
      actions:
        description: The actions, by action id.
        type: dict
      transform:
        description: A transform of the payload for all actions.
        type: dict
      throttle_period:
        description: The minimum time between two runs of each action, such as V(15m).
        type: str
      metadata:
        description: Any data kept with the watch and available to it as C(ctx.metadata).
        type: dict
      ilert:
        description:
          - The iLert action of this watch, as O(ilert.watcher.es_watch#module:ilert). Set here, a suboption overrides the
            one of the top-level O(ilert).
        type: dict
        suboptions:
          integration_key:
            description: The integration key of the alert source.
            type: str
          api_url:
            description: The iLert API the action posts to.
            type: str
          action_id:
            description: The id of the action in the watch.
            type: str
          auto_resolve:
            description: Resolve the iLert alert once the condition no longer holds, as O(ilert.watcher.es_watch#module:ilert.auto_resolve).
            type: bool
          add_action:
            description:
              - V(false) adds no iLert action to this watch; the key only fills in the placeholder C(<ilert_integration_key>) of its
                actions, as O(ilert.watcher.es_watch#module:ilert.add_action). Unset, the top-level O(ilert.add_action) applies.
            type: bool
          summary:
            description: With O(watches[].ilert.auto_resolve), the summary of the alert.
            type: str
          resolve_throttle_period:
            description: With O(watches[].ilert.auto_resolve), the minimum time between two C(RESOLVE) events.
            type: str
      redacted_values:
        description: What a secret hidden by Elasticsearch means for the comparison, as O(ilert.watcher.es_watch#module:redacted_values).
        type: str
        choices: [assume_unchanged, always_update]
        default: assume_unchanged
  ilert:
    description:
      - The iLert action of every watch of O(watches), with the options of O(ilert.watcher.es_watch#module:ilert).
        An entry's own O(watches[].ilert) is merged over it.
      - Its O(ilert.integration_key) fills in the key placeholder C(<ilert_integration_key>) in the actions of each watch, as
        O(ilert.watcher.es_watch#module:actions) describes.
      - Without it, a watch gets an iLert action only from its own O(watches[].ilert).
    type: dict
    suboptions:
      integration_key:
        description:
          - The integration key of the iLert alert source. With O(prune=true), the key whose watches are pruned.
        type: str
        required: true
      api_url:
        description: The iLert API the actions post to.
        type: str
        default: https://api.ilert.com
      action_id:
        description: The id of the iLert action in each watch.
        type: str
        default: ilert
      auto_resolve:
        description: Resolve each iLert alert once its condition no longer holds.
        type: bool
        default: false
      add_action:
        description:
          - Whether each watch gets the module's own iLert action. With V(false) the key only fills in the placeholder
            C(<ilert_integration_key>) of the watches' actions, as O(ilert.watcher.es_watch#module:ilert.add_action); O(prune) still
            prunes by this key.
        type: bool
        default: true
      summary:
        description: With O(ilert.auto_resolve), the summary of each alert; defaults to the watch's C(metadata.name), then its id.
        type: str
      resolve_throttle_period:
        description: With O(ilert.auto_resolve), the minimum time between two C(RESOLVE) events of a watch.
        type: str
        default: 5m
  prune:
    description:
      - Delete every stored watch that is not in O(watches) and whose actions post to O(ilert.integration_key).
      - Needs O(ilert.integration_key). Check mode and diff mode show what would be deleted.
      - The cluster is listed whole, so it must hold at most 10,000 watches (the search window of Query Watches).
    type: bool
    default: false
  parallel_requests:
    description:
      - How many watches are read again or written at the same time.
      - V(1) converges one watch after the other.
    type: int
    default: 4
notes:
  - Watcher needs a trial or paid licence; on a basic licence Elasticsearch refuses every Watcher call but delete.
  - Query Watches exists since Elasticsearch 7.11; the collection supports 8.x and 9.x clusters.
  - Use M(ilert.watcher.es_watch) for one watch; its return value holds the whole stored watch.
seealso:
  - module: ilert.watcher.es_watch
  - module: ilert.watcher.es_watch_info
  - name: Query watches API
    description: How the stored watches are listed.
    link: https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-watcher-query-watches
"""

EXAMPLES = r"""
# Connection options (hosts, api_key, ...) come from module_defaults for
# group/ilert.watcher.elasticsearch or from the ELASTICSEARCH_* environment variables.
- name: All watches of the alert source, and no other watch posting to its key
  ilert.watcher.es_watches:
    ilert:
      integration_key: "{{ alert_source.integration_key }}"
    prune: true
    watches:
      - id: app-errors
        trigger: {schedule: {interval: 5m}}
        input:
          search:
            request:
              indices: ["logs-app-*"]
              body:
                query: {range: {"@timestamp": {gte: now-5m}}}
        condition: {compare: {ctx.payload.hits.total: {gt: 0}}}
        throttle_period: 15m
      - id: heartbeat
        trigger: {schedule: {interval: 1m}}
        input:
          search:
            request:
              indices: ["heartbeat-*"]
              body:
                query: {range: {"@timestamp": {gte: now-2m}}}
        condition: {compare: {ctx.payload.hits.total: {eq: 0}}}
        ilert:
          auto_resolve: true
          summary: No heartbeat for two minutes
      - id: disk-usage
        definition: "{{ lookup('ansible.builtin.file', 'watches/disk-usage.json') }}"
        active: false
  register: watches

- name: Which watches changed
  ansible.builtin.debug:
    msg: "{{ watches.watches | selectattr('changed') | map(attribute='watch_id') | list }}"
"""

RETURN = r"""
watches:
  description:
    - One entry per watch, in the order of O(watches), then the pruned watches.
    - When the task failed because of a bad entry or because the watches could not be listed, the list is empty.
  returned: always
  type: list
  elements: dict
  contains:
    watch_id:
      description: The id of the watch.
      type: str
      sample: app-errors
    operation:
      description: What was done (or would be done in check mode); V(null) when the watch failed.
      type: str
      choices: [created, updated, activated, deactivated, deleted, none]
      sample: none
    changed:
      description: Whether the watch changed (or would change in check mode).
      type: bool
    active:
      description: Whether the watch is active after the task; V(null) when absent or failed.
      type: bool
    pruned:
      description: Present and V(true) for a watch deleted by O(prune).
      type: bool
    failed:
      description: Present and V(true) for a watch that could not be converged.
      type: bool
    status:
      description: For a watch that failed on an Elasticsearch answer, its HTTP status.
      type: int
      sample: 400
    error_type:
      description: For a watch that failed on an Elasticsearch answer, the type of its error.
      type: str
      sample: illegal_argument_exception
    msg:
      description: What happened to this watch, in one sentence.
      type: str
      sample: watch 'app-errors' already up to date
msg:
  description: What happened, in one sentence, with the number of watches per operation, or each watch that failed and why.
  returned: always
  type: str
  sample: "3 watches: 1 created, 2 already as declared"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ilert.watcher.plugins.module_utils._elasticsearch import (
    ELASTICSEARCH_MUTUALLY_EXCLUSIVE,
    ELASTICSEARCH_REQUIRED_BY,
    ELASTICSEARCH_REQUIRED_TOGETHER,
    connect,
    elasticsearch_argument_spec,
)
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import WatchError
from ansible_collections.ilert.watcher.plugins.module_utils._es_watches import EsWatchSet, watch_set_argument_spec
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import hide_in_results


def main():
    argument_spec = elasticsearch_argument_spec()
    argument_spec.update(watch_set_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=ELASTICSEARCH_MUTUALLY_EXCLUSIVE,
        required_together=ELASTICSEARCH_REQUIRED_TOGETHER,
        required_by=ELASTICSEARCH_REQUIRED_BY,
        supports_check_mode=True,
    )
    hide_in_results(module)
    if module.params["parallel_requests"] < 1:
        module.fail_json(msg="parallel_requests must be 1 or more, got %d" % module.params["parallel_requests"])
    try:
        watch_set = EsWatchSet(module)
    except WatchError as exc:
        module.fail_json(msg=str(exc), changed=False, watches=[])
    result = watch_set.run(connect(module))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
