#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ilert_alert_source_info
short_description: List iLert alert sources
version_added: 0.1.0
description:
  - Lists the iLert alert sources visible to the API key, all of them or those matching O(name),
    O(integration_type) and O(id) (every filter given must match).
  - Read-only.
  - Integration keys (which let anyone raise alerts) are left out unless O(include_keys=true).
author:
  - ilert.watcher maintainers (@ilert-watcher)
extends_documentation_fragment:
  - ilert.watcher.ilert
  - ilert.watcher.attributes
  - ilert.watcher.attributes.info_module
  - ilert.watcher.attributes.actiongroup_ilert
options:
  name:
    description:
      - Only sources with exactly this name (case-sensitive). Several sources may share a name.
    type: str
  id:
    description:
      - Only the source with this numeric id. An id that does not exist gives an empty list.
    type: int
  integration_type:
    description:
      - Only sources of this integration type, for example V(ESWATCHER). Any case.
    type: str
  include_templates:
    description:
      - Also return the templates (including the severity and services templates) and event filters of each source.
      - iLert's list leaves them out, and C(setupStatus) and C(autoCreateServices) too, so this reads every matching
        source on its own (one request each).
    type: bool
    default: false
  include_keys:
    description:
      - Also return C(integrationKey) and C(integrationUrl) of each source. For e-mail sources the key is the
        source's e-mail address.
      - They let anyone who has them raise alerts; register the result with C(no_log) when you set this.
    type: bool
    default: false
seealso:
  - module: ilert.watcher.ilert_alert_source
"""

EXAMPLES = r"""
- name: Every Elastic Watcher alert source
  ilert.watcher.ilert_alert_source_info:
    integration_type: ESWATCHER
    api_token: "{{ vault_ilert_api_token }}"
  register: watcher_sources

- name: One source by name, with its templates and its integration key
  ilert.watcher.ilert_alert_source_info:
    name: Elasticsearch production
    include_templates: true
    include_keys: true
    api_token: "{{ vault_ilert_api_token }}"
  no_log: true
  register: es_source_info
"""

RETURN = r"""
alert_sources:
  description:
    - The matching alert sources as iLert returns them, sorted by id. Empty when none matches.
    - Without O(include_templates) they have no templates or filters; without O(include_keys) no
      C(integrationKey) and C(integrationUrl).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 100001
      name: Elasticsearch production
      integrationType: ESWATCHER
      escalationPolicy:
        id: 4001
        name: Default
      teams: []
      active: true
      alertCreation: ONE_ALERT_PER_EMAIL
      status: PENDING
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ilert.watcher.plugins.module_utils._ilert import ILERT_ARGUMENT_SPEC
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_alert_source import run_info

ARGUMENT_SPEC = dict(
    ILERT_ARGUMENT_SPEC,
    name=dict(type="str"),
    id=dict(type="int"),
    integration_type=dict(type="str"),
    include_templates=dict(type="bool", default=False),
    include_keys=dict(type="bool", default=False, no_log=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_info(module)


if __name__ == "__main__":
    main()
