# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Acceptance test of the round trip: a setup built by hand, exported, applied again without a single write.

The hand-made state is what iLert's guide has users build: an Elastic Watcher alert source created in
iLert's UI (here by its API) and watches written in Kibana with a webhook posting the watch context to
the source's events URL, plus the variants people add over time (Kibana's own watch format, an e-mail
action with a password, an iLert action of their own, an auto-resolving pair, a watch still posting to a
deleted source, a watch that has nothing to do with iLert).

Against the emulators by default. With ILERT_API_TOKEN and ELASTICSEARCH_ENDPOINTS in the environment
(ILERT_ENDPOINT defaults to https://api.ilert.com; ELASTICSEARCH_API_KEY, _USERNAME/_PASSWORD and
_CA_FILE are used when set) the same steps run against those services, on names with a random suffix,
and everything created is deleted at the end; the iLert account needs the escalation policy "Default" and
the teams "Platform" and "Observability" (the test is skipped without them). Write counters exist only in
the emulators; the version of each watch and the alert source's updatedAt are checked in both modes.
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from conftest import ROOT, run_playbook

SITE = ROOT / "playbooks" / "site.yml"
EXPORT = ROOT / "playbooks" / "export.yml"
CTX_BODY = "{{#toJson}}ctx{{/toJson}}"
PAYLOAD = "{{#toJson}}ctx.payload{{/toJson}}"
MAIL_PASSWORD = "s3cret-mail-pw-7f3a"
TIMEOUT = 30
# A long interval: a real cluster must not run the watches (and page anyone, or bump their versions) during the test.
TRIGGER = {"schedule": {"interval": "1h"}}
INPUT = {"search": {"request": {"indices": ["logs-*"], "body": {"size": 0, "query": {"match": {"log.level": "error"}}}}}}
CONDITION = {"compare": {"ctx.payload.hits.total": {"gt": 5}}}


class UnsafeLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """Reads the file as Ansible does, `!unsafe` strings included (as the plain strings they are)."""


class Unsafe(str):
    """A string written back with the tag `!unsafe`."""


class UnsafeDumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
    """Writes Unsafe strings with their tag, so that Ansible still leaves Watcher's mustache alone."""


UnsafeLoader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))
UnsafeDumper.add_representer(Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value)))


def load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=UnsafeLoader)  # nosec B506 - a SafeLoader subclass


class Services:
    """iLert and Elasticsearch for this test: the emulators, or the real services the environment names."""

    def __init__(self, ilert_url: str, token: str, es_url: str, env: dict, emulators=None):
        self.ilert_url = ilert_url.rstrip("/")
        self.es_url = es_url.rstrip("/")
        self.env = env
        self.emulators = emulators
        self.real = emulators is None
        self.suffix = uuid.uuid4().hex[:8] if self.real else ""
        self.ilert_session = requests.Session()
        self.ilert_session.headers.update({"Authorization": "Bearer " + token, "Accept": "application/json"})
        self.es_session = requests.Session()
        if env.get("ELASTICSEARCH_API_KEY"):
            self.es_session.headers["Authorization"] = "ApiKey " + env["ELASTICSEARCH_API_KEY"]
        elif env.get("ELASTICSEARCH_USERNAME"):
            self.es_session.auth = (env["ELASTICSEARCH_USERNAME"], env.get("ELASTICSEARCH_PASSWORD", ""))
        if env.get("ELASTICSEARCH_CA_FILE"):
            self.es_session.verify = env["ELASTICSEARCH_CA_FILE"]
        self.source_ids = []
        self.watch_ids = []

    def name(self, text: str) -> str:
        """A name of this run: with a random suffix on real services, so that nothing of anybody else is touched."""
        return "%s-%s" % (text, self.suffix) if self.suffix else text

    def ilert(self, method: str, path: str, **kwargs) -> requests.Response:
        answer = self.ilert_session.request(method, self.ilert_url + path, timeout=TIMEOUT, **kwargs)
        answer.raise_for_status()
        return answer

    def es(self, method: str, path: str, **kwargs) -> requests.Response:
        answer = self.es_session.request(method, self.es_url + path, timeout=TIMEOUT, **kwargs)
        answer.raise_for_status()
        return answer

    def writes(self):
        """The emulators' write counters; None on real services, which count nothing for us."""
        if self.emulators is None:
            return None
        stats = self.emulators.stats()
        return {"es": stats["es"]["writes"], "ilert": stats["ilert"]["writes"]}

    def by_name(self, path: str, name: str) -> int:
        """The id of the escalation policy or team called `name`, as a person picks it in the UI."""
        found = [item["id"] for item in self.ilert("GET", path).json() if item.get("name") == name]
        if not found:
            pytest.skip("no %s named %r in this iLert account" % (path.rsplit("/", 1)[-1], name))
        return found[0]

    def create_source(self, name: str, **extra) -> dict:
        body = {"name": name, "integrationType": "ESWATCHER", "escalationPolicy": {"id": self.by_name("/api/escalation-policies", "Default")}}
        body.update(extra)
        source = self.ilert("POST", "/api/alert-sources", json=body).json()
        self.source_ids.append(source["id"])
        return source

    def source(self, source_id) -> dict:
        return self.ilert("GET", "/api/alert-sources/%s" % source_id).json()

    def put_watch(self, watch_id: str, body: dict) -> None:
        self.watch_ids.append(watch_id)
        self.es("PUT", "/_watcher/watch/" + watch_id, json=body)

    def watch(self, watch_id: str) -> dict:
        return self.es("GET", "/_watcher/watch/" + watch_id).json()

    def versions(self, source_id, watch_ids) -> dict:
        """What must not move when nothing is written: each watch's _version and the source's updatedAt."""
        versions = dict((watch_id, self.watch(watch_id)["_version"]) for watch_id in watch_ids)
        versions["source updatedAt"] = self.source(source_id).get("updatedAt")
        return versions

    def cleanup(self) -> None:
        for watch_id in self.watch_ids:
            self.es_session.delete(self.es_url + "/_watcher/watch/" + watch_id, timeout=TIMEOUT)
        for source_id in self.source_ids:
            self.ilert_session.delete(self.ilert_url + "/api/alert-sources/%s" % source_id, timeout=TIMEOUT)


