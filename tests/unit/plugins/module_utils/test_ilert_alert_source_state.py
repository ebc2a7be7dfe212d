# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Normalization, the canonical state and the request bodies of an alert source (pure functions)."""

from __future__ import annotations

import pytest

from ansible_collections.ilert.watcher.plugins.module_utils._ilert_alert_source_state import (
    AlertSourceError,
    api_fields,
    check_alert_creation,
    create_body,
    current_view,
    elements_to_text,
    normalize_params,
    parse_duration,
    template_text,
    update_body,
    webhook,
)

KEY = "il1eswatcher-SECRET-key-42"


def params(**options):
    """Module params as AnsibleModule hands them over: every option present, unset ones None."""
    base = dict.fromkeys((
        "id", "escalation_policy", "teams", "support_hours", "active", "alert_creation", "alert_grouping_window",
        "score_threshold", "auto_resolution_timeout", "alert_priority_rule", "severity", "summary_template",
        "details_template", "routing_template", "alert_key_template", "link_templates", "priority_template",
        "event_filter", "event_type_filter_create", "event_type_filter_accept", "event_type_filter_resolve",
        "services", "services_template", "auto_create_services", "severity_template", "email",
    ))
    base.update(name="src", state="present", integration_type="ESWATCHER")
    base.update(options)
    return base


def source(**fields):
    """An alert source as iLert returns it with every include (textTemplate form)."""
    body = {
        "id": 100001, "name": "src", "integrationType": "ESWATCHER", "integrationKey": KEY,
        "integrationUrl": "https://api.ilert.com/api/v1/events/eswatcher/" + KEY,
        "iconUrl": "https://icons/x.png", "status": "PENDING", "bidirectional": False,
        "escalationPolicy": {"id": 4001, "name": "Default", "escalationRules": [{"escalationTimeout": 0}]},
        "teams": [{"id": 2001, "name": "Platform"}, {"id": 2002, "name": "Observability"}],
        "active": True, "alertCreation": "ONE_ALERT_PER_EMAIL", "alertPriorityRule": "HIGH",
        "setupStatus": "FINISHED", "autoCreateServices": False,
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00.12Z",
    }
    body.update(fields)
    return body


def changes(desired, current):
    view = current_view(current, desired)
    return sorted(key for key in desired if view.get(key) != desired[key])


# --- durations ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, iso, seconds", [
    ("PT5M", "PT5M", 300), ("pt5m", "PT5M", 300), ("PT60M", "PT60M", 3600), ("PT1H", "PT1H", 3600),
    ("P1D", "P1D", 86400), ("PT1H30M", "PT1H30M", 5400), ("5m", "PT5M", 300), ("1h30m", "PT1H30M", 5400),
    ("90s", "PT90S", 90), ("2d", "P2D", 172800), (" 15m ", "PT15M", 900),
])
def test_durations_parse_to_iso_and_seconds(given, iso, seconds):
    assert parse_duration(given) == (iso, seconds)


@pytest.mark.parametrize("given", ["5 minutes", "P", "PT", "P1DT", "m", "-5m", "PT5X", "1.5h"])
def test_bad_durations_are_refused_with_the_accepted_forms(given):
    with pytest.raises(AlertSourceError) as info:
        parse_duration(given)
    assert "PT5M" in str(info.value) and "5m" in str(info.value)


def test_bad_duration_names_the_option():
    with pytest.raises(AlertSourceError) as info:
        normalize_params(params(auto_resolution_timeout="soon"))
    assert str(info.value).startswith("auto_resolution_timeout: ")


def test_duration_equal_in_seconds_is_no_change():
    desired = normalize_params(params(auto_resolution_timeout="1h", alert_creation="ONE_ALERT_GROUPED_PER_WINDOW",
                                      alert_grouping_window="PT15M"))
    current = source(autoResolutionTimeout="PT60M", alertCreation="ONE_ALERT_GROUPED_PER_WINDOW", alertGroupingWindow="PT15M")
    assert desired["auto_resolution_timeout"] == "PT1H"
    assert changes(desired, current) == []
    assert changes(dict(desired, auto_resolution_timeout="PT2H"), current) == ["auto_resolution_timeout"]


