# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many clusters, one inventory: playbooks/site.yml with the example inventory playbooks/inventory/clusters.

Two Elasticsearch emulators stand in for its clusters, prod-eu as 9.1.0 (the 9.x client) and prod-us as
8.19.0 (the 8.x client, ES8_PYTHON), and one iLert emulator for iLert. The example is used as it is: a
second inventory file only points its two hosts at the emulators (a later inventory source's host
variables win), so its sources and watches are what a user would converge.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml

from conftest import ILERT_TOKEN, ROOT, BackgroundServer, IlertEmulator, WatcherEmulator, run_playbook

EXAMPLE = ROOT / "playbooks" / "inventory" / "clusters"
SITE = ROOT / "playbooks" / "site.yml"
ES8_PYTHON = os.environ.get("ES8_PYTHON", "")
# The example's watches, by cluster and alert source.
EXPECTED = {
    "prod-eu": {"app-error-rate": "Elasticsearch production", "checkout-errors": "Elasticsearch production",
                "logs-heartbeat": "Elasticsearch prod-eu"},
    "prod-us": {"app-error-rate": "Elasticsearch production", "logs-heartbeat": "Elasticsearch prod-us"},
}


@dataclass
class Clusters:
    """The emulators of the example's clusters and of iLert, and the runs of site.yml against them."""

    tmp_path: Path
    ilert: BackgroundServer
    apps: dict
    servers: dict = field(default_factory=dict)
    stack: ExitStack = field(default_factory=ExitStack)

    def start(self, host: str) -> None:
        """Serves the host's cluster (again, with what it held, on a new port)."""
        self.servers[host] = self.stack.enter_context(BackgroundServer(self.apps[host]))
        self.apps[host].last_url = self.servers[host].url

    def stop(self, host: str) -> None:
        server = self.servers.pop(host)
        server.__exit__(None, None, None)

    def run(self, *args, overlay: dict | None = None, variables: dict | None = None):
        hosts = {}
        for host in EXPECTED:
            server = self.servers.get(host)
            hosts[host] = {
                # A stopped cluster keeps a URL where nothing listens: the port of its last server.
                "eswatcher_es_hosts": [server.url if server else self.apps[host].last_url],
                "ansible_python_interpreter": ES8_PYTHON if host == "prod-us" else sys.executable,
            }
            hosts[host].update((overlay or {}).get(host, {}))
        inventory = self.tmp_path / "emulators.yml"
        inventory.write_text(yaml.safe_dump({"elasticsearch_clusters": {"hosts": hosts}}), encoding="utf-8")
        environment = {"ILERT_ENDPOINT": self.ilert.url, "ILERT_API_TOKEN": ILERT_TOKEN}
        return run_playbook(SITE, self.tmp_path, environment, variables, "-i", str(EXAMPLE), "-i", str(inventory), *args,
                            interpreter=False)

    def writes(self) -> dict:
        counts = dict((host, app.stats.snapshot()["writes"]) for host, app in self.apps.items())
        counts["ilert"] = self.ilert.app.stats.snapshot()["writes"]
        return counts

    def sources(self) -> dict:
        answer = requests.get(self.ilert.url + "/api/alert-sources", headers={"Authorization": "Bearer " + ILERT_TOKEN},
                              params={"max-results": 50}, timeout=10)
        answer.raise_for_status()
        return dict((source["name"], source["integrationKey"]) for source in answer.json())

    def watches(self, host: str) -> dict:
        """The watches the host's cluster holds: id -> the integration keys its actions post to."""
        answer = requests.post(self.servers[host].url + "/_watcher/_query/watches", json={"size": 100}, timeout=10)
        answer.raise_for_status()
        keys = self.sources()
        return dict((item["_id"], sorted(name for name, key in keys.items() if key in yaml.safe_dump(item["watch"]["actions"])))
                    for item in answer.json()["watches"])


class RememberingEmulator(WatcherEmulator):
    """A Watcher emulator that remembers where it was last served, so a stopped cluster stays unreachable there."""

    last_url = ""


@pytest.fixture(name="clusters")
def fixture_clusters(tmp_path):
    if not ES8_PYTHON or not os.access(ES8_PYTHON, os.X_OK):
        pytest.skip("ES8_PYTHON (a Python with the 8.x Elasticsearch client for the 8.x cluster prod-us) is not set or missing; "
                    "`make venv` builds .venv-es8 and the Makefile sets it")
    apps = {"prod-eu": RememberingEmulator(scheduler=False, version="9.1.0"),
            "prod-us": RememberingEmulator(scheduler=False, version="8.19.0")}
    with BackgroundServer(IlertEmulator()) as ilert:
        clusters = Clusters(tmp_path, ilert, apps)
        with clusters.stack:
            for host in EXPECTED:
                clusters.start(host)
            yield clusters


