# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alerts: what events do to them (create, group, accept, resolve, comment), automatic resolution,
and the /api/alerts routes that show them."""

from __future__ import annotations

from emulator_kit.server import json_response

from .account import Account
from .api import bad_request, drop_none, duration_seconds, endpoint, includes, not_found, numeric_id, page, timestamp
from .base import RouteBase
from .lookups import render_policy, render_rule

STATES = ("PENDING", "ACCEPTED", "RESOLVED")
OPEN_STATES = ("PENDING", "ACCEPTED")


def _same_key(alert: dict, key: str | None) -> bool:
    """Alert keys are trimmed and compared case-insensitively."""
    return key is not None and alert.get("alertKey") is not None and alert["alertKey"].lower() == key.lower()


def _open_alerts(account: Account, source: dict) -> list[dict]:
    return [alert for alert in account.all("alerts") if alert["sourceId"] == source["id"] and alert["status"] in OPEN_STATES]


def _log(account: Account, alert: dict, entry_type: str, text: str) -> None:
    alert["log"].append({"id": account.new_id("logEntries"), "timestamp": account.clock(), "logEntryType": entry_type, "text": text})


def source_status(account: Account, source: dict) -> str:
    if not source["active"]:
        return "DISABLED"
    states = {alert["status"] for alert in _open_alerts(account, source)}
    if "PENDING" in states:
        return "PENDING"
    return "ALL_ACCEPTED" if states else "ALL_RESOLVED"


def _grouping_target(account: Account, source: dict, event: dict, now: float) -> dict | None:
    """The open alert an ALERT event is appended to, or None for a new alert.

    A matching alert key groups whatever `alertCreation` says; otherwise `alertCreation` decides."""
    candidates = _open_alerts(account, source)
    keyed = [alert for alert in candidates if _same_key(alert, event["alertKey"])]
    if keyed:
        return keyed[0]
    creation = source["alertCreation"]
    if creation in ("ONE_ALERT_PER_EMAIL_SUBJECT", "INTELLIGENT_GROUPING"):
        candidates = [alert for alert in candidates if alert["summary"] == event["summary"]]
    elif creation == "ONE_PENDING_ALERT_ALLOWED":
        candidates = [alert for alert in candidates if alert["status"] == "PENDING"]
    elif creation != "ONE_OPEN_ALERT_ALLOWED" and creation != "ONE_ALERT_GROUPED_PER_WINDOW":
        return None  # ONE_ALERT_PER_EMAIL (the default) and OPEN_RESOLVE_ON_EXTRACTION: a new alert
    if creation in ("ONE_ALERT_GROUPED_PER_WINDOW", "INTELLIGENT_GROUPING"):
        window = duration_seconds(source["alertGroupingWindow"] or "PT0S") or 0
        candidates = [alert for alert in candidates if now - alert["reportTime"] < window]
    return candidates[0] if candidates else None


def apply_event(account: Account, source: dict, event: dict) -> str:
    """What one accepted event does; returns the outcome (for logs and tests)."""
    now = account.clock()
    auto_resolve(account)
    if not source["active"]:
        return "ignored: alert source is disabled"
    if event["eventType"] == "ALERT":
        target = _grouping_target(account, source, event, now)
        if target is not None:
            target["lastEventAt"] = now
            _log(account, target, "AlertReceivedLogEntry", "Event received and appended: %s" % event["summary"])
            return "appended"
        _create_alert(account, source, event, now)
        return "created"
    matches = [alert for alert in _open_alerts(account, source) if _same_key(alert, event["alertKey"])]
    for alert in matches:
        if event["eventType"] == "ACCEPT" and alert["status"] == "PENDING":
            alert.update(status="ACCEPTED", acceptedAt=now)
            _log(account, alert, "AlertSourceResponseLogEntry", "Alert accepted by the alert source")
        elif event["eventType"] == "RESOLVE":
            alert.update(status="RESOLVED", resolvedOn=now)
            _log(account, alert, "AlertSourceResponseLogEntry", "Alert resolved by the alert source")
        elif event["eventType"] == "COMMENT":
            text = "; ".join(comment.get("content", "") for comment in event["comments"]) or event["summary"] or ""
            _log(account, alert, "AlertCommentAddedLogEntry", text)
    return "%s: %d alert(s)" % (event["eventType"].lower(), len(matches))


def _create_alert(account: Account, source: dict, event: dict, now: float) -> dict:
    policy_id = source["escalationPolicy"]
    if event["routingKey"]:  # picks the policy with that routing key; an unknown key keeps the source's
        policy_id = next((policy["id"] for policy in account.all("escalationPolicies") if policy.get("routingKey") == event["routingKey"]), policy_id)
    priority = event["priority"] or ("LOW" if source["alertPriorityRule"].startswith("LOW") else "HIGH")
    alert = account.add("alerts", {
        "sourceId": source["id"],
        "policyId": policy_id,
        "summary": event["summary"],
        "details": event["details"],
        "alertKey": event["alertKey"],
        "status": "PENDING",
        "priority": priority,
        "severity": event["severity"] or source["severity"],
        "reportTime": now,
        "lastEventAt": now,
        "images": event["images"],
        "links": event["links"],
        "labels": event["labels"],
        "customDetails": event["customDetails"],
        "log": [],
    })
    _log(account, alert, "AlertReceivedLogEntry", "Alert created by an event: %s" % event["summary"])
    for comment in event["comments"]:
        _log(account, alert, "AlertCommentAddedLogEntry", comment.get("content", ""))
    return alert


def auto_resolve(account: Account) -> None:
    """Resolve open alerts whose source's autoResolutionTimeout passed since their last event."""
    now = account.clock()
    for alert in account.all("alerts"):
        source = account.get("alertSources", alert["sourceId"])
        if alert["status"] not in OPEN_STATES or source is None or not source.get("autoResolutionTimeout"):
            continue
        if now - alert["lastEventAt"] >= (duration_seconds(source["autoResolutionTimeout"]) or 0):
            alert.update(status="RESOLVED", resolvedOn=now)
            _log(account, alert, "AlertAutoResolvedLogEntry", "Alert automatically resolved after %s" % source["autoResolutionTimeout"])


