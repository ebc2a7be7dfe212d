# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: a watch that opens an iLert alert and resolves it again.

A Watcher action runs only when the watch condition is met, so a watch alone can never say
"it is over" (iLert's guide: no auto-resolve). Auto-resolve turns the watch inside out:

* the watch condition becomes ``always``, so every run reaches the actions;
* the ALERT action carries the user's condition, the RESOLVE action its negation;
* both post to iLert's Events API with the same alert key (the watch id), so iLert groups the
  ALERTs of one watch into one alert and the RESOLVE closes exactly that alert;
* the RESOLVE is throttled, so a healthy watch sends one RESOLVE per throttle period, not one
  per run.

Only conditions whose negation Watcher can express are accepted: ``always``/``never``,
``compare`` and ``array_compare`` (a Painless script cannot be negated without running it).

Backwards incompatible changes can happen here in any release.
"""

from __future__ import annotations

import copy
import json
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import ILertWebhookError, api_request

DEFAULT_RESOLVE_THROTTLE = "5m"
RESOLVE_SUFFIX = "_resolve"
_NEGATED_OPS = {"eq": "not_eq", "not_eq": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_NEGATED_QUANTIFIERS = {"some": "all", "all": "some"}
# ctx.payload as JSON, rendered by Watcher's mustache; the rest of the body is fixed at deploy time.
_PAYLOAD = "{{#toJson}}ctx.payload{{/toJson}}"


def negate_condition(condition) -> dict:
    """The condition that holds exactly when ``condition`` does not."""
    if condition is None or condition == {"always": {}}:
        return {"never": {}}
    if condition == {"never": {}}:
        return {"always": {}}
    kind, body = next(iter(condition.items())) if isinstance(condition, dict) and len(condition) == 1 else (None, None)
    if kind == "compare" and isinstance(body, dict) and len(body) == 1:
        path, spec = next(iter(body.items()))
        # Watcher reads operators and quantifiers in any case (CompareCondition.Op.resolve).
        if isinstance(spec, dict) and len(spec) == 1 and str(next(iter(spec))).lower() in _NEGATED_OPS:
            op, value = next(iter(spec.items()))
            return {"compare": {path: {_NEGATED_OPS[op.lower()]: copy.deepcopy(value)}}}
    if kind == "array_compare" and isinstance(body, dict) and len(body) == 1:
        path, spec = next(iter(body.items()))
        ops = [key for key in spec if str(key).lower() in _NEGATED_OPS] if isinstance(spec, dict) else []
        if len(ops) == 1 and isinstance(spec[ops[0]], dict):
            # not (some x > v) == all x <= v, and the other way round
            test = dict(spec[ops[0]])
            test["quantifier"] = _NEGATED_QUANTIFIERS.get(str(test.get("quantifier", "some")).lower(), "all")
            negated = dict((key, value) for key, value in spec.items() if key != ops[0])
            negated[_NEGATED_OPS[ops[0].lower()]] = test
            return {"array_compare": {path: negated}}
    raise ILertWebhookError(
        "ilert.auto_resolve needs a condition it can negate (always, never, compare or array_compare with one operator), got %s; "
        "a script condition cannot be negated without running it" % json.dumps(condition, sort_keys=True))


def events_api_request(api_url: str) -> dict:
    """scheme, host, port and path of iLert's Events API (``/api/events``)."""
    return api_request(api_url, "/api/events")


def event_action(event_type: str, integration_key: str, alert_key: str, summary: str, api_url: str) -> dict:
    body = '{"integrationKey": %s, "eventType": "%s", "alertKey": %s, "summary": %s, "customDetails": %s}' % (
        json.dumps(integration_key), event_type, json.dumps(alert_key), json.dumps(summary), _PAYLOAD)
    webhook = events_api_request(api_url)
    webhook.update({"method": "post", "params": {}, "headers": {"Content-Type": "application/json"}, "body": body})
    return {"webhook": webhook}


def auto_resolving(parts: dict, integration_key: str, api_url: str, action_id: str, alert_key: str, summary: str,
                   resolve_throttle_period: str = DEFAULT_RESOLVE_THROTTLE) -> dict:
    """The watch ``parts`` with the ALERT / RESOLVE pair in place of a plain iLert action."""
    if not isinstance(integration_key, str) or not integration_key.strip() or any(char.isspace() for char in integration_key.strip()):
        raise ILertWebhookError("ilert.integration_key must be the alert source's integration key (a non-empty string without spaces)")
    condition = parts.get("condition") or {"always": {}}
    watch = dict(parts)
    actions = dict(watch.get("actions") or {})
    for taken in (action_id, action_id + RESOLVE_SUFFIX):
        if taken in actions:
            raise ILertWebhookError("actions already has an action '%s'; give ilert.action_id another id, or drop one of the two" % taken)
    resolve_condition = negate_condition(condition)
    alert = event_action("ALERT", integration_key.strip(), alert_key, summary, api_url)
    alert["condition"] = copy.deepcopy(condition)
    resolve = event_action("RESOLVE", integration_key.strip(), alert_key, summary, api_url)
    resolve["condition"] = resolve_condition
    resolve["throttle_period"] = resolve_throttle_period
    actions[action_id] = alert
    actions[action_id + RESOLVE_SUFFIX] = resolve
    watch["actions"] = actions
    watch["condition"] = {"always": {}}
    return watch
