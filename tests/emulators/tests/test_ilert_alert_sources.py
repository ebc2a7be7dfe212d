# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The iLert emulator's /api/alert-sources: CRUD, what the server fills in, and the read-back quirks."""

from __future__ import annotations

import re

import pytest

from emulator_kit.server import BackgroundServer
from ilert_emulator import IlertEmulator
from ilert_emulator.testing import (DEFAULT_POLICY, SERVICE_CHECKOUT, SERVICE_PAYMENTS, SERVICE_SEARCH, SUPPORT_HOURS, TEAM_OBSERVABILITY,
                                    TEAM_PLATFORM, USER_TOKEN, ApiClient)

ALL_INCLUDES = ["summaryTemplate", "detailsTemplate", "routingTemplate", "alertKeyTemplate", "linkTemplates", "priorityTemplate",
                "severityTemplate", "servicesTemplate", "eventFilter", "eventTypeFilterCreate", "eventTypeFilterAccept",
                "eventTypeFilterResolve"]
TEMPLATED = {
    "summaryTemplate": {"textTemplate": "{{ metadata.name }} fired"},
    "alertKeyTemplate": {"textTemplate": "{{ watch_id }}"},
    "linkTemplates": [{"text": "Kibana", "hrefTemplate": {"textTemplate": "https://kibana.example/{{ watch_id }}"}}],
    "priorityTemplate": {"valueTemplate": {"textTemplate": "{{ metadata.level }}"}, "mappings": [{"value": "crit", "priority": "HIGH"}]},
    "eventFilter": "(event.payload.hits.total > 0)",
}


@pytest.fixture(name="server")
def fixture_server():
    with BackgroundServer(IlertEmulator()) as server:
        yield server


@pytest.fixture(name="api")
def fixture_api(server):
    return ApiClient(server.url)


def test_create_fills_in_ids_keys_urls_defaults_and_location(api, server):
    answer = api.post("/api/alert-sources", json={"name": "Disk", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}})
    assert answer.status_code == 201
    source = answer.json()
    assert answer.headers["Location"] == "%s/api/alert-sources/%d" % (server.url, source["id"])
    assert isinstance(source["id"], int)
    assert re.fullmatch(r"il1eswatcher[0-9a-f]{18}", source["integrationKey"])
    # integrationUrl points back at the emulator as the client reached it, so a webhook can use it.
    assert source["integrationUrl"] == "%s/api/v1/events/eswatcher/%s" % (server.url, source["integrationKey"])
    assert source["iconUrl"].endswith("/eswatcher.png") and source["lightIconUrl"] and source["darkIconUrl"]
    assert source["escalationPolicy"]["name"] == "Default" and source["escalationPolicy"]["escalationRules"]
    expected = {"active": True, "alertCreation": "ONE_ALERT_PER_EMAIL", "setupStatus": "CREATED", "status": "ALL_RESOLVED",
                "bidirectional": False, "teams": [], "alertPriorityRule": "HIGH", "autoCreateServices": False}
    assert {key: source[key] for key in expected} == expected
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z", source["createdAt"])
    assert source["createdAt"] == source["updatedAt"]


def test_sent_values_win_over_defaults(api):
    source = api.create_source(active=False, alertCreation="ONE_OPEN_ALERT_ALLOWED", setupStatus="FINISHED",
                               alertPriorityRule="LOW", autoResolutionTimeout="PT10M", severity=2)
    assert (source["active"], source["alertCreation"], source["setupStatus"]) == (False, "ONE_OPEN_ALERT_ALLOWED", "FINISHED")
    assert (source["alertPriorityRule"], source["autoResolutionTimeout"], source["severity"]) == ("LOW", "PT10M", 2)
    assert source["status"] == "DISABLED"


def test_get_by_numeric_id_or_by_integration_key(api):
    source = api.create_source()
    by_id = api.get("/api/alert-sources/%d" % source["id"]).json()
    by_key = api.get("/api/alert-sources/" + source["integrationKey"]).json()
    assert by_id == by_key and by_id["id"] == source["id"]
    assert api.get("/api/alert-sources/999999").status_code == 404
    assert api.get("/api/alert-sources/il1nosuchkey").json()["code"] == "NOT_FOUND"


