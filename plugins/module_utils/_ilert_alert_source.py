# -*- coding: utf-8 -*-
# Copyright: ilert.watcher contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FOR INTERNAL COLLECTION USE ONLY: the ilert_alert_source and ilert_alert_source_info modules' logic.

Backwards incompatible changes can happen here in any release.

``AlertSource`` fills in the hooks of the shared ``ResourceModule`` state machine: it finds the
source by name (or pinned id), resolves names to ids (``_ilert_lookup``) and maps between the
module options, the canonical state and iLert's JSON (``_ilert_alert_source_state``).
``run_info`` is the read-only info module.
"""

from __future__ import annotations

import copy
import time

from ansible_collections.ilert.watcher.plugins.module_utils._ilert import (
    ILertAPIError,
    ILertConnectionError,
    ILertError,
    client_from_module,
)
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_alert_source_state import (
    EMAIL_TYPES,
    READ_ONLY_FIELDS,
    AlertSourceError,
    api_fields,
    check_alert_creation,
    create_body,
    current_view,
    id_of,
    include_params,
    normalize_params,
    update_body,
    webhook,
)
from ansible_collections.ilert.watcher.plugins.module_utils._ilert_lookup import Resolver, UnresolvedName
from ansible_collections.ilert.watcher.plugins.module_utils._resource import ResourceModule
from ansible_collections.ilert.watcher.plugins.module_utils._watch_secrets import MASK

SOURCES_PATH = "/api/alert-sources"
SOURCE_PATH = "/api/alert-sources/{id}"
# Answers to a create that do not say whether iLert made the source (its answer may be lost).
UNCERTAIN_CREATE_STATUSES = frozenset((500, 502, 503, 504))


def describe_api_error(exc: ILertError) -> str:
    """A hint that names the fix for the API errors users can fix themselves."""
    if isinstance(exc, ILertConnectionError) or not isinstance(exc, ILertAPIError):
        return ""
    if exc.status == 401:
        return " Set api_token (or the ILERT_API_TOKEN environment variable) to an iLert API key."
    if exc.status == 403 and exc.code == "KEY_ERROR":
        return " iLert refused the API key: check api_token (or ILERT_API_TOKEN) and that api_url is your iLert instance."
    if exc.status == 403:
        return (" The API key works but may not do this: changing alert sources needs a user with the ADMIN or USER role"
                " (or an OAuth2 token with the source:w scope, and source:d to delete).")
    if exc.status == 402:
        return " Your iLert plan does not include this, or its quota is used up."
    if exc.status == 429:
        return " iLert still rate limited the request after every retry: raise retries, or run fewer parallel tasks against iLert."
    return ""


def with_hint(exc: ILertError) -> str:
    """The error's text, ended as a sentence, and the hint for it if there is one."""
    text = str(exc).rstrip()
    hint = describe_api_error(exc)
    if hint and not text.endswith((".", "!", "?")):
        text += "."
    return text + hint


def api_error_details(exc: ILertError):
    if isinstance(exc, ILertAPIError):
        return {"status": exc.status, "code": exc.code, "message": exc.message}
    return None


# --- reading -----------------------------------------------------------------------------------------
def list_sources(client) -> list:
    return [source for source in client.paginate(SOURCES_PATH) if isinstance(source, dict)]


def get_source(client, source_id, with_templates: bool = True):
    return client.get_or_none(SOURCE_PATH, path_params={"id": source_id}, params=include_params(with_templates))


