#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: es_watch
short_description: Ensure an Elasticsearch Watcher watch exists as declared, is active or not, or is absent
version_added: 0.1.0
description:
  - Creates, updates, activates, deactivates or deletes one Watcher watch, and does nothing when the
    watch already is as declared.
  - Elasticsearch never returns a watch as it was sent; it stores a canonical form (defaults filled
    in, C(throttle_period) as milliseconds, webhook URLs split into their parts, lower-case methods,
    string scripts as objects, and so on). The module brings the wanted watch into that same form
    before it compares, so a watch written in any accepted spelling, such as one exported from
    Kibana, is stable from the second run on.
  - A change of O(active) alone uses the activate or deactivate API, so acknowledgements, throttling
    and the execution history survive. The watch is sent again (C(PUT)) only when its definition
    differs, with O(active) and the sequence number of the read; if the watch changed in between, the
    module reads it again and decides again (at most three times).
  - O(ilert) adds the webhook action that sends alerts to an iLert alert source, exactly as iLert's
    Elastic Watcher integration documents it.
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
    details: The diff holds the top-level parts of the watch that change, and O(active), with secrets masked.
options:
  watch_id:
    description:
      - The id of the watch. It must not contain whitespace.
    type: str
    required: true
    aliases: [id]
  state:
    description:
      - V(present) makes the watch exist as declared; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  active:
    description:
      - Whether the watch runs on its schedule.
    type: bool
    default: true
  definition:
    description:
      - The whole watch, as a dict or as a JSON string (for example C(lookup('file', 'watch.json')) of a
        watch exported from Kibana). The answer of the get watch API is accepted too; its C(watch) is used.
      - Allowed top-level fields are C(trigger), C(input), C(condition), C(transform), C(throttle_period),
        C(throttle_period_in_millis), C(actions) and C(metadata); any other is refused before a request is sent.
      - Mutually exclusive with O(trigger), O(input), O(condition), O(actions), O(transform),
        O(throttle_period) and O(metadata).
    type: raw
  trigger:
    description:
      - "When the watch runs, for example C({schedule: {interval: 5m}}). Required with O(state=present)
        unless O(definition) is given."
    type: dict
  input:
    description:
      - "What the watch loads into its payload. Defaults to C({none: {}})."
    type: dict
  condition:
    description:
      - "When the actions run. Defaults to C({always: {}})."
    type: dict
  actions:
    description:
      - The actions, by action id.
      - The text C(<ilert_integration_key>) in any string of an action (in a C(path) or C(url) also URL-encoded as
        C(%3Cilert_integration_key%3E)) is replaced by O(ilert.integration_key) before the watch is compared or sent, so a
        hand-made iLert action can be kept without writing the key down. Without O(ilert.integration_key) such a watch is
        refused. Outside the actions, for example in O(metadata), the text stays as it is.
    type: dict
  transform:
    description:
      - A transform of the payload for all actions.
    type: dict
  throttle_period:
    description:
      - The minimum time between two runs of each action, such as V(15m).
    type: str
  metadata:
    description:
      - Any data kept with the watch and available to it as C(ctx.metadata).
    type: dict
  ilert:
    description:
      - Adds the webhook action that posts the watch's execution context to an iLert alert source.
      - Its O(ilert.integration_key) also fills in the key placeholder C(<ilert_integration_key>) of O(actions) (or of the
        actions of O(definition)).
    type: dict
    suboptions:
      integration_key:
        description:
          - The integration key of the iLert alert source, for example the C(integration_key) returned by the
            C(ilert.watcher.ilert_alert_source) module. Anyone who has it can raise alerts.
          - It replaces every C(<ilert_integration_key>) in the strings of the watch's actions (URL-quoted where a C(path) or
            C(url) holds the placeholder as C(%3Cilert_integration_key%3E)). Return values and diffs show it as C(********).
        type: str
        required: true
      api_url:
        description:
          - The iLert API the webhook posts to.
        type: str
        default: https://api.ilert.com
      action_id:
        description:
          - The id of the action in the watch. An action of the same id in O(actions) is an error.
          - With O(ilert.auto_resolve), the resolving action is named after it with C(_resolve) appended.
        type: str
        default: ilert
      auto_resolve:
        description:
          - Resolve the iLert alert once the condition no longer holds, which iLert's stock Watcher integration cannot do.
          - The watch condition becomes C(always); an action with the condition of the watch sends an C(ALERT) event and
            an action with its negation sends a C(RESOLVE) event to iLert's Events API, both with the watch id as alert key.
          - The watch then records an execution with its actions checked on every run. Only conditions that can be
            negated are accepted (C(always), C(never), C(compare) and C(array_compare) with one operator), not scripts.
        type: bool
        default: false
      add_action:
        description:
          - Whether the module adds its own iLert action (or, with O(ilert.auto_resolve), the C(ALERT) / C(RESOLVE) pair).
          - V(false) keeps the actions as written, for a hand-made iLert action that posts with the key placeholder
            C(<ilert_integration_key>); O(ilert.integration_key) then only fills in that placeholder.
          - V(false) together with O(ilert.auto_resolve=true) is an error.
        type: bool
        default: true
      summary:
        description:
          - With O(ilert.auto_resolve), the summary of the alert. Defaults to C(metadata.name), then the watch id.
        type: str
      resolve_throttle_period:
        description:
          - With O(ilert.auto_resolve), the minimum time between two C(RESOLVE) events, so that a healthy watch does
            not send one on every run. The throttle also runs after a C(RESOLVE) that found no open alert, so an
            alert is resolved at most this long after its condition cleared.
        type: str
        default: 5m
  redacted_values:
    description:
      - What a secret hidden by Elasticsearch in the stored watch (C(::es_redacted::), for basic-auth
        passwords and C(Authorization) headers) means for the comparison.
      - V(assume_unchanged) takes the declared secret as equal to the stored one, so a watch with
        secrets is stable; a new secret alone is then not sent.
      - V(always_update) takes it as different, so the watch is sent again, and reported as changed, on
        every run.
      - A declared value of C(::es_redacted::) itself, as in a copy of a read watch, is accepted only where Elasticsearch
        hides secrets and only as long as nothing has to be written. A watch that must be created or sent again
        while an C(Authorization) header is C(::es_redacted::) fails before anything is written (that text would be
        stored as the header), and so does a new watch with an C(::es_redacted::) password.
    type: str
    choices: [assume_unchanged, always_update]
    default: assume_unchanged
