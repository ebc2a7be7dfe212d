# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Events in: the generic Events API (`POST /api/events`) and the typed webhooks
(`POST /api/v1/events/<type>/<integration key>`), with the Elastic Watcher `ctx` mapping.

Neither needs an Authorization header: the integration key authenticates. Both answer 202 with an
empty body (queued, not yet processed), 404 for an unknown key and 400 for a body iLert would refuse.
How iLert turns a Watcher `ctx` into an alert is not published; README.md documents this emulator's choice."""

from __future__ import annotations

import json
import uuid

from werkzeug.wrappers import Response

from .alerts import apply_event
from .api import ApiError, bad_request, endpoint, read_json_body, read_json_object
from .base import RouteBase

EVENT_TYPES = ("ALERT", "ACCEPT", "RESOLVE", "COMMENT")
WATCHER_BLOCK_KEYS = ("event_type", "alert_key", "summary", "details", "priority")


def _optional(body: dict, field: str, kind: type, errors: list[str], label: str):
    value = body.get(field)
    if value is not None and not isinstance(value, kind):
        errors.append("%s must be %s" % (label or field, {str: "a string", list: "a list", dict: "an object"}[kind]))
        return None
    return value


def parse_event(body: dict) -> dict:
    """The generic `Event` body, checked; `incidentKey` is accepted as the legacy name of `alertKey`."""
    errors: list[str] = []
    event_type = body.get("eventType")
    if event_type not in EVENT_TYPES:
        errors.append("eventType must be one of %s, got %r" % (", ".join(EVENT_TYPES), event_type))
    alert_key = body.get("alertKey", body.get("incidentKey"))
    if alert_key is not None and not isinstance(alert_key, str):
        errors.append("alertKey must be a string")
    alert_key = (alert_key.strip() or None) if isinstance(alert_key, str) else None
    summary = _optional(body, "summary", str, errors, "")
    if event_type == "ALERT" and not summary:
        errors.append("summary is required for ALERT events")
    if event_type in ("ACCEPT", "RESOLVE", "COMMENT") and alert_key is None:
        errors.append("alertKey is required for %s events" % event_type)
    priority = body.get("priority")
    if priority is not None and priority not in ("HIGH", "LOW"):
        errors.append("priority must be HIGH or LOW, got %r" % (priority,))
    severity = body.get("severity")
    if severity is not None and (not isinstance(severity, int) or isinstance(severity, bool) or not 1 <= severity <= 5):
        errors.append("severity must be an integer from 1 to 5, got %r" % (severity,))
    labels = _optional(body, "labels", dict, errors, "")
    if labels and not all(isinstance(value, str) for value in labels.values()):
        errors.append("labels values must be strings")
    event = {
        "eventType": event_type,
        "summary": summary,
        "details": _optional(body, "details", str, errors, ""),
        "alertKey": alert_key,
        "priority": priority,
        "severity": severity,
        "images": _optional(body, "images", list, errors, "") or [],
        "links": _optional(body, "links", list, errors, "") or [],
        "comments": [comment for comment in _optional(body, "comments", list, errors, "") or [] if isinstance(comment, dict)],
        "labels": labels or {},
        "customDetails": _optional(body, "customDetails", dict, errors, ""),
        "routingKey": _optional(body, "routingKey", str, errors, ""),
    }
    if errors:
        raise bad_request("Invalid event: " + "; ".join(errors))
    return event


