# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ilert_alert_source and ilert_alert_source_info end to end (main()) against the in-process iLert emulator."""

from __future__ import annotations

import json

import requests

from ansible_collections.ilert.watcher.plugins.modules import ilert_alert_source, ilert_alert_source_info

TOKEN = "il-demo-token-not-a-secret"  # the emulator's demo key (conftest.TOKEN)

FULL = dict(
    name="Watcher prod",
    escalation_policy="Default",
    teams=["Platform", "Observability"],
    support_hours="Office hours Berlin",
    active=True,
    alert_creation="ONE_ALERT_GROUPED_PER_WINDOW",
    alert_grouping_window="15m",
    auto_resolution_timeout="PT60M",
    alert_priority_rule="HIGH_DURING_SUPPORT_HOURS",
    severity=2,
    summary_template="{{ watch_id }} fired",
    details_template="{{ payload }}",
    routing_template="{{ metadata.route }}",
    alert_key_template="{{ watch_id }}",
    link_templates=[{"text": "Kibana", "href": "https://kibana.example/{{ watch_id }}"}],
    priority_template={"value_template": "{{ metadata.level }}",
                       "mappings": [{"value": "warn", "priority": "LOW"}, {"value": "crit", "priority": "HIGH"}]},
    event_filter="(event.payload.hits.total > 0)",
    event_type_filter_create="(event.x == 1)",
    event_type_filter_accept="(event.x == 2)",
    event_type_filter_resolve="(event.x == 3)",
)


def api_get(ilert, path, **params):
    answer = requests.get(ilert.url + path, params=params, headers={"Authorization": "Bearer " + TOKEN}, timeout=5)
    answer.raise_for_status()
    return answer.json()


def api_create(ilert, name, **fields):
    body = dict({"name": name, "integrationType": "ESWATCHER", "escalationPolicy": {"id": 4001}}, **fields)
    answer = requests.post(ilert.url + "/api/alert-sources", json=body, headers={"Authorization": "Bearer " + TOKEN}, timeout=5)
    answer.raise_for_status()
    return answer.json()


def delta(before, after):
    return {"requests": after["requests"] - before["requests"], "writes": after["writes"] - before["writes"]}


# --- create, idempotency, request counts ---------------------------------------------------------------
def test_create_then_second_run_changes_nothing_with_two_reads(run_module, stats, ilert):
    first = run_module(ilert_alert_source, **FULL)
    assert first["changed"] is True and first["operation"] == "created"
    assert first["msg"] == "alert source 'Watcher prod' created"
    assert first["id"] == first["alert_source"]["id"]
    created = stats()
    # list sources, list policies, list teams, list support hours, POST, list sources (a twin made meanwhile?)
    assert created["requests"] == 6 and created["writes"] == 1
    stored = api_get(ilert, "/api/alert-sources/%d" % first["id"], include=["summaryTemplate", "textTemplate"])
    assert stored["setupStatus"] == "FINISHED"
    assert [team["id"] for team in stored["teams"]] == [2001, 2002]
    assert stored["summaryTemplate"] == {"textTemplate": "{{ watch_id }} fired"}

    created = stats()  # after the test's own GET
    second = run_module(ilert_alert_source, **FULL)
    assert second["changed"] is False and second["operation"] == "none"
    assert second["msg"] == "alert source 'Watcher prod' already up to date"
    # one list, one GET with every include; the names are known from the source itself
    assert delta(created, stats()) == {"requests": 2, "writes": 0}
    assert second["integration_key"] == first["integration_key"]


def test_returns_key_url_and_webhook_parts(run_module, ilert):
    result = run_module(ilert_alert_source, name="w", escalation_policy=4001)
    key = result["integration_key"]
    assert key and result["integration_url"].endswith("/api/v1/events/eswatcher/" + key)
    port = int(ilert.url.rsplit(":", 1)[1])
    assert result["webhook"] == {"scheme": "http", "host": "127.0.0.1", "port": port, "path": "/api/v1/events/eswatcher/" + key}
    # The webhook really reaches the source.
    ctx = {"watch_id": "w1", "payload": {}, "metadata": {}}
    answer = requests.post("%s://%s:%d%s" % (result["webhook"]["scheme"], result["webhook"]["host"], port, result["webhook"]["path"]),
                           json=ctx, timeout=5)
    assert answer.status_code == 202


