# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""es_watch against clusters of other kinds: an 8.x cluster (with each client), a basic licence, no cluster."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from elasticsearch import Elasticsearch

from ansible_collections.ilert.watcher.tests.unit.compat.module_args import patch_module_args

from ansible_collections.ilert.watcher.plugins.modules import es_watch

ROOT = Path(__file__).resolve().parents[4]
EMULATORS = ROOT / "tests" / "emulators"
WATCH = {"watch_id": "cluster-kinds", "trigger": {"schedule": {"interval": "1m"}}, "metadata": {"k": "v"}}


def served(**options):
    if str(EMULATORS) not in sys.path:
        sys.path.insert(0, str(EMULATORS))
    server = importlib.import_module("emulator_kit.server")
    app = importlib.import_module("es_emulator.app")
    return server.BackgroundServer(app.WatcherEmulator(**options))


def run_in_process(capsys, url, **args):
    args = dict(dict(hosts=[url], retries=0, request_timeout=5), **args)
    capsys.readouterr()
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            es_watch.main()
    return json.loads(capsys.readouterr().out)


def test_a_9x_client_against_an_8x_cluster_says_which_client_to_install(capsys):
    with served(version="8.19.0") as server:
        result = run_in_process(capsys, server.url, **WATCH)
        assert server.app.stats.snapshot()["writes"] == 0
    assert result["failed"] is True
    assert "Cannot read watch 'cluster-kinds'" in result["msg"]
    assert "Install 'elasticsearch>=8,<9' on the host that runs the module" in result["msg"], result["msg"]


def test_a_basic_licence_says_watcher_needs_another_licence(capsys):
    with served(license_type="basic") as server:
        result = run_in_process(capsys, server.url, **WATCH)
    assert result["failed"] is True and "Watcher is not part of the free basic licence: start a trial" in result["msg"], result["msg"]


def test_no_cluster_is_a_clear_connection_failure(capsys):
    result = run_in_process(capsys, "http://127.0.0.1:9", **WATCH)
    assert result["failed"] is True and "Cannot read watch 'cluster-kinds'" in result["msg"]
    assert "127.0.0.1:9" in result["msg"], result["msg"]


ES8_PYTHON = os.environ.get("ES8_PYTHON", "")


@pytest.mark.skipif(not os.access(ES8_PYTHON or "/nonexistent", os.X_OK),
                    reason="ES8_PYTHON (a Python with the 8.x elasticsearch client; `make venv` builds one) is not set or missing")
def test_the_8x_client_against_an_8x_cluster_is_idempotent_and_deactivates_without_a_put(tmp_path):
    def ansible(url, **args):
        """One es_watch task run by ansible-playbook with the 8.x client's Python; its registered result."""
        result_file = tmp_path / "result.json"
        playbook = [{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "es_watch", "ilert.watcher.es_watch": dict(dict(hosts=[url], retries=0), **args), "register": "result",
             "ignore_errors": True},
            {"name": "keep the result", "ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(result_file)}},
        ]}]
        (tmp_path / "play.yml").write_text(json.dumps(playbook), encoding="utf-8")
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "play.yml", "-e", "ansible_python_interpreter=" + ES8_PYTHON]
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="false",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
        answer = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert answer.returncode == 0, answer.stdout[-3000:] + answer.stderr[-3000:]
        return json.loads(result_file.read_text(encoding="utf-8"))

    with served(version="8.19.0") as server:
        created = ansible(server.url, **WATCH)
        again = ansible(server.url, **WATCH)
        before = server.app.stats.snapshot()
        deactivated = ansible(server.url, active=False, **WATCH)
        after = server.app.stats.snapshot()
    assert created.get("operation") == "created", created
    assert again.get("changed") is False and again.get("operation") == "none", again
    assert deactivated.get("operation") == "deactivated", deactivated
    put_route = "PUT /_watcher/watch/<id>"
    assert after["writes_by_route"].get(put_route) == before["writes_by_route"].get(put_route)


def test_a_write_between_read_and_update_is_a_conflict_the_module_reads_again_and_wins(capsys, monkeypatch):
    WatcherClient = type(Elasticsearch("http://127.0.0.1:9").watcher)  # pylint: disable=invalid-name
    real_put = WatcherClient.put_watch
    interfered = []

    def put_after_another_write(self, *args, **kwargs):
        if kwargs.get("if_seq_no") is not None and not interfered:
            # Someone (an execution, another run) writes the watch after the module read it.
            interfered.append(requests.put("%s/_watcher/watch/%s/_deactivate" % (url, WATCH["watch_id"]), timeout=5).status_code)
        return real_put(self, *args, **kwargs)

    with served(scheduler=False) as server:
        url = server.url
        assert run_in_process(capsys, url, **WATCH)["operation"] == "created"
        monkeypatch.setattr(WatcherClient, "put_watch", put_after_another_write)
        changed = dict(WATCH)
        changed["metadata"] = {"k": "changed"}
        result = run_in_process(capsys, url, **changed)
        stats = server.app.stats.snapshot()
        stored = requests.get("%s/_watcher/watch/%s" % (url, WATCH["watch_id"]), timeout=5).json()
    assert interfered == [200]
    assert result["changed"] is True and result["operation"] == "updated", result
    assert stats["by_status"].get("409") == 1  # the stale update was refused, then made again on what was read anew
    assert stored["watch"]["metadata"] == {"k": "changed"} and stored["status"]["state"]["active"] is True
