# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The iLert emulator's look-ups: escalation policies, teams, support hours and services from the seed."""

from __future__ import annotations

import pytest

from emulator_kit.server import BackgroundServer
from ilert_emulator import IlertEmulator
from ilert_emulator.testing import (DEFAULT_POLICY, SERVICE_CHECKOUT, SERVICE_PAYMENTS, SERVICE_SEARCH, SUPPORT_HOURS, TEAM_OBSERVABILITY,
                                    TEAM_PLATFORM, TEAM_SECURITY, USER_TOKEN, ApiClient)


def big_seed(count: int) -> dict:
    """A seed with `count` of each look-up kind, to reach the page limits."""
    return {
        "users": [{"id": 1, "firstName": "A", "lastName": "B", "email": "a@example.com", "role": "ADMIN"}],
        "teams": [{"id": 10 + index, "name": "team %d" % index, "members": [{"user": 1, "role": "ADMIN"}] if index % 2 else []}
                  for index in range(count)],
        "escalationPolicies": [{"id": 1000 + index, "name": "policy %d" % index, "escalationRules": [{"escalationTimeout": 0, "users": [1]}]}
                               for index in range(count)],
        "supportHours": [{"id": 5000 + index, "name": "hours %d" % index, "timezone": "Europe/Berlin"} for index in range(count)],
        "services": [{"id": 7000 + index, "name": "service %d" % index} for index in range(count)],
    }


@pytest.fixture(name="server_url")
def fixture_server_url():
    with BackgroundServer(IlertEmulator()) as server:
        yield server.url


@pytest.fixture(name="api")
def fixture_api(server_url):
    return ApiClient(server_url)


@pytest.fixture(name="big", scope="module")
def fixture_big():
    with BackgroundServer(IlertEmulator(seed=big_seed(120))) as server:
        yield ApiClient(server.url)


def test_default_seed_has_the_default_policy_teams_support_hours(api):
    policies = api.get("/api/escalation-policies").json()
    assert [policy["name"] for policy in policies] == ["Default", "Platform on-call", "Security incident response"]
    assert policies[0]["id"] == DEFAULT_POLICY
    assert policies[1]["escalationRules"][0]["users"] == [{"id": 1002, "firstName": "Uma", "lastName": "User"}]
    assert policies[1]["teams"] == [{"id": TEAM_PLATFORM, "name": "Platform"}] and policies[1]["routingKey"] == "platform"
    teams = api.get("/api/teams").json()
    assert [team["id"] for team in teams] == [TEAM_PLATFORM, TEAM_OBSERVABILITY, TEAM_SECURITY]
    assert teams[0]["members"][0]["user"]["email"] == "ada.admin@example.com" and teams[0]["members"][0]["role"] == "ADMIN"
    hours = api.get("/api/support-hours").json()
    assert [item["id"] for item in hours] == [SUPPORT_HOURS] and "exceptions" not in hours[0]  # list items carry no exceptions
    assert api.get("/api/support-hours/%d" % SUPPORT_HOURS).json()["exceptions"] == []


@pytest.mark.parametrize("path, name, entity_id", [
    ("escalation-policies", "Default", DEFAULT_POLICY),
    ("teams", "Observability", TEAM_OBSERVABILITY),
    ("support-hours", "Office hours Berlin", SUPPORT_HOURS),
    ("services", "Checkout", SERVICE_CHECKOUT),
])
def test_get_by_id_and_by_exact_name(api, path, name, entity_id):
    by_id = api.get("/api/%s/%d" % (path, entity_id))
    assert by_id.status_code == 200 and by_id.json()["name"] == name
    assert api.get("/api/%s/name/%s" % (path, name)).json() == by_id.json()
    assert api.get("/api/%s/name/%s" % (path, name.lower())).status_code == 404
    missing = api.get("/api/%s/name/nothing" % path)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    assert api.get("/api/%s/424242" % path).status_code == 404
    assert api.get("/api/%s/abc" % path).status_code == 404


def test_team_members_filter(api):
    assert [team["id"] for team in api.get("/api/teams", params={"members": 1003}).json()] == [TEAM_OBSERVABILITY]
    assert api.get("/api/teams", params={"members": "x"}).status_code == 400
    assert api.get("/api/teams", params=[("members", 1), ("members", 2)]).status_code == 400


@pytest.mark.parametrize("path, limit", [("escalation-policies", 50), ("teams", 100), ("support-hours", 50)])
def test_page_limits_of_the_look_ups(big, path, limit):
    assert len(big.get("/api/" + path).json()) == 50  # default page size everywhere
    assert len(big.get("/api/" + path, params={"max-results": limit}).json()) == limit
    tail = big.get("/api/" + path, params={"start-index": 100, "max-results": limit}).json()
    assert len(tail) == min(limit, 20)
    too_many = big.get("/api/" + path, params={"max-results": limit + 1})
    assert too_many.status_code == 400 and "max-results must be between 0 and %d" % limit in too_many.json()["message"]


def test_services_list_default_page_is_ten_and_include_lowers_the_limit(big, api):
    assert len(big.get("/api/services").json()) == 10  # iLert's default max-results for services
    assert len(big.get("/api/services", params={"max-results": 100}).json()) == 100
    assert big.get("/api/services", params={"max-results": 101}).status_code == 400
    assert big.get("/api/services", params={"max-results": 26, "include": "uptime"}).status_code == 400
    assert len(big.get("/api/services", params={"max-results": 25, "include": "uptime"}).json()) == 25
    assert [service["id"] for service in api.get("/api/services").json()] == [SERVICE_CHECKOUT, SERVICE_SEARCH, SERVICE_PAYMENTS]


def test_a_service_of_a_private_team_is_invisible_to_outsiders(server_url):
    user = ApiClient(server_url, USER_TOKEN)
    assert [service["id"] for service in user.get("/api/services").json()] == [SERVICE_CHECKOUT, SERVICE_SEARCH]
    assert user.get("/api/services/%d" % SERVICE_PAYMENTS).status_code == 404
    assert user.get("/api/services/name/Payment gateway").status_code == 404
