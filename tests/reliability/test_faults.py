# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The site playbook converges through a fifth of all requests failing, and leaves no duplicate."""

from __future__ import annotations

import pytest

from conftest import sources_vars

SOURCES, WATCHES = 3, 3
# The retry budget users are told about (doc fragments: retries), raised for a 20 % fault rate:
# a request then fails for good only after 7 failures in a row (0.2 ** 7, about 1 in 80,000).
BUDGET = {"eswatcher_ilert_retries": 6, "eswatcher_es_retries": 6, "eswatcher_ilert_timeout": 2, "eswatcher_es_request_timeout": 2}
FAULTS = {"rate": 0.2, "kinds": ["429", "500", "502", "503", "reset", "delay", "timeout"], "delay_ms": 300, "timeout_s": 3}


def desired_state_holds(emulators, variables) -> None:
    names = [source["name"] for source in emulators.sources()]
    wanted = [source["name"] for source in variables["eswatcher_sources"]]
    assert sorted(names) == sorted(wanted), "duplicate or missing alert sources: %s" % names
    keys = dict((source["name"], source["integrationKey"]) for source in emulators.sources())
    watch_ids = [watch["id"] for source in variables["eswatcher_sources"] for watch in source["watches"]]
    assert emulators.watch_ids() == sorted(watch_ids)
    for source in variables["eswatcher_sources"]:
        for watch in source["watches"]:
            stored = emulators.watch(watch["id"])["watch"]
            action = stored["actions"]["ilert"]["webhook"]
            assert keys[source["name"]] in action["path"] + action.get("body", ""), "watch %s is wired to another key" % watch["id"]


@pytest.mark.parametrize("seed", [11, 23])
def test_converges_through_faults_then_changes_nothing(emulators, playbook, seed, record_property):
    variables = dict(sources_vars(SOURCES, WATCHES), **BUDGET)
    emulators.faults(dict(FAULTS, seed=seed))
    faulty = playbook(variables)
    injected, requests = emulators.injected(), emulators.stats()
    emulators.faults({})
    assert faulty.rc == 0, faulty.stdout[-4000:] + faulty.stderr[-2000:]
    assert faulty.recap()["failed"] == 0
    assert injected["es"] + injected["ilert"] > 0, "no fault was injected: the test proves nothing"
    desired_state_holds(emulators, variables)

    again = playbook(variables)
    assert again.rc == 0 and again.recap()["changed"] == 0, again.stdout[-3000:]
    desired_state_holds(emulators, variables)
    figures = "seed %d: %d iLert + %d Elasticsearch requests, %d + %d faults injected" % (
        seed, requests["ilert"]["requests"], requests["es"]["requests"], injected["ilert"], injected["es"])
    record_property("figures", figures)
    print(figures)
