# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alert sources under /api/alert-sources: checking bodies, what the server fills in, and the
read-back quirks clients trip over (include-only fields, team semantics, full-replace PUT)."""

from __future__ import annotations

import re
import secrets

from emulator_kit.server import json_response

from .account import Account
from .alerts import auto_resolve, source_status
from .api import (bad_request, created, drop_none, duration_seconds, endpoint, includes, not_found, numeric_id, page,
                  read_json_object, timestamp)
from .base import RouteBase
from .integration_types import EMAIL_TYPES, KNOWN, icon_urls
from .lookups import render_policy, render_service, render_support_hours, team_rels
from .templates import check_include_fields, render_include_fields

ALERT_CREATIONS = (
    "ONE_ALERT_PER_EMAIL", "ONE_ALERT_PER_EMAIL_SUBJECT", "ONE_PENDING_ALERT_ALLOWED", "ONE_OPEN_ALERT_ALLOWED",
    "OPEN_RESOLVE_ON_EXTRACTION", "ONE_ALERT_GROUPED_PER_WINDOW", "INTELLIGENT_GROUPING",
)
WINDOWED_CREATIONS = ("ONE_ALERT_GROUPED_PER_WINDOW", "INTELLIGENT_GROUPING")
PRIORITY_RULES = ("HIGH", "LOW", "HIGH_DURING_SUPPORT_HOURS", "LOW_DURING_SUPPORT_HOURS")
SETUP_STATUSES = ("CREATED", "CREATED_ADVANCED", "CREATED_BIDIRECTIONAL", "FINISHED")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
MAX_NAME = 255
# Terraform's limit on default services (MaxItems 15); iLert publishes none, so larger lists are refused.
MAX_SERVICES = 15
# AlertSourceNoIncludes, the list item of GET /alert-sources, has neither of these.
NOT_IN_LISTS = ("setupStatus", "autoCreateServices")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class SourceChecker:
    """Checks a POST or PUT body and builds the stored alert source, collecting every complaint."""

    def __init__(self, account: Account, caller, existing: dict | None):
        self.account = account
        self.caller = caller
        self.existing = existing
        self.errors: list[str] = []

    def build(self, body: dict) -> dict:
        stored = {
            "name": self._name(body.get("name")),
            "integrationType": self._integration_type(body.get("integrationType")),
            "escalationPolicy": self._policy(body.get("escalationPolicy")),
            "teams": self._teams(body.get("teams")),
            "active": self._choice(body, "active", (True, False), True),
            "alertCreation": self._choice(body, "alertCreation", ALERT_CREATIONS, "ONE_ALERT_PER_EMAIL"),
            "alertPriorityRule": self._choice(body, "alertPriorityRule", PRIORITY_RULES, "HIGH"),
            "autoCreateServices": self._choice(body, "autoCreateServices", (True, False), False),
            "setupStatus": self._choice(body, "setupStatus", SETUP_STATUSES, self.existing["setupStatus"] if self.existing else "CREATED"),
            "supportHours": self._support_hours(body.get("supportHours")),
            "services": self._services(body.get("services")),
        }
        for field in ("alertGroupingWindow", "autoResolutionTimeout"):
            if body.get(field) is not None and duration_seconds(body[field]) is None:
                self.errors.append("%s must be an ISO-8601 duration such as PT5M, got %r" % (field, body[field]))
            stored[field] = body.get(field)
        if stored["alertCreation"] in WINDOWED_CREATIONS and stored["alertGroupingWindow"] is None:
            self.errors.append("alertGroupingWindow is required when alertCreation is %s" % stored["alertCreation"])
        stored["autoRaiseAlerts"] = self._choice(body, "autoRaiseAlerts", (True, False), None)
        stored["severity"] = self._choice(body, "severity", (1, 2, 3, 4, 5), None)
        score = body.get("scoreThreshold")
        if score is not None and (not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 1):
            self.errors.append("scoreThreshold must be a number between 0 and 1, got %r" % (score,))
        stored["scoreThreshold"] = score
        stored["integrationKey"] = self._integration_key(stored["integrationType"], body.get("integrationKey"))
        stored["includes"] = check_include_fields(body, self.errors)
        if self.errors:
            raise bad_request("Invalid alert source: " + "; ".join(self.errors))
        return stored

    def _name(self, name):
        if name is None or (isinstance(name, str) and not name.strip()):
            self.errors.append("name is required")
        elif not isinstance(name, str) or len(name) > MAX_NAME:
            self.errors.append("name must be a string of 1 to %d characters" % MAX_NAME)
        return name

    def _integration_type(self, value):
        if value is None:
            self.errors.append("integrationType is required")
        elif value not in KNOWN:
            self.errors.append("integrationType %r is not a known integration type" % (value,))
        elif self.existing and value != self.existing["integrationType"]:
            self.errors.append("integrationType cannot be changed from %s to %s; delete and re-create the alert source"
                               % (self.existing["integrationType"], value))
        return value

    def _policy(self, value):
        if not isinstance(value, dict) or value.get("id") is None:
            self.errors.append("escalationPolicy.id is required")
            return None
        policy = self.account.get("escalationPolicies", value["id"]) if _is_int(value["id"]) else None
        if policy is None or not self.caller.sees(policy["teams"]):
            self.errors.append("escalationPolicy.id %r does not exist" % (value["id"],))
            return None
        return policy["id"]

    def _teams(self, value):
        # Omitted or null leaves the teams as they are; only an explicit [] clears them.
        if value is None:
            return list(self.existing["teams"]) if self.existing else []
        if not isinstance(value, list):
            self.errors.append("teams must be a list of {id} objects")
            return []
        team_ids = set()
        for index, team in enumerate(value):
            team_id = team.get("id") if isinstance(team, dict) else None
            if not _is_int(team_id):
                self.errors.append("teams[%d].id is required and must be an integer" % index)
            elif not self.caller.sees_team(team_id):
                self.errors.append("teams[%d].id %d does not exist" % (index, team_id))
            else:
                team_ids.add(team_id)
        return sorted(team_ids)

    def _choice(self, body: dict, field: str, allowed: tuple, default):
        value = body.get(field)
        if value is None:
            return default
        if value not in allowed or isinstance(value, bool) != isinstance(allowed[0], bool):
            choices = ", ".join(str(item).lower() if isinstance(item, bool) else str(item) for item in allowed)
            self.errors.append("%s must be one of %s, got %r" % (field, choices, value))
            return default
        return value

    def _support_hours(self, value):
        if value is None:
            return None
        if not isinstance(value, dict):
            self.errors.append("supportHours must be an object: {id} of a support hour")
            return None
        if value.get("id") is not None:
            hours = self.account.get("supportHours", value["id"]) if _is_int(value["id"]) else None
            if hours is None or not self.caller.sees(hours["teams"]):
                self.errors.append("supportHours.id %r does not exist" % (value["id"],))
                return None
            return {"id": hours["id"]}
        # The legacy inline form (before stand-alone support hours) is still accepted.
        days = value.get("supportDays")
        if not isinstance(value.get("timezone"), str) or not isinstance(days, dict) or set(days) - set(DAYS):
            self.errors.append("supportHours needs an id, or (legacy) timezone and supportDays keyed by MONDAY..SUNDAY")
            return None
        return {"inline": {key: value[key] for key in ("timezone", "autoRaiseAlerts", "supportDays") if key in value}}

    def _services(self, value):
        # Part of the full replace: omitted or null clears them (unlike teams, nothing says otherwise).
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.append("services must be a list of {id} objects")
            return []
        if len(value) > MAX_SERVICES:
            self.errors.append("services may hold at most %d services, got %d" % (MAX_SERVICES, len(value)))
        service_ids = []
        for index, item in enumerate(value):
            service_id = item.get("id") if isinstance(item, dict) else None
            service = self.account.get("services", service_id) if _is_int(service_id) else None
            if not _is_int(service_id):
                self.errors.append("services[%d].id is required and must be an integer" % index)
            elif service is None or not self.caller.sees(service["teams"]):
                self.errors.append("services[%d].id %d does not exist" % (index, service_id))
            elif service_id not in service_ids:  # a service is attached once; order is kept (choice)
                service_ids.append(service_id)
        return service_ids

    def _integration_key(self, integration_type, value):
        if integration_type in EMAIL_TYPES:
            # For e-mail sources the key is the address, and a PUT may change it.
            if value is not None:
                if not isinstance(value, str) or "@" not in value:
                    self.errors.append("integrationKey of an e-mail alert source must be an e-mail address")
                return value
            if self.existing:
                return self.existing["integrationKey"]
            # Terraform refuses to create an e-mail source without its address ("email is required"),
            # so iLert is taken to need one rather than to make one up.
            self.errors.append("integrationKey (the e-mail address) is required for an %s alert source" % integration_type)
            return None
        if self.existing:
            return self.existing["integrationKey"]
        return "il1" + re.sub("[^a-z0-9]", "", str(integration_type).lower())[:10] + secrets.token_hex(9)


def render_source(account: Account, source: dict, caller, base_url: str, wanted: set[str] | None) -> dict:
    """The API's view of a stored source; `wanted` None is the list view (never include-only fields)."""
    may_see_key = caller is None or caller.can_configure
    body = {
        "id": source["id"],
        "name": source["name"],
        "integrationType": source["integrationType"],
        "integrationKey": source["integrationKey"] if may_see_key else None,
    }
    if source["integrationType"] not in EMAIL_TYPES:
        url = "%sapi/v1/events/%s/%s" % (base_url, source["integrationType"].lower(), source["integrationKey"])
        body["integrationUrl"] = url if may_see_key else None
    body.update(icon_urls(source["integrationType"]))
    body.update(drop_none({
        "escalationPolicy": render_policy(account, account.get("escalationPolicies", source["escalationPolicy"])),
        "teams": team_rels(account, source["teams"]),
        "active": source["active"],
        "status": source_status(account, source),
        "bidirectional": False,
        "alertCreation": source["alertCreation"],
        "alertGroupingWindow": source["alertGroupingWindow"],
        "scoreThreshold": source["scoreThreshold"],
        "autoResolutionTimeout": source["autoResolutionTimeout"],
        "alertPriorityRule": source["alertPriorityRule"],
        "supportHours": _render_support_hours(account, source["supportHours"]),
        "autoRaiseAlerts": source["autoRaiseAlerts"],
        "severity": source["severity"],
        "services": [render_service(account, account.get("services", service_id))
                     for service_id in source["services"] or [] if account.get("services", service_id) is not None],
        "autoCreateServices": source["autoCreateServices"],
        "setupStatus": source["setupStatus"],
        "createdAt": timestamp(source["createdAt"]),
        "updatedAt": timestamp(source["updatedAt"]),
    }))
    if wanted is None:
        for field in NOT_IN_LISTS:
            body.pop(field, None)
    else:
        body.update(render_include_fields(source["includes"], wanted))
    return body


