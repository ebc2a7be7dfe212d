# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared emulator machinery, exercised through a tiny key-value emulator over real HTTP."""

from __future__ import annotations

import json

import pytest
import requests
from werkzeug.routing import Map, Rule

from emulator_kit.server import BackgroundServer, EmulatorApp, json_response


class KeyValueEmulator(EmulatorApp):
    url_map = Map([
        Rule("/kv/<key>", endpoint="get", methods=["GET"]),
        Rule("/kv/<key>", endpoint="put", methods=["PUT"]),
        Rule("/kv/_search", endpoint="search", methods=["POST"]),
    ])
    read_only_routes = frozenset({"/kv/_search"})

    def __init__(self, **kwargs):
        self.values = {}
        super().__init__(**kwargs)

    def on_get(self, request, key):
        if key not in self.values:
            return self.error_response(404, "no such key")
        return json_response({"value": self.values[key]})

    def on_put(self, request, key):
        self.values[key] = request.get_json()
        return json_response({"result": "ok"}, status=201)

    def on_search(self, request):
        return json_response({"keys": sorted(self.values)})

    def error_response(self, status, reason):
        return json_response({"status": status, "message": reason}, status=status)

    def reset_state(self):
        self.values = {}

    def state_to_dict(self):
        return {"values": self.values}

    def state_from_dict(self, state):
        self.values = state["values"]


@pytest.fixture(name="server")
def fixture_server():
    with BackgroundServer(KeyValueEmulator()) as server:
        yield server


def stats(server):
    return requests.get(server.url + "/_emulator/stats", timeout=5).json()


def test_stats_count_requests_writes_routes_and_statuses(server):
    requests.put(server.url + "/kv/a", json=1, timeout=5)
    requests.get(server.url + "/kv/a", timeout=5)
    requests.get(server.url + "/kv/missing", timeout=5)
    requests.post(server.url + "/kv/_search", json={}, timeout=5)
    requests.delete(server.url + "/kv/a", timeout=5)  # not routed: 405, still a write attempt

    counted = stats(server)
    assert counted["requests"] == 5
    assert counted["writes"] == 2
    assert counted["by_route"] == {
        "PUT /kv/<key>": 1, "GET /kv/<key>": 2, "POST /kv/_search": 1, "DELETE <method not allowed>": 1,
    }
    assert counted["writes_by_route"] == {"PUT /kv/<key>": 1, "DELETE <method not allowed>": 1}
    assert counted["by_status"] == {"201": 1, "200": 2, "404": 1, "405": 1}
    assert counted["by_method"] == {"PUT": 1, "GET": 2, "POST": 1, "DELETE": 1}


def test_control_routes_are_not_counted(server):
    requests.get(server.url + "/_emulator/faults", timeout=5)
    assert stats(server)["requests"] == 0


def test_injected_status_faults_obey_routes_methods_and_count(server):
    requests.put(server.url + "/kv/a", json=1, timeout=5)
    answer = requests.post(server.url + "/_emulator/faults", timeout=5,
                           json={"rate": 1, "kinds": ["503"], "routes": ["^GET /kv/"], "count": 2})
    assert answer.status_code == 200 and answer.json()["count"] == 2

    assert requests.put(server.url + "/kv/b", json=2, timeout=5).status_code == 201  # route does not match
    first = requests.get(server.url + "/kv/a", timeout=5)
    assert first.status_code == 503 and first.json() == {"status": 503, "message": "injected fault: HTTP 503"}
    assert requests.get(server.url + "/kv/a", timeout=5).status_code == 503
    assert requests.get(server.url + "/kv/a", timeout=5).json() == {"value": 1}  # count exhausted
    assert requests.get(server.url + "/_emulator/faults", timeout=5).json()["injected"] == 2


def test_injected_reset_breaks_the_connection(server):
    requests.post(server.url + "/_emulator/faults", json={"rate": 1, "kinds": ["reset"], "count": 1}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/kv/a", timeout=5)
    assert requests.get(server.url + "/kv/a", timeout=5).status_code == 404


def test_injected_timeout_stalls_past_the_client_timeout(server):
    requests.post(server.url + "/_emulator/faults", timeout=5,
                  json={"rate": 1, "kinds": ["timeout"], "timeout_s": 1, "count": 1})
    with pytest.raises(requests.Timeout):
        requests.get(server.url + "/kv/a", timeout=0.2)


def test_a_write_whose_answer_is_lost_is_counted_when_it_happens(server):
    """The write is done before the late answer: counters read while the answer stalls already hold it."""
    requests.post(server.url + "/_emulator/faults", timeout=5,
                  json={"rate": 1, "kinds": ["timeout"], "timeout_s": 2, "count": 1, "routes": ["^PUT /kv/"]})
    with pytest.raises(requests.Timeout):
        requests.put(server.url + "/kv/late", json=1, timeout=0.2)
    counted = stats(server)
    assert counted["writes_by_route"] == {"PUT /kv/<key>": 1}, counted
    assert requests.get(server.url + "/kv/late", timeout=5).json() == {"value": 1}


@pytest.mark.parametrize("config, complaint", [
    ({"rate": 2}, "rate must be a number between 0 and 1"),
    ({"rate": 0.5, "kinds": ["418"]}, "unknown: 418"),
    ({"rate": 0.5, "routes": ["("]}, "routes must be regular expressions"),
    ({"rate": 0.5, "count": -1}, "count must be a non-negative integer"),
])
def test_bad_fault_configuration_is_refused_with_the_reason(server, config, complaint):
    answer = requests.post(server.url + "/_emulator/faults", json=config, timeout=5)
    assert answer.status_code == 400
    assert complaint in answer.json()["error"]


def test_reset_clears_state_stats_and_faults(server):
    requests.put(server.url + "/kv/a", json=1, timeout=5)
    requests.post(server.url + "/_emulator/faults", json={"rate": 0.5}, timeout=5)
    assert requests.post(server.url + "/_emulator/reset", timeout=5).json() == {"acknowledged": True}
    assert stats(server)["requests"] == 0
    assert requests.get(server.url + "/_emulator/faults", timeout=5).json()["rate"] == 0
    assert requests.get(server.url + "/kv/a", timeout=5).status_code == 404


def test_data_file_keeps_state_across_restarts(tmp_path):
    data = tmp_path / "state.json"
    with BackgroundServer(KeyValueEmulator(data_file=str(data))) as server:
        requests.put(server.url + "/kv/a", json={"n": 1}, timeout=5)
    assert json.loads(data.read_text(encoding="utf-8")) == {"values": {"a": {"n": 1}}}
    with BackgroundServer(KeyValueEmulator(data_file=str(data))) as server:
        assert requests.get(server.url + "/kv/a", timeout=5).json() == {"value": {"n": 1}}


def test_a_timeout_fault_acts_first_and_answers_too_late(server):
    requests.post(server.url + "/_emulator/faults", json={"rate": 1, "kinds": ["timeout"], "timeout_s": 1.5, "methods": ["PUT"]}, timeout=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.put(server.url + "/kv/late", json=7, timeout=0.5)
    requests.delete(server.url + "/_emulator/faults", timeout=5)
    assert requests.get(server.url + "/kv/late", timeout=5).json() == {"value": 7}  # stored, though the client gave up