def test_include_only_fields_appear_only_when_asked(api):
    source = api.create_source(**TEMPLATED)
    assert not set(ALL_INCLUDES) & set(source)  # POST without include
    plain = api.get("/api/alert-sources/%d" % source["id"]).json()
    assert not set(ALL_INCLUDES) & set(plain)
    full = api.get("/api/alert-sources/%d" % source["id"], params={"include": ALL_INCLUDES + ["textTemplate"]}).json()
    assert {key: full[key] for key in TEMPLATED} == TEMPLATED
    comma = api.get("/api/alert-sources/%d" % source["id"], params={"include": "eventFilter,summaryTemplate"}).json()
    assert comma["eventFilter"] == TEMPLATED["eventFilter"] and "summaryTemplate" in comma and "linkTemplates" not in comma
    # lists never carry them, whatever is asked
    listed = api.get("/api/alert-sources", params={"include": ALL_INCLUDES}).json()
    assert not set(ALL_INCLUDES) & set(listed[0])


def test_templates_come_back_as_elements_unless_text_template_is_included(api):
    source = api.create_source(params={"include": "summaryTemplate"}, summaryTemplate={"textTemplate": "Disk {{ payload.host | upper }} full"})
    assert source["summaryTemplate"] == {"elements": [
        {"type": "TEXT", "val": "Disk "}, {"type": "VAR", "val": "payload.host", "func": "upper"}, {"type": "TEXT", "val": " full"}]}
    text = api.get("/api/alert-sources/%d" % source["id"], params={"include": ["summaryTemplate", "textTemplate"]}).json()
    assert text["summaryTemplate"] == {"textTemplate": "Disk {{ payload.host | upper }} full"}
    written_as_elements = api.create_source(
        params={"include": ["detailsTemplate", "textTemplate"]},
        detailsTemplate={"elements": [{"type": "TEXT", "val": "host "}, {"type": "VAR", "val": "host"}]})
    assert written_as_elements["detailsTemplate"] == {"textTemplate": "host {{ host }}"}


def test_link_templates_with_link_text_template_come_back_without_text(api):
    links = [{"text": "old", "linkTextTemplate": {"textTemplate": "Open {{ watch_id }}"}, "hrefTemplate": {"textTemplate": "https://x/{{ watch_id }}"}}]
    source = api.create_source(params={"include": ["linkTemplates", "textTemplate"]}, linkTemplates=links)
    assert source["linkTemplates"] == [{"linkTextTemplate": {"textTemplate": "Open {{ watch_id }}"},
                                        "hrefTemplate": {"textTemplate": "https://x/{{ watch_id }}"}}]


def test_teams_are_sorted_by_id_and_duplicates_dropped(api):
    source = api.create_source(teams=[{"id": TEAM_OBSERVABILITY}, {"id": TEAM_PLATFORM, "name": "ignored"}, {"id": TEAM_PLATFORM}])
    assert source["teams"] == [{"id": TEAM_PLATFORM, "name": "Platform"}, {"id": TEAM_OBSERVABILITY, "name": "Observability"}]