def test_one_setting_changed_shows_only_that_in_the_diff(run_module, stats):
    run_module(ilert_alert_source, **FULL)
    before = stats()
    result = run_module(ilert_alert_source, diff=True, **dict(FULL, summary_template="{{ watch_id }} is down"))
    assert result["changed"] is True and result["operation"] == "updated"
    assert result["diff"] == {"before": {"summary_template": "{{ watch_id }} fired"}, "after": {"summary_template": "{{ watch_id }} is down"}}
    assert delta(before, stats())["writes"] == 1
    # Everything else survived the full-replace PUT.
    assert run_module(ilert_alert_source, **dict(FULL, summary_template="{{ watch_id }} is down"))["changed"] is False


def test_team_order_and_form_do_not_matter(run_module, stats):
    run_module(ilert_alert_source, name="t", escalation_policy="Default", teams=["Platform", "Observability"])
    before = stats()
    for teams in (["Observability", "Platform"], [2002, 2001], ["2001", "Observability", "Platform"]):
        assert run_module(ilert_alert_source, name="t", teams=teams)["changed"] is False, teams
    assert delta(before, stats())["writes"] == 0


def test_empty_teams_clear_and_omitted_teams_stay(run_module, ilert):
    created = run_module(ilert_alert_source, name="t", escalation_policy="Default", teams=["Platform"])
    assert run_module(ilert_alert_source, name="t", severity=3)["changed"] is True
    assert [team["id"] for team in api_get(ilert, "/api/alert-sources/%d" % created["id"])["teams"]] == [2001]
    cleared = run_module(ilert_alert_source, name="t", teams=[], diff=True)
    assert cleared["changed"] is True and cleared["diff"] == {"before": {"teams": [2001]}, "after": {"teams": []}}
    assert api_get(ilert, "/api/alert-sources/%d" % created["id"]).get("teams", []) == []
    assert run_module(ilert_alert_source, name="t", teams=[])["changed"] is False


def test_active_false_sticks(run_module, ilert):
    created = run_module(ilert_alert_source, name="a", escalation_policy="Default", active=False)
    assert api_get(ilert, "/api/alert-sources/%d" % created["id"])["active"] is False
    # A later change of something else keeps it inactive.
    assert run_module(ilert_alert_source, name="a", severity=4)["changed"] is True
    assert api_get(ilert, "/api/alert-sources/%d" % created["id"])["active"] is False
    assert run_module(ilert_alert_source, name="a", active=False)["changed"] is False
    assert run_module(ilert_alert_source, name="a", active=True)["changed"] is True


# --- check mode and diff mode --------------------------------------------------------------------------------
def test_check_mode_create_writes_nothing_and_reports_the_same(run_module, stats, ilert):
    result = run_module(ilert_alert_source, check_mode=True, diff=True, **FULL)
    assert result["changed"] is True and result["operation"] == "created"
    assert result["msg"] == "alert source 'Watcher prod' would be created (check mode)"
    assert result["diff"]["before"] == {"state": "absent"} and result["diff"]["after"]["state"] == "present"
    assert result["id"] is None and result["integration_key"] is None
    assert result["alert_source"]["setupStatus"] == "FINISHED"
    assert stats()["writes"] == 0
    assert api_get(ilert, "/api/alert-sources") == []


def test_check_mode_update_has_the_real_diff_and_writes_nothing(run_module, stats):
    run_module(ilert_alert_source, **FULL)
    changed = dict(FULL, teams=["Platform"], active=False, auto_resolution_timeout="")
    before = stats()
    checked = run_module(ilert_alert_source, check_mode=True, diff=True, **changed)
    assert delta(before, stats())["writes"] == 0
    assert checked["alert_source"]["active"] is False and [t["id"] for t in checked["alert_source"]["teams"]] == [2001]
    assert "autoResolutionTimeout" not in checked["alert_source"]
    real = run_module(ilert_alert_source, diff=True, **changed)
    assert (checked["changed"], checked["operation"], checked["diff"]) == (real["changed"], real["operation"], real["diff"])
    assert real["diff"] == {"before": {"active": True, "auto_resolution_timeout": "PT60M", "teams": [2001, 2002]},
                            "after": {"active": False, "auto_resolution_timeout": None, "teams": [2001]}}


