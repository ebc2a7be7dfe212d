# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulators as a testing kit, used exactly as README "Testing your watches offline" tells a user.

Build the tarball, make a fresh virtual environment with the same Python (ansible-core at this venv's
version, the collection's requirements.txt and tests/emulators/requirements.txt from PyPI), install the
tarball with ansible-galaxy, start both emulators with serve.py from the INSTALLED collection, apply a
user's playbook with one alert source and one watch twice (the second changes nothing), stop them.
Nothing of the clone is on a path the user's run sees: no ansible.cfg, no PYTHONPATH, its own
collections path and ANSIBLE_HOME. About 1 to 2 minutes, most of it pip; `pytest -s` prints each step's time.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

ROOT = Path(__file__).resolve().parents[2]
DEMO_TOKEN = "il-demo-token-not-a-secret"
SOURCE = "Kit check source"
WATCH = "kit-check-error-rate"

PLAYBOOK = """\
- name: My alert sources and watches
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: ilert.watcher.eswatcher
      vars:
        eswatcher_sources:
          - name: %s
            escalation_policy: Default
            teams: [Platform]
            watches:
              - id: %s
                metadata: {name: Errors in the application logs}
                trigger: {schedule: {interval: 1m}}
                input:
                  search:
                    request:
                      indices: ["logs-app-*"]
                      body:
                        size: 0
                        query: {range: {"@timestamp": {gte: now-5m}}}
                condition: {compare: {ctx.payload.hits.total: {gt: 5}}}
                throttle_period: 5m
                auto_resolve: true
""" % (SOURCE, WATCH)


def pins(path: Path) -> dict[str, str]:
    """name: version for each `name==version` in a requirements file and the files it includes with -r."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        included = re.match(r"-r\s+(\S+)", line)
        if included:
            found.update(pins(path.parent / included.group(1)))
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_the_emulators_requirements_pin_what_the_development_venv_pins():
    kit = pins(ROOT / "tests/emulators/requirements.txt")
    toolchain = {**pins(ROOT / "requirements.txt"), **pins(ROOT / "requirements-dev.txt")}
    assert {"werkzeug", "pystache", "croniter", "pyyaml", "requests"} <= set(kit)
    assert {name: version for name, version in kit.items() if toolchain.get(name) != version} == {}


class Steps:
    """Runs a user's commands, logs them to one file and times each step."""

    def __init__(self, log: Path):
        self.log = log
        self.times: list[tuple[str, float]] = []

    def run(self, title: str, command: list, **options) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run([str(part) for part in command], capture_output=True, text=True, check=False, **options)
        self.times.append((title, time.monotonic() - started))
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write("$ %s\n%s%s\n" % (" ".join(str(part) for part in command), result.stdout, result.stderr))
        assert result.returncode == 0, "%s failed (exit %d):\n%s\n%s" % (title, result.returncode, result.stdout[-3000:], result.stderr[-3000:])
        return result


def recap(output: str) -> dict[str, int]:
    found = re.search(r"^localhost\s+:\s+(.*)$", output, re.MULTILINE)
    assert found, output[-2000:]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", found.group(1))}


@pytest.fixture(name="user", scope="module")
def fixture_user(tmp_path_factory):
    """A user's machine: the tarball installed into a fresh venv and a collections path of its own."""
    home = tmp_path_factory.mktemp("kit")
    steps = Steps(home / "steps.log")
    build = home / "build"
    steps.run("build the tarball", ["bash", ROOT / "tools/check-build.sh", build], cwd=ROOT,
              env=dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])))
    tarball = next(build.glob("ilert-watcher-*.tar.gz"))

    venv, project = home / "venv", home / "project"
    project.mkdir()
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("ANSIBLE_") and key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    environment.update(PATH=os.pathsep.join([str(venv / "bin"), environment["PATH"]]), VIRTUAL_ENV=str(venv),
                       ANSIBLE_HOME=str(home / "ansible-home"), ANSIBLE_COLLECTIONS_PATH=str(home / "collections"))
    python = venv / "bin" / "python"
    steps.run("python -m venv", [sys.executable, "-m", "venv", venv], cwd=project, env=environment)
    steps.run("pip install ansible-core", [python, "-m", "pip", "install", "ansible-core==%s" % ANSIBLE_CORE_VERSION], cwd=project, env=environment)
    steps.run("ansible-galaxy collection install", ["ansible-galaxy", "collection", "install", tarball, "-p", home / "collections"],
              cwd=project, env=environment)
    installed = home / "collections" / "ansible_collections" / "ilert" / "watcher"
    for shipped in ("requirements.txt", "tests/emulators/requirements.txt", "tests/emulators/serve.py"):
        assert (installed / shipped).is_file(), "the tarball does not ship %s" % shipped
    requirements = ["-r", installed / "requirements.txt", "-r", installed / "tests/emulators/requirements.txt"]
    steps.run("pip install the requirements", [python, "-m", "pip", "install", *requirements], cwd=project, env=environment)
    return {"home": home, "project": project, "python": python, "installed": installed, "environment": environment, "steps": steps}