# --- the module ---------------------------------------------------------------------------------------
class AlertSource(ResourceModule):
    """ilert_alert_source: one alert source, found by name (or pinned by id)."""

    resource_type = "alert source"
    result_key = "alert_source"

    def __init__(self, module, client=None):
        super().__init__(module)
        self.client = client if client is not None else client_from_module(module)
        self.params = module.params
        self.current = None
        self.resolver = None
        self._desired = None
        self._wanted = None
        self._doing = "reading alert source '%s'" % self.params["name"]

    @property
    def identity(self) -> str:
        return self.params["name"]

    # --- entry point --------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            # Bad input fails here, before any request.
            self._wanted = normalize_params(self.params)
            super().run()
        except (AlertSourceError, UnresolvedName) as exc:
            self.module.fail_json(msg=str(exc))
        except ILertError as exc:
            self.module.fail_json(msg="Error %s: %s" % (self._doing, with_hint(exc)), api_error=api_error_details(exc))

    # --- hooks --------------------------------------------------------------------------------------
    def read(self):
        source_id = self.params.get("id")
        if source_id is not None:
            current = get_source(self.client, source_id)
            if current is None and self.params.get("state") != "absent":
                raise AlertSourceError(
                    "Alert source id %s does not exist (or this API key cannot see it). Leave id unset to create a new alert "
                    "source named '%s'." % (source_id, self.params["name"]))
        else:
            name = self.params["name"]
            matches = [source for source in list_sources(self.client) if source.get("name") == name]
            if len(matches) > 1:
                raise AlertSourceError(
                    "%d alert sources are named '%s' (ids %s). Set id to the one this task manages, or rename the others."
                    % (len(matches), name, ", ".join(str(source.get("id")) for source in matches)))
            current = get_source(self.client, matches[0]["id"]) if matches else None
        self.current = current
        return current

    def desired_state(self) -> dict:
        desired = copy.deepcopy(self._wanted)
        current = self.current
        if current is None and desired.get("escalation_policy") is None:
            raise AlertSourceError("escalation_policy is required to create alert source '%s' (give its name or id)." % self.params["name"])
        if current is None and desired["integration_type"] in EMAIL_TYPES and desired.get("email") is None:
            raise AlertSourceError("email is required to create the %s alert source '%s': it is the address the source receives alerts at."
                                   % (desired["integration_type"], self.params["name"]))
        if current is not None and current.get("integrationType") != desired["integration_type"]:
            raise AlertSourceError(
                "Alert source '%s' (id %s) has integration type %s, not %s. iLert cannot change the type of an alert source in "
                "place, and a new source gets a new integration key: every watch posting to the current key would break. To "
                "replace it, run with state=absent and then state=present (and update the watches), or use a new name."
                % (self.params["name"], current.get("id"), current.get("integrationType"), desired["integration_type"]))
        check_alert_creation(desired, current)
        self._doing = "looking up names for alert source '%s'" % self.params["name"]
        self.resolver = Resolver(self.client, current)
        for kind in ("escalation_policy", "support_hours"):
            if desired.get(kind) is not None:
                desired[kind] = self.resolver.resolve(kind, desired[kind])
        for kind in ("teams", "services"):
            if kind in desired:
                desired[kind] = sorted(set(self.resolver.resolve(kind, entity) for entity in desired[kind]))
        self._desired = desired
        return desired

    def current_state(self, current) -> dict:
        return current_view(current, self._desired)

    def create_object(self, desired: dict):
        """POST, and after an answer that leaves it open whether iLert acted, look before posting again.

        iLert does not enforce unique names, so a blind second POST after a lost answer would make a
        duplicate. The source is looked for by name after a growing pause, as many times as the
        connection's ``retries`` allow.
        """
        name = self.params["name"]
        self._doing = "creating alert source '%s'" % name
        body = create_body(desired)
        for attempt in range(self.client.retries + 1):
            try:
                return self._keep_the_oldest(self.client.post(SOURCES_PATH, body=body, params=include_params()))
            except (ILertAPIError, ILertConnectionError) as exc:
                uncertain = isinstance(exc, ILertConnectionError) or exc.status in UNCERTAIN_CREATE_STATUSES
                if not uncertain or attempt == self.client.retries:
                    raise
                self.module.warn("Creating alert source '%s' got no clear answer (%s); looking whether iLert made it before trying again."
                                 % (name, exc))
            time.sleep(min(30.0, 2.0 ** attempt))
            self._doing = "looking for alert source '%s' after an unanswered create" % name
            made = [source for source in list_sources(self.client) if source.get("name") == name]
            if len(made) > 1:
                raise AlertSourceError("%d alert sources are named '%s' (ids %s), made at the same time by another run. Delete all but "
                                       "one, or set id to the one this task manages." % (len(made), name, ", ".join(str(s.get("id")) for s in made)))
            if made:
                return get_source(self.client, made[0]["id"])
            self._doing = "creating alert source '%s'" % name
        raise AssertionError("unreachable")  # pragma: no cover

    def _keep_the_oldest(self, created: dict) -> dict:
        """After a create: if another run made the same source meanwhile, keep the older one.

        iLert does not enforce unique names, so two runs that both found no source both create one.
        Each looks again after its create; the source with the lowest id (the first made) stays,
        and a run whose own source is younger deletes it and adopts the older one.
        """
        name = self.params["name"]
        self._doing = "checking for a second alert source '%s' made at the same time" % name
        same = sorted((source for source in list_sources(self.client) if source.get("name") == name), key=lambda source: source.get("id") or 0)
        if not same or same[0].get("id") == created.get("id"):
            return created
        self._doing = "deleting the second alert source '%s' (id %s) this run made at the same time as another" % (name, created.get("id"))
        self.client.delete(SOURCE_PATH, path_params={"id": created["id"]})
        self.module.warn("Alert source '%s' was created at the same time by another run (id %s); this run's copy (id %s) was deleted "
                         "and id %s is used." % (name, same[0].get("id"), created.get("id"), same[0].get("id")))
        return get_source(self.client, same[0]["id"])

    def update_object(self, current, desired: dict, changed_keys: list):
        self._doing = "updating alert source '%s' (id %s)" % (self.params["name"], current.get("id"))
        return self.client.put(SOURCE_PATH, body=update_body(current, desired), path_params={"id": current["id"]},
                               params=include_params())

    def delete_object(self, current) -> None:
        self._doing = "deleting alert source '%s' (id %s)" % (current.get("name"), current.get("id"))
        self.client.delete(SOURCE_PATH, path_params={"id": current["id"]})

    def preview(self, current, desired: dict):
        """What a real run would return, as far as it is known without asking iLert to do it."""
        if current is None:
            preview = create_body(desired)
        else:
            body = update_body(current, desired)
            preview = copy.deepcopy(current)
            for field in list(preview):
                if field not in body and field not in READ_ONLY_FIELDS and field not in ("teams", "integrationKey"):
                    del preview[field]  # removed by the user ("" or {}) or dropped with windowed alert creation
            for field, value in api_fields(desired).items():
                unchanged_reference = field in ("escalationPolicy", "supportHours") and id_of(current.get(field)) == id_of(value)
                if value is not None and not unchanged_reference:
                    preview[field] = value
        names = self.resolver.names
        for kind, field in (("escalation_policy", "escalationPolicy"), ("support_hours", "supportHours")):
            value = preview.get(field)
            if isinstance(value, dict) and "name" not in value and value.get("id") in names[kind]:
                value["name"] = names[kind][value["id"]]
        for kind in ("teams", "services"):
            if kind in desired:
                preview[kind] = [dict({"id": entity}, **({"name": names[kind][entity]} if entity in names[kind] else {}))
                                 for entity in desired[kind]]
        return preview

    def shown(self, state: dict) -> dict:
        """The address of an e-mail source is its integration key: anyone who knows it can raise alerts."""
        if state and state.get("email") is not None:
            return dict(state, email=MASK)
        return state

    def result_values(self, obj) -> dict:
        obj = obj or {}
        key = obj.get("integrationKey")
        return {
            "id": obj.get("id"),
            "integration_key": key,
            "integration_url": obj.get("integrationUrl"),
            "webhook": webhook(self.client.api_url, obj.get("integrationType"), key) if obj.get("id") is not None else None,
        }


