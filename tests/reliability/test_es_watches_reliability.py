# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""es_watches, the set module, through faults, concurrent runs and -vvv, run by ansible-playbook.

The fault and concurrency tests start from the same stored state, made by a clean es_watches run
and one plain PUT, and declare the same set of watches over it (``TARGET``): some already as
declared, some changed (one losing keys, which a conditional PUT would leave, as Elasticsearch
merges it into the stored watch), some deactivated, one absent, some new (one auto-resolving,
its key in a body), and, with prune, three undeclared watches posting to the key to delete. A
watch posting to another key and a watch posting to no iLert key at all must survive every prune.

1. faults: Elasticsearch fails a share of requests (HTTP 429/500/502/503, resets, slow answers,
   answers lost after the server acted) while the set converges; the declared state holds and a
   second run changes nothing and writes nothing;
2. concurrency: several runs at once over the same set, some pruning, whose listings all see the
   old state (Query Watches answers held back), so that their writes race;
3. secrets: create, update with diff, check mode, prune, a watch Elasticsearch refuses, a write
   failing with HTTP 500 and an unreachable cluster, at -vvv --diff with the module arguments in
   the results: the integration key, the Elasticsearch password or API key and every
   Authorization header value sent show nowhere.

One bad entry among good ones is refused before any request: the es_watches rows of test_bad_input.py.
"""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import LoggedServer, run_playbook
from es_emulator.app import WatcherEmulator
from test_secrets import captured_outputs, hits, wire_logs, without

KEY = "il1eswatchesRELIABILITY0key"
FOREIGN_KEY = "il1eswatchesFOREIGN0key"
SURVIVORS = ("foreign-0", "plain-0")  # not declared, not posting to KEY: never pruned

# One task: es_watches with the test's options; its result is dumped to a file (no_log: it is
# grepped there) and does not count as a change.
SET_PLAYBOOK = r"""
- name: es_watches
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The watches
      ilert.watcher.es_watches:
        watches: "{{ watches }}"
        ilert: "{{ ilert_options }}"
        prune: "{{ prune | default(false) }}"
        parallel_requests: "{{ parallel_requests | default(4) }}"
        retries: "{{ retries | default(3) }}"
        request_timeout: "{{ request_timeout | default(10) }}"
      register: outcome
      ignore_errors: true

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ outcome | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      changed_when: false
      no_log: true