@pytest.fixture(name="services")
def fixture_services(request):
    if os.environ.get("ILERT_API_TOKEN") and os.environ.get("ELASTICSEARCH_ENDPOINTS"):
        env = dict((key, value) for key, value in os.environ.items() if key.startswith(("ILERT_", "ELASTICSEARCH_")))
        env.setdefault("ILERT_ENDPOINT", "https://api.ilert.com")
        es_url = env["ELASTICSEARCH_ENDPOINTS"].split(",")[0].strip()
        services = Services(env["ILERT_ENDPOINT"], env["ILERT_API_TOKEN"], es_url, env)
    else:
        emulators = request.getfixturevalue("emulators")
        env = emulators.env()
        services = Services(env["ILERT_ENDPOINT"], env["ILERT_API_TOKEN"], env["ELASTICSEARCH_ENDPOINTS"], env, emulators=emulators)
    try:
        yield services
    finally:
        services.cleanup()


class Setup:
    """What the hand-made state consists of, for the assertions: ids, names and the keys that must never be written."""

    def __init__(self, services: Services):
        self.services = services
        self.source_name = services.name("Elasticsearch production")
        self.ids = dict((short, services.name(short)) for short in (
            "app-errors", "kibana-style", "with-email", "differing", "auto-resolve", "orphan", "not-ilert"))
        self.source = None
        self.keys = []

    def build(self) -> None:
        """The state as iLert's guide describes it, written by raw HTTP as the UI and Kibana write it."""
        services = self.services
        platform = services.by_name("/api/teams", "Platform")
        self.source = services.create_source(self.source_name, teams=[{"id": platform}], alertCreation="ONE_OPEN_ALERT_ALLOWED")
        staging = services.create_source(services.name("Elasticsearch staging"))
        self.keys = [self.source["integrationKey"], staging["integrationKey"]]
        api = urlsplit(services.ilert_url)
        port = api.port or (443 if api.scheme == "https" else 80)
        # The guide's webhook, on the host the role's webhook URL defaults to (ILERT_ENDPOINT).
        hook = {"scheme": api.scheme, "host": api.hostname, "port": port, "method": "POST",
                "path": "/api/v1/events/eswatcher/" + self.source["integrationKey"],
                "headers": {"Content-Type": "application/json"}, "params": {}, "body": CTX_BODY}
        base = {"trigger": TRIGGER, "input": INPUT, "condition": CONDITION, "throttle_period": "5m"}
        ids = self.ids
        services.put_watch(ids["app-errors"], dict(base, actions={"ilert": {"webhook": hook}}))
        services.put_watch(ids["kibana-style"], dict(base, metadata={"name": "Disk usage", "xpack": {"type": "json"}},
                                                     actions={"notify-ilert": {"webhook": hook}}))
        services.put_watch(ids["with-email"], dict(base, actions={
            "ilert": {"webhook": hook},
            "mail": {"email": {"to": "ops@example.com", "subject": "{{ctx.watch_id}} has {{ctx.payload.hits.total}} errors",
                               "body": {"text": "errors"}, "user": "ops", "password": MAIL_PASSWORD}}}))
        services.put_watch(ids["differing"], dict(base, actions={"ilert": {
            "throttle_period": "1h", "webhook": dict(hook, headers={"Content-Type": "application/json", "X-Env": "prod"})}}))
        services.put_watch(ids["auto-resolve"], self.auto_resolving(api, port))
        services.put_watch(ids["orphan"], dict(base, actions={"ilert": {"webhook": dict(
            hook, path="/api/v1/events/eswatcher/" + staging["integrationKey"])}}))
        services.put_watch(ids["not-ilert"], dict(base, actions={"log": {"logging": {"text": "{{ctx.watch_id}} fired"}}}))
        services.ilert("DELETE", "/api/alert-sources/%s" % staging["id"])
        services.source_ids.remove(staging["id"])

    def auto_resolving(self, api, port: int) -> dict:
        """An auto-resolving watch written by hand the way the role builds one (_ilert_auto_resolve.auto_resolving)."""
        watch_id, key = self.ids["auto-resolve"], self.source["integrationKey"]

        def event(event_type: str, condition: dict) -> dict:
            body = '{"integrationKey": %s, "eventType": "%s", "alertKey": %s, "summary": %s, "customDetails": %s}' % (
                json.dumps(key), event_type, json.dumps(watch_id), json.dumps("Error rate"), PAYLOAD)
            return {"condition": condition, "webhook": {
                "scheme": api.scheme, "host": api.hostname, "port": port, "method": "post", "path": "/api/events",
                "params": {}, "headers": {"Content-Type": "application/json"}, "body": body}}

        resolve = event("RESOLVE", {"compare": {"ctx.payload.hits.total": {"lte": 5}}})
        resolve["throttle_period"] = "5m"
        return {"trigger": TRIGGER, "input": INPUT, "condition": {"always": {}}, "throttle_period": "5m",
                "metadata": {"name": "Error rate"}, "actions": {"ilert": event("ALERT", copy.deepcopy(CONDITION)), "ilert_resolve": resolve}}

    def exported_ids(self) -> list:
        return [self.ids[short] for short in ("app-errors", "kibana-style", "with-email", "differing", "auto-resolve")]