# --- the info module ------------------------------------------------------------------------------------
def find_sources(client, name=None, source_id=None, integration_type=None, include_templates=False, include_keys=False) -> list:
    """Alert sources matching every filter given, sorted by id; keys removed unless include_keys."""
    if source_id is not None:
        source = get_source(client, source_id, include_templates)
        sources = [source] if source is not None else []
    else:
        sources = list_sources(client)
    if name is not None:
        sources = [source for source in sources if source.get("name") == name]
    if integration_type is not None:
        sources = [source for source in sources if str(source.get("integrationType", "")).upper() == integration_type.strip().upper()]
    if include_templates and source_id is None:
        # Lists never carry templates and filters: read each source again with every include.
        sources = [get_source(client, source["id"]) for source in sources]
        sources = [source for source in sources if source is not None]
    if not include_keys:
        for source in sources:
            source.pop("integrationKey", None)
            source.pop("integrationUrl", None)
    return sorted(sources, key=lambda source: source.get("id") or 0)


def run_info(module, client=None) -> None:
    params = module.params
    client = client if client is not None else client_from_module(module)
    try:
        sources = find_sources(client, name=params.get("name"), source_id=params.get("id"), integration_type=params.get("integration_type"),
                               include_templates=params.get("include_templates"), include_keys=params.get("include_keys"))
    except ILertError as exc:
        module.fail_json(msg="Error reading alert sources: %s" % with_hint(exc), api_error=api_error_details(exc))
    else:
        module.exit_json(changed=False, alert_sources=sources)
