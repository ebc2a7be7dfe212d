# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The iLert emulator around the API: rate limits, /_emulator/* introspection, seeds, state files
and the command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from emulator_kit.server import BackgroundServer
from ilert_emulator import DEFAULT_TOKEN, IlertEmulator, RateLimits
from ilert_emulator.__main__ import parse_arguments
from ilert_emulator.seed import SeedError, load_seed
from ilert_emulator.testing import USER_TOKEN, ApiClient, watcher_ctx

EMULATORS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(name="api")
def fixture_api():
    with BackgroundServer(IlertEmulator()) as server:
        yield ApiClient(server.url)


# --- rate limits -----------------------------------------------------------------------------------
def test_rate_limits_are_off_by_default(api):
    for dummy in range(130):
        assert api.get("/api/teams").status_code == 200


def test_api_key_limit_per_window_with_429_and_no_retry_after():
    clock = Clock()
    limits = RateLimits(enabled=True, limits={"api_key": 3}, clock=clock)
    with BackgroundServer(IlertEmulator(rate_limits=limits)) as server:
        admin, user = ApiClient(server.url), ApiClient(server.url, USER_TOKEN)
        assert [admin.get("/api/teams").status_code for dummy in range(4)] == [200, 200, 200, 429]
        limited = admin.get("/api/alert-sources")
        assert limited.status_code == 429 and "Retry-After" not in limited.headers
        assert limited.json()["status"] == 429 and limited.json()["code"] == "TOO_MANY_REQUESTS"
        assert user.get("/api/teams").status_code == 200  # another key has its own budget
        clock.now += 60  # the next fixed window
        assert admin.get("/api/teams").status_code == 200


def test_integration_key_limit_for_events():
    clock = Clock()
    limits = RateLimits(enabled=True, limits={"integration_key": 2}, clock=clock)
    with BackgroundServer(IlertEmulator(rate_limits=limits)) as server:
        api = ApiClient(server.url)
        first, second = api.create_source("first"), api.create_source("second")
        statuses = [requests.post(first["integrationUrl"], json=watcher_ctx(), timeout=5).status_code for dummy in range(2)]
        statuses.append(api.send_event(first["integrationKey"]).status_code)  # same key, other endpoint
        assert statuses == [202, 202, 429]
        assert api.send_event(second["integrationKey"]).status_code == 202
        assert len(api.alerts()) == 2  # the throttled event made nothing
        clock.now += 60
        assert api.send_event(first["integrationKey"]).status_code == 202


def test_ip_limit_covers_every_route():
    limits = RateLimits(enabled=True, limits={"ip": 2}, clock=Clock())
    with BackgroundServer(IlertEmulator(rate_limits=limits)) as server:
        api = ApiClient(server.url)
        assert [api.get("/api/teams").status_code, api.send_event("il1unknown").status_code, api.get("/api/teams").status_code] == [200, 404, 429]


def test_documented_limits_and_bad_configuration():
    assert RateLimits(enabled=True).describe() == {"enabled": True, "window_seconds": 60.0,
                                                   "limits": {"ip": 700, "api_key": 120, "integration_key": 50}}
    with pytest.raises(ValueError, match="unknown rate limit scope"):
        RateLimits(limits={"user": 1})
    with pytest.raises(ValueError, match="window must be positive"):
        RateLimits(window=0)


# --- /_emulator/* --------------------------------------------------------------------------------
def test_stats_count_requests_by_route_and_writes(api):
    source = api.create_source()
    api.get("/api/alert-sources/%d" % source["id"])
    api.get("/api/alert-sources/name/Watcher")
    api.send_event(source["integrationKey"])
    stats = api.get("/_emulator/stats").json()
    assert stats["requests"] == 4 and stats["writes"] == 2
    assert stats["by_route"] == {"POST /api/alert-sources": 1, "GET /api/alert-sources/<source_id>": 1,
                                 "GET /api/alert-sources/name/<name>": 1, "POST /api/events": 1}
    assert stats["by_status"] == {"201": 1, "200": 2, "202": 1}