def test_check_mode_delete_writes_nothing(run_module, stats):
    run_module(ilert_alert_source, name="d", escalation_policy="Default")
    before = stats()
    result = run_module(ilert_alert_source, name="d", state="absent", check_mode=True)
    assert result["changed"] is True and result["operation"] == "deleted"
    assert delta(before, stats())["writes"] == 0
    assert run_module(ilert_alert_source, name="d", state="absent")["changed"] is True


# --- refusals and errors ------------------------------------------------------------------------------------
def test_duplicate_names_fail_listing_ids_and_id_pins_one(run_module, stats, ilert):
    one, two = api_create(ilert, "dup"), api_create(ilert, "dup")
    before = stats()
    failed = run_module(ilert_alert_source, name="dup", severity=2)
    assert failed["failed"] is True
    assert "2 alert sources are named 'dup' (ids %d, %d)" % (one["id"], two["id"]) in failed["msg"]
    assert "Set id" in failed["msg"]
    pinned = run_module(ilert_alert_source, name="dup", id=two["id"], severity=2)
    assert pinned["changed"] is True and pinned["id"] == two["id"]
    assert delta(before, stats())["writes"] == 1
    assert run_module(ilert_alert_source, name="dup", id=two["id"], severity=2)["changed"] is False


def test_unknown_escalation_policy_lists_close_matches_before_any_write(run_module, stats):
    result = run_module(ilert_alert_source, name="x", escalation_policy="Defualt")
    assert result["failed"] is True
    assert result["msg"].startswith("escalation_policy: no escalation policy named 'Defualt'")
    assert "'Default'" in result["msg"]
    assert stats()["writes"] == 0


def test_unknown_team_names_the_option(run_module):
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", teams=["Platfrom"])
    assert result["msg"].startswith("teams: no team named 'Platfrom'") and "'Platform'" in result["msg"]


def test_missing_escalation_policy_on_create(run_module, stats):
    result = run_module(ilert_alert_source, name="x")
    assert result["failed"] is True and "escalation_policy is required" in result["msg"]
    assert stats()["writes"] == 0


def test_bad_input_fails_before_any_request(run_module, stats):
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", alert_grouping_window="a while")
    assert result["failed"] is True and result["msg"].startswith("alert_grouping_window: ")
    assert stats()["requests"] == 0


def test_bad_choice_names_option_and_allowed_values(run_module, stats):
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", alert_priority_rule="URGENT")
    assert result["failed"] is True
    assert "alert_priority_rule" in result["msg"] and "HIGH_DURING_SUPPORT_HOURS" in result["msg"]
    assert stats()["requests"] == 0


def test_integration_type_change_is_refused_and_explained(run_module, stats):
    run_module(ilert_alert_source, name="typed", escalation_policy="Default")
    before = stats()
    result = run_module(ilert_alert_source, name="typed", integration_type="prometheus")
    assert result["failed"] is True
    assert "has integration type ESWATCHER, not PROMETHEUS" in result["msg"]
    assert "integration key" in result["msg"] and "state=absent" in result["msg"]
    assert delta(before, stats())["writes"] == 0


def test_bad_token_fails_clearly_without_the_token(run_module, stats):
    secret = "il-wrong-SECRET-token-123"
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", api_token=secret)
    assert result["failed"] is True
    assert "HTTP 403 (KEY_ERROR)" in result["msg"] and "api_token" in result["msg"]
    assert result["api_error"]["code"] == "KEY_ERROR"
    assert secret not in json.dumps(result)
    assert stats()["writes"] == 0


def test_ilert_error_body_is_quoted(run_module):
    result = run_module(ilert_alert_source, name="x", escalation_policy=999999)
    assert result["failed"] is True
    assert result["msg"].startswith("Error creating alert source 'x': iLert API POST /api/alert-sources answered HTTP 400 (BAD_REQUEST)")
    assert "escalationPolicy.id 999999 does not exist" in result["msg"]
    assert result["api_error"]["status"] == 400


