#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ilert_alert_source
short_description: Manage an iLert alert source
version_added: 0.1.0
description:
  - Creates, updates or deletes one iLert alert source, found by its O(name) (or pinned by O(id)),
    so that it exists exactly as declared. A second run with the same options reports no change.
  - Only the options you set are compared; whatever you leave out stays as it is in iLert, and
    fields iLert sets itself (status, icons, timestamps, the integration key) never cause a change.
  - iLert replaces an alert source as a whole on update, so the module reads the source with every
    optional field (templates, filters) and sends them back, changing only what you set.
  - New alert sources are created with their setup marked as finished, so the iLert UI does not show
    them as C(Finish setup).
  - The result holds the source's integration key, which lets anyone who has it raise alerts. Register
    the result with C(no_log) on the task, or hand RV(integration_key) / RV(webhook) straight to
    the C(ilert.watcher.es_watch) module without printing it.
author:
  - ilert.watcher maintainers (@ilert-watcher)
extends_documentation_fragment:
  - ilert.watcher.ilert
  - ilert.watcher.attributes
  - ilert.watcher.attributes.actiongroup_ilert
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Shows only the settings that change, in the module's own form (references as ids, durations as ISO-8601).
      - A create shows every setting you gave; a delete shows the settings of the source being removed.
options:
  name:
    description:
      - Name of the alert source. This is how the module finds it.
      - Names are matched exactly (case-sensitive). iLert allows several sources with one name; if more
        than one has this name, the module fails and lists their ids, unless O(id) says which one is meant.
      - With O(id) set, the source with that id is managed and renamed to O(name) if its name differs.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the alert source, V(absent) deletes it (its alerts go with it).
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - Numeric id of the alert source, to pin one source when several share O(name).
      - With O(state=present) the id must exist; the module never creates a source with a given id.
    type: int
  integration_type:
    description:
      - The kind of integration, for example V(ESWATCHER) (Elastic Watcher), V(API), V(PROMETHEUS) or V(EMAIL2).
      - Not checked against a fixed list, since iLert keeps adding types; iLert itself rejects an unknown one.
        Given in any case; sent in upper case.
      - An e-mail source (V(EMAIL2), or the deprecated V(EMAIL)) needs O(email) to be created.
      - Cannot be changed on an existing source. The module refuses, because iLert would have to create
        a new source with a new integration key, and everything posting to the old key would break.
    type: str
    default: ESWATCHER
  escalation_policy:
    description:
      - The escalation policy that alerts of this source follow, by name or by numeric id.
      - Required to create an alert source.
      - A name is looked up (exactly, case-sensitive); if none matches, the message lists close matches.
        A value made only of digits is taken as an id.
    type: raw
  teams:
    description:
      - Teams that own the alert source, by name or numeric id.
      - Compared as a set, so order and duplicates do not matter.
      - V([]) removes every team. Leave the option out to keep the teams the source has.
    type: list
    elements: raw
  services:
    description:
      - Services attached to every alert of this source, by name or numeric id. At most 15.
      - A name is looked up like a team name (exactly, case-sensitive; the alias does not count). An unknown name
        fails the task before anything is written, and the message lists close matches.
      - Compared as a set, so order and duplicates do not matter.
      - V([]) removes every service. Leave the option out to keep the services the source has.
    type: list
    elements: raw
  services_template:
    description:
      - Templates that pick services from each event, in this order. At most 10.
      - Each result is split at commas, and each part is matched to a service by its alias or name
        (case-insensitive); parts that match no service are dropped, unless O(auto_create_services) is set.
      - Mark the templates C(!unsafe) in YAML, as with O(summary_template). Compared as a list of texts.
      - V([]) removes every template. Leave the option out to keep the templates the source has.
    type: list
    elements: str
  auto_create_services:
    description:
      - Create a service for every part of a O(services_template) result that matches no service.
      - iLert's default is V(false).
    type: bool
  email:
    description:
      - The e-mail address an e-mail alert source (O(integration_type=EMAIL2) or V(EMAIL)) receives alerts at.
        iLert keeps it as the source's integration key.
      - Required to create an e-mail source; changing it moves the source to the new address. Refused for other
        types, whose integration key iLert makes itself.
      - Anyone who knows the address can raise alerts, so diffs show it masked; the result holds it as
        RV(integration_key).
    type: str
  support_hours:
    description:
      - Support hours of the alert source, by name or numeric id. They matter with the
        C(*_DURING_SUPPORT_HOURS) values of O(alert_priority_rule).
      - An empty string V("") removes them.
    type: raw
  active:
    description:
      - Whether the alert source accepts events. An inactive source drops them.
      - Always sent on create and update, so V(false) sticks. iLert's default is V(true).
    type: bool
  alert_creation:
    description:
      - How events turn into alerts. iLert's default is V(ONE_ALERT_PER_EMAIL) (every event opens an alert,
        unless its alert key matches an open alert).
      - V(ONE_ALERT_GROUPED_PER_WINDOW) and V(INTELLIGENT_GROUPING) need O(alert_grouping_window).
    type: str
    choices:
      - ONE_ALERT_PER_EMAIL
      - ONE_ALERT_PER_EMAIL_SUBJECT
      - ONE_PENDING_ALERT_ALLOWED
      - ONE_OPEN_ALERT_ALLOWED
      - OPEN_RESOLVE_ON_EXTRACTION
      - ONE_ALERT_GROUPED_PER_WINDOW
      - INTELLIGENT_GROUPING
  alert_grouping_window:
    description:
      - How long events are grouped into one alert, with O(alert_creation=ONE_ALERT_GROUPED_PER_WINDOW)
        or O(alert_creation=INTELLIGENT_GROUPING); the module refuses it with other values.
      - An ISO-8601 duration such as V(PT5M), V(PT1H) or V(P1D), or a short form such as V(5m), V(2h) or V(1h30m).
        iLert accepts V(PT2M), V(PT5M), V(PT15M), V(PT30M), V(PT1H), V(PT2H), V(PT4H), V(PT8H), V(PT12H) and V(PT24H).
      - Compared by length, so V(PT60M) and V(PT1H) are the same and cause no change.
    type: str
  score_threshold:
    description:
      - Similarity score between V(0) and V(1) above which events are grouped, with O(alert_creation=INTELLIGENT_GROUPING).
    type: float
  auto_resolution_timeout:
    description:
      - Resolve an alert automatically when it had no event for this long. Same formats as O(alert_grouping_window);
        iLert accepts V(PT10M) to V(PT60M) in steps of ten minutes, V(PT90M), V(PT2H) to V(PT6H), V(PT12H) and V(PT24H).
      - An empty string V("") removes it (alerts are never resolved automatically).
    type: str
  alert_priority_rule:
    description:
      - Priority of new alerts. iLert's default is V(HIGH). The C(*_DURING_SUPPORT_HOURS) rules use O(support_hours).
    type: str
    choices: [HIGH, LOW, HIGH_DURING_SUPPORT_HOURS, LOW_DURING_SUPPORT_HOURS]
  severity:
    description:
      - Severity of new alerts, from V(1) (SEV1, the most severe) to V(5).
    type: int
    choices: [1, 2, 3, 4, 5]
  summary_template:
    description:
      - Template (iLert Template Language) for the alert summary, for example V({{ watch_id }} fired).
      - iLert templates use C({{ }}) like Jinja, so mark them C(!unsafe) in YAML (as in the examples) to keep
        Ansible from evaluating them.
      - Compared as text. An empty string V("") removes the template.
    type: str
  details_template:
    description:
      - Template for the alert details. Compared as text; V("") removes it.
    type: str
  routing_template:
    description:
      - Template whose result picks the escalation policy by its routing key. Compared as text; V("") removes it.
    type: str
  alert_key_template:
    description:
      - Template for the alert key; events with the same key are grouped into one open alert. Compared as text;
        V("") removes it.
    type: str
  link_templates:
    description:
      - Links shown on every alert, in this order. At most 10.
      - V([]) removes every link. Leave the option out to keep the links the source has.
    type: list
    elements: dict
    suboptions:
      text:
        description:
          - The link's text (a template).
        type: str
        required: true
      href:
        description:
          - The link's URL (a template).
        type: str
        required: true
  priority_template:
    description:
      - Sets the alert priority from a value in the event. Give both O(priority_template.value_template)
        and O(priority_template.mappings); V({}) removes the priority template.
      - Mappings are compared as a set, keyed by their value.
    type: dict
    suboptions:
      value_template:
        description:
          - Template whose result is looked up in O(priority_template.mappings).
        type: str
      mappings:
        description:
          - Which result gives which priority.
        type: list
        elements: dict
        suboptions:
          value:
            description:
              - A result of O(priority_template.value_template).
            type: str
            required: true
          priority:
            description:
              - The priority of alerts whose template result is O(priority_template.mappings[].value).
            type: str
            required: true
            choices: [HIGH, LOW]
  severity_template:
    description:
      - Sets the alert severity from a value in the event, like O(priority_template). Give both
        O(severity_template.value_template) and O(severity_template.mappings); V({}) removes the severity template.
      - Mappings are compared as a set, keyed by their value.
    type: dict
    suboptions:
      value_template:
        description:
          - Template whose result is looked up in O(severity_template.mappings).
        type: str
      mappings:
        description:
          - Which result gives which severity.
        type: list
        elements: dict
        suboptions:
          value:
            description:
              - A result of O(severity_template.value_template).
            type: str
            required: true
          severity:
            description:
              - The severity (V(1) is SEV1, the most severe) of alerts whose template result is O(severity_template.mappings[].value).
            type: int
            required: true
            choices: [1, 2, 3, 4, 5]
  event_filter:
    description:
      - Condition (iLert Condition Language) an event must meet to be accepted at all. V("") removes it.
    type: str
  event_type_filter_create:
    description:
      - Condition under which an event creates an alert. V("") removes it.
    type: str
  event_type_filter_accept:
    description:
      - Condition under which an event accepts an alert. V("") removes it.
    type: str
  event_type_filter_resolve:
    description:
      - Condition under which an event resolves an alert. V("") removes it.
    type: str