def test_reset_brings_back_the_seed_and_forgets_sources_alerts_and_rate_limit_counts():
    limits = RateLimits(enabled=True, limits={"api_key": 3}, clock=Clock())
    with BackgroundServer(IlertEmulator(rate_limits=limits)) as server:
        api = ApiClient(server.url)
        api.send_event(api.create_source()["integrationKey"])  # the create is the key's first request
        assert [api.get("/api/alert-sources").status_code for dummy in range(3)] == [200, 200, 429]
        assert requests.post(server.url + "/_emulator/reset", timeout=5).json() == {"acknowledged": True}
        assert api.get("/api/alert-sources").json() == []  # a fresh window count: 200 again
        limits.enabled = False
        assert [policy["name"] for policy in api.get("/api/escalation-policies").json()][0] == "Default"
        assert len(api.get("/api/teams").json()) == 3
        assert api.create_source()["id"] == 100001  # id counters start over too


def test_injected_faults_answer_with_ilert_error_bodies(api):
    api.post("/_emulator/faults", json={"rate": 1, "kinds": ["429"], "routes": ["^GET /api/alert-sources"], "count": 1})
    answer = api.get("/api/alert-sources")
    assert answer.status_code == 429 and "Retry-After" not in answer.headers
    assert answer.json() == {"status": 429, "message": "injected fault: HTTP 429", "code": "TOO_MANY_REQUESTS"}
    assert api.get("/api/alert-sources").status_code == 200
    api.post("/_emulator/faults", json={"rate": 1, "kinds": ["503"], "count": 1})
    assert api.send_event("il1whatever").json() == {"status": 503, "message": "injected fault: HTTP 503", "code": "ERROR"}


def test_data_file_keeps_sources_and_alerts_across_restarts(tmp_path):
    data = str(tmp_path / "ilert.json")
    with BackgroundServer(IlertEmulator(data_file=data)) as server:
        api = ApiClient(server.url)
        source = api.create_source("kept", teams=[{"id": 2001}], summaryTemplate={"textTemplate": "x"})
        api.send_event(source["integrationKey"], alertKey="k")
    with BackgroundServer(IlertEmulator(data_file=data)) as server:
        api = ApiClient(server.url)
        again = api.get("/api/alert-sources/%d" % source["id"], params={"include": ["summaryTemplate", "textTemplate"]}).json()
        assert again["integrationKey"] == source["integrationKey"] and again["summaryTemplate"] == {"textTemplate": "x"}
        assert again["teams"] == source["teams"] and again["status"] == "PENDING"
        assert [alert["alertKey"] for alert in api.alerts()] == ["k"]
        assert api.create_source()["id"] == source["id"] + 1


# --- seeds -----------------------------------------------------------------------------------------
def test_a_custom_seed_file(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({
        "users": [{"id": 7, "firstName": "Solo", "lastName": "Admin", "email": "solo@example.com", "role": "ADMIN"}],
        "escalationPolicies": [{"id": 70, "name": "Only", "escalationRules": [{"escalationTimeout": 0, "users": [7]}]}],
    }), encoding="utf-8")
    with BackgroundServer(IlertEmulator(seed=str(seed))) as server:
        api = ApiClient(server.url)
        assert [policy["name"] for policy in api.get("/api/escalation-policies").json()] == ["Only"]
        assert api.get("/api/teams").json() == []
        assert ApiClient(server.url, USER_TOKEN).get("/api/teams").status_code == 403


@pytest.mark.parametrize("seed, complaint", [
    ([], "must be a mapping"),
    ({"users": []}, "at least one ADMIN"),
    ({"policies": []}, "unknown section(s) policies"),
    ({"users": [{"id": 1, "firstName": "a", "lastName": "b", "email": "c", "role": "ADMIN"}],
      "teams": [{"id": 2, "name": "t", "members": [{"user": 9}]}]}, "members.user refers to unknown id 9"),
    ({"users": [{"id": 1, "firstName": "a", "lastName": "b", "email": "c", "role": "ADMIN"}],
      "escalationPolicies": [{"id": 3, "name": "p"}]}, "escalationRules is required"),
    ({"users": [{"id": "1", "firstName": "a", "lastName": "b", "email": "c", "role": "ADMIN"}]}, "integer id"),
])
def test_bad_seeds_are_refused_with_the_reason(seed, complaint):
    with pytest.raises(SeedError) as error:
        IlertEmulator(seed=seed)
    assert complaint in str(error.value)