@pytest.mark.parametrize("teams_in_put, expected", [
    ("omitted", [TEAM_PLATFORM]),
    (None, [TEAM_PLATFORM]),
    ([], []),
    ([{"id": TEAM_OBSERVABILITY}], [TEAM_OBSERVABILITY]),
])
def test_put_leaves_teams_alone_unless_given_and_only_an_empty_list_clears_them(api, teams_in_put, expected):
    source = api.create_source(teams=[{"id": TEAM_PLATFORM}])
    body = {"name": source["name"], "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}}
    if teams_in_put != "omitted":
        body["teams"] = teams_in_put
    answer = api.put("/api/alert-sources/%d" % source["id"], json=body)
    assert answer.status_code == 200
    assert [team["id"] for team in answer.json()["teams"]] == expected
    assert [team["id"] for team in api.get("/api/alert-sources/%d" % source["id"]).json()["teams"]] == expected


def test_put_is_a_full_replace_that_drops_what_the_body_leaves_out(api):
    source = api.create_source(active=False, alertCreation="ONE_OPEN_ALERT_ALLOWED", setupStatus="FINISHED",
                               supportHours={"id": SUPPORT_HOURS}, **TEMPLATED)
    # "GET it, change one field, PUT it back": the GET without includes had no templates.
    fetched = api.get("/api/alert-sources/%d" % source["id"]).json()
    fetched["name"] = "Renamed"
    del fetched["active"], fetched["alertCreation"], fetched["supportHours"]
    answer = api.put("/api/alert-sources/%d" % source["id"], json=fetched, params={"include": ALL_INCLUDES})
    assert answer.status_code == 200
    updated = answer.json()
    assert updated["name"] == "Renamed"
    assert updated["active"] is True and updated["alertCreation"] == "ONE_ALERT_PER_EMAIL"  # back to the defaults
    assert "supportHours" not in updated
    assert not set(ALL_INCLUDES) & set(updated)  # templates and filters are gone
    assert updated["setupStatus"] == "FINISHED"  # not reset by a PUT without it
    assert updated["id"] == source["id"] and updated["integrationKey"] == source["integrationKey"]
    assert updated["createdAt"] == source["createdAt"]


def test_put_ignores_read_only_fields_and_refuses_a_type_change(api):
    source = api.create_source()
    body = dict(source, id=1, integrationKey="il1mine", integrationUrl="http://x", status="PENDING", bidirectional=True)
    updated = api.put("/api/alert-sources/%d" % source["id"], json=body).json()
    assert (updated["id"], updated["integrationKey"], updated["integrationUrl"]) == (source["id"], source["integrationKey"], source["integrationUrl"])
    assert updated["status"] == "ALL_RESOLVED" and updated["bidirectional"] is False
    changed = api.put("/api/alert-sources/%d" % source["id"], json=dict(source, integrationType="PROMETHEUS"))
    assert changed.status_code == 400 and "integrationType cannot be changed" in changed.json()["message"]


def test_email_sources_keep_their_address_in_the_integration_key_and_a_put_can_change_it(api):
    source = api.create_source(integrationType="EMAIL2", integrationKey="alerts@example.com")
    assert source["integrationKey"] == "alerts@example.com" and "integrationUrl" not in source
    body = {"name": source["name"], "integrationType": "EMAIL2", "escalationPolicy": {"id": DEFAULT_POLICY}, "integrationKey": "new@example.com"}
    assert api.put("/api/alert-sources/%d" % source["id"], json=body).json()["integrationKey"] == "new@example.com"


def test_an_email_source_needs_its_address(api):
    answer = api.post("/api/alert-sources", json={"name": "mail", "integrationType": "EMAIL2", "escalationPolicy": {"id": DEFAULT_POLICY}})
    assert answer.status_code == 400 and "integrationKey (the e-mail address) is required" in answer.json()["message"]
    wrong = api.post("/api/alert-sources", json={"name": "mail", "integrationType": "EMAIL2", "escalationPolicy": {"id": DEFAULT_POLICY},
                                                 "integrationKey": "not-an-address"})
    assert wrong.status_code == 400 and "must be an e-mail address" in wrong.json()["message"]


def test_services_are_references_shown_as_services_and_replaced_by_a_put(api):
    source = api.create_source(services=[{"id": SERVICE_SEARCH}, {"id": SERVICE_CHECKOUT}, {"id": SERVICE_SEARCH}])
    assert [(service["id"], service["name"]) for service in source["services"]] == [(SERVICE_SEARCH, "Search"), (SERVICE_CHECKOUT, "Checkout")]
    assert source["services"][1] == {"id": SERVICE_CHECKOUT, "name": "Checkout", "alias": "checkout", "status": "OPERATIONAL", "description": "",
                                     "oneOpenIncidentOnly": False, "showUptimeHistory": True, "teams": [{"id": TEAM_PLATFORM, "name": "Platform"}]}
    listed = next(item for item in api.get("/api/alert-sources").json() if item["id"] == source["id"])
    assert [service["id"] for service in listed["services"]] == [SERVICE_SEARCH, SERVICE_CHECKOUT]  # not include-only
    # A full replace: services left out of a PUT are gone (only teams survive an omission).
    body = {"name": source["name"], "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}}
    assert api.put("/api/alert-sources/%d" % source["id"], json=body).json()["services"] == []


def test_unknown_invisible_or_too_many_services_are_refused(server, api):
    unknown = api.post("/api/alert-sources", json={"name": "s", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY},
                                                   "services": [{"id": 424242}, {"name": "Checkout"}]})
    assert unknown.status_code == 400
    assert "services[0].id 424242 does not exist" in unknown.json()["message"] and "services[1].id is required" in unknown.json()["message"]
    # Payment gateway belongs to the PRIVATE team Security, which the USER key cannot see.
    hidden = ApiClient(server.url, USER_TOKEN).post("/api/alert-sources", json={
        "name": "s", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "services": [{"id": SERVICE_PAYMENTS}]})
    assert hidden.status_code == 400 and "services[0].id %d does not exist" % SERVICE_PAYMENTS in hidden.json()["message"]
    many = api.post("/api/alert-sources", json={"name": "s", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY},
                                                "services": [{"id": SERVICE_CHECKOUT}] * 16})
    assert many.status_code == 400 and "at most 15 services" in many.json()["message"]


