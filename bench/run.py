# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: what a converge, a no-op run and a check-mode run of the eswatcher role cost.

For N = 1, 10, 50 and 200 watches (sources of up to 10 watches), against the local emulators on ports
of their own, it measures wall time (median of the repetitions), CPU time, peak memory and HTTP requests
per API of `ansible-playbook`, next to three references run in the same session: the per-task floor
(one ansible.builtin.ping per source and one ping loop item per watch, the structure the role had before
es_watches; measured up to N = 50, extrapolated linearly above), the set floor (one ping per source and
one per watch set, looped over the sources like the role now is) and the hand-written way
(ansible.builtin.uri, up to N = 50). One more row: playbooks/site.yml over an inventory of 4 clusters with 50
watches each, its no-op run with --forks 1 against --forks 4 (`--only clusters` runs that row alone). Writes
bench/RESULTS.md, prints it, and keeps logs and generated playbooks in bench/results/ (ignored by git). Stops the emulators
it started, also on failure or Ctrl-C. bench/README.md tells how to read the results.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
WORK = BENCH / "results"
ES_PORT = int(os.environ.get("BENCH_ES_PORT", "19250"))
ILERT_PORT = int(os.environ.get("BENCH_ILERT_PORT", "18050"))
ES_URL = "http://127.0.0.1:%d" % ES_PORT
ILERT_URL = "http://127.0.0.1:%d" % ILERT_PORT
TOKEN = "il-demo-token-not-a-secret"  # the iLert emulator's demo key, not a secret
WATCHES_PER_SOURCE = 10
PYTHON = sys.executable
ANSIBLE_PLAYBOOK = str(Path(PYTHON).with_name("ansible-playbook"))
RUN_TIMEOUT = 300
# The targets of issue 13, judged in RESULTS.md.
MAKE_BENCH_LIMIT = 15 * 60
MEMORY_LIMIT_MB = 150
# The many-clusters row: playbooks/site.yml over an inventory group of CLUSTERS clusters with CLUSTER_WATCHES watches
# each, its no-op run at each of CLUSTER_FORKS, against emulators of its own (the first ES port and the next ones).
CLUSTERS = 4
CLUSTER_WATCHES = 50
CLUSTER_FORKS = (1, 4)
CLUSTER_GROUP = "elasticsearch_clusters"
CLUSTERS_ES_PORT = int(os.environ.get("BENCH_CLUSTERS_ES_PORT", "19270"))
CLUSTERS_ILERT_PORT = int(os.environ.get("BENCH_CLUSTERS_ILERT_PORT", "18070"))
CLUSTERS_ES_URLS = tuple("http://127.0.0.1:%d" % (CLUSTERS_ES_PORT + index) for index in range(CLUSTERS))
CLUSTERS_ILERT_URL = "http://127.0.0.1:%d" % CLUSTERS_ILERT_PORT
SITE = ROOT / "playbooks" / "site.yml"

# Runs a command in a fresh process and reports its wall time and the peak RSS and CPU time of its
# process tree (every descendant that was waited for), so each measured run has its own numbers.
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"rc": rc, "wall": wall, "maxrss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}, out)
"""

# Runs ansible-playbook with each of Ansible's worker processes (one per task, all its loop items)
# under cProfile, one stats file per worker in sys.argv[1]. Only to tell where the time goes: never a measured run.
PROFILE = r"""
import cProfile, os, sys
from ansible.executor.process import worker
run, stats_dir = worker.WorkerProcess._run, sys.argv[1]
def profiled(self):
    profile = cProfile.Profile()
    profile.enable()
    try:
        return run(self)
    finally:
        profile.disable()
        profile.dump_stats(os.path.join(stats_dir, "worker-%d.prof" % os.getpid()))
worker.WorkerProcess._run = profiled
from ansible.cli.playbook import main
sys.argv = ["ansible-playbook"] + sys.argv[2:]
sys.exit(main())
"""

OURS = """---
# The role, as a user applies it (the sources come in as extra vars).
- name: Bench - the eswatcher role
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: ilert.watcher.eswatcher
"""

# The role once more, for the profile: the pause lets the last task's worker write its stats before the play ends.
OURS_PROFILED = OURS + """  post_tasks:
    - name: Let the last worker write its profile
      ansible.builtin.pause:
        seconds: 2
"""

# The per-task floor: the module executions of the role as it was before es_watches (one per source,
# one loop item per watch, sources through include_tasks) with a module that does nothing.
FLOOR = """---
- name: Bench - the per-task floor, one ansible.builtin.ping per source and one per watch
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Each alert source
      ansible.builtin.include_tasks: floor_source.yml
      loop: "{{ eswatcher_sources }}"
      loop_control:
        loop_var: bench_source
        label: "{{ bench_source.name }}"
"""

FLOOR_SOURCE = """---
- name: In place of the alert source
  ansible.builtin.ping:

- name: In place of the watches
  ansible.builtin.ping:
  loop: "{{ bench_source.watches }}"
  loop_control:
    loop_var: bench_watch
    label: "{{ bench_watch.id }}"
"""

# The set floor: the module executions of the role as it is now (tasks/main.yml: one ilert_alert_source
# loop item and one es_watches loop item per source, loops over the sources, no include_tasks) with a
# module that does nothing.
SET_FLOOR = """---
- name: Bench - the set floor, one ansible.builtin.ping per source and one per watch set
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: In place of the alert sources
      ansible.builtin.ping:
      loop: "{{ eswatcher_sources }}"
      loop_control:
        loop_var: bench_source
        label: "{{ bench_source.name }}"

    - name: In place of the watch sets
      ansible.builtin.ping:
      loop: "{{ range(eswatcher_sources | length) | list }}"
      loop_control:
        loop_var: bench_index
        label: "{{ eswatcher_sources[bench_index].name }}"
"""

# The one-set floor: the role's module executions since it converges the watches of every source that does
# not prune in one es_watches execution (one ilert_alert_source loop item per source, then one es_watches
# execution in all), with a module that does nothing.
ONE_SET_FLOOR = """---
- name: Bench - the one-set floor, one ansible.builtin.ping per source and one for all watch sets
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: In place of the alert sources
      ansible.builtin.ping:
      loop: "{{ eswatcher_sources }}"
      loop_control:
        loop_var: bench_source
        label: "{{ bench_source.name }}"

    - name: In place of the one watch set of all sources
      ansible.builtin.ping:
"""

# The hand-written way, as users write it without the collection: look the source up by name,
# create it when missing, GET each watch and PUT it unless the stored copy equals the declared one.
# That guard never holds (Elasticsearch stores a canonical form: throttle_period_in_millis,
# search_type, ...), so every watch is PUT on every run, and changed_when has to guess.
HAND = """---
- name: Bench - the hand-written way with ansible.builtin.uri
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    hand_ilert: "{{ lookup('ansible.builtin.env', 'ILERT_ENDPOINT') }}"
    hand_es: "{{ lookup('ansible.builtin.env', 'ELASTICSEARCH_ENDPOINTS') }}"
    hand_headers:
      Authorization: "Bearer {{ lookup('ansible.builtin.env', 'ILERT_API_TOKEN') }}"
    hand_ctx_body: !unsafe '{{#toJson}}ctx{{/toJson}}'
  tasks:
    - name: Each alert source with its watches
      ansible.builtin.include_tasks: hand_source.yml
      loop: "{{ eswatcher_sources }}"
      loop_control:
        loop_var: hand_source
        label: "{{ hand_source.name }}"
"""

HAND_SOURCE = """---
- name: Look up the alert source by name
  ansible.builtin.uri:
    url: "{{ hand_ilert }}/api/alert-sources"
    headers: "{{ hand_headers }}"
  register: hand_list

- name: Keep the one with the name
  ansible.builtin.set_fact:
    hand_found: "{{ hand_list.json | selectattr('name', 'equalto', hand_source.name) | list }}"

- name: Look up the escalation policy and the teams (only to create the source)
  ansible.builtin.uri:
    url: "{{ hand_ilert }}/api/{{ hand_what }}"
    headers: "{{ hand_headers }}"
  loop: [escalation-policies, teams]
  loop_control:
    loop_var: hand_what
  register: hand_lookups
  when: hand_found | length == 0

- name: Create the alert source
  ansible.builtin.uri:
    url: "{{ hand_ilert }}/api/alert-sources"
    method: POST
    headers: "{{ hand_headers }}"
    body_format: json
    body:
      name: "{{ hand_source.name }}"
      integrationType: ESWATCHER
      escalationPolicy:
        id: "{{ (hand_lookups.results[0].json | selectattr('name', 'equalto', hand_source.escalation_policy) | first).id }}"
      teams: "{{ hand_lookups.results[1].json | selectattr('name', 'in', hand_source.teams) | list }}"
    status_code: 201
  register: hand_created
  changed_when: true
  when: hand_found | length == 0

- name: Its integration key
  ansible.builtin.set_fact:
    hand_key: "{{ (hand_found | first).integrationKey if hand_found else hand_created.json.integrationKey }}"

