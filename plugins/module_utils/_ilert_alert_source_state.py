# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the forms of an iLert alert source and the mapping between them.

Backwards incompatible changes can happen here in any release. Pure functions, no I/O.

Three forms of an alert source meet here:

* the module options (snake_case, names or ids for policies, teams, support hours and services);
* the canonical state (``normalize_params`` / ``current_view``): option names as keys, references
  as numeric ids, teams and services as sorted lists of ids, templates as their text, ``None`` for "none";
  the two are compared with ``==`` and only for the keys the user set;
* iLert's JSON (camelCase, ``{"textTemplate": ...}`` templates, ``{"id": ...}`` references).

iLert's PUT is a full replace (there is no PATCH) for everything but ``teams``, so an update
sends the current object, read with every ``include``, minus the fields the server owns, with
the user's values laid over it.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.ilert.watcher.plugins.module_utils._ilert_webhook import webhook_parts

# Everything iLert returns only on request. Reading with all of them is what keeps the
# full-replace PUT from dropping a field; textTemplate makes templates come back as text.
INCLUDES = (
    "summaryTemplate", "detailsTemplate", "routingTemplate", "alertKeyTemplate", "linkTemplates",
    "priorityTemplate", "severityTemplate", "servicesTemplate", "eventFilter",
    "eventTypeFilterCreate", "eventTypeFilterAccept", "eventTypeFilterResolve", "textTemplate",
)
# Set by the server; sending them back is pointless at best.
READ_ONLY_FIELDS = frozenset((
    "id", "integrationUrl", "iconUrl", "lightIconUrl", "darkIconUrl", "status", "bidirectional",
    "createdAt", "updatedAt",
))
# For these types the integration key is the e-mail address, a setting; otherwise iLert makes it.
EMAIL_TYPES = frozenset(("EMAIL", "EMAIL2"))
WINDOWED_CREATIONS = frozenset(("ONE_ALERT_GROUPED_PER_WINDOW", "INTELLIGENT_GROUPING"))
DEFAULT_INTEGRATION_TYPE = "ESWATCHER"

# option -> iLert field, per kind of value
SCALARS = {
    "active": "active",
    "alert_creation": "alertCreation",
    "alert_priority_rule": "alertPriorityRule",
    "score_threshold": "scoreThreshold",
    "severity": "severity",
    "auto_create_services": "autoCreateServices",
}
DURATIONS = {"alert_grouping_window": "alertGroupingWindow", "auto_resolution_timeout": "autoResolutionTimeout"}
TEMPLATES = {
    "summary_template": "summaryTemplate",
    "details_template": "detailsTemplate",
    "routing_template": "routingTemplate",
    "alert_key_template": "alertKeyTemplate",
}
MAPPING_TEMPLATES = {"priority_template": "priorityTemplate", "severity_template": "severityTemplate"}
FILTERS = {
    "event_filter": "eventFilter",
    "event_type_filter_create": "eventTypeFilterCreate",
    "event_type_filter_accept": "eventTypeFilterAccept",
    "event_type_filter_resolve": "eventTypeFilterResolve",
}
# What iLert assumes when a field is missing; a missing field equals its default.
SERVER_DEFAULTS = {"active": True, "alert_creation": "ONE_ALERT_PER_EMAIL", "alert_priority_rule": "HIGH", "auto_create_services": False}

MAX_LINK_TEMPLATES = 10  # iLert's limit
MAX_SERVICES_TEMPLATES = 10  # iLert's limit ("Capped at 10 templates")
MAX_SERVICES = 15  # Terraform's limit on default services


class AlertSourceError(Exception):
    """A problem the module reports as it is (the message is complete)."""


# --- durations ---------------------------------------------------------------------------------------
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_SHORT_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_DURATION_UNITS = (86400, 3600, 60, 1)


