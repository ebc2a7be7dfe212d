# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/site.yml run the way an AWX job template runs it: through ansible-runner's Python API,
with the credentials arriving only as the environment variables the credential types inject,
against the two emulators. Runs it twice (the second run must change nothing) and checks what the
emulators hold afterwards and that no secret reached the job output or events. A second job checks
module_defaults with the action groups, and each Elasticsearch credential type on its own."""

from __future__ import annotations

import os
import sys

import ansible_runner
import pytest
import requests
import yaml

import awx_credentials
from awx_credentials import COLLECTIONS_PATH, REPO

# ansible-runner starts ansible-playbook through pexpect (forkpty) while the emulators' threads run;
# the child execs at once, so the deadlock Python warns about cannot happen there.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

ES_API_KEY = "ZW11bGF0b3I6bm90LWEtcmVhbC1rZXk="  # the emulator does not check it; it must still never be shown


def site_sources():
    with open(os.path.join(REPO, "playbooks", "vars", "eswatcher.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["eswatcher_sources"]


def job_environment(private_data_dir, credentials):
    """What a job's environment gets from its credentials: [(credential type file name, inputs)]."""
    types = awx_credentials.load_by_name()
    env = {}
    for name, inputs in credentials:
        problems = awx_credentials.validate(types[name])
        assert not problems, problems
        env.update(awx_credentials.inject(types[name], inputs, private_data_dir))
    return env


def runner_environment(credential_env):
    """The job environment plus what the execution environment itself provides: ansible-playbook
    on PATH and the collection installed (here: .collections, through the repository's ansible.cfg)."""
    return dict(
        credential_env,
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
        ANSIBLE_NOCOLOR="1",
    )


def run(private_data_dir, env, **kwargs):
    kwargs.setdefault("extravars", {"ansible_python_interpreter": sys.executable})
    return ansible_runner.run(
        private_data_dir=str(private_data_dir),
        envvars=env,
        quiet=True,
        timeout=120,
        # As AWX (AWX_RUNNER_OMIT_ENV_FILES): the environment is not written to env/ files.
        suppress_env_files=True,
        **kwargs
    )


def changes(result):
    return sum(result.stats.get("changed", {}).values())


def changed_items(result):
    """What changed, item by item: (task name, loop item label or None)."""
    return [(data.get("task"), data["res"].get("_ansible_item_label")) for data in changed_results(result)]


def changed_results(result):
    """The event data of every changed task or loop item (not the summaries of loops)."""
    found = []
    for event in result.events:
        data = event.get("event_data", {})
        if event.get("event") in ("runner_on_ok", "runner_item_on_ok") and data.get("res", {}).get("changed"):
            if event["event"] == "runner_on_ok" and "results" in data["res"]:
                continue  # the summary of a loop; its items are counted one by one
            found.append(data)
    return found


def changed_watches(result):
    """The ids of the watches es_watches reports as changed, over every loop item."""
    return [watch["watch_id"] for data in changed_results(result) for watch in data["res"].get("watches", []) if watch.get("changed")]


@pytest.fixture(scope="module")
def site_runs(emulators, tmp_path_factory):
    private_data_dir = tmp_path_factory.mktemp("awx-job")
    credential_env = job_environment(str(private_data_dir), [
        ("ilert", {"api_token": emulators.ILERT_TOKEN, "api_url": emulators.ilert.url}),
        ("elasticsearch_api_key", {"hosts": emulators.es.url, "api_key": ES_API_KEY, "ca_cert": ""}),
    ])
    env = runner_environment(credential_env)
    # The project is the repository, as AWX checks it out; the playbook path is relative to it.
    first = run(private_data_dir, env, project_dir=REPO, playbook="playbooks/site.yml", ident="first")
    second = run(private_data_dir, env, project_dir=REPO, playbook="playbooks/site.yml", ident="second")
    return dict(private_data_dir=str(private_data_dir), credential_env=credential_env, first=first, second=second)


def test_credentials_arrive_as_injected_environment(site_runs, emulators):
    assert site_runs["credential_env"] == {
        "ILERT_API_TOKEN": emulators.ILERT_TOKEN,
        "ILERT_ENDPOINT": emulators.ilert.url,
        "ELASTICSEARCH_ENDPOINTS": emulators.es.url,
        "ELASTICSEARCH_API_KEY": ES_API_KEY,
        "ELASTICSEARCH_CA_FILE": "",
    }


