# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The iLert emulator's API keys: 401/403 answers, entities a key cannot see, and read-only users."""

from __future__ import annotations

import pytest
import requests

from emulator_kit.server import BackgroundServer
from ilert_emulator import DEFAULT_TOKEN, IlertEmulator
from ilert_emulator.testing import (DEFAULT_POLICY, PRIVATE_POLICY, STAKEHOLDER_TOKEN, TEAM_PLATFORM, TEAM_SECURITY, USER_TOKEN,
                                    ApiClient)


@pytest.fixture(name="server")
def fixture_server():
    with BackgroundServer(IlertEmulator()) as server:
        yield server


@pytest.fixture(name="admin")
def fixture_admin(server):
    return ApiClient(server.url)


@pytest.fixture(name="user")
def fixture_user(server):
    return ApiClient(server.url, USER_TOKEN)


def test_missing_authorization_header_is_401(server):
    answer = requests.get(server.url + "/api/alert-sources", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["status"] == 401 and answer.json()["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("header", [
    "Bearer not-a-known-key",
    DEFAULT_TOKEN,  # the key without "Bearer "
    "Basic dXNlckBvcmc6cGFzcw==",
    "Bearer ",
])
def test_unknown_or_malformed_keys_are_403_key_error(server, header):
    answer = requests.get(server.url + "/api/teams", headers={"Authorization": header}, timeout=5)
    assert answer.status_code == 403
    assert answer.json()["code"] == "KEY_ERROR" and answer.json()["status"] == 403


def test_bearer_scheme_is_case_insensitive(server):
    answer = requests.get(server.url + "/api/teams", headers={"Authorization": "bearer " + DEFAULT_TOKEN}, timeout=5)
    assert answer.status_code == 200


def test_tokens_option_replaces_the_demo_token():
    with BackgroundServer(IlertEmulator(tokens=["first", "second"])) as server:
        assert ApiClient(server.url, "second").get("/api/teams").status_code == 200
        assert ApiClient(server.url, DEFAULT_TOKEN).get("/api/teams").status_code == 403
        assert ApiClient(server.url, USER_TOKEN).get("/api/teams").status_code == 200  # seeded keys stay


def test_private_teams_and_their_entities_are_invisible_to_non_members(admin, user):
    assert TEAM_SECURITY in [team["id"] for team in admin.get("/api/teams").json()]
    assert TEAM_SECURITY not in [team["id"] for team in user.get("/api/teams").json()]
    assert user.get("/api/teams/%d" % TEAM_SECURITY).status_code == 404
    assert user.get("/api/teams/name/Security").status_code == 404
    assert PRIVATE_POLICY not in [policy["id"] for policy in user.get("/api/escalation-policies").json()]
    assert user.get("/api/escalation-policies/%d" % PRIVATE_POLICY).status_code == 404
    assert user.get("/api/escalation-policies/name/Security incident response").status_code == 404


def test_an_invisible_alert_source_is_a_404_like_a_missing_one(admin, user):
    secret = admin.create_source("Secret", teams=[{"id": TEAM_SECURITY}])
    shared = admin.create_source("Shared", teams=[{"id": TEAM_SECURITY}, {"id": TEAM_PLATFORM}])
    public = admin.create_source("Public")
    assert [source["id"] for source in user.get("/api/alert-sources").json()] == [shared["id"], public["id"]]
    for path in ("/api/alert-sources/%d" % secret["id"], "/api/alert-sources/" + secret["integrationKey"], "/api/alert-sources/name/Secret"):
        answer = user.get(path)
        assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"
    assert user.delete("/api/alert-sources/%d" % secret["id"]).status_code == 404
    assert admin.get("/api/alert-sources/%d" % secret["id"]).status_code == 200


def test_a_user_cannot_refer_to_what_they_cannot_see(user):
    answer = user.post("/api/alert-sources", json={"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": PRIVATE_POLICY},
                                                   "teams": [{"id": TEAM_SECURITY}]})
    assert answer.status_code == 400
    assert "escalationPolicy.id %d does not exist" % PRIVATE_POLICY in answer.json()["message"]
    assert "teams[0].id %d does not exist" % TEAM_SECURITY in answer.json()["message"]
    assert user.post("/api/alert-sources", json={"name": "x", "integrationType": "ESWATCHER",
                                                 "escalationPolicy": {"id": DEFAULT_POLICY}}).status_code == 201


def test_read_only_users_get_null_integration_keys_and_may_not_write(admin, server):
    source = admin.create_source()
    stakeholder = ApiClient(server.url, STAKEHOLDER_TOKEN)
    seen = stakeholder.get("/api/alert-sources/%d" % source["id"]).json()
    assert seen["integrationKey"] is None and seen["integrationUrl"] is None
    assert stakeholder.get("/api/alert-sources").json()[0]["integrationKey"] is None
    for answer in (stakeholder.post("/api/alert-sources", json={}),
                   stakeholder.put("/api/alert-sources/%d" % source["id"], json={}),
                   stakeholder.delete("/api/alert-sources/%d" % source["id"])):
        assert answer.status_code == 403 and answer.json()["code"] == "FORBIDDEN"
    assert admin.get("/api/alert-sources/%d" % source["id"]).status_code == 200
