# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No secret ever shows: not at -vvv, in diffs, check mode, failures, results, logs or on the wire.

One flow per Elasticsearch authentication method (username and password, API key, bearer token;
they are mutually exclusive), each against fresh emulators that log every request and answer:

1. the site playbook creates an alert source and its auto-resolving watch (-vvv --diff); a second
   play in the same run registers module results (es_watch, es_watch_info, and for one method
   ilert_alert_source_info), provokes failures (a watch Elasticsearch refuses; for one method an
   unknown escalation policy and a wrong iLert token) and dumps every registered result;
2. (username and password only: these paths do not depend on the credentials) the site playbook
   in check mode with changed watches (-vvvv --check --diff, task arguments in the banners, YAML
   results), then with changed watches whose writes all fail (an injected HTTP 500, no retries).

Results carry their module arguments (ANSIBLE_INJECT_INVOCATION, the default before ansible-core
2.21), so the masked options are shown too.

Everything is kept: stdout, stderr, Ansible's log file, the tree and junit callbacks' files, the
dumped results and both emulators' logs of what the client sent and was answered. Then the iLert
API token (one the emulator accepts, made for the test), the wrong token, the integration key of
the source (read from the iLert emulator), and the Elasticsearch password, API key or bearer
token are looked for in all of it, as they are and encoded.
"""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import quote

import pytest

from conftest import ROOT, LoggedServer, run_playbook, sources_vars
from es_emulator.app import WatcherEmulator
from ilert_emulator.app import IlertEmulator

SITE = ROOT / "playbooks" / "site.yml"
ES_USER = "svc-watcher"
AUTH_METHODS = ("basic", "api_key", "bearer_token")

# The site playbook, then a play that registers what the modules return, makes some of them fail
# (ignore_errors) and dumps it all. Connection settings come from the environment, as AWX
# credentials provide them; the alert source's result is the role's, registered in the first play.
FLOW_PLAYBOOK = r"""
- name: The site playbook
  ansible.builtin.import_playbook: @SITE@

- name: Register and dump module results
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Alert sources, without keys
      ilert.watcher.ilert_alert_source_info:
        name: sec source 0
      register: source_info
      when: ilert_failures | bool

    - name: A watch wired to the source (the key goes into the webhook path)
      ilert.watcher.es_watch:
        watch_id: sec-extra
        trigger: {schedule: {interval: 5m}}
        input: {simple: {count: 1}}
        condition: {compare: {ctx.payload.count: {gt: 0}}}
        ilert:
          integration_key: "{{ eswatcher_source_results.results[0].integration_key }}"
          api_url: "{{ lookup('ansible.builtin.env', 'ILERT_ENDPOINT') }}"
      register: watch

    - name: The watches
      ilert.watcher.es_watch_info:
      register: watch_info

    - name: A watch Elasticsearch refuses (fails)
      ilert.watcher.es_watch:
        watch_id: sec-refused
        trigger: {schedule: {interval: not-a-duration}}
        ilert:
          integration_key: "{{ eswatcher_source_results.results[0].integration_key }}"
          api_url: "{{ lookup('ansible.builtin.env', 'ILERT_ENDPOINT') }}"
      register: refused
      ignore_errors: true

    - name: A source with an escalation policy that does not exist (fails)
      ilert.watcher.ilert_alert_source:
        name: sec source broken
        escalation_policy: No such policy
      register: unknown_policy
      ignore_errors: true
      when: ilert_failures | bool

    - name: Sources read with a wrong token (fails)
      ilert.watcher.ilert_alert_source_info:
        api_token: "{{ wrong_token }}"
      register: wrong_token_result
      ignore_errors: true
      when: ilert_failures | bool

    - name: Dump every result (no_log, since the alert source's holds the key by design)
      ansible.builtin.copy:
        content: "{{ {'source': eswatcher_source_results.results[0], 'source_info': source_info, 'watch': watch, 'watch_info': watch_info,
                      'refused': refused, 'unknown_policy': unknown_policy, 'wrong_token': wrong_token_result} | to_nice_json }}"
        dest: "{{ dump_dir }}/results.json"
        mode: "0600"
      no_log: true