def test_http_500_on_a_read_is_retried_then_reported(run_module, ilert, stats):
    ilert.app.faults.configure({"rate": 1, "kinds": ["500"], "routes": ["^GET /api/alert-sources"]})
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", retries=1)
    assert result["failed"] is True and "HTTP 500" in result["msg"]
    assert stats()["requests"] == 2


def test_unknown_pinned_id_fails_for_present_and_is_absent_for_absent(run_module):
    result = run_module(ilert_alert_source, name="x", id=424242, escalation_policy="Default")
    assert result["failed"] is True and "Alert source id 424242 does not exist" in result["msg"]
    gone = run_module(ilert_alert_source, name="x", id=424242, state="absent")
    assert gone["changed"] is False and gone["msg"] == "alert source 'x' already absent"


def test_absent_twice(run_module, stats):
    run_module(ilert_alert_source, name="gone", escalation_policy="Default")
    first = run_module(ilert_alert_source, name="gone", state="absent", diff=True)
    assert first["changed"] is True and first["operation"] == "deleted" and first["alert_source"] is None
    assert first["diff"]["after"] == {"state": "absent"}
    before = stats()
    second = run_module(ilert_alert_source, name="gone", state="absent")
    assert second["changed"] is False and second["operation"] == "none"
    assert delta(before, stats()) == {"requests": 1, "writes": 0}


def test_integration_key_and_token_never_in_messages_or_diffs(run_module):
    created = run_module(ilert_alert_source, diff=True, **FULL)
    key = created["integration_key"]
    updated = run_module(ilert_alert_source, diff=True, **dict(FULL, severity=5))
    deleted = run_module(ilert_alert_source, diff=True, name=FULL["name"], state="absent")
    for result in (created, updated, deleted):
        assert key not in result["msg"] and key not in json.dumps(result.get("diff"))
        assert TOKEN not in json.dumps(result)


# --- the info module ------------------------------------------------------------------------------------------
def test_info_filters_and_hides_keys_unless_asked(run_module, stats):
    watcher = run_module(ilert_alert_source, **FULL)
    other = run_module(ilert_alert_source, name="prom", integration_type="PROMETHEUS", escalation_policy="Default")
    listed = run_module(ilert_alert_source_info)
    assert listed["changed"] is False
    assert [source["id"] for source in listed["alert_sources"]] == [watcher["id"], other["id"]]
    assert all("integrationKey" not in source and "integrationUrl" not in source for source in listed["alert_sources"])
    assert watcher["integration_key"] not in json.dumps(listed)

    by_type = run_module(ilert_alert_source_info, integration_type="eswatcher")
    assert [source["name"] for source in by_type["alert_sources"]] == ["Watcher prod"]
    by_name = run_module(ilert_alert_source_info, name="prom")
    assert [source["id"] for source in by_name["alert_sources"]] == [other["id"]]
    assert run_module(ilert_alert_source_info, name="nothing")["alert_sources"] == []

    before = stats()
    by_id = run_module(ilert_alert_source_info, id=watcher["id"], include_templates=True, include_keys=True, check_mode=True)
    assert delta(before, stats()) == {"requests": 1, "writes": 0}
    [source] = by_id["alert_sources"]
    assert source["integrationKey"] == watcher["integration_key"]
    assert source["summaryTemplate"] == {"textTemplate": "{{ watch_id }} fired"}
    assert run_module(ilert_alert_source_info, id=424242)["alert_sources"] == []


def test_info_with_templates_reads_each_source(run_module, stats):
    run_module(ilert_alert_source, **FULL)
    before = stats()
    result = run_module(ilert_alert_source_info, name=FULL["name"], include_templates=True)
    assert result["alert_sources"][0]["eventFilter"] == FULL["event_filter"]
    assert "integrationKey" not in result["alert_sources"][0]
    assert delta(before, stats()) == {"requests": 2, "writes": 0}


def test_info_error_is_clear(run_module):
    result = run_module(ilert_alert_source_info, api_token="il-wrong-SECRET")
    assert result["failed"] is True and result["msg"].startswith("Error reading alert sources: ")
    assert "KEY_ERROR" in result["msg"] and "il-wrong-SECRET" not in json.dumps(result)