- name: Get the watches
  ansible.builtin.uri:
    url: "{{ hand_es }}/_watcher/watch/{{ hand_watch.id }}"
    status_code: [200, 404]
  loop: "{{ hand_source.watches }}"
  loop_control:
    loop_var: hand_watch
    label: "{{ hand_watch.id }}"
  register: hand_get

- name: Put the watches that differ
  ansible.builtin.uri:
    url: "{{ hand_es }}/_watcher/watch/{{ hand_stored.hand_watch.id }}"
    method: PUT
    body_format: json
    body: "{{ hand_body }}"
    status_code: [200, 201]
  vars:
    hand_body:
      trigger: "{{ hand_stored.hand_watch.trigger }}"
      input: "{{ hand_stored.hand_watch.input }}"
      condition: "{{ hand_stored.hand_watch.condition }}"
      throttle_period: "{{ hand_stored.hand_watch.throttle_period }}"
      metadata: "{{ hand_stored.hand_watch.metadata }}"
      actions:
        ilert:
          webhook:
            scheme: "{{ hand_ilert | urlsplit('scheme') }}"
            host: "{{ hand_ilert | urlsplit('hostname') }}"
            port: "{{ hand_ilert | urlsplit('port') }}"
            method: post
            path: "/api/v1/events/eswatcher/{{ hand_key }}"
            headers:
              Content-Type: application/json
            body: "{{ hand_ctx_body }}"
  loop: "{{ hand_get.results }}"
  loop_control:
    loop_var: hand_stored
    label: "{{ hand_stored.hand_watch.id }}"
  when: hand_stored.status == 404 or hand_stored.json.watch != hand_body
  changed_when: true
"""

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)
KINDS = {"ours": "ours", "floor": "per-task floor", "set_floor": "set floor", "one_set_floor": "one-set floor", "hand": "hand-written"}
FLOORS = ("set_floor", "one_set_floor")
MODES = {"converge": "converge", "noop": "no-op", "check": "check (converged)", "run": "run"}


class Failure(RuntimeError):
    """A run went wrong; the message says which and where its log is."""


def on_sigterm(signum, frame):  # pylint: disable=unused-argument
    raise SystemExit("bench: terminated (signal %d)" % signum)


def emulators(action: str) -> None:
    env = dict(os.environ, EMULATORS_DIR=str(ROOT / ".emulators" / "bench"), ES_EMULATOR_PORT=str(ES_PORT),
               ILERT_EMULATOR_PORT=str(ILERT_PORT), ES_EMULATOR_ARGS="--scheduler off")
    subprocess.run([str(ROOT / "tools" / "emulators.sh"), action], env=env, check=True, stdout=subprocess.DEVNULL)


def cluster_emulators(action: str) -> None:
    """The many-clusters row's emulators: one Elasticsearch per cluster and one iLert, each with a state directory of its own
    (tools/emulators.sh keeps one pid file per name in a directory)."""
    state = ROOT / ".emulators" / "bench-clusters"
    script = str(ROOT / "tools" / "emulators.sh")
    for index in range(CLUSTERS):
        env = dict(os.environ, EMULATORS_DIR=str(state / ("es-%d" % index)), ES_EMULATOR_PORT=str(CLUSTERS_ES_PORT + index),
                   ES_EMULATOR_ARGS="--scheduler off")
        subprocess.run([script, action] + (["elasticsearch"] if action == "start" else []), env=env, check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, EMULATORS_DIR=str(state / "ilert"), ILERT_EMULATOR_PORT=str(CLUSTERS_ILERT_PORT))
    subprocess.run([script, action] + (["ilert"] if action == "start" else []), env=env, check=True, stdout=subprocess.DEVNULL)


def stats(es_urls=(ES_URL,), ilert_url=ILERT_URL) -> dict:
    """The emulators' request counts; those of several Elasticsearch emulators added up, as one."""
    es = {"requests": 0, "writes": 0, "by_route": {}}
    for url in es_urls:
        one = requests.get(url + "/_emulator/stats", timeout=10).json()
        es["requests"] += one["requests"]
        es["writes"] += one["writes"]
        for route, count in one["by_route"].items():
            es["by_route"][route] = es["by_route"].get(route, 0) + count
    return {"es": es, "ilert": requests.get(ilert_url + "/_emulator/stats", timeout=10).json()}


def reset(urls=(ES_URL, ILERT_URL)) -> None:
    for url in urls:
        requests.post(url + "/_emulator/reset", timeout=10).raise_for_status()


def delta(before: dict, after: dict) -> dict:
    """Requests made between two stats snapshots, per emulator: total, writes and by route."""
    out = {}
    for name in ("es", "ilert"):
        routes = {route: count - before[name]["by_route"].get(route, 0) for route, count in after[name]["by_route"].items()}
        out[name] = {"requests": after[name]["requests"] - before[name]["requests"],
                     "writes": after[name]["writes"] - before[name]["writes"],
                     "by_route": {route: count for route, count in sorted(routes.items()) if count}}
    return out


def watch(number: int) -> dict:
    """An error-rate watch like the one of playbooks/vars/eswatcher.yml."""
    return {
        "id": "bench-watch-%03d" % number,
        "metadata": {"name": "Bench watch %d: more than 5 errors in 5 minutes" % number},
        "trigger": {"schedule": {"interval": "1m"}},
        "input": {"search": {"request": {"indices": ["logs-app-*"], "body": {"size": 0, "query": {"bool": {"filter": [
            {"term": {"log.level": "error"}}, {"range": {"@timestamp": {"gte": "now-5m"}}}]}}}}}},
        "condition": {"compare": {"ctx.payload.hits.total": {"gt": 5}}},
        "throttle_period": "5m",
    }