notes:
  - Settings this module does not offer (the legacy e-mail filters, ...) are kept as they are on update.
  - Names of escalation policies, teams, support hours and services are resolved with one paginated list request
    per kind, and only when the source does not already refer to an entity of that name.
  - iLert does not enforce unique names. Runs that look for a source at the same moment may each create one, so
    after a create the module looks again; the oldest source of the name (the lowest id) stays, a younger copy
    made by this run is deleted (with a warning) and the oldest is used. A create whose answer is lost (timeout,
    5xx) is looked for before it is repeated. What remains is a source of the same name made by hand or by another
    tool that does not look again; the next run then fails with a message listing the ids, until one is deleted
    or O(id) pins it.
seealso:
  - module: ilert.watcher.ilert_alert_source_info
  - name: iLert alert sources
    description: iLert's documentation of alert sources.
    link: https://docs.ilert.com/alerting/alert-sources
"""

EXAMPLES = r"""
- name: An Elastic Watcher alert source paging the Default policy
  ilert.watcher.ilert_alert_source:
    name: Elasticsearch production
    escalation_policy: Default
    teams: [Platform, Observability]
    api_token: "{{ vault_ilert_api_token }}"
  no_log: true  # the result holds the integration key
  register: es_source

- name: The same, with every connection option set once for the play
  module_defaults:
    group/ilert.watcher.ilert:
      api_token: "{{ vault_ilert_api_token }}"
  block:
    - name: Group events of one watch for 15 minutes, resolve after an hour of silence
      ilert.watcher.ilert_alert_source:
        name: Elasticsearch production
        escalation_policy: Default
        alert_creation: ONE_ALERT_GROUPED_PER_WINDOW
        alert_grouping_window: 15m
        auto_resolution_timeout: PT1H
        alert_priority_rule: HIGH_DURING_SUPPORT_HOURS
        support_hours: Office hours Berlin
        summary_template: !unsafe "{{ watch_id }} fired"
        link_templates:
          - text: Kibana
            href: https://kibana.example.com/app/management/insightsAndAlerting/watcher
        priority_template:
          value_template: !unsafe "{{ metadata.priority }}"
          mappings:
            - value: p1
              priority: HIGH
            - value: p3
              priority: LOW
      no_log: true

    - name: Attach services, and pick more services and the severity from each event
      ilert.watcher.ilert_alert_source:
        name: Elasticsearch production
        services: [Checkout, Search]
        services_template:
          - !unsafe "{{ metadata.service }}"
        auto_create_services: false
        severity_template:
          value_template: !unsafe "{{ metadata.severity }}"
          mappings:
            - value: critical
              severity: 1
            - value: warning
              severity: 3
      no_log: true

    - name: Remove every team and the support hours, and stop accepting events
      ilert.watcher.ilert_alert_source:
        name: Elasticsearch production
        teams: []
        support_hours: ""
        alert_priority_rule: HIGH
        active: false
      no_log: true

    - name: Delete the alert source
      ilert.watcher.ilert_alert_source:
        name: Elasticsearch production
        state: absent
