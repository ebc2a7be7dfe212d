# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export: stored watches and alert sources as eswatcher_sources entries that converge to them.

The stored watches here are written as Elasticsearch's GET returns them (STORED_FORMS.md: search_type,
rest_total_hits_as_int, throttle_period_in_millis, webhook params and headers always written), with
the key already turned into the placeholder by es_watch_info.
"""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import parts_of, wanted_watch
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_export import (
    CHECK_KEY,
    Checker,
    export,
    export_watch,
    human_time,
    source_entry,
)
from ansible_collections.ilert.watcher.plugins.module_utils._eswatcher_role import watch_entry
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_auto_resolve import auto_resolving
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import KEY_PLACEHOLDER
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import MASK, REDACTED

API_URL = "https://api.ilert.com"
CONDITION = {"compare": {"ctx.payload.hits.total": {"gt": 5}}}


def guide_webhook(**changes) -> dict:
    """The webhook of iLert's guide as Elasticsearch stores it."""
    webhook = {"scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post", "path": "/api/v1/events/eswatcher/" + KEY_PLACEHOLDER,
               "params": {}, "headers": {"Content-Type": "application/json"}, "body": "{{#toJson}}ctx{{/toJson}}"}
    webhook.update(changes)
    return webhook


def stored(actions: dict, **parts) -> dict:
    watch = {
        "trigger": {"schedule": {"interval": "5m"}},
        "input": {"search": {"request": {"search_type": "query_then_fetch", "indices": ["logs-*"], "rest_total_hits_as_int": True,
                                         "body": {"size": 0, "query": {"match": {"log.level": "error"}}}}}},
        "condition": CONDITION,
        "throttle_period_in_millis": 300000,
        "actions": actions,
    }
    watch.update(parts)
    return watch


def item(watch_id: str, watch: dict, active: bool = True, sources=("100001",), others: int = 0) -> dict:
    return {"watch_id": watch_id, "watch": watch, "active": active, "ilert_alert_sources": list(sources), "other_ilert_keys": others}


def applied(entry: dict, key: str = "il1real0key") -> dict:
    """The watch es_watch would store for an exported entry, with a real key."""
    params = watch_entry(entry)
    params["ilert"] = dict(params.get("ilert") or {}, integration_key=key, api_url=API_URL)
    return wanted_watch(params)


def with_real_key(watch: dict, key: str = "il1real0key") -> dict:
    return json.loads(json.dumps(watch).replace(KEY_PLACEHOLDER, key))


@pytest.mark.parametrize("millis, text", [(300000, "5m"), (3600000, "1h"), (86400000, "1d"), (90000, "90s"), (1500, "1500ms"), (0, "0s")])
def test_human_time_takes_the_largest_exact_unit(millis, text):
    assert human_time(millis) == text


def test_the_guide_watch_becomes_the_role_wiring_in_its_shortest_form():
    watch = stored({"ilert": {"webhook": guide_webhook()}})
    exported = export_watch(item("app-errors", watch), API_URL)
    assert exported.problem is None and exported.comments == []
    assert exported.entry == {"id": "app-errors", "trigger": {"schedule": {"interval": "5m"}},
                              "input": {"search": {"request": {"indices": ["logs-*"], "body": {"size": 0, "query": {"match": {"log.level": "error"}}}}}},
                              "condition": CONDITION, "throttle_period": "5m"}
    assert parts_of(applied(exported.entry)) == parts_of(with_real_key(watch))


def test_an_action_of_another_id_becomes_ilert_action_id_and_kibana_metadata_is_kept():
    metadata = {"name": "Disk usage", "xpack": {"type": "json"}}
    watch = stored({"notify-ilert": {"webhook": guide_webhook()}}, metadata=metadata)
    exported = export_watch(item("disk", watch), API_URL)
    assert exported.entry["ilert_action_id"] == "notify-ilert" and exported.entry["metadata"] == metadata
    assert "actions" not in exported.entry
    assert parts_of(applied(exported.entry)) == parts_of(with_real_key(watch))