def source_count(watches: int) -> int:
    return -(-watches // WATCHES_PER_SOURCE)


def sources(watches: int) -> list:
    return [{"name": "bench-source-%02d" % index, "escalation_policy": "Default", "teams": ["Platform"],
             "watches": [watch(number) for number in range(index * WATCHES_PER_SOURCE, min(watches, (index + 1) * WATCHES_PER_SOURCE))]}
            for index in range(source_count(watches))]


def write_inputs(sizes) -> None:
    playbooks = WORK / "playbooks"
    playbooks.mkdir(parents=True, exist_ok=True)
    files = {"ours.yml": OURS, "ours_profiled.yml": OURS_PROFILED, "floor.yml": FLOOR, "floor_source.yml": FLOOR_SOURCE,
             "set_floor.yml": SET_FLOOR, "one_set_floor.yml": ONE_SET_FLOOR,
             "hand.yml": HAND, "hand_source.yml": HAND_SOURCE}
    for name, text in files.items():
        (playbooks / name).write_text(text, encoding="utf-8")
    for size in sizes:
        with open(playbooks / ("vars-%d.yml" % size), "w", encoding="utf-8") as out:
            yaml.safe_dump({"eswatcher_sources": sources(size)}, out, sort_keys=False)


def cluster_name(index: int) -> str:
    return "bench-cluster-%d" % index


def write_cluster_inventory() -> Path:
    """The many-clusters inventory, shaped like playbooks/inventory/clusters: each host one cluster with its emulator and the venv's
    Python; the alert sources of N=CLUSTER_WATCHES, without watches, in the group's vars; each cluster all of that size's watches
    in eswatcher_cluster_watches, under the source bench spreads them to."""
    inventory = WORK / "clusters" / "inventory"
    shutil.rmtree(inventory, ignore_errors=True)
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    declared = sources(CLUSTER_WATCHES)
    files = {
        "hosts.yml": {CLUSTER_GROUP: {"hosts": dict((cluster_name(index), {"eswatcher_es_hosts": [url], "ansible_python_interpreter": PYTHON})
                                                    for index, url in enumerate(CLUSTERS_ES_URLS))}},
        "group_vars/%s.yml" % CLUSTER_GROUP: {"eswatcher_sources": [dict((key, value) for key, value in source.items() if key != "watches")
                                                                    for source in declared]},
    }
    for index in range(CLUSTERS):
        files["host_vars/%s.yml" % cluster_name(index)] = {
            "eswatcher_cluster_watches": dict((source["name"], source["watches"]) for source in declared)}
    for name, content in files.items():
        with open(inventory / name, "w", encoding="utf-8") as out:
            yaml.safe_dump(content, out, sort_keys=False)
    return inventory


def descendants(pid: int) -> list:
    """Every process below pid. Ansible's workers start sessions of their own, so killing the process group misses them."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> None:
    for process in [pid] + descendants(pid):
        try:
            os.kill(process, signal.SIGKILL)
        except ProcessLookupError:
            pass


def changed_results(junit: str) -> int:
    """Changed results of one run, from ansible.builtin.junit's report: loop items one by one, the watches of es_watches one by one."""
    count = 0
    for report in Path(junit).glob("*.xml"):
        for case in ET.parse(report).getroot().iter("testcase"):
            out = case.find("system-out")
            try:
                result = json.loads(out.text) if out is not None and out.text else None
            except ValueError:  # an include's output is not JSON
                continue
            if not isinstance(result, dict):
                continue
            for item in result.get("results") or [result]:
                if isinstance(item, dict) and isinstance(item.get("watches"), list):
                    count += sum(1 for entry in item["watches"] if entry.get("changed"))
                elif isinstance(item, dict) and item.get("changed"):
                    count += 1
    return count


class Runner:
    """Runs playbooks one at a time and records each run."""

    def __init__(self, logs: Path = None):
        self.count = 0
        self.records = []
        self.logs = logs or WORK / "logs"
        shutil.rmtree(self.logs, ignore_errors=True)  # the previous run's
        self.logs.mkdir(parents=True)
        self.env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                        ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit", JUNIT_HIDE_TASK_ARGUMENTS="true",
                        ILERT_ENDPOINT=ILERT_URL, ILERT_API_TOKEN=TOKEN, ELASTICSEARCH_ENDPOINTS=ES_URL)

    def run(self, kind: str, size: int, mode: str, playbook: str, extra=()) -> dict:
        return self.measure(kind, size, mode, [str(WORK / "playbooks" / playbook), "-e", "@" + str(WORK / "playbooks" / ("vars-%d.yml" % size)),
                                               "-e", "ansible_python_interpreter=" + PYTHON] + list(extra))

    def run_clusters(self, mode: str, forks: int, extra=()) -> dict:
        """playbooks/site.yml over the many-clusters inventory: no ELASTICSEARCH_ENDPOINTS, each host names its cluster."""
        env = dict(self.env, ILERT_ENDPOINT=CLUSTERS_ILERT_URL)
        del env["ELASTICSEARCH_ENDPOINTS"]
        record = self.measure("clusters", CLUSTER_WATCHES, "%s_forks%d" % (mode, forks),
                              ["-i", str(WORK / "clusters" / "inventory"), str(SITE), "--forks", str(forks)] + list(extra),
                              env=env, snapshot=lambda: stats(CLUSTERS_ES_URLS, CLUSTERS_ILERT_URL), hosts=CLUSTERS)
        record.update(forks=forks, clusters=CLUSTERS)
        return record

    def measure(self, kind: str, size: int, mode: str, arguments: list, env=None, snapshot=stats, hosts=1) -> dict:
        """One ansible-playbook run with these arguments, measured and recorded; a failed run, or a recap without every host, raises Failure."""
        self.count += 1
        name = "%03d-%s-%s-%d" % (self.count, kind, mode, size)
        log, result, junit = self.logs / (name + ".log"), self.logs / (name + ".json"), self.logs / (name + ".junit")
        command = [PYTHON, "-c", MEASURE, str(result), ANSIBLE_PLAYBOOK] + arguments
        env = dict(env or self.env, JUNIT_OUTPUT_DIR=str(junit))
        before = snapshot()
        with open(log, "w", encoding="utf-8") as out, \
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True) as process:
            try:
                process.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise Failure("%s: no result after %d s (log %s)" % (name, RUN_TIMEOUT, log)) from None
            finally:
                if process.poll() is None:  # timed out or interrupted: the playbook and everything it started go
                    kill_tree(process.pid)
                    process.wait()
        after = snapshot()
        measured = json.loads(result.read_text(encoding="utf-8"))
        text = log.read_text(encoding="utf-8")
        recap = RECAP.findall(text)
        if measured["rc"] != 0 or len(recap) != hosts:
            raise Failure("%s failed (exit %s); last lines of %s:\n%s" % (name, measured["rc"], log, "\n".join(text.splitlines()[-25:])))
        record = {"name": name, "kind": kind, "size": size, "mode": mode, "wall": measured["wall"], "cpu": measured["cpu"],
                  "maxrss_mb": measured["maxrss_kb"] / 1024.0, "tasks_changed": sum(int(host[2]) for host in recap),
                  "changed": changed_results(str(junit)), "requests": delta(before, after), "junit": str(junit)}
        self.records.append(record)
        print("  %-34s %6.1f s  cpu %6.1f s  %5.0f MB  requests es %3d ilert %3d  changed %d" % (
            name, record["wall"], record["cpu"], record["maxrss_mb"], record["requests"]["es"]["requests"],
            record["requests"]["ilert"]["requests"], record["changed"]), flush=True)
        return record


def import_cost(times: int = 5) -> dict:
    """CPU seconds of a module's Python start (ansible.module_utils.basic), and what importing the Elasticsearch client adds."""
    def median_of(code):
        samples = []
        for dummy in range(times):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([PYTHON, "-c", code], check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            samples.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return statistics.median(samples)
    base = median_of("import ansible.module_utils.basic")
    with_client = median_of("import ansible.module_utils.basic, elasticsearch")
    return {"module_start": base, "client_import": with_client - base}


def module_cost(runner, size: int, times: int = 9) -> dict:
    """CPU seconds of one execution of each module the role and the set floor run, alone (its AnsiballZ payload, median).

    One no-op of ours at `size` (on what the session converged last) and one set-floor run keep their
    payloads (ANSIBLE_KEEP_REMOTE_FILES); each runs again outside Ansible. Not recorded as runs.
    """
    keep = WORK / "keep"
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True)
    env = dict(runner.env, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP=str(keep), JUNIT_OUTPUT_DIR=str(keep / "junit"))
    for playbook in ("ours.yml", "one_set_floor.yml"):
        subprocess.run([ANSIBLE_PLAYBOOK, str(WORK / "playbooks" / playbook), "-e", "@" + str(WORK / "playbooks" / ("vars-%d.yml" % size)),
                        "-e", "ansible_python_interpreter=" + PYTHON], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True, timeout=RUN_TIMEOUT)
    payloads = {}
    for payload in sorted(keep.glob("*/AnsiballZ_*.py")):
        payloads.setdefault(payload.name[len("AnsiballZ_"):-len(".py")], payload)
    samples = dict((module, []) for module in payloads)
    for dummy in range(times):  # interleaved, so that a change of load hits every module alike
        for module, payload in payloads.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([PYTHON, str(payload)], env=runner.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=60)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            samples[module].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    shutil.rmtree(keep, ignore_errors=True)
    return dict((module, statistics.median(values)) for module, values in samples.items())


# What the workers' time is spent on, by (file ending, function) of the stats. The last part is inside the
# second: Jinja compiles the task's templates while they are templated.
PROFILE_PARTS = (
    ("module", ("connection/local.py", "exec_command"), "running the module processes (and the shell commands around each)"),
    ("arguments", ("playbook/task.py", "post_validate"), "templating each loop item's task arguments and module_defaults"),
    ("payload", ("plugins/action/__init__.py", "_configure_module"), "building the module payloads (AnsiballZ)"),
    ("results", ("multiprocessing/queues.py", "put"), "sending the results to the controller"),
    ("compile", ("jinja2/environment.py", "compile"), "and, within the templating, compiling Jinja templates"),
)


def worker_profile(runner, size: int) -> dict:
    """Seconds of one no-op run's worker processes under cProfile, in all and per part of PROFILE_PARTS. Not recorded as a run."""
    stats_dir = WORK / "profile"
    shutil.rmtree(stats_dir, ignore_errors=True)
    stats_dir.mkdir(parents=True)
    env = dict(runner.env, JUNIT_OUTPUT_DIR=str(stats_dir / "junit"))
    subprocess.run([PYTHON, "-c", PROFILE, str(stats_dir), str(WORK / "playbooks" / "ours_profiled.yml"),
                    "-e", "@" + str(WORK / "playbooks" / ("vars-%d.yml" % size)), "-e", "ansible_python_interpreter=" + PYTHON],
                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=RUN_TIMEOUT)
    totals = dict((name, 0.0) for name, dummy, dummy in PROFILE_PARTS)
    totals.update(workers=0.0, size=size)
    for path in stats_dir.glob("worker-*.prof"):
        if not path.stat().st_size:
            continue
        for (filename, dummy, function), (dummy, dummy, dummy, cumulative, dummy) in pstats.Stats(str(path)).stats.items():
            if function == "_run" and filename.endswith("process/worker.py"):
                totals["workers"] += cumulative
            for name, (ending, wanted), dummy in PROFILE_PARTS:
                if function == wanted and filename.endswith(ending):
                    totals[name] += cumulative
    return totals


def executions(case) -> int:
    """Executions of one junit test case (a task): its loop items that ran, 1 without a loop, 0 when skipped."""
    if case.find("skipped") is not None:
        return 0
    out = case.find("system-out")
    try:
        result = json.loads(out.text) if out is not None and out.text else None
    except ValueError:
        return 1
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        return sum(1 for item in result["results"] if isinstance(item, dict) and not item.get("skipped"))
    return 0 if isinstance(result, dict) and result.get("skipped") else 1


