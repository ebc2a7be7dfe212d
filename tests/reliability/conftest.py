# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reliability tests: the collection's playbooks against both emulators served from this process.

`emulators` serves a fresh iLert and Elasticsearch emulator per test; `playbook` runs
ansible-playbook in a subprocess against them, the way a user or AWX does, and returns what it
printed and how it ended.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml
from werkzeug.wrappers import Request

ROOT = Path(__file__).resolve().parents[2]
EMULATORS = ROOT / "tests" / "emulators"
if str(EMULATORS) not in sys.path:
    sys.path.insert(0, str(EMULATORS))

from emulator_kit.server import BackgroundServer  # noqa: E402  pylint: disable=wrong-import-position
from es_emulator.app import WatcherEmulator  # noqa: E402  pylint: disable=wrong-import-position
from ilert_emulator.app import IlertEmulator  # noqa: E402  pylint: disable=wrong-import-position

ILERT_TOKEN = "il-demo-token-not-a-secret"
ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


@dataclass
class Emulators:
    es: BackgroundServer
    ilert: BackgroundServer

    def env(self) -> dict:
        """The environment variables the modules read, pointing at these emulators."""
        return {"ILERT_ENDPOINT": self.ilert.url, "ILERT_API_TOKEN": ILERT_TOKEN, "ELASTICSEARCH_ENDPOINTS": self.es.url}

    def stats(self) -> dict:
        return {"es": self.es.app.stats.snapshot(), "ilert": self.ilert.app.stats.snapshot()}

    def faults(self, config: dict) -> None:
        self.es.app.faults.configure(config)
        self.ilert.app.faults.configure(config)

    def injected(self) -> dict:
        return {"es": self.es.app.faults.describe()["injected"], "ilert": self.ilert.app.faults.describe()["injected"]}

    def sources(self) -> list:
        answer = requests.get(self.ilert.url + "/api/alert-sources", headers={"Authorization": "Bearer " + ILERT_TOKEN},
                              params={"max-results": 50}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def watch(self, watch_id: str):
        answer = requests.get(self.es.url + "/_watcher/watch/" + watch_id, timeout=10)
        return answer.json() if answer.status_code == 200 else None

    def watch_ids(self) -> list:
        answer = requests.post(self.es.url + "/_watcher/_query/watches", json={"size": 1000}, timeout=10)
        answer.raise_for_status()
        return sorted(item["_id"] for item in answer.json()["watches"])


@pytest.fixture(name="emulators")
def fixture_emulators():
    with BackgroundServer(WatcherEmulator(scheduler=False)) as es, BackgroundServer(IlertEmulator()) as ilert:
        yield Emulators(es=es, ilert=ilert)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str

    def recap(self, host: str = "localhost") -> dict:
        """ok/changed/failed/... of one host from the PLAY RECAP line."""
        line = next(line for line in self.stdout.splitlines()[::-1] if line.split(" ", 1)[0] == host and "changed=" in line)
        return dict((key, int(value)) for key, value in (field.split("=") for field in line.split(":", 1)[1].split()))


def sources_vars(sources: int, watches_per_source: int, prefix: str = "rel") -> dict:
    """eswatcher_sources with `sources` alert sources of `watches_per_source` watches each."""
    return {"eswatcher_sources": [
        {"name": "%s source %d" % (prefix, number), "escalation_policy": "Default", "teams": ["Platform"],
         "watches": [{"id": "%s-%d-%d" % (prefix, number, watch), "metadata": {"name": "%s watch %d.%d" % (prefix, number, watch)},
                      "trigger": {"schedule": {"interval": "1h"}},
                      "input": {"search": {"request": {"indices": ["logs-*"], "body": {"size": 0}}}},
                      "condition": {"compare": {"ctx.payload.hits.total": {"gt": watch}}},
                      "throttle_period": "5m", "auto_resolve": watch % 2 == 0}
                     for watch in range(watches_per_source)]}
        for number in range(sources)]}


@pytest.fixture(name="playbook")
def fixture_playbook(tmp_path, emulators):
    """playbook(variables, *args, env=None) -> PlaybookRun of playbooks/site.yml with these variables."""

    def run(variables: dict, *args, env=None, playbook=ROOT / "playbooks" / "site.yml", timeout=600) -> PlaybookRun:
        return run_playbook(playbook, tmp_path, dict(emulators.env(), **(env or {})), variables, *args, timeout=timeout)

    return run


def as_json(value) -> str:
    return json.dumps(value, sort_keys=True)


# --- Request logs and HTTPS serving (tests/reliability/test_secrets.py and test_tls.py) ------------------
class RequestLog:
    """WSGI middleware in front of an emulator that keeps, like a server's log, every request and answer.

    Each entry holds the request line (method, path and query string), the request headers and body,
    the status, and the response headers and body. Other attributes (``stats``, ``faults``,
    ``account``, ...) are the emulator's, so the log can stand wherever the emulator did.
    """

    def __init__(self, app):
        self.app = app
        self.entries = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        body = Request(environ).get_data()  # also reads chunked bodies; the emulator gets them again below
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        query = environ.get("QUERY_STRING", "")
        entry = {
            "request": "%s %s%s" % (environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), "?" + query if query else ""),
            "request_headers": dict((key[5:].replace("_", "-").title(), value) for key, value in environ.items() if key.startswith("HTTP_")),
            "request_body": body.decode("utf-8", "replace"),
        }

        def recording_start_response(status, headers, exc_info=None):
            entry["status"] = int(status.split(" ", 1)[0])
            entry["response_headers"] = dict(headers)
            return start_response(status, headers, exc_info)

        answer = self.app(environ, recording_start_response)
        try:
            chunks = list(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        entry["response_body"] = b"".join(chunks).decode("utf-8", "replace")
        with self._lock:
            self.entries.append(entry)
        return chunks


class LoggedServer(BackgroundServer):
    """An emulator behind a RequestLog, served from a thread on a free port; over HTTPS with an ssl_context.

    ``app`` is the emulator, ``log`` its RequestLog, ``url`` where it listens.
    """

    def __init__(self, app, ssl_context=None, host: str = "127.0.0.1"):
        self.log = RequestLog(app)
        super().__init__(self.log, host=host, ssl_context=ssl_context)
        self.app = app


def run_playbook(playbook, tmp_path, environment: dict, variables, *args, timeout: int = 300, interpreter: bool = True) -> PlaybookRun:
    """ansible-playbook `playbook` with extra variables, in a subprocess with `environment` added to ours.

    Like the `playbook` fixture, for emulators other than the `emulators` fixture's (own tokens, HTTPS).
    ``interpreter=False`` leaves each host's Python to the inventory (an extra variable would override it).
    """
    command = [ANSIBLE_PLAYBOOK, str(playbook)] + (["-e", "ansible_python_interpreter=" + sys.executable] if interpreter else [])
    if variables is not None:
        vars_file = tmp_path / ("run-vars-%d.yml" % len(list(tmp_path.glob("run-vars-*.yml"))))
        vars_file.write_text(yaml.safe_dump(variables), encoding="utf-8")
        command += ["-e", "@" + str(vars_file)]
    base = dict((key, value) for key, value in os.environ.items()
                if not key.startswith(("ANSIBLE_", "ILERT_", "ELASTICSEARCH_")) and key not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"))
    base.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_FORCE_COLOR="0")
    base.update(environment)
    answer = subprocess.run(command + list(args), cwd=ROOT, env=base, capture_output=True, text=True, timeout=timeout, check=False)
    return PlaybookRun(answer.returncode, answer.stdout, answer.stderr)
