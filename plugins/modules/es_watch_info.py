#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: es_watch_info
short_description: Read Elasticsearch Watcher watches and their status
version_added: 0.1.0
description:
  - Returns one watch by id, or the watches that match ids and metadata values through the Query Watches
    API, each with its status (active, last checked, last met condition, the acknowledgement state of each
    action) and its definition with passwords and C(Authorization) headers masked.
author:
  - ilert.watcher maintainers (@ilert-watcher)
extends_documentation_fragment:
  - ilert.watcher.elasticsearch
  - ilert.watcher.attributes
  - ilert.watcher.attributes.info_module
  - ilert.watcher.attributes.actiongroup_elasticsearch
options:
  watch_id:
    description:
      - One watch, by id. Mutually exclusive with O(ids), O(metadata), O(offset) and O(limit).
    type: str
    aliases: [id]
  ids:
    description:
      - The watches with these ids.
    type: list
    elements: str
  metadata:
    description:
      - The watches whose C(metadata) has all these values (strings are matched whole).
    type: dict
  offset:
    description:
      - How many matching watches, sorted by id, to skip. Below 10000, the most watches the Query Watches API lists
        without sorting; when more than 10000 watches match, the module fails and asks for a narrower search.
    type: int
    default: 0
  limit:
    description:
      - At most this many watches. Without it, every matching watch is returned.
    type: int
  ilert_integration_keys:
    description:
      - iLert integration keys by a label of your choice, such as the alert source's id or name (for example
        C({{ sources.alert_sources | items2dict(key_name='id', value_name='integrationKey') }}) over the result of
        M(ilert.watcher.ilert_alert_source_info) with O(ilert.watcher.ilert_alert_source_info#module:include_keys=true)).
      - Each watch returned then gives the labels of the keys its actions post to (RV(watches[].ilert_alert_sources)), and
        in its definition such a key reads C(<ilert_integration_key>), the text that M(ilert.watcher.es_watch) replaces with
        its O(ilert.watcher.es_watch#module:ilert.integration_key). So a watch read here can be declared again as it is,
        and no key is ever returned. C(playbooks/export.yml) uses it.
    type: dict
notes:
  - Query Watches needs Elasticsearch 7.11 or later.
seealso:
  - module: ilert.watcher.es_watch
"""

EXAMPLES = r"""
- name: One watch
  ilert.watcher.es_watch_info:
    watch_id: app-errors
  register: app_errors

- name: The watches of one team
  ilert.watcher.es_watch_info:
    metadata:
      team: platform
  register: platform_watches

- name: Is it acknowledged?
  ansible.builtin.debug:
    msg: "{{ app_errors.watches[0].ack_states }}"
  when: app_errors.watches | length > 0
"""

RETURN = r"""
watches:
  description: The watches found, sorted by id; an empty list when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    watch_id:
      description: The id of the watch.
      type: str
      sample: app-errors
    active:
      description: Whether the watch runs on its schedule.
      type: bool
      sample: true
    last_checked:
      description: When the watch last ran, if ever.
      type: str
      sample: "2026-12-01T08:30:00.000Z"
    last_met_condition:
      description: When its condition was last met, if ever.
      type: str
      sample: "2026-12-01T08:30:00.000Z"
    ack_states:
      description: The acknowledgement state of each action (C(awaits_successful_execution), C(ackable) or C(acked)).
      type: dict
      sample: {ilert: ackable}
    status:
      description: The whole status as Elasticsearch returns it.
      type: dict
    watch:
      description:
        - The watch definition as Elasticsearch returns it, with passwords and C(Authorization) headers masked, and the
          integration key in iLert events URLs and Events API bodies masked, or written C(<ilert_integration_key>) for the
          keys of O(ilert_integration_keys).
      type: dict
    ilert_alert_sources:
      description: The labels of O(ilert_integration_keys) whose key the actions of the watch post to, sorted.
      type: list
      elements: str
      sample: ["100001"]
    other_ilert_keys:
      description:
        - How many iLert integration keys the actions post to (in an iLert events URL or an Events API body) that are not
          among O(ilert_integration_keys); for example the key of a deleted alert source.
      type: int
      sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ilert.watcher.plugins.module_utils._elasticsearch import (
    ELASTICSEARCH_MUTUALLY_EXCLUSIVE,
    ELASTICSEARCH_REQUIRED_BY,
    ELASTICSEARCH_REQUIRED_TOGETHER,
    connect,
    elasticsearch_argument_spec,
    fail_from_error,
)
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch_info import RESULT_WINDOW, TooManyWatches, get_one, query


def main():
    argument_spec = elasticsearch_argument_spec()
    argument_spec.update(
        watch_id=dict(type="str", aliases=["id"]),
        ids=dict(type="list", elements="str"),
        metadata=dict(type="dict"),
        offset=dict(type="int", default=0),
        limit=dict(type="int"),
        ilert_integration_keys=dict(type="dict", no_log=True),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=ELASTICSEARCH_MUTUALLY_EXCLUSIVE + [("watch_id", "ids"), ("watch_id", "metadata"), ("watch_id", "limit")],
        required_together=ELASTICSEARCH_REQUIRED_TOGETHER,
        required_by=ELASTICSEARCH_REQUIRED_BY,
        supports_check_mode=True,
    )
    params = module.params
    for option in ("offset", "limit"):
        if params[option] is not None and params[option] < 0:
            module.fail_json(msg="%s must be 0 or greater, got %d" % (option, params[option]))
    if params["offset"] >= RESULT_WINDOW:
        module.fail_json(msg="offset must be below %d, got %d: the Query Watches API pages no further (index.max_result_window); "
                             "narrow the search with ids or metadata instead" % (RESULT_WINDOW, params["offset"]))
    client = connect(module)
    try:
        if params["watch_id"] is not None:
            watches = get_one(client, params["watch_id"], params["ilert_integration_keys"])
        else:
            watches = query(client, params["ids"], params["metadata"], params["offset"], params["limit"], params["ilert_integration_keys"])
    except TooManyWatches as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # pylint: disable=broad-exception-caught
        fail_from_error(module, exc, "Cannot read watches")
    module.exit_json(changed=False, watches=watches)


if __name__ == "__main__":
    main()