def example_sources() -> list:
    with open(EXAMPLE / "group_vars" / "elasticsearch_clusters.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["eswatcher_sources"]


def task_lines(run, task: str) -> list:
    """The result lines of one task of the role in a run's output."""
    section = run.stdout.split("TASK [ilert.watcher.eswatcher : %s]" % task, 1)[1].split("\nTASK [", 1)[0]
    return [line for line in section.splitlines()[1:] if line.startswith(("ok:", "changed:", "skipping:", "fatal:"))]


def assert_no_secret(run, clusters) -> None:
    shown = run.stdout + run.stderr
    assert ILERT_TOKEN not in shown
    for key in clusters.sources().values():
        assert key not in shown


def test_sources_once_watches_per_cluster_then_nothing_changes_then_a_cluster_down_fails_only_itself(clusters):
    first = clusters.run()
    assert first.rc == 0, first.stdout + first.stderr
    keys = clusters.sources()
    assert sorted(keys) == ["Elasticsearch prod-eu", "Elasticsearch prod-us", "Elasticsearch production"]
    # Converged once, not once per cluster: three creations and nothing else.
    assert clusters.ilert.app.stats.snapshot()["writes"] == 3
    for host, watches in EXPECTED.items():
        assert clusters.watches(host) == dict((watch_id, [source]) for watch_id, source in watches.items()), host
        assert first.recap(host)["failed"] == 0
    assert_no_secret(first, clusters)

    before = clusters.writes()
    again = clusters.run()
    assert again.rc == 0, again.stdout
    assert [again.recap(host)["changed"] for host in EXPECTED] == [0, 0]
    assert clusters.writes() == before
    # Once per run: the source task ran on one host, once per source (2.16 adds a line per host for the loop).
    items = [line for line in task_lines(again, "Alert sources") if "(item=" in line]
    assert len(items) == 3 and len(set(line.split("]", 1)[0] for line in task_lines(again, "Alert sources"))) == 1

    # Check and diff mode, on the cluster that lost a watch only; nothing written anywhere.
    requests.delete(clusters.servers["prod-eu"].url + "/_watcher/watch/checkout-errors", timeout=10).raise_for_status()
    before = clusters.writes()
    check = clusters.run("--check", "--diff")
    assert check.rc == 0, check.stdout
    assert check.recap("prod-eu")["changed"] == 1 and check.recap("prod-us")["changed"] == 0
    assert "checkout-errors" in check.stdout
    assert clusters.writes() == before

    # prod-us goes down: its host fails, and says why; prod-eu still converges.
    clusters.stop("prod-us")
    down = clusters.run()
    assert down.rc != 0
    assert down.recap("prod-us")["failed"] == 1
    assert down.recap("prod-eu")["failed"] == 0 and down.recap("prod-eu")["changed"] == 1
    assert "fatal: [prod-us]" in down.stdout and "Cannot reach Elasticsearch" in down.stdout
    assert "fatal: [prod-eu]" not in down.stdout
    assert "checkout-errors" in clusters.watches("prod-eu")
    assert_no_secret(down, clusters)


def test_a_source_goes_only_after_every_cluster_removed_its_watches(clusters):
    assert clusters.run().rc == 0
    sources = example_sources()
    next(source for source in sources if source["name"] == "Elasticsearch production")["state"] = "absent"
    removal = {"eswatcher_sources": sources}

    # A run limited to some clusters cannot remove a source some other cluster may feed; it refuses before writing.
    before = clusters.writes()
    limited = clusters.run("--limit", "prod-eu", variables=removal)
    assert limited.rc != 0
    assert "this run leaves out prod-us (--limit)" in limited.stdout
    assert clusters.writes() == before

    # prod-us is down: prod-eu removes its watches of the source, which stays for prod-us's.
    clusters.stop("prod-us")
    down = clusters.run(variables=removal)
    assert down.rc != 0 and down.recap("prod-us")["failed"] == 1
    assert "Kept Elasticsearch production: prod-us failed" in down.stdout
    assert "Elasticsearch production" in clusters.sources()
    assert sorted(clusters.watches("prod-eu")) == ["logs-heartbeat"]

    # prod-us is back: its watches go, then the source.
    clusters.start("prod-us")
    back = clusters.run(variables=removal)
    assert back.rc == 0, back.stdout
    assert "Elasticsearch production" not in clusters.sources()
    assert sorted(clusters.watches("prod-us")) == ["logs-heartbeat"]
    assert clusters.watches("prod-us")["logs-heartbeat"] == ["Elasticsearch prod-us"]


def test_a_cluster_without_its_own_connection_or_with_unknown_sources_fails_every_cluster_before_any_write(clusters):
    watch = {"id": "stray", "trigger": {"schedule": {"interval": "1m"}}}
    # The example's host_vars files outrank an inventory file's host variables; extra variables outrank both.
    run = clusters.run(overlay={"prod-eu": {"eswatcher_es_hosts": []}},
                       variables={"eswatcher_cluster_watches": {"Elasticsearch staging": [watch]}})
    assert run.rc != 0
    assert "cluster prod-eu: set eswatcher_es_hosts or eswatcher_es_cloud_id" in run.stdout
    assert "names alert source 'Elasticsearch staging', which eswatcher_sources does not declare" in run.stdout
    assert clusters.writes() == {"prod-eu": 0, "prod-us": 0, "ilert": 0}


def test_a_cluster_declaring_other_sources_than_the_group_stops_before_its_watches(clusters):
    # Watches are wired to keys by the sources' positions, so a host's own eswatcher_sources must not differ.
    own = [source for source in example_sources() if source["name"] != "Elasticsearch prod-eu"]
    run = clusters.run(overlay={"prod-us": {"eswatcher_sources": own}})
    assert run.rc != 0
    assert "cluster prod-us: its eswatcher_sources differs" in run.stdout
    assert clusters.writes()["prod-us"] == 0