def test_a_create_whose_answer_is_lost_is_found_not_made_twice(run_module, ilert, stats):
    # The emulator makes the source, then holds the answer back past the module's timeout.
    ilert.app.faults.configure({"rate": 1, "kinds": ["timeout"], "timeout_s": 2, "methods": ["POST"], "count": 1})
    result = run_module(ilert_alert_source, name="lost answer", escalation_policy="Default", timeout=1, retries=2)
    assert result["changed"] is True and result["operation"] == "created", result
    assert result["id"] is not None and result["integration_key"]
    named = [source for source in ilert.app.account.all("alertSources") if source["name"] == "lost answer"]
    assert len(named) == 1
    assert stats()["by_method"]["POST"] == 1


def test_a_create_refused_with_503_is_looked_for_then_made_once(run_module, ilert, stats):
    ilert.app.faults.configure({"rate": 1, "kinds": ["503"], "methods": ["POST"], "count": 1})
    result = run_module(ilert_alert_source, name="second try", escalation_policy="Default", retries=2)
    assert result["changed"] is True and result["operation"] == "created", result
    assert len([source for source in ilert.app.account.all("alertSources") if source["name"] == "second try"]) == 1
    assert stats()["by_method"]["POST"] == 2


def test_of_two_sources_created_at_once_the_younger_is_deleted_and_the_older_used(run_module, ilert, stats, monkeypatch):
    from ansible_collections.ilert.watcher.plugins.module_utils import _ilert_alert_source as module_utils

    real_post = module_utils.AlertSource.create_object
    twin = {}

    def post_after_a_twin(self, desired):
        # Another run creates the same source between this run's read and its create.
        twin.update(api_create(ilert, "twin"))
        return real_post(self, desired)

    monkeypatch.setattr(module_utils.AlertSource, "create_object", post_after_a_twin)
    result = run_module(ilert_alert_source, name="twin", escalation_policy="Default")
    assert result["changed"] is True and result["id"] == twin["id"]
    assert stats()["by_method"].get("DELETE") == 1  # this run's own, younger copy
    assert [source["id"] for source in ilert.app.account.all("alertSources") if source["name"] == "twin"] == [twin["id"]]


# --- services, severity and services templates, auto_create_services, e-mail address ---------------------
NEW_SETTINGS = dict(
    services=["Checkout", "Search"],
    services_template=["{{ metadata.service }}", "search"],
    auto_create_services=True,
    severity_template={"value_template": "{{ metadata.severity }}",
                       "mappings": [{"value": "warning", "severity": 3}, {"value": "critical", "severity": 1}]},
)


def test_new_settings_are_stored_and_a_second_run_changes_nothing(run_module, stats, ilert):
    created = run_module(ilert_alert_source, name="n", escalation_policy="Default", **NEW_SETTINGS)
    assert created["changed"] is True
    assert [(service["id"], service["name"]) for service in created["alert_source"]["services"]] == [(6001, "Checkout"), (6002, "Search")]
    stored = api_get(ilert, "/api/alert-sources/%d" % created["id"], include=["severityTemplate", "servicesTemplate", "textTemplate"])
    assert stored["servicesTemplate"] == [{"textTemplate": "{{ metadata.service }}"}, {"textTemplate": "search"}]
    assert stored["severityTemplate"]["mappings"] == [{"value": "critical", "severity": 1}, {"value": "warning", "severity": 3}]
    assert stored["autoCreateServices"] is True
    before = stats()
    again = run_module(ilert_alert_source, name="n", **dict(NEW_SETTINGS, services=["Search", 6001, "6002"]))
    assert again["changed"] is False
    assert delta(before, stats()) == {"requests": 2, "writes": 0}  # service names come from the source itself


