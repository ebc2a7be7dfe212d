# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: what a converge, a no-op run and a check-mode run of the eswatcher role cost.

For N = 1, 10 and 50 watches (sources of up to 10 watches), against the local emulators on ports of
their own, it measures wall time (median of the repetitions), CPU time, peak memory and HTTP requests
per API of `ansible-playbook`, next to two references run in the same session: the floor (the same
number of module executions of ansible.builtin.ping) and the hand-written way (ansible.builtin.uri).
Writes bench/RESULTS.md, prints it, and keeps logs and generated playbooks in bench/results/ (ignored
by git). Stops the emulators it started, also on failure or Ctrl-C. bench/README.md tells how to
read the results.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
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

OURS = """---
# The role, as a user applies it (the sources come in as extra vars).
- name: Bench - the eswatcher role
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: ilert.watcher.eswatcher
"""

# The floor: the role's module executions (one per source, one loop item per watch, sources through
# include_tasks as in the role) with a module that does nothing.
FLOOR = """---
- name: Bench - the floor, the role's module executions with ansible.builtin.ping
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

# What would remain if the watches of a source took one module execution: two pings per source.
FLOOR_BATCHED_SOURCE = """---
- name: In place of the alert source
  ansible.builtin.ping:

- name: In place of all the watches of the source at once
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

RECAP = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


class Failure(RuntimeError):
    """A run went wrong; the message says which and where its log is."""


def on_sigterm(signum, frame):  # pylint: disable=unused-argument
    raise SystemExit("bench: terminated (signal %d)" % signum)


def emulators(action: str) -> None:
    env = dict(os.environ, EMULATORS_DIR=str(ROOT / ".emulators" / "bench"), ES_EMULATOR_PORT=str(ES_PORT),
               ILERT_EMULATOR_PORT=str(ILERT_PORT), ES_EMULATOR_ARGS="--scheduler off")
    subprocess.run([str(ROOT / "tools" / "emulators.sh"), action], env=env, check=True, stdout=subprocess.DEVNULL)


def stats() -> dict:
    return {name: requests.get(url + "/_emulator/stats", timeout=10).json() for name, url in (("es", ES_URL), ("ilert", ILERT_URL))}


def reset() -> None:
    for url in (ES_URL, ILERT_URL):
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


def sources(watches: int) -> list:
    count = -(-watches // WATCHES_PER_SOURCE)
    return [{"name": "bench-source-%02d" % index, "escalation_policy": "Default", "teams": ["Platform"],
             "watches": [watch(number) for number in range(index * WATCHES_PER_SOURCE, min(watches, (index + 1) * WATCHES_PER_SOURCE))]}
            for index in range(count)]


def write_inputs(sizes) -> None:
    playbooks = WORK / "playbooks"
    playbooks.mkdir(parents=True, exist_ok=True)
    files = {"ours.yml": OURS, "floor.yml": FLOOR, "floor_source.yml": FLOOR_SOURCE, "hand.yml": HAND, "hand_source.yml": HAND_SOURCE,
             "floor_batched.yml": FLOOR.replace("floor_source.yml", "floor_batched_source.yml"),
             "floor_batched_source.yml": FLOOR_BATCHED_SOURCE}
    for name, text in files.items():
        (playbooks / name).write_text(text, encoding="utf-8")
    for size in sizes:
        with open(playbooks / ("vars-%d.yml" % size), "w", encoding="utf-8") as out:
            yaml.safe_dump({"eswatcher_sources": sources(size)}, out, sort_keys=False)


class Runner:
    """Runs playbooks one at a time and records each run."""

    def __init__(self):
        self.count = 0
        self.records = []
        shutil.rmtree(WORK / "logs", ignore_errors=True)  # the previous run's
        (WORK / "logs").mkdir(parents=True)
        self.env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                        ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit", JUNIT_HIDE_TASK_ARGUMENTS="true",
                        ILERT_ENDPOINT=ILERT_URL, ILERT_API_TOKEN=TOKEN, ELASTICSEARCH_ENDPOINTS=ES_URL)

    def run(self, kind: str, size: int, mode: str, playbook: str, extra=()) -> dict:
        self.count += 1
        name = "%03d-%s-%s-%d" % (self.count, kind, mode, size)
        log, result, junit = WORK / "logs" / (name + ".log"), WORK / "logs" / (name + ".json"), WORK / "logs" / (name + ".junit")
        command = [PYTHON, "-c", MEASURE, str(result), ANSIBLE_PLAYBOOK, str(WORK / "playbooks" / playbook),
                   "-e", "@" + str(WORK / "playbooks" / ("vars-%d.yml" % size)), "-e", "ansible_python_interpreter=" + PYTHON] + list(extra)
        env = dict(self.env, JUNIT_OUTPUT_DIR=str(junit))
        before = stats()
        with open(log, "w", encoding="utf-8") as out, \
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True) as process:
            try:
                process.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise Failure("%s: no result after %d s (log %s)" % (name, RUN_TIMEOUT, log)) from None
            finally:
                if process.poll() is None:  # timed out or interrupted: the playbook and everything it started go
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        after = stats()
        measured = json.loads(result.read_text(encoding="utf-8"))
        text = log.read_text(encoding="utf-8")
        recap = RECAP.search(text)
        if measured["rc"] != 0 or not recap:
            raise Failure("%s failed (exit %s); last lines of %s:\n%s" % (name, measured["rc"], log, "\n".join(text.splitlines()[-25:])))
        record = {"name": name, "kind": kind, "size": size, "mode": mode, "wall": measured["wall"], "cpu": measured["cpu"],
                  "maxrss_mb": measured["maxrss_kb"] / 1024.0, "tasks_changed": int(recap.group(2)),
                  "changed": len(re.findall(r"^changed: \[localhost\]", text, re.M)), "requests": delta(before, after),
                  "junit": str(junit)}
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