def test_empty_duration_removes_it():
    desired = normalize_params(params(auto_resolution_timeout=""))
    assert desired["auto_resolution_timeout"] is None
    assert changes(desired, source(autoResolutionTimeout="PT1H")) == ["auto_resolution_timeout"]
    assert changes(desired, source()) == []
    assert "autoResolutionTimeout" not in update_body(source(autoResolutionTimeout="PT1H"), desired)


# --- templates ---------------------------------------------------------------------------------------
def test_template_forms_read_back_as_text():
    assert template_text({"textTemplate": "{{ watch_id }} fired"}) == "{{ watch_id }} fired"
    elements = [{"type": "VAR", "val": "watch_id"}, {"type": "TEXT", "val": " fired on "},
                {"type": "VAR", "val": "host", "func": "truncate", "args": [{"N": 10}]},
                {"type": "VAR", "val": "x", "func": "replace", "args": [{"S": "a"}, {"S": "b"}]}]
    assert template_text({"elements": elements}) == '{{ watch_id }} fired on {{ host | truncate(10) }}{{ x | replace("a", "b") }}'
    assert elements_to_text([{"type": "VAR", "val": "x", "func": "upper"}]) == "{{ x | upper }}"
    assert template_text(None) is None
    assert template_text("plain") == "plain"


def test_template_compared_as_text_whatever_form_iLert_returns():
    desired = normalize_params(params(summary_template="{{ watch_id }} fired"))
    as_text = source(summaryTemplate={"textTemplate": "{{ watch_id }} fired"})
    as_elements = source(summaryTemplate={"elements": [{"type": "VAR", "val": "watch_id"}, {"type": "TEXT", "val": " fired"}]})
    assert changes(desired, as_text) == []
    assert changes(desired, as_elements) == []
    assert changes(desired, source()) == ["summary_template"]


def test_empty_template_or_filter_removes_it_and_empty_server_value_counts_as_none():
    desired = normalize_params(params(details_template="", event_filter=""))
    assert desired["details_template"] is None and desired["event_filter"] is None
    current = source(detailsTemplate={"textTemplate": "x"}, eventFilter="a == 1")
    assert changes(desired, current) == ["details_template", "event_filter"]
    body = update_body(current, desired)
    assert "detailsTemplate" not in body and "eventFilter" not in body
    assert changes(desired, source(detailsTemplate={"textTemplate": ""}, eventFilter="")) == []


def test_link_templates_read_back_from_link_text_template_without_text():
    desired = normalize_params(params(link_templates=[{"text": "Kibana", "href": "https://k/{{ id }}"}]))
    # Since mid-2026 iLert returns linkTextTemplate and no deprecated text (the Terraform "read back empty" bug).
    current = source(linkTemplates=[{"linkTextTemplate": {"textTemplate": "Kibana"}, "hrefTemplate": {"textTemplate": "https://k/{{ id }}"}}])
    assert changes(desired, current) == []
    legacy = source(linkTemplates=[{"text": "Kibana", "hrefTemplate": {"textTemplate": "https://k/{{ id }}"}}])
    assert changes(desired, legacy) == []
    assert api_fields(desired)["linkTemplates"] == [{
        "text": "Kibana", "linkTextTemplate": {"textTemplate": "Kibana"}, "hrefTemplate": {"textTemplate": "https://k/{{ id }}"}}]


