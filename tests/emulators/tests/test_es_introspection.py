# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What tests and benchmarks use around the API: /_emulator/stats, /_emulator/reset, fault injection
(at start-up and at run time) and the command line (options, --data, SIGTERM)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests
from elasticsearch import ApiError, ConnectionError as EsConnectionError, TransportError

from es_emulator.__main__ import main as cli_main
from es_emulator.testing import control, es_client, reset, served, stats

TRIGGER = {"schedule": {"interval": "1m"}}
EMULATORS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(name="server")
def fixture_server():
    with served() as server:
        yield server


# --- stats -----------------------------------------------------------------------------------------
def test_stats_count_requests_writes_methods_and_routes(server):
    es = es_client(server.url)
    es.watcher.put_watch(id="a", trigger=TRIGGER)
    es.watcher.put_watch(id="a", trigger=TRIGGER)
    es.watcher.get_watch(id="a")
    es.watcher.query_watches()
    es.watcher.deactivate_watch(watch_id="a")
    es.options(ignore_status=404).watcher.get_watch(id="missing")
    es.watcher.delete_watch(id="a")
    counted = stats(server.url)
    assert counted["requests"] == 7
    assert counted["writes"] == 4  # query watches is a POST that only reads
    assert counted["by_method"] == {"PUT": 3, "GET": 2, "POST": 1, "DELETE": 1}
    assert counted["by_route"] == {
        "PUT /_watcher/watch/<id>": 2, "GET /_watcher/watch/<id>": 2, "POST /_watcher/_query/watches": 1,
        "PUT /_watcher/watch/<watch_id>/_deactivate": 1, "DELETE /_watcher/watch/<id>": 1,
    }
    assert counted["writes_by_route"] == {"PUT /_watcher/watch/<id>": 2, "PUT /_watcher/watch/<watch_id>/_deactivate": 1,
                                          "DELETE /_watcher/watch/<id>": 1}
    assert counted["by_status"] == {"201": 1, "200": 5, "404": 1}


def test_reads_only_leave_writes_at_zero(server):
    es = es_client(server.url)
    es.options(ignore_status=404).watcher.get_watch(id="x")
    es.watcher.query_watches(query={"term": {"_id": "x"}})
    es.info()
    es.watcher.stats()
    counted = stats(server.url)
    assert counted["requests"] == 4 and counted["writes"] == 0 and counted["writes_by_route"] == {}


def test_control_routes_are_not_counted(server):
    stats(server.url)
    control(server.url, "faults")
    assert stats(server.url)["requests"] == 0


def test_reset_forgets_watches_counters_settings_and_faults(server):
    es = es_client(server.url)
    es.watcher.put_watch(id="a", trigger=TRIGGER)
    es.watcher.update_settings(index_number_of_replicas=1)
    es.watcher.stop()
    control(server.url, "faults", "POST", {"rate": 1, "kinds": ["503"], "routes": ["^GET /nothing"]})
    reset(server.url)
    assert stats(server.url)["requests"] == 0
    assert control(server.url, "faults")["rate"] == 0
    assert es.options(ignore_status=404).watcher.get_watch(id="a")["found"] is False
    assert es.watcher.stats()["stats"][0]["watcher_state"] == "started"
    created = es.watcher.put_watch(id="a", trigger=TRIGGER)
    assert created.meta.status == 201 and created["_version"] == 1 and created["_seq_no"] == 0
    assert es.watcher.get_settings()["index"]["number_of_replicas"] == "0"


def test_unknown_control_route_is_404(server):
    answer = requests.get(server.url + "/_emulator/nothing", timeout=10)
    assert answer.status_code == 404 and "unknown emulator control route" in answer.json()["error"]


# --- fault injection -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, status, error_type", [
    ("429", 429, "es_rejected_execution_exception"),
    ("500", 500, "illegal_state_exception"),
    ("502", 502, "status_exception"),
    ("503", 503, "cluster_block_exception"),
    ("504", 504, "status_exception"),
])
def test_status_faults_answer_with_the_error_envelope(server, kind, status, error_type):
    control(server.url, "faults", "POST", {"rate": 1, "kinds": [kind]})
    answer = requests.get(server.url + "/_watcher/watch/x", timeout=10)
    assert answer.status_code == status
    assert answer.headers["X-Elastic-Product"] == "Elasticsearch"
    body = answer.json()
    assert body["status"] == status and body["error"]["type"] == error_type
    assert body["error"]["reason"] == "injected fault: HTTP %d" % status