notes:
  - Watcher needs a trial or paid licence; on a basic licence Elasticsearch refuses every Watcher call but delete.
  - Use the 9.x C(elasticsearch) Python library with 9.x clusters and the 8.x library with 8.x clusters.
seealso:
  - module: ilert.watcher.es_watch_info
  - name: Watcher API
    description: The Elasticsearch API this module uses.
    link: https://www.elastic.co/docs/api/doc/elasticsearch/group/endpoint-watcher
"""

EXAMPLES = r"""
# Connection options (hosts, api_key, ...) come from module_defaults for
# group/ilert.watcher.elasticsearch or from the ELASTICSEARCH_* environment variables.
- name: Errors in the application logs raise an alert in iLert
  ilert.watcher.es_watch:
    watch_id: app-errors
    trigger:
      schedule:
        interval: 5m
    input:
      search:
        request:
          indices: ["logs-app-*"]
          body:
            query:
              bool:
                filter:
                  - term: {log.level: error}
                  - range: {"@timestamp": {gte: now-5m}}
    condition:
      compare:
        ctx.payload.hits.total:
          gt: 0
    throttle_period: 15m
    metadata:
      name: Errors in the application logs
      team: platform
    ilert:
      integration_key: "{{ alert_source.integration_key }}"

- name: A hand-made iLert action kept as written, the key filled in from the alert source
  ilert.watcher.es_watch:
    watch_id: app-errors-own-action
    trigger:
      schedule:
        interval: 5m
    actions:
      page:
        throttle_period: 30m
        webhook:
          scheme: https
          host: api.ilert.com
          port: 443
          method: post
          path: /api/v1/events/eswatcher/<ilert_integration_key>
          headers:
            Content-Type: application/json
            X-Team: platform
          body: '{"summary": "Errors in the application logs"}'
    ilert:
      integration_key: "{{ alert_source.integration_key }}"
      add_action: false

- name: A watch exported from Kibana, kept but not running
  ilert.watcher.es_watch:
    watch_id: disk-usage
    definition: "{{ lookup('ansible.builtin.file', 'watches/disk-usage.json') }}"
    active: false

- name: No more watch
  ilert.watcher.es_watch:
    watch_id: disk-usage
    state: absent
"""

RETURN = r"""
watch_id:
  description: The id of the watch.
  returned: always
  type: str
  sample: app-errors
watch:
  description:
    - The watch in the canonical form Elasticsearch stores, with passwords, C(Authorization) headers and
      the iLert integration key masked; what it would be in check mode; V(null) when absent.
  returned: always
  type: dict
  sample:
    trigger: {schedule: {interval: 5m}}
    input: {none: {}}
    condition: {always: {}}
    actions:
      ilert:
        webhook:
          scheme: https
          host: api.ilert.com
          port: 443
          method: post
          path: /api/v1/events/eswatcher/********
          params: {}
          headers: {Content-Type: application/json}
          body: "{{#toJson}}ctx{{/toJson}}"
active:
  description: Whether the watch is active; V(null) when absent.
  returned: always
  type: bool
  sample: true
operation:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  choices: [created, updated, activated, deactivated, deleted, none]
  sample: none
msg:
  description: What happened, in one sentence.
  returned: always
  type: str
  sample: watch 'app-errors' already up to date
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ilert.watcher.plugins.module_utils._elasticsearch import (
    ELASTICSEARCH_MUTUALLY_EXCLUSIVE,
    ELASTICSEARCH_REQUIRED_BY,
    ELASTICSEARCH_REQUIRED_TOGETHER,
    connect,
    elasticsearch_argument_spec,
)
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import (
    WATCH_MUTUALLY_EXCLUSIVE,
    WATCH_REQUIRED_IF,
    EsWatch,
    WatchError,
    watch_argument_spec,
)
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import hide_in_results


def main():
    argument_spec = elasticsearch_argument_spec()
    argument_spec.update(watch_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=ELASTICSEARCH_MUTUALLY_EXCLUSIVE + WATCH_MUTUALLY_EXCLUSIVE,
        required_together=ELASTICSEARCH_REQUIRED_TOGETHER,
        required_by=ELASTICSEARCH_REQUIRED_BY,
        required_if=WATCH_REQUIRED_IF,
        supports_check_mode=True,
    )
    hide_in_results(module)
    try:
        watch = EsWatch(module, None)
    except WatchError as exc:
        module.fail_json(msg=str(exc))
    watch.client = connect(module)
    watch.run()


if __name__ == "__main__":
    main()