def junit_breakdown(path: str) -> list:
    """Seconds per task of one run (tasks of all sources added up), from ansible.builtin.junit's report."""
    totals = {}
    for report in Path(path).glob("*.xml"):
        for case in ET.parse(report).getroot().iter("testcase"):
            task = re.sub(r"^\[localhost\]\s*", "", case.get("name", ""))
            task = re.sub(r"bench-source-\d+", "<source>", task)
            task = re.sub(r"^(\[include\] )?Bench - [^:]*: (ilert\.watcher\.eswatcher : )?", r"\1", task)
            task = re.sub(r"(\(item=.*\)|\s+)$", "", task)
            entry = totals.setdefault(task, {"task": task, "seconds": 0.0, "runs": 0})
            entry["seconds"] += float(case.get("time", 0))
            entry["runs"] += 1
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


def median(records, kind, size, mode, field="wall"):
    values = [record[field] for record in records if (record["kind"], record["size"], record["mode"]) == (kind, size, mode)]
    return statistics.median(values) if values else None


def last(records, kind, size, mode):
    found = [record for record in records if (record["kind"], record["size"], record["mode"]) == (kind, size, mode)]
    return found[-1] if found else None


def routes(record) -> str:
    parts = []
    for name, label in (("es", "ES"), ("ilert", "iLert")):
        for route, count in record["requests"][name]["by_route"].items():
            parts.append("%s `%s` %d" % (label, route, count))
    return "; ".join(parts) or "none"


def ratio(top, bottom) -> str:
    return "%.2f×" % (top / bottom) if top and bottom else "–"