""".replace("@SITE@", str(SITE))

# Where ilert_alert_source returns the integration key on purpose (RETURN in its documentation).
DOCUMENTED_KEY_FIELDS = ("integration_key", "integration_url", "webhook")
DOCUMENTED_SOURCE_KEY_FIELDS = ("integrationKey", "integrationUrl")


def new_secrets(method: str) -> dict:
    """New distinctive secrets for one test, so that a hit cannot be a coincidence."""
    tag = secrets.token_hex(6)
    values = {"ilert_token": "ilTOKEN%sZq" % tag, "wrong_token": "ilWRONG%sZq" % tag}
    values.update({"basic": {"es_password": "esPASSWORD%sZq" % tag}, "api_key": {"es_api_key": "esAPIKEY%sZq" % tag},
                   "bearer_token": {"es_bearer_token": "esBEARER%sZq" % tag}}[method])
    return values


def connection(method: str, values: dict, ilert_url: str, es_url: str):
    """(environment, role variables) carrying the secrets: AWX-like environment, or role variables."""
    environment = {"ILERT_ENDPOINT": ilert_url, "ELASTICSEARCH_ENDPOINTS": es_url, "ILERT_API_TOKEN": values["ilert_token"]}
    role = {}
    if method == "basic":
        environment.update(ELASTICSEARCH_USERNAME=ES_USER, ELASTICSEARCH_PASSWORD=values["es_password"])
        role.update(eswatcher_es_username=ES_USER, eswatcher_es_password=values["es_password"])
    elif method == "api_key":
        environment.update(ELASTICSEARCH_API_KEY=values["es_api_key"])  # the site runs take it from there
    else:
        environment.update(ELASTICSEARCH_BEARER_TOKEN=values["es_bearer_token"])
        role.update(eswatcher_es_bearer_token=values["es_bearer_token"], eswatcher_ilert_api_token=values["ilert_token"])
    return environment, role


def encodings(secret: str) -> set:
    """The forms a secret can take in output: as is, URL-encoded, JSON-escaped, base64."""
    return {secret, quote(secret, safe=""), json.dumps(secret)[1:-1], base64.b64encode(secret.encode()).decode()}


def hits(needles: dict, haystacks: dict) -> list:
    """(secret name, where) for every secret found, in any of its forms."""
    found = []
    for name, secret in needles.items():
        forms = encodings(secret)
        found.extend((name, where) for where, text in haystacks.items() if any(form in text for form in forms))
    return found


def changed_vars(variables: dict) -> dict:
    """The same sources with every watch's condition changed, so each watch needs a PUT."""
    changed = json.loads(json.dumps(variables))
    for source in changed["eswatcher_sources"]:
        for watch in source["watches"]:
            watch["condition"] = {"compare": {"ctx.payload.hits.total": {"gte": 100}}}
    return changed


def without(value: dict, fields) -> dict:
    return dict((key, item) for key, item in value.items() if key not in fields)


def captured_outputs(runs: dict, log_path, *directories) -> dict:
    """Everything Ansible printed or wrote, by where it came from."""
    shown = {}
    for name, answer in runs.items():
        shown["%s stdout" % name] = answer.stdout
        shown["%s stderr" % name] = answer.stderr
    shown["ANSIBLE_LOG_PATH"] = log_path.read_text(encoding="utf-8")
    for directory in directories:
        for path in sorted(directory.iterdir()):
            shown["%s/%s" % (directory.name, path.name)] = path.read_text(encoding="utf-8")
    return shown