def test_link_templates_order_matters_and_empty_list_clears():
    one, two = {"text": "a", "href": "https://a"}, {"text": "b", "href": "https://b"}
    current = source(linkTemplates=[{"linkTextTemplate": {"textTemplate": "a"}, "hrefTemplate": {"textTemplate": "https://a"}},
                                    {"linkTextTemplate": {"textTemplate": "b"}, "hrefTemplate": {"textTemplate": "https://b"}}])
    assert changes(normalize_params(params(link_templates=[one, two])), current) == []
    assert changes(normalize_params(params(link_templates=[two, one])), current) == ["link_templates"]
    cleared = normalize_params(params(link_templates=[]))
    assert changes(cleared, current) == ["link_templates"]
    assert update_body(current, cleared)["linkTemplates"] == []


def test_more_than_ten_link_templates_are_refused():
    with pytest.raises(AlertSourceError) as info:
        normalize_params(params(link_templates=[{"text": str(n), "href": "https://x"} for n in range(11)]))
    assert "link_templates" in str(info.value) and "10" in str(info.value)


def test_priority_template_mappings_compared_as_a_set_and_empty_dict_removes():
    given = {"value_template": "{{ p }}", "mappings": [{"value": "p3", "priority": "LOW"}, {"value": "p1", "priority": "HIGH"}]}
    desired = normalize_params(params(priority_template=given))
    current = source(priorityTemplate={"valueTemplate": {"textTemplate": "{{ p }}"},
                                       "mappings": [{"value": "p1", "priority": "HIGH"}, {"value": "p3", "priority": "LOW"}]})
    assert changes(desired, current) == []
    removed = normalize_params(params(priority_template={"value_template": None, "mappings": None}))
    assert removed["priority_template"] is None
    assert changes(removed, current) == ["priority_template"]
    assert "priorityTemplate" not in update_body(current, removed)


@pytest.mark.parametrize("given", [
    {"value_template": "{{ p }}", "mappings": None},
    {"value_template": None, "mappings": [{"value": "p1", "priority": "HIGH"}]},
    {"value_template": "{{ p }}", "mappings": []},
    {"value_template": "{{ p }}", "mappings": [{"value": "p1", "priority": "HIGH"}, {"value": "p1", "priority": "LOW"}]},
])
def test_incomplete_or_ambiguous_priority_template_is_refused(given):
    with pytest.raises(AlertSourceError) as info:
        normalize_params(params(priority_template=given))
    assert "priority_template" in str(info.value)


# --- references, teams, defaults ------------------------------------------------------------------------
def test_teams_compared_as_a_set_and_references_as_ids():
    desired = normalize_params(params(teams=["Platform", 2002, "2001"], escalation_policy="4001"))
    assert desired["teams"] == ["Platform", 2002, 2001]  # resolved later; digit strings are ids
    assert desired["escalation_policy"] == 4001
    resolved = dict(desired, teams=[2001, 2002])
    assert changes(resolved, source()) == []
    assert changes(dict(resolved, teams=[2002]), source()) == ["teams"]
    assert changes(dict(resolved, teams=[]), source()) == ["teams"]


def test_omitted_teams_are_left_alone_and_empty_list_clears():
    current = source()
    untouched = update_body(current, normalize_params(params(active=False)))
    assert "teams" not in untouched  # iLert leaves teams alone when the field is missing
    cleared = update_body(current, dict(normalize_params(params(teams=[]))))
    assert cleared["teams"] == []


@pytest.mark.parametrize("value", [True, 1.5, {"id": 1}, "", "  "])
def test_bad_reference_is_refused_naming_the_option(value):
    with pytest.raises(AlertSourceError) as info:
        normalize_params(params(escalation_policy=value))
    assert "escalation_policy" in str(info.value)


def test_empty_support_hours_remove_them():
    desired = normalize_params(params(support_hours=""))
    assert desired["support_hours"] is None
    current = source(supportHours={"id": 3001, "name": "Office hours Berlin"})
    assert changes(desired, current) == ["support_hours"]
    assert "supportHours" not in update_body(current, desired)
    assert changes(dict(desired, support_hours=3001), current) == []


