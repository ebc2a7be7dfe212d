# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make adopt-demo`: adopting a setup built by hand, told step by step.

Builds an iLert alert source and four watches by hand, as iLert's Watcher guide describes it,
exports them with playbooks/export.yml, shows that playbooks/site.yml applied with the export
writes nothing to either API, then edits one threshold in the file and applies it again. Uses
emulators of its own (127.0.0.1:19210 and :18090, state in .emulators/adopt-demo/), so that it
does not collide with `make demo`; stops them also on failure or Ctrl-C.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import time
from pathlib import Path

import requests

# demo.py reads its ports when imported: ours, unless the caller gives others.
os.environ.setdefault("ES_EMULATOR_PORT", "19210")
os.environ.setdefault("ILERT_EMULATOR_PORT", "18090")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo  # noqa: E402 pylint: disable=wrong-import-position
from demo import ES_URL, ILERT_URL, ILERT_PORT, ROOT, TOKEN, step  # noqa: E402 pylint: disable=wrong-import-position

STATE = "adopt-demo"
EXPORTED = ".emulators/%s/exported.yml" % STATE
SOURCE = "Elasticsearch production"
HEADERS = {"Authorization": "Bearer " + TOKEN}


def fail(message: str) -> None:
    raise SystemExit("adopt-demo: " + message)


def create_source() -> str:
    """An Elastic Watcher alert source made through the iLert API, as its web UI makes it; returns its key."""
    body = {"name": SOURCE, "integrationType": "ESWATCHER", "escalationPolicy": {"id": 4001}, "teams": [{"id": 2001}]}
    print("$ curl -X POST %s/api/alert-sources -H 'Authorization: Bearer <demo token>' \\\n"
          "    -H 'Content-Type: application/json' -d '%s'" % (ILERT_URL, json.dumps(body)))
    answer = requests.post(ILERT_URL + "/api/alert-sources", json=body, headers=HEADERS, timeout=10)
    answer.raise_for_status()
    source = answer.json()
    print("    alert source %r (id %s); its integration key goes into each watch's webhook path (not shown)" % (source["name"], source["id"]))
    return source["integrationKey"]


def watches(key: str) -> list:
    """(id, what it is, body) of four watches pasted into Kibana's Dev Tools, each a little different."""
    hook = {"scheme": "http", "host": "127.0.0.1", "port": ILERT_PORT, "method": "POST", "path": "/api/v1/events/eswatcher/" + key,
            "headers": {"Content-Type": "application/json"}, "params": {}, "body": "{{#toJson}}ctx{{/toJson}}"}

    def watch(indices, query, threshold, actions, **extra):
        body = {"trigger": {"schedule": {"interval": "5m"}},
                "input": {"search": {"request": {"indices": indices, "body": {"size": 0, "query": query}}}},
                "condition": {"compare": {"ctx.payload.hits.total": {"gt": threshold}}}, "throttle_period": "15m", "actions": actions}
        body.update(extra)
        return body

    errors = {"bool": {"filter": [{"term": {"log.level": "error"}}, {"range": {"@timestamp": {"gte": "now-5m"}}}]}}
    return [
        ("app-errors", "the guide's watch: a search, a compare condition, the iLert webhook",
         watch(["logs-app-*"], errors, 5, {"ilert": {"webhook": hook}})),
        ("disk-usage", "made in Kibana's Watcher UI: metadata.xpack, action named notify-ilert",
         watch(["metrics-*"], {"range": {"system.filesystem.used.pct": {"gte": 0.9}}}, 0, {"notify-ilert": {"webhook": hook}},
               metadata={"name": "Disk usage above 90%", "xpack": {"type": "json"}})),
        ("payment-errors", "also e-mails the team, with the SMTP account's password in the action",
         watch(["logs-payment-*"], errors, 2, {"ilert": {"webhook": hook}, "mail": {"email": {
             "to": "payments@example.com", "subject": "{{ctx.watch_id}} fired", "body": {"text": "See iLert."},
             "user": "alerts", "password": "mail-password-not-a-secret"}}})),
        ("search-latency", "its iLert webhook sends one more header, X-Environment: production",
         watch(["logs-search-*"], {"range": {"event.duration": {"gte": 2000000000}}}, 10,
               {"ilert": {"webhook": dict(hook, headers={"Content-Type": "application/json", "X-Environment": "production"})}})),
    ]