"""

RETURN = r"""
alert_source:
  description:
    - The alert source as iLert holds it after the task (in check mode, as it would be), with templates
      and filters. V(null) when the source is absent.
    - Contains the integration key (C(integrationKey), C(integrationUrl)); see RV(integration_key).
  returned: always
  type: dict
  sample:
    id: 100001
    name: Elasticsearch production
    integrationType: ESWATCHER
    integrationKey: il1eswatcher0a1b2c3d4e5f60718
    escalationPolicy:
      id: 4001
      name: Default
    teams:
      - id: 2001
        name: Platform
    active: true
    alertCreation: ONE_ALERT_PER_EMAIL
    alertPriorityRule: HIGH
    setupStatus: FINISHED
id:
  description: Numeric id of the alert source; V(null) when it is absent or is only about to be created (check mode).
  returned: always
  type: int
  sample: 100001
integration_key:
  description:
    - The key events are sent with. Anyone who has it can raise alerts, so register the result with C(no_log).
    - For V(EMAIL)/V(EMAIL2) sources it is the e-mail address. V(null) when the API key may only read
      (iLert hides the key), when the source is absent, or in check mode before it exists.
  returned: always
  type: str
  sample: il1eswatcher0a1b2c3d4e5f60718
integration_url:
  description: The URL events are posted to, which contains the integration key. V(null) like RV(integration_key).
  returned: always
  type: str
  sample: https://api.ilert.com/api/v1/events/eswatcher/il1eswatcher0a1b2c3d4e5f60718