def test_server_defaults_count_as_set():
    # iLert leaves out fields that have their default: asking for the default is no change.
    bare = source()
    for field in ("active", "alertCreation", "alertPriorityRule"):
        del bare[field]
    desired = normalize_params(params(active=True, alert_creation="ONE_ALERT_PER_EMAIL", alert_priority_rule="HIGH"))
    assert changes(desired, bare) == []
    assert changes(dict(desired, active=False), bare) == ["active"]


def test_unset_options_are_not_compared_and_server_owned_fields_never_are():
    desired = normalize_params(params())
    assert set(desired) == {"name", "integration_type"}
    noisy = source(status="ALL_ACCEPTED", iconUrl="https://other", updatedAt="2030-01-01T00:00:00Z", severity=2,
                   summaryTemplate={"textTemplate": "set in the UI"}, setupStatus="CREATED")
    assert changes(desired, noisy) == []


def test_integration_type_defaults_to_eswatcher_and_is_upper_cased():
    assert normalize_params(params(integration_type=None))["integration_type"] == "ESWATCHER"
    assert normalize_params(params(integration_type=" prometheus "))["integration_type"] == "PROMETHEUS"
    # Not checked against a list: iLert keeps adding types.
    assert normalize_params(params(integration_type="BRANDNEWTOOL"))["integration_type"] == "BRANDNEWTOOL"


def test_score_threshold_range():
    assert normalize_params(params(score_threshold=1))["score_threshold"] == 1.0
    with pytest.raises(AlertSourceError) as info:
        normalize_params(params(score_threshold=1.5))
    assert "score_threshold" in str(info.value)
    assert changes({"score_threshold": 0.5}, source(scoreThreshold=0.5)) == []


# --- alert creation and its window ------------------------------------------------------------------------
def test_windowed_alert_creation_needs_a_window():
    with pytest.raises(AlertSourceError) as info:
        check_alert_creation(normalize_params(params(alert_creation="ONE_ALERT_GROUPED_PER_WINDOW")))
    assert "alert_grouping_window" in str(info.value)
    # The current source's window counts.
    check_alert_creation(normalize_params(params(alert_creation="INTELLIGENT_GROUPING")),
                         source(alertCreation="ONE_ALERT_GROUPED_PER_WINDOW", alertGroupingWindow="PT5M"))


def test_window_without_windowed_alert_creation_is_refused():
    with pytest.raises(AlertSourceError) as info:
        check_alert_creation(normalize_params(params(alert_grouping_window="5m")), source())
    message = str(info.value)
    assert "alert_grouping_window" in message and "ONE_ALERT_GROUPED_PER_WINDOW" in message and "INTELLIGENT_GROUPING" in message


def test_leaving_windowed_creation_drops_the_window_from_the_put():
    current = source(alertCreation="ONE_ALERT_GROUPED_PER_WINDOW", alertGroupingWindow="PT5M")
    desired = normalize_params(params(alert_creation="ONE_OPEN_ALERT_ALLOWED"))
    check_alert_creation(desired, current)
    body = update_body(current, desired)
    assert body["alertCreation"] == "ONE_OPEN_ALERT_ALLOWED" and "alertGroupingWindow" not in body


# --- request bodies --------------------------------------------------------------------------------------
def test_create_body_finishes_setup_and_always_sends_active():
    desired = normalize_params(params(escalation_policy=4001, teams=[2002, 2001], summary_template="s", details_template=""))
    desired["teams"] = [2001, 2002]
    body = create_body(desired)
    assert body == {
        "name": "src", "integrationType": "ESWATCHER", "escalationPolicy": {"id": 4001},
        "teams": [{"id": 2001}, {"id": 2002}], "summaryTemplate": {"textTemplate": "s"},
        "active": True, "setupStatus": "FINISHED",
    }
    assert create_body(normalize_params(params(escalation_policy=4001, active=False)))["active"] is False


