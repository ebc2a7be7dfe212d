# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: the whole job against the local emulators, told step by step.

Starts the iLert and Elasticsearch emulators, runs playbooks/site.yml twice (the second run
changes nothing), indexes error documents, waits for the watch to fire on its own schedule and
shows the alert as iLert holds it, then lets the errors age out and shows the resolution. Stops
what it started, also on failure or Ctrl-C.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
ES_PORT = int(os.environ.get("ES_EMULATOR_PORT", "19200"))
ILERT_PORT = int(os.environ.get("ILERT_EMULATOR_PORT", "18080"))
ES_URL = "http://127.0.0.1:%d" % ES_PORT
ILERT_URL = "http://127.0.0.1:%d" % ILERT_PORT
TOKEN = "il-demo-token-not-a-secret"  # the emulator's demo key, not a secret
SOURCE = "Elasticsearch demo"
WATCH_ID = "demo-app-error-rate"
INDEX = "logs-app-demo"
WAIT_SECONDS = 60


def step(text: str) -> None:
    print("\n\033[1m==> %s\033[0m" % text, flush=True)


def emulators(action: str, directory: str = "demo") -> None:
    env = dict(os.environ, EMULATORS_DIR=str(ROOT / ".emulators" / directory), ES_EMULATOR_PORT=str(ES_PORT),
               ILERT_EMULATOR_PORT=str(ILERT_PORT))
    subprocess.run([str(ROOT / "tools" / "emulators.sh"), action], env=env, check=True)


def site_playbook(extra: list) -> str:
    """Runs playbooks/site.yml on the demo variables; returns its recap line."""
    return playbook(["playbooks/site.yml", "-e", "@playbooks/vars/demo.yml"] + extra)


def playbook(arguments: list) -> str:
    """Runs ansible-playbook against the emulators, printed as typed from the work tree ($PWD); returns its recap line."""
    env = dict(os.environ, ILERT_ENDPOINT=ILERT_URL, ILERT_API_TOKEN=TOKEN, ELASTICSEARCH_ENDPOINTS=ES_URL,
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false")
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-e", "ansible_python_interpreter=" + sys.executable] + arguments
    print("$ ILERT_ENDPOINT=%s ILERT_API_TOKEN=<demo token> ELASTICSEARCH_ENDPOINTS=%s \\\n    ansible-playbook %s"
          % (ILERT_URL, ES_URL, " ".join(arguments).replace(str(ROOT), "$PWD")), flush=True)
    answer = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    shown, task = [], ""
    for line in answer.stdout.splitlines():
        if line.startswith("TASK ["):
            task = line[len("TASK ["):line.rindex("]")].split(" : ", 1)[-1]
        elif line.startswith(("changed:", "ok:", "fatal:", "failed:")):
            status, dummy, rest = line.partition(":")
            item = rest.partition("(item=")[2].rstrip()
            item = item[:-1] if item.endswith(")") else item  # the one that closes "(item=", not the item's own
            shown.append("%-8s %s%s" % (status, task, " [%s]" % item if item else ""))
        elif line.startswith("localhost "):
            shown.append(" ".join(line.split()[:5]))
    print("\n".join("    " + line for line in shown), flush=True)
    if answer.returncode != 0:
        print(answer.stdout[-3000:] + answer.stderr[-3000:], file=sys.stderr)
        raise SystemExit("demo: the %s playbook failed (exit %d)" % (Path(arguments[0]).stem, answer.returncode))
    return next(line for line in shown if line.startswith("localhost "))


def ilert(path: str, **params):
    answer = requests.get(ILERT_URL + path, params=params, headers={"Authorization": "Bearer " + TOKEN}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def alert_of_watch(source_id: int):
    alerts = [alert for alert in ilert("/api/alerts", sources=source_id) if alert.get("alertKey") == WATCH_ID]
    return alerts[0] if alerts else None


def resolved_alert_of_watch(source_id: int):
    alert = alert_of_watch(source_id)
    return alert if alert and alert["status"] == "RESOLVED" else None


def wait_for(what: str, check):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit("demo: waited %d s for %s in vain" % (WAIT_SECONDS, what))


def show_alert(alert: dict, source: dict) -> None:
    rows = (("Alert", "#%s" % alert["id"]), ("Summary", alert["summary"]), ("Status", alert["status"]),
            ("Source", "%s (%s)" % (source["name"], source["integrationType"])), ("Alert key", alert.get("alertKey")),
            ("Escalation policy", (alert.get("escalationPolicy") or {}).get("name")),
            ("Reported at", alert.get("reportTime")), ("Resolved at", alert.get("resolvedOn")))
    for label, value in rows:
        if value:
            print("    %-18s %s" % (label + ":", value))


def main() -> int:
    started = time.monotonic()
    step("Starting the local iLert and Elasticsearch emulators")
    emulators("start")
    try:
        # Emulators left running by an interrupted demo still hold its objects: start from the seed.
        for url in (ES_URL, ILERT_URL):
            requests.post(url + "/_emulator/reset", timeout=10).raise_for_status()
        step("Applying playbooks/site.yml: an iLert alert source and the watch that feeds it")
        site_playbook(["--diff"])

        step("Applying it again: nothing to change")
        recap = site_playbook([])
        if "changed=0" not in recap:
            raise SystemExit("demo: the second run changed something: " + recap)

        source = ilert("/api/alert-sources/name/" + requests.utils.quote(SOURCE, safe=""))
        watch = requests.get(ES_URL + "/_watcher/watch/" + WATCH_ID, timeout=10).json()
        print("    iLert alert source %r (id %s), watch %r every %s"
              % (source["name"], source["id"], WATCH_ID, watch["watch"]["trigger"]["schedule"]["interval"]))

        step("Six errors arrive in the application logs (index %s)" % INDEX)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for number in range(6):
            requests.post("%s/%s/_doc?refresh=true" % (ES_URL, INDEX), timeout=10,
                          json={"@timestamp": now, "log": {"level": "error"}, "message": "request %d failed" % number}).raise_for_status()

        step("Waiting for the watch to fire on its own schedule")
        alert = wait_for("the alert", lambda: alert_of_watch(source["id"]))
        print("    The alert in iLert:")
        show_alert(alert, source)

        step("The errors age out of the 5-minute window")
        requests.delete("%s/%s" % (ES_URL, INDEX), timeout=10).raise_for_status()

        step("Waiting for the watch to resolve its alert")
        resolved = wait_for("the resolution", lambda: resolved_alert_of_watch(source["id"]))
        print("    The alert in iLert:")
        show_alert(resolved, source)
    finally:
        step("Stopping the emulators")
        emulators("stop")
    print("\ndemo: done in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