def test_severity_and_services_templates_are_include_only_and_auto_create_services_is_not_in_lists(api):
    fields = {"severityTemplate": {"valueTemplate": {"textTemplate": "{{ metadata.sev }}"}, "mappings": [{"value": "p1", "severity": 1}]},
              "servicesTemplate": [{"textTemplate": "{{ metadata.service }}"}, {"textTemplate": "search"}], "autoCreateServices": True}
    source = api.create_source(**fields)
    assert "severityTemplate" not in source and "servicesTemplate" not in source and source["autoCreateServices"] is True
    wanted = api.get("/api/alert-sources/%d" % source["id"], params={"include": ["severityTemplate", "servicesTemplate", "textTemplate"]}).json()
    assert wanted["severityTemplate"] == fields["severityTemplate"] and wanted["servicesTemplate"] == fields["servicesTemplate"]
    listed = next(item for item in api.get("/api/alert-sources").json() if item["id"] == source["id"])
    # AlertSourceNoIncludes, the list item, has neither autoCreateServices nor setupStatus.
    assert "autoCreateServices" not in listed and "setupStatus" not in listed and "severityTemplate" not in listed
    bad = api.post("/api/alert-sources", json={"name": "s", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY},
                                               "severityTemplate": {"valueTemplate": {"textTemplate": "x"}, "mappings": [{"value": "a", "severity": 6}]},
                                               "servicesTemplate": [{"textTemplate": "x"}] * 11, "autoCreateServices": "yes"})
    assert bad.status_code == 400
    message = bad.json()["message"]
    assert "severityTemplate.mappings[0]" in message and "servicesTemplate must be a list of at most 10" in message and "autoCreateServices" in message


def test_support_hours_reference_and_legacy_inline_form(api):
    referenced = api.create_source(supportHours={"id": SUPPORT_HOURS})
    assert referenced["supportHours"]["name"] == "Office hours Berlin" and referenced["supportHours"]["timezone"] == "Europe/Berlin"
    inline = {"timezone": "Europe/Berlin", "autoRaiseAlerts": True, "supportDays": {"MONDAY": {"start": "08:00", "end": "17:00"}}}
    assert api.create_source(supportHours=inline)["supportHours"] == inline


def test_delete_answers_204_and_the_source_is_gone(api):
    source = api.create_source()
    answer = api.delete("/api/alert-sources/%d" % source["id"])
    assert answer.status_code == 204 and answer.content == b""
    assert api.get("/api/alert-sources/%d" % source["id"]).status_code == 404
    assert api.delete("/api/alert-sources/%d" % source["id"]).status_code == 404
    assert api.delete("/api/alert-sources/" + source["integrationKey"]).status_code == 404  # PUT/DELETE take numeric ids only


def test_names_are_not_unique_and_the_name_look_up_returns_the_first(api):
    first = api.create_source("Twin")
    second = api.create_source("Twin")
    assert first["id"] != second["id"]
    assert [source["id"] for source in api.get("/api/alert-sources").json()] == [first["id"], second["id"]]
    assert api.get("/api/alert-sources/name/Twin").json()["id"] == first["id"]
    assert api.get("/api/alert-sources/name/twin").status_code == 404  # exact, case-sensitive
    assert api.get("/api/alert-sources/name/Twin", params={"include": "eventFilter"}).status_code == 200


def test_name_look_up_handles_encoded_names_but_not_slashes(api):
    api.create_source("Disk usage > 90%")
    assert api.get("/api/alert-sources/name/Disk%20usage%20%3E%2090%25").json()["name"] == "Disk usage > 90%"
    api.create_source("a/b")
    assert api.get("/api/alert-sources/name/a%2Fb").status_code == 404


def test_query_searches_names(api):
    api.create_source("Disk space")
    api.create_source("CPU load")
    assert [source["name"] for source in api.get("/api/alert-sources", params={"query": "disk"}).json()] == ["Disk space"]