def wire_logs(ilert_log: list, es_log: list) -> dict:
    """The emulators' logs of what the client sent and what it was answered, by part."""
    wire = {}
    for server, log in (("iLert", ilert_log), ("Elasticsearch", es_log)):
        wire[server + " request lines"] = "\n".join(entry["request"] for entry in log)
        wire[server + " request headers but Authorization"] = json.dumps([without(entry["request_headers"], ("Authorization",)) for entry in log])
        wire[server + " response headers"] = json.dumps([entry["response_headers"] for entry in log])
        wire[server + " error answers"] = json.dumps([entry["response_body"] for entry in log if entry["status"] >= 400])
        wire[server + " request bodies"] = json.dumps([entry["request_body"] for entry in log])
    return wire


@pytest.mark.parametrize("method", AUTH_METHODS)
def test_no_secret_anywhere(method, tmp_path, record_property):
    values = new_secrets(method)
    dump_dir, tree_dir, junit_dir, log_path = tmp_path / "dump", tmp_path / "tree", tmp_path / "junit", tmp_path / "ansible.log"
    dump_dir.mkdir()
    flow = tmp_path / "flow.yml"
    flow.write_text(FLOW_PLAYBOOK, encoding="utf-8")
    full = method == AUTH_METHODS[0]  # the iLert failures do not depend on how Elasticsearch is reached: once is enough
    with LoggedServer(IlertEmulator(tokens=[values["ilert_token"]])) as ilert, LoggedServer(WatcherEmulator(scheduler=False)) as es:
        environment, role = connection(method, values, ilert.url, es.url)
        environment.update(ANSIBLE_LOG_PATH=str(log_path), ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.tree,ansible.builtin.junit",
                           ANSIBLE_CALLBACK_TREE_DIR=str(tree_dir), JUNIT_OUTPUT_DIR=str(junit_dir), ANSIBLE_DEPRECATION_WARNINGS="false",
                           ANSIBLE_INJECT_INVOCATION="true")  # results carry their (masked) module arguments, as before ansible-core 2.21
        variables = dict(sources_vars(1, 1, prefix="sec"), **role)  # one auto-resolving watch: the key goes into its bodies
        runs = {}

        def run(name, variables, *args, **env):
            runs[name] = run_playbook(env.pop("playbook", SITE), tmp_path, dict(environment, **env), variables, *args)
            return runs[name]

        created = run("create and results", dict(variables, dump_dir=str(dump_dir), wrong_token=values["wrong_token"], ilert_failures=full),
                      "-vvv", "--diff", playbook=flow)
        assert created.rc == 0, created.stdout[-3000:] + created.stderr[-2000:]
        assert created.recap() == dict(created.recap(), changed=4, failed=0, ignored=3 if full else 1), created.stdout[-3000:]
        writes = es.app.stats.snapshot()["writes"] + ilert.app.stats.snapshot()["writes"]

        if full:  # check mode and a failed write take the same connection paths whichever the credentials
            checked = run("check", changed_vars(variables), "-vvvv", "--check", "--diff", ANSIBLE_CALLBACK_RESULT_FORMAT="yaml",
                          ANSIBLE_DISPLAY_ARGS_TO_STDOUT="true")
            assert checked.rc == 0 and checked.recap()["changed"] == 1, checked.stdout[-3000:]
            assert es.app.stats.snapshot()["writes"] + ilert.app.stats.snapshot()["writes"] == writes, "check mode wrote"
            assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in checked.stdout and "censored" in checked.stdout, checked.stdout[-3000:]

            es.app.faults.configure({"rate": 1, "kinds": ["500"], "routes": ["^PUT /_watcher/watch/"]})
            failed = run("failure", dict(changed_vars(variables), eswatcher_es_retries=0), "-vvv", "--diff")
            injected = es.app.faults.describe()["injected"]
            es.app.faults.configure({})
            assert failed.rc != 0 and failed.recap()["failed"] == 1 and injected == 1, failed.stdout[-3000:]
            assert "HTTP 500" in failed.stdout, failed.stdout[-3000:]

        with ilert.app.state_lock:
            keys = [source["integrationKey"] for source in ilert.app.account.all("alertSources")]
        es_log, ilert_log = list(es.log.entries), list(ilert.log.entries)

    assert len(keys) == 1 and keys[0], keys  # sec source 0, and nothing of the broken one
    results = json.loads((dump_dir / "results.json").read_text(encoding="utf-8"))
    source_result = results.pop("source")

    # The failures failed for the reasons provoked, and say so.
    assert results["refused"]["failed"] and "not-a-duration" in results["refused"]["msg"], results["refused"]
    if full:
        assert "No such policy" in results["unknown_policy"]["msg"], results["unknown_policy"]
        assert "HTTP 403" in results["wrong_token"]["msg"], results["wrong_token"]

    credentials = dict(values)
    if method == "basic":
        credentials["es_basic_pair"] = "%s:%s" % (ES_USER, values["es_password"])
    everything = dict(credentials, integration_key=keys[0])

    # 1. What Ansible printed and wrote, and the registered results: no secret of any kind.
    shown = captured_outputs(runs, log_path, tree_dir, junit_dir)
    shown["registered results"] = json.dumps(results)
    found = hits(everything, shown)

    # 2. The alert source's result has the key where documented, and nowhere else.
    assert source_result["integration_key"] == keys[0]
    rest = dict(without(source_result, DOCUMENTED_KEY_FIELDS), alert_source=without(source_result["alert_source"], DOCUMENTED_SOURCE_KEY_FIELDS))
    found += hits(everything, {"ilert_alert_source result but its documented key fields": json.dumps(rest)})
    found += hits(credentials, {"ilert_alert_source result": json.dumps(source_result)})

    # 3. The emulators' logs. Elasticsearch has to be sent the key (in the watches' actions), nothing else may carry it.
    wire = wire_logs(ilert_log, es_log)
    key_carrier = "Elasticsearch request bodies"
    found += hits(everything, without(wire, (key_carrier,)))
    found += hits(credentials, {key_carrier: wire[key_carrier]})
    assert found == [], "secrets found (secret, where): %s" % found

    # Each credential went to its own server only, in the Authorization header.
    expected = {"basic": "Basic " + base64.b64encode(("%s:%s" % (ES_USER, values.get("es_password"))).encode()).decode(),
                "api_key": "ApiKey %s" % values.get("es_api_key"), "bearer_token": "Bearer %s" % values.get("es_bearer_token")}[method]
    ilert_auth = set(entry["request_headers"].get("Authorization") for entry in ilert_log)
    assert ilert_auth == set("Bearer " + values[name] for name in (("ilert_token", "wrong_token") if full else ("ilert_token",))), ilert_auth
    assert set(entry["request_headers"].get("Authorization") for entry in es_log) == {expected}

    # The needles and haystacks are the real ones: what had to be hidden did pass by, and was masked.
    assert keys[0] in wire[key_carrier] and keys[0] in json.dumps(source_result)
    reads = [entry["response_body"] for entry in es_log if entry["request"].startswith(("GET /_watcher/watch/", "POST /_watcher/_query/watches"))]
    assert any(keys[0] in body for body in reads), "Elasticsearch never showed the key: the masking was not put to the test"
    assert "/api/v1/events/eswatcher/********" in created.stdout and '\\"integrationKey\\": \\"********\\"' in created.stdout
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in created.stdout and "censored" in created.stdout
    assert len(list(junit_dir.iterdir())) == len(runs) and (tree_dir / "localhost").exists()

    size = sum(len(text.encode()) for text in list(shown.values()) + list(wire.values()))
    figures = "%s: %d runs, %d captures (%d bytes) grepped for %d secrets in 4 forms each, %d requests logged, secrets found: %d" % (
        method, len(runs), len(shown) + len(wire) + 1, size, len(everything), len(es_log) + len(ilert_log), len(found))
    record_property("figures", figures)
    print(figures)