@pytest.mark.parametrize("summary, resolve_throttle, expected", [
    (None, "5m", {}),
    ("Disk almost full", "5m", {"summary": "Disk almost full"}),
    (None, "10m", {"resolve_throttle_period": "10m"}),
])
def test_an_alert_and_resolve_pair_becomes_auto_resolve(summary, resolve_throttle, expected):
    parts = {"trigger": {"schedule": {"interval": "1m"}}, "condition": CONDITION, "metadata": {"name": "Disk usage"}}
    built = auto_resolving(parts, "il1real0key", API_URL, "ilert", alert_key="disk", summary=summary or "Disk usage",
                           resolve_throttle_period=resolve_throttle)
    watch = json.loads(json.dumps(wanted_watch({"watch_id": "disk", "definition": built})).replace("il1real0key", KEY_PLACEHOLDER))
    exported = export_watch(item("disk", watch), API_URL)
    assert exported.problem is None
    assert exported.entry == dict({"id": "disk", "metadata": {"name": "Disk usage"}, "trigger": {"schedule": {"interval": "1m"}},
                                   "condition": CONDITION, "auto_resolve": True}, **expected)
    assert parts_of(applied(exported.entry)) == parts_of(with_real_key(watch))


def test_a_differing_ilert_action_is_kept_with_the_placeholder_and_a_comment_saying_how_it_differs():
    action = {"throttle_period_in_millis": 3600000, "webhook": guide_webhook(headers={"Content-Type": "application/json", "X-Env": "prod"})}
    watch = stored({"ilert": action})
    exported = export_watch(item("differing", watch), API_URL)
    assert exported.entry["ilert_action"] is False
    kept = exported.entry["actions"]["ilert"]
    assert kept["throttle_period"] == "1h" and kept["webhook"]["path"].endswith("/" + KEY_PLACEHOLDER)
    assert kept["webhook"]["headers"] == {"Content-Type": "application/json", "X-Env": "prod"}
    assert "params" not in kept["webhook"] and "scheme" in kept["webhook"]  # {} is the default, https is not
    assert any("'ilert'" in line and "its own throttle_period (1h)" in line and "other headers" in line for line in exported.comments)
    assert parts_of(applied(exported.entry)) == parts_of(with_real_key(watch))


def test_a_wired_action_and_a_differing_one_in_the_same_watch():
    watch = stored({"ilert": {"webhook": guide_webhook()}, "ilert-staging": {"webhook": guide_webhook(body="{{#toJson}}ctx.payload{{/toJson}}")}})
    exported = export_watch(item("two", watch), API_URL)
    assert "ilert_action" not in exported.entry and "ilert_action_id" not in exported.entry
    assert list(exported.entry["actions"]) == ["ilert-staging"]
    assert any("'ilert-staging'" in line and "another body" in line for line in exported.comments)
    assert parts_of(applied(exported.entry)) == parts_of(with_real_key(watch))


def test_another_address_than_the_roles_is_no_wiring():
    watch = stored({"ilert": {"webhook": guide_webhook(host="ilert.internal.example", port=8443)}})
    exported = export_watch(item("proxy", watch), API_URL)
    assert exported.entry["ilert_action"] is False
    assert any("another address (https://ilert.internal.example:8443" in line for line in exported.comments)
    assert parts_of(applied(exported.entry)) == parts_of(with_real_key(watch))


def test_hidden_passwords_stay_hidden_with_assume_unchanged_and_a_comment():
    mail = {"email": {"profile": "standard", "user": "ops", "password": REDACTED, "to": ["ops@example.com"], "subject": "{{ctx.watch_id}}"}}
    watch = stored({"ilert": {"webhook": guide_webhook()}, "mail": mail})
    exported = export_watch(item("mail", watch), API_URL)
    assert exported.problem is None
    assert exported.entry["redacted_values"] == "assume_unchanged"
    assert exported.entry["actions"]["mail"]["email"]["password"] == REDACTED
    assert "profile" not in exported.entry["actions"]["mail"]["email"]
    assert any("actions.mail.email.password" in line for line in exported.comments)


def test_a_secret_shown_in_clear_is_never_written_and_the_watch_is_marked_for_a_look():
    webhook = guide_webhook(headers={"Content-Type": "application/json", "Authorization": MASK})
    watch = stored({"ilert": {"webhook": guide_webhook()}, "other": {"webhook": dict(webhook, path="/hook")}})
    exported = export_watch(item("clear", watch), API_URL)
    assert exported.entry["actions"]["other"]["webhook"]["headers"]["Authorization"] == REDACTED
    assert "actions.other.webhook.headers.Authorization" in exported.problem
    assert exported.comments[-1].startswith("CHECK: ")


def test_an_inactive_watch_stays_inactive():
    exported = export_watch(item("off", stored({"ilert": {"webhook": guide_webhook()}}), active=False), API_URL)
    assert exported.entry["active"] is False