def test_default_seed_file_loads_and_bad_files_are_reported(tmp_path):
    assert [policy["name"] for policy in load_seed()["escalationPolicies"]][0] == "Default"
    broken = tmp_path / "broken.yml"
    broken.write_text("users: [", encoding="utf-8")
    with pytest.raises(SeedError, match="cannot read seed file"):
        load_seed(str(broken))


# --- the command line ------------------------------------------------------------------------------
def test_command_line_options():
    arguments = parse_arguments(["--token", "a", "b", "--token", "c", "--rate-limit", "api_key=5", "--public-url", "http://ilert.local:1"])
    assert arguments.token == ["a", "b", "c"] and arguments.rate_limit == [("api_key", 5)] and arguments.port == 18080
    with pytest.raises(SystemExit):
        parse_arguments(["--rate-limit", "user=5"])


def test_public_url_goes_into_integration_urls_and_locations():
    with BackgroundServer(IlertEmulator(public_url="http://ilert.test:9000/")) as server:
        api = ApiClient(server.url)
        answer = api.post("/api/alert-sources", json={"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": 4001}})
        assert answer.headers["Location"].startswith("http://ilert.test:9000/api/alert-sources/")
        assert answer.json()["integrationUrl"].startswith("http://ilert.test:9000/api/v1/events/eswatcher/")


def test_python_dash_m_serves_and_stops_on_sigterm(tmp_path):
    environment = dict(os.environ, PYTHONPATH=EMULATORS)
    command = [sys.executable, "-m", "ilert_emulator", "--port", "0", "--quiet", "--data", str(tmp_path / "state.json")]
    with subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout.readline().strip() == "accepting the demo API key: ILERT_API_TOKEN=%s" % DEFAULT_TOKEN
            url = re.search(r"listening on (http://\S+)", process.stdout.readline()).group(1)
            assert ApiClient(url).get("/api/escalation-policies/name/Default").json()["id"] == 4001
            ApiClient(url).create_source("persisted")
        finally:
            process.send_signal(signal.SIGTERM)
            dummy, errors = process.communicate(timeout=10)
    assert process.returncode == 0 and "iLert emulator stopped" in errors
    assert json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))["entities"]["alertSources"][0]["name"] == "persisted"


def test_a_bad_seed_on_the_command_line_exits_with_a_message(tmp_path):
    seed = tmp_path / "seed.yml"
    seed.write_text("users: []\n", encoding="utf-8")
    environment = dict(os.environ, PYTHONPATH=EMULATORS)
    result = subprocess.run([sys.executable, "-m", "ilert_emulator", "--seed", str(seed)], env=environment,
                            capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode == 2 and "at least one ADMIN" in result.stderr


def test_the_conformance_test_skips_cleanly_without_the_openapi_documents(tmp_path):
    environment = dict(os.environ, ILERT_OPENAPI_DIR=str(tmp_path / "absent"))
    test_file = os.path.join(EMULATORS, "tests", "test_ilert_openapi_conformance.py")
    result = subprocess.run([sys.executable, "-m", "pytest", test_file, "-q", "-rs", "-p", "no:cacheprovider"], env=environment,
                            capture_output=True, text=True, timeout=60, check=False)
    # 5 is pytest's "no tests ran": a module-level skip leaves nothing else in that file.
    assert result.returncode in (0, 5), result.stdout + result.stderr
    assert "1 skipped" in result.stdout and "failed" not in result.stdout
    assert "iLert's OpenAPI documents are not there" in result.stdout