def parse_duration(value) -> tuple[str, int]:
    """(ISO-8601 form to send, seconds) of ``PT5M``/``pt5m``/``P1D`` or the short ``5m``/``1h30m``/``90s``.

    ISO input is sent as written (upper-cased): iLert accepts only certain spellings (``PT60M``,
    ``PT90M`` ...), so the module never rewrites one into another; it compares by seconds.
    """
    text = str(value).strip()
    match = _ISO_DURATION.match(text.upper())
    if match and text.upper() not in ("P", "PT") and not text.upper().endswith("T"):
        iso = text.upper()
    else:
        match = _SHORT_DURATION.match(text.lower())
        if not match or not text:
            raise AlertSourceError(
                "%r is not a duration: give an ISO-8601 duration such as PT5M, PT1H or P1D, or a short form such as 5m, 2h or 1h30m"
                % (value,))
        days, hours, minutes, seconds = match.groups()
        iso = "P%s" % ("%sD" % days if days else "")
        clock = "".join("%s%s" % (number, unit) for number, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if number)
        iso += "T" + clock if clock else ""
    total = sum(int(number) * unit for number, unit in zip(match.groups(), _DURATION_UNITS) if number)
    return iso, total


def duration_seconds(value):
    """Seconds of a duration as iLert returns it, or None when it is not one this module reads."""
    try:
        return parse_duration(value)[1]
    except AlertSourceError:
        return None


# --- templates ---------------------------------------------------------------------------------------
def template_text(value):
    """The text of a template as iLert returns it: ``{textTemplate}``, or (fallback) ``{elements}``."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("textTemplate"), str):
        return value["textTemplate"]
    if isinstance(value.get("elements"), list):
        return elements_to_text(value["elements"])
    return None


def elements_to_text(elements) -> str:
    """ITL text of the element form iLert uses when it is not asked for textTemplate."""
    parts = []
    for element in elements:
        if not isinstance(element, dict):
            continue
        if element.get("type") != "VAR":
            parts.append(str(element.get("val", "")))
            continue
        function = ""
        if element.get("func"):
            arguments = ", ".join('"%s"' % arg["S"] if "S" in arg else str(arg.get("N")) for arg in element.get("args") or [])
            function = " | %s(%s)" % (element["func"], arguments) if arguments else " | %s" % element["func"]
        parts.append("{{ %s%s }}" % (element.get("val", ""), function))
    return "".join(parts)


def text_template(text):
    return None if text is None else {"textTemplate": text}


# --- the canonical state -------------------------------------------------------------------------------
def reference(value, what: str):
    """An escalation policy, team or support hours as given: an int id, or a name (str)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise AlertSourceError("%s must be a name or a numeric id, got %r" % (what, value))
    if isinstance(value, int):
        return value
    text = value.strip()
    if not text:
        raise AlertSourceError("%s must be a name or a numeric id, got an empty string" % what)
    return int(text) if text.isdigit() else value