def test_a_user_runs_their_playbook_against_the_emulators_of_the_installed_collection(user):
    steps, environment, project = user["steps"], dict(user["environment"]), user["project"]
    listing = steps.run("ansible-galaxy collection list", ["ansible-galaxy", "collection", "list", "ilert.watcher", "--format", "json"],
                        cwd=project, env=environment)
    assert list(json.loads(listing.stdout)) == [str(user["home"] / "collections" / "ansible_collections")], "not the installed copy"

    started = time.monotonic()
    # The documented command, with any free ports so that it runs next to other emulators.
    with subprocess.Popen([user["python"], user["installed"] / "tests/emulators/serve.py", "--es-port", "0", "--ilert-port", "0"],
                          cwd=project, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as emulators:
        try:
            for line in emulators.stdout:
                exported = re.match(r"export (\w+)=(\S+)$", line.rstrip("\n"))
                if exported:
                    environment[exported.group(1)] = exported.group(2)
                if line.startswith("emulators ready"):
                    break
            else:
                pytest.fail("serve.py ended before it was ready: %s" % emulators.stderr.read())
            steps.times.append(("serve.py until ready", time.monotonic() - started))
            assert environment["ILERT_API_TOKEN"] == DEMO_TOKEN

            (project / "site.yml").write_text(PLAYBOOK, encoding="utf-8")
            first = recap(steps.run("ansible-playbook site.yml (1st)", ["ansible-playbook", "site.yml"], cwd=project, env=environment).stdout)
            second = recap(steps.run("ansible-playbook site.yml (2nd)", ["ansible-playbook", "site.yml"], cwd=project, env=environment).stdout)
            assert first["failed"] == 0 and first["changed"] >= 2, first
            assert second["failed"] == 0 and second["changed"] == 0, second

            source = requests.get("%s/api/alert-sources/name/%s" % (environment["ILERT_ENDPOINT"], SOURCE),
                                  headers={"Authorization": "Bearer " + DEMO_TOKEN}, timeout=10).json()
            watch = requests.get("%s/_watcher/watch/%s" % (environment["ELASTICSEARCH_ENDPOINTS"], WATCH), timeout=10).json()
            assert source["integrationType"] == "ESWATCHER"
            # Both of auto_resolve's actions post to the iLert emulator with the source's key (in the path or the body);
            # checked without printing either, as they hold the key.
            ilert = re.match(r"https?://([^:/]+):(\d+)", environment["ILERT_ENDPOINT"]).groups()
            webhooks = [action["webhook"] for action in watch["watch"]["actions"].values() if "webhook" in action]
            wired = len(webhooks) == 2 and all((hook["host"], str(hook["port"])) == ilert
                                               and source["integrationKey"] in hook["path"] + str(hook.get("body")) for hook in webhooks)
            assert wired, "the watch's webhooks do not post to the iLert emulator with the alert source's integration key"
        finally:
            emulators.send_signal(signal.SIGTERM)
            dummy, errors = emulators.communicate(timeout=30)
    assert emulators.returncode == 0, errors
    assert "Elasticsearch" in errors and "iLert emulator stopped" in errors

    total = sum(seconds for dummy, seconds in steps.times)
    print("\nkit steps (s): %s; total %.0f s" % (", ".join("%s %.1f" % item for item in steps.times), total))