def test_update_body_keeps_include_only_fields_and_drops_server_owned_ones():
    current = source(
        summaryTemplate={"textTemplate": "kept"}, eventTypeFilterResolve="x == 1", severityTemplate={"valueTemplate": {"textTemplate": "t"}},
        services=[{"id": 7, "name": "Shop", "status": "OPERATIONAL"}], supportHours={"id": 3001, "name": "Office", "timezone": "Europe/Berlin"},
    )
    body = update_body(current, normalize_params(params(active=False)))
    assert body["active"] is False
    assert body["summaryTemplate"] == {"textTemplate": "kept"}
    assert body["eventTypeFilterResolve"] == "x == 1"
    assert body["severityTemplate"] == {"valueTemplate": {"textTemplate": "t"}}
    assert body["services"] == [{"id": 7}]
    assert body["supportHours"] == {"id": 3001}
    assert body["escalationPolicy"] == {"id": 4001}
    for field in ("id", "integrationKey", "integrationUrl", "iconUrl", "status", "bidirectional", "createdAt", "updatedAt", "teams"):
        assert field not in body, field


def test_update_body_always_sends_active_even_when_iLert_left_it_out():
    current = source()
    del current["active"]
    assert update_body(current, normalize_params(params(severity=2)))["active"] is True
    inactive = source(active=False)
    assert update_body(inactive, normalize_params(params(severity=2)))["active"] is False


def test_email_source_keeps_its_address():
    current = source(integrationType="EMAIL2", integrationKey="alerts@example.com")
    assert update_body(current, normalize_params(params(integration_type="EMAIL2", active=False)))["integrationKey"] == "alerts@example.com"


# --- the webhook ------------------------------------------------------------------------------------------
def test_webhook_parts_from_api_url_and_key():
    assert webhook("https://api.ilert.com", "ESWATCHER", KEY) == {
        "scheme": "https", "host": "api.ilert.com", "port": 443, "path": "/api/v1/events/eswatcher/" + KEY}
    assert webhook("http://127.0.0.1:18081", "ESWATCHER", "k") == {
        "scheme": "http", "host": "127.0.0.1", "port": 18081, "path": "/api/v1/events/eswatcher/k"}
    assert webhook("https://proxy.example.com/ilert", "API", "k")["path"] == "/ilert/api/v1/events/api/k"
    assert webhook("https://api.ilert.com", "ESWATCHER", None) is None
    assert webhook("https://api.ilert.com", "EMAIL2", "a@example.com") is None


# --- services, services and severity templates, auto_create_services, e-mail address ------------------
def test_services_compared_as_a_set_sent_as_references_and_kept_when_omitted():
    desired = normalize_params(params(services=["Checkout", 6002, "6001"]))
    assert desired["services"] == ["Checkout", 6002, 6001]  # names resolved later, digit strings are ids
    current = source(services=[{"id": 6002, "name": "Search", "alias": "search", "status": "OPERATIONAL"},
                               {"id": 6001, "name": "Checkout", "teams": [{"id": 2001, "name": "Platform"}]}])
    resolved = dict(desired, services=[6001, 6002])
    assert changes(resolved, current) == []
    assert changes(dict(resolved, services=[]), current) == ["services"]
    assert update_body(current, dict(resolved, services=[6001]))["services"] == [{"id": 6001}]
    # Left out: the full-replace PUT sends back what the source has, as bare references.
    assert update_body(current, normalize_params(params(active=False)))["services"] == [{"id": 6002}, {"id": 6001}]
    assert update_body(current, dict(normalize_params(params()), services=[]))["services"] == []


def test_more_than_fifteen_services_or_a_bad_entry_are_refused_before_any_request():
    with pytest.raises(AlertSourceError, match="services: an alert source takes at most 15 services, got 16"):
        normalize_params(params(services=list(range(1, 17))))
    with pytest.raises(AlertSourceError, match="Each entry of services must be a name or a numeric id"):
        normalize_params(params(services=[""]))


