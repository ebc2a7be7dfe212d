# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The include-only fields of an alert source (templates and ICL filters): checking what a client
writes and giving it back only when asked with `?include=`.

A template can be written as `{textTemplate}` or as `{elements}`; iLert gives it back as elements,
and as `{textTemplate}` only when `include=textTemplate` is also sent. The conversion between the two
forms here is a small approximation of ITL (`{{ var }}` and `{{ var | func(args) }}`), not ITL."""

from __future__ import annotations

import json
import re

TEMPLATE_FIELDS = ("summaryTemplate", "detailsTemplate", "routingTemplate", "alertKeyTemplate")
FILTER_FIELDS = ("eventFilter", "eventTypeFilterCreate", "eventTypeFilterAccept", "eventTypeFilterResolve")
INCLUDE_FIELDS = TEMPLATE_FIELDS + ("linkTemplates", "priorityTemplate", "severityTemplate", "servicesTemplate") + FILTER_FIELDS
ELEMENT_TYPES = ("TEXT", "VAR", "RAW")
MAX_LINK_TEMPLATES = 10
MAX_SERVICES_TEMPLATES = 10
_VARIABLE = re.compile(r"\{\{(.*?)\}\}", re.S)
_FUNCTION = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:\((.*)\))?\s*$", re.S)


# --- checking what clients write -------------------------------------------------------------------
def check_template(value, field: str, errors: list[str]) -> dict | None:
    if not isinstance(value, dict):
        errors.append("%s must be an object with textTemplate or elements" % field)
        return None
    if isinstance(value.get("textTemplate"), str):
        return {"textTemplate": value["textTemplate"]}
    elements = value.get("elements")
    if not isinstance(elements, list) or not elements:
        errors.append("%s needs a textTemplate string or a non-empty elements list" % field)
        return None
    for index, element in enumerate(elements):
        if not isinstance(element, dict) or element.get("type") not in ELEMENT_TYPES or not isinstance(element.get("val"), str):
            errors.append("%s.elements[%d] needs type (%s) and a string val" % (field, index, "|".join(ELEMENT_TYPES)))
            return None
    return {"elements": [dict(element) for element in elements]}


def check_include_fields(body: dict, errors: list[str]) -> dict:
    """The include-only fields present in a POST/PUT body, checked and normalized."""
    stored = {}
    for field in TEMPLATE_FIELDS:
        if body.get(field) is not None:
            stored[field] = check_template(body[field], field, errors)
    for field in FILTER_FIELDS:
        if body.get(field) is not None:
            if isinstance(body[field], str):
                stored[field] = body[field]
            else:
                errors.append("%s must be a string (an ICL condition)" % field)
    if body.get("linkTemplates") is not None:
        stored["linkTemplates"] = _check_links(body["linkTemplates"], errors)
    for field, key, allowed in (("priorityTemplate", "priority", ("HIGH", "LOW")), ("severityTemplate", "severity", (1, 2, 3, 4, 5))):
        if body.get(field) is not None:
            stored[field] = _check_mapping_template(body[field], field, key, allowed, errors)
    if body.get("servicesTemplate") is not None:
        value = body["servicesTemplate"]
        if not isinstance(value, list) or len(value) > MAX_SERVICES_TEMPLATES:
            errors.append("servicesTemplate must be a list of at most %d templates" % MAX_SERVICES_TEMPLATES)
        else:
            stored["servicesTemplate"] = [check_template(item, "servicesTemplate[%d]" % index, errors) for index, item in enumerate(value)]
    return stored


def _check_links(value, errors: list[str]) -> list | None:
    if not isinstance(value, list) or len(value) > MAX_LINK_TEMPLATES:
        errors.append("linkTemplates must be a list of at most %d link templates" % MAX_LINK_TEMPLATES)
        return None
    links = []
    for index, link in enumerate(value):
        field = "linkTemplates[%d]" % index
        if not isinstance(link, dict) or link.get("hrefTemplate") is None:
            errors.append("%s.hrefTemplate is required" % field)
            continue
        if not isinstance(link.get("text"), str) and link.get("linkTextTemplate") is None:
            errors.append("%s needs text or linkTextTemplate" % field)
            continue
        stored = {"hrefTemplate": check_template(link["hrefTemplate"], field + ".hrefTemplate", errors)}
        if link.get("linkTextTemplate") is not None:
            stored["linkTextTemplate"] = check_template(link["linkTextTemplate"], field + ".linkTextTemplate", errors)
        if isinstance(link.get("text"), str):
            stored["text"] = link["text"]
        links.append(stored)
    return links


def _check_mapping_template(value, field: str, key: str, allowed: tuple, errors: list[str]) -> dict | None:
    if not isinstance(value, dict) or value.get("valueTemplate") is None or not isinstance(value.get("mappings"), list):
        errors.append("%s needs valueTemplate and mappings" % field)
        return None
    mappings = []
    for index, mapping in enumerate(value["mappings"]):
        if not isinstance(mapping, dict) or not isinstance(mapping.get("value"), str) or mapping.get(key) not in allowed:
            errors.append("%s.mappings[%d] needs a string value and %s in %s" % (field, index, key, ", ".join(str(item) for item in allowed)))
            continue
        mappings.append({"value": mapping["value"], key: mapping[key]})
    return {"valueTemplate": check_template(value["valueTemplate"], field + ".valueTemplate", errors), "mappings": mappings}


# --- giving them back ---------------------------------------------------------------------------
def render_include_fields(stored: dict, wanted: set[str]) -> dict:
    as_text = "textTemplate" in wanted
    body = {}
    for field in INCLUDE_FIELDS:
        if field not in wanted or stored.get(field) is None:
            continue
        value = stored[field]
        if field in TEMPLATE_FIELDS:
            value = render_template(value, as_text)
        elif field == "servicesTemplate":
            value = [render_template(item, as_text) for item in value]
        elif field in ("priorityTemplate", "severityTemplate"):
            value = dict(value, valueTemplate=render_template(value["valueTemplate"], as_text))
        elif field == "linkTemplates":
            value = [_render_link(link, as_text) for link in value]
        body[field] = value
    return body


def _render_link(link: dict, as_text: bool) -> dict:
    # Since mid-2026 iLert no longer returns the deprecated `text` once `linkTextTemplate` is used.
    body = {"hrefTemplate": render_template(link["hrefTemplate"], as_text)}
    if link.get("linkTextTemplate") is not None:
        body["linkTextTemplate"] = render_template(link["linkTextTemplate"], as_text)
    elif "text" in link:
        body["text"] = link["text"]
    return body


def render_template(stored: dict, as_text: bool) -> dict:
    if as_text:
        return {"textTemplate": stored["textTemplate"]} if "textTemplate" in stored else {"textTemplate": elements_to_text(stored["elements"])}
    return {"elements": stored["elements"]} if "elements" in stored else {"elements": text_to_elements(stored["textTemplate"])}


def text_to_elements(text: str) -> list[dict]:
    elements, position = [], 0
    for match in _VARIABLE.finditer(text):
        if match.start() > position:
            elements.append({"type": "TEXT", "val": text[position:match.start()]})
        expression, dummy, function = match.group(1).partition("|")
        element = {"type": "VAR", "val": expression.strip()}
        parsed = _FUNCTION.match(function) if function.strip() else None
        if parsed:
            element["func"] = parsed.group(1)
            if parsed.group(2) is not None:
                element["args"] = [_argument(arg) for arg in parsed.group(2).split(",") if arg.strip()]
        elements.append(element)
        position = match.end()
    if position < len(text) or not elements:
        elements.append({"type": "TEXT", "val": text[position:]})
    return elements


def elements_to_text(elements: list[dict]) -> str:
    parts = []
    for element in elements:
        if element["type"] != "VAR":
            parts.append(element["val"])
            continue
        function = ""
        if element.get("func"):
            arguments = ", ".join(json.dumps(arg["S"]) if "S" in arg else str(arg.get("N")) for arg in element.get("args", []))
            function = " | %s(%s)" % (element["func"], arguments) if element.get("args") else " | %s" % element["func"]
        parts.append("{{ %s%s }}" % (element["val"], function))
    return "".join(parts)


def _argument(text: str) -> dict:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return {"S": text[1:-1]}
    try:
        return {"N": float(text) if "." in text else int(text)}
    except ValueError:
        return {"S": text}