def junit_breakdown(path: str) -> list:
    """Seconds and executions per task of one run (a loop counts once), from ansible.builtin.junit's report."""
    totals = {}
    for report in Path(path).glob("*.xml"):
        for case in ET.parse(report).getroot().iter("testcase"):
            task = re.sub(r"^\[localhost\]\s*", "", case.get("name", ""))
            task = re.sub(r"bench-source-\d+", "<source>", task)
            task = re.sub(r"^(\[include\] )?Bench - [^:]*: (ilert\.watcher\.eswatcher : )?", r"\1", task)
            task = re.sub(r"(\(item=.*\)|\s+)$", "", task)
            entry = totals.setdefault(task, {"task": task, "seconds": 0.0, "runs": 0, "executions": 0})
            entry["seconds"] += float(case.get("time", 0))
            entry["runs"] += 1
            entry["executions"] += executions(case)
    return sorted(totals.values(), key=lambda entry: -entry["seconds"])


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        memory = int(info.readline().split()[1]) / 1024.0 / 1024.0
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gb": memory, "kernel": platform.release(),
            "python": platform.python_version(), "ansible-core": metadata.version("ansible-core"),
            "elasticsearch": metadata.version("elasticsearch")}


def checkout() -> dict:
    """The commit measured, and the files of the collection's code that differ from it (others work in the same tree)."""
    def git(*arguments):
        return subprocess.run(["git"] + list(arguments), cwd=ROOT, capture_output=True, text=True, check=False).stdout
    content = hashlib.sha1()
    for path in sorted(git("ls-files", "--cached", "--others", "--exclude-standard", "--", "plugins", "roles").splitlines()):
        if (ROOT / path).is_file():
            content.update(path.encode("utf-8") + b"\0" + (ROOT / path).read_bytes())
    return {"commit": git("rev-parse", "--short", "HEAD").strip(),
            "dirty": [line[3:] for line in git("status", "--porcelain", "--", "plugins", "roles").splitlines()],
            "fingerprint": content.hexdigest()}  # of the code as it is, whatever is committed meanwhile


def seconds_since_boot() -> float:
    with open("/proc/uptime", encoding="utf-8") as uptime:
        return float(uptime.read().split()[0])