def test_services_template_is_an_ordered_list_of_texts_and_empty_removes():
    desired = normalize_params(params(services_template=["{{ a }}", "{{ b }}"]))
    current = source(servicesTemplate=[{"textTemplate": "{{ a }}"}, {"textTemplate": "{{ b }}"}])
    assert changes(desired, current) == []
    assert changes(dict(desired, services_template=["{{ b }}", "{{ a }}"]), current) == ["services_template"]
    assert api_fields(desired)["servicesTemplate"] == [{"textTemplate": "{{ a }}"}, {"textTemplate": "{{ b }}"}]
    removed = normalize_params(params(services_template=[]))
    assert changes(removed, current) == ["services_template"] and changes(removed, source()) == []
    assert "servicesTemplate" not in update_body(current, removed)
    # Read back as elements (without include=textTemplate), the texts are the same.
    as_elements = source(servicesTemplate=[{"elements": [{"type": "VAR", "val": "a"}]}, {"elements": [{"type": "VAR", "val": "b"}]}])
    assert changes(desired, as_elements) == []


@pytest.mark.parametrize("given, message", [
    (["x"] * 11, "at most 10 templates"),
    (["{{ a }}", " "], "every template needs some text"),
])
def test_bad_services_template_is_refused(given, message):
    with pytest.raises(AlertSourceError, match=message):
        normalize_params(params(services_template=given))


def test_severity_template_mappings_compared_as_a_set_and_empty_dict_removes():
    given = {"value_template": "{{ s }}", "mappings": [{"value": "warn", "severity": 3}, {"value": "crit", "severity": 1}]}
    desired = normalize_params(params(severity_template=given))
    stored = {"valueTemplate": {"textTemplate": "{{ s }}"}, "mappings": [{"value": "crit", "severity": 1}, {"value": "warn", "severity": 3}]}
    current = source(severityTemplate=stored)
    assert changes(desired, current) == []
    assert api_fields(desired)["severityTemplate"] == stored
    other = dict(given, mappings=[{"value": "crit", "severity": 2}, {"value": "warn", "severity": 3}])
    assert changes(normalize_params(params(severity_template=other)), current) == ["severity_template"]
    removed = normalize_params(params(severity_template={"value_template": None, "mappings": None}))
    assert removed["severity_template"] is None and changes(removed, current) == ["severity_template"]
    assert "severityTemplate" not in update_body(current, removed)
    with pytest.raises(AlertSourceError, match="severity_template needs both value_template and at least one entry"):
        normalize_params(params(severity_template={"value_template": "{{ s }}", "mappings": []}))


def test_auto_create_services_defaults_to_false_when_ilert_leaves_it_out():
    current = source()
    del current["autoCreateServices"]
    assert changes(normalize_params(params(auto_create_services=False)), current) == []
    desired = normalize_params(params(auto_create_services=True))
    assert changes(desired, current) == ["auto_create_services"]
    assert update_body(current, desired)["autoCreateServices"] is True


def test_email_is_the_integration_key_of_an_email_source():
    current = source(integrationType="EMAIL2", integrationKey="ops@example.com")
    desired = normalize_params(params(integration_type="email2", email=" ops@example.com "))
    assert desired["email"] == "ops@example.com" and changes(desired, current) == []
    moved = normalize_params(params(integration_type="EMAIL2", email="new@example.com"))
    assert changes(moved, current) == ["email"]
    assert update_body(current, moved)["integrationKey"] == "new@example.com"
    assert create_body(dict(moved, escalation_policy=4001))["integrationKey"] == "new@example.com"


@pytest.mark.parametrize("integration_type, email, message", [
    ("ESWATCHER", "ops@example.com", "email applies only to e-mail alert sources"),
    ("EMAIL2", "not an address", "email must be the e-mail address"),
    ("EMAIL", "@example.com", "email must be the e-mail address"),
])
def test_email_refused_for_other_types_or_when_not_an_address(integration_type, email, message):
    with pytest.raises(AlertSourceError, match=message):
        normalize_params(params(integration_type=integration_type, email=email))