def normalize_params(params: dict) -> dict:
    """The settings the user set, in canonical form, with references still as given (names or ids)."""
    wanted = {}
    if not isinstance(params.get("name"), str) or not params["name"].strip() or len(params["name"]) > 255:
        raise AlertSourceError("name must be the alert source's name, 1 to 255 characters, got %r" % (params.get("name"),))
    wanted["name"] = params["name"]
    wanted["integration_type"] = (params.get("integration_type") or DEFAULT_INTEGRATION_TYPE).strip().upper()
    if params.get("escalation_policy") is not None:
        wanted["escalation_policy"] = reference(params["escalation_policy"], "escalation_policy")
    if params.get("teams") is not None:
        wanted["teams"] = [reference(team, "Each entry of teams") for team in params["teams"]]
    if params.get("services") is not None:
        if len(params["services"]) > MAX_SERVICES:
            raise AlertSourceError("services: an alert source takes at most %d services, got %d" % (MAX_SERVICES, len(params["services"])))
        wanted["services"] = [reference(service, "Each entry of services") for service in params["services"]]
    if params.get("support_hours") is not None:
        value = params["support_hours"]
        wanted["support_hours"] = None if isinstance(value, str) and not value.strip() else reference(value, "support_hours")
    for option in SCALARS:
        if params.get(option) is not None:
            wanted[option] = params[option]
    score = wanted.get("score_threshold")
    if score is not None:
        if not 0 <= score <= 1:
            raise AlertSourceError("score_threshold must be between 0 and 1, got %r" % score)
        wanted["score_threshold"] = float(score)
    for option in DURATIONS:
        value = params.get(option)
        if value is not None:
            # "" removes the setting (for auto_resolution_timeout: never resolve automatically).
            wanted[option] = None if str(value).strip() == "" else _option_duration(option, value)
    for option in tuple(TEMPLATES) + tuple(FILTERS):
        if params.get(option) is not None:
            wanted[option] = params[option] if params[option] != "" else None
    if params.get("link_templates") is not None:
        if len(params["link_templates"]) > MAX_LINK_TEMPLATES:
            raise AlertSourceError("link_templates: iLert allows at most %d link templates, got %d"
                                   % (MAX_LINK_TEMPLATES, len(params["link_templates"])))
        wanted["link_templates"] = [{"text": link["text"], "href": link["href"]} for link in params["link_templates"]]
    if params.get("priority_template") is not None:
        wanted["priority_template"] = _mapping_template(params["priority_template"], "priority_template", "priority")
    if params.get("severity_template") is not None:
        wanted["severity_template"] = _mapping_template(params["severity_template"], "severity_template", "severity")
    if params.get("services_template") is not None:
        wanted["services_template"] = _services_template(params["services_template"])
    if params.get("email") is not None:
        wanted["email"] = _email(params["email"], wanted["integration_type"])
    return wanted


def _option_duration(option: str, value) -> str:
    try:
        return parse_duration(value)[0]
    except AlertSourceError as exc:
        raise AlertSourceError("%s: %s" % (option, exc)) from None


def _mapping_template(value: dict, option: str, key: str):
    """priority_template / severity_template: a value template and mappings of its results to ``key``."""
    if value.get("value_template") is None and value.get("mappings") is None:
        return None  # {} removes it
    if value.get("value_template") is None or not value.get("mappings"):
        raise AlertSourceError("%s needs both value_template and at least one entry in mappings"
                               " (or give %s: {} to remove it)" % (option, option))
    values = [str(item["value"]) for item in value["mappings"]]
    if len(set(values)) != len(values):
        raise AlertSourceError("%s.mappings: each value may appear only once, got %s" % (option, ", ".join(values)))
    return {
        "value_template": value["value_template"],
        "mappings": sorted(({"value": str(item["value"]), key: item[key]} for item in value["mappings"]), key=lambda item: item["value"]),
    }


def _services_template(templates: list) -> list:
    if len(templates) > MAX_SERVICES_TEMPLATES:
        raise AlertSourceError("services_template: iLert allows at most %d templates, got %d" % (MAX_SERVICES_TEMPLATES, len(templates)))
    if any(not str(template).strip() for template in templates):
        raise AlertSourceError("services_template: every template needs some text (give services_template: [] to remove them all)")
    return [str(template) for template in templates]


def _email(value: str, integration_type: str) -> str:
    if integration_type not in EMAIL_TYPES:
        raise AlertSourceError("email applies only to e-mail alert sources (integration_type %s), not to %s: iLert makes the integration "
                               "key of other types itself" % (" or ".join(sorted(EMAIL_TYPES)), integration_type))
    address = value.strip()
    local, dummy, domain = address.partition("@")
    if not local or not domain or " " in address:
        raise AlertSourceError("email must be the e-mail address the alert source receives, such as ops-alerts@example.ilert.eu")
    return address


