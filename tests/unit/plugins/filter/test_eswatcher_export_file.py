# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export file: Ansible reads back exactly the exported data, Watcher's mustache is never templated, no key is written."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible.parsing.yaml.loader import AnsibleLoader

from ansible_collections.ilert.watcher.plugins.filter.eswatcher_export import eswatcher_export
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import KEY_PLACEHOLDER

API_URL = "https://api.ilert.com"
KEY = "il1secret0key0never0written"
SOURCE = {"id": 100001, "name": "Elasticsearch production", "integrationType": "ESWATCHER", "integrationKey": KEY,
          "integrationUrl": "https://api.ilert.com/api/v1/events/eswatcher/" + KEY,
          "escalationPolicy": {"id": 4001, "name": "Default"}, "teams": [{"id": 2001, "name": "Platform"}]}
WEBHOOK = {"scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post", "path": "/api/v1/events/eswatcher/" + KEY_PLACEHOLDER,
           "params": {}, "headers": {"Content-Type": "application/json"}, "body": "{{#toJson}}ctx{{/toJson}}"}


def watch(watch_id, actions, sources=("100001",), others=0):
    return {"watch_id": watch_id, "active": True, "ilert_alert_sources": list(sources), "other_ilert_keys": others,
            "watch": {"trigger": {"schedule": {"interval": "5m"}}, "input": {"none": {}}, "condition": {"always": {}}, "actions": actions}}


def loaded(text: str):
    """What ansible-playbook -e @file reads: !unsafe strings stay strings Ansible never templates."""
    return AnsibleLoader(text).get_single_data()


def test_the_file_reads_back_as_the_exported_sources_with_mustache_marked_unsafe():
    mail = {"email": {"profile": "standard", "to": ["ops@example.com"], "subject": "{{ctx.watch_id}} fired"}}
    text = eswatcher_export([watch("app-errors", {"ilert": {"webhook": WEBHOOK}, "mail": mail}),
                             watch("differing", {"ilert": {"webhook": dict(WEBHOOK, headers={"X-Env": "prod"})}})], [SOURCE], API_URL)
    data = loaded(text)
    source = data["eswatcher_sources"][0]
    assert source["name"] == "Elasticsearch production" and source["teams"] == ["Platform"]
    assert [entry["id"] for entry in source["watches"]] == ["app-errors", "differing"]
    subject = source["watches"][0]["actions"]["mail"]["email"]["subject"]
    assert subject == "{{ctx.watch_id}} fired"
    assert "!unsafe '{{ctx.watch_id}} fired'" in text
    assert source["watches"][1]["actions"]["ilert"]["webhook"]["body"] == "{{#toJson}}ctx{{/toJson}}"
    assert KEY not in text


def test_comments_stand_above_their_entry_and_orphans_at_the_end():
    text = eswatcher_export([watch("differing", {"ilert": {"webhook": dict(WEBHOOK, headers={"X-Env": "prod"})}}),
                             watch("gone", {"ilert": {"webhook": WEBHOOK}}, sources=[], others=1)], [SOURCE], API_URL)
    lines = text.splitlines()
    entry = lines.index("      - id: differing")
    assert lines[entry - 1].startswith("      #") and "other headers" in "\n".join(lines[entry - 4:entry])
    assert lines[0] == "# Exported: 1 alert source, 1 watch; 1 watch posts to no exported source (listed at the end); 0 watches need a look (CHECK)."
    assert text.rstrip().splitlines()[-1].startswith("#   gone: posts to 1 iLert key of no Elastic Watcher alert source")
    assert "gone" not in str(loaded(text))


def test_no_source_gives_an_empty_list_and_names_that_match_nothing_are_reported():
    text = eswatcher_export([], [SOURCE], API_URL, names=["Elasticsearch staging"])
    assert loaded(text) == {"eswatcher_sources": []}
    assert "# No alert source of type ESWATCHER is named 'Elasticsearch staging'." in text


@pytest.mark.parametrize("args, message", [(("not a list", [SOURCE], API_URL), "expects the watches"),
                                           (([], [SOURCE], ""), "webhook_url must be the URL")])
def test_bad_input_is_refused_with_what_is_expected(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        eswatcher_export(*args)