def event_from_watcher(ctx) -> dict:
    """Map an Elastic Watcher execution context (the webhook body `{{#toJson}}ctx{{/toJson}}`) to an event.

    * event type: `ilert.event_type` (ALERT, ACCEPT, RESOLVE, COMMENT; any case), default ALERT
    * alert key:  `ilert.alert_key`, default `ctx.watch_id` (so repeated firings group and RESOLVE finds them)
    * summary:    `ilert.summary`, else `ctx.metadata.name`, else `ctx.watch_id`
    * details:    `ilert.details`, else `ctx.payload` as indented JSON with sorted keys
    * priority:   `ilert.priority` (HIGH or LOW), else the alert source's rule
    where `ilert` is `ctx.metadata.ilert` (per watch) overlaid by `ctx.payload.ilert` (per action,
    through an action `transform`). The whole ctx becomes the alert's `customDetails`."""
    if not isinstance(ctx, dict) or not isinstance(ctx.get("watch_id"), str) or not ctx["watch_id"].strip():
        raise bad_request("Invalid event: the body is not an Elastic Watcher context (no watch_id); "
                          "the webhook body must be {{#toJson}}ctx{{/toJson}}")
    metadata = ctx.get("metadata") if isinstance(ctx.get("metadata"), dict) else {}
    payload = ctx.get("payload") if isinstance(ctx.get("payload"), dict) else {}
    block: dict = {}
    for where, part in (("ctx.metadata.ilert", metadata.get("ilert")), ("ctx.payload.ilert", payload.get("ilert"))):
        if part is None:
            continue
        if not isinstance(part, dict):
            raise bad_request("Invalid event: %s must be an object" % where)
        unknown = sorted(set(part) - set(WATCHER_BLOCK_KEYS))
        if unknown:
            raise bad_request("Invalid event: %s has unknown key(s) %s; known: %s" % (where, ", ".join(unknown), ", ".join(WATCHER_BLOCK_KEYS)))
        block.update(part)
    for key in WATCHER_BLOCK_KEYS:
        if block.get(key) is not None and not isinstance(block[key], str):
            raise bad_request("Invalid event: ilert.%s must be a string" % key)
    name = metadata.get("name") if isinstance(metadata.get("name"), str) and metadata["name"].strip() else None
    body = {
        "eventType": (block.get("event_type") or "ALERT").upper(),
        "alertKey": block.get("alert_key") or ctx["watch_id"],
        "summary": block.get("summary") or name or ctx["watch_id"],
        "details": block.get("details") or json.dumps(ctx.get("payload", {}), indent=2, sort_keys=True, default=str),
        "priority": block["priority"].upper() if block.get("priority") else None,
        "customDetails": ctx,
    }
    return parse_event(body)


def accepted() -> Response:
    """202 with an empty body; iLert's answer carries a correlation id header."""
    return Response(status=202, headers={"correlation-id": str(uuid.uuid4())})


class EventRoutes(RouteBase):
    """Handlers for POST /api/events and POST /api/v1/events/<type>/<key>."""

    last_outcome: str | None = None

    def _source_for_key(self, key: str, integration_type: str | None = None) -> dict:
        source = self.account.source_by_key(key) if isinstance(key, str) else None
        if source is None or (integration_type is not None and source["integrationType"].lower() != integration_type.lower()):
            raise ApiError(404, "No alert source found for this integration key")
        self.check_rate_limit("integration_key", key)
        return source

    def _deliver(self, source: dict, event: dict) -> Response:
        self.last_outcome = apply_event(self.account, source, event)
        return accepted()

    @endpoint(auth=False)
    def on_post_event(self, request, caller):  # pylint: disable=unused-argument
        body = read_json_object(request)
        key = body.get("integrationKey", body.get("apiKey"))
        if key is None:
            raise bad_request("Invalid event: integrationKey is required")
        source = self._source_for_key(key)
        return self._deliver(source, parse_event(body))

    @endpoint(auth=False)
    def on_post_integration_event(self, request, caller, integration_type, key):  # pylint: disable=unused-argument
        """Elastic Watcher (`eswatcher`) gets the ctx mapping; other types take the generic body without its key."""
        source = self._source_for_key(key, integration_type)
        if integration_type.lower() == "eswatcher":
            return self._deliver(source, event_from_watcher(read_json_body(request)))
        return self._deliver(source, parse_event(read_json_object(request)))
