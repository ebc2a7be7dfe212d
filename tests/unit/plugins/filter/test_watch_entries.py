# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's watches as es_watches entries: what the module gets is what the role was given."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ilert.watcher.plugins.filter.watch_entries import watch_entries, watch_set_entries_filter
from ansible_collections.ilert.watcher.plugins.module_utils._es_watch import watch_argument_spec

TRIGGER = {"schedule": {"interval": "1m"}}


def test_ilert_settings_move_under_ilert_and_unset_options_are_left_out():
    entries = watch_entries([{"id": "w1", "trigger": TRIGGER, "throttle_period": "5m", "auto_resolve": True, "summary": "Errors",
                              "resolve_throttle_period": "10m", "ilert_action_id": "pager", "active": False, "metadata": None}])
    assert entries == [{"watch_id": "w1", "state": "present", "trigger": TRIGGER, "throttle_period": "5m", "active": False,
                        "ilert": {"action_id": "pager", "auto_resolve": True, "summary": "Errors", "resolve_throttle_period": "10m"}}]


def test_every_entry_key_is_an_option_of_es_watches():
    options = watch_argument_spec(in_set=True)
    entry = watch_entries([{"id": "w1", "definition": {"trigger": TRIGGER}, "redacted_values": "always_update", "auto_resolve": False,
                            "ilert_action": False}])[0]
    assert entry["ilert"]["add_action"] is False
    assert set(entry) <= set(options)
    assert set(entry["ilert"]) <= set(options["ilert"]["options"])


@pytest.mark.parametrize("watch, state", [({"id": "w1", "trigger": TRIGGER, "auto_resolve": True}, "absent"),
                                          ({"id": "w1", "state": "absent", "trigger": TRIGGER}, None)])
def test_a_deletion_carries_only_the_id(watch, state):
    assert watch_entries([watch], state=state) == [{"watch_id": "w1", "state": "absent"}]


def test_no_watches_is_an_empty_set():
    assert watch_entries(None) == [] and watch_entries([]) == []


@pytest.mark.parametrize("bad", ["w1", [["w1"]], {"id": "w1"}])
def test_anything_but_a_list_of_watches_is_refused(bad):
    with pytest.raises(AnsibleFilterError, match="list of watches of one alert source"):
        watch_entries(bad)


def sources_and_results():
    sources = [
        {"name": "plain", "watches": [{"id": "p1", "trigger": TRIGGER, "ilert_action_id": "pager"}, {"id": "p2", "state": "absent"}]},
        {"name": "gone", "state": "absent", "watches": [{"id": "g1", "trigger": TRIGGER}]},
        {"name": "pruning", "prune_watches": True, "watches": [{"id": "x1", "trigger": TRIGGER}]},
        {"name": "new in check mode", "prune_watches": False, "watches": [{"id": "n1", "trigger": TRIGGER}]},
    ]
    results = [{"integration_key": "KEY-PLAIN"}, {}, {"integration_key": "KEY-PRUNING"}, {"changed": True}]
    return sources, results


def test_one_set_for_every_present_source_that_does_not_prune_each_watch_with_its_key():
    sources, results = sources_and_results()
    entries = watch_set_entries_filter(sources, results, "https://api.ilert.com")
    assert entries == [
        {"watch_id": "p1", "state": "present", "trigger": TRIGGER,
         "ilert": {"action_id": "pager", "integration_key": "KEY-PLAIN", "api_url": "https://api.ilert.com"}},
        {"watch_id": "p2", "state": "absent"},
        {"watch_id": "n1", "state": "present", "trigger": TRIGGER,
         "ilert": {"integration_key": "check-mode-no-key-yet", "api_url": "https://api.ilert.com"}},
    ]


def test_with_pruning_on_by_default_only_the_sources_that_turn_it_off_are_in_the_set():
    sources, results = sources_and_results()
    assert [entry["watch_id"] for entry in watch_set_entries_filter(sources, results, "https://api.ilert.com", True)] == ["n1"]


def test_sources_and_results_must_pair_up():
    sources, results = sources_and_results()
    with pytest.raises(AnsibleFilterError, match="one per source"):
        watch_set_entries_filter(sources, results[:2], "https://api.ilert.com")


def test_a_cluster_s_watches_join_their_source_s_with_its_key_and_skip_what_is_left_out():
    sources, results = sources_and_results()
    cluster_watches = {"plain": [{"id": "eu1", "trigger": TRIGGER}], "gone": [{"id": "eu-gone", "trigger": TRIGGER}],
                       "pruning": [{"id": "eu-x", "trigger": TRIGGER}]}
    entries = watch_set_entries_filter(sources, results, "https://api.ilert.com", False, cluster_watches)
    assert [entry["watch_id"] for entry in entries] == ["p1", "p2", "eu1", "n1"]
    assert entries[2]["ilert"] == {"integration_key": "KEY-PLAIN", "api_url": "https://api.ilert.com"}


def test_cluster_watches_must_be_a_dict():
    sources, results = sources_and_results()
    with pytest.raises(AnsibleFilterError, match="cluster_watches as a dict"):
        watch_set_entries_filter(sources, results, "https://api.ilert.com", False, [{"id": "eu1"}])
