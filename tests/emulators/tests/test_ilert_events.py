# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Events into the iLert emulator (Events API and the Elastic Watcher webhook) and the alerts they make."""

from __future__ import annotations

import json

import pytest
import requests

from emulator_kit.server import BackgroundServer
from ilert_emulator import IlertEmulator
from ilert_emulator.testing import STAKEHOLDER_TOKEN, TEAM_SECURITY, USER_TOKEN, ApiClient, watcher_ctx


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(name="clock")
def fixture_clock():
    return Clock()


@pytest.fixture(name="api")
def fixture_api(clock):
    with BackgroundServer(IlertEmulator(clock=clock)) as server:
        yield ApiClient(server.url)


def webhook(source: dict, body, **kwargs) -> requests.Response:
    """What a Watcher webhook action does: POST the ctx as JSON to the integration URL, no Authorization."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = kwargs.pop("headers", {"Content-Type": "application/json"})
    return requests.post(source["integrationUrl"], data=data, headers=headers, timeout=5, **kwargs)


# --- the Watcher webhook ---------------------------------------------------------------------------
def test_a_watcher_ctx_makes_an_alert_with_the_documented_mapping(api):
    source = api.create_source()
    ctx = watcher_ctx("disk_watch", metadata={"name": "Disk almost full"})
    answer = webhook(source, ctx)
    assert answer.status_code == 202 and answer.content == b"" and answer.headers["correlation-id"]
    [alert] = api.alerts()
    assert alert["summary"] == "Disk almost full"
    assert alert["alertKey"] == "disk_watch"
    assert json.loads(alert["details"]) == ctx["payload"]
    assert (alert["status"], alert["priority"]) == ("PENDING", "HIGH")
    assert alert["alertSource"]["id"] == source["id"] and alert["escalationPolicy"]["name"] == "Default"
    assert "customDetails" not in alert
    assert api.get("/api/alerts/%d" % alert["id"], params={"include": "customDetails"}).json()["customDetails"] == ctx
    assert api.get("/api/alert-sources/%d" % source["id"]).json()["status"] == "PENDING"


def test_summary_falls_back_to_the_watch_id(api):
    source = api.create_source()
    webhook(source, watcher_ctx("cpu_watch"))
    assert api.alerts()[0]["summary"] == "cpu_watch"


def test_repeated_firings_of_a_watch_group_into_one_alert_and_other_watches_get_their_own(api):
    source = api.create_source()
    for dummy in range(3):
        assert webhook(source, watcher_ctx("disk_watch")).status_code == 202
    webhook(source, watcher_ctx("cpu_watch"))
    alerts = api.alerts()
    assert sorted(alert["alertKey"] for alert in alerts) == ["cpu_watch", "disk_watch"]
    disk = next(alert for alert in alerts if alert["alertKey"] == "disk_watch")
    entries = api.get("/api/alerts/%d/log-entries" % disk["id"]).json()
    assert [entry["logEntryType"] for entry in entries] == ["AlertReceivedLogEntry"] * 3
    assert all(entry["alertId"] == disk["id"] for entry in entries)


def test_a_resolve_through_the_same_webhook_via_metadata_or_an_action_transform(api):
    source = api.create_source()
    webhook(source, watcher_ctx("disk_watch"))
    webhook(source, watcher_ctx("other_watch", metadata={"ilert": {"alert_key": "custom-key", "summary": "Custom", "priority": "low"}}))
    # per action: a transform put {"ilert": {"event_type": "resolve"}} into the payload
    assert webhook(source, watcher_ctx("disk_watch", payload={"ilert": {"event_type": "resolve"}})).status_code == 202
    # per watch: the watch's metadata says so
    webhook(source, watcher_ctx("other_watch", metadata={"ilert": {"alert_key": "CUSTOM-KEY", "event_type": "RESOLVE"}}))
    alerts = {alert["alertKey"]: alert for alert in api.alerts()}
    assert alerts["disk_watch"]["status"] == "RESOLVED" and alerts["disk_watch"]["resolvedOn"]
    assert (alerts["custom-key"]["status"], alerts["custom-key"]["summary"], alerts["custom-key"]["priority"]) == ("RESOLVED", "Custom", "LOW")
    assert api.get("/api/alert-sources/%d" % source["id"]).json()["status"] == "ALL_RESOLVED"
    webhook(source, watcher_ctx("disk_watch"))  # fires again: a new alert, the resolved one stays resolved
    assert sorted(alert["status"] for alert in api.alerts(sources=source["id"])) == ["PENDING", "RESOLVED", "RESOLVED"]


def test_the_payload_block_overrides_the_metadata_block(api):
    source = api.create_source()
    webhook(source, watcher_ctx("w", metadata={"ilert": {"summary": "from metadata", "details": "d"}}, payload={"ilert": {"summary": "from payload"}}))
    [alert] = api.alerts()
    assert (alert["summary"], alert["details"]) == ("from payload", "d")


@pytest.mark.parametrize("body, complaint", [
    (b"{}", "not an Elastic Watcher context"),
    (b"[]", "not an Elastic Watcher context"),
    (b'{"watch_id": ""}', "not an Elastic Watcher context"),
    (b"watch fired", "not valid JSON"),
    (json.dumps(watcher_ctx(metadata={"ilert": "RESOLVE"})).encode(), "ctx.metadata.ilert must be an object"),
    (json.dumps(watcher_ctx(metadata={"ilert": {"eventType": "RESOLVE"}})).encode(), "unknown key(s) eventType"),
    (json.dumps(watcher_ctx(metadata={"ilert": {"event_type": "CLOSE"}})).encode(), "eventType must be one of"),
    (json.dumps(watcher_ctx(metadata={"ilert": {"priority": "urgent"}})).encode(), "priority must be HIGH or LOW"),
    (json.dumps(watcher_ctx(metadata={"ilert": {"alert_key": 5}})).encode(), "ilert.alert_key must be a string"),
])
def test_webhook_bodies_that_are_not_a_usable_ctx_are_400(api, body, complaint):
    source = api.create_source()
    answer = webhook(source, body)
    assert answer.status_code == 400 and answer.json()["code"] == "BAD_REQUEST"
    assert complaint in answer.json()["message"]
    assert api.alerts() == []


def test_webhook_without_json_content_type_is_415(api):
    source = api.create_source()
    assert webhook(source, watcher_ctx(), headers={"Content-Type": "text/plain"}).status_code == 415


def test_webhook_with_an_unknown_key_or_the_wrong_type_is_404(api):
    source = api.create_source()
    assert requests.post(api.url + "/api/v1/events/eswatcher/il1unknown", json=watcher_ctx(), timeout=5).status_code == 404
    wrong_type = source["integrationUrl"].replace("/eswatcher/", "/prometheus/")
    answer = requests.post(wrong_type, json=watcher_ctx(), timeout=5)
    assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"
    upper = source["integrationUrl"].replace("/eswatcher/", "/ESWATCHER/")
    assert requests.post(upper, json=watcher_ctx(), timeout=5).status_code == 202


def test_other_typed_webhooks_take_the_generic_event_body(api):
    source = api.create_source(integrationType="KAFKA")
    assert source["integrationUrl"].endswith("/api/v1/events/kafka/" + source["integrationKey"])
    assert requests.post(source["integrationUrl"], json={"eventType": "ALERT", "summary": "lag"}, timeout=5).status_code == 202
    assert api.alerts()[0]["summary"] == "lag"


def test_events_to_a_disabled_source_are_accepted_and_dropped(api):
    source = api.create_source(active=False)
    assert webhook(source, watcher_ctx()).status_code == 202
    assert api.alerts() == []


# --- the generic Events API ------------------------------------------------------------------------
def test_events_api_alert_accept_resolve_with_case_insensitive_keys(api):
    source = api.create_source()
    key = source["integrationKey"]
    answer = api.send_event(key, summary="Disk full", details="sda1 at 95%", alertKey="  Disk-1 ", priority="LOW", severity=2,
                            labels={"env": "prod"}, links=[{"href": "https://x", "text": "x"}])
    assert answer.status_code == 202 and answer.content == b""
    [alert] = api.alerts()
    assert (alert["summary"], alert["details"], alert["alertKey"], alert["priority"], alert["severity"]) == ("Disk full", "sda1 at 95%", "Disk-1", "LOW", 2)
    assert alert["labels"] == {"env": "prod"} and alert["links"] == [{"href": "https://x", "text": "x"}]
    assert api.send_event(key, "ALERT", summary="again", alertKey="disk-1").status_code == 202
    assert len(api.alerts()) == 1
    assert api.send_event(key, "ACCEPT", alertKey="DISK-1").status_code == 202
    assert api.alerts()[0]["status"] == "ACCEPTED"
    assert api.get("/api/alert-sources/%d" % source["id"]).json()["status"] == "ALL_ACCEPTED"
    assert api.send_event(key, "COMMENT", alertKey="disk-1", comments=[{"creator": "bot", "content": "looking"}]).status_code == 202
    assert api.send_event(key, "RESOLVE", alertKey="disk-1").status_code == 202
    assert api.alerts()[0]["status"] == "RESOLVED"
    entries = [entry["logEntryType"] for entry in api.get("/api/alerts/%d/log-entries" % alert["id"]).json()]
    assert entries == ["AlertReceivedLogEntry", "AlertReceivedLogEntry", "AlertSourceResponseLogEntry",
                       "AlertCommentAddedLogEntry", "AlertSourceResponseLogEntry"]


def test_legacy_api_key_and_incident_key_fields(api):
    key = api.create_source()["integrationKey"]
    body = {"apiKey": key, "eventType": "ALERT", "summary": "legacy", "incidentKey": "k1"}
    assert requests.post(api.url + "/api/events", json=body, timeout=5).status_code == 202
    assert api.alerts()[0]["alertKey"] == "k1"


def test_resolve_for_an_unknown_alert_key_is_still_202(api):
    key = api.create_source()["integrationKey"]
    assert api.send_event(key, "RESOLVE", alertKey="never-seen").status_code == 202


def test_events_api_unknown_key_is_404(api):
    answer = api.send_event("il1unknown")
    assert answer.status_code == 404 and answer.json() == {"status": 404, "code": "NOT_FOUND",
                                                           "message": "No alert source found for this integration key"}


@pytest.mark.parametrize("fields, complaint", [
    ({"integrationKey": None}, "integrationKey is required"),
    ({"eventType": "OPEN"}, "eventType must be one of ALERT, ACCEPT, RESOLVE, COMMENT"),
    ({"eventType": "alert"}, "eventType must be one of"),
    ({"summary": None}, "summary is required for ALERT events"),
    ({"eventType": "RESOLVE"}, "alertKey is required for RESOLVE events"),
    ({"severity": "SEV1"}, "severity must be an integer from 1 to 5"),
    ({"severity": 0}, "severity must be an integer from 1 to 5"),
    ({"priority": "MEDIUM"}, "priority must be HIGH or LOW"),
    ({"labels": {"a": 1}}, "labels values must be strings"),
    ({"links": "https://x"}, "links must be a list"),
])
def test_events_api_invalid_bodies_are_400(api, fields, complaint):
    body = {"integrationKey": api.create_source()["integrationKey"], "eventType": "ALERT", "summary": "s"}
    body.update(fields)
    body = {key: value for key, value in body.items() if value is not None}
    answer = requests.post(api.url + "/api/events", json=body, timeout=5)
    assert answer.status_code == 400 and complaint in answer.json()["message"]


def test_events_need_no_authorization_header(api):
    key = api.create_source()["integrationKey"]
    answer = requests.post(api.url + "/api/events", json={"integrationKey": key, "eventType": "ALERT", "summary": "s"},
                           headers={"Authorization": "Bearer wrong"}, timeout=5)
    assert answer.status_code == 202


# --- grouping per alertCreation --------------------------------------------------------------------
def _fire(api, key, summary, alert_key=None):
    fields = {"summary": summary}
    if alert_key:
        fields["alertKey"] = alert_key
    assert api.send_event(key, **fields).status_code == 202


@pytest.mark.parametrize("creation, expected_alerts", [
    ("ONE_ALERT_PER_EMAIL", 4),
    ("OPEN_RESOLVE_ON_EXTRACTION", 4),
    ("ONE_ALERT_PER_EMAIL_SUBJECT", 2),
    ("ONE_OPEN_ALERT_ALLOWED", 1),
    ("ONE_PENDING_ALERT_ALLOWED", 1),
])
def test_grouping_without_alert_keys_follows_alert_creation(api, creation, expected_alerts):
    key = api.create_source(alertCreation=creation)["integrationKey"]
    for summary in ("disk", "disk", "cpu", "cpu"):
        _fire(api, key, summary)
    assert len(api.alerts()) == expected_alerts


def test_one_pending_alert_allowed_opens_a_new_one_once_the_first_is_accepted(api):
    key = api.create_source(alertCreation="ONE_PENDING_ALERT_ALLOWED")["integrationKey"]
    _fire(api, key, "a", "k1")
    api.send_event(key, "ACCEPT", alertKey="k1")
    _fire(api, key, "b")
    _fire(api, key, "c")
    assert sorted(alert["status"] for alert in api.alerts()) == ["ACCEPTED", "PENDING"]


def test_a_matching_alert_key_groups_whatever_alert_creation_says(api):
    key = api.create_source(alertCreation="ONE_ALERT_PER_EMAIL")["integrationKey"]
    _fire(api, key, "disk", "k1")
    _fire(api, key, "cpu", "K1")
    _fire(api, key, "disk", "k2")
    assert sorted(alert["alertKey"] for alert in api.alerts()) == ["k1", "k2"]


def test_time_window_grouping(api, clock):
    key = api.create_source(alertCreation="ONE_ALERT_GROUPED_PER_WINDOW", alertGroupingWindow="PT5M")["integrationKey"]
    _fire(api, key, "a")
    clock.now += 200
    _fire(api, key, "b")
    assert len(api.alerts()) == 1
    clock.now += 200  # 400 s after the alert was opened: outside the window
    _fire(api, key, "c")
    assert len(api.alerts()) == 2


def test_auto_resolution_timeout_resolves_quiet_alerts(api, clock):
    source = api.create_source(autoResolutionTimeout="PT10M")
    _fire(api, source["integrationKey"], "a", "k")
    clock.now += 500
    _fire(api, source["integrationKey"], "a", "k")  # a new event restarts the timeout
    clock.now += 500
    assert api.alerts()[0]["status"] == "PENDING"
    clock.now += 100
    [alert] = api.alerts()
    assert alert["status"] == "RESOLVED"
    assert api.get("/api/alerts/%d/log-entries" % alert["id"]).json()[-1]["logEntryType"] == "AlertAutoResolvedLogEntry"


def test_routing_key_picks_the_policy(api):
    key = api.create_source()["integrationKey"]
    api.send_event(key, summary="routed", routingKey="platform")
    api.send_event(key, summary="unknown routing key", routingKey="nope")
    policies = {alert["summary"]: alert["escalationPolicy"]["name"] for alert in api.alerts()}
    assert policies == {"routed": "Platform on-call", "unknown routing key": "Default"}


# --- /api/alerts -----------------------------------------------------------------------------------
def test_alert_list_filters_paging_and_order(api):
    first = api.create_source("first")
    second = api.create_source("second")
    for index in range(3):
        _fire(api, first["integrationKey"], "first %d" % index)
    _fire(api, second["integrationKey"], "second", "s")
    api.send_event(second["integrationKey"], "RESOLVE", alertKey="s")
    assert [alert["summary"] for alert in api.alerts()] == ["second", "first 2", "first 1", "first 0"]  # newest first
    assert [alert["summary"] for alert in api.alerts(sources=second["id"])] == ["second"]
    assert len(api.alerts(states="PENDING")) == 3
    assert len(api.get("/api/alerts", params=[("states", "PENDING"), ("states", "RESOLVED")]).json()) == 4
    assert len(api.alerts(policies=4001)) == 4 and api.alerts(policies=4002) == []
    assert [alert["summary"] for alert in api.alerts(**{"start-index": 1, "max-results": 2})] == ["first 2", "first 1"]
    assert api.get("/api/alerts", params={"max-results": 100}).status_code == 200
    assert api.get("/api/alerts", params={"max-results": 101}).status_code == 400
    assert api.get("/api/alerts", params={"states": "OPEN"}).status_code == 400
    assert api.get("/api/alerts", params={"sources": "abc"}).status_code == 400


def test_get_alert_includes_and_404(api):
    _fire(api, api.create_source()["integrationKey"], "x")
    alert_id = api.alerts()[0]["id"]
    assert "escalationRules" not in api.get("/api/alerts/%d" % alert_id).json()
    assert api.get("/api/alerts/%d" % alert_id, params={"include": "escalationRules"}).json()["escalationRules"][0]["users"][0]["id"] == 1001
    assert api.get("/api/alerts/1").status_code == 404
    assert api.get("/api/alerts/1/log-entries").status_code == 404


def test_accept_and_resolve_an_alert_by_id(api, clock):
    _fire(api, api.create_source()["integrationKey"], "x")
    alert_id = api.alerts()[0]["id"]
    assert api.put("/api/alerts/%d/accept" % alert_id).json()["status"] == "ACCEPTED"
    clock.now += 1.5
    resolved = api.put("/api/alerts/%d/resolve" % alert_id).json()
    assert resolved["status"] == "RESOLVED" and resolved["resolvedOn"] > resolved["reportTime"]
    assert ApiClient(api.url, STAKEHOLDER_TOKEN).put("/api/alerts/%d/accept" % alert_id).status_code == 403


def test_alerts_of_invisible_sources_are_invisible(api):
    _fire(api, api.create_source("secret", teams=[{"id": TEAM_SECURITY}])["integrationKey"], "secret")
    alert_id = api.alerts()[0]["id"]
    user = ApiClient(api.url, USER_TOKEN)
    assert user.alerts() == [] and user.get("/api/alerts/%d" % alert_id).status_code == 404


def test_deleting_a_source_deletes_its_alerts(api):
    source = api.create_source()
    _fire(api, source["integrationKey"], "x")
    api.delete("/api/alert-sources/%d" % source["id"])
    assert api.alerts() == []