def writes() -> tuple:
    """The write counters of the Elasticsearch and iLert emulators."""
    return tuple(requests.get(url + "/_emulator/stats", timeout=10).json()["writes"] for url in (ES_URL, ILERT_URL))


def apply(expected_changed: int, expected_writes: tuple, extra=()) -> None:
    """Applies site.yml with the export; fails unless the recap and the write counters moved as expected."""
    before = writes()
    recap = demo.playbook(["playbooks/site.yml", "-e", "@" + EXPORTED] + list(extra))
    after = writes()
    print("    writes: es %d -> %d, ilert %d -> %d" % (before[0], after[0], before[1], after[1]))
    if "changed=%d" % expected_changed not in recap.split():
        fail("expected changed=%d, got: %s" % (expected_changed, recap))
    if (after[0] - before[0], after[1] - before[1]) != expected_writes:
        fail("expected %d write(s) to Elasticsearch and %d to iLert, counted %d and %d"
             % (expected_writes + (after[0] - before[0], after[1] - before[1])))


def main() -> int:
    started = time.monotonic()
    step("Starting the local iLert and Elasticsearch emulators (state in .emulators/%s/)" % STATE)
    demo.emulators("start", STATE)
    try:
        # Emulators left running by an interrupted run still hold its objects: start from the seed.
        for url in (ES_URL, ILERT_URL):
            requests.post(url + "/_emulator/reset", timeout=10).raise_for_status()

        step("The setup built by hand, as iLert's guide describes it: an alert source in iLert ...")
        key = create_source()
        print("\n    ... and watches pasted into Kibana's Dev Tools, the key in each webhook path:")
        for watch_id, what, body in watches(key):
            print("$ curl -X PUT %s/_watcher/watch/%s -H 'Content-Type: application/json' -d @%s.json" % (ES_URL, watch_id, watch_id))
            requests.put("%s/_watcher/watch/%s" % (ES_URL, watch_id), json=body, timeout=10).raise_for_status()
            print("    %s: %s" % (watch_id, what))

        step("Exporting it: playbooks/export.yml reads the ESWATCHER sources and every watch, and writes eswatcher_sources")
        demo.playbook(["playbooks/export.yml", "-e", "eswatcher_export_path=%s/%s" % (ROOT, EXPORTED), "-e", "eswatcher_export_overwrite=true"])
        text = (ROOT / EXPORTED).read_text(encoding="utf-8")
        if key in text:
            fail("the integration key is written in %s" % EXPORTED)
        lines = text.splitlines()
        print("$ cat %s   # the first 60 of %d lines, then the watches and comments of the rest" % (EXPORTED, len(lines)))
        print("\n".join("    " + line for line in lines[:60]))
        later = [line for line in lines[60:] if line.lstrip().startswith(("#", "- id:"))]
        if later:
            print("    ...\n" + "\n".join("    " + line for line in later))

        step("Applying the export: site.yml finds everything as declared and writes nothing")
        apply(0, (0, 0))

        step("Taking it over: from now on the file is the truth, edited and applied")
        edited = text.replace("gt: 5\n", "gt: 10\n", 1)
        if edited == text:
            fail("no 'gt: 5' threshold found in %s" % EXPORTED)
        (ROOT / EXPORTED).write_text(edited, encoding="utf-8")
        print("    app-errors now alerts above 10 errors instead of 5; the other watches and the source stay as they are:")
        print("".join("    " + line for line in difflib.unified_diff(text.splitlines(True), edited.splitlines(True), EXPORTED, EXPORTED, n=1)),
              end="")
        apply(1, (1, 0), ["--diff"])

        step("Applying it again: nothing to change")
        apply(0, (0, 0))
    finally:
        step("Stopping the emulators")
        demo.emulators("stop", STATE)
    print("\nadopt-demo: done in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("adopt-demo: interrupted")