def make_start():
    """When the `make` that runs this (make bench) started, in seconds since boot; None outside make."""
    pid = os.getppid()
    for dummy in range(4):  # make, or a shell under it
        try:
            with open("/proc/%d/comm" % pid, encoding="utf-8") as comm:
                name = comm.read().strip()
            with open("/proc/%d/stat" % pid, encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        if name in ("make", "gmake"):
            return int(fields[19]) / float(os.sysconf("SC_CLK_TCK"))  # field 22 of proc(5): starttime in clock ticks
        pid = int(fields[1])
        if pid <= 1:
            return None
    return None


def median(records, kind, size, mode, field="wall"):
    values = [record[field] for record in records if (record["kind"], record["size"], record["mode"]) == (kind, size, mode)]
    return statistics.median(values) if values else None


def last(records, kind, size, mode):
    found = [record for record in records if (record["kind"], record["size"], record["mode"]) == (kind, size, mode)]
    return found[-1] if found else None


def measured_sizes(records, kind) -> list:
    return sorted({record["size"] for record in records if record["kind"] == kind})


def task_floor(records, size, field="wall"):
    """The per-task floor at a size: (seconds, extrapolated), measured or linear from the two largest sizes measured."""
    value = median(records, "floor", size, "run", field)
    if value is not None:
        return value, False
    known = measured_sizes(records, "floor")
    if len(known) < 2:
        return None, True
    low, high = known[-2], known[-1]
    low_value, high_value = median(records, "floor", low, "run", field), median(records, "floor", high, "run", field)
    return high_value + (high_value - low_value) / float(high - low) * (size - high), True


def routes(record) -> str:
    parts = []
    for name, label in (("es", "ES"), ("ilert", "iLert")):
        for route, count in record["requests"][name]["by_route"].items():
            parts.append("%s `%s` %d" % (label, route, count))
    return "; ".join(parts) or "none"


def ratio(top, bottom) -> str:
    return "%.2f×" % (top / bottom) if top and bottom else "–"


def cell(value, pattern="%.1f") -> str:
    return "–" if value is None else pattern % value


def ratios(records, size, mode, kind) -> str:
    """ours / a reference at one size, as 'wall× (CPU×)'; ≈ against the extrapolated per-task floor."""
    ours, ours_cpu = median(records, "ours", size, mode), median(records, "ours", size, mode, "cpu")
    if kind == "floor":
        (wall, estimated), (cpu, dummy) = task_floor(records, size), task_floor(records, size, "cpu")
    else:
        reference = "run" if kind in FLOORS else mode
        wall, cpu, estimated = median(records, kind, size, reference), median(records, kind, size, reference, "cpu"), False
    if not wall:
        return "–"
    mark = "≈" if estimated else ""
    return "%s%s (CPU %s%s)" % (mark, ratio(ours, wall), mark, ratio(ours_cpu, cpu))


# Tasks of the role (tasks/main.yml) and of the set floor, by the start of their names.
WATCH_TASK, SOURCE_TASK = "Watches of the alert sources", "Alert sources"
CHECK_TASK = ("Check every watch", "What is wrong with any watch")
PING_WATCH_TASK, PING_SOURCE_TASK = "In place of the watch sets", "In place of the alert sources"


def report(session: dict) -> tuple:
    """RESULTS.md as text, and the list of targets with whether each is met."""
    records, sizes, skipped = session["records"], session["sizes"], session["skipped"]
    info = session["machine"]
    repeats = dict((size, len([record for record in records if (record["kind"], record["size"], record["mode"]) == ("ours", size, "noop")]))
                   for size in sizes)
    code = session.get("checkout") or {}
    make_elapsed = session.get("make_elapsed")
    lines = ["# Benchmark results", "",
             "Written by `make bench` (bench/run.py), started %s. The whole `make bench` took %s; the measuring session in it %.0f s. "
             "bench/README.md tells what is measured and how to read it." % (
                 session["started"], "%.0f s (%.1f min, from the start of `make` to the writing of this file)" % (make_elapsed, make_elapsed / 60.0)
                 if make_elapsed else "– (not run under make)", session["elapsed"]), "",
             "- Machine: %d CPUs (%s), %.1f GiB memory, Linux %s; load average %.2f at the start, %.2f at the end "
             "(other work on the machine makes wall times noisy; CPU times much less so)." % (
                 info["nproc"], info["cpu"], info["memory_gb"], info["kernel"], session["load"][0], session["load"][1]),
             "- Versions: Python %s, ansible-core %s, elasticsearch (client) %s." % (info["python"], info["ansible-core"], info["elasticsearch"]),
             "- Code measured: commit %s%s%s." % (code.get("commit", "?"), " with uncommitted changes to %s" % ", ".join(
                 "`%s`" % path for path in code["dirty"]) if code.get("dirty") else ", no uncommitted change to plugins/ or roles/",
                 "; **the code of plugins/ or roles/ changed during the session** (others work in the same tree)" if code.get("changed_during") else ""),
             "- Repetitions of ours and the floors: %s; the per-task floor measured at N=%s and extrapolated linearly above; the "
             "hand-written way once at N=%s%s. Times are medians; requests, `changed` and memory are those of the last run." % (
                 ", ".join("%d at N=%d" % (repeats[size], size) for size in sizes),
                 "/".join(str(size) for size in measured_sizes(records, "floor")), "/".join(str(size) for size in measured_sizes(records, "hand")),
                 "; over the time budget, left out: " + ", ".join(skipped) if skipped else ""), "",
             "## Ours", "",
             "Ratios are wall time (CPU time in brackets); ≈ marks a ratio to the per-task floor extrapolated from its N=%s measurements." % (
                 " and ".join(str(size) for size in measured_sizes(records, "floor")[-2:])), "",
             "| N | sources | run | wall s | CPU s | ours / per-task floor | ours / set floor | ours / one-set floor | ours / hand-written "
             "| peak RSS MB | requests ES + iLert | ES per watch | ES per source | writes | changed: ours / hand-written |",
             "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for size in sizes:
        count = source_count(size)
        for mode in ("converge", "noop", "check"):
            record, hand_record = last(records, "ours", size, mode), last(records, "hand", size, mode)
            es, il = record["requests"]["es"], record["requests"]["ilert"]
            lines.append("| %d | %d | %s | %.1f | %.1f | %s | %s | %s | %s | %.0f | %d + %d | %.2f | %.2f | %d | %s |" % (
                size, count, MODES[mode], median(records, "ours", size, mode), median(records, "ours", size, mode, "cpu"),
                ratios(records, size, mode, "floor"), ratios(records, size, mode, "set_floor"), ratios(records, size, mode, "one_set_floor"),
                ratios(records, size, mode, "hand"),
                record["maxrss_mb"], es["requests"], il["requests"], es["requests"] / float(size), es["requests"] / float(count),
                es["writes"] + il["writes"], "%d / %s" % (record["changed"], hand_record["changed"] if hand_record else "–")))
    lines += ["", "`changed` counts changed results one by one: each alert source and each watch (es_watches returns one result per "
              "watch), each loop item of the hand-written way; on a no-op or check run the truth is 0. The hand-written way writes "
              "every watch on every run and says so.", "", "## The references", "",
              "| N | reference | module executions | wall s | CPU s | peak RSS MB | requests ES + iLert | writes | changed |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        count = source_count(size)
        floor, estimated = task_floor(records, size)
        if floor is not None and estimated:
            lines.append("| %d | per-task floor, extrapolated | %d | ≈%.1f | ≈%.1f | – | – | – | – |" % (
                size, count + size, floor, task_floor(records, size, "cpu")[0]))
        for kind, mode, label, runs in (("floor", "run", "per-task floor", count + size), ("set_floor", "run", "set floor", 2 * count),
                                        ("one_set_floor", "run", "one-set floor", count + 1),
                                        ("hand", "converge", "hand-written converge", None), ("hand", "noop", "hand-written no-op", None)):
            record = last(records, kind, size, mode)
            if record:
                es, il = record["requests"]["es"], record["requests"]["ilert"]
                lines.append("| %d | %s | %s | %.1f | %.1f | %.0f | %d + %d | %d | %d |" % (
                    size, label, cell(runs, "%d"), median(records, kind, size, mode), median(records, kind, size, mode, "cpu"),
                    record["maxrss_mb"], es["requests"], il["requests"], es["writes"] + il["writes"], record["changed"]))
    lines += ["", "Module executions: the per-task floor has one per source and one per watch (the role's structure before es_watches), "
              "the set floor one per source and one per source's watch set (the structure of issue 13), the one-set floor one per source "
              "and one for the watch sets of all sources (the role's structure since it converges the watches of every source that "
              "does not prune in one es_watches execution); the hand-written way has more (GET and PUT per watch).",
              "", "## Requests by route", "", "| N | run | requests |", "| ---: | --- | --- |"]
    for size in sizes:
        for mode in ("converge", "noop", "check"):
            lines.append("| %d | %s | %s |" % (size, MODES[mode], routes(last(records, "ours", size, mode))))
    for size in measured_sizes(records, "hand"):
        lines.append("| %d | hand-written no-op | %s |" % (size, routes(last(records, "hand", size, "noop"))))

    targets = evaluate(records, sizes, make_elapsed)
    lines += clusters_section(session)
    lines += ["", "## Targets", "", "| target | measured | |", "| --- | --- | --- |"]
    lines += ["| %s | %s | %s |" % (target, measured, "MET" if met else "**NOT MET**") for target, measured, met in targets]
    lines += why_not_met(session, targets)
    lines += [""] + growth(records, sizes) + [""] + quiet(records, sizes)
    lines += where_the_time_goes(session)
    return "\n".join(lines) + "\n", targets


def clusters_section(session) -> list:
    """The many-clusters row: the no-op run of playbooks/site.yml over every cluster with --forks 1 and with more forks; nothing without its records."""
    records = [record for record in session["records"] if record["kind"] == "clusters"]
    noops = [record for record in records if record["mode"].startswith("noop")]
    if not noops:
        return []
    meta = session.get("clusters") or {}
    info = meta.get("machine") or session["machine"]
    size, clusters = noops[-1]["size"], noops[-1]["clusters"]
    forks = sorted({record["forks"] for record in noops})
    low, high = forks[0], forks[-1]

    def of(count, field="wall"):
        return median(records, "clusters", size, "noop_forks%d" % count, field)

    runs = dict((count, last(records, "clusters", size, "noop_forks%d" % count)) for count in forks)
    repeats = dict((count, len([record for record in noops if record["forks"] == count])) for count in forks)
    converge = last(records, "clusters", size, "converge_forks%d" % high)

    def both(pattern, values):
        values = [pattern % value for value in values]
        return values[0] if len(set(values)) == 1 else " / ".join(values)

    es = [runs[count]["requests"]["es"] for count in forks]
    il = [runs[count]["requests"]["ilert"] for count in forks]
    lines = ["", "## Many clusters: playbooks/site.yml over %d clusters, no-op, --forks %d against --forks %d" % (clusters, low, high), ""]
    if meta.get("separate"):
        code = meta.get("checkout") or {}
        lines += ["Measured on its own by `python bench/run.py --only clusters`, started %s (%.0f s; load average %.2f at the start, %.2f at "
                  "the end; commit %s%s%s), not in the session above nor in its `make bench` time." % (
                      meta["started"], meta["elapsed"], meta["load"][0], meta["load"][1], code.get("commit", "?"),
                      " with uncommitted changes to %s" % ", ".join("`%s`" % path for path in code["dirty"]) if code.get("dirty") else
                      ", no uncommitted change to plugins/ or roles/",
                      "; **the code of plugins/ or roles/ changed during the session** (others work in the same tree)" if code.get("changed_during") else ""),
                  ""]
    lines += ["`ansible-playbook -i <inventory> playbooks/site.yml --forks N` as a user runs it over many clusters: the inventory group "
              "`%s` of %d hosts, each one cluster with its own Elasticsearch emulator (%s, `--scheduler off`) in `eswatcher_es_hosts` and "
              "the venv's Python as `ansible_python_interpreter`; no ELASTICSEARCH_ENDPOINTS; one iLert emulator. The alert sources are the "
              "%d of N=%d above (escalation policy `Default`, team `Platform`), declared once in the group's vars without watches of their "
              "own, so converged once per run (`run_once`) before any watch; each cluster has the same %d watches of N=%d above in "
              "`eswatcher_cluster_watches`, under the source bench spreads them to (%d each). The inventory is written to "
              "`bench/results/clusters/inventory/`. One converge first (--forks %d, %s, not part of the row), then the no-op run %s, "
              "alternating (%d then %d, then the other way round). Times are medians; requests, memory and `changed` are those of the last "
              "run at each --forks." % (
                  CLUSTER_GROUP, clusters, "Elasticsearch %s" % meta["es_version"] if meta.get("es_version") else "9.x", source_count(size), size,
                  size, size, WATCHES_PER_SOURCE, high, "%.1f s" % converge["wall"] if converge else "–",
                  " and ".join("%s with --forks %d" % ("once" if repeats[count] == 1 else "%d times" % repeats[count], count) for count in forks),
                  low, high), "",
              "| clusters × watches | sources | run | forks %d wall s | forks %d CPU s | forks %d wall s | forks %d CPU s | forks %d / forks %d "
              "| peak RSS MB forks %d / %d | requests ES + iLert | ES per cluster | writes | changed (recap changed) |" % (
                  low, low, high, high, low, high, low, high),
              "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
              "| %d × %d | %d | no-op | %.1f | %.1f | %.1f | %.1f | %s (CPU %s) | %.0f / %.0f | %s + %s | %s | %s | %s |" % (
                  clusters, size, source_count(size), of(low), of(low, "cpu"), of(high), of(high, "cpu"), ratio(of(low), of(high)),
                  ratio(of(low, "cpu"), of(high, "cpu")), runs[low]["maxrss_mb"], runs[high]["maxrss_mb"],
                  both("%d", [each["requests"] for each in es]), both("%d", [each["requests"] for each in il]),
                  both("%.2f", [each["requests"] / float(clusters) for each in es]),
                  both("%d", [one["writes"] + other["writes"] for one, other in zip(es, il)]),
                  both("%s", ["%d (%d)" % (runs[count]["changed"], runs[count]["tasks_changed"]) for count in forks])), "",
              "**The ratio is bounded by the machine's CPUs**: this one has %d. Every module runs on the controller (`connection: local`) and "
              "the emulators on the same CPUs, so %d forks can run at most %d things at once however many there are; and Ansible's start-up, "
              "the alert sources (`run_once`: %d ilert_alert_source executions on one host) and the play's ends do not run in parallel at "
              "all, which keeps the ratio further below %d×. On a machine with more CPUs than forks it can approach the number of forks only "
              "for the per-cluster part (the check of the watches and es_watches)." % (
                  info["nproc"], high, min(high, info["nproc"]), source_count(size), min(high, info["nproc"])),
              "",
              "Requests of the last no-op run with --forks %d, all clusters together: %s. `changed` counts changed results one by one, as "
              "above, over every cluster; the recap's count of changed tasks of every host is in brackets." % (high, routes(runs[high]))]
    single = median(session["records"], "ours", size, "noop")
    if single:
        lines += ["", "For comparison, the one-cluster no-op at N=%d above (ours, the same sources and watches, on one cluster%s): %.1f s; "
                  "one such run per cluster, one after the other, would take about %.1f s." % (
                      size, ", from another session" if meta.get("separate") else "", single, clusters * single)]
    return lines


def growth(records, sizes) -> list:
    """No-op cost per watch at each N, and its ratio to the N before (below 1× the cost per watch falls as N grows)."""
    parts = []
    for kind, mode, label in (("ours", "noop", "No-op"), ("set_floor", "run", "The set floor")):
        steps, previous = [], None
        for size in sizes:
            if size < 10 or median(records, kind, size, mode) is None:
                continue
            wall, cpu = median(records, kind, size, mode) / size, median(records, kind, size, mode, "cpu") / size
            step = "%.3f s (CPU %.3f s) at N=%d" % (wall, cpu, size)
            if previous:
                step += ", %.2f× (CPU %.2f×) of N=%d's" % (wall / previous[1], cpu / previous[2], previous[0])
            steps.append(step)
            previous = (size, wall, cpu)
        parts.append("%s per watch: %s." % (label, "; ".join(steps)))
    return ["**Growth.** " + " ".join(parts) + " Below 1× a watch costs less the more there are (start-up and per-source costs "
            "spread over more watches); 1× is linear growth."]


def quiet(records, sizes) -> list:
    """Whether every no-op and check run changed nothing and wrote nothing (each no-op run of the many-clusters row, and its recap too)."""
    runs = [last(records, "ours", size, mode) for size in sizes for mode in ("noop", "check")]
    runs += [record for record in records if record["kind"] == "clusters" and record["mode"].startswith("noop")]
    loud = ["%s (changed %d, writes %d)" % (record["name"], max(record["changed"], record["tasks_changed"] if record["kind"] == "clusters" else 0),
                                            record["requests"]["es"]["writes"] + record["requests"]["ilert"]["writes"])
            for record in runs if record["changed"] or record["requests"]["es"]["writes"] or record["requests"]["ilert"]["writes"]
            or (record["kind"] == "clusters" and record["tasks_changed"])]
    return ["**Correctness.** " + ("Every no-op and check run reported nothing changed and wrote nothing." if not loud else
                                   "Runs that should have changed nothing: " + ", ".join(loud) + ".")]


def within(records, size, mode, kind, limit):
    """(measured, met) for 'ours at size <= limit × a reference', on wall and CPU time (both must hold)."""
    ours, ours_cpu = median(records, "ours", size, mode), median(records, "ours", size, mode, "cpu")
    if kind == "floor":
        (wall, estimated), (cpu, dummy) = task_floor(records, size), task_floor(records, size, "cpu")
    else:
        wall, cpu, estimated = median(records, kind, size, "run"), median(records, kind, size, "run", "cpu"), False
    if None in (ours, wall, cpu):
        return "not measured", False
    mark = "≈" if estimated else ""
    return ("wall %.1f s / %s%.1f s = %s%.2f×, CPU %.1f s / %s%.1f s = %s%.2f×" % (
        ours, mark, wall, mark, ours / wall, ours_cpu, mark, cpu, mark, ours_cpu / cpu),
        ours <= limit * wall and ours_cpu <= limit * cpu)


def evaluate(records, sizes, make_elapsed=None) -> list:
    """(target, what was measured, met) for each target of issue 13."""
    out = []
    mid, big = (50 if 50 in sizes else sizes[-1]), sizes[-1]
    floors = " and ".join("N=%d" % size for size in measured_sizes(records, "floor")[-2:])
    for size, mode, kind, limit, label in (
            (mid, "noop", "floor", 0.35, "No-op at N=%d ≤ 0.35× the per-task floor at N=%d" % (mid, mid)),
            (mid, "noop", "set_floor", 1.3, "No-op at N=%d ≤ 1.3× the set floor at N=%d" % (mid, mid)),
            (mid, "converge", "floor", 0.6, "Converge at N=%d ≤ 0.6× the per-task floor at N=%d" % (mid, mid)),
            (big, "noop", "floor", 0.2, "No-op at N=%d ≤ 0.2× the per-task floor at N=%d%s" % (
                big, big, " (extrapolated linearly from its %s measurements)" % floors if task_floor(records, big)[1] else ""))):
        measured, met = within(records, size, mode, kind, limit)
        if kind == "set_floor" and median(records, "one_set_floor", size, "run"):
            measured += "; against the one-set floor (the role's current structure, one execution per source and one for all watch sets): %s" % (
                ratios(records, size, mode, "one_set_floor"))
        out.append((label + ", wall and CPU time", measured, met))
    parts, es_ok, per_source = [], True, []
    for size in sorted({mid, big}):
        record, count = last(records, "ours", size, "noop"), source_count(size)
        es, il = record["requests"]["es"], record["requests"]["ilert"]
        es_ok = es_ok and es["requests"] <= size and es["writes"] + il["writes"] == 0
        per_source.append(es["requests"] / float(count))
        parts.append("N=%d (%d sources): %d ES requests, %.2f per watch, %.2f per source; iLert %d, %.1f per source; writes %d" % (
            size, count, es["requests"], es["requests"] / float(size), es["requests"] / float(count), il["requests"], il["requests"] / float(count),
            es["writes"] + il["writes"]))
    out.append(("No-op: ≤ 1 Elasticsearch request per watch plus a constant per source (at most one per watch, and no more per source "
                "at the larger N), no write", "; ".join(parts), es_ok and per_source[-1] <= per_source[0]))
    runs = [record for record in records if record["size"] == big and record["kind"] in ("ours",) + FLOORS]
    peaks = dict(("%s %s" % (KINDS[record["kind"]], MODES[record["mode"]]) if record["kind"] != "ours" else MODES[record["mode"]],
                  max(other["maxrss_mb"] for other in runs if (other["kind"], other["mode"]) == (record["kind"], record["mode"])))
                 for record in runs)
    peak = max(record["maxrss_mb"] for record in runs if record["kind"] == "ours")
    out.append(("Peak memory at N=%d ≤ %d MB: ru_maxrss, the peak resident memory of the largest single process of the "
                "`ansible-playbook` process tree, largest over every run of ours at N=%d" % (big, MEMORY_LIMIT_MB, big),
                "%.0f MB (%s)" % (peak, ", ".join("%s %.0f MB" % (name, value) for name, value in peaks.items())), peak <= MEMORY_LIMIT_MB))
    out.append(("`make bench` finishes in under %d minutes" % (MAKE_BENCH_LIMIT // 60),
                "%.0f s = %.1f min" % (make_elapsed, make_elapsed / 60.0) if make_elapsed else "not run under make",
                bool(make_elapsed) and make_elapsed < MAKE_BENCH_LIMIT))
    return out


def seconds_of(breakdown, prefix) -> float:
    return sum(entry["seconds"] for entry in breakdown if entry["task"].startswith(prefix))


def excess(records, size) -> tuple:
    """One no-op run at size against one run of the floor with as many module executions: (floor kind, seconds beyond it, parts largest first)."""
    mine = junit_breakdown(last(records, "ours", size, "noop")["junit"])
    kind = matching_floor(records, size, mine)
    pings = junit_breakdown(last(records, kind, size, "run")["junit"])
    ping_runs = sum(entry["executions"] for entry in pings)
    ping = sum(entry["seconds"] for entry in pings) / ping_runs if ping_runs else 0.0
    ours, floor = last(records, "ours", size, "noop")["wall"], last(records, kind, size, "run")["wall"]
    sources_runs, watch_runs = executions_of(mine, SOURCE_TASK), executions_of(mine, WATCH_TASK)
    source_text = "the ilert_alert_source loop beyond as many pings (%d executions, %.2f s each against %.2f s)" % (
        sources_runs, seconds_of(mine, SOURCE_TASK) / max(sources_runs, 1), ping)
    parts = [(source_text, seconds_of(mine, SOURCE_TASK) - sources_runs * ping),
             ("es_watches beyond as many pings (%d execution%s)" % (watch_runs, "" if watch_runs == 1 else "s"),
              seconds_of(mine, WATCH_TASK) - watch_runs * ping),
             ("the up-front check of every watch", seconds_of(mine, CHECK_TASK)),
             ("the other tasks (argument-spec validation, skipped loops)",
              sum(entry["seconds"] for entry in mine if not entry["task"].startswith((WATCH_TASK, SOURCE_TASK) + CHECK_TASK))),
             ("start-up, loading and the end beyond the floor's", (ours - sum(entry["seconds"] for entry in mine))
              - (floor - sum(entry["seconds"] for entry in pings)))]
    return kind, ours - floor, sorted(parts, key=lambda part: -part[1])


def why_not_met(session, targets) -> list:
    """For each time target not met: how far the floor with as many executions already is, and what the no-op adds to it."""
    records, lines = session["records"], []
    for target, dummy, met in targets:
        found = re.match(r"No-op at N=(\d+) ≤ ([\d.]+)× the (per-task|set) floor", target)
        if met or not found:
            continue
        size, limit, reference = int(found.group(1)), float(found.group(2)), found.group(3)
        kind, beyond, parts = excess(records, size)
        if reference == "per-task":
            base, estimated = task_floor(records, size)
            where = "%.2f× of the %sper-task floor" % (median(records, kind, size, "run") / base, "extrapolated " if estimated else "")
        else:
            base = median(records, "set_floor", size, "run")
            where = "%.2f× of the set floor" % (median(records, kind, size, "run") / base)
        lines.append("- %s: the %s (as many module executions as the role now has) is already %s, against %.2f× allowed; what the "
                     "no-op adds to it in one run each (%.1f s): %s." % (
                         target, KINDS[kind], where, limit, beyond, ", ".join("%s %.1f s" % (text, round(seconds, 1) + 0.0) for text, seconds in parts)))
    if not lines:
        return []
    profile = session.get("profile") or {}
    if profile.get("workers"):
        lines.append("- Per loop item, Ansible templates the task's arguments and module_defaults again, compiling their Jinja templates "
                     "each time (%.0f %% of the workers' time in the profile below): the ilert_alert_source task has one template per "
                     "option (`default(omit)`), so each of its executions costs the controller more than a ping's." % (
                         100.0 * profile["compile"] / profile["workers"]))
    return ["", "**Why the time targets not met are not met** (figures of this run; details under Where the time goes):", ""] + lines


def executions_of(breakdown, prefix) -> int:
    return sum(entry["executions"] for entry in breakdown if entry["task"].startswith(prefix))


def matching_floor(records, size, breakdown) -> str:
    """The floor with as many module executions as the no-op run of ours at size had (the set floor when none has)."""
    count, done = source_count(size), executions_of(breakdown, (WATCH_TASK, SOURCE_TASK))
    return "one_set_floor" if done == count + 1 and last(records, "one_set_floor", size, "run") else "set_floor"


def task_rows(shown, breakdowns) -> list:
    size = shown[-1]
    lines = ["| task | " + " | ".join("N=%d s" % each for each in shown) + " | N=%d executions | N=%d per execution |" % (size, size),
             "| --- | " + " | ".join("---:" for each in shown) + " | ---: | ---: |"]
    for entry in breakdowns[size]:
        values = [sum(other["seconds"] for other in breakdowns[each] if other["task"] == entry["task"]) for each in shown]
        per_execution = "%.3f" % (entry["seconds"] / entry["executions"]) if entry["executions"] else "–"
        lines.append("| %s | %s | %d | %s |" % (entry["task"], " | ".join("%.2f" % value for value in values), entry["executions"], per_execution))
    return lines


def where_the_time_goes(session) -> list:
    """Per task of one no-op run and one run of the floor with as many executions (from ansible.builtin.junit), and what the no-op is made of."""
    records, imports = session["records"], session["imports"]
    shown = [size for size in session["sizes"] if size >= 50] or session["sizes"][-1:]
    size, count = shown[-1], source_count(shown[-1])
    mine = dict((each, junit_breakdown(last(records, "ours", each, "noop")["junit"])) for each in shown)
    kind = matching_floor(records, size, mine[size])
    pings = dict((each, junit_breakdown(last(records, kind, each, "run")["junit"])) for each in shown)
    ours, floor = last(records, "ours", size, "noop"), last(records, kind, size, "run")
    lines = ["", "## Where the time goes (no-op, one run each, from ansible.builtin.junit)", "",
             "Seconds per task (a loop counts once: all its items), its module executions (loop items that ran), and what is left of "
             "the wall time outside the tasks (Ansible's start-up, loading the playbook and the role, the end). Ours:", ""]
    lines += task_rows(shown, mine)
    lines.append("| outside the tasks | %s | – | – |" % " | ".join(
        "%.2f" % (last(records, "ours", each, "noop")["wall"] - sum(entry["seconds"] for entry in mine[each])) for each in shown))
    lines += ["", "The %s (as many module executions as ours), same session:" % KINDS[kind], ""] + task_rows(shown, pings)
    lines.append("| outside the tasks | %s | – | – |" % " | ".join(
        "%.2f" % (last(records, kind, each, "run")["wall"] - sum(entry["seconds"] for entry in pings[each])) for each in shown))
    ping_runs = sum(entry["executions"] for entry in pings[size])
    ping = sum(entry["seconds"] for entry in pings[size]) / ping_runs if ping_runs else 0.0
    watches, sources_s = seconds_of(mine[size], WATCH_TASK), seconds_of(mine[size], SOURCE_TASK)
    watch_runs, source_runs = executions_of(mine[size], WATCH_TASK), executions_of(mine[size], SOURCE_TASK)
    modules = session.get("modules") or {}
    if {"ping", "es_watches", "ilert_alert_source"} <= set(modules):
        own = watch_runs * (modules["es_watches"] - modules["ping"]) + source_runs * (modules["ilert_alert_source"] - modules["ping"])
        extra = median(records, "ours", size, "noop", "cpu") - median(records, kind, size, "run", "cpu")
        lines += ["", "Each module run alone, outside Ansible (its AnsiballZ payload with the arguments the role gave it at N=%d, CPU s, "
                  "median of 9 interleaved runs): ping %.2f, ilert_alert_source %.2f (one source), es_watches %.2f (%s). So of the %.1f CPU s "
                  "the no-op run at N=%d spends beyond the %s (medians), roughly %.1f s are the modules' own work beyond a ping's (%d "
                  "ilert_alert_source and %d es_watches executions: imports, the Elasticsearch client among them, the requests and the "
                  "comparison), and the other %.1f s the controller's (templating the tasks' arguments and module_defaults per loop item, "
                  "validating eswatcher_sources against the argument spec, the check, the skipped tasks, the results). A difference of "
                  "medians of separate runs: a rough split, which moves by tens of percent from one session to the next; the worker "
                  "profile below is the steadier view." % (
                      modules.get("size", size), modules["ping"], modules["ilert_alert_source"], modules["es_watches"],
                      "all the watches of one execution" if watch_runs == 1 else "the watches of one source", extra, size, KINDS[kind],
                      own, source_runs, watch_runs, extra - own)]
    profile = session.get("profile") or {}
    if profile.get("workers"):
        lines += ["", "Ansible's worker processes of one more no-op run at N=%d under cProfile (one worker per task, all its loop "
                  "items; not a measured run, and profiling slows Python code down, so shares, not seconds, are the figure): "
                  "%.1f s in all, of which %s." % (profile["size"], profile["workers"], "; ".join(
                      "%s %.1f s (%.0f %%)" % (text, profile[name], 100.0 * profile[name] / profile["workers"])
                      for name, dummy, text in PROFILE_PARTS))]
    check = seconds_of(mine[size], CHECK_TASK)
    other = sum(entry["seconds"] for entry in mine[size] if not entry["task"].startswith((WATCH_TASK, SOURCE_TASK) + CHECK_TASK))
    start = ours["wall"] - sum(entry["seconds"] for entry in mine[size])
    floor_start = floor["wall"] - sum(entry["seconds"] for entry in pings[size])
    parts = sorted([
        (watches, "the es_watches task%s (%d execution%s): %.1f s, %.2f s per execution against %.2f s per ping of the %s; importing the "
                  "Elasticsearch client alone is %.2f CPU s of each execution (measured outside Ansible; Python with "
                  "ansible.module_utils.basic starts in %.2f CPU s)" % (
                      "s" if len([entry for entry in mine[size] if entry["task"].startswith(WATCH_TASK)]) > 1 else "", watch_runs,
                      "s" if watch_runs != 1 else "", watches, watches / max(watch_runs, 1), ping, KINDS[kind], imports["client_import"],
                      imports["module_start"])),
        (sources_s, "the ilert_alert_source loop (%d executions): %.1f s, %.2f s per execution against %.2f s per ping" % (
            source_runs, sources_s, sources_s / max(source_runs, 1), ping)),
        (start, "Ansible's start-up, loading the playbook and the role, and the end: %.1f s (the %s's %.1f s)" % (start, KINDS[kind], floor_start)),
        (check, "the up-front check of every watch (the watch_problems filter and its assert): %.2f s" % check),
        (other, "the other tasks (argument-spec validation, the skipped removal, diff and pruning loops): %.2f s" % other),
    ], key=lambda part: -part[0])
    lines += ["", "What the no-op run at N=%d is made of (one run: %.1f s wall; the %s's run %.1f s), largest first:" % (
        size, ours["wall"], KINDS[kind], floor["wall"]), ""]
    lines += ["- %.0f %%: %s." % (100.0 * seconds / ours["wall"], text) for seconds, text in parts]
    floor_big, estimated = task_floor(records, size)
    floor_big_cpu = task_floor(records, size, "cpu")[0]
    if floor_big:
        mark = "≈" if estimated else ""
        lines += ["", "Against the %sper-task floor at N=%d (%s%.1f s, CPU %s%.1f s, medians): %s. That is what the module executions "
                  "of each structure cost in Ansible however little each module does; no role with that structure goes below it." % (
                      "extrapolated " if estimated else "", size, mark, floor_big, mark, floor_big_cpu, "; ".join(
                          "the %s (%d executions) is %.1f s, %s%.2f× (CPU %s%.2f×)" % (
                              KINDS[each], runs, median(records, each, size, "run"), mark, median(records, each, size, "run") / floor_big, mark,
                              median(records, each, size, "run", "cpu") / floor_big_cpu)
                          for each, runs in (("set_floor", 2 * count), ("one_set_floor", count + 1)) if median(records, each, size, "run")))]
    return lines


def cluster_converge(runner) -> dict:
    """Writes the many-clusters inventory, empties its emulators and converges every cluster once; returns what to say about the row."""
    write_cluster_inventory()
    reset(CLUSTERS_ES_URLS + (CLUSTERS_ILERT_URL,))
    runner.run_clusters("converge", CLUSTER_FORKS[-1])
    return {"es_version": requests.get(CLUSTERS_ES_URLS[0], timeout=10).json()["version"]["number"]}


def cluster_repetition(runner, count) -> float:
    """The no-op run at each of CLUSTER_FORKS, in turns the other way round (so that a change of load hits both alike); returns the seconds."""
    start = time.monotonic()
    for forks in CLUSTER_FORKS if count % 2 else CLUSTER_FORKS[::-1]:
        runner.run_clusters("noop", forks)
    return time.monotonic() - start


def only_clusters(args) -> int:
    """`--only clusters`: the many-clusters row alone, merged into the records of the last whole run (RESULTS.md written again from them)."""
    previous = WORK / "records.json"
    code, started, clock, load_start = checkout(), datetime.datetime.now(datetime.timezone.utc), time.monotonic(), os.getloadavg()[0]
    signal.signal(signal.SIGTERM, on_sigterm)
    print("bench: the many-clusters row on %s and %s; logs in %s" % (", ".join(CLUSTERS_ES_URLS), CLUSTERS_ILERT_URL, WORK / "logs-clusters"), flush=True)
    try:
        cluster_emulators("start")
        runner = Runner(WORK / "logs-clusters")
        meta = cluster_converge(runner)
        for count in range(1, args.repeat + 1):
            cluster_repetition(runner, count)
    except Failure as error:
        print("bench: %s" % error, file=sys.stderr)
        return 1
    finally:
        cluster_emulators("stop")
    meta.update(separate=True, started=started.strftime("%Y-%m-%d %H:%M UTC"), elapsed=time.monotonic() - clock, machine=machine(),
                load=[load_start, os.getloadavg()[0]], checkout=dict(code, changed_during=checkout()["fingerprint"] != code["fingerprint"]))
    if not previous.is_file():
        print("\n".join(clusters_section({"records": runner.records, "clusters": meta, "machine": meta["machine"]})))
        print("bench: no %s of a whole run to add the row to: RESULTS.md not written (make bench writes it with this row)" % previous)
        return 0
    with open(previous, encoding="utf-8") as source:
        session = json.load(source)
    session["records"] = [record for record in session["records"] if record["kind"] != "clusters"] + runner.records
    session["clusters"] = meta
    with open(previous, "w", encoding="utf-8") as out:
        json.dump(session, out, indent=1)
    return write_report(session, args.output)


def repetition(runner, size, task_floor_too=True) -> float:
    """One measurement of ours (converge, no-op, check) and of the floors at one size; returns the seconds it took."""
    start = time.monotonic()
    reset()
    runner.run("ours", size, "converge", "ours.yml")
    runner.run("ours", size, "noop", "ours.yml")
    runner.run("ours", size, "check", "ours.yml", ["--check"])
    if task_floor_too:
        runner.run("floor", size, "run", "floor.yml")
    runner.run("set_floor", size, "run", "set_floor.yml")
    runner.run("one_set_floor", size, "run", "one_set_floor.yml")
    return time.monotonic() - start


def sizes_of(text: str) -> list:
    return sorted(int(size) for size in text.split(",") if size.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50,200", help="numbers of watches (default 1,10,50,200)")
    parser.add_argument("--task-floor-sizes", default="1,10,50", help="sizes at which the per-task floor is measured; extrapolated above (default 1,10,50)")
    parser.add_argument("--hand-sizes", default="1,10,50", help="sizes at which the hand-written way runs (default 1,10,50)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours and the floors for N up to --large (default 3)")
    parser.add_argument("--repeat-large", type=int, default=2, help="runs of ours and the set floor for N above --large (default 2)")
    parser.add_argument("--large", type=int, default=50, help="sizes above this are large (default 50)")
    parser.add_argument("--budget", type=float, default=780,
                        help="no further repetition starts unless it ends within this many seconds of the start (default 780)")
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"), help="where to write the table (default bench/RESULTS.md)")
    parser.add_argument("--from-records", metavar="JSON", help="only write the report again from the records of an earlier run (bench/results/records.json)")
    parser.add_argument("--only", choices=["clusters"],
                        help="clusters: only the many-clusters row (--repeat times), added to the records of the last whole run and "
                             "RESULTS.md written again from them")
    args = parser.parse_args()
    if args.from_records:
        with open(args.from_records, encoding="utf-8") as records:
            return write_report(json.load(records), args.output)
    if args.only == "clusters":
        return only_clusters(args)
    sizes, task_floor_sizes, hand_sizes = sizes_of(args.sizes), sizes_of(args.task_floor_sizes), sizes_of(args.hand_sizes)
    made, code = make_start(), checkout()
    signal.signal(signal.SIGTERM, on_sigterm)
    started, clock, load_start = datetime.datetime.now(datetime.timezone.utc), time.monotonic(), os.getloadavg()[0]
    write_inputs(sizes)
    print("bench: emulators on %s and %s (the many-clusters row: %s and %s); logs in %s" % (
        ES_URL, ILERT_URL, ", ".join(CLUSTERS_ES_URLS), CLUSTERS_ILERT_URL, WORK / "logs"), flush=True)
    emulators("start")
    skipped = []
    try:
        cluster_emulators("start")
        shutil.rmtree(WORK / "logs-clusters", ignore_errors=True)  # an earlier --only clusters run's, which these records replace
        runner = Runner()
        cost = {}
        # First everything once, then further repetitions while the budget allows (each as long as the
        # first at its size took): the small sizes, largest first (N=50 carries most targets), then the large.
        for size in sizes:
            print("N=%d" % size, flush=True)
            cost[size] = repetition(runner, size, size in task_floor_sizes)
            if size in hand_sizes:
                reset()
                runner.run("hand", size, "converge", "hand.yml")
                runner.run("hand", size, "noop", "hand.yml")
        print("%d clusters x %d watches" % (CLUSTERS, CLUSTER_WATCHES), flush=True)
        clusters = dict(cluster_converge(runner), separate=False)
        cost["clusters"] = cluster_repetition(runner, 1)
        imports = import_cost()
        try:
            modules = dict(module_cost(runner, sizes[-1]), size=sizes[-1])
        except (subprocess.SubprocessError, OSError) as error:  # only explains the figures: the session goes on without it
            print("bench: the modules' own cost could not be measured: %s" % error, file=sys.stderr)
            modules = {}
        try:
            profile = worker_profile(runner, 50 if 50 in sizes else sizes[-1])
        except (subprocess.SubprocessError, OSError) as error:
            print("bench: the workers could not be profiled: %s" % error, file=sys.stderr)
            profile = {}
        plan = [(count, size) for size in sorted((size for size in sizes if size <= args.large), reverse=True) for count in range(2, args.repeat + 1)]
        plan += [(count, size) for size in sizes if size > args.large for count in range(2, args.repeat_large + 1)]
        plan += [(count, "clusters") for count in range(2, args.repeat + 1)]
        for count, size in plan:
            what = "the clusters row" if size == "clusters" else "N=%d" % size
            if time.monotonic() - clock + cost[size] > args.budget:
                skipped.append("run %d %s %s" % (count, "of" if size == "clusters" else "at", what))
                continue
            print("%s, run %d" % (what, count), flush=True)
            if size == "clusters":
                cluster_repetition(runner, count)
            else:
                repetition(runner, size, size in task_floor_sizes)
    except Failure as error:
        print("bench: %s" % error, file=sys.stderr)
        return 1
    finally:
        emulators("stop")
        cluster_emulators("stop")
    if skipped:
        print("bench: over the %.0f s budget, left out: %s" % (args.budget, ", ".join(skipped)), flush=True)
    session = {"records": runner.records, "sizes": sizes, "skipped": skipped, "imports": imports, "modules": modules, "profile": profile,
               "clusters": clusters,
               "machine": machine(),
               "checkout": dict(code, changed_during=checkout()["fingerprint"] != code["fingerprint"]),
               "started": started.strftime("%Y-%m-%d %H:%M UTC"), "elapsed": time.monotonic() - clock,
               "load": [load_start, os.getloadavg()[0]],
               "make_elapsed": seconds_since_boot() - made if made is not None else None}
    with open(WORK / "records.json", "w", encoding="utf-8") as out:
        json.dump(session, out, indent=1)
    return write_report(session, args.output)


def write_report(session: dict, output: str) -> int:
    text, targets = report(session)
    Path(output).write_text(text, encoding="utf-8")
    print("\n" + text)
    print("bench: %d of %d targets met; written to %s" % (sum(1 for target in targets if target[2]), len(targets), output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