def report(session: dict) -> tuple:
    """RESULTS.md as text, and the list of targets with whether each is met."""
    records, sizes, skipped, imports = session["records"], session["sizes"], session["skipped"], session["imports"]
    repeats = {size: len([record for record in records if (record["kind"], record["size"], record["mode"]) == ("ours", size, "noop")]) for size in sizes}
    big = sizes[-1]
    breakdowns = {"ours": junit_breakdown(last(records, "ours", big, "noop")["junit"]),
                  "floor": junit_breakdown(last(records, "floor", big, "run")["junit"])}
    info = session["machine"]
    lines = ["# Benchmark results", "",
             "Written by `make bench` (bench/run.py), started %s, %.0f s; bench/README.md tells what is measured and how to read it." % (
                 session["started"], session["elapsed"]), "",
             "- Machine: %d CPUs (%s), %.1f GiB memory, Linux %s; load average %.2f at the start, %.2f at the end "
             "(other work on the machine makes wall times noisy; CPU times much less so)." % (
                 info["nproc"], info["cpu"], info["memory_gb"], info["kernel"], session["load"][0], session["load"][1]),
             "- Versions: Python %s, ansible-core %s, elasticsearch (client) %s." % (info["python"], info["ansible-core"], info["elasticsearch"]),
             "- Repetitions: %s of ours and the floor (the hand-written way once per N)%s; times are medians, requests, `changed` "
             "and memory are those of the last run." % (
                 ", ".join("%d at N=%d" % (repeats[size], size) for size in sizes),
                 " — over the time budget, left out: " + ", ".join(skipped) if skipped else ""), "",
             "## Time, ratios and requests", "",
             "| N | sources | run | ours s | floor s | hand-written s | ours / floor | ours / hand-written | CPU: ours s | CPU: ours / floor "
             "| CPU: ours / hand-written | peak RSS MB | requests ES + iLert | per watch | writes | changed: ours / hand-written |",
             "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for size in sizes:
        count = -(-size // WATCHES_PER_SOURCE)
        floor, floor_cpu = median(records, "floor", size, "run"), median(records, "floor", size, "run", "cpu")
        for mode in ("converge", "noop", "check"):
            ours, ours_cpu = median(records, "ours", size, mode), median(records, "ours", size, mode, "cpu")
            hand, hand_cpu = median(records, "hand", size, mode), median(records, "hand", size, mode, "cpu")
            record = last(records, "ours", size, mode)
            hand_record = last(records, "hand", size, mode)
            es, il = record["requests"]["es"], record["requests"]["ilert"]
            lines.append("| %d | %d | %s | %.1f | %.1f | %s | %s | %s | %.1f | %s | %s | %.0f | %d + %d | %.2f | %d | %s |" % (
                size, count, {"noop": "no-op", "check": "check (converged)"}.get(mode, mode), ours, floor,
                "%.1f" % hand if hand else "–", ratio(ours, floor), ratio(ours, hand), ours_cpu, ratio(ours_cpu, floor_cpu),
                ratio(ours_cpu, hand_cpu), record["maxrss_mb"], es["requests"], il["requests"], (es["requests"] + il["requests"]) / float(size),
                es["writes"] + il["writes"], "%d / %s" % (record["changed"], hand_record["changed"] if hand_record else "–")))
    lines += ["", "The references:", "", "| N | run | wall s | CPU s | peak RSS MB | requests ES + iLert | per watch | writes | changed |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        for kind, mode, label in (("floor", "run", "floor"), ("hand", "converge", "hand-written converge"), ("hand", "noop", "hand-written no-op"),
                                  ("floor_batched", "run", "floor, one execution per source for its watches")):
            record = last(records, kind, size, mode)
            if record:
                es, il = record["requests"]["es"], record["requests"]["ilert"]
                lines.append("| %d | %s | %.1f | %.1f | %.0f | %d + %d | %.2f | %d | %d |" % (
                    size, label, median(records, kind, size, mode), median(records, kind, size, mode, "cpu"), record["maxrss_mb"],
                    es["requests"], il["requests"], (es["requests"] + il["requests"]) / float(size), es["writes"] + il["writes"], record["changed"]))
    lines += ["", "`changed` counts the changed results (loop items one by one); on a no-op run the truth is 0. Ours reports a watch "
              "changed only when it was created or differs; the hand-written way writes every watch on every run and says so.", "",
              "## Requests by route (ours)", "", "| N | run | requests |", "| ---: | --- | --- |"]
    for size in sizes:
        for mode in ("converge", "noop", "check"):
            lines.append("| %d | %s | %s |" % (size, mode, routes(last(records, "ours", size, mode))))
    for size in sizes:
        lines.append("| %d | hand-written %s | %s |" % (size, "no-op", routes(last(records, "hand", size, "noop"))))

    targets = evaluate(records, sizes)
    lines += ["", "## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    lines += ["| %s | %s | %s |" % (target, measured, "yes" if met else "**no**") for target, measured, met in targets]

    lines += ["", "## Where the time goes (N=%d, no-op, one run, from ansible.builtin.junit)" % big, ""] + task_table(breakdowns["ours"])
    lines += ["", "The floor's tasks, same N:", ""] + task_table(breakdowns["floor"])
    lines += overhead(records, big, imports, breakdowns)
    return "\n".join(lines) + "\n", targets


def task_table(breakdown) -> list:
    lines = ["| task | task runs (a loop counts once) | seconds | per task run |", "| --- | ---: | ---: | ---: |"]
    for entry in breakdown:
        lines.append("| %s | %d | %.2f | %.3f |" % (entry["task"], entry["runs"], entry["seconds"], entry["seconds"] / max(entry["runs"], 1)))
    return lines


def seconds_of(breakdown, prefix) -> float:
    return sum(entry["seconds"] for entry in breakdown if entry["task"].startswith(prefix))


def overhead(records, big, imports, breakdowns) -> list:
    """Where the no-op run at the largest N spends its time beyond the floor, and what removing each part would gain."""
    count = -(-big // WATCHES_PER_SOURCE)
    noop, floor = median(records, "ours", big, "noop"), median(records, "floor", big, "run")
    batched = median(records, "floor_batched", big, "run")
    ours, floors = breakdowns["ours"], breakdowns["floor"]
    watch_exec = seconds_of(ours, "Watches of alert source") / big
    source_exec = seconds_of(ours, "Alert source") / count
    ping_watch = seconds_of(floors, "In place of the watches") / big
    ping_source = seconds_of(floors, "In place of the alert source") / count
    module_tasks = ("Watches of alert source", "Alert source", "In place of")
    rest = sum(entry["seconds"] for entry in ours if not entry["task"].startswith(module_tasks))
    rest_floor = sum(entry["seconds"] for entry in floors if not entry["task"].startswith(module_tasks))
    client = imports["client_import"] * big
    noop_cpu, floor_cpu = median(records, "ours", big, "noop", "cpu"), median(records, "floor", big, "run", "cpu")
    return [
        "", "What stands between the no-op run and the floor at N=%d (wall %.1f s against %.1f s, CPU %.1f s against %.1f s; "
        "the task times are wall times of one run each):" % (big, noop, floor, noop_cpu, floor_cpu), "",
        "- Each es_watch loop item takes %.2f s against %.2f s for a ping item: %.2f s more per watch, %.1f s in all. "
        "Importing the Elasticsearch client alone costs %.2f CPU s per execution (measured outside Ansible; Python with "
        "ansible.module_utils.basic starts in %.2f CPU s), %.1f CPU s for %d watches: without it the no-op would take about "
        "%.1f CPU s, %.2f× the floor." % (watch_exec, ping_watch, watch_exec - ping_watch, (watch_exec - ping_watch) * big,
                                          imports["client_import"], imports["module_start"], client, big, noop_cpu - client,
                                          (noop_cpu - client) / floor_cpu),
        "- Each ilert_alert_source execution takes %.2f s against %.2f s for a ping (%d sources)." % (source_exec, ping_source, count),
        "- Everything else of the role (argument-spec validation, the include per source, the skipped removal loop and diff "
        "task) takes %.2f s in all, against %.2f s for the floor's includes: removing all of it (`--skip-tags always` skips the "
        "validation) would gain at most %.2f s, %.0f%% of the run." % (rest, rest_floor, rest - rest_floor, 100.0 * (rest - rest_floor) / noop),
        "- The per-execution cost of Ansible itself dominates: the floor with one execution per source for all its watches "
        "(%d executions instead of %d) takes %.1f s instead of %.1f s (CPU %.1f s instead of %.1f s): one es_watch execution per "
        "source (all its watches at once) is what could take the role below the per-watch floor." % (
            2 * count, big + count, batched, floor, median(records, "floor_batched", big, "run", "cpu"), floor_cpu),
    ]


def slope(records, kind, mode, low, high, field="wall"):
    return (median(records, kind, high, mode, field) - median(records, kind, low, mode, field)) / float(high - low)


def evaluate(records, sizes) -> list:
    """(target, what was measured, met) for each target of issue 10."""
    out = []
    big = sizes[-1]
    per_source, es_ok, parts = set(), True, []
    for size in sizes:
        record = last(records, "ours", size, "noop")
        count = -(-size // WATCHES_PER_SOURCE)
        es, il = record["requests"]["es"]["requests"], record["requests"]["ilert"]["requests"]
        es_ok = es_ok and es <= size
        per_source.add(il / float(count))
        parts.append("N=%d: %d ES + %d iLert (%d sources)" % (size, es, il, count))
    out.append(("No-op: at most 1 request per watch plus a constant per source", "; ".join(parts) + " — %s per source" % (
        "/".join("%g" % value for value in sorted(per_source))), es_ok and len(per_source) == 1))
    noop, floor = median(records, "ours", big, "noop"), median(records, "floor", big, "run")
    noop_cpu, floor_cpu = median(records, "ours", big, "noop", "cpu"), median(records, "floor", big, "run", "cpu")
    out.append(("No-op wall time within 1.3× of the floor at N=%d (and CPU time, the steadier measure)" % big,
                "wall %.1f s / %.1f s = %.2f×, CPU %.1f s / %.1f s = %.2f×" % (noop, floor, noop / floor, noop_cpu, floor_cpu, noop_cpu / floor_cpu),
                noop <= 1.3 * floor and noop_cpu <= 1.3 * floor_cpu))
    for mode in ("converge", "noop"):
        faster = all(median(records, "ours", size, mode, field) < median(records, "hand", size, mode, field) for size in sizes for field in ("wall", "cpu"))
        measured = ", ".join("N=%d %.2f× (CPU %.2f×)" % (
            size, median(records, "ours", size, mode) / median(records, "hand", size, mode),
            median(records, "ours", size, mode, "cpu") / median(records, "hand", size, mode, "cpu")) for size in sizes)
        out.append(("%s faster than the hand-written way" % {"noop": "No-op"}.get(mode, "Converge"), measured, faster))
    wrong = [size for size in sizes if last(records, "hand", size, "noop")["changed"] > 0]
    out.append(("The hand-written way gets `changed` wrong", "no-op reports changed for %s watches at N=%s" % (
        "/".join(str(last(records, "hand", size, "noop")["changed"]) for size in sizes), "/".join(str(size) for size in sizes)), bool(wrong)))
    if len(sizes) >= 3:
        low, mid = sizes[0], sizes[1]
        control = slope(records, "floor", "run", mid, big, "cpu") / slope(records, "floor", "run", low, mid, "cpu")
        for mode in ("converge", "noop"):
            first, second = slope(records, "ours", mode, low, mid, "cpu"), slope(records, "ours", mode, mid, big, "cpu")
            memory = [last(records, "ours", size, mode)["maxrss_mb"] for size in sizes]
            out.append(("%s grows linearly with N: CPU s per added watch at N=%d→%d within 25%% of N=%d→%d, or no worse than the floor's" % (
                {"noop": "No-op"}.get(mode, "Converge"), mid, big, low, mid),
                "%.2f vs %.2f s per watch (%.2f×; the floor %.2f×); requests %s; peak RSS %s MB" % (
                    second, first, second / first, control,
                    "/".join("%d" % sum(last(records, "ours", size, mode)["requests"][name]["requests"] for name in ("es", "ilert")) for size in sizes),
                    "/".join("%.0f" % value for value in memory)),
                second <= 1.25 * first or second / first <= 1.1 * control))
    return out


def repetition(runner, size) -> float:
    """One measurement of ours (converge, no-op, check) and of the floor at one size; returns the seconds it took."""
    start = time.monotonic()
    reset()
    runner.run("ours", size, "converge", "ours.yml")
    runner.run("ours", size, "noop", "ours.yml")
    runner.run("ours", size, "check", "ours.yml", ["--check"])
    runner.run("floor", size, "run", "floor.yml")
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="numbers of watches (default 1,10,50)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of ours and the floor for N up to --large (default 3)")
    parser.add_argument("--large", type=int, default=10, help="sizes above this run once (default 10)")
    parser.add_argument("--budget", type=float, default=560, help="no further repetition starts unless it ends within this many seconds (default 560)")
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"), help="where to write the table (default bench/RESULTS.md)")
    parser.add_argument("--from-records", metavar="JSON", help="only write the report again from the records of an earlier run (bench/results/records.json)")
    args = parser.parse_args()
    if args.from_records:
        with open(args.from_records, encoding="utf-8") as records:
            return write_report(json.load(records), args.output)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    big = sizes[-1]
    signal.signal(signal.SIGTERM, on_sigterm)
    started, clock, load_start = datetime.datetime.now(datetime.timezone.utc), time.monotonic(), os.getloadavg()[0]
    write_inputs(sizes)
    print("bench: emulators on %s and %s; logs in %s" % (ES_URL, ILERT_URL, WORK / "logs"), flush=True)
    emulators("start")
    skipped = []
    try:
        runner = Runner()
        cost = {}
        # First everything once, then further repetitions of ours and the floor for the small sizes
        # while the budget allows (each as long as its first repetition took).
        for size in sizes:
            print("N=%d" % size, flush=True)
            cost[size] = repetition(runner, size)
            reset()
            runner.run("hand", size, "converge", "hand.yml")
            runner.run("hand", size, "noop", "hand.yml")
        runner.run("floor_batched", big, "run", "floor_batched.yml")
        imports = import_cost()
        for number in range(2, args.repeat + 1):
            for size in sorted((size for size in sizes if size <= args.large), reverse=True):  # the larger, noisier ones first
                if time.monotonic() - clock + cost[size] > args.budget:
                    skipped.append("repetition %d at N=%d" % (number, size))
                    continue
                print("N=%d, repetition %d" % (size, number), flush=True)
                repetition(runner, size)
    except Failure as error:
        print("bench: %s" % error, file=sys.stderr)
        return 1
    finally:
        emulators("stop")
    if skipped:
        print("bench: over the %.0f s budget, left out: %s" % (args.budget, ", ".join(skipped)), flush=True)
    session = {"records": runner.records, "sizes": sizes, "skipped": skipped, "imports": imports, "machine": machine(),
               "started": started.strftime("%Y-%m-%d %H:%M UTC"), "elapsed": time.monotonic() - clock, "load": [load_start, os.getloadavg()[0]]}
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