def test_faults_limited_to_routes_methods_and_count(server):
    described = control(server.url, "faults", "POST", {"rate": 1, "kinds": ["503"], "routes": ["^PUT /_watcher/watch/"], "count": 2})
    assert described["injected"] == 0 and described["count"] == 2
    es = es_client(server.url)
    assert es.options(ignore_status=404).watcher.get_watch(id="a")["found"] is False  # GET not targeted
    codes = []
    for dummy in range(3):
        try:
            codes.append(es.watcher.put_watch(id="a", trigger=TRIGGER).meta.status)
        except ApiError as error:
            codes.append(error.meta.status)
    assert codes == [503, 503, 201]
    assert control(server.url, "faults")["injected"] == 2
    assert stats(server.url)["by_status"]["503"] == 2


def test_client_retries_through_an_injected_fault(server):
    control(server.url, "faults", "POST", {"rate": 1, "kinds": ["503"], "count": 1})
    es = es_client(server.url, max_retries=2, retry_on_status=(503,))
    assert es.watcher.put_watch(id="a", trigger=TRIGGER).meta.status == 201
    assert stats(server.url)["by_route"]["PUT /_watcher/watch/<id>"] == 2


def test_connection_reset_fault(server):
    control(server.url, "faults", "POST", {"rate": 1, "kinds": ["reset"], "count": 1})
    with pytest.raises(EsConnectionError):
        es_client(server.url).info()
    assert es_client(server.url).info()["tagline"] == "You Know, for Search"


def test_delay_and_timeout_faults(server):
    control(server.url, "faults", "POST", {"rate": 1, "kinds": ["delay"], "delay_ms": 300, "count": 1})
    started = time.monotonic()
    assert es_client(server.url).info().meta.status == 200
    assert time.monotonic() - started >= 0.3
    control(server.url, "faults", "POST", {"rate": 1, "kinds": ["timeout"], "timeout_s": 2, "count": 1})
    with pytest.raises(TransportError):
        es_client(server.url, request_timeout=0.3).info()


def test_faults_can_be_cleared_and_bad_configs_are_refused(server):
    control(server.url, "faults", "POST", {"rate": 1, "kinds": ["500"]})
    assert requests.delete(server.url + "/_emulator/faults", timeout=10).json()["rate"] == 0
    assert requests.get(server.url + "/", timeout=10).status_code == 200
    for bad in ({"rate": 2}, {"rate": 1, "kinds": ["418"]}, {"rate": 1, "routes": ["("]}, {"rate": 1, "count": -1}):
        answer = requests.post(server.url + "/_emulator/faults", json=bad, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"], bad


def test_faults_from_start_up():
    with served(faults={"rate": 1, "kinds": ["502"], "methods": ["GET"]}) as server:
        assert requests.get(server.url + "/", timeout=10).status_code == 502
        assert requests.put(server.url + "/_watcher/watch/a", json={"trigger": TRIGGER}, timeout=10).status_code == 201


# --- command line ----------------------------------------------------------------------------------
def _start(*args):
    environment = dict(os.environ, PYTHONPATH=EMULATORS)
    process = subprocess.Popen([sys.executable, "-m", "es_emulator", "--port", "0", *args], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "listening on http://" in line, line + process.stderr.read()
    return process, line.rsplit(" ", 1)[1].strip()


def _stop(process) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=10)
    finally:
        process.stdout.close()
        process.stderr.close()


def test_command_line_serves_keeps_data_and_stops_on_sigterm(tmp_path):
    data = str(tmp_path / "watches.json")
    process, url = _start("--quiet", "--data", data, "--version", "8.19.0", "--license", "trial")
    try:
        assert requests.get(url + "/", timeout=10).json()["version"]["number"] == "8.19.0"
        assert requests.put(url + "/_watcher/watch/kept", json={"trigger": TRIGGER}, timeout=10).status_code == 201
    finally:
        assert _stop(process) == 0
    with open(data, encoding="utf-8") as handle:
        assert [item["_id"] for item in json.load(handle)["watches"]["docs"]] == ["kept"]
    process, url = _start("--quiet", "--data", data, "--license", "basic", "--faults", '{"rate": 1, "kinds": ["503"], "routes": ["^GET /$"]}')
    try:
        assert requests.get(url + "/", timeout=10).status_code == 503
        assert requests.get(url + "/_watcher/watch/kept", timeout=10).status_code == 403  # basic licence
        assert requests.delete(url + "/_watcher/watch/kept", timeout=10).json()["found"] is True  # data survived
    finally:
        assert _stop(process) == 0


@pytest.mark.parametrize("argv", [["--version", "6.8.0"], ["--version", "nine"], ["--license", "gold"], ["--faults", "{nope"]])
def test_command_line_refuses_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        cli_main(argv)
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err