"""


def watch_entry(watch_id: str, threshold: int = 1, **options) -> dict:
    return dict({"id": watch_id, "trigger": {"schedule": {"interval": "10m"}},
                 "input": {"search": {"request": {"indices": ["logs-*"], "body": {"size": 0}}}},
                 "condition": {"compare": {"ctx.payload.hits.total": {"gt": threshold}}},
                 "metadata": {"name": "watch %s" % watch_id}, "throttle_period": "5m"}, **options)


# The stored state every test starts from (plus plain-0, a watch without any iLert action).
BEFORE = ([watch_entry("keep-%02d" % number) for number in range(4)]
          + [watch_entry("upd-%02d" % number) for number in range(4, 7)]
          + [watch_entry("off-%02d" % number) for number in range(7, 9)]
          + [watch_entry("gone-09")]
          + [watch_entry("stale-%d" % number) for number in range(3)]
          + [watch_entry("foreign-0", ilert={"integration_key": FOREIGN_KEY})])
# What the tests declare: 4 as they are, 3 updated, 2 deactivated, 1 deleted, 5 created; stale-* pruned.
# upd-06 loses keys (its compare operator and its throttle_period), which an update must remove.
TARGET = ([watch_entry("keep-%02d" % number) for number in range(4)]
          + [watch_entry("upd-%02d" % number, threshold=5) for number in range(4, 6)]
          + [dict((key, value) for key, value in watch_entry("upd-06").items() if key != "throttle_period")]
          + [watch_entry("off-%02d" % number, active=False) for number in range(7, 9)]
          + [{"id": "gone-09", "state": "absent"}]
          + [watch_entry("new-%02d" % number) for number in range(10, 14)]
          + [watch_entry("new-14", ilert={"auto_resolve": True, "summary": "new-14 fired"})])
TARGET[6]["condition"] = {"compare": {"ctx.payload.hits.total": {"gte": 5}}}
PRUNED = ["stale-%d" % number for number in range(3)]
WRITES = 3 + 2 + 1 + 5 + len(PRUNED)  # the writes TARGET with prune needs over BEFORE


def set_vars(watches, result_file, key=KEY, **options) -> dict:
    return dict(watches=watches, ilert_options={"integration_key": key}, result_file=str(result_file), **options)


def run_set(tmp_path, env: dict, name: str, watches, **options):
    """(PlaybookRun, registered result) of one es_watches run, with a directory of its own (runs may be concurrent)."""
    directory = tmp_path / name
    directory.mkdir()
    playbook = directory / "set.yml"
    playbook.write_text(SET_PLAYBOOK, encoding="utf-8")
    result_file = directory / "result.json"
    run = run_playbook(playbook, directory, env, set_vars(watches, result_file, **options))
    result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else None
    return run, result


def prepare(emulators, tmp_path) -> None:
    """BEFORE stored by a clean run, and plain-0 by a PUT of its own."""
    run, result = run_set(tmp_path, emulators.env(), "prepare", BEFORE)
    assert run.rc == 0 and result and not result.get("failed"), run.stdout[-3000:]
    plain = {"trigger": {"schedule": {"interval": "1h"}}, "input": {"simple": {"count": 1}}, "condition": {"always": {}},
             "actions": {"log": {"logging": {"text": "not an iLert watch"}}}}
    requests.put(emulators.es.url + "/_watcher/watch/plain-0", json=plain, timeout=10).raise_for_status()
    assert emulators.watch_ids() == sorted([entry["id"] for entry in BEFORE] + ["plain-0"])
    emulators.es.app.stats.reset()


def declared_state_holds(emulators) -> None:
    """TARGET as declared, each id once, the stale watches pruned, the survivors untouched."""
    present = [entry for entry in TARGET if entry.get("state", "present") == "present"]
    expected = [entry["id"] for entry in present] + list(SURVIVORS)
    assert emulators.watch_ids() == sorted(expected), "missing or extra watches"
    for entry in present:
        stored = emulators.watch(entry["id"])
        actions = json.dumps(stored["watch"]["actions"])
        assert KEY in actions and FOREIGN_KEY not in actions, "watch %s is not wired to the key: %s" % (entry["id"], actions)
        assert stored["status"]["state"]["active"] is entry.get("active", True), "watch %s: %s" % (entry["id"], stored["status"]["state"])
        assert stored["watch"]["metadata"]["name"] == entry["metadata"]["name"]
        if not (entry.get("ilert") or {}).get("auto_resolve"):
            assert stored["watch"]["condition"] == entry["condition"], "watch %s: %s" % (entry["id"], stored["watch"]["condition"])
        assert ("throttle_period_in_millis" in stored["watch"]) is ("throttle_period" in entry), "watch %s: %s" % (entry["id"], stored["watch"])
    assert KEY in json.dumps(emulators.watch("new-14")["watch"]["actions"]["ilert_resolve"]), "new-14 is not auto-resolving"
    assert FOREIGN_KEY in json.dumps(emulators.watch("foreign-0")["watch"]["actions"])
    assert emulators.watch("plain-0")["watch"]["actions"]["log"]["logging"]["text"] == "not an iLert watch"


def quiet_run(emulators, tmp_path, name: str) -> None:
    """One more run of the same set: unchanged, and not one write request."""
    emulators.faults({})
    emulators.es.app.stats.reset()
    run, result = run_set(tmp_path, emulators.env(), name, TARGET, prune=True)
    writes = emulators.es.app.stats.snapshot()["writes_by_route"]
    assert run.rc == 0 and run.recap()["changed"] == 0 and run.recap()["ignored"] == 0, run.stdout[-3000:]
    assert result["changed"] is False and not result.get("failed"), result
    assert [item["operation"] for item in result["watches"]] == ["none"] * len(TARGET), result["watches"]
    assert writes == {}, "an unchanged set wrote: %s" % writes


def outcome_is_clean(run, result) -> None:
    output = run.stdout + run.stderr
    assert run.rc == 0 and run.recap()["failed"] == 0 and run.recap()["ignored"] == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "Traceback" not in output and "MODULE FAILURE" not in output, output[-4000:]
    assert result and not result.get("failed") and "exception" not in result, result
    reported = sorted(item["watch_id"] for item in result["watches"])
    assert reported == sorted([entry["id"] for entry in TARGET] + PRUNED), "each watch reported once: %s" % reported
    assert sorted(item["watch_id"] for item in result["watches"] if item.get("pruned")) == PRUNED


# --- 1. faults ----------------------------------------------------------------------------------
# As test_faults: a fifth of all requests fail (an answer lost after 3 s, with request_timeout at
# 2 s, is the server acting and the client never learning of it), and a retry budget for that.
MIXED = {"rate": 0.2, "kinds": ["429", "500", "502", "503", "reset", "delay", "timeout"], "delay_ms": 300, "timeout_s": 3}
# The answers of the first WRITES write requests lost (so at least the first attempt of each
# write): a conditional PUT then meets its own write (409, read again), a DELETE finds nothing
# (404), a create or an unconditional PUT writes the same again.
LOST_WRITES = {"rate": 1, "kinds": ["timeout"], "timeout_s": 3, "count": WRITES, "seed": 1,
               "routes": ["^(PUT|POST|DELETE) /_watcher/watch/"]}


@pytest.mark.parametrize("name, faults", [("mixed-11", dict(MIXED, seed=11)), ("mixed-23", dict(MIXED, seed=23)), ("lost-writes", LOST_WRITES)])
def test_the_set_converges_through_faults_then_changes_nothing(emulators, tmp_path, name, faults, record_property):
    prepare(emulators, tmp_path)
    emulators.faults(faults)
    run, result = run_set(tmp_path, emulators.env(), "faulty", TARGET, prune=True, retries=6, request_timeout=2)
    injected, stats = emulators.injected()["es"], emulators.es.app.stats.snapshot()
    emulators.faults({})
    outcome_is_clean(run, result)
    assert injected > 0, "no fault was injected: the test proves nothing"
    if faults is LOST_WRITES:
        assert injected == WRITES, "not every write lost its first answer: %d of %d" % (injected, WRITES)
        # upd-04 and upd-05 are conditional PUTs (upd-06 removes keys: it replaces the watch unconditionally).
        assert stats["by_status"].get("409", 0) >= 2, "no update met its own lost write: %s" % stats["by_status"]
    declared_state_holds(emulators)
    quiet_run(emulators, tmp_path, "again")
    figures = "%s: %d Elasticsearch requests (%d writes), %d faults injected" % (name, stats["requests"], stats["writes"], injected)
    record_property("figures", figures)
    print(figures)


# --- 2. concurrency ------------------------------------------------------------------------------
@pytest.mark.parametrize("prunes", [(True, False), (True, False, True)], ids=["2-runs", "3-runs"])
def test_concurrent_set_runs_end_in_the_declared_state(emulators, tmp_path, prunes, record_property):
    prepare(emulators, tmp_path)
    # Every listing is answered as the state was at its arrival, 6 s later (less than the client
    # waits): runs started together all list the old state, then write over each other.
    emulators.es.app.faults.configure({"rate": 1, "kinds": ["timeout"], "timeout_s": 6, "routes": ["^POST /_watcher/_query/watches$"]})
    env = emulators.env()
    with ThreadPoolExecutor(max_workers=len(prunes)) as pool:
        futures = [pool.submit(run_set, tmp_path, env, "run-%d" % number, TARGET, prune=prune, request_timeout=20)
                   for number, prune in enumerate(prunes)]
        outcomes = [future.result() for future in futures]
    stats = emulators.es.app.stats.snapshot()
    emulators.faults({})
    for run, result in outcomes:
        output = run.stdout + run.stderr
        assert run.rc == 0 and run.recap()["failed"] == 0 and run.recap()["ignored"] == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "Traceback" not in output and "MODULE FAILURE" not in output, output[-4000:]
        assert result and not result.get("failed") and "exception" not in result, result
    declared_state_holds(emulators)
    # The race happened: conditional updates made from the same listing met each other's writes.
    assert stats["by_status"].get("409", 0) > 0, "the runs did not overlap: %s" % stats["by_route"]
    quiet_run(emulators, tmp_path, "after")
    figures = "%d runs at once (%d pruning): %d writes, %d conflicts" % (
        len(prunes), sum(prunes), stats["writes"], stats["by_status"].get("409", 0))
    record_property("figures", figures)
    print(figures)


# --- 3. secrets at -vvv --------------------------------------------------------------------------
ES_USER = "svc-watches"
SECRETS_PLAYBOOK = r"""
- name: es_watches, every path, at -vvv
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/ilert.watcher.elasticsearch: "{{ es_connection }}"
  vars:
    ilert_options: {integration_key: "{{ integration_key }}"}
    first: "{{ watches[:3] }}"
    changed: "{{ watches[:3] | map('combine', {'condition': {'compare': {'ctx.payload.hits.total': {'gte': 100}}}}) | list }}"
  tasks:
    - name: Create
      ilert.watcher.es_watches: {watches: "{{ watches }}", ilert: "{{ ilert_options }}"}
      register: create

    - name: Update, with a diff
      ilert.watcher.es_watches: {watches: "{{ changed }}", ilert: "{{ ilert_options }}"}
      register: update

    - name: Check mode, with prune
      ilert.watcher.es_watches: {watches: "{{ first }}", ilert: "{{ ilert_options }}", prune: true}
      check_mode: true
      register: check

    - name: Prune (what check mode would have updated is still as before)
      ilert.watcher.es_watches: {watches: "{{ changed }}", ilert: "{{ ilert_options }}", prune: true}
      register: prune

    - name: A watch Elasticsearch refuses, among good ones (fails)
      ilert.watcher.es_watches:
        watches: "{{ changed + [refused] }}"
        ilert: "{{ ilert_options }}"
      register: refused_result
      ignore_errors: true

    - name: A write answered with HTTP 500 (fails)
      ilert.watcher.es_watches: {watches: ["{{ http500 }}"], ilert: "{{ ilert_options }}", retries: 0}
      register: http500_result
      ignore_errors: true

    - name: An unreachable cluster (fails)
      ilert.watcher.es_watches: {watches: "{{ changed }}", ilert: "{{ ilert_options }}", hosts: ["http://127.0.0.1:9"], retries: 0}
      register: unreachable
      ignore_errors: true

    - name: Dump every result
      ansible.builtin.copy:
        content: "{{ {'create': create, 'update': update, 'check': check, 'prune': prune, 'refused': refused_result,
                      'http500': http500_result, 'unreachable': unreachable} | to_nice_json }}"
        dest: "{{ dump_file }}"
        mode: "0600"
      no_log: true