@pytest.mark.parametrize("which", ["first", "second"])
def test_job_succeeds(site_runs, which):
    result = site_runs[which]
    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()
    assert not result.stats["failures"] and not result.stats["dark"]


def test_first_run_changes_second_run_does_not(site_runs):
    """The recap of the first run counts the alert source task (its result is hidden by no_log) and
    the one watch set task as changed, and the events show every watch changed; the second run changes nothing."""
    watch_ids = [watch["id"] for source in site_sources() for watch in source.get("watches", [])]
    assert changes(site_runs["first"]) == 2
    assert [task for task, dummy in changed_items(site_runs["first"])].count("Watches of the alert sources") == 1  # one execution for all
    assert sorted(changed_watches(site_runs["first"])) == sorted(watch_ids)
    assert changes(site_runs["second"]) == 0
    assert changed_items(site_runs["second"]) == []


def test_ilert_holds_the_alert_source(site_runs, emulators):
    assert site_runs["first"].rc == 0
    answer = requests.get(emulators.ilert.url + "/api/alert-sources", headers={"Authorization": "Bearer " + emulators.ILERT_TOKEN}, timeout=10)
    assert answer.status_code == 200
    names = [source["name"] for source in answer.json()]
    assert sorted(names) == sorted(source["name"] for source in site_sources())


def test_elasticsearch_holds_the_watches_wired_to_ilert(site_runs, emulators):
    assert site_runs["first"].rc == 0
    ilert_port = emulators.ilert.url.rsplit(":", 1)[1]
    for source in site_sources():
        for watch in source["watches"]:
            answer = requests.get(emulators.es.url + "/_watcher/watch/" + watch["id"], timeout=10)
            assert answer.status_code == 200, watch["id"]
            body = answer.json()
            assert body["found"] and body["status"]["state"]["active"]
            assert body["watch"]["metadata"]["name"] == watch["metadata"]["name"]
            webhooks = [action["webhook"] for action in body["watch"]["actions"].values() if "webhook" in action]
            assert webhooks and all(str(hook["port"]) == ilert_port for hook in webhooks)


def test_no_secret_in_job_output_or_events(site_runs, emulators):
    """The API token, the Elasticsearch API key and the source's integration key appear nowhere in
    what ansible-runner records for AWX (stdout, stderr, job_events, status, ...). The one file
    left out is `command`: ansible-runner's own record of the environment it was given, which AWX
    never shows and deletes with the job's private data directory."""
    answer = requests.get(emulators.ilert.url + "/api/alert-sources", headers={"Authorization": "Bearer " + emulators.ILERT_TOKEN}, timeout=10)
    integration_keys = [source["integrationKey"] for source in answer.json()]
    assert integration_keys and all(integration_keys)
    secrets = [emulators.ILERT_TOKEN, ES_API_KEY] + integration_keys

    artifacts = os.path.join(site_runs["private_data_dir"], "artifacts")
    checked = 0
    for folder, dummy, files in os.walk(artifacts):
        for name in files:
            path = os.path.join(folder, name)
            if name == "command" and os.path.dirname(os.path.dirname(path)) == artifacts:
                assert os.stat(path).st_mode & 0o077 == 0, "the environment record must be private to the job"
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            for secret in secrets:
                assert secret not in text, "a secret appears in %s" % os.path.relpath(path, artifacts)
            checked += 1
    events = os.listdir(os.path.join(artifacts, "first", "job_events"))
    assert len(events) > 10 and checked > len(events)
    for result in (site_runs["first"], site_runs["second"]):
        stdout = result.stdout.read()
        assert "PLAY RECAP" in stdout and not any(secret in stdout for secret in secrets)
    # AWX never writes the credentials into the private data dir's env/ files either (suppress_env_files).
    env_dir = os.path.join(site_runs["private_data_dir"], "env")
    for name in os.listdir(env_dir) if os.path.isdir(env_dir) else []:
        with open(os.path.join(env_dir, name), encoding="utf-8") as handle:
            text = handle.read()
        assert not any(secret in text for secret in secrets), name


