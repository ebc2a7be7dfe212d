# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's opt-in pruning: undeclared watches posting to a source's key go, any other watch stays."""

from __future__ import annotations

import copy

import requests

from conftest import sources_vars

CTX_BODY = "{{#toJson}}ctx{{/toJson}}"


def handmade(emulators, watch_id: str, path: str) -> None:
    """A watch as iLert's guide has users write it in Kibana: a webhook posting the context to a path."""
    body = {"trigger": {"schedule": {"interval": "1h"}},
            "actions": {"to_ilert": {"webhook": {"scheme": "https", "host": "api.ilert.com", "port": 443, "method": "post",
                                                 "path": path, "body": CTX_BODY}}}}
    requests.put(emulators.es.url + "/_watcher/watch/" + watch_id, json=body, timeout=10).raise_for_status()


def keys(emulators) -> dict:
    return dict((source["name"], source["integrationKey"]) for source in emulators.sources())


def test_prune_deletes_only_the_undeclared_watches_posting_to_the_key(emulators, playbook):
    variables = sources_vars(2, 2, prefix="prune")
    assert playbook(variables).rc == 0
    key = keys(emulators)
    handmade(emulators, "hand-key0", "/api/v1/events/eswatcher/" + key["prune source 0"])
    handmade(emulators, "hand-key1", "/api/v1/events/eswatcher/" + key["prune source 1"])
    handmade(emulators, "hand-elsewhere", "/hooks/elsewhere")
    pruning = copy.deepcopy(variables)
    pruning["eswatcher_prune_watches"] = True
    pruning["eswatcher_sources"][1]["prune_watches"] = False  # a source's own setting wins

    before = emulators.stats()["es"]["writes"]
    check = playbook(pruning, "--check", "--diff")
    assert check.rc == 0, check.stdout
    assert emulators.stats()["es"]["writes"] == before
    assert "watch 'hand-key0' (pruned)" in check.stdout and "hand-key1" not in check.stdout
    assert emulators.watch("hand-key0") is not None

    run = playbook(pruning)
    assert run.rc == 0 and run.recap()["changed"] == 1, run.stdout
    assert emulators.watch_ids() == ["hand-elsewhere", "hand-key1", "prune-0-0", "prune-0-1", "prune-1-0", "prune-1-1"]
    assert key["prune source 0"] not in run.stdout + run.stderr

    again = playbook(pruning)
    assert again.rc == 0 and again.recap()["changed"] == 0


def test_a_removed_source_takes_every_watch_posting_to_its_key_with_prune(emulators, playbook):
    variables = sources_vars(2, 1, prefix="gone")
    assert playbook(variables).rc == 0
    key = keys(emulators)
    handmade(emulators, "hand-gone0", "/api/v1/events/eswatcher/" + key["gone source 0"])
    handmade(emulators, "hand-elsewhere", "/hooks/elsewhere")
    removal = copy.deepcopy(variables)
    removal["eswatcher_sources"][0]["state"] = "absent"
    removal["eswatcher_sources"][0]["prune_watches"] = True

    run = playbook(removal)
    assert run.rc == 0, run.stdout
    assert emulators.watch_ids() == ["gone-1-0", "hand-elsewhere"]
    assert sorted(keys(emulators)) == ["gone source 1"]
    assert key["gone source 0"] not in run.stdout + run.stderr

    again = playbook(removal)
    assert again.rc == 0 and again.recap()["changed"] == 0