def check_alert_creation(desired: dict, current=None) -> None:
    """Refuse a grouping window without windowed alert creation, or windowed alert creation without a window.

    The effective values are the user's where set, else the current source's, else iLert's defaults.
    """
    current = current or {}
    creation = desired.get("alert_creation") or current.get("alertCreation") or SERVER_DEFAULTS["alert_creation"]
    window = desired["alert_grouping_window"] if "alert_grouping_window" in desired else current.get("alertGroupingWindow")
    windowed = ", ".join(sorted(WINDOWED_CREATIONS))
    if creation in WINDOWED_CREATIONS and not window:
        raise AlertSourceError("alert_grouping_window is required when alert_creation is %s (for example PT5M)" % creation)
    if desired.get("alert_grouping_window") and creation not in WINDOWED_CREATIONS:
        raise AlertSourceError("alert_grouping_window applies only when alert_creation is one of %s; alert_creation is %s"
                               % (windowed, creation))


def current_view(current: dict, desired=None) -> dict:
    """The alert source as iLert holds it, in the canonical form of normalize_params.

    A duration that equals the desired one in seconds takes the desired spelling, so ``PT60M``
    and ``PT1H`` do not count as a change.
    """
    desired = desired or {}
    view = {
        "name": current.get("name"),
        "integration_type": current.get("integrationType"),
        "escalation_policy": id_of(current.get("escalationPolicy")),
        "teams": sorted(set(id_of(team) for team in current.get("teams") or [] if id_of(team) is not None)),
        "support_hours": _support_hours_view(current.get("supportHours")),
        "services": sorted(set(id_of(service) for service in current.get("services") or [] if id_of(service) is not None)),
        # For e-mail sources the integration key is the address; other types have none to set.
        "email": current.get("integrationKey") if current.get("integrationType") in EMAIL_TYPES else None,
    }
    for option, field in SCALARS.items():
        value = current.get(field)
        view[option] = SERVER_DEFAULTS.get(option) if value is None else value
    if view["score_threshold"] is not None:
        view["score_threshold"] = float(view["score_threshold"])
    for option, field in DURATIONS.items():
        value = current.get(field)
        wanted = desired.get(option)
        if value is not None and wanted is not None and duration_seconds(value) == duration_seconds(wanted):
            value = wanted
        view[option] = value
    # An empty template or filter is no template or filter ("" removes one).
    for option, field in TEMPLATES.items():
        view[option] = template_text(current.get(field)) or None
    for option, field in FILTERS.items():
        view[option] = current.get(field) or None
    view["link_templates"] = [_link_view(link) for link in current.get("linkTemplates") or [] if isinstance(link, dict)]
    view["priority_template"] = _mapping_view(current.get("priorityTemplate"), "priority")
    view["severity_template"] = _mapping_view(current.get("severityTemplate"), "severity")
    view["services_template"] = [template_text(template) for template in current.get("servicesTemplate") or []]
    return view


def id_of(value):
    return value.get("id") if isinstance(value, dict) else None


def _support_hours_view(value):
    if not isinstance(value, dict):
        return None
    # A legacy inline definition has no id: shown as it is, so that any id differs from it.
    return value["id"] if value.get("id") is not None else value


def _link_view(link: dict) -> dict:
    # Since mid-2026 iLert returns linkTextTemplate and drops the deprecated text.
    text = template_text(link.get("linkTextTemplate"))
    return {"text": link.get("text") if text is None else text, "href": template_text(link.get("hrefTemplate"))}


def _mapping_view(value, key: str):
    if not isinstance(value, dict):
        return None
    mappings = [{"value": item.get("value"), key: item.get(key)} for item in value.get("mappings") or [] if isinstance(item, dict)]
    return {"value_template": template_text(value.get("valueTemplate")), "mappings": sorted(mappings, key=lambda item: str(item["value"]))}