@pytest.mark.parametrize("params, expected", [
    ({}, list(range(0, 50))),
    ({"max-results": 50}, list(range(0, 50))),
    ({"start-index": 50}, list(range(50, 53))),
    ({"start-index": 48, "max-results": 10}, [48, 49, 50, 51, 52]),
    ({"start-index": 53}, []),
    ({"start-index": 500}, []),
    ({"max-results": 0}, []),
])
def test_list_paging(api, params, expected):
    for index in range(53):
        api.create_source("source %d" % index)
    names = [source["name"] for source in api.get("/api/alert-sources", params=params).json()]
    assert names == ["source %d" % index for index in expected]


@pytest.mark.parametrize("params, complaint", [
    ({"max-results": 51}, "max-results must be between 0 and 50, got 51"),
    ({"max-results": -1}, "max-results must be between 0 and 50"),
    ({"start-index": -1}, "start-index must be 0 or greater"),
    ({"start-index": "x"}, "start-index must be an integer"),
])
def test_bad_paging_is_a_400_not_a_clamp(api, params, complaint):
    answer = api.get("/api/alert-sources", params=params)
    error = answer.json()
    assert answer.status_code == 400 and error["status"] == 400 and error["code"] == "BAD_REQUEST"
    assert complaint in error["message"]


@pytest.mark.parametrize("body, complaints", [
    ({}, ["name is required", "integrationType is required", "escalationPolicy.id is required"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {}}, ["escalationPolicy.id is required"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": 123}}, ["escalationPolicy.id 123 does not exist"]),
    ({"name": "x", "integrationType": "NOPE", "escalationPolicy": {"id": DEFAULT_POLICY}}, ["integrationType 'NOPE' is not a known"]),
    ({"name": " ", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}}, ["name is required"]),
    ({"name": "x" * 256, "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}}, ["name must be a string of 1 to 255"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "teams": [{"id": 9}, {}]},
     ["teams[0].id 9 does not exist", "teams[1].id is required"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "active": "yes", "alertCreation": "SOMETIMES"},
     ["active must be one of true, false", "alertCreation must be one of"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "alertCreation": "ONE_ALERT_GROUPED_PER_WINDOW"},
     ["alertGroupingWindow is required"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "autoResolutionTimeout": "10 minutes"},
     ["autoResolutionTimeout must be an ISO-8601 duration"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "supportHours": {"id": 77}},
     ["supportHours.id 77 does not exist"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "severity": 6}, ["severity must be one of"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY},
      "linkTemplates": [{"hrefTemplate": {"textTemplate": "u"}}] * 11}, ["linkTemplates must be a list of at most 10"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "linkTemplates": [{"hrefTemplate": {"textTemplate": "u"}}]},
     ["linkTemplates[0] needs text or linkTextTemplate"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "summaryTemplate": "{{ x }}"},
     ["summaryTemplate must be an object"]),
    ({"name": "x", "integrationType": "ESWATCHER", "escalationPolicy": {"id": DEFAULT_POLICY}, "priorityTemplate": {"mappings": []}},
     ["priorityTemplate needs valueTemplate and mappings"]),
])
def test_invalid_bodies_get_a_400_naming_every_problem(api, body, complaints):
    answer = api.post("/api/alert-sources", json=body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["status"] == 400 and error["code"] == "BAD_REQUEST"
    for complaint in complaints:
        assert complaint in error["message"]
    assert api.get("/api/alert-sources").json() == []


@pytest.mark.parametrize("data, headers, status, complaint", [
    (b"", {"Content-Type": "application/json"}, 400, "request body is empty"),
    (b"{not json", {"Content-Type": "application/json"}, 400, "not valid JSON"),
    (b"[1]", {"Content-Type": "application/json"}, 400, "must be a JSON object"),
    (b"{}", {"Content-Type": "text/plain"}, 415, "Content-Type must be application/json"),
])
def test_unreadable_bodies(api, data, headers, status, complaint):
    answer = api.post("/api/alert-sources", data=data, headers=headers)
    assert answer.status_code == status and complaint in answer.json()["message"]


def test_unrouted_paths_and_methods_get_ilert_error_bodies(api):
    assert api.get("/api/nothing-here").json() == {"status": 404, "message": "Resource not found: /api/nothing-here", "code": "NOT_FOUND"}
    answer = api.request("PATCH", "/api/alert-sources/1", json={})
    assert answer.status_code == 405 and answer.json()["code"] == "METHOD_NOT_ALLOWED"