"""


@pytest.mark.parametrize("method", ["basic", "api_key"])
def test_no_secret_shows_at_vvv(method, tmp_path, record_property):
    tag = secrets.token_hex(6)
    key, own_key, password, api_key = "il1KEY%sZq" % tag, "il1OWNKEY%sZq" % tag, "esPASSWORD%sZq" % tag, "esAPIKEY%sZq" % tag
    playbook, dump_file, log_path = tmp_path / "flow.yml", tmp_path / "results.json", tmp_path / "ansible.log"
    playbook.write_text(SECRETS_PLAYBOOK, encoding="utf-8")
    # sec-b posts to the key in an Events API body, sec-own to a key of its own; sec-stale is pruned.
    watches = [watch_entry("sec-a"), watch_entry("sec-b", ilert={"auto_resolve": True}), watch_entry("sec-own", ilert={"integration_key": own_key}),
               watch_entry("sec-stale")]
    variables = {"integration_key": key, "watches": watches, "dump_file": str(dump_file),
                 "refused": watch_entry("sec-refused", condition={"script": {"id": "no_such_script"}}),
                 "http500": watch_entry("sec-http500")}
    with LoggedServer(WatcherEmulator(scheduler=False)) as es:
        environment = {"ELASTICSEARCH_ENDPOINTS": es.url, "ANSIBLE_LOG_PATH": str(log_path), "ANSIBLE_DEPRECATION_WARNINGS": "false",
                       "ANSIBLE_INJECT_INVOCATION": "true"}  # results carry their (masked) module arguments
        if method == "basic":  # as module options, through module_defaults
            variables["es_connection"] = {"username": ES_USER, "password": password}
        else:  # from the environment, as an AWX credential gives it
            variables["es_connection"] = {}
            environment["ELASTICSEARCH_API_KEY"] = api_key
        es.app.faults.configure({"rate": 1, "kinds": ["500"], "routes": ["^PUT /_watcher/watch/sec-http500$"]})
        run = run_playbook(playbook, tmp_path, environment, variables, "-vvv", "--diff")
        es_log = list(es.log.entries)
    assert run.rc == 0 and run.recap() == dict(run.recap(), failed=0, ignored=3), run.stdout[-3000:] + run.stderr[-2000:]
    results = json.loads(dump_file.read_text(encoding="utf-8"))

    # Each path was taken, and did what it should.
    assert [item["operation"] for item in results["create"]["watches"]] == ["created"] * 4, results["create"]
    assert [item["operation"] for item in results["update"]["watches"]] == ["updated"] * 3 and len(results["update"]["diff"]) == 3
    assert results["check"]["changed"] and [(item["watch_id"], item["operation"]) for item in results["check"]["watches"]] == [
        ("sec-a", "updated"), ("sec-b", "updated"), ("sec-own", "updated"), ("sec-stale", "deleted")], results["check"]
    assert [(item["watch_id"], item["operation"]) for item in results["prune"]["watches"]] == [
        ("sec-a", "none"), ("sec-b", "none"), ("sec-own", "none"), ("sec-stale", "deleted")], "check mode wrote: %s" % results["prune"]
    assert results["refused"]["failed"] and "1 of 4 watches failed: watch 'sec-refused'" in results["refused"]["msg"], results["refused"]
    assert "unable to find script [no_such_script] in cluster state" in results["refused"]["msg"], results["refused"]["msg"]
    assert results["http500"]["failed"] and "HTTP 500" in results["http500"]["msg"], results["http500"]
    assert results["unreachable"]["failed"] and "Cannot reach Elasticsearch" in results["unreachable"]["msg"], results["unreachable"]

    credentials = {"es_password": password, "es_basic_pair": "%s:%s" % (ES_USER, password)} if method == "basic" else {"es_api_key": api_key}
    authorizations = set(entry["request_headers"].get("Authorization") for entry in es_log)
    expected = "ApiKey " + api_key if method == "api_key" else None
    assert len(authorizations) == 1 and None not in authorizations and (expected is None or authorizations == {expected}), authorizations
    credentials.update(("Authorization header %d" % number, value) for number, value in enumerate(sorted(authorizations)))
    everything = dict(credentials, integration_key=key, own_integration_key=own_key)

    # What Ansible printed and logged, and the registered results: no secret.
    shown = captured_outputs({"flow": run}, log_path)
    shown["registered results"] = json.dumps(results)
    found = hits(everything, shown)
    # On the wire only the watch bodies sent to Elasticsearch may hold the key, and nothing the credentials.
    wire = wire_logs([], es_log)
    found += hits(everything, without(wire, ("Elasticsearch request bodies",)))
    found += hits(credentials, {"Elasticsearch request bodies": wire["Elasticsearch request bodies"]})
    assert found == [], "secrets found (secret, where): %s" % found

    # The needles and haystacks are the real ones: the key passed by, in requests and answers, and was masked.
    assert key in wire["Elasticsearch request bodies"] and own_key in wire["Elasticsearch request bodies"]
    assert any(key in entry["response_body"] for entry in es_log if entry["request"].startswith("POST /_watcher/_query/watches"))
    assert "/api/v1/events/eswatcher/********" in run.stdout, "no diff showed a masked events path"
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.stdout, "no masked module argument was shown"
    size = sum(len(text.encode()) for text in list(shown.values()) + list(wire.values()))
    figures = "%s: %d captures (%d bytes) grepped for %d secrets, %d requests logged" % (
        method, len(shown) + len(wire), size, len(everything), len(es_log))
    record_property("figures", figures)
    print(figures)