def test_a_hand_made_setup_exports_to_a_file_that_applies_without_a_write(services, tmp_path):
    measured = {}
    setup = Setup(services)
    setup.build()
    ids = setup.ids
    exported = tmp_path / "exported.yml"
    names = {"eswatcher_export_names": [setup.source_name]} if services.real else {}

    def playbook(step: str, path: Path, *args, variables=None):
        started = time.monotonic()
        run = run_playbook(path, tmp_path, services.env, variables, *args)
        measured[step] = {"seconds": round(time.monotonic() - started, 1), "rc": run.rc, "writes after": services.writes()}
        if run.rc == 0:
            measured[step]["changed"] = run.recap()["changed"]
        return run

    def secrets_absent(text: str) -> None:
        for secret in setup.keys + [MAIL_PASSWORD]:
            assert secret not in text

    # --- the export ---------------------------------------------------------------------------------------------
    run = playbook("export", EXPORT, variables=dict(names, eswatcher_export_path=str(exported)))
    assert run.rc == 0, run.stdout + run.stderr
    text = exported.read_text(encoding="utf-8")
    secrets_absent(text)
    secrets_absent(run.stdout + run.stderr)

    document = load(exported)
    [source] = [source for source in document["eswatcher_sources"] if source["name"] == setup.source_name]
    assert source["escalation_policy"] == "Default" and source["teams"] == ["Platform"]
    assert source["alert_creation"] == "ONE_OPEN_ALERT_ALLOWED", source
    watches = dict((watch["id"], watch) for watch in source["watches"])
    assert sorted(watches) == sorted(setup.exported_ids()), text
    assert all(watch_id not in watches for source in document["eswatcher_sources"] for watch_id in (ids["orphan"], ids["not-ilert"]))

    wired = watches[ids["app-errors"]]
    assert "actions" not in wired and "ilert_action" not in wired and "ilert_action_id" not in wired, wired
    assert wired["throttle_period"] == "5m" and wired["condition"] == CONDITION
    assert watches[ids["kibana-style"]]["ilert_action_id"] == "notify-ilert"
    assert watches[ids["kibana-style"]]["metadata"] == {"name": "Disk usage", "xpack": {"type": "json"}}
    auto = watches[ids["auto-resolve"]]
    assert auto["auto_resolve"] is True and auto["condition"] == CONDITION and "actions" not in auto, auto
    differing = watches[ids["differing"]]
    assert differing["ilert_action"] is False, differing
    assert "<ilert_integration_key>" in json.dumps(differing["actions"]["ilert"]["webhook"]), differing
    assert differing["actions"]["ilert"]["throttle_period"] == "1h", differing
    email = watches[ids["with-email"]]
    assert email["redacted_values"] == "assume_unchanged" and sorted(email["actions"]) == ["mail"], email
    assert isinstance(email["actions"]["mail"]["email"]["subject"], Unsafe), "mustache must stay !unsafe"
    assert all(watch["throttle_period"] == "5m" for watch in watches.values()), text
    assert "throttle_period_in_millis" not in text and "300000" not in text
    orphan_lines = [line for line in text.splitlines() if ids["orphan"] in line]
    assert orphan_lines and all(line.lstrip().startswith("#") for line in orphan_lines), text
    assert ids["not-ilert"] not in text

    # --- applied as it is: nothing changes, not even in check mode ---------------------------------------------
    versions = services.versions(setup.source["id"], setup.exported_ids())
    writes = services.writes()
    measured["writes before apply"] = writes
    check = playbook("apply --check --diff", SITE, "-e", "@" + str(exported), "--check", "--diff")
    assert check.rc == 0, check.stdout + check.stderr
    assert check.recap()["changed"] == 0, check.stdout
    secrets_absent(check.stdout + check.stderr)
    assert services.writes() == writes
    apply = playbook("apply", SITE, "-e", "@" + str(exported))
    assert apply.rc == 0, apply.stdout + apply.stderr
    assert apply.recap()["changed"] == 0, apply.stdout
    secrets_absent(apply.stdout + apply.stderr)
    assert services.writes() == writes
    assert services.versions(setup.source["id"], setup.exported_ids()) == versions

    # --- a change to the file is applied, then converged ---------------------------------------------------------
    changed = load(exported)
    [entry] = [entry for entry in changed["eswatcher_sources"] if entry["name"] == setup.source_name]
    entry["teams"] = ["Platform", "Observability"]
    [target] = [watch for watch in entry["watches"] if watch["id"] == ids["app-errors"]]
    target["condition"] = {"compare": {"ctx.payload.hits.total": {"gt": 50}}}
    edited = tmp_path / "edited.yml"
    edited.write_text(yaml.dump(changed, Dumper=UnsafeDumper, sort_keys=False), encoding="utf-8")
    assert "!unsafe" in edited.read_text(encoding="utf-8")
    untouched = [watch_id for watch_id in setup.exported_ids() if watch_id != ids["app-errors"]]
    untouched_versions = services.versions(setup.source["id"], untouched)
    update = playbook("apply the edited file", SITE, "-e", "@" + str(edited))
    assert update.rc == 0, update.stdout + update.stderr
    assert update.recap()["changed"] > 0, update.stdout
    secrets_absent(update.stdout + update.stderr)
    if writes is not None:
        # One PUT of the edited watch, one PUT of the source: nothing else is rewritten.
        assert services.writes() == {"es": writes["es"] + 1, "ilert": writes["ilert"] + 1}
    moved = services.versions(setup.source["id"], untouched)
    assert moved.pop("source updatedAt") != untouched_versions.pop("source updatedAt")
    assert moved == untouched_versions
    assert services.watch(ids["app-errors"])["watch"]["condition"] == {"compare": {"ctx.payload.hits.total": {"gt": 50}}}
    assert sorted(team["name"] for team in services.source(setup.source["id"])["teams"]) == ["Observability", "Platform"]
    writes = services.writes()
    versions = services.versions(setup.source["id"], setup.exported_ids())
    again = playbook("apply the edited file again", SITE, "-e", "@" + str(edited))
    assert again.rc == 0 and again.recap()["changed"] == 0, again.stdout
    assert services.writes() == writes
    assert services.versions(setup.source["id"], setup.exported_ids()) == versions

    # --- an existing file is kept unless overwrite is asked for ----------------------------------------------------
    refused = playbook("export onto the file", EXPORT, variables=dict(names, eswatcher_export_path=str(exported)))
    assert refused.rc != 0 and "eswatcher_export_overwrite" in refused.stdout, refused.stdout
    assert exported.read_text(encoding="utf-8") == text
    secrets_absent(refused.stdout + refused.stderr)
    replaced = playbook("export with overwrite", EXPORT, variables=dict(names, eswatcher_export_path=str(exported), eswatcher_export_overwrite=True))
    assert replaced.rc == 0, replaced.stdout + replaced.stderr
    secrets_absent(exported.read_text(encoding="utf-8"))
    secrets_absent(replaced.stdout + replaced.stderr)
    # The new export holds the change just applied.
    [entry] = [entry for entry in load(exported)["eswatcher_sources"] if entry["name"] == setup.source_name]
    assert sorted(entry["teams"]) == ["Observability", "Platform"]
    [target] = [watch for watch in entry["watches"] if watch["id"] == ids["app-errors"]]
    assert target["condition"] == {"compare": {"ctx.payload.hits.total": {"gt": 50}}}
    # The timings and counters, for whoever runs this against real services (pytest -s shows them).
    print("measured:", json.dumps(measured, indent=1))
