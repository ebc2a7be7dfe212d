# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""serve.py, the one command that starts both emulators (what README "Testing your watches offline" documents).

Run as a user runs it: a script path, no PYTHONPATH, from another directory. tests/kit does the same from
an installed collection in a fresh virtual environment; this file checks the behaviour in detail, quickly.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

SERVE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve.py")
DEMO_TOKEN = "il-demo-token-not-a-secret"


def start(tmp_path, *options):
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.Popen([sys.executable, SERVE, *options], cwd=tmp_path, env=environment, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until_ready(process) -> tuple[dict, list[str]]:
    """The `export` lines up to the ready line, and every line read."""
    exported, lines = {}, []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        found = re.match(r"export (\w+)=(\S+)$", lines[-1])
        if found:
            exported[found.group(1)] = found.group(2)
        if lines[-1].startswith("emulators ready"):
            return exported, lines
    raise AssertionError("serve.py ended before it was ready: %s\n%s" % (lines, process.stderr.read()))


def stop(process, signum=signal.SIGTERM) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signum)
    rest, errors = process.communicate(timeout=30)
    return rest, errors


def port_is_closed(url: str) -> bool:
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT (Ctrl-C)"])
def test_both_listen_then_a_signal_stops_both(tmp_path, signum):
    process = start(tmp_path, "--es-port", "0", "--ilert-port", "0")
    try:
        exported, lines = read_until_ready(process)
        assert set(exported) == {"ELASTICSEARCH_ENDPOINTS", "ILERT_ENDPOINT", "ILERT_API_TOKEN"}, lines
        assert exported["ILERT_API_TOKEN"] == DEMO_TOKEN
        cluster = requests.get(exported["ELASTICSEARCH_ENDPOINTS"], timeout=10)
        assert cluster.status_code == 200 and cluster.json()["version"]["number"] == "9.1.0"
        policy = requests.get(exported["ILERT_ENDPOINT"] + "/api/escalation-policies/name/Default",
                              headers={"Authorization": "Bearer " + DEMO_TOKEN}, timeout=10)
        assert policy.status_code == 200 and policy.json()["name"] == "Default"
        # The default notification accounts are tools/emulators.sh's: one e-mail account.
        watch = {"trigger": {"schedule": {"interval": "1h"}}, "actions": {"mail": {"email": {"to": "ops@example.com"}}}}
        assert requests.put(exported["ELASTICSEARCH_ENDPOINTS"] + "/_watcher/watch/w", json=watch, timeout=10).status_code == 201
    finally:
        dummy, errors = stop(process, signum)
    assert process.returncode == 0, errors
    assert "Elasticsearch 9.1.0 emulator" in errors and "iLert emulator stopped" in errors
    assert port_is_closed(exported["ELASTICSEARCH_ENDPOINTS"]) and port_is_closed(exported["ILERT_ENDPOINT"])


def test_options_reach_the_emulators_and_a_users_token_is_not_printed(tmp_path):
    process = start(tmp_path, "--es-port", "0", "--ilert-port", "0", "--es-version", "8.19.0", "--token", "own-key-1234567890",
                    "--es-args=--license basic", "--notification-accounts", "{}")
    try:
        exported, lines = read_until_ready(process)
        assert requests.get(exported["ELASTICSEARCH_ENDPOINTS"], timeout=10).json()["version"]["number"] == "8.19.0"
        licence = requests.get(exported["ELASTICSEARCH_ENDPOINTS"] + "/_license", timeout=10).json()
        assert licence["license"]["type"] == "basic"
        policies = exported["ILERT_ENDPOINT"] + "/api/escalation-policies/name/Default"
        assert requests.get(policies, headers={"Authorization": "Bearer own-key-1234567890"}, timeout=10).status_code == 200
        assert requests.get(policies, headers={"Authorization": "Bearer " + DEMO_TOKEN}, timeout=10).status_code == 403
    finally:
        rest, errors = stop(process)
    assert "own-key-1234567890" not in "\n".join(lines) + rest + errors
    assert "ILERT_API_TOKEN" not in exported and "# ILERT_API_TOKEN: a key given with --token" in lines


def test_an_emulator_that_cannot_start_stops_the_other_and_fails(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = start(tmp_path, "--es-port", "0", "--ilert-port", str(taken.getsockname()[1]))
        started = time.monotonic()
        output, errors = process.communicate(timeout=60)
    assert process.returncode == 1, (output, errors)
    assert "the ilert emulator stopped" in errors and "emulators ready" not in output
    assert time.monotonic() - started < 30
    es_url = re.search(r"Elasticsearch \S+ emulator .* listening on (http://\S+)", output)
    if es_url:  # it may not have got as far as listening before it was stopped
        assert port_is_closed(es_url.group(1))


@pytest.mark.parametrize("option", ["--es-port=x", "--no-such-option"])
def test_bad_options_are_refused_before_anything_starts(tmp_path, option):
    result = subprocess.run([sys.executable, SERVE, option], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "usage: serve.py" in result.stderr and "listening" not in result.stdout