def _render_support_hours(account: Account, reference: dict | None):
    if reference is None:
        return None
    if "inline" in reference:
        return reference["inline"]
    return render_support_hours(account, account.get("supportHours", reference["id"]))


class AlertSourceRoutes(RouteBase):
    """Handlers for /api/alert-sources."""

    def _visible_source(self, caller, source: dict | None) -> dict:
        if source is None or not caller.sees(source["teams"]):
            raise not_found("Alert source")
        return source

    def _render(self, request, caller, source: dict, wanted: set[str] | None) -> dict:
        return render_source(self.account, source, caller, self.base_url(request), wanted)

    def source_view(self, request, caller, source: dict) -> dict:
        return self._render(request, caller, source, None)

    @endpoint()
    def on_list_alert_sources(self, request, caller):
        auto_resolve(self.account)
        sources = [source for source in self.account.all("alertSources") if caller.sees(source["teams"])]
        query = request.args.get("query")
        if query:  # unofficial name search, mentioned in iLert's Terraform import guide
            sources = [source for source in sources if query.lower() in source["name"].lower()]
        return json_response([self._render(request, caller, source, None) for source in page(request, sources, 50)])

    @endpoint(permission="configure")
    def on_create_alert_source(self, request, caller):
        stored = SourceChecker(self.account, caller, None).build(read_json_object(request))
        stored["createdAt"] = stored["updatedAt"] = self.account.clock()
        source = self.account.add("alertSources", stored)
        location = "%sapi/alert-sources/%d" % (self.base_url(request), source["id"])
        return created(self._render(request, caller, source, includes(request)), location)

    @endpoint()
    def on_get_alert_source(self, request, caller, source_id):
        """By numeric id or by integration key."""
        auto_resolve(self.account)
        if source_id.isdigit():
            source = self.account.get("alertSources", int(source_id))
        else:
            source = self.account.source_by_key(source_id)
        source = self._visible_source(caller, source)
        return json_response(self._render(request, caller, source, includes(request)))

    @endpoint()
    def on_get_alert_source_by_name(self, request, caller, name):
        """Exact name; names are not unique, so the first (lowest id) of several wins."""
        auto_resolve(self.account)
        for source in self.account.all("alertSources"):
            if source["name"] == name and caller.sees(source["teams"]):
                return json_response(self._render(request, caller, source, includes(request)))
        raise not_found("Alert source with name %r" % name)

    @endpoint(permission="configure")
    def on_update_alert_source(self, request, caller, source_id):
        """A full replace: whatever the body leaves out is reset, except teams and setupStatus."""
        existing = self._visible_source(caller, self.account.get("alertSources", numeric_id(source_id, "Alert source")))
        stored = SourceChecker(self.account, caller, existing).build(read_json_object(request))
        stored.update(id=existing["id"], createdAt=existing["createdAt"], updatedAt=self.account.clock())
        self.account.entities["alertSources"][existing["id"]] = stored
        return json_response(self._render(request, caller, stored, includes(request)))

    @endpoint(permission="configure")
    def on_delete_alert_source(self, request, caller, source_id):  # pylint: disable=unused-argument
        source = self._visible_source(caller, self.account.get("alertSources", numeric_id(source_id, "Alert source")))
        self.account.remove("alertSources", source["id"])
        for alert in [alert for alert in self.account.all("alerts") if alert["sourceId"] == source["id"]]:
            self.account.remove("alerts", alert["id"])
        return json_response(None, status=204)
