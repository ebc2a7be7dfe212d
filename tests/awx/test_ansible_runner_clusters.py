# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/site.yml over the example inventory of clusters (playbooks/inventory/clusters), run the way
an AWX job template runs it: through ansible-runner, the inventory from the project, each cluster's API
key a vault-encrypted string that the job decrypts with the password of a Vault credential (answered at
ansible-playbook's prompt, as AWX does), the iLert credential as injected environment variables.

Two Elasticsearch emulators stand for the two clusters, prod-eu a 9.x cluster, prod-us an 8.x one whose
modules run in a Python with the 8.x client (ES8_PYTHON). The job runs twice (the second must change
nothing), then once with prod-us down (only that host fails). Checks the alert sources, each cluster's
watches and their iLert keys, the API key each cluster received, and that no secret reached the jobs'
output or events."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
from contextlib import ExitStack

import ansible_runner
import pytest
import requests
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from awx_credentials import REPO
from test_ansible_runner import job_environment, runner_environment

# ansible-runner starts ansible-playbook through pexpect (forkpty) while the emulators' threads run;
# the child execs at once, so the deadlock Python warns about cannot happen there.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

ES8_PYTHON = os.environ.get("ES8_PYTHON", "")
CLUSTERS_INVENTORY = os.path.join(REPO, "playbooks", "inventory", "clusters")
CLUSTER_GROUP = "elasticsearch_clusters"

# A Vault credential with a vault identifier: AWX runs ansible-playbook with --vault-id <id>@prompt and
# answers the prompt with the credential's password (RunJob.build_args and get_password_prompts).
VAULT_ID = "clusters"
VAULT_PASSWORD = "vault-password-of-this-test"
VAULT_PROMPT = r"Vault password \(%s\):\s*?$" % VAULT_ID

# The emulators do not check the keys; they must still reach the right cluster and never be shown.
CLUSTERS = {
    "prod-eu": {"version": "9.1.0", "api_key": "cHJvZC1ldTpub3QtYS1yZWFsLWtleQ=="},
    "prod-us": {"version": "8.19.0", "api_key": "cHJvZC11czpub3QtYS1yZWFsLWtleQ=="},
}


def es8_python():
    if not ES8_PYTHON:
        pytest.skip("ES8_PYTHON is not set: prod-us is an 8.x cluster, whose modules need a Python with the 8.x client "
                    "(the Makefile sets it to .venv-es8/bin/python, which `make venv` builds)")
    if not os.access(ES8_PYTHON, os.X_OK):
        pytest.skip("ES8_PYTHON=%s is missing or not executable (run `make venv`)" % ES8_PYTHON)
    return ES8_PYTHON


def load_yaml(*parts):
    with open(os.path.join(CLUSTERS_INVENTORY, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def declared_sources():
    return load_yaml("group_vars", CLUSTER_GROUP + ".yml")["eswatcher_sources"]


def expected_watches():
    """{cluster: {watch id: alert source name}} as the example inventory declares them: every source's own
    watches on every cluster, plus each cluster's eswatcher_cluster_watches."""
    expected = {}
    for cluster in CLUSTERS:
        watches = dict((watch["id"], source["name"]) for source in declared_sources() for watch in source.get("watches") or [])
        for source_name, cluster_watches in load_yaml("host_vars", cluster + ".yml")["eswatcher_cluster_watches"].items():
            watches.update((watch["id"], source_name) for watch in cluster_watches)
        expected[cluster] = watches
    return expected


class AuthorizationLog:
    """WSGI middleware in front of an emulator that keeps the Authorization header of every request: the
    Elasticsearch emulator accepts any credentials, so this is how the test sees which key each cluster got."""

    def __init__(self, app):
        self.app = app
        self.headers = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.headers.append(environ.get("HTTP_AUTHORIZATION"))
        return self.app(environ, start_response)

    def snapshot(self):
        with self._lock:
            return list(self.headers)


class ClusterEmulators:
    """One Elasticsearch emulator per cluster of the example inventory and one iLert emulator, each behind
    an AuthorizationLog, served from threads of the test process on free ports."""

    ILERT_TOKEN = "il-demo-token-not-a-secret"  # the one the emulator seeds

    def __init__(self):
        from emulator_kit.server import BackgroundServer
        from es_emulator.app import WatcherEmulator
        from ilert_emulator.app import IlertEmulator

        self.es_apps = {}
        self.es_logs = {}
        self.es = {}
        with ExitStack() as stack:
            for cluster, spec in CLUSTERS.items():
                # No scheduled watch executions: only what the job does counts.
                self.es_apps[cluster] = WatcherEmulator(scheduler=False, version=spec["version"])
                self.es_logs[cluster] = AuthorizationLog(self.es_apps[cluster])
                self.es[cluster] = stack.enter_context(BackgroundServer(self.es_logs[cluster]))
            self.ilert_app = IlertEmulator()
            self.ilert_log = AuthorizationLog(self.ilert_app)
            self.ilert = stack.enter_context(BackgroundServer(self.ilert_log))
            self._stack = stack.pop_all()

    def writes(self):
        """The write requests each emulator has served so far."""
        counts = dict((cluster, app.stats.snapshot()["writes"]) for cluster, app in self.es_apps.items())
        counts["ilert"] = self.ilert_app.stats.snapshot()["writes"]
        return counts

    def sources(self):
        answer = requests.get(self.ilert.url + "/api/alert-sources", headers={"Authorization": "Bearer " + self.ILERT_TOKEN},
                              params={"max-results": 50}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def watch_ids(self, cluster):
        answer = requests.post(self.es[cluster].url + "/_watcher/_query/watches", json={"size": 1000}, timeout=10)
        answer.raise_for_status()
        return sorted(item["_id"] for item in answer.json()["watches"])

    def watch(self, cluster, watch_id):
        answer = requests.get(self.es[cluster].url + "/_watcher/watch/" + watch_id, timeout=10)
        answer.raise_for_status()
        return answer.json()["watch"]

    def close(self):
        self._stack.close()


class VaultDumper(yaml.SafeDumper):
    """Writes Vaulted strings as `!vault |` blocks, the form `ansible-vault encrypt_string` prints."""


class Vaulted(str):
    pass


VaultDumper.add_representer(Vaulted, lambda dumper, value: dumper.represent_scalar("!vault", str(value), style="|"))


def encrypt_string(plaintext):
    vault = VaultLib([(VAULT_ID, VaultSecret(VAULT_PASSWORD.encode("utf-8")))])
    return Vaulted(vault.encrypt(plaintext, vault_id=VAULT_ID).decode("ascii"))


def overlay_inventory(urls, interpreters):
    """A second inventory source, listed after the example's: it points each cluster at its URL, names the
    Python of each, and holds each cluster's API key encrypted, as a vaulted host var would be. Host vars of
    a later inventory source win over an earlier one's (the example's placeholder URLs and prod-us's
    /opt/elasticsearch8 interpreter)."""
    hosts = dict(
        (cluster, {
            "eswatcher_es_hosts": [urls[cluster]],
            "eswatcher_es_api_key": encrypt_string(spec["api_key"]),
            "ansible_python_interpreter": interpreters[cluster],
        })
        for cluster, spec in CLUSTERS.items()
    )
    return yaml.dump({CLUSTER_GROUP: {"hosts": hosts}}, Dumper=VaultDumper, sort_keys=True)


def run_job(private_data_dir, env, inventory, ident):
    # No extravars: an extra var ansible_python_interpreter would beat each host's own.
    return ansible_runner.run(
        private_data_dir=str(private_data_dir),
        project_dir=REPO,
        playbook="playbooks/site.yml",
        inventory=inventory,
        cmdline="--vault-id %s@prompt --forks=2" % VAULT_ID,
        passwords={VAULT_PROMPT: VAULT_PASSWORD},
        envvars=env,
        ident=ident,
        quiet=True,
        timeout=180,
        suppress_env_files=True,  # as AWX (AWX_RUNNER_OMIT_ENV_FILES): no environment or passwords in env/ files
    )


@pytest.fixture(scope="module")
def cluster_emulators():
    servers = ClusterEmulators()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="module")
def cluster_runs(cluster_emulators, tmp_path_factory):
    """Three jobs: two over both clusters (the second must change nothing), then one with prod-us down."""
    interpreters = {"prod-eu": sys.executable, "prod-us": es8_python()}
    private_data_dir = tmp_path_factory.mktemp("awx-clusters-job")
    inventory_dir = private_data_dir / "inventory"
    inventory_dir.mkdir()
    urls = dict((cluster, server.url) for cluster, server in cluster_emulators.es.items())
    overlay = inventory_dir / "clusters-overlay.yml"
    overlay.write_text(overlay_inventory(urls, interpreters), encoding="utf-8")
    env = runner_environment(job_environment(str(private_data_dir), [
        ("ilert", {"api_token": cluster_emulators.ILERT_TOKEN, "api_url": cluster_emulators.ilert.url}),
    ]))

    runs = dict(private_data_dir=str(private_data_dir), overlay=str(overlay))
    for ident in ("first", "second"):
        runs[ident] = run_job(private_data_dir, env, [CLUSTERS_INVENTORY, str(overlay)], ident)
        runs["writes_after_" + ident] = cluster_emulators.writes()
    # What the jobs sent, before the tests' own requests (which carry no credentials) join the logs.
    runs["authorization"] = dict((cluster, log.snapshot()) for cluster, log in cluster_emulators.es_logs.items())
    runs["authorization"]["ilert"] = cluster_emulators.ilert_log.snapshot()

    # prod-us down: its URL a port that is bound but not listening, so every connection is refused.
    with socket.socket() as not_listening:
        not_listening.bind(("127.0.0.1", 0))
        runs["down_url"] = "http://127.0.0.1:%d" % not_listening.getsockname()[1]
        down_overlay = inventory_dir / "clusters-overlay-prod-us-down.yml"
        down_overlay.write_text(overlay_inventory(dict(urls, **{"prod-us": runs["down_url"]}), interpreters), encoding="utf-8")
        runs["down"] = run_job(private_data_dir, env, [CLUSTERS_INVENTORY, str(down_overlay)], "down")
    runs["writes_after_down"] = cluster_emulators.writes()
    return runs


def host_counts(result, key):
    return dict((cluster, result.stats.get(key, {}).get(cluster, 0)) for cluster in CLUSTERS)


@pytest.mark.parametrize("which", ["first", "second"])
def test_job_succeeds_on_every_cluster(cluster_runs, which):
    result = cluster_runs[which]
    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()
    assert not result.stats["failures"] and not result.stats["dark"]
    assert sorted(result.stats["ok"]) == sorted(CLUSTERS)


def test_overlay_holds_the_api_keys_encrypted(cluster_runs):
    with open(cluster_runs["overlay"], encoding="utf-8") as handle:
        text = handle.read()
    assert text.count("!vault |") == len(CLUSTERS)
    assert text.count("$ANSIBLE_VAULT;1.2;AES256;" + VAULT_ID) == len(CLUSTERS)
    assert not any(spec["api_key"] in text for spec in CLUSTERS.values())


def test_vault_password_given_at_the_prompt(cluster_runs):
    """The password reached ansible-playbook only through its prompt: the command line names the prompt, not the password."""
    with open(os.path.join(cluster_runs["private_data_dir"], "artifacts", "first", "command"), encoding="utf-8") as handle:
        command = json.load(handle)["command"]
    assert command[command.index("--vault-id") + 1] == VAULT_ID + "@prompt"
    password_on_command_line = VAULT_PASSWORD in " ".join(command)
    assert not password_on_command_line


def test_first_job_changes_every_cluster_second_changes_nothing(cluster_runs):
    assert all(count > 0 for count in host_counts(cluster_runs["first"], "changed").values()), host_counts(cluster_runs["first"], "changed")
    assert host_counts(cluster_runs["second"], "changed") == dict((cluster, 0) for cluster in CLUSTERS)
    assert all(count > 0 for count in cluster_runs["writes_after_first"].values()), cluster_runs["writes_after_first"]
    assert cluster_runs["writes_after_second"] == cluster_runs["writes_after_first"]


def test_alert_sources_exist_once(cluster_runs, cluster_emulators):
    assert cluster_runs["first"].rc == 0
    names = [source["name"] for source in cluster_emulators.sources()]
    assert sorted(names) == sorted(source["name"] for source in declared_sources())


def test_each_cluster_holds_exactly_its_watches(cluster_runs, cluster_emulators):
    assert cluster_runs["first"].rc == 0
    expected = expected_watches()
    assert sorted(expected["prod-eu"]) == ["app-error-rate", "checkout-errors", "logs-heartbeat"]
    assert sorted(expected["prod-us"]) == ["app-error-rate", "logs-heartbeat"]
    for cluster in CLUSTERS:
        assert cluster_emulators.watch_ids(cluster) == sorted(expected[cluster]), cluster


def test_each_watch_posts_to_its_sources_integration_key(cluster_runs, cluster_emulators):
    """Every iLert action of a watch posts to iLert's Events API with the integration key of the source the
    watch is declared under: the same watch id carries another source's key on each cluster (logs-heartbeat)."""
    assert cluster_runs["first"].rc == 0
    keys = dict((source["name"], source["integrationKey"]) for source in cluster_emulators.sources())
    distinct_keys = len(set(key for key in keys.values() if key))
    assert distinct_keys == len(declared_sources())
    ilert_port = int(cluster_emulators.ilert.url.rsplit(":", 1)[1])
    wrong = []
    for cluster, watches in expected_watches().items():
        for watch_id, source_name in watches.items():
            webhooks = [action["webhook"] for action in cluster_emulators.watch(cluster, watch_id)["actions"].values() if "webhook" in action]
            # auto_resolve: an ALERT and a RESOLVE action, both with the key in the event's body.
            bodies_keys = [re.findall(r'"integrationKey": ("[^"]*")', hook.get("body", "")) for hook in webhooks]
            if len(webhooks) != 2 or any(hook["path"] != "/api/events" or int(hook["port"]) != ilert_port for hook in webhooks) \
                    or any(found != [json.dumps(keys[source_name])] for found in bodies_keys):
                wrong.append((cluster, watch_id, source_name))  # names only: the keys are secrets
    assert not wrong


def test_each_cluster_received_its_own_api_key(cluster_runs, cluster_emulators):
    """The modules of each host authenticated with that cluster's key, decrypted from the vault; iLert got the injected token."""
    # Counts only in the assertions: the headers hold the keys.
    for cluster, spec in CLUSTERS.items():
        requests_seen = len(cluster_runs["authorization"][cluster])
        without_its_key = sum(1 for header in cluster_runs["authorization"][cluster] if header != "ApiKey " + spec["api_key"])
        assert (cluster, requests_seen > 0, without_its_key) == (cluster, True, 0)
    ilert_requests = len(cluster_runs["authorization"]["ilert"])
    ilert_without_token = sum(1 for header in cluster_runs["authorization"]["ilert"] if header != "Bearer " + cluster_emulators.ILERT_TOKEN)
    assert ilert_requests > 0 and ilert_without_token == 0


def test_cluster_down_fails_its_host_only(cluster_runs, cluster_emulators):
    """With prod-us unreachable, the job fails (as AWX shows it: status failed) with prod-us failed at the
    watches task and the module's message naming its URL; prod-eu converges (nothing left to change)."""
    result = cluster_runs["down"]
    assert (result.status, result.rc) == ("failed", 2)
    assert host_counts(result, "failures") == {"prod-eu": 0, "prod-us": 1}
    assert host_counts(result, "changed") == {"prod-eu": 0, "prod-us": 0}
    assert "prod-eu" in result.stats["ok"] and not result.stats["dark"]
    failed = [(event["event_data"]["host"], event["event_data"]["task"], event["event_data"]["res"].get("msg", ""))
              for event in result.events if event.get("event") == "runner_on_failed"]
    assert len(failed) == 1 and failed[0][:2] == ("prod-us", "Watches of the alert sources"), failed
    assert failed[0][2].startswith("Cannot list the watches: Cannot reach Elasticsearch at %s" % cluster_runs["down_url"]), failed
    assert failed[0][2].endswith("nothing was written"), failed
    # prod-eu was read, not written, and still holds its watches.
    assert cluster_runs["writes_after_down"] == cluster_runs["writes_after_second"]
    assert cluster_emulators.watch_ids("prod-eu") == sorted(expected_watches()["prod-eu"])


def test_no_secret_in_job_output_or_events(cluster_runs, cluster_emulators):
    """Neither the vault password, nor the clusters' API keys, nor the iLert token, nor the integration keys
    appear in anything ansible-runner records for AWX (stdout, job_events, status, ...) of the three jobs.
    `command`, runner's record of the environment it was given (which holds the injected iLert token), is
    checked for every other secret."""
    integration_keys = [source["integrationKey"] for source in cluster_emulators.sources()]
    keys_found = len([key for key in integration_keys if key])
    assert keys_found == len(declared_sources())
    secrets = [VAULT_PASSWORD, cluster_emulators.ILERT_TOKEN] + [spec["api_key"] for spec in CLUSTERS.values()] + integration_keys
    idents = ("first", "second", "down")

    artifacts = os.path.join(cluster_runs["private_data_dir"], "artifacts")
    checked = 0
    for folder, dummy, files in os.walk(artifacts):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            is_environment_record = name == "command" and os.path.dirname(os.path.dirname(path)) == artifacts
            if is_environment_record:
                assert os.stat(path).st_mode & 0o077 == 0, "the environment record must be private to the job"
            shown = [number for number, secret in enumerate(secrets)
                     if secret in text and not (is_environment_record and secret == cluster_emulators.ILERT_TOKEN)]
            assert not shown, "secrets number %s appear in %s" % (shown, os.path.relpath(path, artifacts))
            checked += 1
    events = sum(len(os.listdir(os.path.join(artifacts, ident, "job_events"))) for ident in idents)
    assert events > 10 * len(idents) and checked > events
    for ident in idents:
        stdout = cluster_runs[ident].stdout.read()
        assert "PLAY RECAP" in stdout
        assert not any(secret in stdout for secret in secrets), ident
    # AWX never writes credentials or passwords into the private data dir's env/ files (suppress_env_files).
    env_dir = os.path.join(cluster_runs["private_data_dir"], "env")
    for name in os.listdir(env_dir) if os.path.isdir(env_dir) else []:
        with open(os.path.join(env_dir, name), encoding="utf-8") as handle:
            text = handle.read()
        assert not any(secret in text for secret in secrets), name