def test_every_kept_key_is_needed_and_every_choice_is_checked_by_es_watchs_comparison():
    watch = stored({"ilert": {"webhook": guide_webhook()}})
    exported = export_watch(item("app-errors", watch), API_URL)
    checker = Checker("app-errors", watch, API_URL)
    assert checker.converges({key: value for key, value in exported.entry.items() if key != "id"})
    for part in ("input", "condition", "throttle_period"):
        shorter = dict(exported.entry)
        del shorter[part]
        del shorter["id"]
        assert not checker.converges(shorter), part


# --- alert sources ---------------------------------------------------------------------------------------
SOURCE = {
    "id": 100001, "name": "Elasticsearch production", "integrationType": "ESWATCHER", "integrationKey": "il1secret0key",
    "escalationPolicy": {"id": 4001, "name": "Default"}, "teams": [{"id": 2001, "name": "Platform"}], "active": True,
    "alertCreation": "ONE_OPEN_ALERT_ALLOWED", "alertPriorityRule": "HIGH", "autoCreateServices": False, "services": [],
    "supportHours": {"id": 3001, "name": "Office hours Berlin"}, "autoResolutionTimeout": "PT30M",
    "summaryTemplate": {"textTemplate": "{{ watch_id }} fired"},
}


def test_a_source_is_written_with_names_and_without_ilerts_defaults():
    entry, comments = source_entry(SOURCE)
    assert entry == {"name": "Elasticsearch production", "escalation_policy": "Default", "teams": ["Platform"],
                     "support_hours": "Office hours Berlin", "alert_creation": "ONE_OPEN_ALERT_ALLOWED",
                     "auto_resolution_timeout": "PT30M", "summary_template": "{{ watch_id }} fired"}
    assert comments == []
    assert "il1secret0key" not in json.dumps(entry)


def test_legacy_inline_support_hours_are_left_out_with_a_comment():
    entry, comments = source_entry(dict(SOURCE, supportHours={"timezone": "Europe/Berlin", "supportDays": {}}))
    assert "support_hours" not in entry and "legacy inline" in comments[0]


def test_export_groups_watches_by_source_and_lists_every_other_ilert_watch():
    staging = dict(SOURCE, id=100002, name="Elasticsearch staging", teams=[], supportHours=None)
    watches = [
        item("b-mine", stored({"ilert": {"webhook": guide_webhook()}})),
        item("a-mine", stored({"ilert": {"webhook": guide_webhook()}})),
        item("staging", stored({"ilert": {"webhook": guide_webhook()}}), sources=["100002"]),
        item("deleted-source", stored({"ilert": {"webhook": guide_webhook(path="/api/v1/events/eswatcher/" + MASK)}}), sources=[], others=1),
        item("both", stored({"ilert": {"webhook": guide_webhook()}}), sources=["100001", "100002"]),
        item("not-ilert", stored({"log": {"logging": {"text": "x"}}}), sources=[]),
    ]
    result = export([SOURCE, staging], watches, API_URL, names=["Elasticsearch production", "Nope"])
    assert [source["entry"]["name"] for source in result["sources"]] == ["Elasticsearch production"]
    assert [watch.entry["id"] for watch in result["sources"][0]["watches"]] == ["a-mine", "b-mine"]
    orphans = dict(result["orphans"])
    assert set(orphans) == {"staging", "deleted-source", "both"}
    assert "'Elasticsearch staging', which is not exported" in orphans["staging"]
    assert "no Elastic Watcher alert source" in orphans["deleted-source"]
    assert "'Elasticsearch production', 'Elasticsearch staging', which one watch entry cannot express" in orphans["both"]
    assert result["missing"] == ["Nope"]


def test_sources_sharing_a_name_are_pinned_by_id():
    twin = dict(SOURCE, id=100009)
    result = export([SOURCE, twin], [], API_URL)
    assert [source["entry"].get("id") for source in result["sources"]] == [100001, 100009]
    assert all("pinned by id" in source["comments"][-1] for source in result["sources"])


def test_the_export_does_not_change_what_it_was_given():
    watches = [item("app-errors", stored({"ilert": {"webhook": guide_webhook()}}))]
    before = copy.deepcopy(watches)
    export([SOURCE], watches, API_URL)
    assert watches == before


def test_the_check_key_never_leaks_into_an_entry():
    watch = stored({"ilert": {"webhook": guide_webhook(headers={"X-Env": "prod"})}})
    exported = export_watch(item("differing", watch), API_URL)
    assert CHECK_KEY not in json.dumps(exported.entry) and KEY_PLACEHOLDER in json.dumps(exported.entry)