def test_other_changes_keep_the_new_settings_and_the_diff_shows_only_what_changed(run_module, stats, ilert):
    created = run_module(ilert_alert_source, name="n", escalation_policy="Default", **NEW_SETTINGS)
    result = run_module(ilert_alert_source, name="n", severity=2, services=["Checkout"], diff=True)
    assert result["diff"] == {"before": {"services": [6001, 6002], "severity": None}, "after": {"services": [6001], "severity": 2}}
    stored = api_get(ilert, "/api/alert-sources/%d" % created["id"], include=["severityTemplate", "servicesTemplate", "textTemplate"])
    assert [service["id"] for service in stored["services"]] == [6001] and len(stored["servicesTemplate"]) == 2
    assert stored["severityTemplate"]["valueTemplate"] == {"textTemplate": "{{ metadata.severity }}"} and stored["autoCreateServices"] is True
    assert run_module(ilert_alert_source, name="n", **dict(NEW_SETTINGS, services=["Checkout"]))["changed"] is False
    cleared = run_module(ilert_alert_source, name="n", services=[], services_template=[], severity_template={}, diff=True)
    assert cleared["diff"]["after"] == {"services": [], "services_template": [], "severity_template": None}
    stored = api_get(ilert, "/api/alert-sources/%d" % created["id"], include=["severityTemplate", "servicesTemplate"])
    assert stored["services"] == [] and "servicesTemplate" not in stored and "severityTemplate" not in stored
    before = stats()
    assert run_module(ilert_alert_source, name="n", services=[], services_template=[], severity_template={})["changed"] is False
    assert delta(before, stats())["writes"] == 0


def test_check_mode_sets_nothing_and_previews_services_with_names(run_module, stats):
    run_module(ilert_alert_source, name="n", escalation_policy="Default")
    before = stats()
    checked = run_module(ilert_alert_source, name="n", check_mode=True, diff=True, **NEW_SETTINGS)
    assert checked["changed"] is True and delta(before, stats())["writes"] == 0
    assert checked["alert_source"]["services"] == [{"id": 6001, "name": "Checkout"}, {"id": 6002, "name": "Search"}]
    assert checked["alert_source"]["autoCreateServices"] is True
    assert sorted(checked["diff"]["after"]) == ["auto_create_services", "services", "services_template", "severity_template"]
    assert run_module(ilert_alert_source, name="n", **NEW_SETTINGS)["changed"] is True  # check mode wrote nothing


def test_unknown_service_names_the_option_before_any_write(run_module, stats):
    before = stats()
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", services=["Checkuot"])
    assert result["failed"] is True
    assert result["msg"].startswith("services: no service named 'Checkuot' exists in iLert") and "'Checkout'" in result["msg"]
    assert delta(before, stats())["writes"] == 0
    # A service of a PRIVATE team the API key cannot see is unknown too.
    hidden = run_module(ilert_alert_source, name="x", escalation_policy="Default", services=["Payment gateway"],
                        api_token="il-demo-user-token-not-a-secret")
    assert hidden["failed"] is True and "no service named 'Payment gateway'" in hidden["msg"]


def test_email_source_needs_its_address_keeps_it_out_of_diffs_and_can_move(run_module, stats, ilert):
    before = stats()
    missing = run_module(ilert_alert_source, name="mail", integration_type="EMAIL2", escalation_policy="Default")
    assert missing["failed"] is True and missing["msg"].startswith("email is required to create the EMAIL2 alert source 'mail'")
    assert delta(before, stats())["writes"] == 0
    created = run_module(ilert_alert_source, name="mail", integration_type="EMAIL2", escalation_policy="Default",
                         email="ops@example.com", diff=True)
    assert created["changed"] is True and created["integration_key"] == "ops@example.com" and created["webhook"] is None
    assert created["diff"]["after"]["email"] == "********" and "ops@example.com" not in json.dumps(created["diff"])
    assert run_module(ilert_alert_source, name="mail", integration_type="EMAIL2", email="ops@example.com")["changed"] is False
    moved = run_module(ilert_alert_source, name="mail", integration_type="EMAIL2", email="new@example.com", diff=True)
    assert moved["diff"] == {"before": {"email": "********"}, "after": {"email": "********"}}
    assert api_get(ilert, "/api/alert-sources/%d" % created["id"])["integrationKey"] == "new@example.com"
    # Other changes keep the address (it is sent back with the full-replace PUT).
    run_module(ilert_alert_source, name="mail", integration_type="EMAIL2", severity=2)
    assert api_get(ilert, "/api/alert-sources/%d" % created["id"])["integrationKey"] == "new@example.com"


def test_email_is_refused_for_a_watcher_source(run_module, stats):
    before = stats()
    result = run_module(ilert_alert_source, name="x", escalation_policy="Default", email="ops@example.com")
    assert result["failed"] is True and result["msg"].startswith("email applies only to e-mail alert sources")
    assert delta(before, stats())["requests"] == 0