def render_alert(account: Account, alert: dict, source_view: dict, wanted: set[str], single: bool) -> dict:
    policy = account.get("escalationPolicies", alert["policyId"])
    body = drop_none({
        "id": alert["id"],
        "summary": alert["summary"],
        "details": alert["details"],
        "reportTime": timestamp(alert["reportTime"]),
        "resolvedOn": timestamp(alert["resolvedOn"]) if alert.get("resolvedOn") else None,
        "status": alert["status"],
        "alertSource": source_view,
        "escalationPolicy": render_policy(account, policy),
        "priority": alert["priority"],
        "alertKey": alert["alertKey"],
        "images": alert["images"],
        "links": alert["links"],
        "responders": [],
        "severity": alert["severity"],
        "labels": alert["labels"] or None,
    })
    if single and "escalationRules" in wanted:
        body["escalationRules"] = [render_rule(account, rule) for rule in policy["escalationRules"]]
    if single and "customDetails" in wanted and alert["customDetails"] is not None:
        body["customDetails"] = alert["customDetails"]
    return body


def _ids(request, name: str) -> set[int]:
    values = [part for value in request.args.getlist(name) for part in value.split(",") if part]
    if not all(value.isdigit() for value in values):
        raise bad_request("%s must be numeric ids, got %s" % (name, ", ".join(values)))
    return {int(value) for value in values}


class AlertRoutes(RouteBase):
    """Handlers for /api/alerts."""

    def _visible_alert(self, caller, alert_id: str) -> dict:
        auto_resolve(self.account)
        alert = self.account.get("alerts", numeric_id(alert_id, "Alert"))
        if alert is None or not caller.sees(self.account.get("alertSources", alert["sourceId"])["teams"]):
            raise not_found("Alert")
        return alert

    def _render_alert(self, request, caller, alert: dict, single: bool) -> dict:
        source_view = self.source_view(request, caller, self.account.get("alertSources", alert["sourceId"]))
        return render_alert(self.account, alert, source_view, includes(request), single)

    @endpoint()
    def on_list_alerts(self, request, caller):
        """Newest first; filters `states`, `sources`, `policies` (repeatable or comma-separated)."""
        auto_resolve(self.account)
        states = {part for value in request.args.getlist("states") for part in value.split(",") if part}
        if states - set(STATES):
            raise bad_request("states must be among %s, got %s" % (", ".join(STATES), ", ".join(sorted(states - set(STATES)))))
        sources, policies = _ids(request, "sources"), _ids(request, "policies")
        alerts = []
        for alert in reversed(self.account.all("alerts")):
            if (states and alert["status"] not in states) or (sources and alert["sourceId"] not in sources) \
                    or (policies and alert["policyId"] not in policies):
                continue
            if caller.sees(self.account.get("alertSources", alert["sourceId"])["teams"]):
                alerts.append(alert)
        return json_response([self._render_alert(request, caller, alert, False) for alert in page(request, alerts, 100)])

    @endpoint()
    def on_get_alert(self, request, caller, alert_id):
        return json_response(self._render_alert(request, caller, self._visible_alert(caller, alert_id), True))

    @endpoint(permission="respond")
    def on_accept_alert(self, request, caller, alert_id):
        alert = self._visible_alert(caller, alert_id)
        if alert["status"] == "PENDING":
            alert.update(status="ACCEPTED", acceptedAt=self.account.clock())
            _log(self.account, alert, "UserResponseLogEntry", "Alert accepted by %s %s" % (caller.user["firstName"], caller.user["lastName"]))
        return json_response(self._render_alert(request, caller, alert, True))

    @endpoint(permission="respond")
    def on_resolve_alert(self, request, caller, alert_id):
        alert = self._visible_alert(caller, alert_id)
        if alert["status"] != "RESOLVED":
            alert.update(status="RESOLVED", resolvedOn=self.account.clock())
            _log(self.account, alert, "UserResponseLogEntry", "Alert resolved by %s %s" % (caller.user["firstName"], caller.user["lastName"]))
        return json_response(self._render_alert(request, caller, alert, True))

    @endpoint()
    def on_list_alert_log_entries(self, request, caller, alert_id):
        alert = self._visible_alert(caller, alert_id)
        entries = [{"id": entry["id"], "timestamp": timestamp(entry["timestamp"]), "logEntryType": entry["logEntryType"],
                    "text": entry["text"], "alertId": alert["id"]} for entry in alert["log"]]
        return json_response(page(request, entries, 100))