ES_CREDENTIALS = {
    "elasticsearch_api_key": {"api_key": ES_API_KEY},
    "elasticsearch_basic_auth": {"username": "watcher", "password": "not-a-real-password"},
    "elasticsearch_bearer_token": {"bearer_token": "not-a-real-token"},
}

CHECKS_PLAYBOOK = """
- name: Connections set once for each action group, as a job template's playbook does
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/ilert.watcher.ilert:
      api_url: "{{ ilert_url }}"
      api_token: "{{ ilert_token }}"
    group/ilert.watcher.elasticsearch:
      hosts: ["{{ es_url }}"]
      retries: 0
  tasks:
    - name: Alert sources through module_defaults
      ilert.watcher.ilert_alert_source_info:
    - name: Watch through module_defaults
      ilert.watcher.es_watch_info:
        watch_id: app-error-rate

- name: Each Elasticsearch credential type alone, its injected variables as the whole connection
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Connect with {{ item }}
      ilert.watcher.es_watch_info:
        watch_id: app-error-rate
      environment: "{{ credential_env[item] }}"
      loop: "{{ credential_env | list }}"
      ignore_errors: true  # every type is tried; the events tell which failed
"""


@pytest.fixture(scope="module")
def checks_run(emulators, tmp_path_factory):
    """One ansible-runner job for the module_defaults and per-credential-type checks (one start-up of ansible-playbook)."""
    private_data_dir = tmp_path_factory.mktemp("awx-checks")
    project = private_data_dir / "project"
    project.mkdir()
    (project / "checks.yml").write_text(CHECKS_PLAYBOOK.lstrip(), encoding="utf-8")
    credential_env = dict(
        (name, job_environment(str(private_data_dir), [(name, dict(inputs, hosts=emulators.es.url))]))
        for name, inputs in ES_CREDENTIALS.items()
    )
    result = run(
        private_data_dir, runner_environment({}), playbook="checks.yml",
        extravars={"ansible_python_interpreter": sys.executable, "ilert_url": emulators.ilert.url, "ilert_token": emulators.ILERT_TOKEN,
                   "es_url": emulators.es.url, "credential_env": credential_env},
    )
    outcomes = {}
    for event in result.events:
        data = event.get("event_data", {})
        if event.get("event") in ("runner_on_ok", "runner_on_failed", "runner_item_on_ok", "runner_item_on_failed"):
            if event["event"].startswith("runner_on_") and "results" in data.get("res", {}):
                continue
            outcomes[data["res"].get("_ansible_item_label") or data["task"]] = event["event"].endswith("_ok")
    return dict(result=result, outcomes=outcomes, stdout=result.stdout.read())


def test_module_defaults_action_groups(checks_run):
    """meta/runtime.yml defines the groups ilert and elasticsearch, and module_defaults on
    group/ilert.watcher.ilert and group/ilert.watcher.elasticsearch supply the connection to the
    modules of the group: the job has no credential environment."""
    with open(os.path.join(REPO, "meta", "runtime.yml"), encoding="utf-8") as handle:
        groups = yaml.safe_load(handle)["action_groups"]
    assert groups == {"ilert": ["ilert_alert_source", "ilert_alert_source_info"], "elasticsearch": ["es_watch", "es_watch_info", "es_watches"]}
    assert (checks_run["result"].status, checks_run["result"].rc) == ("successful", 0), checks_run["stdout"]
    assert checks_run["outcomes"]["Alert sources through module_defaults"] is True
    assert checks_run["outcomes"]["Watch through module_defaults"] is True


@pytest.mark.parametrize("name", sorted(ES_CREDENTIALS))
def test_each_elasticsearch_credential_type_is_accepted_by_the_modules(checks_run, name):
    """With only one credential type's variables in the environment, es_watch_info runs: the
    variables each type sets (including an empty ELASTICSEARCH_CA_FILE) form a valid connection."""
    assert checks_run["outcomes"].get(name) is True, checks_run["stdout"]
    secrets = [value for key, value in ES_CREDENTIALS[name].items() if key in awx_credentials.secret_ids(awx_credentials.load_by_name()[name])]
    assert secrets and not any(secret in checks_run["stdout"] for secret in secrets)
