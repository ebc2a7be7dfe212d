# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter ilert.watcher.eswatcher_export: live alert sources and their watches as an eswatcher_sources variables file."""

from __future__ import annotations

DOCUMENTATION = r"""
name: eswatcher_export
short_description: Live iLert alert sources and the watches posting to them, as an eswatcher_sources variables file
version_added: 0.1.0
description:
  - Turns the watches read by M(ilert.watcher.es_watch_info) with O(ilert.watcher.es_watch_info#module:ilert_integration_keys)
    and the alert sources read by M(ilert.watcher.ilert_alert_source_info) into the text of a variables file for the
    ilert.watcher.eswatcher role, such that applying it changes nothing. C(playbooks/export.yml) uses it.
  - Each source is written with the settings M(ilert.watcher.ilert_alert_source) takes, escalation policy, teams,
    support hours and services by name, iLert's defaults left out.
  - Each watch whose actions post to one source's key is written under that source in the shortest form that
    M(ilert.watcher.es_watch) accepts and that converges to the stored watch (Elasticsearch's defaults left out,
    times such as C(throttle_period) as people write them). An action that is exactly the role's iLert action becomes
    C(ilert_action_id), an ALERT / RESOLVE pair C(auto_resolve); any other action posting to the source is kept as it is,
    with C(<ilert_integration_key>) for the key, and a comment says how it differs.
  - Integration keys are never written. Secrets Elasticsearch hides stay C(::es_redacted::), with
    C(redacted_values=assume_unchanged) and a comment naming them. Watches posting to a key of no exported source are
    listed at the end as comments. Strings holding C({{) are written with the YAML tag C(!unsafe), so that Ansible leaves
    Watcher's mustache alone.
author:
  - ilert.watcher maintainers (@ilert-watcher)
options:
  _input:
    description: The RV(ilert.watcher.es_watch_info#module:watches) of es_watch_info, read with the keys of O(alert_sources) by id.
    type: list
    elements: dict
    required: true
  alert_sources:
    description: The RV(ilert.watcher.ilert_alert_source_info#module:alert_sources), read with templates.
    type: list
    elements: dict
    required: true
  webhook_url:
    description: Where the role's iLert actions post (the role's C(eswatcher_ilert_webhook_url)).
    type: str
    required: true
  names:
    description: Only the sources with these names; all when empty.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: The export file
  ansible.builtin.copy:
    dest: exported.yml
    content: "{{ watches.watches | ilert.watcher.eswatcher_export(sources.alert_sources, 'https://api.ilert.com') }}"
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The text of the variables file.
  type: str
"""

import textwrap

import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_export import export
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import plain

WIDTH = 118
_JINJA = ("{{", "{%", "{#")


class _Unsafe(str):
    """A string Ansible must not template (Watcher's own mustache)."""


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, no anchors."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


_Dumper.add_representer(_Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value), style='"' if "\n" in value else None))


def _tagged(value):
    if isinstance(value, dict):
        return dict((key, _tagged(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_tagged(item) for item in value]
    if isinstance(value, str) and any(marker in value for marker in _JINJA):
        return _Unsafe(value)
    return value


def _block(value, indent: int) -> str:
    text = yaml.dump(_tagged(value), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=WIDTH)
    return textwrap.indent(text, " " * indent)


def _comments(lines, indent: int) -> str:
    prefix = " " * indent + "# "
    return "".join(textwrap.fill(line, width=WIDTH, initial_indent=prefix, subsequent_indent=prefix + "  ") + "\n" for line in lines)


def _count(number: int, noun: str, verb: str = "", verbs: str = "") -> str:
    plural = noun + ("es" if noun.endswith("ch") else "s")
    return " ".join(part for part in ("%d" % number, noun if number == 1 else plural, verb if number == 1 else verbs) if part)


def render(exported: dict) -> str:
    """The variables file: a header, eswatcher_sources with a comment above each entry that needs one, then what is left out."""
    watches = [watch for source in exported["sources"] for watch in source["watches"]]
    checks = [watch for watch in watches if watch.problem]
    header = [
        "eswatcher_sources exported by playbooks/export.yml: the iLert alert sources of type ESWATCHER and the watches that post "
        "to them, written so that applying them changes nothing (ansible-playbook playbooks/site.yml -e @<this file>).",
        "<ilert_integration_key> stands for a source's integration key, which the role fills in; no key is written here.",
    ]
    # One line, unwrapped: export.yml prints it.
    summary = "# Exported: %s, %s; %s to no exported source (listed at the end); %s a look (CHECK).\n" % (
        _count(len(exported["sources"]), "alert source"), _count(len(watches), "watch"), _count(len(exported["orphans"]), "watch", "posts", "post"),
        _count(len(checks), "watch", "needs", "need"))
    text = summary + _comments(header, 0) + "eswatcher_sources:"
    if not exported["sources"]:
        text += " []\n"
    else:
        text += "\n"
    for source in exported["sources"]:
        text += _comments(source["comments"], 2) + _block([source["entry"]], 2)
        if source["watches"]:
            text += "    watches:\n"
        for watch in source["watches"]:
            text += _comments(watch.comments, 6) + _block([watch.entry], 6)
    if exported["orphans"]:
        text += "\n" + _comments(["Watches that post to iLert but to no exported alert source; this file leaves them alone:"], 0)
        text += _comments(["  %s: %s" % (watch_id, why) for watch_id, why in exported["orphans"]], 0)
    if exported["missing"]:
        text += "\n" + _comments(["No alert source of type ESWATCHER is named %s." % ", ".join("'%s'" % name for name in exported["missing"])], 0)
    return text


def eswatcher_export(watches, alert_sources, webhook_url, names=None) -> str:
    if not isinstance(watches, list) or not isinstance(alert_sources, list):
        raise AnsibleFilterError("eswatcher_export expects the watches of es_watch_info and the alert_sources of ilert_alert_source_info")
    if not isinstance(webhook_url, str) or not webhook_url:
        raise AnsibleFilterError("eswatcher_export: webhook_url must be the URL the role's iLert actions post to, such as https://api.ilert.com")
    return render(export(plain(alert_sources), plain(watches), str(webhook_url), plain(names or [])))


class FilterModule:
    def filters(self):
        return {"eswatcher_export": eswatcher_export}