# --- iLert JSON ---------------------------------------------------------------------------------------
def api_fields(desired: dict) -> dict:
    """iLert's fields for the settings in ``desired`` (canonical, references resolved to ids).

    A value of None means "remove the field" (a full-replace PUT that leaves a field out clears it).
    """
    body = {}
    for option, value in desired.items():
        if option == "name":
            body["name"] = value
        elif option == "integration_type":
            body["integrationType"] = value
        elif option == "escalation_policy":
            body["escalationPolicy"] = {"id": value}
        elif option == "teams":
            body["teams"] = [{"id": team} for team in value]
        elif option == "services":
            body["services"] = [{"id": service} for service in value]
        elif option == "email":
            body["integrationKey"] = value
        elif option == "support_hours":
            body["supportHours"] = None if value is None else {"id": value}
        elif option in SCALARS:
            body[SCALARS[option]] = value
        elif option in DURATIONS:
            body[DURATIONS[option]] = value
        elif option in TEMPLATES:
            body[TEMPLATES[option]] = text_template(value)
        elif option in FILTERS:
            body[FILTERS[option]] = value
        elif option == "link_templates":
            # text is deprecated but still required by the spec; linkTextTemplate is what iLert reads back.
            body["linkTemplates"] = [
                {"text": link["text"], "linkTextTemplate": text_template(link["text"]), "hrefTemplate": text_template(link["href"])}
                for link in value
            ]
        elif option in ("priority_template", "severity_template"):
            body[MAPPING_TEMPLATES[option]] = None if value is None else {
                "valueTemplate": text_template(value["value_template"]),
                "mappings": [dict(mapping) for mapping in value["mappings"]],
            }
        elif option == "services_template":
            # [] removes them: a full-replace PUT without the field clears it.
            body["servicesTemplate"] = [text_template(template) for template in value] or None
    return body


def create_body(desired: dict) -> dict:
    """POST body: the user's settings, active (default true) always sent, setup marked finished."""
    body = dict((key, value) for key, value in api_fields(desired).items() if value is not None)
    body.setdefault("active", True)
    # Without it the iLert UI shows the new source as "Finish setup".
    body["setupStatus"] = "FINISHED"
    return body


def update_body(current: dict, desired: dict) -> dict:
    """PUT body: the current source minus server-owned fields, with the user's settings laid over it.

    ``teams`` is sent only when the user set it (an omitted ``teams`` leaves them as they are).
    """
    body = dict((key, copy.deepcopy(value)) for key, value in current.items() if key not in READ_ONLY_FIELDS)
    if body.get("integrationType") not in EMAIL_TYPES:
        body.pop("integrationKey", None)  # generated by iLert; only an e-mail source's key is a setting
    body.pop("teams", None)
    if isinstance(body.get("escalationPolicy"), dict):
        body["escalationPolicy"] = {"id": body["escalationPolicy"].get("id")}
    hours = body.get("supportHours")
    if isinstance(hours, dict) and hours.get("id") is not None:
        body["supportHours"] = {"id": hours["id"]}
    if isinstance(body.get("services"), list):
        body["services"] = [{"id": service["id"]} for service in body["services"] if isinstance(service, dict) and "id" in service]
    body.update(api_fields(desired))
    if body.get("active") is None:
        body["active"] = True  # always sent: a dropped false is how other clients lost "inactive"
    if "alert_grouping_window" not in desired and body.get("alertCreation", "ONE_ALERT_PER_EMAIL") not in WINDOWED_CREATIONS:
        body.pop("alertGroupingWindow", None)  # a window belongs to windowed alert creation only
    return dict((key, value) for key, value in body.items() if value is not None)


def include_params(with_templates: bool = True) -> dict:
    return {"include": list(INCLUDES)} if with_templates else {}


def webhook(api_url: str, integration_type, integration_key):
    """The parts a Watcher webhook action needs to post to this source, or None without a key."""
    if not integration_key or not integration_type or str(integration_type).upper() in EMAIL_TYPES:
        return None
    return webhook_parts(api_url, str(integration_type), str(integration_key))