webhook:
  description:
    - The parts of the event URL that an Elasticsearch Watcher C(webhook) action takes, derived from O(api_url)
      and the integration key. V(null) without a key, and for e-mail sources.
  returned: always
  type: dict
  contains:
    scheme:
      description: V(https) or V(http).
      type: str
      sample: https
    host:
      description: Host name of the iLert API.
      type: str
      sample: api.ilert.com
    port:
      description: Port of the iLert API.
      type: int
      sample: 443
    path:
      description: Path of the event endpoint; it contains the integration key.
      type: str
      sample: /api/v1/events/eswatcher/il1eswatcher0a1b2c3d4e5f60718
operation:
  description: What the task did (or would do, in check mode).
  returned: always
  type: str
  choices: [created, updated, deleted, none]
  sample: updated
msg:
  description: One fixed sentence per outcome, for example C(alert source 'x' already up to date).
  returned: always
  type: str
  sample: alert source 'Elasticsearch production' updated
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ilert.watcher.plugins.module_utils._ilert import ILERT_ARGUMENT_SPEC
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_alert_source import AlertSource

ARGUMENT_SPEC = dict(
    ILERT_ARGUMENT_SPEC,
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    id=dict(type="int"),
    integration_type=dict(type="str", default="ESWATCHER"),
    escalation_policy=dict(type="raw"),
    teams=dict(type="list", elements="raw"),
    support_hours=dict(type="raw"),
    services=dict(type="list", elements="raw"),
    services_template=dict(type="list", elements="str"),
    auto_create_services=dict(type="bool"),
    email=dict(type="str", no_log=False),
    active=dict(type="bool"),
    alert_creation=dict(type="str", choices=[
        "ONE_ALERT_PER_EMAIL", "ONE_ALERT_PER_EMAIL_SUBJECT", "ONE_PENDING_ALERT_ALLOWED", "ONE_OPEN_ALERT_ALLOWED",
        "OPEN_RESOLVE_ON_EXTRACTION", "ONE_ALERT_GROUPED_PER_WINDOW", "INTELLIGENT_GROUPING",
    ]),
    alert_grouping_window=dict(type="str"),
    score_threshold=dict(type="float"),
    auto_resolution_timeout=dict(type="str"),
    alert_priority_rule=dict(type="str", choices=["HIGH", "LOW", "HIGH_DURING_SUPPORT_HOURS", "LOW_DURING_SUPPORT_HOURS"]),
    severity=dict(type="int", choices=[1, 2, 3, 4, 5]),
    summary_template=dict(type="str"),
    details_template=dict(type="str"),
    routing_template=dict(type="str"),
    alert_key_template=dict(type="str", no_log=False),
    link_templates=dict(type="list", elements="dict", options=dict(
        text=dict(type="str", required=True),
        href=dict(type="str", required=True),
    )),
    priority_template=dict(type="dict", options=dict(
        value_template=dict(type="str"),
        mappings=dict(type="list", elements="dict", options=dict(
            value=dict(type="str", required=True),
            priority=dict(type="str", required=True, choices=["HIGH", "LOW"]),
        )),
    )),
    severity_template=dict(type="dict", options=dict(
        value_template=dict(type="str"),
        mappings=dict(type="list", elements="dict", options=dict(
            value=dict(type="str", required=True),
            severity=dict(type="int", required=True, choices=[1, 2, 3, 4, 5]),
        )),
    )),
    event_filter=dict(type="str"),
    event_type_filter_create=dict(type="str"),
    event_type_filter_accept=dict(type="str"),
    event_type_filter_resolve=dict(type="str"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    AlertSource(module).run()


if __name__ == "__main__":
    main()
